//! Questionnaires: the intake and the measures filled in from the portal (drafts saved as the
//! patient types, sent when they choose), the risk path (crisis contacts for the patient, a mark
//! on the case and a mail without content for the therapist), what the therapist's workspace
//! reads (the intake, the family, the measures over time), and the therapist's own copies.
//!
//! Only a case's patient and therapist may know its responses exist (everyone else: not found);
//! only the patient writes answers; every read and write of answers is in the audit log.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::account::Role;
use domain::audit::AuditAction;
use domain::case::{Case, Stage};
use domain::genogram::Person;
use domain::ids::{CaseId, UserId};
use domain::intake::{
    self, AnswerErrors, Attention, Progress, Questionnaire, ReadSection, Response, ResponseId,
    ResponseInfo, Status,
};
use domain::measures::{Measure, Severity};
use jiff::Timestamp;
use std::collections::BTreeMap;
use store::Conn;

mod copies;
pub mod schedules;

/// A response in the patient's list, with whom it is shared.
#[derive(Clone, Debug)]
pub struct Listed {
    pub info: ResponseInfo,
    pub therapist: String,
}

/// A response opened to be filled in (or read, once sent).
#[derive(Clone, Debug)]
pub struct Filling {
    pub case: Case,
    pub questionnaire: Questionnaire,
    pub response: Response,
    pub progress: Progress,
    /// An answer in it needs the therapist's attention: the page shows the crisis contacts.
    pub risk: bool,
    pub crisis_contacts: domain::crisis::Contacts,
}

impl Filling {
    /// The answers read back in words, in the version's wording (the patient named by first name).
    pub fn read_back(&self) -> Vec<ReadSection> {
        intake::read_out(
            &self.questionnaire.definition,
            &self.response.answers,
            first_name(&self.case.patient.name),
        )
    }
}

/// What came of saving a page of answers.
#[derive(Clone, Debug)]
pub enum Saved {
    Saved {
        progress: Progress,
        risk: bool,
        submitted: bool,
    },
    /// Refused by field. A refused page stores nothing; a refused submission keeps the draft.
    Refused {
        errors: AnswerErrors,
        progress: Progress,
        risk: bool,
    },
    /// The response was already sent; sent answers are never changed.
    AlreadySent,
}

/// A response as the therapist reads it, bound to (and worded by) the version it answered.
#[derive(Clone, Debug)]
pub struct AnsweredQuestionnaire {
    pub case: Case,
    pub questionnaire: Questionnaire,
    pub response: Response,
    pub sections: Vec<ReadSection>,
    /// An answer in it needs attention (a risk choice, or the PHQ-9's ninth item above 0).
    pub risk: bool,
    /// The case's "needs attention" mark, not yet seen, is this response's.
    pub marked: bool,
}

/// One scored measure, for a chart over time.
#[derive(Clone, Debug)]
pub struct MeasureResult {
    pub response: ResponseId,
    /// When it was sent.
    pub at: Timestamp,
    pub measure: &'static Measure,
    pub total: u8,
    pub severity: Severity,
    pub needs_attention: bool,
}

/// The questionnaires of a case, as its page shows them to the therapist.
#[derive(Clone, Debug)]
pub struct CaseQuestionnaires {
    pub case: Case,
    pub responses: Vec<ResponseInfo>,
    pub attention: Option<Attention>,
    /// What the therapist can send: their own newest version of each, else the built-in.
    pub offered: Vec<Questionnaire>,
}

/// The first word of a name: how the genogram names the patient.
pub(crate) fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("")
}

impl App {
    /// Writes the built-in questionnaires that are not stored yet (idempotent: several instances
    /// may do it at once).
    pub(crate) async fn ensure_builtin(&self, c: &mut Conn) -> AppResult<()> {
        let all = intake::builtin();
        let rows: Vec<store::intake::Builtin> = all
            .iter()
            .map(|b| store::intake::Builtin {
                id: intake::builtin_id(b.key, b.version),
                key: b.key,
                version: b.version,
                definition: &b.definition,
            })
            .collect();
        Ok(store::intake::ensure_builtin(c, &rows, self.now()).await?)
    }

