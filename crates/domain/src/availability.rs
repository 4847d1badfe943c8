//! The therapist's booking settings as a form: weekly windows and date exceptions typed one per
//! line, appointment types and rules, checked field by field.

use crate::booking::{AppointmentType, Exception, Rules, Weekly};
use jiff::civil::{Date, Time, Weekday};
use jiff::SignedDuration;

/// The therapist's booking settings as typed: windows and exceptions one per line, so the page
/// needs no script ("Mon 09:00-13:00", "2026-12-24 off", "2026-12-28 10:00-12:00").
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct SettingsInput {
    #[serde(default)]
    pub weekly: String,
    #[serde(default)]
    pub exceptions: String,
    #[serde(default)]
    pub first_minutes: String,
    #[serde(default)]
    pub first_buffer: String,
    #[serde(default)]
    pub first_price: String,
    #[serde(default)]
    pub session_minutes: String,
    #[serde(default)]
    pub session_buffer: String,
    #[serde(default)]
    pub session_price: String,
    /// Who may book each type: `visitors` (new visitors and patients) or `patients`; empty keeps
    /// the type's usual audience (the first consultation for visitors, sessions for patients).
    #[serde(default)]
    pub first_open: String,
    #[serde(default)]
    pub session_open: String,
    #[serde(default)]
    pub notice_hours: String,
    #[serde(default)]
    pub horizon_weeks: String,
    #[serde(default)]
    pub daily_cap: String,
    #[serde(default)]
    pub cancel_hours: String,
    /// The therapist's default for a late cancellation or a no-show: `charged` (also when
    /// empty) or `not_charged`.
    #[serde(default)]
    pub late_charge: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub weekly: Vec<Weekly>,
    pub exceptions: Vec<Exception>,
    pub types: Vec<AppointmentType>,
    pub rules: Rules,
    pub cancel_notice: SignedDuration,
    /// Whether a late cancellation or a no-show is charged until the therapist decides.
    pub late_charge: crate::attendance::Charge,
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s.to_ascii_lowercase().get(..3)? {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// "09:00-13:00" on the five-minute grid, start before end.
fn parse_range(s: &str) -> Option<(Time, Time)> {
    let (a, b) = s.split_once('-')?;
    let t = |x: &str| -> Option<Time> {
        let (h, m) = x.trim().split_once(':')?;
        let time = Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()?;
        (time.minute() % 5 == 0).then_some(time)
    };
    let (start, end) = (t(a)?, t(b)?);
    (start < end).then_some((start, end))
}

fn weekday_name(w: Weekday) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        [usize::try_from(w.to_monday_zero_offset()).unwrap_or(0)]
}

/// A type's audience as the form's choice says it.
fn audience(t: Option<&AppointmentType>) -> String {
    match t {
        Some(t) if t.open_to_visitors => "visitors".into(),
        Some(_) => "patients".into(),
        None => String::new(),
    }
}

/// Reads the form's audience choice; empty means `usual`.
fn open_to_visitors(
    e: &mut crate::FieldErrors,
    field: &'static str,
    raw: &str,
    usual: bool,
) -> bool {
    match raw.trim() {
        "" => usual,
        "visitors" => true,
        "patients" => false,
        _ => {
            e.add(field, "error-answer-choice");
            usual
        }
    }
}

/// The settings as the form shows them again.
pub fn settings_input(s: &Settings) -> SettingsInput {
    let find = |key: &str| s.types.iter().find(|t| t.key == key);
    let price = |t: Option<&AppointmentType>| {
        t.and_then(|t| t.price_cents)
            .map(|c| format!("{}.{:02}", c / 100, c % 100))
            .unwrap_or_default()
    };
    SettingsInput {
        weekly: s
            .weekly
            .iter()
            .map(|w| {
                format!(
                    "{} {}-{}",
                    weekday_name(w.weekday),
                    w.start.strftime("%H:%M"),
                    w.end.strftime("%H:%M")
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        exceptions: s
            .exceptions
            .iter()
            .map(|e| match e {
                Exception::DayOff(d) => format!("{d} off"),
                Exception::Extra { date, start, end } => format!(
                    "{date} {}-{}",
                    start.strftime("%H:%M"),
                    end.strftime("%H:%M")
                ),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        first_minutes: find("first")
            .map(|t| t.minutes.to_string())
            .unwrap_or_default(),
        first_buffer: find("first")
            .map(|t| t.buffer_minutes.to_string())
            .unwrap_or_default(),
        first_price: price(find("first")),
        session_minutes: find("session")
            .map(|t| t.minutes.to_string())
            .unwrap_or_default(),
        session_buffer: find("session")
            .map(|t| t.buffer_minutes.to_string())
            .unwrap_or_default(),
        session_price: price(find("session")),
        first_open: audience(find("first")),
        session_open: audience(find("session")),
        notice_hours: s.rules.notice.as_hours().to_string(),
        horizon_weeks: (s.rules.horizon_days / 7).to_string(),
        daily_cap: s.rules.daily_cap.map(|c| c.to_string()).unwrap_or_default(),
        cancel_hours: s.cancel_notice.as_hours().to_string(),
        late_charge: s.late_charge.as_str().into(),
    }
}

impl SettingsInput {
    pub fn validate(&self) -> crate::Validated<Settings> {
        use crate::FieldErrors;
        let mut e = FieldErrors::default();
        let mut weekly = Vec::new();
        for line in self
            .weekly
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(100)
        {
            match line.split_once(' ').and_then(|(d, r)| {
                Some(Weekly {
                    weekday: parse_weekday(d)?,
                    start: parse_range(r.trim())?.0,
                    end: parse_range(r.trim())?.1,
                })
            }) {
                Some(w) => weekly.push(w),
                None => e.add("weekly", "error-weekly"),
            }
        }
        let mut exceptions = Vec::new();
        for line in self
            .exceptions
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(400)
        {
            let parsed = line.split_once(' ').and_then(|(d, rest)| {
                let date: Date = d.parse().ok()?;
                if rest.trim().eq_ignore_ascii_case("off") {
                    Some(Exception::DayOff(date))
                } else {
                    let (start, end) = parse_range(rest.trim())?;
                    Some(Exception::Extra { date, start, end })
                }
            });
            match parsed {
                Some(x) => exceptions.push(x),
                None => e.add("exceptions", "error-exceptions"),
            }
        }
        let number = |e: &mut FieldErrors,
                      field: &'static str,
                      raw: &str,
                      min: i64,
                      max: i64,
                      required: bool|
         -> Option<i64> {
            let raw = raw.trim();
            if raw.is_empty() {
                if required {
                    e.add(field, "error-required");
                }
                return None;
            }
            match raw.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    e.add(field, "error-number-range");
                    None
                }
            }
        };
        let price = |e: &mut FieldErrors, field: &'static str, raw: &str| -> Option<i64> {
            let raw = raw.trim().replace(',', ".");
            if raw.is_empty() {
                return None;
            }
            let (whole, cents) = raw.split_once('.').unwrap_or((&raw, "0"));
            match (
                whole.parse::<i64>(),
                format!("{cents:0<2}")
                    .get(..2)
                    .and_then(|c| c.parse::<i64>().ok()),
            ) {
                (Ok(w), Some(c)) if (0..=100_000).contains(&w) && cents.len() <= 2 => {
                    Some(w * 100 + c)
                }
                _ => {
                    e.add(field, "error-price");
                    None
                }
            }
        };
        let five = |e: &mut FieldErrors, field: &'static str, n: Option<i64>| {
            if n.is_some_and(|n| n % 5 != 0) {
                e.add(field, "error-five-minutes");
            }
            n
        };
        let first_minutes = number(&mut e, "first_minutes", &self.first_minutes, 15, 240, true);
        let first_minutes = five(&mut e, "first_minutes", first_minutes);
        let first_buffer = number(&mut e, "first_buffer", &self.first_buffer, 0, 120, false);
        let first_buffer = five(&mut e, "first_buffer", first_buffer);
        let first_price = price(&mut e, "first_price", &self.first_price);
        let session_minutes = number(
            &mut e,
            "session_minutes",
            &self.session_minutes,
            15,
            240,
            false,
        );
        let session_minutes = five(&mut e, "session_minutes", session_minutes);
        let session_buffer = number(
            &mut e,
            "session_buffer",
            &self.session_buffer,
            0,
            120,
            false,
        );
        let session_buffer = five(&mut e, "session_buffer", session_buffer);
        let session_price = price(&mut e, "session_price", &self.session_price);
        let first_open = open_to_visitors(&mut e, "first_open", &self.first_open, true);
        let session_open = open_to_visitors(&mut e, "session_open", &self.session_open, false);
        let notice = number(&mut e, "notice_hours", &self.notice_hours, 0, 24 * 14, true);
        let horizon = number(&mut e, "horizon_weeks", &self.horizon_weeks, 1, 52, true);
        let cap = number(&mut e, "daily_cap", &self.daily_cap, 1, 50, false);
        let cancel = number(&mut e, "cancel_hours", &self.cancel_hours, 0, 24 * 14, true);
        let late_charge = match self.late_charge.trim() {
            "" => crate::attendance::Charge::default(),
            raw => crate::attendance::Charge::parse(raw).unwrap_or_else(|| {
                e.add("late_charge", "error-charge-choice");
                crate::attendance::Charge::default()
            }),
        };
        let mut types = vec![AppointmentType {
            key: "first".into(),
            name: "First consultation".into(),
            minutes: first_minutes.unwrap_or(50),
            buffer_minutes: first_buffer.unwrap_or(0),
            price_cents: first_price,
            open_to_visitors: first_open,
        }];
        if let Some(minutes) = session_minutes {
            types.push(AppointmentType {
                key: "session".into(),
                name: "Session".into(),
                minutes,
                buffer_minutes: session_buffer.unwrap_or(0),
                price_cents: session_price,
                open_to_visitors: session_open,
            });
        }
        e.finish(Settings {
            weekly,
            exceptions,
            types,
            rules: Rules {
                notice: SignedDuration::from_hours(notice.unwrap_or(24)),
                horizon_days: horizon.unwrap_or(8) * 7,
                daily_cap: cap.and_then(|c| u32::try_from(c).ok()),
            },
            cancel_notice: SignedDuration::from_hours(cancel.unwrap_or(48)),
            late_charge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SettingsInput {
        SettingsInput {
            weekly: "Mon 09:00-13:00\nmonday 14:00-18:00\n\nFri 09:30-12:00".into(),
            exceptions: "2026-12-24 off\n2026-12-28 10:00-12:00".into(),
            first_minutes: "50".into(),
            first_buffer: "10".into(),
            first_price: "60".into(),
            session_minutes: "50".into(),
            session_buffer: "10".into(),
            session_price: "95,50".into(),
            notice_hours: "24".into(),
            horizon_weeks: "8".into(),
            daily_cap: String::new(),
            cancel_hours: "48".into(),
            ..Default::default()
        }
    }

    #[test]
    fn settings_parse_and_show_again_the_same() {
        let s = input().validate().unwrap();
        assert_eq!(s.weekly.len(), 3);
        assert_eq!(s.exceptions.len(), 2);
        assert_eq!(s.types[1].price_cents, Some(9550));
        assert_eq!(s.rules.horizon_days, 56);
        assert_eq!(settings_input(&s).validate().unwrap(), s);
    }

    #[test]
    fn every_bad_line_or_number_is_named() {
        let e = SettingsInput {
            weekly: "Mon 13:00-09:00".into(),
            exceptions: "tomorrow off".into(),
            first_minutes: "52".into(),
            first_price: "free!".into(),
            notice_hours: "-1".into(),
            horizon_weeks: String::new(),
            cancel_hours: "x".into(),
            daily_cap: "1000".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.get("weekly"), Some("error-weekly"));
        assert_eq!(e.get("exceptions"), Some("error-exceptions"));
        assert_eq!(e.get("first_minutes"), Some("error-five-minutes"));
        assert_eq!(e.get("first_price"), Some("error-price"));
        assert_eq!(e.get("notice_hours"), Some("error-number-range"));
        assert_eq!(e.get("horizon_weeks"), Some("error-required"));
        assert_eq!(e.get("daily_cap"), Some("error-number-range"));
        assert_eq!(e.get("weekly"), Some("error-weekly"));
    }

    #[test]
    fn late_cancellations_are_charged_unless_the_therapist_says_otherwise() {
        use crate::attendance::Charge;
        assert_eq!(input().validate().unwrap().late_charge, Charge::Charged);
        let not = SettingsInput {
            late_charge: "not_charged".into(),
            ..input()
        }
        .validate()
        .unwrap();
        assert_eq!(not.late_charge, Charge::NotCharged);
        assert_eq!(settings_input(&not).late_charge, "not_charged");
        for hostile in ["free", "1", "<b>charged</b>"] {
            let e = SettingsInput {
                late_charge: hostile.into(),
                ..input()
            }
            .validate()
            .unwrap_err();
            assert_eq!(e.get("late_charge"), Some("error-charge-choice"));
        }
    }

    #[test]
    fn windows_off_the_five_minute_grid_are_refused() {
        let e = SettingsInput {
            weekly: "Tue 09:07-12:00".into(),
            ..input()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.get("weekly"), Some("error-weekly"));
    }
}
