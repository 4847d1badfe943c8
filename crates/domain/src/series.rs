//! The regular hour: a series of sessions at a fixed wall-clock time in the therapist's zone.
//!
//! A series is a rule (weekly, fortnightly, or twice weekly on two weekdays at the same time),
//! a first date and an optional last one. Its occurrences are named by their date in the
//! therapist's zone, which never changes when one of them is moved: that date is the calendar's
//! `RECURRENCE-ID`. Across a daylight-saving change the hour stays at the therapist's wall-clock
//! time; a time that does not exist that night (a spring-forward gap) is taken forward by the
//! gap, a time that exists twice (the autumn fold) is the earlier one, as RFC 5545 says.
//!
//! A patient in another zone sees their own time move when the two zones change on different
//! dates; [`time_changes`] finds the sessions where that happens, so they can be told in advance.

use crate::validation::{FieldErrors, Validated};
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frequency {
    Weekly,
    Fortnightly,
    /// Two weekdays a week, at the same time.
    TwiceWeekly,
}

impl Frequency {
    pub const ALL: [Frequency; 3] = [
        Frequency::Weekly,
        Frequency::Fortnightly,
        Frequency::TwiceWeekly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Weekly => "weekly",
            Frequency::Fortnightly => "fortnightly",
            Frequency::TwiceWeekly => "twice_weekly",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Frequency::ALL.into_iter().find(|f| f.as_str() == raw)
    }

    /// Weeks between one week with sessions and the next.
    fn interval(self) -> i64 {
        match self {
            Frequency::Fortnightly => 2,
            Frequency::Weekly | Frequency::TwiceWeekly => 1,
        }
    }
}

/// A series' rule, in the therapist's zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub frequency: Frequency,
    /// The first session's date; its weekday is the series' day.
    pub first: Date,
    pub time: Time,
    /// The second weekday of a twice-weekly series (another day than `first`'s).
    pub second_day: Option<Weekday>,
    /// The last date a session may fall on (inclusive); open-ended without it.
    pub until: Option<Date>,
}

/// One session of a series as the rule places it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// Its date in the therapist's zone: the occurrence's name, kept when it is moved.
    pub date: Date,
    pub start: Timestamp,
}

/// The instant a wall-clock time in `zone` names: in a gap, later by the gap; in a fold, the
/// earlier of the two (RFC 5545 3.3.5).
pub fn instant(zone: &TimeZone, date: Date, time: Time) -> Timestamp {
    zone.to_ambiguous_timestamp(DateTime::from_parts(date, time))
        .compatible()
        // Only out-of-range dates (years beyond 9999) fail; the form refuses those.
        .unwrap_or(Timestamp::MAX)
}

/// Monday of the week `date` is in.
fn monday(date: Date) -> Date {
    date.checked_sub(i64::from(date.weekday().to_monday_zero_offset()).days())
        .unwrap_or(date)
}

impl Rule {
    /// The weekdays of the series, in the week's order.
    pub fn weekdays(&self) -> Vec<Weekday> {
        let mut days = vec![self.first.weekday()];
        if self.frequency == Frequency::TwiceWeekly {
            if let Some(d) = self.second_day.filter(|d| *d != self.first.weekday()) {
                days.push(d);
            }
        }
        days.sort_by_key(|d| d.to_monday_zero_offset());
        days
    }

    /// The occurrences whose dates fall between `from` and `to` (both inclusive), in order.
    pub fn occurrences(&self, zone: &TimeZone, from: Date, to: Date) -> Vec<Occurrence> {
        let from = from.max(self.first);
        let to = match self.until {
            Some(until) => to.min(until),
            None => to,
        };
        if from > to {
            return Vec::new();
        }
        let days = self.weekdays();
        let interval = self.frequency.interval();
        let origin = monday(self.first);
        // The first week with sessions on or after `from`'s week.
        let weeks_in = i64::from((monday(from) - origin).get_days()).div_euclid(7);
        let mut week = weeks_in + (interval - weeks_in.rem_euclid(interval)) % interval;
        let mut out = Vec::new();
        loop {
            let Ok(start_of_week) = origin.checked_add((week * 7).days()) else {
                break;
            };
            if start_of_week > to {
                break;
            }
            for day in &days {
                let Ok(date) =
                    start_of_week.checked_add(i64::from(day.to_monday_zero_offset()).days())
                else {
                    continue;
                };
                if date >= from && date <= to {
                    out.push(Occurrence {
                        date,
                        start: instant(zone, date, self.time),
                    });
                }
            }
            week += interval;
        }
        out
    }

