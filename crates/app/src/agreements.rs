//! The therapy agreement: the therapist's template (each save a new version, sent at once to every
//! open case that had an earlier one), sending it to one patient with their own fee and frequency,
//! the patient's signature on exactly the text they were shown, and the countersignature.
//! Every opening of an agreement's text is audited; mail says only that there is something to read.

use crate::accounts::Client;
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::agreement::{
    self as rules, Agreement, AgreementInfo, Parties, SendInput, SignInput, Standing, Status,
    Template, TemplateInput, Terms,
};
use domain::audit::AuditAction;
use domain::case::Case;
use domain::ids::{AgreementId, CaseId, UserId};
use jiff::SignedDuration;
use store::agreements::{self, Outgoing, Signature, TemplateVersion};
use store::jobs::NewJob;

/// The template page: the form's contents and every saved version, newest first.
pub struct Editor {
    pub input: TemplateInput,
    pub versions: Vec<TemplateVersion>,
}

/// What saving the template did.
pub struct Saved {
    pub version: i64,
    /// How many patients were asked to sign the new version.
    pub sent: usize,
    /// Nothing differed from the newest version, so none was made.
    pub unchanged: bool,
}

/// The agreement section of a case page.
pub struct CaseAgreements {
    /// Newest first.
    pub agreements: Vec<AgreementInfo>,
    pub standing: Standing,
    /// The template's terms, which an empty fee or frequency falls back to.
    pub terms: Terms,
    /// This person's own fee and frequency, as in their newest agreement.
    pub overrides: rules::Overrides,
}

/// An agreement opened for its patient or its therapist.
pub struct Opened {
    pub agreement: Agreement,
    pub case: Case,
    /// The agreement that replaced this one, when it was withdrawn unsigned.
    pub newer: Option<AgreementId>,
}

/// An agreement as the portal lists it.
pub struct Document {
    pub info: AgreementInfo,
    pub therapist: String,
    /// An older version of the same case's agreement was signed before this one was sent.
    pub renewal: bool,
}

fn to_sign_job(id: &AgreementId, now: jiff::Timestamp) -> NewJob {
    Task::AgreementToSign {
        agreement: id.to_string(),
    }
    .job(format!("agreement-to-sign:{id}"), now)
}

