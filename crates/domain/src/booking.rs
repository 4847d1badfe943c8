//! Availability and open slots: the therapist's weekly windows in their own zone, days off and
//! extra hours, appointment types, notice, horizon and a daily cap. Pure: the caller gives the
//! time now and what is taken.
//!
//! Windows are local times; slots are instants. A window is turned into instants on its own date
//! in the therapist's zone, so a window that spans a DST change is as long as the wall clock says
//! (an hour shorter in spring, longer in autumn), a window starting in a skipped hour starts when
//! the clock resumes, and a visitor anywhere sees each slot as one exact instant.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};
use serde::Serialize;

pub use crate::availability::{settings_input, Settings, SettingsInput};
pub use week::{week_of, Week};

mod week;

/// The booking form's limits: the name and phone as in "Send a message", and the visitor's note.
pub const NAME_MAX: usize = crate::inquiry::NAME_MAX;
pub const PHONE_MAX: usize = crate::inquiry::PHONE_MAX;
pub const NOTE_MAX: usize = 2_000;
/// How many free times near a taken one are offered instead.
pub const NEAREST_OFFERED: usize = 3;

/// A recurring window, e.g. Monday 09:00–13:00, in the therapist's zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Weekly {
    pub weekday: Weekday,
    pub start: Time,
    pub end: Time,
}

/// A change to the weekly pattern on one date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exception {
    /// No appointments that day.
    DayOff(Date),
    /// Extra hours that day, besides the weekly windows.
    Extra { date: Date, start: Time, end: Time },
}

/// What can be booked, and how long it holds the calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppointmentType {
    pub key: String,
    pub name: String,
    pub minutes: i64,
    /// Kept free after each appointment (notes, a breath).
    pub buffer_minutes: i64,
    /// `None`: free of charge.
    pub price_cents: Option<i64>,
    /// Offered to visitors at `/book`; otherwise only patients book it (or are booked into it).
    pub open_to_visitors: bool,
}

impl AppointmentType {
    pub fn length(&self) -> SignedDuration {
        SignedDuration::from_mins(self.minutes)
    }

    /// How long an appointment of this type keeps the calendar occupied.
    pub fn occupies(&self) -> SignedDuration {
        SignedDuration::from_mins(self.minutes + self.buffer_minutes)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// A slot must start at least this long after now.
    pub notice: SignedDuration,
    /// Slots are offered up to this many days ahead.
    pub horizon_days: i64,
    /// At most this many appointments on one local day.
    pub daily_cap: Option<u32>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            notice: SignedDuration::from_hours(24),
            horizon_days: 56,
            daily_cap: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Availability {
    pub zone: TimeZone,
    pub weekly: Vec<Weekly>,
    pub exceptions: Vec<Exception>,
    pub rules: Rules,
}

/// Time already taken: an appointment (counts towards the daily cap) or blocked time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy {
    pub start: Timestamp,
    pub end: Timestamp,
    pub is_appointment: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Slot {
    /// The slot's start as a reader in `zone` sees it.
    pub fn local_start(&self, zone: &TimeZone) -> Zoned {
        self.start.to_zoned(zone.clone())
    }
}

/// A slot's opaque id, as the booking page and the API hand it out and take it back:
/// `<therapist's 32 hex digits>-<type key>-<start in seconds since the epoch>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRef {
    pub therapist: String,
    pub key: String,
    pub start: Timestamp,
}

impl SlotRef {
    /// The longest type key a slot id may carry.
    pub const KEY_MAX: usize = 40;

    /// A slot id from outside, if it has the shape of one. Whether the slot is open is the
    /// caller's question.
    pub fn parse(raw: &str) -> Option<SlotRef> {
        let mut parts = raw.splitn(3, '-');
        let (therapist, key, start) = (parts.next()?, parts.next()?, parts.next()?);
        if !crate::ids::is_hex_id(therapist) || key.is_empty() || key.len() > Self::KEY_MAX {
            return None;
        }
        // Digits with at most one leading minus: `i64::from_str` would also take a plus.
        let digits = start.strip_prefix('-').unwrap_or(start);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(SlotRef {
            therapist: therapist.to_string(),
            key: key.to_string(),
            start: Timestamp::from_second(start.parse().ok()?).ok()?,
        })
    }
}

impl std::fmt::Display for SlotRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}-{}",
            self.therapist,
            self.key,
            self.start.as_second()
        )
    }
}