    /// Whether `date` is one of the series' dates (ignoring any range).
    pub fn falls_on(&self, date: Date) -> bool {
        if date < self.first || self.until.is_some_and(|u| date > u) {
            return false;
        }
        let weeks = i64::from((monday(date) - monday(self.first)).get_days()) / 7;
        weeks % self.frequency.interval() == 0 && self.weekdays().contains(&date.weekday())
    }
}

/// What became of one occurrence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// It will not take place (the calendar's `EXDATE`).
    Skipped,
    /// It takes place at another time (an overriding instance with the occurrence's `RECURRENCE-ID`).
    Moved(Timestamp),
}

/// A series' sessions: the rule with what became of single occurrences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub rule: Rule,
    pub changes: BTreeMap<Date, Change>,
}

/// One session as it will take place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    pub occurrence: Occurrence,
    pub start: Timestamp,
}

impl Schedule {
    /// The sessions whose occurrence dates fall between `from` and `to`: skipped ones left out,
    /// moved ones at their new time (still named by their occurrence), in the rule's order.
    pub fn sessions(&self, zone: &TimeZone, from: Date, to: Date) -> Vec<Session> {
        self.rule
            .occurrences(zone, from, to)
            .into_iter()
            .filter_map(|o| match self.changes.get(&o.date) {
                Some(Change::Skipped) => None,
                Some(Change::Moved(start)) => Some(Session {
                    occurrence: o,
                    start: *start,
                }),
                None => Some(Session {
                    occurrence: o,
                    start: o.start,
                }),
            })
            .collect()
    }
}

/// "From 29 March your session is at 19:00 your time": a session at which the patient's local
/// time differs from the one before it on the same series day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeChange {
    pub start: Timestamp,
    /// The session's date and time in the patient's zone.
    pub local: DateTime,
    /// The time it was at before, in the patient's zone.
    pub was: Time,
}

/// Where the patient's own time of a series moves, because their zone and the therapist's change
/// on different dates (or only one of them changes). Compares each occurrence with the one before
/// it on the same series weekday.
pub fn time_changes(occurrences: &[Occurrence], patient: &TimeZone) -> Vec<TimeChange> {
    let mut last: BTreeMap<i8, Time> = BTreeMap::new();
    let mut out = Vec::new();
    for o in occurrences {
        let local = o.start.to_zoned(patient.clone()).datetime();
        let key = o.date.weekday().to_monday_zero_offset();
        if let Some(was) = last.insert(key, local.time()) {
            if was != local.time() {
                out.push(TimeChange {
                    start: o.start,
                    local,
                    was,
                });
            }
        }
    }
    out
}

/// The series form as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct SeriesInput {
    #[serde(default)]
    pub frequency: String,
    /// The first session's date, `YYYY-MM-DD` in the therapist's zone.
    #[serde(default)]
    pub first: String,
    /// `HH:MM` in the therapist's zone.
    #[serde(default)]
    pub time: String,
    /// The second weekday of a twice-weekly series, 1 (Monday) to 7.
    #[serde(default)]
    pub second_day: String,
    /// The last date (optional).
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub kind: String,
}

/// The furthest ahead a series may begin, and its longest span: beyond that a date is a typo.
pub const MAX_YEARS: i16 = 5;

/// A `YYYY-MM-DD` date typed into a form; `None` when empty (the caller says whether that is
/// allowed) or refused (recorded on `field`).
pub(crate) fn date_field(errors: &mut FieldErrors, field: &'static str, raw: &str) -> Option<Date> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<Date>() {
        Ok(d) if raw.len() == 10 => Some(d),
        _ => {
            errors.add(field, "error-series-date");
            None
        }
    }
}

pub fn weekday_of(n: i8) -> Option<Weekday> {
    Weekday::from_monday_one_offset(n).ok()
}

