//! The video room of one appointment: when it is open, who is in it, and what everyone sees.
//!
//! The state lives on the server and is derived, never stored as a phase: from the time, whether the
//! therapist ended the session, who is connected and who has been admitted. A reconnecting client
//! is sent the whole of it, so there is nothing for it to have missed.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// How long before the start the room opens.
pub const OPENS_BEFORE: SignedDuration = SignedDuration::from_mins(10);
/// How long after the planned end the room stays open for an overrun or a rejoin.
pub const STAYS_OPEN_AFTER: SignedDuration = SignedDuration::from_mins(30);
/// The most people in one call: couples and families, all connected with each other.
pub const MOST_PEOPLE: usize = 4;

/// Where the room stands, as both sides see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Earlier than ten minutes before the start.
    Closed,
    /// Open, and no patient is here yet.
    Open,
    /// A patient is here and waits to be let in.
    Waiting,
    /// A patient has been let in; the therapist is not (or no longer) connected.
    Admitted,
    /// The therapist and at least one admitted patient are connected.
    InSession,
    /// The therapist ended the session, or the time is long past.
    Ended,
}

/// Why someone cannot enter now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotNow {
    /// The room opens at this time.
    NotYetOpen(Timestamp),
    Ended,
}

/// The hours of one appointment's room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hours {
    pub start: Timestamp,
    pub end: Timestamp,
    /// When the therapist ended the session, if they did.
    pub ended_at: Option<Timestamp>,
}

impl Hours {
    pub fn opens_at(&self) -> Timestamp {
        self.start - OPENS_BEFORE
    }

    pub fn closes_at(&self) -> Timestamp {
        self.end + STAYS_OPEN_AFTER
    }

    /// Whether anyone may be in the room at `now`.
    pub fn admits_at(&self, now: Timestamp) -> Result<(), NotNow> {
        if self.ended_at.is_some() || now >= self.closes_at() {
            Err(NotNow::Ended)
        } else if now < self.opens_at() {
            Err(NotNow::NotYetOpen(self.opens_at()))
        } else {
            Ok(())
        }
    }
}

/// One person of the appointment, as the room knows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub user: String,
    /// The therapist hosts: always in, admits and sends back.
    pub host: bool,
    /// Let in by the therapist (the host counts as admitted).
    pub admitted: bool,
    /// This person's live connection, if they are here.
    pub connection: Option<String>,
}

impl Person {
    pub fn in_call(&self) -> bool {
        self.connection.is_some() && (self.host || self.admitted)
    }

    pub fn waiting(&self) -> bool {
        self.connection.is_some() && !self.host && !self.admitted
    }
}

/// The phase, from the hours and the people.
pub fn phase(hours: &Hours, people: &[Person], now: Timestamp) -> Phase {
    match hours.admits_at(now) {
        Err(NotNow::Ended) => return Phase::Ended,
        Err(NotNow::NotYetOpen(_)) => return Phase::Closed,
        Ok(()) => {}
    }
    let host_here = people.iter().any(|p| p.host && p.connection.is_some());
    let guests_in = people.iter().any(|p| !p.host && p.in_call());
    if host_here && guests_in {
        Phase::InSession
    } else if guests_in {
        Phase::Admitted
    } else if people.iter().any(Person::waiting) {
        Phase::Waiting
    } else {
        Phase::Open
    }
}

/// What the host may do to a guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostAction {
    Admit,
    SendBack,
}

/// Why a host action is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    NotHost,
    NoSuchGuest,
    RoomNotOpen,
    /// Admitting would put more than [`MOST_PEOPLE`] into the call.
    Full,
}

/// Whether `actor` may do `action` to `guest` now. Admission is only ever by the host: an early
/// arrival waits, however early, until the therapist lets them in.
pub fn host_may(
    hours: &Hours,
    people: &[Person],
    actor: &str,
    guest: &str,
    action: HostAction,
    now: Timestamp,
) -> Result<(), Refusal> {
    if !people.iter().any(|p| p.user == actor && p.host) {
        return Err(Refusal::NotHost);
    }
    if hours.admits_at(now).is_err() {
        return Err(Refusal::RoomNotOpen);
    }
    if !people.iter().any(|p| p.user == guest && !p.host) {
        return Err(Refusal::NoSuchGuest);
    }
    if action == HostAction::Admit
        && people.iter().filter(|p| p.host || p.admitted).count() >= MOST_PEOPLE
    {
        return Err(Refusal::Full);
    }
    Ok(())
}

