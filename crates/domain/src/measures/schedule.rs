//! A measure asked again every few weeks or sessions: the interval the therapist may choose, and
//! when the next one falls due (a runner that was down does not send the missed ones one after
//! another).

use crate::ids::CaseId;
use jiff::{SignedDuration, Timestamp};

/// What the interval counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Weeks,
    /// Booked sessions of the case that have ended (cancelled ones do not count).
    Sessions,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Weeks => "weeks",
            Unit::Sessions => "sessions",
        }
    }

    /// The unit as stored or posted; the error is the message key to show next to the field.
    pub fn parse(raw: &str) -> Result<Unit, &'static str> {
        match raw.trim() {
            "weeks" => Ok(Unit::Weeks),
            "sessions" => Ok(Unit::Sessions),
            "" => Err("error-required"),
            _ => Err("error-measure-unit"),
        }
    }
}

/// One measure of one case, asked every `every` weeks or sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub case: CaseId,
    /// The measure's key (`phq9`, `gad7`).
    pub key: String,
    pub every: u32,
    pub unit: Unit,
    /// By weeks, when the next one falls due; by sessions, the time sessions are counted from
    /// (when the schedule was set or the measure last sent by it).
    pub next_at: Timestamp,
    /// The patient sees this measure's chart in their portal.
    pub shared: bool,
}

/// The shortest and the longest interval, in weeks or sessions.
pub const MIN_WEEKS: u32 = 1;
pub const MAX_WEEKS: u32 = 26;

const WEEK: SignedDuration = SignedDuration::from_hours(7 * 24);

/// The interval as typed (weeks or sessions alike); the error is the message key to show next to
/// the field.
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

/// By sessions: the end of the `every`th session ending after `since`, when the measure falls due
/// (`None` while not so many are booked). `ends` are the case's booked sessions' ends after
/// `since`, in order.
pub fn due_after_sessions(ends: &[Timestamp], every: u32) -> Option<Timestamp> {
    let n = usize::try_from(every).ok()?.checked_sub(1)?;
    ends.get(n).copied()
}

/// By sessions: whether `every` sessions have ended by `now`.
pub fn sessions_done(ends: &[Timestamp], every: u32, now: Timestamp) -> bool {
    due_after_sessions(ends, every).is_some_and(|due| due <= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_weeks_or_sessions() {
        assert_eq!(Unit::parse("sessions"), Ok(Unit::Sessions));
        assert_eq!(Unit::parse(" weeks "), Ok(Unit::Weeks));
        assert_eq!(Unit::parse(""), Err("error-required"));
        assert_eq!(Unit::parse("days"), Err("error-measure-unit"));
        assert_eq!(Unit::parse(Unit::Sessions.as_str()), Ok(Unit::Sessions));
    }

    #[test]
    fn by_sessions_it_falls_due_when_the_nth_session_ends() {
        let t: Timestamp = "2030-01-07T09:00:00Z".parse().unwrap();
        let ends = [after(t, 1), after(t, 2), after(t, 3)];
        assert_eq!(due_after_sessions(&ends, 2), Some(after(t, 2)));
        assert_eq!(due_after_sessions(&ends, 4), None);
        assert!(!sessions_done(&ends, 2, after(t, 1)));
        assert!(sessions_done(&ends, 2, after(t, 2)));
        assert!(!sessions_done(&ends[..1], 2, after(t, 9)));
    }

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