impl SeriesInput {
    /// The rule, checked against `today` (the therapist's date): a first date from today on and
    /// within five years, a time on the five-minute grid, a second day for twice weekly, an end
    /// after the beginning. The appointment type is checked by the caller.
    pub fn validate(&self, today: Date) -> Validated<Rule> {
        let mut e = FieldErrors::default();
        let frequency = Frequency::parse(self.frequency.trim());
        if frequency.is_none() {
            e.add("frequency", "error-series-frequency");
        }
        let first = date_field(&mut e, "first", &self.first);
        if self.first.trim().is_empty() {
            e.add("first", "error-required");
        }
        let latest = today.checked_add(MAX_YEARS.years()).unwrap_or(today);
        if let Some(f) = first {
            if f < today {
                e.add("first", "error-series-past");
            } else if f > latest {
                e.add("first", "error-series-far");
            }
        }
        let time = match self.time.trim().parse::<Time>() {
            Ok(t) if self.time.trim().len() == 5 && t.minute() % 5 == 0 => Some(t),
            _ => {
                e.add("time", "error-series-time");
                None
            }
        };
        let second_day = match frequency {
            Some(Frequency::TwiceWeekly) => {
                let day = self
                    .second_day
                    .trim()
                    .parse::<i8>()
                    .ok()
                    .and_then(weekday_of);
                match (day, first) {
                    (None, _) => {
                        e.add("second_day", "error-series-second-day");
                        None
                    }
                    (Some(d), Some(f)) if d == f.weekday() => {
                        e.add("second_day", "error-series-same-day");
                        None
                    }
                    (d, _) => d,
                }
            }
            _ => None,
        };
        let until = date_field(&mut e, "until", &self.until);
        if let (Some(u), Some(f)) = (until, first) {
            if u < f {
                e.add("until", "error-series-until");
            } else if u > f.checked_add(MAX_YEARS.years()).unwrap_or(f) {
                e.add("until", "error-series-far");
            }
        }
        let (Some(frequency), Some(first), Some(time)) = (frequency, first, time) else {
            return Err(e);
        };
        e.finish(Rule {
            frequency,
            first,
            time,
            second_day,
            until,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    fn weekly(first: Date) -> Rule {
        Rule {
            frequency: Frequency::Weekly,
            first,
            time: Time::constant(18, 0, 0, 0),
            second_day: None,
            until: None,
        }
    }

    #[test]
    fn the_hour_stays_on_the_therapists_clock_across_the_change() {
        let rule = weekly(date(2027, 3, 22));
        let got = rule.occurrences(&berlin(), date(2027, 3, 1), date(2027, 4, 5));
        let starts: Vec<String> = got.iter().map(|o| o.start.to_string()).collect();
        assert_eq!(
            starts,
            [
                "2027-03-22T17:00:00Z",
                "2027-03-29T16:00:00Z",
                "2027-04-05T16:00:00Z"
            ]
        );
    }

    #[test]
    fn a_new_yorker_is_told_when_their_time_moves() {
        // The US changes on 14 March 2027, Europe on 28 March: for two weeks a Berlin 18:00 is
        // 13:00 in New York, then 12:00 again.
        let rule = weekly(date(2027, 3, 1));
        let got = rule.occurrences(&berlin(), date(2027, 3, 1), date(2027, 4, 12));
        let ny = TimeZone::get("America/New_York").unwrap();
        let changes = time_changes(&got, &ny);
        let told: Vec<(String, String)> = changes
            .iter()
            .map(|c| (c.local.date().to_string(), c.local.time().to_string()))
            .collect();
        assert_eq!(
            told,
            [
                ("2027-03-15".to_string(), "13:00:00".to_string()),
                ("2027-03-29".to_string(), "12:00:00".to_string())
            ]
        );
        // Somebody in Berlin is never told anything.
        assert!(time_changes(&got, &berlin()).is_empty());
    }

    #[test]
    fn a_time_in_the_spring_gap_is_taken_forward_and_one_in_the_fold_is_the_first() {
        let mut rule = weekly(date(2027, 3, 28));
        rule.time = Time::constant(2, 30, 0, 0);
        let got = rule.occurrences(&berlin(), date(2027, 3, 28), date(2027, 3, 28));
        assert_eq!(got[0].start.to_string(), "2027-03-28T01:30:00Z"); // 03:30 CEST
        rule.first = date(2027, 10, 31);
        let got = rule.occurrences(&berlin(), date(2027, 10, 31), date(2027, 10, 31));
        assert_eq!(got[0].start.to_string(), "2027-10-31T00:30:00Z"); // 02:30 CEST
    }

    #[test]
    fn fortnightly_counts_from_the_first_week_whatever_the_range_asked() {
        let mut rule = weekly(date(2027, 1, 4));
        rule.frequency = Frequency::Fortnightly;
        let dates: Vec<String> = rule
            .occurrences(&berlin(), date(2027, 1, 10), date(2027, 2, 10))
            .iter()
            .map(|o| o.date.to_string())
            .collect();
        assert_eq!(dates, ["2027-01-18", "2027-02-01"]);
        assert!(rule.falls_on(date(2027, 2, 15)) && !rule.falls_on(date(2027, 2, 8)));
    }

    #[test]
    fn twice_weekly_takes_both_days_and_never_before_the_first() {
        let mut rule = weekly(date(2027, 1, 7)); // a Thursday
        rule.frequency = Frequency::TwiceWeekly;
        rule.second_day = Some(Weekday::Monday);
        rule.until = Some(date(2027, 1, 18));
        let dates: Vec<String> = rule
            .occurrences(&berlin(), date(2027, 1, 1), date(2027, 12, 31))
            .iter()
            .map(|o| o.date.to_string())
            .collect();
        assert_eq!(
            dates,
            ["2027-01-07", "2027-01-11", "2027-01-14", "2027-01-18"]
        );
    }

    #[test]
    fn skipped_and_moved_occurrences() {
        let rule = weekly(date(2027, 1, 4));
        let moved_to: Timestamp = "2027-01-13T09:00:00Z".parse().unwrap();
        let schedule = Schedule {
            rule,
            changes: BTreeMap::from([
                (date(2027, 1, 4), Change::Skipped),
                (date(2027, 1, 11), Change::Moved(moved_to)),
            ]),
        };
        let got = schedule.sessions(&berlin(), date(2027, 1, 1), date(2027, 1, 20));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].occurrence.date, date(2027, 1, 11));
        assert_eq!(got[0].start, moved_to);
        assert_eq!(got[1].start, got[1].occurrence.start);
    }

    #[test]
    fn the_form_refuses_what_is_not_a_series() {
        let today = date(2026, 11, 27);
        let input = |f: &str, first: &str, time: &str, second: &str, until: &str| SeriesInput {
            frequency: f.into(),
            first: first.into(),
            time: time.into(),
            second_day: second.into(),
            until: until.into(),
            kind: String::new(),
        };
        let ok = input("weekly", "2026-12-01", "18:00", "", "").validate(today);
        assert!(ok.is_ok());
        let e = input("", "", "", "", "").validate(today).unwrap_err();
        assert_eq!(e.get("frequency"), Some("error-series-frequency"));
        assert_eq!(e.get("first"), Some("error-required"));
        assert_eq!(e.get("time"), Some("error-series-time"));
        let e = input("monthly", "2026-11-26", "18:03", "", "2026-11-01")
            .validate(today)
            .unwrap_err();
        assert_eq!(e.get("frequency"), Some("error-series-frequency"));
        assert_eq!(e.get("first"), Some("error-series-past"));
        assert_eq!(e.get("time"), Some("error-series-time"));
        assert_eq!(e.get("until"), Some("error-series-until"));
        let e = input("twice_weekly", "2026-12-01", "18:00", "2", "").validate(today);
        assert_eq!(
            e.unwrap_err().get("second_day"),
            Some("error-series-same-day")
        );
        for hostile in [
            "<script>",
            "9999999999999",
            "2026-13-45",
            "' OR 1=1",
            &"9".repeat(100_000),
        ] {
            let e = input(hostile, hostile, hostile, hostile, hostile)
                .validate(today)
                .unwrap_err();
            assert!(e.get("first").is_some() && e.get("time").is_some());
        }
        let e = input("weekly", "2040-01-01", "18:00", "", "").validate(today);
        assert_eq!(e.unwrap_err().get("first"), Some("error-series-far"));
    }
}