impl App {
    /// The template form: the newest version, or a first draft for a therapist who has none.
    #[tracing::instrument(skip_all)]
    pub async fn agreement_editor(&self, actor: &Actor) -> AppResult<Editor> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let versions = agreements::templates(&mut self.db().conn().await?, &user.id).await?;
        let template = match versions.first() {
            Some(v) => v.template.clone(),
            None => self.first_agreement(&user.id).await?,
        };
        Ok(Editor {
            input: TemplateInput::from_template(&template),
            versions,
        })
    }

    /// The typed template as a patient named `patient` would read it (the exact text, unsaved).
    pub async fn preview_agreement(
        &self,
        actor: &Actor,
        input: &TemplateInput,
        patient: &str,
    ) -> AppResult<String> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let template = input.validate()?;
        let parties = Parties {
            patient: patient.to_string(),
            therapist: user.name.clone(),
            practice: self.practice_name().await?,
        };
        Ok(rules::render(
            &template,
            &rules::Overrides::default(),
            &parties,
        ))
    }

    /// Saves the template as a new version and asks every open case that had an earlier version
    /// to sign this one: the version, each agreement, its mail and the audit rows commit together.
    /// An unchanged template makes no version and asks nobody.
    #[tracing::instrument(skip_all)]
    pub async fn save_agreement_template(
        &self,
        actor: &Actor,
        input: &TemplateInput,
    ) -> AppResult<Saved> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let template = input.validate()?;
        let practice = self.practice_name().await?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        if let Some(latest) = agreements::latest_template(&mut tx, &user.id).await? {
            if latest.template == template {
                return Ok(Saved {
                    version: latest.version,
                    sent: 0,
                    unchanged: true,
                });
            }
        }
        let mut renewals = Vec::new();
        for r in agreements::renewable_cases(&mut tx, &user.id).await? {
            let case = self
                .case_as(&mut tx, actor, &r.case, CaseSide::Therapist)
                .await?;
            let text = rules::render(&template, &r.overrides, &parties(&case, &practice));
            renewals.push(Outgoing {
                case: r.case,
                sha256: rules::fingerprint(&text),
                text,
                overrides: r.overrides,
            });
        }
        let saved = agreements::save_template(&mut tx, &user.id, &template, now).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::AgreementTemplateSave,
            "",
            &saved.id,
            Outcome::Ok,
        )
        .await?;
        for outgoing in &renewals {
            self.send_in(&mut tx, actor, &saved, &user.id, outgoing, now)
                .await?;
        }
        tx.commit().await?;
        self.wake_jobs();
        Ok(Saved {
            version: saved.version,
            sent: renewals.len(),
            unchanged: false,
        })
    }

    /// One agreement sent inside the use-case's transaction, with its mail and its audit row.
    async fn send_in(
        &self,
        tx: &mut store::Conn,
        actor: &Actor,
        template: &TemplateVersion,
        sent_by: &UserId,
        outgoing: &Outgoing,
        now: jiff::Timestamp,
    ) -> AppResult<AgreementId> {
        let sent = agreements::send(tx, template, sent_by, outgoing, now).await?;
        store::jobs::enqueue(tx, to_sign_job(&sent, now), now).await?;
        self.audit_in(
            tx,
            actor,
            AuditAction::AgreementSend,
            outgoing.case.as_str(),
            sent.as_str(),
            Outcome::Ok,
        )
        .await?;
        Ok(sent)
    }

    /// The agreement section of a case page: its agreements (without their text) and standing.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn case_agreements(&self, actor: &Actor, id: &CaseId) -> AppResult<CaseAgreements> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Therapist).await?;
        let list = agreements::of_case(&mut c, &case.id).await?;
        let terms = match agreements::latest_template(&mut c, &case.therapist.id).await? {
            Some(v) => v.template.terms,
            None => self.first_agreement(&case.therapist.id).await?.terms,
        };
        // Sending again starts from this person's own terms, so a reduced fee is not lost.
        let overrides = match list.first() {
            Some(newest) => {
                let o = agreements::overrides(&mut c, &newest.id).await?;
                self.audit_in(
                    &mut c,
                    actor,
                    AuditAction::AgreementRead,
                    case.id.as_str(),
                    &format!("{}:terms", newest.id),
                    Outcome::Ok,
                )
                .await?;
                o.unwrap_or_default()
            }
            None => rules::Overrides::default(),
        };
        Ok(CaseAgreements {
            standing: rules::standing(&list),
            agreements: list,
            terms,
            overrides,
        })
    }

    /// Sends the newest template to a case, with this person's fee and frequency where given; an
    /// agreement still waiting for a signature is withdrawn. The patient is told by email. The
    /// agreement, its mail and its audit row commit together.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn send_agreement(
        &self,
        actor: &Actor,
        id: &CaseId,
        input: &SendInput,
    ) -> AppResult<AgreementId> {
        let practice = self.practice_name().await?;
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(&mut tx, actor, id, CaseSide::Therapist, "agreement")
            .await?;
        let overrides = input.validate()?;
        let now = self.now();
        let template = match agreements::latest_template(&mut tx, &case.therapist.id).await? {
            Some(v) => v,
            None => {
                // The first agreement ever sent is the first draft, saved as version 1.
                let first = self.first_agreement(&case.therapist.id).await?;
                agreements::save_template(&mut tx, &case.therapist.id, &first, now).await?
            }
        };
        let text = rules::render(&template.template, &overrides, &parties(&case, &practice));
        let outgoing = Outgoing {
            case: case.id.clone(),
            sha256: rules::fingerprint(&text),
            text,
            overrides,
        };
        let sent = self
            .send_in(
                &mut tx,
                actor,
                &template,
                &case.therapist.id,
                &outgoing,
                now,
            )
            .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(sent)
    }

    /// Opens an agreement for its case's patient or therapist; nobody else learns it exists.
    #[tracing::instrument(skip_all, fields(agreement = %id))]
    pub async fn agreement(&self, actor: &Actor, id: &AgreementId) -> AppResult<Opened> {
        let mut c = self.db().conn().await?;
        let case_id = agreements::case_of(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let case = self
            .case_as(&mut c, actor, &case_id, CaseSide::Either)
            .await?;
        let agreement = agreements::get(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.audit_in(
            &mut c,
            actor,
            AuditAction::AgreementRead,
            case.id.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        let newer = match agreement.info.status() {
            Status::Withdrawn => agreements::of_case(&mut c, &case.id)
                .await?
                .into_iter()
                .find(|a| a.status() != Status::Withdrawn && a.sent_at >= agreement.info.sent_at)
                .map(|a| a.id),
            _ => None,
        };
        Ok(Opened {
            agreement,
            case,
            newer,
        })
    }

    /// The patient signs exactly the stored text whose hash their page carried: nothing is
    /// rendered again. A text that changed meanwhile (a newer version, a forged hash) is refused.
    /// The signature, the therapist's mail and the audit row commit together.
    #[tracing::instrument(skip_all, fields(agreement = %id))]
    pub async fn sign_agreement(
        &self,
        actor: &Actor,
        id: &AgreementId,
        input: &SignInput,
        client: &Client,
    ) -> AppResult<()> {
        // Who is no patient is refused before anything of the agreement is looked up.
        self.require(actor, Action::UsePortal).await?;
        let mut tx = self.db().begin().await?;
        let case_id = agreements::case_of(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let case = self
            .case_to_write(&mut tx, actor, &case_id, CaseSide::Patient, "agreement")
            .await?;
        let status = agreements::of_case(&mut tx, &case.id)
            .await?
            .into_iter()
            .find(|a| &a.id == id)
            .map(|a| a.status());
        match status {
            // A second click on "Sign" after the first went through.
            Some(Status::Signed | Status::Countersigned) => return Ok(()),
            Some(Status::Open) => {}
            _ => {
                self.refused_in(
                    &mut tx,
                    actor,
                    AuditAction::AgreementSign,
                    case.id.as_str(),
                    id.as_str(),
                )
                .await?;
                return Err(AppError::field("agreement", "error-agreement-changed"));
            }
        }
        let name = input.validate(&case.patient.name)?;
        let now = self.now();
        let signature = Signature {
            name: &name,
            address: &client.ip,
            user_agent: &client.user_agent,
        };
        let signed =
            agreements::sign(&mut tx, id, &case.id, input.sha256.trim(), &signature, now).await?;
        if !signed {
            self.refused_in(
                &mut tx,
                actor,
                AuditAction::AgreementSign,
                case.id.as_str(),
                id.as_str(),
            )
            .await?;
            return Err(AppError::field("agreement", "error-agreement-changed"));
        }
        let task = Task::AgreementSigned {
            agreement: id.to_string(),
        };
        store::jobs::enqueue(
            &mut tx,
            task.job(format!("agreement-signed:{id}"), now),
            now,
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::AgreementSign,
            case.id.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(())
    }

    /// The therapist countersigns a signed agreement. Answers its case.
    #[tracing::instrument(skip_all, fields(agreement = %id))]
    pub async fn countersign_agreement(
        &self,
        actor: &Actor,
        id: &AgreementId,
    ) -> AppResult<CaseId> {
        let mut tx = self.db().begin().await?;
        let case_id = agreements::case_of(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let case = self
            .case_to_write(&mut tx, actor, &case_id, CaseSide::Therapist, "agreement")
            .await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let done = agreements::countersign(&mut tx, id, &user.id, self.now()).await?;
        let signed = agreements::of_case(&mut tx, &case.id)
            .await?
            .into_iter()
            .any(|a| &a.id == id && a.signed_at.is_some());
        // Countersigning twice (a double click) is no error; countersigning what is unsigned is.
        if !signed {
            self.refused_in(
                &mut tx,
                actor,
                AuditAction::AgreementCountersign,
                case.id.as_str(),
                id.as_str(),
            )
            .await?;
            return Err(AppError::Forbidden);
        }
        let outcome = if done { Outcome::Ok } else { Outcome::Refused };
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::AgreementCountersign,
            case.id.as_str(),
            id.as_str(),
            outcome,
        )
        .await?;
        tx.commit().await?;
        Ok(case.id)
    }

    /// The patient's agreements across their cases, newest first (no text).
    #[tracing::instrument(skip_all)]
    pub async fn my_agreements(&self, actor: &Actor) -> AppResult<Vec<Document>> {
        self.require(actor, Action::UsePortal).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let all = agreements::of_patient(&mut self.db().conn().await?, &user.id).await?;
        let renewal = |a: &AgreementInfo| {
            all.iter().any(|b| {
                b.info.case_id == a.case_id
                    && b.info.version < a.version
                    && b.info.signed_at.is_some()
            })
        };
        Ok(all
            .iter()
            .map(|p| Document {
                renewal: renewal(&p.info),
                info: p.info.clone(),
                therapist: p.therapist.clone(),
            })
            .collect())
    }

    /// A case's agreements, opened, for the patient's data export (the caller checked the actor).
    pub(crate) async fn agreements_for_export(
        &self,
        c: &mut store::Conn,
        actor: &Actor,
        case: &Case,
    ) -> AppResult<Vec<serde_json::Value>> {
        let mut out = Vec::new();
        for info in agreements::of_case(c, &case.id).await? {
            let Some(a) = agreements::get(c, &info.id).await? else {
                continue;
            };
            out.push(serde_json::json!({
                "kind": "agreement",
                "version": info.version,
                "status": info.status(),
                "sent_at": info.sent_at,
                "signed_at": info.signed_at,
                "signed_as": a.signer_name,
                "signed_from": a.signer_address,
                "signed_with": a.signer_agent,
                "countersigned_at": info.countersigned_at,
                "countersigned_by": a.countersigned_by,
                "withdrawn_at": info.withdrawn_at,
                "sha256": info.sha256,
                "text": a.text,
            }));
        }
        self.audit_in(
            c,
            actor,
            AuditAction::ExportCase,
            case.id.as_str(),
            "agreements",
            Outcome::Ok,
        )
        .await?;
        Ok(out)
    }

    /// The mail about an agreement, composed when it is sent; `None` when there is nothing to say
    /// any more (the agreement is gone, or a newer one replaced it before this mail went out).
    pub(crate) async fn agreement_mail(
        &self,
        practice: &domain::practice::Details,
        id: &str,
        signed: bool,
    ) -> AppResult<Option<crate::mail::Outgoing>> {
        let id = AgreementId::new(id);
        let mut c = self.db().conn().await?;
        let Some(case_id) = agreements::case_of(&mut c, &id).await? else {
            return Ok(None);
        };
        let list = agreements::of_case(&mut c, &case_id).await?;
        let Some(info) = list.iter().find(|a| a.id == id) else {
            return Ok(None);
        };
        let Some(case) = self.case_for_system(&mut c, &case_id).await? else {
            return Ok(None);
        };
        Ok(match (signed, info.status()) {
            (false, Status::Open) => {
                let renewal = list
                    .iter()
                    .any(|a| a.version < info.version && a.signed_at.is_some());
                Some(crate::mail::agreement_to_sign(
                    &practice.name,
                    &case.therapist.name,
                    &case.patient,
                    &self.link(&format!("/portal/agreements/{id}")),
                    renewal,
                ))
            }
            (true, Status::Signed) => Some(crate::mail::agreement_signed(
                &practice.name,
                &case.therapist,
                &self.link(&format!("/admin/cases/{case_id}")),
            )),
            _ => None,
        })
    }

    /// The first draft of a therapist's template, from what the practice already knows: their
    /// session length and fee, their cancellation notice (48 hours unless set), the crisis contacts.
    async fn first_agreement(&self, therapist: &UserId) -> AppResult<Template> {
        let mut c = self.db().conn().await?;
        let session = store::booking::availability(&mut c, therapist)
            .await?
            .and_then(|hours| hours.types.into_iter().find(|t| t.key == "session"));
        let cancel = store::booking::cancel_notice_setting(&mut c, therapist)
            .await?
            .unwrap_or(SignedDuration::from_hours(48));
        let practice = self.practice().await?;
        let crisis = practice.as_ref().as_ref().map_or_else(
            || crate::accounts::DEFAULT_CRISIS_CONTACTS.into(),
            |d| d.crisis_contacts.clone(),
        );
        Ok(rules::default_template(&rules::Known {
            session_minutes: session.as_ref().map(|t| t.minutes),
            session_price_cents: session.and_then(|t| t.price_cents),
            cancel_hours: cancel.as_hours(),
            crisis_contacts: &crisis,
        }))
    }

    pub(crate) async fn practice_name(&self) -> AppResult<String> {
        let practice = self.practice().await?;
        Ok(practice
            .as_ref()
            .as_ref()
            .map_or_else(|| "holdspace".into(), |d| d.name.clone()))
    }
}

fn parties(case: &Case, practice: &str) -> Parties {
    Parties {
        patient: case.patient.name.clone(),
        therapist: case.therapist.name.clone(),
        practice: practice.to_string(),
    }
}
