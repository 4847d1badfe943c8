//! iCalendar files (RFC 5545) for appointments: one event, in UTC, with a sequence number that
//! rises on every change, sent as METHOD:REQUEST, and METHOD:CANCEL when it is called off.

use crate::series::{Frequency, Rule};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

/// What goes into the event. Texts are escaped and lines folded here.
pub struct Event<'a> {
    pub uid: &'a str,
    pub sequence: i64,
    pub stamp: Timestamp,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub organizer: (&'a str, &'a str),
    pub attendee: (&'a str, &'a str),
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values: backslash, semicolon, comma and line breaks escaped (RFC 5545 3.3.11).
fn text(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
        .replace('\r', "")
}

/// A parameter value (CN): quoted, without quotes or control characters inside.
fn param(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{clean}\"")
}

/// Lines longer than 75 octets are folded: CRLF and a space, never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out
}

pub fn render(method: Method, e: &Event<'_>) -> String {
    let (method, status) = match method {
        Method::Request => ("REQUEST", "CONFIRMED"),
        Method::Cancel => ("CANCEL", "CANCELLED"),
    };
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//holdspace//appointments//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("METHOD:{method}"),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", text(e.uid)),
        format!("SEQUENCE:{}", e.sequence),
        format!("DTSTAMP:{}", utc(e.stamp)),
        format!("DTSTART:{}", utc(e.start)),
        format!("DTEND:{}", utc(e.end)),
        format!("STATUS:{status}"),
        format!("SUMMARY:{}", text(e.summary)),
        format!("DESCRIPTION:{}", text(e.description)),
        format!("LOCATION:{}", text(e.location)),
        format!(
            "ORGANIZER;CN={}:mailto:{}",
            param(e.organizer.0),
            e.organizer.1
        ),
        format!(
            "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{}",
            param(e.attendee.0),
            e.attendee.1
        ),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ];
    lines.iter().map(|l| fold(l) + "\r\n").collect()
}

/// A series as one recurring event: `DTSTART` in the series' zone (with its `VTIMEZONE`) so that
/// calendars keep the hour on the therapist's wall clock across daylight-saving changes, an
/// `RRULE`, an `EXDATE` for each occurrence that will not take place, and an overriding instance
/// (`RECURRENCE-ID`) for each one moved.
pub struct SeriesEvent<'a> {
    pub uid: &'a str,
    pub sequence: i64,
    pub stamp: Timestamp,
    pub zone: &'a TimeZone,
    pub rule: &'a Rule,
    pub minutes: i64,
    /// Occurrences that will not take place (their dates).
    pub skipped: &'a [Date],
    /// Occurrences at another time: (date, start, end).
    pub moved: &'a [(Date, Timestamp, Timestamp)],
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub organizer: Option<(&'a str, &'a str)>,
    pub attendee: Option<(&'a str, &'a str)>,
}

fn local(date: Date, time: Time) -> String {
    DateTime::from_parts(date, time)
        .strftime("%Y%m%dT%H%M%S")
        .to_string()
}

