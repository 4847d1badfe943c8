//! People who sign in, and how long a sign-in lasts.

use crate::ids::UserId;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the practice; a therapist too.
    Owner,
    Therapist,
    Patient,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Therapist => "therapist",
            Role::Patient => "patient",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "owner" => Some(Role::Owner),
            "therapist" => Some(Role::Therapist),
            "patient" => Some(Role::Patient),
            _ => None,
        }
    }

    pub fn is_therapist(self) -> bool {
        matches!(self, Role::Owner | Role::Therapist)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub role: Role,
    pub email: String,
    pub name: String,
    pub time_zone: String,
}

/// What a patient or a therapist may change of their own profile.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize)]
pub struct ProfileInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub language: String,
    /// ISO 3166-1 alpha-2, or empty: "guess it from my time zone".
    #[serde(default)]
    pub country: String,
}

/// The languages the site has texts for.
pub const LANGUAGES: &[(&str, &str)] = &[("en", "English")];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub time_zone: String,
    pub language: String,
    pub country: Option<String>,
}

impl ProfileInput {
    pub fn validate(&self) -> crate::Validated<Profile> {
        let mut e = crate::FieldErrors::default();
        let profile = Profile {
            name: crate::validation::line(&mut e, "name", &self.name, true, 120),
            email: crate::validation::email(&mut e, "email", &self.email),
            time_zone: crate::practice::time_zone(&mut e, "time_zone", &self.time_zone),
            language: self.language.trim().to_string(),
            country: crate::crisis::given_country(&mut e, "country", &self.country),
        };
        if !LANGUAGES.iter().any(|(code, _)| *code == profile.language) {
            e.add("language", "error-language");
        }
        e.finish(profile)
    }
}

/// An invitation of a patient or a colleague: who they are.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize)]
pub struct InviteInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub time_zone: String,
}

impl InviteInput {
    pub fn validate(&self) -> crate::Validated<(String, String, String)> {
        let mut e = crate::FieldErrors::default();
        let name = crate::validation::line(&mut e, "name", &self.name, true, 120);
        let email = crate::validation::email(&mut e, "email", &self.email);
        let zone = crate::practice::time_zone(&mut e, "time_zone", &self.time_zone);
        e.finish((name, email, zone))
    }
}

/// The key under which an email address is unique: case does not make a second person.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Session lifetimes. A session ends at whichever comes first: idle too long, or too old.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: SignedDuration,
    pub absolute: SignedDuration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: SignedDuration::from_mins(30),
            absolute: SignedDuration::from_hours(12),
        }
    }
}

impl SessionPolicy {
    /// When a session that started at `created` and was last used at `last_seen` ends.
    pub fn expires_at(&self, created: Timestamp, last_seen: Timestamp) -> Timestamp {
        let idle_end = last_seen.saturating_add(self.idle).unwrap_or(last_seen);
        let absolute_end = created.saturating_add(self.absolute).unwrap_or(created);
        idle_end.min(absolute_end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_when_idle_or_when_old() {
        let p = SessionPolicy::default();
        let t0: Timestamp = "2026-11-27T08:00:00Z".parse().unwrap();
        assert_eq!(
            p.expires_at(t0, t0),
            "2026-11-27T08:30:00Z".parse::<Timestamp>().unwrap()
        );
        let late: Timestamp = "2026-11-27T19:50:00Z".parse().unwrap();
        assert_eq!(
            p.expires_at(t0, late),
            "2026-11-27T20:00:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn email_key_ignores_case_and_spaces() {
        assert_eq!(email_key(" Anna@Example.ORG "), "anna@example.org");
    }
}
