//! iCalendar files (RFC 5545) for appointments: one event, in UTC, with a sequence number that
//! rises on every change, sent as METHOD:REQUEST, and METHOD:CANCEL when it is called off.

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

/// One event of a subscribed feed.
pub struct FeedEvent {
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: String,
}

/// A subscribed calendar (no METHOD: it is published, not an invitation).
pub fn feed(stamp: Timestamp, events: &[(String, FeedEvent)]) -> String {
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
}