fn offset_text(o: jiff::tz::Offset) -> String {
    let secs = o.seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs % 3600 / 60, abs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

/// The zone's `VTIMEZONE`: each change from the one in force at `from` to `to`, as a one-off
/// observance (no rules to get wrong); a zone that never changes has one observance.
pub fn vtimezone(name: &str, zone: &TimeZone, from: Timestamp, to: Timestamp) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{name}")];
    let earlier = zone.preceding(from).next();
    let mut changes: Vec<_> = earlier.into_iter().collect();
    changes.extend(zone.following(from).take_while(|t| t.timestamp() <= to));
    if changes.is_empty() {
        let offset = offset_text(zone.to_offset(from));
        lines.extend([
            "BEGIN:STANDARD".to_string(),
            "DTSTART:19700101T000000".into(),
            format!("TZOFFSETFROM:{offset}"),
            format!("TZOFFSETTO:{offset}"),
            "END:STANDARD".into(),
        ]);
    }
    for t in changes {
        let before = zone.to_offset(t.timestamp() - jiff::SignedDuration::from_secs(1));
        let kind = if t.dst().is_dst() {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        let onset = before.to_datetime(t.timestamp());
        lines.extend([
            format!("BEGIN:{kind}"),
            format!("DTSTART:{}", onset.strftime("%Y%m%dT%H%M%S")),
            format!("TZOFFSETFROM:{}", offset_text(before)),
            format!("TZOFFSETTO:{}", offset_text(t.offset())),
            format!("TZNAME:{}", text(t.abbreviation())),
            format!("END:{kind}"),
        ]);
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

fn byday(d: jiff::civil::Weekday) -> &'static str {
    ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][d.to_monday_zero_offset() as usize]
}

/// The lines of a series' `VEVENT`s (the master and its moved instances), without the calendar
/// around them: for an invitation and for the therapist's feed alike.
pub fn series_events(e: &SeriesEvent<'_>) -> Vec<String> {
    let tzid = e.zone.iana_name().unwrap_or("UTC");
    let mut rrule = format!(
        "RRULE:FREQ=WEEKLY;INTERVAL={};WKST=MO;BYDAY={}",
        if e.rule.frequency == Frequency::Fortnightly {
            2
        } else {
            1
        },
        e.rule
            .weekdays()
            .into_iter()
            .map(byday)
            .collect::<Vec<_>>()
            .join(",")
    );
    if let Some(until) = e.rule.until {
        rrule.push_str(&format!(
            ";UNTIL={}",
            utc(crate::series::instant(e.zone, until, e.rule.time))
        ));
    }
    let people = |lines: &mut Vec<String>| {
        if let Some((name, email)) = e.organizer {
            lines.push(format!("ORGANIZER;CN={}:mailto:{email}", param(name)));
        }
        if let Some((name, email)) = e.attendee {
            lines.push(format!(
                "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{email}",
                param(name)
            ));
        }
    };
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", text(e.uid)),
        format!("SEQUENCE:{}", e.sequence),
        format!("DTSTAMP:{}", utc(e.stamp)),
        format!("DTSTART;TZID={tzid}:{}", local(e.rule.first, e.rule.time)),
        format!("DURATION:PT{}M", e.minutes),
        rrule,
    ];
    for day in e.skipped {
        lines.push(format!("EXDATE;TZID={tzid}:{}", local(*day, e.rule.time)));
    }
    lines.extend([
        "STATUS:CONFIRMED".to_string(),
        format!("SUMMARY:{}", text(e.summary)),
        format!("DESCRIPTION:{}", text(e.description)),
        format!("LOCATION:{}", text(e.location)),
    ]);
    people(&mut lines);
    lines.push("END:VEVENT".into());
    for (day, start, end) in e.moved {
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", text(e.uid)),
            format!("SEQUENCE:{}", e.sequence),
            format!("DTSTAMP:{}", utc(e.stamp)),
            format!("RECURRENCE-ID;TZID={tzid}:{}", local(*day, e.rule.time)),
            format!("DTSTART:{}", utc(*start)),
            format!("DTEND:{}", utc(*end)),
            "STATUS:CONFIRMED".into(),
            format!("SUMMARY:{}", text(e.summary)),
            format!("DESCRIPTION:{}", text(e.description)),
            format!("LOCATION:{}", text(e.location)),
        ]);
        people(&mut lines);
        lines.push("END:VEVENT".into());
    }
    lines
}

/// The span a series' `VTIMEZONE` covers: from its first session to ten years past its last
/// (or its first, when open-ended).
pub fn series_span(zone: &TimeZone, rule: &Rule) -> (Timestamp, Timestamp) {
    let from = crate::series::instant(zone, rule.first, rule.time);
    let last = rule.until.unwrap_or(rule.first);
    let to = crate::series::instant(
        zone,
        last.saturating_add(jiff::Span::new().years(10)),
        rule.time,
    );
    (from, to)
}

/// An invitation to a whole series (METHOD:REQUEST), sent again with a raised sequence whenever
/// one of its sessions changes.
pub fn render_series(e: &SeriesEvent<'_>) -> String {
    let (from, to) = series_span(e.zone, e.rule);
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//holdspace//appointments//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:REQUEST".into(),
    ];
    lines.extend(vtimezone(
        e.zone.iana_name().unwrap_or("UTC"),
        e.zone,
        from,
        to,
    ));
    lines.extend(series_events(e));
    lines.push("END:VCALENDAR".into());
    lines.iter().map(|l| fold(l) + "\r\n").collect()
}

/// One event of a subscribed feed.
pub struct FeedEvent {
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: String,
}

