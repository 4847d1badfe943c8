//! Attendance as use-cases: only the case's therapist records what became of a session, from the
//! moment its room opens, corrects it later, and decides whether a late cancellation or a no-show
//! is charged. Every record and correction is audited; another therapist's attempt is refused and
//! audited by the policy.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::attendance::{Attendance, AttendanceInput, Charge};
use domain::audit::AuditAction;
use domain::case::Case;
use jiff::Timestamp;
use store::booking::AppointmentView;

/// What the appointment page shows of a session's attendance.
#[derive(Clone, Debug)]
pub struct AttendanceView {
    pub attendance: Option<Attendance>,
    pub charge: Option<Charge>,
    /// The therapist's default, which preselects the charge choice.
    pub default_charge: Charge,
    /// The room has opened: attendance can be recorded.
    pub begun: bool,
    pub cancelled: bool,
    pub recorded_at: Option<Timestamp>,
}

impl AttendanceView {
    /// The charge choice the form shows: the decision, else the default.
    pub fn charge_shown(&self) -> Charge {
        self.charge.unwrap_or(self.default_charge)
    }

    /// Whether the form to record attended / no-show belongs on the page.
    pub fn recordable(&self) -> bool {
        !self.cancelled && self.begun
    }

    /// Whether the page asks the charge decision of a late cancellation.
    pub fn late_cancelled(&self) -> bool {
        self.attendance == Some(Attendance::LateCancelled)
    }
}

impl App {
    /// An appointment of a case, with its case, as its therapist reaches it. A block (no case) or
    /// an unknown id is `NotFound`; another therapist is refused by the policy, and audited.
    async fn attendance_session(
        &self,
        c: &mut store::Conn,
        actor: &Actor,
        id: &str,
    ) -> AppResult<(AppointmentView, Case)> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let a = store::booking::get(c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let case_id = a.case.clone().ok_or(AppError::NotFound)?;
        let case = self
            .case_as(c, actor, &case_id, CaseSide::Therapist)
            .await?;
        if a.therapist != user.id {
            return Err(AppError::NotFound);
        }
        Ok((a, case))
    }

    /// The attendance of one of the therapist's sessions; `None` for blocked time.
    #[tracing::instrument(skip_all, fields(appointment = %id))]
    pub async fn session_attendance(
        &self,
        actor: &Actor,
        id: &str,
    ) -> AppResult<Option<AttendanceView>> {
        let mut c = self.db().conn().await?;
        let a = store::booking::get(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if a.case.is_none() {
            return Ok(None);
        }
        let (a, case) = self.attendance_session(&mut c, actor, id).await?;
        let record = store::attendance::get(&mut c, &a.id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Some(AttendanceView {
            attendance: record.attendance,
            charge: record.charge,
            default_charge: store::attendance::late_charge(&mut c, &case.therapist.id).await?,
            begun: self.now() >= a.start - domain::room::OPENS_BEFORE,
            cancelled: a.cancelled,
            recorded_at: record.at,
        }))
    }

    /// Records or corrects a session's attendance (attended, no-show with its charge), or decides
    /// a late cancellation's charge. Refused next to the field before the session begins, for a
    /// cancelled session that has nothing to decide, and for any other value. The record and its
    /// audit row commit together.
    #[tracing::instrument(skip_all, fields(appointment = %id))]
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        id: &str,
        input: &AttendanceInput,
    ) -> AppResult<()> {
        let choice = input.validate()?;
        // Asked before the transaction: a refusal's audit row is written on its own connection.
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let (a, case) = self.attendance_session(&mut tx, actor, id).await?;
        self.require_open(&mut tx, actor, &case, "attendance")
            .await?;
        let current = store::attendance::get(&mut tx, &a.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let now = self.now();
        let (attendance, charge) = if a.cancelled {
            // Only a late cancellation asks something more: whether it is charged.
            if current.attendance != Some(Attendance::LateCancelled) {
                return Err(AppError::field("attendance", "error-attendance-cancelled"));
            }
            if choice.attendance.is_some() {
                return Err(AppError::field("attendance", "error-attendance-cancelled"));
            }
            let charge = choice
                .charge
                .ok_or(AppError::field("charge", "error-charge-choice"))?;
            (Attendance::LateCancelled, Some(charge))
        } else {
            if now < a.start - domain::room::OPENS_BEFORE {
                return Err(AppError::field("attendance", "error-attendance-not-begun"));
            }
            let attendance = choice
                .attendance
                .ok_or(AppError::field("attendance", "error-attendance-required"))?;
            (
                attendance,
                choice.charge.filter(|_| attendance.asks_charge()),
            )
        };
        store::attendance::record(&mut tx, &a.id, attendance, charge, Some(&user.id), now).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::AppointmentAttendance,
            case.id.as_str(),
            &a.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The billable sessions of one of the therapist's cases starting in `[from, to)`: what
    /// billing (issue 13) reads.
    pub async fn billable_sessions(
        &self,
        actor: &Actor,
        case: &domain::ids::CaseId,
        from: Timestamp,
        to: Timestamp,
    ) -> AppResult<Vec<store::attendance::BillableSession>> {
        let mut c = self.db().conn().await?;
        let case = self
            .case_as(&mut c, actor, case, CaseSide::Therapist)
            .await?;
        Ok(store::attendance::billable_of_case(&mut c, &case.id, from, to).await?)
    }
}