    /// The version a new response to `key` answers in a case of `therapist`.
    async fn current_questionnaire(
        &self,
        c: &mut Conn,
        therapist: &UserId,
        key: &str,
    ) -> AppResult<Questionnaire> {
        self.ensure_builtin(c).await?;
        store::intake::current(c, therapist, key)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The case's responses, after making the first-session questionnaires available in a case
    /// that never had them (a case that has ended gets nothing new).
    async fn offer_first_session(&self, c: &mut Conn, case: &Case) -> AppResult<Vec<ResponseInfo>> {
        let mut list = store::intake::of_case(c, &case.id).await?;
        if matches!(case.stage, Stage::Ended | Stage::Referred | Stage::Closed) {
            return Ok(list);
        }
        let missing: Vec<&str> = intake::FIRST_SESSION
            .into_iter()
            .filter(|key| !list.iter().any(|r| r.key == *key))
            .collect();
        if missing.is_empty() {
            return Ok(list);
        }
        for key in missing {
            let q = self
                .current_questionnaire(c, &case.therapist.id, key)
                .await?;
            store::intake::assign(c, &case.id, &q, None, self.now()).await?;
        }
        list = store::intake::of_case(c, &case.id).await?;
        Ok(list)
    }

    /// The patient's questionnaires in all their cases: open ones and sent ones.
    #[tracing::instrument(skip_all)]
    pub async fn my_questionnaires(&self, actor: &Actor) -> AppResult<Vec<Listed>> {
        self.require(actor, Action::UsePortal).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let mut out = Vec::new();
        for case in store::cases::of_patient(&mut tx, &user.id).await? {
            for info in self.offer_first_session(&mut tx, &case).await? {
                out.push(Listed {
                    info,
                    therapist: case.therapist.name.clone(),
                });
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The response and its case, if the actor may reach the case from `side`.
    async fn response_in_case(
        &self,
        c: &mut Conn,
        actor: &Actor,
        id: &ResponseId,
        side: CaseSide,
    ) -> AppResult<(Case, Response)> {
        let case_id = store::intake::case_of(c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let case = self.case_as(c, actor, &case_id, side).await?;
        let response = store::intake::response(c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((case, response))
    }

    pub(crate) async fn version_of(
        &self,
        c: &mut Conn,
        response: &Response,
    ) -> AppResult<Questionnaire> {
        store::intake::questionnaire(c, &response.info.questionnaire)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Opens a response for its patient (to fill in, or to read once sent) or its therapist.
    /// A draft nobody has started follows the therapist's newest version of the questionnaire.
    #[tracing::instrument(skip_all, fields(response = %id))]
    pub async fn open_response(&self, actor: &Actor, id: &ResponseId) -> AppResult<Filling> {
        let mut tx = self.db().begin().await?;
        let (case, mut response) = self
            .response_in_case(&mut tx, actor, id, CaseSide::Either)
            .await?;
        if actor.role() == Some(Role::Patient)
            && response.info.status == Status::Draft
            && !response.info.started
        {
            let newest = self
                .current_questionnaire(&mut tx, &case.therapist.id, &response.info.key)
                .await?;
            if newest.id != response.info.questionnaire
                && store::intake::rebind(&mut tx, id, &newest, self.now()).await?
            {
                response = store::intake::response(&mut tx, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
            }
        }
        let questionnaire = self.version_of(&mut tx, &response).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::ResponsesRead,
            case.id.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        let crisis_contacts = self.crisis_contacts_for(&case.patient).await?;
        let def = &questionnaire.definition;
        Ok(Filling {
            progress: intake::progress(def, &response.answers),
            risk: intake::risk(def, &response.answers),
            crisis_contacts,
            case,
            questionnaire,
            response,
        })
    }

    /// Saves the answers on one page (`section`) of a response; with `submit`, sends it to the
    /// therapist. Only the case's patient writes answers. The first save that carries a risk
    /// answer marks the case and mails the therapist (once per response): the answers, the mark,
    /// the mail and the audit rows commit together.
    #[tracing::instrument(skip_all, fields(response = %id, section, submit))]
    pub async fn save_response(
        &self,
        actor: &Actor,
        id: &ResponseId,
        section: usize,
        fields: &BTreeMap<String, String>,
        submit: bool,
    ) -> AppResult<Saved> {
        let mut tx = self.db().begin().await?;
        let (case, response) = self
            .response_in_case(&mut tx, actor, id, CaseSide::Patient)
            .await?;
        self.require_open(&mut tx, actor, &case, "questionnaire_answer")
            .await?;
        if response.info.status == Status::Submitted {
            return Ok(Saved::AlreadySent);
        }
        let questionnaire = self.version_of(&mut tx, &response).await?;
        let def = &questionnaire.definition;
        if section >= def.sections.len() {
            return Err(AppError::Invalid(Default::default()));
        }
        let mut answers = response.answers.clone();
        let errors = intake::read_section(def, section, fields, &mut answers);
        if !errors.is_empty() {
            self.audit_in(
                &mut tx,
                actor,
                AuditAction::ResponsesWrite,
                case.id.as_str(),
                id.as_str(),
                Outcome::Refused,
            )
            .await?;
            tx.commit().await?;
            return Ok(Saved::Refused {
                errors,
                progress: intake::progress(def, &response.answers),
                risk: intake::risk(def, &response.answers),
            });
        }
        // Every question may be skipped, a measure's items too: a partial measure is sent and read
        // as "incomplete", without a total (see `measures::score`).
        let sending = submit;
        let risk = intake::risk(def, &answers);
        let now = self.now();
        let saved =
            store::intake::save(&mut tx, id, &case.id, &answers, sending, risk, now).await?;
        if !saved.written {
            return Ok(Saved::AlreadySent);
        }
        let action = if sending {
            AuditAction::ResponsesSubmit
        } else {
            AuditAction::ResponsesWrite
        };
        self.audit_in(
            &mut tx,
            actor,
            action,
            case.id.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        if saved.raised {
            let alert = Task::RiskAlert {
                case: case.id.clone(),
            };
            store::jobs::enqueue(&mut tx, alert.job(format!("risk-alert:{id}"), now), now).await?;
            self.audit_in(
                &mut tx,
                actor,
                AuditAction::AttentionRaise,
                case.id.as_str(),
                id.as_str(),
                Outcome::Ok,
            )
            .await?;
        }
        tx.commit().await?;
        if saved.raised {
            self.wake_jobs();
        }
        let progress = intake::progress(def, &answers);
        Ok(Saved::Saved {
            progress,
            risk,
            submitted: sending,
        })
    }

    /// The case page's "Questionnaires": every response, the mark if a response needs
    /// attention, and what the therapist can send.
    #[tracing::instrument(skip_all, fields(case = %case))]
    pub async fn case_questionnaires(
        &self,
        actor: &Actor,
        case: &CaseId,
    ) -> AppResult<CaseQuestionnaires> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_as(&mut tx, actor, case, CaseSide::Therapist)
            .await?;
        let responses = self.offer_first_session(&mut tx, &case).await?;
        let mut offered = Vec::new();
        for key in intake::FIRST_SESSION {
            offered.push(
                self.current_questionnaire(&mut tx, &case.therapist.id, key)
                    .await?,
            );
        }
        let attention = store::intake::attention(&mut tx, &case.id).await?;
        tx.commit().await?;
        Ok(CaseQuestionnaires {
            attention,
            case,
            responses,
            offered,
        })
    }

    /// Sends a questionnaire (the therapist's newest version of `key`) to the case's patient.
    /// Answers false when one to the same questionnaire is still open.
    #[tracing::instrument(skip_all, fields(case = %case, key))]
    pub async fn send_questionnaire(
        &self,
        actor: &Actor,
        case: &CaseId,
        key: &str,
    ) -> AppResult<bool> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(&mut tx, actor, case, CaseSide::Therapist, "questionnaire")
            .await?;
        if !intake::FIRST_SESSION.contains(&key) {
            return Err(AppError::field("questionnaire", "error-answer-choice"));
        }
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let q = self
            .current_questionnaire(&mut tx, &case.therapist.id, key)
            .await?;
        let sent = store::intake::assign(&mut tx, &case.id, &q, Some(&user.id), self.now()).await?;
        if let Some(id) = &sent {
            self.audit_in(
                &mut tx,
                actor,
                AuditAction::QuestionnaireSend,
                case.id.as_str(),
                id.as_str(),
                Outcome::Ok,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(sent.is_some())
    }

    /// "I have seen it": clears the case's mark.
    #[tracing::instrument(skip_all, fields(case = %case))]
    pub async fn attention_seen(&self, actor: &Actor, case: &CaseId) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_as(&mut tx, actor, case, CaseSide::Therapist)
            .await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        if store::intake::clear_attention(&mut tx, &case.id, &user.id, self.now()).await? {
            self.audit_in(
                &mut tx,
                actor,
                AuditAction::AttentionSeen,
                case.id.as_str(),
                "",
                Outcome::Ok,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The actor's cases with a response that needs their attention (for the patients list).
    #[tracing::instrument(skip_all)]
    pub async fn cases_needing_attention(&self, actor: &Actor) -> AppResult<Vec<CaseId>> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        Ok(store::intake::attention_of_therapist(&mut c, &user.id).await?)
    }

    async fn answered(
        &self,
        c: &mut Conn,
        actor: &Actor,
        case: Case,
        response: Response,
    ) -> AppResult<AnsweredQuestionnaire> {
        let questionnaire = self.version_of(c, &response).await?;
        self.audit_in(
            c,
            actor,
            AuditAction::ResponsesRead,
            case.id.as_str(),
            response.info.id.as_str(),
            Outcome::Ok,
        )
        .await?;
        let marked = store::intake::attention(c, &case.id)
            .await?
            .is_some_and(|a| a.response == response.info.id);
        let def = &questionnaire.definition;
        Ok(AnsweredQuestionnaire {
            marked,
            sections: intake::read_out(def, &response.answers, first_name(&case.patient.name)),
            risk: intake::risk(def, &response.answers),
            case,
            questionnaire,
            response,
        })
    }

    /// One response as its therapist reads it, in the wording of the version it answered.
    #[tracing::instrument(skip_all, fields(response = %id))]
    pub async fn read_response(
        &self,
        actor: &Actor,
        id: &ResponseId,
    ) -> AppResult<AnsweredQuestionnaire> {
        let mut c = self.db().conn().await?;
        let (case, response) = self
            .response_in_case(&mut c, actor, id, CaseSide::Therapist)
            .await?;
        let answered = self.answered(&mut c, actor, case, response).await?;
        // Opened by its therapist, a returned questionnaire leaves the day's list.
        store::day::mark_reviewed(&mut c, id, self.now()).await?;
        Ok(answered)
    }

    /// The case's intake for the workspace: the newest one sent, else the newest draft with
    /// anything in it; `None` when the patient has not started one.
    #[tracing::instrument(skip_all, fields(case = %case))]
    pub async fn case_intake(
        &self,
        actor: &Actor,
        case: &CaseId,
    ) -> AppResult<Option<AnsweredQuestionnaire>> {
        let mut c = self.db().conn().await?;
        let case = self
            .case_as(&mut c, actor, case, CaseSide::Therapist)
            .await?;
        let list = store::intake::of_case(&mut c, &case.id).await?;
        let intakes = list.iter().filter(|r| r.key == intake::INTAKE);
        let chosen = intakes
            .clone()
            .filter(|r| r.status == Status::Submitted)
            .max_by_key(|r| (r.submitted_at, r.created_at))
            .or_else(|| {
                intakes
                    .filter(|r| r.started)
                    .max_by_key(|r| (r.updated_at, r.created_at))
            });
        let Some(chosen) = chosen else {
            return Ok(None);
        };
        let response = store::intake::response(&mut c, &chosen.id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Some(self.answered(&mut c, actor, case, response).await?))
    }

    /// The family from the case's intake, as `genogram` draws it: the patient first (by first
    /// name), then everyone they listed. Empty when nobody was listed.
    pub async fn case_family(&self, actor: &Actor, case: &CaseId) -> AppResult<Vec<Person>> {
        Ok(match self.case_intake(actor, case).await? {
            Some(a) => intake::family(
                &a.questionnaire.definition,
                &a.response.answers,
                first_name(&a.case.patient.name),
            ),
            None => Vec::new(),
        })
    }

    /// Every complete measure the patient sent in the case, oldest first.
    #[tracing::instrument(skip_all, fields(case = %case))]
    pub async fn case_measures(
        &self,
        actor: &Actor,
        case: &CaseId,
    ) -> AppResult<Vec<MeasureResult>> {
        let mut c = self.db().conn().await?;
        let case = self
            .case_as(&mut c, actor, case, CaseSide::Therapist)
            .await?;
        self.measures_of(&mut c, actor, &case).await
    }

    /// Every complete measure sent in `case` (which the caller has already checked), oldest first;
    /// each response opened is audited as read by `actor`.
    async fn measures_of(
        &self,
        c: &mut Conn,
        actor: &Actor,
        case: &Case,
    ) -> AppResult<Vec<MeasureResult>> {
        let mut out = Vec::new();
        for info in store::intake::of_case(c, &case.id).await? {
            let (Status::Submitted, Some(at)) = (info.status, info.submitted_at) else {
                continue;
            };
            if !intake::is_measure_key(&info.key) {
                continue;
            }
            let Some(response) = store::intake::response(c, &info.id).await? else {
                continue;
            };
            let questionnaire = self.version_of(c, &response).await?;
            self.audit_in(
                c,
                actor,
                AuditAction::ResponsesRead,
                case.id.as_str(),
                info.id.as_str(),
                Outcome::Ok,
            )
            .await?;
            for (measure, score) in intake::scores(&questionnaire.definition, &response.answers) {
                if let Ok(score) = score {
                    out.push(MeasureResult {
                        response: info.id.clone(),
                        at,
                        measure,
                        total: score.total,
                        severity: score.severity,
                        needs_attention: score.needs_attention(),
                    });
                }
            }
        }
        // Same instant (a test's clock): in the order the practice asks them.
        out.sort_by_key(|m| {
            let order = domain::measures::ALL
                .iter()
                .position(|x| x.id == m.measure.id);
            (m.at, order)
        });
        Ok(out)
    }
}
