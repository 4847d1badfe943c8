//! Instants, durations and money as one reader reads them: in their language (the patterns and
//! the names of days and months come from the .ftl file) and in their time zone.

use super::{t, t_with, Lang};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// Who reads a page or a mail: their language and their time zone.
#[derive(Clone, Debug)]
pub struct Reader {
    pub lang: Lang,
    pub zone: TimeZone,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            lang: Lang::default(),
            zone: TimeZone::UTC,
        }
    }
}

/// The zone called `name`, when it is a real IANA zone (a stored or typed name may not be).
pub fn zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    TimeZone::get(name).ok()
}

impl Reader {
    /// `zone_name` falls back to UTC when it names no zone.
    pub fn new(lang: Lang, zone_name: &str) -> Reader {
        Reader {
            lang,
            zone: zone(zone_name).unwrap_or(TimeZone::UTC),
        }
    }

    /// The same reader looking at another zone (a page that shows the time somewhere else).
    pub fn in_zone(&self, zone: TimeZone) -> Reader {
        Reader {
            lang: self.lang,
            zone,
        }
    }

    /// The zone's IANA name, "UTC" when it has none.
    pub fn zone_name(&self) -> &str {
        self.zone.iana_name().unwrap_or("UTC")
    }

    pub fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }

    pub fn t_with(&self, key: &str, args: &[(&str, String)]) -> String {
        t_with(self.lang, key, args)
    }

    fn local(&self, at: &Timestamp) -> Zoned {
        at.to_zoned(self.zone.clone())
    }

    /// `at` by the pattern called `key` in the reader's language.
    fn pattern(&self, key: &str, at: &Zoned) -> String {
        strftime(self.lang, &t(self.lang, key), at)
    }

    /// The reader's local date at `at` (their "today" when `at` is now).
    pub fn local_date(&self, at: &Timestamp) -> jiff::civil::Date {
        self.local(at).date()
    }

    /// "2 Mar": a local date in a short range ("30 Nov – 6 Dec").
    pub fn date_day_month(&self, date: jiff::civil::Date) -> String {
        match date.to_zoned(self.zone.clone()) {
            Ok(at) => self.pattern("format-day-month", &at),
            Err(_) => date.to_string(),
        }
    }

    /// The zone the reader looks at.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// "2 March 2026"
    pub fn date(&self, at: &Timestamp) -> String {
        self.pattern("format-date", &self.local(at))
    }

    /// "2 March 2026, 14:05"
    pub fn date_time(&self, at: &Timestamp) -> String {
        self.pattern("format-date-time", &self.local(at))
    }

    /// "Monday 2 March 2026"
    pub fn day(&self, at: &Timestamp) -> String {
        self.pattern("format-day", &self.local(at))
    }

    /// "Monday 2 March 2026, 14:05"
    pub fn day_time(&self, at: &Timestamp) -> String {
        self.pattern("format-day-time", &self.local(at))
    }

    /// "Monday 2 March 2026, 14:05 (EET)": a time in a mail, where the zone must be said.
    pub fn day_time_zone(&self, at: &Timestamp) -> String {
        self.pattern("format-day-time-zone", &self.local(at))
    }

    /// "Monday 2 March, 14:05": a time near enough that the year goes without saying.
    pub fn weekday_time(&self, at: &Timestamp) -> String {
        self.pattern("format-weekday-time", &self.local(at))
    }

    /// "Monday 2 March", for a civil date (a day of the week shown on a calendar).
    pub fn weekday(&self, date: jiff::civil::Date) -> String {
        match date.to_zoned(self.zone.clone()) {
            Ok(z) => self.pattern("format-weekday", &z),
            Err(_) => date.to_string(),
        }
    }

    /// "2 March 2026", for a civil date.
    pub fn civil_date(&self, date: jiff::civil::Date) -> String {
        match date.to_zoned(self.zone.clone()) {
            Ok(z) => self.pattern("format-date", &z),
            Err(_) => date.to_string(),
        }
    }

    /// `text` (a date or a time) with the reader's zone named after it: "…, 14:05 (Europe/Athens)".
    pub fn with_zone_name(&self, text: &str) -> String {
        t_with(
            self.lang,
            "format-with-zone",
            &[
                ("time", text.to_string()),
                ("zone", self.zone_name().to_string()),
            ],
        )
    }

    /// "14:05–14:55": from one formatted time to another.
    pub fn range(&self, from: &str, to: &str) -> String {
        t_with(
            self.lang,
            "format-range",
            &[("from", from.to_string()), ("to", to.to_string())],
        )
    }

    /// "2 Mar": a point on a chart.
    pub fn day_month(&self, at: &Timestamp) -> String {
        self.pattern("format-day-month", &self.local(at))
    }

    /// "14:05"
    pub fn time(&self, at: &Timestamp) -> String {
        self.pattern("format-time", &self.local(at))
    }

    /// "50 min": a session's length.
    pub fn minutes(&self, minutes: i64) -> String {
        t_with(
            self.lang,
            "format-minutes",
            &[("count", minutes.to_string())],
        )
    }

    /// "12 KB": a file's size, in whole kilobytes.
    pub fn kilobytes(&self, bytes: u64) -> String {
        t_with(
            self.lang,
            "format-kilobytes",
            &[("count", (bytes / 1024).to_string())],
        )
    }

    /// "95.00 EUR": an amount in cents of `currency` (ISO 4217).
    pub fn money(&self, cents: i64, currency: &str) -> String {
        let amount = domain::money::plain(cents, domain::money::minor_digits(currency));
        // Passed as text: a number would be reformatted by Fluent and lose its two decimals.
        t_with(
            self.lang,
            "format-money",
            &[("amount", amount), ("currency", currency.to_string())],
        )
    }
}

