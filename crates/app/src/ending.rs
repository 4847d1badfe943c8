//! Ending well: the case's therapist plans the last day (the booked sessions after it are
//! cancelled, each with its usual mail, in the same transaction), changes or withdraws it, and
//! closes the case with a sealed summary, an optional letter and — when it is referred on — to
//! whom and why. The case moves to ended or referred and its record is read-only from then on.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::focus::therapist_zone;
use crate::policy::CaseSide;
use crate::App;
use domain::audit::AuditAction;
use domain::case::{Case, Stage};
use domain::ending::{CloseInput, Closing, ClosingKind, PlanInput};
use domain::ids::CaseId;
use jiff::civil::Date;
use jiff::Timestamp;
use store::StoreError;

/// A case's ending as the therapist's pages show it.
#[derive(Clone, Debug)]
pub struct EndingView {
    pub case: Case,
    pub planned_on: Option<Date>,
    /// The case's booked sessions from now until the planned last day, that day included.
    pub sessions_left: usize,
    /// The booked sessions from now on: closing the case cancels them.
    pub booked_ahead: usize,
    pub closing: Option<Closing>,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
}

impl EndingView {
    /// Whether the case is over: its record is read-only.
    pub fn over(&self) -> bool {
        domain::ending::is_over(self.case.stage)
    }
}

/// What the patient's portal says of a planned ending.
#[derive(Clone, Debug)]
pub struct PlannedEnding {
    pub last_day: Date,
    pub sessions_left: usize,
}

impl App {
    /// The planned last day of a case, if one is planned: the weekly series stops making
    /// sessions after it. Asked by the practice itself (the series job), so no policy is asked.
    pub async fn planned_ending(
        &self,
        c: &mut store::Conn,
        case: &CaseId,
    ) -> AppResult<Option<Date>> {
        Ok(store::ending::planned_on(c, case).await?)
    }

    /// The first instant after the last day, in the therapist's zone.
    fn after_last_day(case: &Case, day: Date) -> AppResult<Timestamp> {
        day.tomorrow()
            .and_then(|d| d.to_zoned(therapist_zone(case)))
            .map(|z| z.timestamp())
            .map_err(|e| AppError::internal("the day after the ending", e))
    }

    async fn sessions_left(
        &self,
        c: &mut store::Conn,
        case: &Case,
        day: Option<Date>,
    ) -> AppResult<usize> {
        let Some(day) = day else {
            return Ok(0);
        };
        let until = Self::after_last_day(case, day)?;
        Ok(
            store::ending::booked_between(c, &case.id, self.now(), Some(until))
                .await?
                .len(),
        )
    }

    /// The case's ending, for its therapist, with the closing's text (opening it is audited).
    pub async fn case_ending(&self, actor: &Actor, id: &CaseId) -> AppResult<EndingView> {
        self.ending_of(actor, id, true).await
    }

    /// The case's ending without the closing's text: for the case page.
    pub async fn case_ending_standing(&self, actor: &Actor, id: &CaseId) -> AppResult<EndingView> {
        self.ending_of(actor, id, false).await
    }

