//! A measure asked again every few weeks: the interval the therapist may choose, and when the next
//! one falls due (a runner that was down does not send the missed ones one after another).

use crate::ids::CaseId;
use jiff::{SignedDuration, Timestamp};

/// One measure of one case, asked every `every_weeks` weeks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub case: CaseId,
    /// The measure's key (`phq9`, `gad7`).
    pub key: String,
    pub every_weeks: u32,
    pub next_at: Timestamp,
    /// The patient sees this measure's chart in their portal.
    pub shared: bool,
}

/// The shortest and the longest interval, in weeks.
pub const MIN_WEEKS: u32 = 1;
pub const MAX_WEEKS: u32 = 26;

const WEEK: SignedDuration = SignedDuration::from_hours(7 * 24);

/// The interval as typed; the error is the message key to show next to the field.
pub fn every_weeks(raw: &str) -> Result<u32, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("error-required");
    }
    match raw.parse::<u32>() {
        Ok(n) if (MIN_WEEKS..=MAX_WEEKS).contains(&n) => Ok(n),
        _ => Err("error-every-weeks"),
    }
}

/// `weeks` weeks after `from`.
pub fn after(from: Timestamp, weeks: u32) -> Timestamp {
    from.saturating_add(WEEK * i32::try_from(weeks).unwrap_or(i32::MAX))
        .unwrap_or(from)
}

/// The due time after `due`: one interval later, or, if that has passed too (nothing ran for a
/// while), one interval after `now`.
pub fn next_due(due: Timestamp, weeks: u32, now: Timestamp) -> Timestamp {
    let next = after(due, weeks);
    if next > now {
        next
    } else {
        after(now, weeks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_weeks_from_one_to_twenty_six() {
        assert_eq!(every_weeks(" 2 "), Ok(2));
        assert_eq!(every_weeks("26"), Ok(26));
        assert_eq!(every_weeks(""), Err("error-required"));
        for bad in ["0", "27", "abc", "-1", "1.5", "99999999999999999999"] {
            assert_eq!(every_weeks(bad), Err("error-every-weeks"), "{bad}");
        }
    }

    #[test]
    fn a_late_run_does_not_send_the_missed_ones_in_a_row() {
        let t: Timestamp = "2030-01-07T09:00:00Z".parse().unwrap();
        assert_eq!(next_due(t, 2, t), after(t, 2));
        let late = after(t, 5);
        assert_eq!(next_due(t, 2, late), after(late, 2));
    }
}
