//! Measures over time: the therapist asks a case's PHQ-9 or GAD-7 again every few weeks or
//! sessions; the job runner sends each one when it falls due (as the system, without an actor) and
//! mails the patient that a short questionnaire is waiting. A measure's chart is the therapist's,
//! and the patient's too when the therapist chose to share it.

use super::MeasureResult;
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::audit::AuditAction;
use domain::case::{Case, Stage};
use domain::ids::CaseId;
use domain::intake::{ResponseId, Status};
use domain::measures::schedule::{self, Schedule, Unit};
use domain::measures::{self, Measure};
use store::intake::schedules::{self as stored, Fired};
use store::Conn;

/// The form field of a measure's interval, one per measure on the case page.
pub fn every_weeks_field(measure: &Measure) -> &'static str {
    match measure.id {
        "phq9" => "every_weeks_phq9",
        _ => "every_weeks_gad7",
    }
}

/// The form field of what a measure's interval counts (weeks or sessions).
pub fn unit_field(measure: &Measure) -> &'static str {
    match measure.id {
        "phq9" => "unit_phq9",
        _ => "unit_gad7",
    }
}

/// One case's measures shared with its patient, for the portal.
#[derive(Clone, Debug)]
pub struct SharedMeasures {
    pub case: Case,
    pub results: Vec<MeasureResult>,
}

fn measure(key: &str) -> AppResult<&'static Measure> {
    measures::by_id(key).ok_or(AppError::NotFound)
}

fn due_job(case: &CaseId, key: &str, at: jiff::Timestamp) -> store::jobs::NewJob {
    Task::MeasureDue {
        case: case.clone(),
        key: key.to_string(),
    }
    .job(
        format!("measure-due:{case}:{key}:{}", at.as_millisecond()),
        at,
    )
}

fn is_open(case: &Case) -> bool {
    !matches!(case.stage, Stage::Ended | Stage::Referred | Stage::Closed)
}

impl App {
    /// The case's schedules (its therapist only).
    #[tracing::instrument(skip_all, fields(case = %case))]
    pub async fn measure_schedules(
        &self,
        actor: &Actor,
        case: &CaseId,
    ) -> AppResult<Vec<Schedule>> {
        let mut c = self.db().conn().await?;
        let case = self
            .case_as(&mut c, actor, case, CaseSide::Therapist)
            .await?;
        Ok(stored::of_case(&mut c, &case.id).await?)
    }

