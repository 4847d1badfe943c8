//! The booking page a week at a time: which week of free times a visitor sees, and where the
//! nearest earlier and later free times are, so a phone shows one week and not forty days.

use super::Slot;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// One week of free times as the visitor reads them (week 0 starts on the visitor's today).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Week {
    pub index: i64,
    /// The visitor's first and last local date of the week.
    pub from: Date,
    pub to: Date,
    pub slots: Vec<Slot>,
    /// The nearest earlier and later weeks that have free times.
    pub earlier: Option<i64>,
    pub later: Option<i64>,
}

/// The week of `slots` to show a visitor in `zone` whose date is `today`: the week asked for, or
/// else the first week with a free time, so the first free times come first.
pub fn week_of(slots: &[Slot], zone: &TimeZone, today: Date, asked: Option<i64>) -> Week {
    let week_of_slot = |s: &Slot| {
        let date = s.local_start(zone).date();
        today
            .until(date)
            .map_or(0, |span| i64::from(span.get_days()) / 7)
    };
    let weeks: Vec<i64> = slots.iter().map(week_of_slot).collect();
    let last = weeks.iter().copied().max().unwrap_or(0);
    let index = match asked {
        Some(w) => w.clamp(0, last.max(0)),
        None => weeks.first().copied().unwrap_or(0).max(0),
    };
    let from = today
        .checked_add(jiff::Span::new().days(index * 7))
        .unwrap_or(today);
    let to = from.checked_add(jiff::Span::new().days(6)).unwrap_or(from);
    Week {
        index,
        from,
        to,
        slots: slots
            .iter()
            .zip(&weeks)
            .filter(|(_, w)| **w == index)
            .map(|(s, _)| *s)
            .collect(),
        earlier: weeks.iter().copied().filter(|w| *w < index).max(),
        later: weeks.iter().copied().filter(|w| *w > index).min(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn slot(at: &str) -> Slot {
        let start: Timestamp = at.parse().unwrap();
        Slot { start, end: start }
    }

    #[test]
    fn the_first_week_with_free_times_comes_first_and_links_skip_empty_weeks() {
        let zone = TimeZone::get("America/New_York").unwrap();
        let today = Date::constant(2026, 11, 27);
        // 03:00 UTC on 7 December is still 6 December in New York: week 1, not week 1's next day.
        let slots = [
            slot("2026-12-07T03:00:00Z"),
            slot("2026-12-08T14:00:00Z"),
            slot("2026-12-22T14:00:00Z"),
        ];
        let w = week_of(&slots, &zone, today, None);
        assert_eq!(w.index, 1);
        assert_eq!(w.slots.len(), 2);
        assert_eq!(
            (w.from, w.to),
            (Date::constant(2026, 12, 4), Date::constant(2026, 12, 10))
        );
        assert_eq!((w.earlier, w.later), (None, Some(3)));
        let later = week_of(&slots, &zone, today, Some(3));
        assert_eq!(later.slots, vec![slots[2]]);
        assert_eq!((later.earlier, later.later), (Some(1), None));
        let empty = week_of(&slots, &zone, today, Some(2));
        assert!(empty.slots.is_empty());
        assert_eq!((empty.earlier, empty.later), (Some(1), Some(3)));
        assert_eq!(week_of(&slots, &zone, today, Some(99)).index, 3, "clamped");
        assert_eq!(week_of(&slots, &zone, today, Some(-4)).index, 0);
        assert_eq!(week_of(&[], &zone, today, None).index, 0);
    }
}
