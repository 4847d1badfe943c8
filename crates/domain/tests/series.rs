//! The regular hour across daylight-saving changes, in nine zones: therapists and patients in
//! zones that change on different dates (or never, or in the other direction, or by half an
//! hour). The properties:
//!
//! - every session is at the therapist's wall-clock time, unless that time does not exist that
//!   night, when it is later by the gap and by nothing else;
//! - a weekly series never has two sessions in one of the therapist's weeks, a twice-weekly one
//!   never three, a fortnightly one never two within thirteen days;
//! - occurrences are in order, on the series' weekdays, and `falls_on` agrees with them;
//! - a skipped occurrence is gone, a moved one is there once at its new time, the rest unchanged;
//! - the patient is told of a time change exactly where their own time differs from the week
//!   before, and told the time they will see.

use domain::series::{time_changes, Change, Frequency, Rule, Schedule};
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::ToSpan;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use std::collections::{BTreeMap, HashMap};

/// Zones whose changes fall on different dates, in both hemispheres, one by half an hour
/// (Lord Howe), some that never change.
const ZONES: [&str; 9] = [
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "America/Santiago",
];

fn zone() -> impl Strategy<Value = TimeZone> {
    (0..ZONES.len()).prop_map(|i| TimeZone::get(ZONES[i]).unwrap())
}

fn frequency() -> impl Strategy<Value = Frequency> {
    prop_oneof![
        Just(Frequency::Weekly),
        Just(Frequency::Fortnightly),
        Just(Frequency::TwiceWeekly)
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        frequency(),
        0i64..(3 * 365),
        0i8..24,
        0i8..12,
        1i8..=7,
        proptest::option::of(0i64..400),
    )
        .prop_map(|(frequency, day, hour, five, second, span)| {
            let first = Date::constant(2026, 1, 1).checked_add(day.days()).unwrap();
            Rule {
                frequency,
                first,
                time: Time::new(hour, five * 5, 0, 0).unwrap(),
                second_day: (frequency == Frequency::TwiceWeekly)
                    .then(|| Weekday::from_monday_one_offset(second).unwrap())
                    .filter(|d| *d != first.weekday())
                    .or((frequency == Frequency::TwiceWeekly).then(|| first.weekday().next())),
                until: span.map(|s| first.checked_add(s.days()).unwrap()),
            }
        })
}

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

fn range(rule: &Rule) -> (Date, Date) {
    (
        rule.first.checked_sub(10.days()).unwrap(),
        rule.first.checked_add(500.days()).unwrap(),
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_hour_is_the_therapists_wall_clock_time(rule in rule(), tz in zone()) {
        let (from, to) = range(&rule);
        for o in rule.occurrences(&tz, from, to) {
            let local = o.start.to_zoned(tz.clone()).datetime();
            prop_assert_eq!(local.date(), o.date);
            if local.time() != rule.time {
                // Only in a gap: the wall-clock time did not exist, and the session is later by
                // exactly the gap (the offset after minus the offset before).
                let before = tz.to_offset(o.start.checked_sub(6.hours()).unwrap());
                let after = tz.to_offset(o.start);
                let gap = after.seconds() - before.seconds();
                prop_assert!(gap > 0, "moved without a gap at {}", o.date);
                let wanted = o.date.to_datetime(rule.time);
                prop_assert_eq!(local.duration_since(wanted).as_secs(), i64::from(gap));
            }
        }
    }

    #[test]
    fn never_more_sessions_in_a_week_than_the_rule_says(rule in rule(), tz in zone()) {
        let (from, to) = range(&rule);
        let got = rule.occurrences(&tz, from, to);
        let mut per_week: HashMap<(i16, i8), usize> = HashMap::new();
        for o in &got {
            let week = o.date.iso_week_date();
            *per_week.entry((week.year(), week.week())).or_default() += 1;
            prop_assert!(o.date >= rule.first);
            prop_assert!(rule.until.is_none_or(|u| o.date <= u));
            prop_assert!(rule.weekdays().contains(&o.date.weekday()));
            prop_assert!(rule.falls_on(o.date));
        }
        let most = match rule.frequency {
            Frequency::Weekly | Frequency::Fortnightly => 1,
            Frequency::TwiceWeekly => 2,
        };
        prop_assert!(per_week.values().all(|n| *n <= most));
        for pair in got.windows(2) {
            prop_assert!(pair[0].date < pair[1].date && pair[0].start < pair[1].start);
            let days = (pair[1].date - pair[0].date).get_days();
            match rule.frequency {
                Frequency::Weekly => prop_assert_eq!(days, 7),
                Frequency::Fortnightly => prop_assert_eq!(days, 14),
                Frequency::TwiceWeekly => prop_assert!((1..7).contains(&days)),
            }
        }
        // Every date in the range the rule names is there: none forgotten.
        let mut day = from.max(rule.first);
        let mut named = 0;
        while day <= to && rule.until.is_none_or(|u| day <= u) {
            named += usize::from(rule.falls_on(day));
            day = day.tomorrow().unwrap();
        }
        prop_assert_eq!(named, got.len());
    }

    #[test]
    fn skipped_and_moved_sessions(rule in rule(), tz in zone(), picks in proptest::collection::vec((0usize..60, any::<bool>(), -3i64..3), 0..8)) {
        let (from, to) = range(&rule);
        let plain = rule.occurrences(&tz, from, to);
        prop_assume!(!plain.is_empty());
        let mut changes = BTreeMap::new();
        for (i, skip, shift) in picks {
            let o = plain[i % plain.len()];
            let change = if skip { Change::Skipped } else { Change::Moved(o.start.checked_add(shift.hours()).unwrap()) };
            changes.insert(o.date, change);
        }
        let schedule = Schedule { rule: rule.clone(), changes: changes.clone() };
        let sessions = schedule.sessions(&tz, from, to);
        let skipped = changes.values().filter(|c| **c == Change::Skipped).count();
        prop_assert_eq!(sessions.len(), plain.len() - skipped);
        for s in &sessions {
            match changes.get(&s.occurrence.date) {
                Some(Change::Skipped) => prop_assert!(false, "a skipped session came back"),
                Some(Change::Moved(to)) => prop_assert_eq!(s.start, *to),
                None => prop_assert_eq!(s.start, s.occurrence.start),
            }
        }
        // Each occurrence at most once.
        let mut dates: Vec<Date> = sessions.iter().map(|s| s.occurrence.date).collect();
        dates.dedup();
        prop_assert_eq!(dates.len(), sessions.len());
    }

    #[test]
    fn the_patient_is_told_exactly_when_their_time_moves(rule in rule(), therapist in zone(), patient in zone()) {
        let (from, to) = range(&rule);
        let got = rule.occurrences(&therapist, from, to);
        let changes = time_changes(&got, &patient);
        let mut last: HashMap<Weekday, Time> = HashMap::new();
        let mut expected = Vec::new();
        for o in &got {
            let local = o.start.to_zoned(patient.clone()).datetime();
            if let Some(was) = last.insert(o.date.weekday(), local.time()) {
                if was != local.time() {
                    expected.push((o.start, local, was));
                }
            }
        }
        let told: Vec<_> = changes.iter().map(|c| (c.start, c.local, c.was)).collect();
        prop_assert_eq!(told, expected);
        if therapist == patient {
            // Same zone: only a gap night moves anyone's time (and the week after moves it back).
            prop_assert!(changes.iter().all(|c| c.local.time() != rule.time || c.was != rule.time));
        }
    }
}
