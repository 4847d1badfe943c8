//! Retention and erasure: the owner sets how long records are kept; an ended case shows its
//! retention date; a daily job tells each therapist when records are due; the case's therapist
//! confirms each erasure (typing the case's reference), which removes every row of the case in
//! one transaction and forgets its data key; a patient may ask for erasure from the portal, and
//! the therapist answers by erasing or by the retention hold with its end date.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::focus::therapist_zone;
use crate::jobs::Task;
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::account::Role;
use domain::audit::AuditAction;
use domain::case::{Case, Stage};
use domain::ids::CaseId;
use domain::retention::{
    case_reference, EraseInput, ErasureReason, RequestAnswer, Retention, RetentionInput,
};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use store::retention::{self as rows, Erased, Request};

/// An ended case's retention as its pages show it.
#[derive(Clone, Debug)]
pub struct CaseRetention {
    pub ended_on: Date,
    /// `None` until the practice sets its retention period.
    pub kept_until: Option<Date>,
    pub due: bool,
}

/// A case on the list of records due for erasure.
#[derive(Clone, Debug)]
pub struct DueCase {
    pub case_id: CaseId,
    pub reference: String,
    pub patient_name: String,
    pub ended_on: Date,
    pub kept_until: Date,
}

/// A patient's open request, on the same list.
#[derive(Clone, Debug)]
pub struct OpenRequest {
    pub case_id: CaseId,
    pub patient_name: String,
    pub requested_at: Timestamp,
}

/// The therapist's page "Records due for erasure".
#[derive(Clone, Debug)]
pub struct DueView {
    pub retention: Option<Retention>,
    pub due: Vec<DueCase>,
    pub requests: Vec<OpenRequest>,
}

/// The confirmation page of one case's erasure.
#[derive(Clone, Debug)]
pub struct ErasureView {
    pub case: Case,
    pub reference: String,
    pub retention: Option<CaseRetention>,
    /// Whether the case may be erased at all (it is over: ended, referred or closed).
    pub over: bool,
    pub request: Option<Request>,
}

/// What the patient's portal says of erasure.
#[derive(Clone, Debug)]
pub struct PortalErasure {
    pub case_id: CaseId,
    pub years: Option<u32>,
    pub request: Option<Request>,
}

/// Whether a case's treatment is over, so that its record may be erased.
fn is_finished(stage: Stage) -> bool {
    domain::ending::is_over(stage) || stage == Stage::Closed
}

impl App {
    /// The practice's retention period, for the owner's settings page.
    pub async fn retention_for_editing(&self, actor: &Actor) -> AppResult<Option<Retention>> {
        self.require(actor, Action::ManagePractice).await?;
        Ok(rows::settings(&mut self.db().conn().await?).await?)
    }

    /// Sets the practice's retention period and starts the daily review of due records.
    #[tracing::instrument(skip_all, fields(actor = %actor.audit_id()))]
    pub async fn set_retention(
        &self,
        actor: &Actor,
        input: &RetentionInput,
    ) -> AppResult<Retention> {
        self.require(actor, Action::ManagePractice).await?;
        let retention = input.validate()?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        rows::set(&mut tx, &retention, now).await?;
        self.schedule_retention_review(&mut tx, now).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::RetentionSet,
            "",
            &format!("{}:{}", retention.jurisdiction.as_str(), retention.years),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(retention)
    }

    /// Enqueues the next daily review (keyed by day, so it is there once).
    async fn schedule_retention_review(
        &self,
        tx: &mut store::Conn,
        now: Timestamp,
    ) -> AppResult<()> {
        let zone = self.practice_zone(tx).await?;
        let today = now.to_zoned(zone.clone()).date();
        let at = today
            .tomorrow()
            .and_then(|d| d.at(7, 0, 0, 0).to_zoned(zone))
            .map(|z| z.timestamp())
            .map_err(|e| AppError::internal("the next review", e))?;
        store::jobs::enqueue(
            tx,
            Task::RetentionReview.job(format!("retention-review:{today}"), at),
            now,
        )
        .await?;
        Ok(())
    }

