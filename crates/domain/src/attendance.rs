//! Attendance: what became of a session (attended, cancelled late by the patient, missed, or
//! cancelled by the therapist), whether a late cancellation or a no-show is charged, and the one
//! rule billing reads: `billable`.

use crate::FieldErrors;

/// What became of a session. A patient's cancellation in time has no attendance at all: it is
/// simply cancelled, and never billable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attendance {
    Attended,
    /// The patient cancelled inside the notice period (the frame's rule).
    LateCancelled,
    NoShow,
    TherapistCancelled,
}

impl Attendance {
    pub const ALL: [Attendance; 4] = [
        Attendance::Attended,
        Attendance::LateCancelled,
        Attendance::NoShow,
        Attendance::TherapistCancelled,
    ];

    /// The text stored in the database and sent by the form; never changes once written.
    pub fn as_str(self) -> &'static str {
        match self {
            Attendance::Attended => "attended",
            Attendance::LateCancelled => "late_cancelled",
            Attendance::NoShow => "no_show",
            Attendance::TherapistCancelled => "therapist_cancelled",
        }
    }

    /// The attendance a stored or typed text names (exactly, nothing else).
    pub fn parse(text: &str) -> Option<Attendance> {
        Attendance::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// Whether the therapist decides if it is charged: a late cancellation or a no-show.
    pub fn asks_charge(self) -> bool {
        matches!(self, Attendance::LateCancelled | Attendance::NoShow)
    }

    /// Whether the therapist records it after the session began (the other two are recorded by
    /// the cancellation itself).
    pub fn recorded_after_session(self) -> bool {
        matches!(self, Attendance::Attended | Attendance::NoShow)
    }
}

/// The therapist's decision on a late cancellation or a no-show, or their default for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Charge {
    /// The frame's usual rule: a session cancelled late or missed is charged.
    #[default]
    Charged,
    NotCharged,
}

impl Charge {
    pub fn as_str(self) -> &'static str {
        match self {
            Charge::Charged => "charged",
            Charge::NotCharged => "not_charged",
        }
    }

    pub fn parse(text: &str) -> Option<Charge> {
        [Charge::Charged, Charge::NotCharged]
            .into_iter()
            .find(|c| c.as_str() == text)
    }

    /// As stored: 1 charged, 0 not.
    pub fn from_flag(flag: i64) -> Charge {
        if flag == 0 {
            Charge::NotCharged
        } else {
            Charge::Charged
        }
    }

    pub fn flag(self) -> i64 {
        i64::from(self == Charge::Charged)
    }
}

/// Whether a session is billed. Attended: always. Cancelled by the therapist: never. A late
/// cancellation or a no-show: as the therapist decided, and until they decide, as their
/// `default` says. A session with no attendance (not recorded yet, or cancelled in time) is not.
pub fn billable(attendance: Option<Attendance>, decision: Option<Charge>, default: Charge) -> bool {
    match attendance {
        Some(Attendance::Attended) => true,
        Some(Attendance::TherapistCancelled) | None => false,
        Some(Attendance::LateCancelled | Attendance::NoShow) => {
            decision.unwrap_or(default) == Charge::Charged
        }
    }
}

/// What the appointment page's attendance form sends.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct AttendanceInput {
    /// `attended` or `no_show` (empty for a late cancellation, whose record is fixed).
    #[serde(default)]
    pub attendance: String,
    /// `charged`, `not_charged`, or empty (no decision yet).
    #[serde(default)]
    pub charge: String,
}

/// A checked attendance form: what to record (`None`: keep the late cancellation as it is) and
/// the charge decision (`None`: not decided).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttendanceChoice {
    pub attendance: Option<Attendance>,
    pub charge: Option<Charge>,
}