/// The instant a local date and time names in `zone`; in a skipped hour, when the clock resumes;
/// in a repeated hour, the first of the two.
fn instant(zone: &TimeZone, date: Date, time: Time) -> Option<Timestamp> {
    date.to_datetime(time)
        .to_zoned(zone.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// The windows of one local date, as instants.
fn windows_on(av: &Availability, date: Date) -> Vec<(Timestamp, Timestamp)> {
    if av
        .exceptions
        .iter()
        .any(|e| matches!(e, Exception::DayOff(d) if *d == date))
    {
        return Vec::new();
    }
    let weekly = av
        .weekly
        .iter()
        .filter(|w| w.weekday == date.weekday())
        .map(|w| (w.start, w.end));
    let extra = av.exceptions.iter().filter_map(|e| match e {
        Exception::Extra {
            date: d,
            start,
            end,
        } if *d == date => Some((*start, *end)),
        _ => None,
    });
    weekly
        .chain(extra)
        .filter(|(s, e)| s < e)
        .filter_map(|(s, e)| Some((instant(&av.zone, date, s)?, instant(&av.zone, date, e)?)))
        .filter(|(s, e)| s < e)
        .collect()
}

fn overlaps(a_start: Timestamp, a_end: Timestamp, b_start: Timestamp, b_end: Timestamp) -> bool {
    a_start < b_end && b_start < a_end
}

/// Every slot of `kind` a visitor may book now, in time order.
pub fn open_slots(
    av: &Availability,
    kind: &AppointmentType,
    busy: &[Busy],
    now: Timestamp,
) -> Vec<Slot> {
    if kind.minutes <= 0 {
        return Vec::new();
    }
    let earliest = now.saturating_add(av.rules.notice).unwrap_or(now);
    let latest = now
        .saturating_add(SignedDuration::from_hours(24 * av.rules.horizon_days))
        .unwrap_or(now);
    let first_day = now.to_zoned(av.zone.clone()).date();
    let step = kind.occupies();
    let mut slots = Vec::new();
    for offset in 0..=av.rules.horizon_days {
        let Ok(date) = first_day.checked_add(jiff::Span::new().days(offset)) else {
            break;
        };
        if let Some(cap) = av.rules.daily_cap {
            let booked = busy
                .iter()
                .filter(|b| b.is_appointment && b.start.to_zoned(av.zone.clone()).date() == date)
                .count();
            if booked >= cap as usize {
                continue;
            }
        }
        let mut windows = windows_on(av, date);
        windows.sort();
        for (window_start, window_end) in windows {
            let mut start = window_start;
            while let Ok(end) = start.checked_add(kind.length()) {
                if end > window_end {
                    break;
                }
                let held_until = start.checked_add(step).unwrap_or(end);
                let free = !busy
                    .iter()
                    .any(|b| overlaps(start, held_until, b.start, b.end));
                if free && start >= earliest && start < latest {
                    slots.push(Slot { start, end });
                }
                start = match start.checked_add(step) {
                    Ok(next) => next,
                    Err(_) => break,
                };
            }
        }
    }
    slots.sort();
    slots.dedup();
    slots
}

/// The free slots nearest to `wanted` (for "this time was just taken"), at most `n`.
pub fn nearest(slots: &[Slot], wanted: Timestamp, n: usize) -> Vec<Slot> {
    let mut by_distance: Vec<Slot> = slots.to_vec();
    by_distance.sort_by_key(|s| (s.start.duration_since(wanted).abs(), s.start));
    by_distance.truncate(n);
    by_distance.sort();
    by_distance
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn first_consultation() -> AppointmentType {
        AppointmentType {
            key: "first".into(),
            name: "First consultation".into(),
            minutes: 50,
            buffer_minutes: 10,
            price_cents: None,
            open_to_visitors: true,
        }
    }

    fn athens_mondays() -> Availability {
        Availability {
            zone: TimeZone::get("Europe/Athens").unwrap(),
            weekly: vec![Weekly {
                weekday: Weekday::Monday,
                start: Time::constant(9, 0, 0, 0),
                end: Time::constant(13, 0, 0, 0),
            }],
            exceptions: vec![],
            rules: Rules {
                notice: SignedDuration::from_hours(24),
                horizon_days: 56,
                daily_cap: None,
            },
        }
    }

    fn new_york_times(slots: &[Slot], date: &str) -> Vec<String> {
        let ny = TimeZone::get("America/New_York").unwrap();
        slots
            .iter()
            .map(|s| s.local_start(&ny))
            .filter(|z| z.date().to_string() == date)
            .map(|z| z.strftime("%H:%M").to_string())
            .collect()
    }

    #[test]
    fn a_visitor_in_new_york_sees_athens_mornings_move_with_each_dst_change() {
        let slots = open_slots(
            &athens_mondays(),
            &first_consultation(),
            &[],
            t("2027-03-01T00:00:00Z"),
        );
        // 8 March: both on winter time (UTC+2, UTC-5): 09:00 in Athens is 02:00 in New York.
        assert_eq!(
            new_york_times(&slots, "2027-03-08"),
            ["02:00", "03:00", "04:00", "05:00"]
        );
        // 15 March: New York has switched (UTC-4), Athens not yet: 03:00.
        assert_eq!(
            new_york_times(&slots, "2027-03-15"),
            ["03:00", "04:00", "05:00", "06:00"]
        );
        // 29 March: both on summer time (UTC+3, UTC-4): 02:00 again.
        assert_eq!(
            new_york_times(&slots, "2027-03-29"),
            ["02:00", "03:00", "04:00", "05:00"]
        );
    }

    #[test]
    fn a_window_across_the_spring_change_is_an_hour_shorter_and_the_autumn_one_longer() {
        let zone = TimeZone::get("Europe/Athens").unwrap();
        let night = |date: &str| Availability {
            zone: zone.clone(),
            weekly: vec![],
            exceptions: vec![Exception::Extra {
                date: date.parse().unwrap(),
                start: Time::constant(2, 0, 0, 0),
                end: Time::constant(6, 0, 0, 0),
            }],
            rules: Rules {
                notice: SignedDuration::ZERO,
                horizon_days: 10,
                daily_cap: None,
            },
        };
        let hourly = AppointmentType {
            key: "x".into(),
            name: "x".into(),
            minutes: 60,
            buffer_minutes: 0,
            price_cents: None,
            open_to_visitors: false,
        };
        // 28 March 2027: 03:00 becomes 04:00 in Athens; 02:00–06:00 holds three hours.
        let spring = open_slots(
            &night("2027-03-28"),
            &hourly,
            &[],
            t("2027-03-27T00:00:00Z"),
        );
        assert_eq!(spring.len(), 3);
        let local: Vec<String> = spring
            .iter()
            .map(|s| s.local_start(&zone).strftime("%H:%M").to_string())
            .collect();
        assert_eq!(
            local,
            ["02:00", "04:00", "05:00"],
            "no slot at a time that does not exist"
        );
        // 31 October 2027: 04:00 happens twice; 02:00–06:00 holds five hours.
        let autumn = open_slots(
            &night("2027-10-31"),
            &hourly,
            &[],
            t("2027-10-30T00:00:00Z"),
        );
        assert_eq!(autumn.len(), 5);
        let local: Vec<String> = autumn
            .iter()
            .map(|s| s.local_start(&zone).strftime("%H:%M %Z").to_string())
            .collect();
        assert_eq!(
            local,
            [
                "02:00 EEST",
                "03:00 EEST",
                "03:00 EET",
                "04:00 EET",
                "05:00 EET"
            ],
            "the repeated hour is offered twice, as two instants"
        );
    }

    #[test]
    fn notice_horizon_days_off_busy_time_buffers_and_the_daily_cap() {
        let mut av = athens_mondays();
        let now = t("2027-03-07T08:00:00Z"); // a Sunday, 10:00 in Athens
        let all = open_slots(&av, &first_consultation(), &[], now);
        assert!(
            all.iter().all(|s| s.start >= t("2027-03-08T08:00:00Z")),
            "24 hours' notice"
        );
        assert_eq!(
            all.first().unwrap().start,
            t("2027-03-08T08:00:00Z"),
            "Monday 10:00 Athens is exactly 24 h ahead"
        );
        assert!(
            all.iter().all(|s| s.start < t("2027-05-02T08:00:00Z")),
            "eight weeks ahead at most"
        );

        av.exceptions
            .push(Exception::DayOff("2027-03-15".parse().unwrap()));
        let busy = [Busy {
            start: t("2027-03-22T07:00:00Z"),
            end: t("2027-03-22T08:00:00Z"),
            is_appointment: true,
        }];
        let slots = open_slots(&av, &first_consultation(), &busy, now);
        let athens = |s: &Slot| {
            s.local_start(&av.zone)
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        };
        let names: Vec<String> = slots.iter().map(athens).collect();
        assert!(
            !names.iter().any(|n| n.starts_with("2027-03-15")),
            "day off"
        );
        assert!(!names.contains(&"2027-03-22 09:00".to_string()), "taken");
        assert!(
            names.contains(&"2027-03-22 10:00".to_string()),
            "the hour after is free"
        );

        av.rules.daily_cap = Some(1);
        let capped = open_slots(&av, &first_consultation(), &busy, now);
        assert!(
            !capped
                .iter()
                .map(athens)
                .any(|n| n.starts_with("2027-03-22")),
            "one appointment that day already"
        );
    }

    #[test]
    fn nearest_free_times_surround_the_wanted_one() {
        let slots: Vec<Slot> = (0..10)
            .map(|h| Slot {
                start: t("2027-01-01T00:00:00Z") + SignedDuration::from_hours(h),
                end: t("2027-01-01T00:50:00Z") + SignedDuration::from_hours(h),
            })
            .collect();
        let near = nearest(&slots, t("2027-01-01T05:00:00Z"), 3);
        assert_eq!(
            near.iter().map(|s| s.start.to_string()).collect::<Vec<_>>(),
            [
                "2027-01-01T04:00:00Z",
                "2027-01-01T05:00:00Z",
                "2027-01-01T06:00:00Z"
            ]
        );
    }

    const ZONES: &[&str] = &[
        "Europe/Athens",
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
        "Asia/Kolkata",
        "America/Sao_Paulo",
        "Pacific/Auckland",
        "Europe/Berlin",
        "UTC",
    ];
    /// Dates near the DST changes of 2027 in the zones above (both hemispheres).
    const AROUND: &[&str] = &[
        "2027-03-13",
        "2027-03-27",
        "2027-04-03",
        "2027-09-25",
        "2027-10-02",
        "2027-10-30",
        "2027-11-06",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn every_slot_is_inside_a_window_free_exactly_long_and_the_same_instant_everywhere(
            therapist in prop::sample::select(ZONES),
            visitor in prop::sample::select(ZONES),
            around in prop::sample::select(AROUND),
            start_hour in 0i8..22,
            hours in 1i8..6,
            minutes in prop::sample::select(vec![30i64, 45, 50, 60, 90]),
            buffer in prop::sample::select(vec![0i64, 10, 15]),
            busy_at in 0i64..(10 * 24 * 60),
        ) {
            let zone = TimeZone::get(therapist).unwrap();
            let end_hour = (start_hour + hours).min(23);
            let weekly: Vec<Weekly> = [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday, Weekday::Saturday, Weekday::Sunday]
                .into_iter()
                .map(|weekday| Weekly { weekday, start: Time::new(start_hour, 0, 0, 0).unwrap(), end: Time::new(end_hour, 30, 0, 0).unwrap() })
                .collect();
            let av = Availability { zone: zone.clone(), weekly, exceptions: vec![], rules: Rules { notice: SignedDuration::from_hours(24), horizon_days: 10, daily_cap: None } };
            let kind = AppointmentType { key: "k".into(), name: "k".into(), minutes, buffer_minutes: buffer, price_cents: None, open_to_visitors: true };
            let now = around.parse::<Date>().unwrap().to_zoned(zone.clone()).unwrap().timestamp();
            let busy_start = now + SignedDuration::from_mins(busy_at);
            let busy = [Busy { start: busy_start, end: busy_start + SignedDuration::from_mins(50), is_appointment: true }];
            let slots = open_slots(&av, &kind, &busy, now);
            let visitor_zone = TimeZone::get(visitor).unwrap();
            for pair in slots.windows(2) {
                prop_assert!(pair[0].start < pair[1].start);
            }
            for s in &slots {
                prop_assert_eq!(s.end.duration_since(s.start), SignedDuration::from_mins(minutes));
                prop_assert!(s.start >= now + SignedDuration::from_hours(24));
                prop_assert!(!overlaps(s.start, s.start + SignedDuration::from_mins(minutes + buffer), busy[0].start, busy[0].end));
                // Inside the window of its own local date, by the therapist's wall clock.
                let local = s.start.to_zoned(zone.clone());
                let day_windows = windows_on(&av, local.date());
                prop_assert!(day_windows.iter().any(|(ws, we)| *ws <= s.start && s.end <= *we), "{} outside its windows", local);
                // The visitor sees the same instant, whatever their zone.
                // What the visitor reads (local time with its offset) names the slot's instant, even in
                // an hour that their clock repeats.
                let seen = s.local_start(&visitor_zone).to_string();
                prop_assert_eq!(seen.parse::<Zoned>().unwrap().timestamp(), s.start);
            }
        }
    }
}