    async fn practice_zone(&self, c: &mut store::Conn) -> AppResult<TimeZone> {
        let zone = store::practice::get(c)
            .await?
            .map(|p| p.time_zone)
            .unwrap_or_default();
        Ok(TimeZone::get(&zone).unwrap_or(TimeZone::UTC))
    }

    /// The job: tells each therapist with records due (no name, no number), then schedules the
    /// next day's review. Answers the therapists told.
    pub(crate) async fn retention_review(&self) -> AppResult<usize> {
        let now = self.now();
        // The next day's review first: a failed mail retries this job, never loses the next.
        let mut tx = self.db().begin().await?;
        self.schedule_retention_review(&mut tx, now).await?;
        tx.commit().await?;
        let mut c = self.db().conn().await?;
        let Some(retention) = rows::settings(&mut c).await? else {
            return Ok(0);
        };
        let practice = store::practice::get(&mut c)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut told = 0;
        for therapist in store::users::therapists(&mut c).await? {
            let due = self
                .due_cases(&mut c, &therapist.id, &therapist.time_zone, &retention, now)
                .await?;
            if due.is_empty() {
                continue;
            }
            let mail =
                crate::mail::records_due(&practice.name, &therapist, &self.link("/admin/erasure"));
            self.send(mail)
                .await
                .map_err(|e| AppError::internal("the records-due notice", e))?;
            told += 1;
        }
        Ok(told)
    }

    /// The closed cases of `therapist` past the retention period on the therapist's today.
    async fn due_cases(
        &self,
        c: &mut store::Conn,
        therapist: &domain::ids::UserId,
        zone: &str,
        retention: &Retention,
        now: Timestamp,
    ) -> AppResult<Vec<DueCase>> {
        let zone = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
        let today = now.to_zoned(zone.clone()).date();
        Ok(rows::closed_cases_of(c, therapist.as_str())
            .await?
            .into_iter()
            .filter_map(|closed| {
                let ended_on = closed.closed_at.to_zoned(zone.clone()).date();
                retention.is_due(ended_on, today).then(|| DueCase {
                    reference: case_reference(closed.case_id.as_str()),
                    kept_until: retention.kept_until(ended_on),
                    case_id: closed.case_id,
                    patient_name: closed.patient_name,
                    ended_on,
                })
            })
            .collect())
    }