/// jiff's `strftime`, with the names of days and months (`%A %a %B %b`) taken from `lang`.
fn strftime(lang: Lang, pattern: &str, at: &Zoned) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::from('%');
        while let Some(&f) = chars.peek() {
            if matches!(f, '-' | '_' | '0' | '^' | '#' | ':') {
                spec.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let Some(conversion) = chars.next() else {
            out.push_str(&spec);
            break;
        };
        let name = match conversion {
            'A' => Some(format!("weekday-{}", at.weekday().to_monday_one_offset())),
            'a' => Some(format!(
                "weekday-short-{}",
                at.weekday().to_monday_one_offset()
            )),
            'B' => Some(format!("month-{}", at.month())),
            'b' => Some(format!("month-short-{}", at.month())),
            _ => None,
        };
        match name {
            Some(key) if spec == "%" => out.push_str(&t(lang, &key).replace('%', "%%")),
            _ => {
                out.push_str(&spec);
                out.push(conversion);
            }
        }
    }
    at.strftime(&out).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn dates_are_shown_in_the_readers_zone() {
        let t = at("2026-03-01T23:30:00Z");
        let en = Lang::default();
        assert_eq!(Reader::new(en, "Europe/Athens").date(&t), "2 March 2026");
        assert_eq!(Reader::new(en, "America/New_York").date(&t), "1 March 2026");
        assert_eq!(Reader::new(en, "Not/AZone").date(&t), "1 March 2026");
    }

    #[test]
    fn every_pattern_reads_as_before() {
        let r = Reader::new(Lang::default(), "Europe/Athens");
        let t = at("2026-03-02T12:05:00Z");
        assert_eq!(r.date_time(&t), "2 March 2026, 14:05");
        assert_eq!(r.day(&t), "Monday 2 March 2026");
        assert_eq!(r.day_time(&t), "Monday 2 March 2026, 14:05");
        assert_eq!(r.day_time_zone(&t), "Monday 2 March 2026, 14:05 (EET)");
        assert_eq!(r.weekday_time(&t), "Monday 2 March, 14:05");
        assert_eq!(r.weekday(jiff::civil::date(2026, 3, 2)), "Monday 2 March");
        assert_eq!(r.day_month(&t), "2 Mar");
        assert_eq!(r.time(&t), "14:05");
        assert_eq!(r.money(9_500, "EUR"), "95.00 EUR");
        assert_eq!(r.money(5, "CHF"), "0.05 CHF");
        assert_eq!(r.minutes(50), "50 min");
    }
}
