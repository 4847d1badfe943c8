//! Typed identifiers, so an article id cannot be passed where an inquiry id is expected, and an
//! identifier from outside (a path, a form, a payload) has its shape checked once, where it is
//! deserialised or parsed.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The identifiers holdspace makes: 128 random bits as 32 hexadecimal digits.
pub fn is_hex_id(raw: &str) -> bool {
    raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Readable identifiers (the built-in questionnaires' `builtin-intake-1`): lowercase letters,
/// digits and hyphens, at most 64.
pub fn is_slug_id(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A sign-in, invitation or manage link's token: 256 random bits as 64 hexadecimal digits.
pub fn is_link_token(raw: &str) -> bool {
    raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A calendar feed's or the first setup's token: 192 random bits as 48 hexadecimal digits.
pub fn is_short_token(raw: &str) -> bool {
    raw.len() == 48 && raw.bytes().all(|b| b.is_ascii_hexdigit())
}

macro_rules! id_type {
    ($shape:path => $($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// Wraps a stored or generated identifier (no check: it is ours).
            pub fn new(raw: impl Into<String>) -> Self { Self(raw.into()) }
            /// An identifier from outside, if it has the shape of one.
            pub fn parse(raw: &str) -> Option<Self> {
                $shape(raw).then(|| Self(raw.to_string()))
            }
            pub fn as_str(&self) -> &str { &self.0 }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }

        impl std::str::FromStr for $name {
            type Err = MalformedId;
            fn from_str(raw: &str) -> Result<Self, MalformedId> {
                Self::parse(raw).ok_or(MalformedId)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).ok_or_else(|| serde::de::Error::custom(MalformedId))
            }
        }
    )*};
}

/// A value that does not have the shape of the identifier asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an identifier of this kind")]
pub struct MalformedId;

id_type!(is_hex_id =>
    PageId,
    InquiryId,
    UserId,
    JobId,
    ImageId,
    MailId,
    CaseId,
    MessageId,
    AttachmentId,
    AgreementId,
    /// An appointment (a consultation, a session, blocked time).
    AppointmentId,
    /// One person's answers to one version of a questionnaire.
    ResponseId,
);

id_type!(is_slug_id =>
    /// One version of a questionnaire.
    QuestionnaireId,
);

macro_rules! token_type {
    ($shape:path => $($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        /// Its `Debug` never shows the token: it opens something.
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// A token from outside, if it has the shape of one.
            pub fn parse(raw: &str) -> Option<Self> {
                $shape(raw).then(|| Self(raw.to_string()))
            }
            pub fn as_str(&self) -> &str { &self.0 }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(…)"))
            }
        }

        /// For the link it belongs in; never for a log line.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str { &self.0 }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).ok_or_else(|| serde::de::Error::custom(MalformedId))
            }
        }
    )*};
}

token_type!(is_link_token =>
    /// A sign-in link, an invitation, or a booking's manage link.
    LinkToken,
);

token_type!(is_short_token =>
    /// The therapist's private calendar feed.
    FeedToken,
    /// The one-time link that sets up the first therapist.
    SetupToken,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_from_outside_must_have_the_shape_of_one() {
        let ok = "0123456789abcdef0123456789ABCDEF";
        assert!(CaseId::parse(ok).is_some());
        for bad in [
            "",
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0",
            "0123456789abcdef0123456789abcdeg",
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "0123456789abcdef0123456789abcdé",
        ] {
            assert!(CaseId::parse(bad).is_none(), "{bad:?}");
            assert!(serde_json::from_str::<CaseId>(&format!("{bad:?}")).is_err());
        }
        let huge = "a".repeat(1 << 20);
        assert!(CaseId::parse(&huge).is_none());
        assert_eq!(
            serde_json::from_str::<CaseId>(&format!("{ok:?}")).unwrap(),
            CaseId::new(ok)
        );
    }

    #[test]
    fn questionnaire_ids_are_readable_slugs() {
        assert!(QuestionnaireId::parse("builtin-intake-1").is_some());
        assert!(QuestionnaireId::parse("Builtin").is_none());
        assert!(QuestionnaireId::parse(&"a".repeat(65)).is_none());
    }

    #[test]
    fn a_token_never_prints() {
        let t = LinkToken::parse(&"ab".repeat(32)).unwrap();
        assert_eq!(format!("{t:?}"), "LinkToken(…)");
        assert!(LinkToken::parse(&"ab".repeat(24)).is_none());
        assert!(FeedToken::parse(&"ab".repeat(24)).is_some());
    }
}