    #[tracing::instrument(skip_all, fields(case = %id, open))]
    async fn ending_of(&self, actor: &Actor, id: &CaseId, open: bool) -> AppResult<EndingView> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Therapist).await?;
        let stored = store::ending::load(&mut c, &case.id, open)
            .await?
            .unwrap_or_default();
        if stored.closing.is_some() {
            self.audit_in(
                &mut c,
                actor,
                AuditAction::CaseClosingRead,
                case.id.as_str(),
                "",
                Outcome::Ok,
            )
            .await?;
        }
        let sessions_left = self.sessions_left(&mut c, &case, stored.planned_on).await?;
        let booked_ahead = store::ending::booked_between(&mut c, &case.id, self.now(), None)
            .await?
            .len();
        Ok(EndingView {
            case,
            planned_on: stored.planned_on,
            sessions_left,
            booked_ahead,
            closing: stored.closing,
            closed_at: stored.closed_at,
            closed_by: stored.closed_by,
        })
    }

    /// The planned ending of one of the patient's own cases, with the sessions left before it.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn my_planned_ending(
        &self,
        actor: &Actor,
        id: &CaseId,
    ) -> AppResult<Option<PlannedEnding>> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Patient).await?;
        if domain::ending::is_over(case.stage) {
            return Ok(None);
        }
        let Some(last_day) = store::ending::planned_on(&mut c, &case.id).await? else {
            return Ok(None);
        };
        let sessions_left = self.sessions_left(&mut c, &case, Some(last_day)).await?;
        Ok(Some(PlannedEnding {
            last_day,
            sessions_left,
        }))
    }

    /// Plans (or moves) the last day of a case in therapy. The booked sessions after it are
    /// cancelled with their mails in the same transaction; when there are any, the form must
    /// confirm it (the refusal says how many). Answers how many were cancelled.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn plan_ending(
        &self,
        actor: &Actor,
        id: &CaseId,
        input: &PlanInput,
    ) -> AppResult<usize> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(&mut tx, actor, id, CaseSide::Therapist, "ending")
            .await?;
        if case.stage != Stage::InTherapy {
            return Err(AppError::field("ending_on", "error-ending-not-in-therapy"));
        }
        let day = input.validate(self.therapist_today(&case))?;
        let after = Self::after_last_day(&case, day)?;
        let later = store::ending::booked_between(&mut tx, &case.id, after, None).await?;
        if !later.is_empty() && input.confirm.is_none() {
            let mut e = domain::FieldErrors::default();
            e.add_limit("confirm", "error-ending-confirm", later.len());
            return Err(e.into());
        }
        let now = self.now();
        store::ending::plan(&mut tx, &case.id, day, now).await?;
        // The regular hour ends there too (its sessions after the day go in its one series
        // mail); whatever else is booked after the day is cancelled one by one.
        self.end_series_on(&mut tx, &case, day, now).await?;
        let rest = store::ending::booked_between(&mut tx, &case.id, after, None).await?;
        self.cancel_all_in(&mut tx, actor, &case, &rest, now)
            .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::EndingPlan,
            case.id.as_str(),
            &day.to_string(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(later.len())
    }

    /// Ends every series of the case still running after `last` on that day.
    async fn end_series_on(
        &self,
        tx: &mut store::Conn,
        case: &Case,
        last: Date,
        now: Timestamp,
    ) -> AppResult<()> {
        for s in store::series::of_case(tx, &case.id).await? {
            if s.rule.until.is_some_and(|until| until <= last) {
                continue;
            }
            self.stop_series(tx, &s, last, now).await?;
        }
        Ok(())
    }

    /// Cancels the case's appointments `ids` as its therapist, inside the caller's transaction.
    async fn cancel_all_in(
        &self,
        tx: &mut store::Conn,
        actor: &Actor,
        case: &Case,
        ids: &[String],
        now: Timestamp,
    ) -> AppResult<()> {
        for id in ids {
            let a = store::booking::get(tx, id)
                .await?
                .ok_or(AppError::NotFound)?;
            self.cancel_in(tx, actor, &a, now).await?;
        }
        if !ids.is_empty() {
            self.reschedule_session_measures(tx, &case.id).await?;
        }
        Ok(())
    }

    /// Withdraws the planned ending (the sessions it cancelled stay cancelled).
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn withdraw_ending(&self, actor: &Actor, id: &CaseId) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(&mut tx, actor, id, CaseSide::Therapist, "ending")
            .await?;
        match store::ending::withdraw(&mut tx, &case.id).await {
            Err(StoreError::NotFound) => {
                return Err(AppError::field("ending_on", "error-ending-none"))
            }
            other => other?,
        }
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::EndingWithdraw,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes the case: the closing is kept sealed, the booked sessions still ahead are
    /// cancelled with their mails, and the case moves to ended or referred — all in one
    /// transaction with its audit rows. From then on the record is read-only.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn close_case(
        &self,
        actor: &Actor,
        id: &CaseId,
        input: &CloseInput,
    ) -> AppResult<ClosingKind> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(&mut tx, actor, id, CaseSide::Therapist, "closing")
            .await?;
        let closing = input.validate()?;
        let to = closing.kind.stage();
        let decision = store::workspace::load(&mut tx, &case.id)
            .await?
            .and_then(|s| s.workspace.decision);
        if case.stage.can_move_to(to, decision).is_err() {
            return Err(AppError::field("kind", "error-closing-stage"));
        }
        let now = self.now();
        match store::ending::close(&mut tx, &case.id, &closing, &user.id, now).await {
            Err(StoreError::Conflict) => return Err(AppError::CaseOver),
            other => other?,
        }
        // The regular hour ends today; whatever is still booked from now on is cancelled.
        let today = self.therapist_today(&case);
        self.end_series_on(&mut tx, &case, today, now).await?;
        let ahead = store::ending::booked_between(&mut tx, &case.id, now, None).await?;
        self.cancel_all_in(&mut tx, actor, &case, &ahead, now)
            .await?;
        store::cases::set_stage(&mut tx, &case.id, to, now).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::CaseStage,
            case.id.as_str(),
            to.as_str(),
            Outcome::Ok,
        )
        .await?;
        let action = match closing.kind {
            ClosingKind::Ended => AuditAction::CaseClose,
            ClosingKind::Referred => AuditAction::CaseRefer,
        };
        self.audit_in(&mut tx, actor, action, case.id.as_str(), "", Outcome::Ok)
            .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(closing.kind)
    }
}
