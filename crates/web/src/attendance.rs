//! Attendance on the appointment page: the therapist records attended or no-show once the session
//! has begun, corrects it, and decides whether a late cancellation or a no-show is charged.

use crate::error::WebResult;
use crate::extract::Path;
use crate::extract::{Caller, Csrf, CsrfForm};
use crate::view::{self, Form};
use crate::WebState;
use app::attendance::AttendanceView;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use domain::attendance::{Attendance, AttendanceInput, Charge};
use domain::ids::AppointmentId;

/// What became of a session, in the reader's words.
pub fn label(attendance: Option<Attendance>) -> String {
    view::tr(match attendance {
        None => "attendance-not-recorded",
        Some(Attendance::Attended) => "attendance-attended",
        Some(Attendance::LateCancelled) => "attendance-late-cancelled",
        Some(Attendance::NoShow) => "attendance-no-show",
        Some(Attendance::TherapistCancelled) => "attendance-therapist-cancelled",
    })
}

pub fn charge_label(charge: Charge) -> String {
    view::tr(match charge {
        Charge::Charged => "charge-charged",
        Charge::NotCharged => "charge-not-charged",
    })
}

/// The attendance with its charge when it has one ("No-show, charged"; "Cancelled late, charge
/// not decided yet").
pub fn summary(attendance: Option<Attendance>, charge: Option<Charge>) -> String {
    let what = label(attendance);
    if !attendance.is_some_and(Attendance::asks_charge) {
        return what;
    }
    let charge = charge.map_or_else(|| view::tr("charge-undecided"), charge_label);
    crate::i18n::t_with(
        "attendance-with-charge",
        &[("attendance", what), ("charge", charge)],
    )
}

/// One session on the case page: its note's state, and what became of it.
pub struct CaseSession {
    pub href: String,
    pub when: String,
    pub note: String,
    pub attendance: String,
    pub attendance_href: String,
}

/// The attendance section of the appointment page.
pub struct Section {
    pub view: AttendanceView,
    /// The recorded state in words.
    pub state: String,
    /// "Preselected from your default: charged" or "You decided: not charged".
    pub charge_note: String,
}

impl Section {
    pub fn new(view: AttendanceView) -> Section {
        let state = if view.cancelled && view.attendance.is_none() {
            view::tr("attendance-cancelled-in-time")
        } else {
            summary(view.attendance, view.charge)
        };
        let charge_note = match view.charge {
            Some(c) => {
                crate::i18n::t_with("attendance-charge-decided", &[("charge", charge_label(c))])
            }
            None => crate::i18n::t_with(
                "attendance-charge-default",
                &[("charge", charge_label(view.default_charge))],
            ),
        };
        Section {
            view,
            state,
            charge_note,
        }
    }

    /// The form's values when nothing was typed: what is recorded, else nothing chosen; the charge
    /// as decided, else the default.
    pub fn fill(&self, form: Form) -> Form {
        if !form.value("attendance").is_empty() || !form.value("charge").is_empty() {
            return form;
        }
        let recorded = self
            .view
            .attendance
            .filter(|a| a.recorded_after_session())
            .map_or("", Attendance::as_str);
        form.with("attendance", recorded)
            .with("charge", self.view.charge_shown().as_str())
    }
}

/// POST /admin/calendar/{id}/attendance: records attended / no-show and the charge decision.
pub async fn record(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<AppointmentId>,
    CsrfForm(input): CsrfForm<AttendanceInput>,
) -> WebResult<Response> {
    match state
        .app
        .record_attendance(&actor, id.as_str(), &input)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/calendar/{id}#attendance-heading")).into_response())
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            crate::calendar::appointment_page(
                &state,
                &actor,
                csrf,
                &id,
                Form::from_input(&input, errors),
                status,
            )
            .await
        }
    }
}
