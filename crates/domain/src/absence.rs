//! The therapist's time away (a holiday, illness) and the practice's bank holidays: whole days in
//! the therapist's zone, entered once. Sessions on those days are cancelled (each patient told
//! once) or kept for the therapist to move; nobody can book those days, and a series leaves them
//! out.

use crate::validation::{FieldErrors, Validated};
use jiff::civil::Date;
use jiff::ToSpan;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Holiday,
    Illness,
    Other,
    /// A day the whole practice is closed (entered by the owner).
    BankHoliday,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Holiday, Kind::Illness, Kind::Other, Kind::BankHoliday];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Holiday => "holiday",
            Kind::Illness => "illness",
            Kind::Other => "other",
            Kind::BankHoliday => "bank_holiday",
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// What becomes of the sessions on those days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sessions {
    /// Cancelled now; each patient gets one mail.
    Cancel,
    /// Kept: the therapist moves each one (the page lists them).
    Keep,
}

/// Time away as checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Absence {
    pub first: Date,
    pub last: Date,
    pub kind: Kind,
    pub sessions: Sessions,
}

impl Absence {
    pub fn covers(&self, date: Date) -> bool {
        self.first <= date && date <= self.last
    }

    /// Each day, from `from` on.
    pub fn days_from(&self, from: Date) -> impl Iterator<Item = Date> + use<> {
        let last = self.last;
        self.first
            .max(from)
            .series(1.day())
            .take_while(move |d| *d <= last)
    }
}

/// The longest time away entered at once.
pub const MAX_DAYS: i64 = 366;

/// The form as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct AbsenceInput {
    #[serde(default)]
    pub first: String,
    #[serde(default)]
    pub last: String,
    #[serde(default)]
    pub kind: String,
    /// "cancel" or "keep".
    #[serde(default)]
    pub sessions: String,
}

/// A required date.
fn date(e: &mut FieldErrors, field: &'static str, raw: &str) -> Option<Date> {
    if raw.trim().is_empty() {
        e.add(field, "error-required");
        return None;
    }
    crate::series::date_field(e, field, raw)
}

impl AbsenceInput {
    /// Checked against the therapist's `today`: from today on (illness is often entered on the
    /// day), the last day not before the first, at most a year; a bank holiday only when the
    /// practice's owner enters one (`practice`).
    pub fn validate(&self, today: Date, practice: bool) -> Validated<Absence> {
        let mut e = FieldErrors::default();
        let first = date(&mut e, "first", &self.first);
        let last = if self.last.trim().is_empty() {
            first
        } else {
            date(&mut e, "last", &self.last)
        };
        if first.is_some_and(|f| f < today) {
            e.add("first", "error-series-past");
        }
        if let (Some(f), Some(l)) = (first, last) {
            if l < f {
                e.add("last", "error-absence-order");
            } else if l > f.saturating_add(MAX_DAYS.days()) {
                e.add("last", "error-absence-long");
            }
        }
        let kind = match Kind::parse(self.kind.trim()) {
            Some(Kind::BankHoliday) if !practice => None,
            k => k,
        };
        if kind.is_none() {
            e.add("kind", "error-absence-kind");
        }
        let sessions = match self.sessions.trim() {
            "cancel" => Some(Sessions::Cancel),
            "keep" => Some(Sessions::Keep),
            _ => {
                e.add("sessions", "error-absence-sessions");
                None
            }
        };
        let (Some(first), Some(last), Some(kind), Some(sessions)) = (first, last, kind, sessions)
        else {
            return Err(e);
        };
        e.finish(Absence {
            first,
            last,
            kind,
            sessions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as d;

    fn input(first: &str, last: &str, kind: &str, sessions: &str) -> AbsenceInput {
        AbsenceInput {
            first: first.into(),
            last: last.into(),
            kind: kind.into(),
            sessions: sessions.into(),
        }
    }

    #[test]
    fn a_holiday_is_whole_days_from_today_on() {
        let today = d(2026, 11, 27);
        let a = input("2026-12-21", "2027-01-03", "holiday", "cancel")
            .validate(today, false)
            .unwrap();
        assert!(a.covers(d(2026, 12, 21)) && a.covers(d(2027, 1, 3)) && !a.covers(d(2027, 1, 4)));
        let one = input("2026-11-27", "", "illness", "keep")
            .validate(today, false)
            .unwrap();
        assert_eq!(
            (one.first, one.last),
            (today, today),
            "one day when no last day is given"
        );
    }

    #[test]
    fn what_is_not_time_away_is_refused_next_to_its_field() {
        let today = d(2026, 11, 27);
        let e = input("", "", "", "").validate(today, false).unwrap_err();
        for field in ["first", "kind", "sessions"] {
            assert!(e.get(field).is_some(), "{field}");
        }
        let e = input("2026-11-20", "2026-11-10", "holiday", "cancel")
            .validate(today, false)
            .unwrap_err();
        assert_eq!(e.get("first"), Some("error-series-past"));
        assert_eq!(e.get("last"), Some("error-absence-order"));
        let e = input("2026-12-01", "2028-12-01", "holiday", "cancel").validate(today, false);
        assert_eq!(e.unwrap_err().get("last"), Some("error-absence-long"));
        let e = input("2026-12-25", "", "bank_holiday", "cancel").validate(today, false);
        assert_eq!(
            e.unwrap_err().get("kind"),
            Some("error-absence-kind"),
            "only the owner"
        );
        assert!(input("2026-12-25", "", "bank_holiday", "cancel")
            .validate(today, true)
            .is_ok());
        let huge = "2".repeat(100_000);
        for hostile in ["<script>", "2026-02-30", "' OR 1=1 --", huge.as_str()] {
            let e = input(hostile, hostile, hostile, hostile)
                .validate(today, true)
                .unwrap_err();
            assert!(
                e.get("first").is_some() && e.get("kind").is_some() && e.get("sessions").is_some()
            );
        }
    }
}