    /// The therapist's own records due for erasure and the patients' open requests.
    pub async fn records_due(&self, actor: &Actor) -> AppResult<DueView> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        let retention = rows::settings(&mut c).await?;
        let due = match &retention {
            Some(r) => {
                self.due_cases(&mut c, &user.id, &user.time_zone, r, self.now())
                    .await?
            }
            None => Vec::new(),
        };
        let requests = rows::open_requests_of(&mut c, user.id.as_str())
            .await?
            .into_iter()
            .map(|(r, patient_name)| OpenRequest {
                case_id: r.case_id,
                patient_name,
                requested_at: r.requested_at,
            })
            .collect();
        Ok(DueView {
            retention,
            due,
            requests,
        })
    }

    /// How many records wait for the therapist's decision (due ones and open requests): the
    /// dashboard links to the list when there are any.
    pub async fn records_due_count(&self, actor: &Actor) -> AppResult<usize> {
        let view = self.records_due(actor).await?;
        Ok(view.due.len() + view.requests.len())
    }

    /// The case's retention: `None` while the case has not been closed.
    async fn retention_of(
        &self,
        c: &mut store::Conn,
        case: &Case,
    ) -> AppResult<Option<CaseRetention>> {
        let Some(closed_at) = rows::closed_at(c, &case.id).await? else {
            return Ok(None);
        };
        let ended_on = closed_at.to_zoned(therapist_zone(case)).date();
        let retention = rows::settings(c).await?;
        let today = self.therapist_today(case);
        Ok(Some(CaseRetention {
            ended_on,
            kept_until: retention.map(|r| r.kept_until(ended_on)),
            due: retention.is_some_and(|r| r.is_due(ended_on, today)),
        }))
    }

    /// An ended case's retention date, for its therapist's case page.
    pub async fn case_retention(
        &self,
        actor: &Actor,
        id: &CaseId,
    ) -> AppResult<Option<CaseRetention>> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Therapist).await?;
        self.retention_of(&mut c, &case).await
    }

    /// The confirmation page of a case's erasure, for its therapist.
    pub async fn erasure_of(&self, actor: &Actor, id: &CaseId) -> AppResult<ErasureView> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Therapist).await?;
        let retention = self.retention_of(&mut c, &case).await?;
        let request = rows::latest_request(&mut c, &case.id).await?;
        Ok(ErasureView {
            reference: case_reference(case.id.as_str()),
            over: is_finished(case.stage),
            case,
            retention,
            request,
        })
    }

    /// Erases a case, as its therapist confirms it: every row of the case in every table, the
    /// patient's own account when they have no other case, and the case's data key (forgotten by
    /// the keyring once the transaction commits). The record of the erasure and its audit row
    /// hold ids and counts only. Before the retention period's end an early reason is required.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn erase_case(
        &self,
        actor: &Actor,
        id: &CaseId,
        input: &EraseInput,
    ) -> AppResult<Erased> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let case = self
            .case_as(&mut tx, actor, id, CaseSide::Therapist)
            .await?;
        if !is_finished(case.stage) {
            return Err(AppError::field("reference", "error-erase-not-over"));
        }
        let due = self
            .retention_of(&mut tx, &case)
            .await?
            .is_some_and(|r| r.due);
        let reason = input.validate(case.id.as_str(), due)?;
        let erased = match rows::erase_case(&mut tx, &case.id).await {
            Err(store::StoreError::NotFound) => return Err(AppError::NotFound),
            other => other?,
        };
        let now = self.now();
        rows::record(&mut tx, &case.id, user.id.as_str(), reason, &erased, now).await?;
        let counts = serde_json::to_string(&erased.rows)
            .map_err(|e| AppError::internal("the erasure's counts", e))?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::CaseErase,
            case.id.as_str(),
            &format!("{} {counts}", reason.as_str()),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(rows = erased.total(), "case erased");
        Ok(erased)
    }

    /// Answers a patient's open request with the retention hold: the records are kept until the
    /// retention date (none yet while the treatment goes on: the portal then says how many years
    /// after its end).
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn hold_erasure_request(&self, actor: &Actor, id: &CaseId) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_as(&mut tx, actor, id, CaseSide::Therapist)
            .await?;
        if rows::settings(&mut tx).await?.is_none() {
            return Err(AppError::field("hold", "error-erase-no-retention"));
        }
        let until = self
            .retention_of(&mut tx, &case)
            .await?
            .and_then(|r| r.kept_until);
        // A request answered while the treatment goes on has no end date yet; the far date
        // stands for "until the period after the end of treatment is over".
        let until = until.unwrap_or(Date::MAX);
        let now = self.now();
        if !rows::hold(&mut tx, &case.id, until, now).await? {
            return Err(AppError::field("hold", "error-erase-no-request"));
        }
        // The patient is told that there is an answer, not what it is (that is in the portal).
        store::jobs::enqueue(
            &mut tx,
            Task::ErasureAnswered {
                case: case.id.clone(),
            }
            .job(
                format!("erasure-answered:{}:{}", case.id, now.as_millisecond()),
                now,
            ),
            now,
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::ErasureHold,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The patient's own case for the erasure page: their latest (a patient has one case with
    /// the practice; a second one is rare, and the newest is the one they speak of).
    async fn patients_case(&self, c: &mut store::Conn, actor: &Actor) -> AppResult<Case> {
        crate::policy::require(actor, Action::UsePortal)?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        if actor.role() != Some(Role::Patient) {
            return Err(AppError::Forbidden);
        }
        let cases = store::cases::of_patient(c, &user.id).await?;
        let newest = cases
            .into_iter()
            .max_by_key(|k| k.created_at)
            .ok_or(AppError::NotFound)?;
        self.case_as(c, actor, &newest.id, CaseSide::Patient).await
    }

    /// What the portal's erasure page shows.
    pub async fn my_erasure(&self, actor: &Actor) -> AppResult<PortalErasure> {
        let mut c = self.db().conn().await?;
        let case = self.patients_case(&mut c, actor).await?;
        let years = rows::settings(&mut c).await?.map(|r| r.years);
        let request = rows::latest_request(&mut c, &case.id).await?;
        Ok(PortalErasure {
            case_id: case.id,
            years,
            request,
        })
    }

    /// Records a patient's request to erase their records and tells their therapist (no name,
    /// no content). Answers `false` when a request is open already (nothing more is sent).
    #[tracing::instrument(skip_all)]
    pub async fn ask_erasure(&self, actor: &Actor) -> AppResult<bool> {
        let mut tx = self.db().begin().await?;
        let case = self.patients_case(&mut tx, actor).await?;
        let now = self.now();
        if !rows::ask(&mut tx, &case.id, now).await? {
            return Ok(false);
        }
        store::jobs::enqueue(
            &mut tx,
            Task::ErasureRequested {
                case: case.id.clone(),
            }
            .job(
                format!("erasure-requested:{}:{}", case.id, now.as_millisecond()),
                now,
            ),
            now,
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::ErasureAsk,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(true)
    }

    /// The job's mail for a request: to the case's therapist, if the request is still open.
    pub(crate) async fn erasure_request_mail(
        &self,
        practice: &domain::practice::Details,
        case: &CaseId,
    ) -> AppResult<Option<crate::mail::Outgoing>> {
        let mut c = self.db().conn().await?;
        let Some(case) = self.case_for_system(&mut c, case).await? else {
            return Ok(None);
        };
        let open = rows::latest_request(&mut c, &case.id)
            .await?
            .is_some_and(|r| r.answer == RequestAnswer::Open);
        Ok(open.then(|| {
            crate::mail::erasure_requested(
                &practice.name,
                &case.therapist,
                &self.link("/admin/erasure"),
            )
        }))
    }

    /// "Your request was answered", to the patient: sent only while the hold it announces
    /// stands (an erasure since has taken the account and the case with it).
    pub(crate) async fn erasure_answer_mail(
        &self,
        practice: &domain::practice::Details,
        case: &CaseId,
    ) -> AppResult<Option<crate::mail::Outgoing>> {
        let mut c = self.db().conn().await?;
        let Some(case) = self.case_for_system(&mut c, case).await? else {
            return Ok(None);
        };
        let held = rows::latest_request(&mut c, &case.id)
            .await?
            .is_some_and(|r| r.answer == RequestAnswer::Held);
        Ok(held.then(|| {
            crate::mail::erasure_answered(&practice.name, &case.patient, &self.link("/portal"))
        }))
    }

    /// How many erasures happened since the master key was last rotated: until the next
    /// rotation, a backup made before them still opens them. For the owner's dashboard.
    pub async fn erasures_since_rotation(&self, actor: &Actor) -> AppResult<u64> {
        if crate::policy::can(actor, Action::ManagePractice) != crate::policy::Decision::Allow {
            return Ok(0);
        }
        Ok(rows::erasures_since_rotation(&mut self.db().conn().await?).await?)
    }
}

/// The early reasons the confirmation form offers.
pub fn early_reasons() -> [ErasureReason; 2] {
    ErasureReason::EARLY
}
