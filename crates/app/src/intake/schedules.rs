//! Measures over time: the therapist asks a case's PHQ-9 or GAD-7 again every few weeks; the job
//! runner sends each one when it falls due (as the system, without an actor) and mails the patient
//! that a short questionnaire is waiting. A measure's chart is the therapist's, and the patient's
//! too when the therapist chose to share it.

use super::MeasureResult;
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::Action;
use crate::App;
use domain::case::{Case, Stage};
use domain::ids::{CaseId, UserId};
use domain::intake::{ResponseId, Status};
use domain::measures::schedule::{self, Schedule};
use domain::measures::{self, Measure};
use store::intake::schedules::{self as stored, Fired};

/// The form field of a measure's interval, one per measure on the case page.
pub fn every_weeks_field(measure: &Measure) -> &'static str {
    match measure.id {
        "phq9" => "every_weeks_phq9",
        _ => "every_weeks_gad7",
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
    pub async fn measure_schedules(
        &self,
        actor: &Actor,
        case: &CaseId,
    ) -> AppResult<Vec<Schedule>> {
        let case = self.therapist_case(actor, case).await?;
        Ok(stored::of_case(self.db(), &case.id).await?)
    }

    /// Asks the measure `key` every `every_weeks` weeks from now (replacing any schedule of it);
    /// with `share`, the patient sees the measure's chart in their portal.
    pub async fn set_measure_schedule(
        &self,
        actor: &Actor,
        case: &CaseId,
        key: &str,
        every_weeks: &str,
        share: bool,
    ) -> AppResult<()> {
        let case = self.therapist_case(actor, case).await?;
        let measure = measure(key)?;
        let weeks = schedule::every_weeks(every_weeks)
            .map_err(|message| AppError::field(every_weeks_field(measure), message))?;
        let now = self.now();
        let s = Schedule {
            case: case.id.clone(),
            key: measure.id.to_string(),
            every_weeks: weeks,
            next_at: schedule::after(now, weeks),
            shared: share,
        };
        stored::set(self.db(), &s, due_job(&case.id, measure.id, s.next_at), now).await?;
        self.audit(
            actor,
            "measure_schedule.set",
            case.id.as_str(),
            measure.id,
            Outcome::Ok,
        )
        .await
    }

    /// Stops asking the measure `key`; its chart is no longer shared.
    pub async fn stop_measure_schedule(
        &self,
        actor: &Actor,
        case: &CaseId,
        key: &str,
    ) -> AppResult<()> {
        let case = self.therapist_case(actor, case).await?;
        let measure = measure(key)?;
        if stored::stop(self.db(), &case.id, measure.id).await? {
            self.audit(
                actor,
                "measure_schedule.stop",
                case.id.as_str(),
                measure.id,
                Outcome::Ok,
            )
            .await?;
        }
        Ok(())
    }

    /// The job's step: sends the measure if its schedule is due and the case is open, and
    /// schedules the next. A stopped or changed schedule, or a closed case, sends nothing.
    pub(crate) async fn measure_due(&self, case: &CaseId, key: &str) -> AppResult<()> {
        let Some(s) = stored::get(self.db(), case, key).await? else {
            return Ok(());
        };
        let now = self.now();
        if s.next_at > now {
            return Ok(()); // changed since this job was written; its own job comes later
        }
        let Some(case) = store::cases::get(self.db(), case, &UserId::new("")).await? else {
            return Ok(());
        };
        if !is_open(&case) {
            return Ok(());
        }
        let q = self
            .current_questionnaire(&case.therapist.id, &s.key)
            .await?;
        let next_at = schedule::next_due(s.next_at, s.every_weeks, now);
        let next = due_job(&case.id, &s.key, next_at);
        let mail = |id: &ResponseId| {
            Task::QuestionnaireWaiting {
                response: id.clone(),
            }
            .job(format!("questionnaire-waiting:{id}"), now)
        };
        let fired = stored::fire(self.db(), &s, &q, next_at, next, mail, now).await?;
        if let Fired::Moved { sent: Some(id) } = fired {
            self.audit_as(
                "system",
                "jobs",
                "questionnaire.send",
                case.id.as_str(),
                id.as_str(),
                Outcome::Ok,
            )
            .await?;
            self.wake_jobs();
        }
        Ok(())
    }

    /// The patient to tell that `response` waits, while it is still open in an open case.
    pub(crate) async fn waiting_for(&self, response: &ResponseId) -> AppResult<Option<Case>> {
        let Some(case) = store::intake::case_of(self.db(), response).await? else {
            return Ok(None);
        };
        let Some(case) = store::cases::get(self.db(), &case, &UserId::new("")).await? else {
            return Ok(None);
        };
        let open = store::intake::of_case(self.db(), &case.id)
            .await?
            .iter()
            .any(|r| r.id == *response && r.status == Status::Draft);
        Ok((open && is_open(&case)).then_some(case))
    }

    /// The measures each of the patient's therapists shares with them, per case (cases with
    /// nothing shared are left out). Every response opened is audited.
    pub async fn my_shared_measures(&self, actor: &Actor) -> AppResult<Vec<SharedMeasures>> {
        self.require(actor, Action::UsePortal).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut out = Vec::new();
        for case in store::cases::of_patient(self.db(), &user.id).await? {
            let shared: Vec<String> = stored::of_case(self.db(), &case.id)
                .await?
                .into_iter()
                .filter(|s| s.shared)
                .map(|s| s.key)
                .collect();
            if shared.is_empty() {
                continue;
            }
            let case = self.case(actor, &case.id).await?;
            let results = self
                .measures_of(actor, &case)
                .await?
                .into_iter()
                .filter(|m| shared.iter().any(|k| k == m.measure.id))
                .collect();
            out.push(SharedMeasures { case, results });
        }
        Ok(out)
    }
}