    /// Asks the measure `key` every `every` weeks or sessions (`unit`) from now (replacing any
    /// schedule of it); with `share`, the patient sees the measure's chart in their portal. The
    /// schedule, its job and its audit row commit together.
    #[tracing::instrument(skip_all, fields(case = %case, key))]
    pub async fn set_measure_schedule(
        &self,
        actor: &Actor,
        case: &CaseId,
        key: &str,
        every: &str,
        unit: &str,
        share: bool,
    ) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(
                &mut tx,
                actor,
                case,
                CaseSide::Therapist,
                "measure_schedule",
            )
            .await?;
        let measure = measure(key)?;
        let mut errors = domain::FieldErrors::default();
        let every = schedule::every_weeks(every)
            .map_err(|message| errors.add(every_weeks_field(measure), message))
            .ok();
        let unit = Unit::parse(unit)
            .map_err(|message| errors.add(unit_field(measure), message))
            .ok();
        let (Some(every), Some(unit)) = (every, unit) else {
            return Err(AppError::Invalid(errors));
        };
        let now = self.now();
        let s = Schedule {
            case: case.id.clone(),
            key: measure.id.to_string(),
            every,
            unit,
            next_at: match unit {
                Unit::Weeks => schedule::after(now, every),
                Unit::Sessions => now,
            },
            shared: share,
        };
        stored::set(&mut tx, &s, now).await?;
        if let Some(due) = self.due_job_of(&mut tx, &s, s.next_at).await? {
            store::jobs::enqueue(&mut tx, due, now).await?;
        }
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::MeasureScheduleSet,
            case.id.as_str(),
            measure.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stops asking the measure `key`; its chart is no longer shared.
    #[tracing::instrument(skip_all, fields(case = %case, key))]
    pub async fn stop_measure_schedule(
        &self,
        actor: &Actor,
        case: &CaseId,
        key: &str,
    ) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(
                &mut tx,
                actor,
                case,
                CaseSide::Therapist,
                "measure_schedule",
            )
            .await?;
        let measure = measure(key)?;
        if stored::stop(&mut tx, &case.id, measure.id).await? {
            self.audit_in(
                &mut tx,
                actor,
                AuditAction::MeasureScheduleStop,
                case.id.as_str(),
                measure.id,
                Outcome::Ok,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The job for a schedule counted from (by sessions) or due at (by weeks) `from`: by
    /// sessions, at the end of the last session it waits for, or none while too few are booked.
    async fn due_job_of(
        &self,
        c: &mut Conn,
        s: &Schedule,
        from: jiff::Timestamp,
    ) -> AppResult<Option<store::jobs::NewJob>> {
        let at = match s.unit {
            Unit::Weeks => Some(from),
            // A session entered after it ended is counted at once: the job runs now, not at a
            // past time whose key may be spent.
            Unit::Sessions => schedule::due_after_sessions(
                &stored::session_ends(c, &s.case, from).await?,
                s.every,
            )
            .map(|at| at.max(self.now())),
        };
        Ok(at.map(|at| due_job(&s.case, &s.key, at)))
    }

    /// After the case's appointments changed (added, booked, moved, cancelled), inside the
    /// transaction that changed them: every schedule by sessions gets the job for the session it
    /// now waits for. Jobs are keyed by that time, so calling this again adds nothing, and a job
    /// left at a time no longer due re-counts. The caller wakes the job runner after its commit.
    pub async fn reschedule_session_measures(&self, c: &mut Conn, case: &CaseId) -> AppResult<()> {
        for s in stored::of_case(c, case).await? {
            if s.unit != Unit::Sessions {
                continue;
            }
            if let Some(job) = self.due_job_of(c, &s, s.next_at).await? {
                store::jobs::enqueue(c, job, self.now()).await?;
            }
        }
        Ok(())
    }

    /// The job's step: sends the measure if its schedule is due and the case is open, and
    /// schedules the next. A stopped or changed schedule, or a closed case, sends nothing; by
    /// sessions, the sessions are counted again, so a cancelled or moved one sends nothing.
    /// The new response, its mail, the next step's job and the audit row commit together.
    #[tracing::instrument(skip_all, fields(case = %case, key))]
    pub(crate) async fn measure_due(&self, case: &CaseId, key: &str) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let Some(s) = stored::get(&mut tx, case, key).await? else {
            return Ok(());
        };
        let now = self.now();
        let due = match s.unit {
            Unit::Weeks => s.next_at <= now,
            Unit::Sessions => schedule::sessions_done(
                &stored::session_ends(&mut tx, &s.case, s.next_at).await?,
                s.every,
                now,
            ),
        };
        if !due {
            // Changed since this job was written: its own job comes later (by sessions, this
            // writes it if it is not there yet).
            self.reschedule_session_measures(&mut tx, &s.case).await?;
            tx.commit().await?;
            self.wake_jobs();
            return Ok(());
        }
        let Some(case) = self.case_for_system(&mut tx, case).await? else {
            return Ok(());
        };
        if !is_open(&case) {
            return Ok(());
        }
        let q = self
            .current_questionnaire(&mut tx, &case.therapist.id, &s.key)
            .await?;
        let next_at = match s.unit {
            Unit::Weeks => schedule::next_due(s.next_at, s.every, now),
            Unit::Sessions => now,
        };
        let next = self.due_job_of(&mut tx, &s, next_at).await?;
        let Fired::Moved { sent } = stored::fire(&mut tx, &s, &q, next_at, now).await? else {
            return Ok(());
        };
        if let Some(id) = &sent {
            let mail = Task::QuestionnaireWaiting {
                response: id.clone(),
            };
            store::jobs::enqueue(
                &mut tx,
                mail.job(format!("questionnaire-waiting:{id}"), now),
                now,
            )
            .await?;
        }
        if let Some(next) = next {
            store::jobs::enqueue(&mut tx, next, now).await?;
        }
        if let Some(id) = &sent {
            self.audit_as_in(
                &mut tx,
                "system",
                "jobs",
                AuditAction::QuestionnaireSend,
                case.id.as_str(),
                id.as_str(),
                Outcome::Ok,
            )
            .await?;
        }
        tx.commit().await?;
        self.wake_jobs();
        Ok(())
    }

    /// The patient to tell that `response` waits, while it is still open in an open case.
    pub(crate) async fn waiting_for(&self, response: &ResponseId) -> AppResult<Option<Case>> {
        let mut c = self.db().conn().await?;
        let Some(case) = store::intake::case_of(&mut c, response).await? else {
            return Ok(None);
        };
        let Some(case) = self.case_for_system(&mut c, &case).await? else {
            return Ok(None);
        };
        let open = store::intake::of_case(&mut c, &case.id)
            .await?
            .iter()
            .any(|r| r.id == *response && r.status == Status::Draft);
        Ok((open && is_open(&case)).then_some(case))
    }

    /// The measures each of the patient's therapists shares with them, per case (cases with
    /// nothing shared are left out). Every response opened is audited.
    #[tracing::instrument(skip_all)]
    pub async fn my_shared_measures(&self, actor: &Actor) -> AppResult<Vec<SharedMeasures>> {
        self.require(actor, Action::UsePortal).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        let mut out = Vec::new();
        for case in store::cases::of_patient(&mut c, &user.id).await? {
            let shared: Vec<String> = stored::of_case(&mut c, &case.id)
                .await?
                .into_iter()
                .filter(|s| s.shared)
                .map(|s| s.key)
                .collect();
            if shared.is_empty() {
                continue;
            }
            let case = self
                .case_as(&mut c, actor, &case.id, CaseSide::Patient)
                .await?;
            let results = self
                .measures_of(&mut c, actor, &case)
                .await?
                .into_iter()
                .filter(|m| shared.iter().any(|k| k == m.measure.id))
                .collect();
            out.push(SharedMeasures { case, results });
        }
        Ok(out)
    }
}