/// A subscribed calendar (no METHOD: it is published, not an invitation). `series` are the
/// finished lines of recurring events and their zones (see [`series_events`], [`vtimezone`]).
pub fn feed(stamp: Timestamp, events: &[(String, FeedEvent)], series: &[String]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//holdspace//calendar feed//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        "X-WR-CALNAME:holdspace".into(),
    ];
    for (uid, e) in events {
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", text(uid)),
            format!("DTSTAMP:{}", utc(stamp)),
            format!("DTSTART:{}", utc(e.start)),
            format!("DTEND:{}", utc(e.end)),
            format!("SUMMARY:{}", text(&e.summary)),
            "TRANSP:OPAQUE".into(),
            "END:VEVENT".into(),
        ]);
    }
    lines.extend(series.iter().cloned());
    lines.push("END:VCALENDAR".into());
    lines.iter().map(|l| fold(l) + "\r\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event<'a>(summary: &'a str) -> Event<'a> {
        Event {
            uid: "abc@practice.example",
            sequence: 2,
            stamp: "2027-03-01T09:00:00Z".parse().unwrap(),
            start: "2027-03-15T07:00:00Z".parse().unwrap(),
            end: "2027-03-15T07:50:00Z".parse().unwrap(),
            summary,
            description: "Line one\nLine two; with, punctuation\\",
            location: "Online",
            organizer: ("Dr. Anna \"A\" Lindqvist", "anna@linden-room.example"),
            attendee: ("Pia", "pia@example.org"),
        }
    }

    #[test]
    fn an_event_has_what_rfc_5545_requires() {
        let ics = render(Method::Request, &event("First consultation"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
        for needle in [
            "METHOD:REQUEST\r\n",
            "UID:abc@practice.example\r\n",
            "DTSTAMP:20270301T090000Z\r\n",
            "DTSTART:20270315T070000Z\r\n",
            "DTEND:20270315T075000Z\r\n",
            "SEQUENCE:2\r\n",
            "STATUS:CONFIRMED\r\n",
        ] {
            assert!(ics.contains(needle), "{needle}");
        }
        assert!(ics.contains("DESCRIPTION:Line one\\nLine two\\; with\\, punctuation\\\\\r\n"));
        assert!(
            ics.contains("ORGANIZER;CN=\"Dr. Anna A Lindqvist\":mailto:anna@linden-room.example")
        );
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(
            !ics.replace("\r\n", "").contains('\n'),
            "only CRLF line ends"
        );
    }

    #[test]
    fn a_cancellation_says_so() {
        let ics = render(Method::Cancel, &event("x"));
        assert!(ics.contains("METHOD:CANCEL\r\n") && ics.contains("STATUS:CANCELLED\r\n"));
    }

    #[test]
    fn long_and_non_ascii_lines_fold_at_75_octets_between_characters() {
        let summary = "Erstgespräch – ".repeat(12);
        let ics = render(Method::Request, &event(&summary));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{summary}")));
    }

    #[test]
    fn a_series_is_one_event_in_the_therapists_zone_with_its_exceptions() {
        use jiff::civil::date;
        let zone = TimeZone::get("Europe/Berlin").unwrap();
        let rule = Rule {
            frequency: Frequency::TwiceWeekly,
            first: date(2027, 3, 1),
            time: Time::constant(18, 0, 0, 0),
            second_day: Some(jiff::civil::Weekday::Thursday),
            until: Some(date(2027, 6, 30)),
        };
        let moved_start: Timestamp = "2027-03-09T08:00:00Z".parse().unwrap();
        let ics = render_series(&SeriesEvent {
            uid: "s1@practice.example",
            sequence: 3,
            stamp: "2027-02-01T09:00:00Z".parse().unwrap(),
            zone: &zone,
            rule: &rule,
            minutes: 50,
            skipped: &[date(2027, 3, 4)],
            moved: &[(
                date(2027, 3, 8),
                moved_start,
                moved_start + jiff::SignedDuration::from_mins(50),
            )],
            summary: "Session",
            description: "",
            location: "https://practice.example/portal",
            organizer: Some(("Anna", "anna@practice.example")),
            attendee: Some(("Pia", "pia@example.org")),
        });
        for line in [
            "DTSTART;TZID=Europe/Berlin:20270301T180000\r\n",
            "DURATION:PT50M\r\n",
            "RRULE:FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TH;UNTIL=20270630T160000Z\r\n",
            "EXDATE;TZID=Europe/Berlin:20270304T180000\r\n",
            "RECURRENCE-ID;TZID=Europe/Berlin:20270308T180000\r\n",
            "DTSTART:20270309T080000Z\r\n",
            "TZID:Europe/Berlin\r\n",
            "BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n",
            "BEGIN:STANDARD\r\nDTSTART:20271031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n",
        ] {
            assert!(ics.contains(line), "{line} missing from\n{ics}");
        }
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
        assert_eq!(ics.matches("UID:s1@practice.example").count(), 2);
        // A zone that never changes still has its one observance.
        let kolkata = TimeZone::get("Asia/Kolkata").unwrap();
        let lines = vtimezone(
            "Asia/Kolkata",
            &kolkata,
            "2027-01-01T00:00:00Z".parse().unwrap(),
            "2037-01-01T00:00:00Z".parse().unwrap(),
        );
        assert!(lines.iter().any(|l| l == "TZOFFSETTO:+0530"), "{lines:?}");
    }
}
