//! Which scheduled backups are kept: the newest of each of the last N days, weeks and months
//! (as restic's `forget --keep-daily/-weekly/-monthly` counts them), by the instants in the
//! files' names. Files that are not named as scheduled backups are never touched.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::collections::BTreeSet;

/// How many of each to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keep {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

impl Default for Keep {
    fn default() -> Self {
        Keep {
            daily: 7,
            weekly: 4,
            monthly: 12,
        }
    }
}

const PREFIX: &str = "holdspace-";
const SUFFIX: &str = ".age";

/// The file name of a backup made at `at`: `holdspace-20261205T020000Z.age` (names sort by time).
pub fn file_name(at: Timestamp) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.strftime("%Y%m%dT%H%M%SZ"))
}

/// The instant in a scheduled backup's file name; `None` for any other file.
pub fn parse_file_name(name: &str) -> Option<Timestamp> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let civil = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", stamp).ok()?;
    civil.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// The backups (by instant, in any order) that `keep` does not keep.
pub fn to_prune(backups: &[Timestamp], keep: Keep) -> Vec<Timestamp> {
    let mut newest_first: Vec<Timestamp> = backups.to_vec();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    newest_first.dedup();
    let mut kept: BTreeSet<Timestamp> = BTreeSet::new();
    let day = |t: &Timestamp| t.to_zoned(TimeZone::UTC).date();
    let week = |t: &Timestamp| {
        let w = day(t).iso_week_date();
        (w.year(), w.week())
    };
    let month = |t: &Timestamp| {
        let d = day(t);
        (d.year(), d.month())
    };
    keep_newest_per(&newest_first, keep.daily, day, &mut kept);
    keep_newest_per(&newest_first, keep.weekly, week, &mut kept);
    keep_newest_per(&newest_first, keep.monthly, month, &mut kept);
    let mut pruned: Vec<Timestamp> = newest_first
        .into_iter()
        .filter(|t| !kept.contains(t))
        .collect();
    pruned.sort_unstable();
    pruned
}

/// Keeps the newest backup of each of the `n` newest periods that have one.
fn keep_newest_per<P: PartialEq>(
    newest_first: &[Timestamp],
    n: u32,
    period: impl Fn(&Timestamp) -> P,
    kept: &mut BTreeSet<Timestamp>,
) {
    let mut last: Option<P> = None;
    let mut taken = 0;
    for t in newest_first {
        if taken >= n {
            return;
        }
        let p = period(t);
        if last.as_ref() != Some(&p) {
            kept.insert(*t);
            taken += 1;
            last = Some(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// One backup a day at 02:00 UTC for `days` days up to 2026-12-05.
    fn daily_for(days: i64) -> Vec<Timestamp> {
        let last = at("2026-12-05T02:00:00Z");
        (0..days)
            .map(|d| last - jiff::SignedDuration::from_hours(24 * d))
            .collect()
    }

    #[test]
    fn a_year_of_daily_backups_keeps_seven_days_four_weeks_twelve_months() {
        let all = daily_for(400);
        let pruned = to_prune(&all, Keep::default());
        let kept: Vec<Timestamp> = all
            .iter()
            .filter(|t| !pruned.contains(t))
            .copied()
            .collect();
        // The last 7 days, the newest of 4 weeks and of 12 months overlap: never more than 23.
        assert!(kept.len() <= 23 && kept.len() >= 12 + 4, "{}", kept.len());
        for t in &daily_for(7) {
            assert!(kept.contains(t), "the last seven days are kept");
        }
        assert!(kept.contains(&at("2026-12-05T02:00:00Z")));
        // The newest of November is kept for the month, and nothing from fourteen months ago.
        assert!(kept.contains(&at("2026-11-30T02:00:00Z")));
        assert!(!kept.iter().any(|t| *t < at("2025-12-01T00:00:00Z")));
        assert_eq!(pruned.len() + kept.len(), all.len());
    }

    #[test]
    fn fewer_backups_than_the_counts_are_all_kept() {
        assert!(to_prune(&daily_for(3), Keep::default()).is_empty());
        assert!(to_prune(&[], Keep::default()).is_empty());
    }

    #[test]
    fn two_backups_on_one_day_keep_the_newer() {
        let pruned = to_prune(
            &[at("2026-12-05T02:00:00Z"), at("2026-12-05T14:00:00Z")],
            Keep {
                daily: 1,
                weekly: 0,
                monthly: 0,
            },
        );
        assert_eq!(pruned, [at("2026-12-05T02:00:00Z")]);
    }

    #[test]
    fn keeping_nothing_prunes_everything() {
        let all = daily_for(5);
        let none = Keep {
            daily: 0,
            weekly: 0,
            monthly: 0,
        };
        assert_eq!(to_prune(&all, none).len(), 5);
    }

    #[test]
    fn names_carry_the_instant_and_other_files_are_not_backups() {
        let t = at("2026-12-05T02:03:04Z");
        assert_eq!(file_name(t), "holdspace-20261205T020304Z.age");
        assert_eq!(parse_file_name(&file_name(t)), Some(t));
        for other in [
            "notes.txt",
            "holdspace-20261205T020304Z.age.partial",
            "holdspace-garbage.age",
            "holdspace-20261305T020304Z.age",
            "",
        ] {
            assert_eq!(parse_file_name(other), None, "{other}");
        }
    }
}