impl AttendanceInput {
    /// Only what the therapist may record after a session (attended, no-show) is accepted; the
    /// charge only for a no-show or a late cancellation (it is dropped for an attended session).
    pub fn validate(&self) -> crate::Validated<AttendanceChoice> {
        let mut e = FieldErrors::default();
        let attendance = match self.attendance.trim() {
            "" => None,
            raw => match Attendance::parse(raw).filter(|a| a.recorded_after_session()) {
                Some(a) => Some(a),
                None => {
                    e.add("attendance", "error-attendance-choice");
                    None
                }
            },
        };
        let charge = match self.charge.trim() {
            "" => None,
            raw => match Charge::parse(raw) {
                Some(c) => Some(c),
                None => {
                    e.add("charge", "error-charge-choice");
                    None
                }
            },
        };
        let charge = if attendance == Some(Attendance::Attended) {
            None
        } else {
            charge
        };
        e.finish(AttendanceChoice { attendance, charge })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attended_is_billable_whatever_was_decided() {
        for decision in [None, Some(Charge::Charged), Some(Charge::NotCharged)] {
            for default in [Charge::Charged, Charge::NotCharged] {
                assert!(billable(Some(Attendance::Attended), decision, default));
            }
        }
    }

    #[test]
    fn a_session_the_therapist_cancelled_is_never_billable() {
        for decision in [None, Some(Charge::Charged), Some(Charge::NotCharged)] {
            for default in [Charge::Charged, Charge::NotCharged] {
                assert!(!billable(
                    Some(Attendance::TherapistCancelled),
                    decision,
                    default
                ));
                assert!(!billable(None, decision, default), "no record, no bill");
            }
        }
    }

    #[test]
    fn a_late_cancellation_or_no_show_takes_the_default_until_decided() {
        for a in [Attendance::LateCancelled, Attendance::NoShow] {
            assert!(billable(Some(a), None, Charge::Charged));
            assert!(!billable(Some(a), None, Charge::NotCharged));
            assert!(billable(Some(a), Some(Charge::Charged), Charge::NotCharged));
            assert!(!billable(
                Some(a),
                Some(Charge::NotCharged),
                Charge::Charged
            ));
        }
    }

    #[test]
    fn texts_round_trip_and_nothing_else_parses() {
        for a in Attendance::ALL {
            assert_eq!(Attendance::parse(a.as_str()), Some(a));
        }
        for c in [Charge::Charged, Charge::NotCharged] {
            assert_eq!(Charge::parse(c.as_str()), Some(c));
            assert_eq!(Charge::from_flag(c.flag()), c);
        }
        for hostile in [
            "",
            "Attended",
            " attended",
            "no-show",
            "1",
            "<script>",
            "attended\0",
        ] {
            assert_eq!(Attendance::parse(hostile), None, "{hostile:?}");
            assert_eq!(Charge::parse(hostile), None, "{hostile:?}");
        }
        assert_eq!(Charge::default(), Charge::Charged);
    }

    fn input(attendance: &str, charge: &str) -> AttendanceInput {
        AttendanceInput {
            attendance: attendance.into(),
            charge: charge.into(),
        }
    }

    #[test]
    fn the_form_records_only_attended_or_no_show() {
        assert_eq!(
            input("no_show", "not_charged").validate().unwrap(),
            AttendanceChoice {
                attendance: Some(Attendance::NoShow),
                charge: Some(Charge::NotCharged)
            }
        );
        assert_eq!(
            input("attended", "charged").validate().unwrap(),
            AttendanceChoice {
                attendance: Some(Attendance::Attended),
                charge: None
            },
            "an attended session has no charge decision"
        );
        assert_eq!(
            input("", "charged").validate().unwrap().attendance,
            None,
            "a late cancellation's decision alone"
        );
        for hostile in [
            "late_cancelled",
            "therapist_cancelled",
            "ATTENDED",
            "x".repeat(10_000).as_str(),
            "attended' OR 1=1",
        ] {
            let e = input(hostile, "").validate().unwrap_err();
            assert_eq!(e.get("attendance"), Some("error-attendance-choice"));
        }
        let e = input("no_show", "maybe").validate().unwrap_err();
        assert_eq!(e.get("charge"), Some("error-charge-choice"));
    }
}
