//! The practice's own details, set at first run and in the admin; the owner's sign-up.

use crate::validation::{self, FieldErrors, Validated};
use serde::{Deserialize, Serialize};

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 1_000;

/// The practice's details as the therapist typed them.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DetailsInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub tagline: String,
    #[serde(default)]
    pub owner_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub crisis_contacts: String,
    #[serde(default)]
    pub home_intro: String,
    #[serde(default)]
    pub message_policy: String,
    #[serde(default)]
    pub support_contact: String,
}

/// The practice's details as the site shows them (and as the demo practice's file gives them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Details {
    pub name: String,
    pub tagline: String,
    pub owner_name: String,
    pub email: String,
    pub phone: String,
    pub time_zone: String,
    pub crisis_contacts: String,
    pub home_intro: String,
    pub message_policy: String,
    pub support_contact: String,
}

impl DetailsInput {
    pub fn validate(&self) -> Validated<Details> {
        let mut e = FieldErrors::default();
        let details = Details {
            name: validation::line(&mut e, "name", &self.name, true, 120),
            tagline: validation::line(&mut e, "tagline", &self.tagline, false, 200),
            owner_name: validation::line(&mut e, "owner_name", &self.owner_name, true, 120),
            email: validation::email(&mut e, "email", &self.email),
            phone: validation::line(&mut e, "phone", &self.phone, false, 40),
            time_zone: time_zone(&mut e, "time_zone", &self.time_zone),
            crisis_contacts: validation::text(
                &mut e,
                "crisis_contacts",
                &self.crisis_contacts,
                true,
                1_000,
            ),
            home_intro: validation::text(&mut e, "home_intro", &self.home_intro, false, 10_000),
            message_policy: validation::text(
                &mut e,
                "message_policy",
                &self.message_policy,
                false,
                1_000,
            ),
            support_contact: validation::text(
                &mut e,
                "support_contact",
                &self.support_contact,
                false,
                1_000,
            ),
        };
        e.finish(details)
    }
}

/// An IANA zone name that jiff knows, e.g. `Europe/Athens`.
pub fn time_zone(errors: &mut FieldErrors, field: &'static str, raw: &str) -> String {
    let value = raw.trim();
    if value.is_empty() {
        errors.add(field, "error-required");
    } else if value.len() > crate::params::ZONE_MAX || jiff::tz::TimeZone::get(value).is_err() {
        errors.add(field, "error-time-zone");
    }
    value.to_string()
}

/// The first sign-up: the practice and its owner in one form.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct SetupInput {
    #[serde(default)]
    pub practice_name: String,
    #[serde(default)]
    pub owner_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_again: String,
    #[serde(default)]
    pub time_zone: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    pub practice_name: String,
    pub owner_name: String,
    pub email: String,
    pub password: String,
    pub time_zone: String,
}

impl SetupInput {
    pub fn validate(&self) -> Validated<Setup> {
        let mut e = FieldErrors::default();
        let setup = Setup {
            practice_name: validation::line(
                &mut e,
                "practice_name",
                &self.practice_name,
                true,
                120,
            ),
            owner_name: validation::line(&mut e, "owner_name", &self.owner_name, true, 120),
            email: validation::email(&mut e, "email", &self.email),
            password: password(&mut e, "password", &self.password),
            time_zone: time_zone(&mut e, "time_zone", &self.time_zone),
        };
        if self.password != self.password_again {
            e.add("password_again", "error-password-mismatch");
        }
        e.finish(setup)
    }
}

/// A password is only checked for length (NIST 800-63B): no composition rules, no trimming.
pub fn password(errors: &mut FieldErrors, field: &'static str, raw: &str) -> String {
    let n = raw.chars().count();
    if n == 0 {
        errors.add(field, "error-required");
    } else if n < PASSWORD_MIN {
        errors.add(field, "error-password-short");
    } else if n > PASSWORD_MAX {
        errors.add_limit(field, "error-too-long", PASSWORD_MAX);
    }
    raw.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_checks_zone_password_and_confirmation() {
        let e = SetupInput {
            practice_name: "Linden Room".into(),
            owner_name: "Anna".into(),
            email: "anna@example.org".into(),
            password: "short".into(),
            password_again: "different".into(),
            time_zone: "Mars/Olympus".into(),
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.get("password"), Some("error-password-short"));
        assert_eq!(e.get("password_again"), Some("error-password-mismatch"));
        assert_eq!(e.get("time_zone"), Some("error-time-zone"));
    }

    #[test]
    fn setup_accepts_a_real_zone_and_keeps_password_spaces() {
        let s = SetupInput {
            practice_name: "Linden Room".into(),
            owner_name: "Anna".into(),
            email: "anna@example.org".into(),
            password: " correct horse ".into(),
            password_again: " correct horse ".into(),
            time_zone: "America/New_York".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(s.password, " correct horse ");
    }

    #[test]
    fn details_require_name_owner_email_zone_and_crisis_contacts() {
        let e = DetailsInput::default().validate().unwrap_err();
        for f in [
            "name",
            "owner_name",
            "email",
            "time_zone",
            "crisis_contacts",
        ] {
            assert_eq!(e.get(f), Some("error-required"), "{f}");
        }
    }
}