/// Whether a signal (an offer, an answer, a candidate) may pass from one connection to another:
/// both must be in the call. A waiting patient reaches nobody, and nobody reaches them.
pub fn may_signal(people: &[Person], from: &str, to: &str) -> bool {
    let in_call = |c: &str| {
        people
            .iter()
            .any(|p| p.in_call() && p.connection.as_deref() == Some(c))
    };
    from != to && in_call(from) && in_call(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn hours() -> Hours {
        Hours {
            start: at("2026-12-01T10:00:00Z"),
            end: at("2026-12-01T10:50:00Z"),
            ended_at: None,
        }
    }

    fn person(user: &str, host: bool, admitted: bool, conn: Option<&str>) -> Person {
        Person {
            user: user.into(),
            host,
            admitted: host || admitted,
            connection: conn.map(Into::into),
        }
    }

    #[test]
    fn the_room_opens_ten_minutes_before_and_closes_half_an_hour_after() {
        let h = hours();
        assert_eq!(
            h.admits_at(at("2026-12-01T09:49:59Z")),
            Err(NotNow::NotYetOpen(at("2026-12-01T09:50:00Z")))
        );
        assert_eq!(h.admits_at(at("2026-12-01T09:50:00Z")), Ok(()));
        assert_eq!(h.admits_at(at("2026-12-01T11:19:59Z")), Ok(()));
        assert_eq!(h.admits_at(at("2026-12-01T11:20:00Z")), Err(NotNow::Ended));
        let ended = Hours {
            ended_at: Some(at("2026-12-01T10:30:00Z")),
            ..h
        };
        assert_eq!(
            ended.admits_at(at("2026-12-01T10:31:00Z")),
            Err(NotNow::Ended)
        );
    }

    #[test]
    fn the_phase_follows_who_is_here() {
        let h = hours();
        let now = at("2026-12-01T09:55:00Z");
        let empty = [
            person("t", true, true, None),
            person("p", false, false, None),
        ];
        assert_eq!(phase(&h, &empty, at("2026-12-01T09:00:00Z")), Phase::Closed);
        assert_eq!(phase(&h, &empty, now), Phase::Open);
        let waiting = [
            person("t", true, true, Some("c1")),
            person("p", false, false, Some("c2")),
        ];
        assert_eq!(phase(&h, &waiting, now), Phase::Waiting);
        let admitted = [
            person("t", true, true, None),
            person("p", false, true, Some("c2")),
        ];
        assert_eq!(phase(&h, &admitted, now), Phase::Admitted);
        let in_session = [
            person("t", true, true, Some("c1")),
            person("p", false, true, Some("c2")),
        ];
        assert_eq!(phase(&h, &in_session, now), Phase::InSession);
        assert_eq!(
            phase(&h, &in_session, at("2026-12-01T12:00:00Z")),
            Phase::Ended
        );
    }

    #[test]
    fn only_the_host_admits_and_never_before_the_room_opens() {
        let h = hours();
        let people = [
            person("t", true, true, Some("c1")),
            person("p", false, false, Some("c2")),
        ];
        let now = at("2026-12-01T09:55:00Z");
        assert_eq!(
            host_may(&h, &people, "t", "p", HostAction::Admit, now),
            Ok(())
        );
        assert_eq!(
            host_may(&h, &people, "p", "p", HostAction::Admit, now),
            Err(Refusal::NotHost)
        );
        assert_eq!(
            host_may(&h, &people, "t", "t", HostAction::SendBack, now),
            Err(Refusal::NoSuchGuest)
        );
        assert_eq!(
            host_may(&h, &people, "t", "stranger", HostAction::Admit, now),
            Err(Refusal::NoSuchGuest)
        );
        assert_eq!(
            host_may(
                &h,
                &people,
                "t",
                "p",
                HostAction::Admit,
                at("2026-12-01T09:00:00Z")
            ),
            Err(Refusal::RoomNotOpen)
        );
    }

    #[test]
    fn a_call_holds_four_people_at_most() {
        let h = hours();
        let now = at("2026-12-01T10:00:00Z");
        let mut people = vec![person("t", true, true, Some("c0"))];
        for i in 1..=3 {
            people.push(person(
                &format!("p{i}"),
                false,
                true,
                Some(&format!("c{i}")),
            ));
        }
        people.push(person("p4", false, false, Some("c4")));
        assert_eq!(
            host_may(&h, &people, "t", "p4", HostAction::Admit, now),
            Err(Refusal::Full)
        );
        assert_eq!(
            host_may(&h, &people, "t", "p3", HostAction::SendBack, now),
            Ok(())
        );
    }

    #[test]
    fn a_waiting_patient_neither_sends_nor_receives_signals() {
        let people = [
            person("t", true, true, Some("c1")),
            person("p", false, true, Some("c2")),
            person("q", false, false, Some("c3")),
        ];
        assert!(may_signal(&people, "c1", "c2"));
        assert!(may_signal(&people, "c2", "c1"));
        assert!(!may_signal(&people, "c3", "c1"));
        assert!(!may_signal(&people, "c1", "c3"));
        assert!(!may_signal(&people, "c1", "c1"));
        assert!(!may_signal(&people, "c1", "unknown"));
    }
}
