//! "Send a message": what a visitor may send, and what the therapist does with it.

use crate::validation::{self, FieldErrors, Validated};
use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 120;
pub const PHONE_MAX: usize = 40;
pub const PREFERRED_TIME_MAX: usize = 200;
pub const MESSAGE_MAX: usize = 5_000;
pub const REPLY_MAX: usize = 10_000;

/// The form as sent. `website` is the honeypot: people never see it, robots fill it in.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct InquiryInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub preferred_time: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, deserialize_with = "checkbox")]
    pub consent: bool,
    #[serde(default)]
    pub website: String,
}

/// A checkbox arrives as "on"/"true"/"yes" from a form, or as a JSON boolean.
fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::Bool(b) => b,
        Raw::Text(t) => matches!(t.as_str(), "on" | "true" | "yes" | "1"),
    })
}

/// A message that may be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inquiry {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub preferred_time: Option<String>,
    pub message: String,
}

/// What to do with a form that was filled in.
#[derive(Debug, PartialEq, Eq)]
pub enum Intake {
    Accept(Inquiry),
    /// The honeypot was filled: answer as if accepted, store nothing.
    Discard,
}

impl InquiryInput {
    pub fn validate(&self) -> Validated<Intake> {
        if !self.website.trim().is_empty() {
            return Ok(Intake::Discard);
        }
        let mut errors = FieldErrors::default();
        let name = validation::line(&mut errors, "name", &self.name, true, NAME_MAX);
        let email = validation::email(&mut errors, "email", &self.email);
        let phone = validation::line(&mut errors, "phone", &self.phone, false, PHONE_MAX);
        if !phone.is_empty()
            && !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()./".contains(c))
        {
            errors.add("phone", "error-phone-invalid");
        }
        let preferred_time = validation::line(
            &mut errors,
            "preferred_time",
            &self.preferred_time,
            false,
            PREFERRED_TIME_MAX,
        );
        let message = validation::text(&mut errors, "message", &self.message, true, MESSAGE_MAX);
        if !self.consent {
            errors.add("consent", "error-consent-required");
        }
        errors.finish(Intake::Accept(Inquiry {
            name,
            email,
            phone: (!phone.is_empty()).then_some(phone),
            preferred_time: (!preferred_time.is_empty()).then_some(preferred_time),
            message,
        }))
    }
}

/// Where a message stands in the therapist's inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InquiryStatus {
    New,
    Replied,
    Handled,
}

impl InquiryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InquiryStatus::New => "new",
            InquiryStatus::Replied => "replied",
            InquiryStatus::Handled => "handled",
        }
    }

    pub fn parse(raw: &str) -> Self {
        match raw {
            "replied" => InquiryStatus::Replied,
            "handled" => InquiryStatus::Handled,
            _ => InquiryStatus::New,
        }
    }
}

/// The therapist's reply: one text, sent by email and kept with the thread.
pub fn validate_reply(raw: &str) -> Validated<String> {
    let mut errors = FieldErrors::default();
    let body = validation::text(&mut errors, "reply", raw, true, REPLY_MAX);
    errors.finish(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> InquiryInput {
        InquiryInput {
            name: "Ana K.".into(),
            email: "ana@example.org".into(),
            message: "I would like to talk about a first consultation.".into(),
            consent: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_form_is_accepted() {
        let Intake::Accept(i) = good().validate().unwrap() else {
            panic!()
        };
        assert_eq!(i.phone, None);
        assert_eq!(i.email, "ana@example.org");
    }

    #[test]
    fn empty_form_names_every_required_field() {
        let e = InquiryInput::default().validate().unwrap_err();
        for field in ["name", "email", "message", "consent"] {
            assert!(e.get(field).is_some(), "{field}");
        }
        assert!(e.get("phone").is_none());
    }

    #[test]
    fn huge_and_hostile_input_is_refused_per_field() {
        let e = InquiryInput {
            name: "x\r\nBcc: a@b.c".into(),
            phone: "<script>".into(),
            message: "m".repeat(MESSAGE_MAX + 1),
            ..good()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.get("name"), Some("error-invalid-characters"));
        assert_eq!(e.get("phone"), Some("error-phone-invalid"));
        assert_eq!(e.get("message"), Some("error-too-long"));
    }

    #[test]
    fn markup_in_a_message_is_kept_as_text() {
        let Intake::Accept(i) = InquiryInput {
            message: "<b>hi</b>".into(),
            ..good()
        }
        .validate()
        .unwrap() else {
            panic!()
        };
        assert_eq!(i.message, "<b>hi</b>");
    }

    #[test]
    fn the_honeypot_discards_silently() {
        assert_eq!(
            InquiryInput {
                website: "http://spam".into(),
                ..Default::default()
            }
            .validate(),
            Ok(Intake::Discard)
        );
    }

    #[test]
    fn consent_arrives_from_form_or_json() {
        let form: InquiryInput = serde_json::from_str(r#"{"consent":"on"}"#).unwrap();
        let json: InquiryInput = serde_json::from_str(r#"{"consent":true}"#).unwrap();
        let no: InquiryInput = serde_json::from_str(r#"{"consent":"off"}"#).unwrap();
        assert!(form.consent && json.consent && !no.consent);
    }
}

/// A stored message with its replies, as the therapist's inbox shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InquiryRecord {
    pub id: crate::ids::InquiryId,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub preferred_time: Option<String>,
    pub message: String,
    pub status: InquiryStatus,
    pub created_at: jiff::Timestamp,
    pub replies: Vec<Reply>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reply {
    pub id: String,
    pub author_name: String,
    pub body: String,
    pub created_at: jiff::Timestamp,
}

/// One line of the inbox list: no message text, so the list can be shown at a glance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InquirySummary {
    pub id: crate::ids::InquiryId,
    pub name: String,
    pub status: InquiryStatus,
    pub created_at: jiff::Timestamp,
}
