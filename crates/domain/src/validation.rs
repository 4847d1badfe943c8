//! Field errors: what a form or an API answers when input is refused, one message key per field.
//!
//! Messages are translation keys (see web's `.ftl` files), never English text, so the rules stay
//! language-free.

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(Vec<FieldError>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
    /// The limit the message states ("under 2,000 characters"), when it states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: &'static str) {
        if self.get(field).is_none() {
            self.0.push(FieldError {
                field,
                message,
                limit: None,
            });
        }
    }

    /// An error whose message states a limit (`{ $limit }` in its text).
    pub fn add_limit(&mut self, field: &'static str, message: &'static str, limit: usize) {
        if self.get(field).is_none() {
            self.0.push(FieldError {
                field,
                message,
                limit: Some(limit),
            });
        }
    }

    /// The limit stated by `field`'s message, if it states one.
    pub fn limit(&self, field: &str) -> Option<usize> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .and_then(|e| e.limit)
    }

    /// The first message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// `Ok(value)` when nothing was added, otherwise the errors.
    pub fn finish<T>(self, value: T) -> Validated<T> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

pub type Validated<T> = Result<T, FieldErrors>;

/// Trims `raw` and checks it against a character limit; records `required`/`too-long` errors.
pub fn text(
    errors: &mut FieldErrors,
    field: &'static str,
    raw: &str,
    required: bool,
    max_chars: usize,
) -> String {
    let value = raw.trim();
    if value.is_empty() && required {
        errors.add(field, "error-required");
    } else if value.chars().count() > max_chars {
        errors.add_limit(field, "error-too-long", max_chars);
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(field, "error-invalid-characters");
    }
    value.to_string()
}

/// A single-line variant of [`text`]: line breaks are refused (they have no place in a name or subject).
pub fn line(
    errors: &mut FieldErrors,
    field: &'static str,
    raw: &str,
    required: bool,
    max_chars: usize,
) -> String {
    let value = text(errors, field, raw, required, max_chars);
    if value.contains(['\n', '\r']) {
        errors.add(field, "error-invalid-characters");
    }
    value
}

/// A plausible email address, lower-cased in its domain. Deliberately permissive: the mail itself is
/// the real check; this catches typing slips.
pub fn email(errors: &mut FieldErrors, field: &'static str, raw: &str) -> String {
    let value = raw.trim();
    if value.is_empty() {
        errors.add(field, "error-required");
        return String::new();
    }
    match parse_email(value) {
        Some(normal) => normal,
        None => {
            errors.add(field, "error-email-invalid");
            value.to_string()
        }
    }
}

/// The longest address taken, in bytes (RFC 5321's path limit less its angle brackets).
pub const EMAIL_MAX: usize = 254;

fn parse_email(value: &str) -> Option<String> {
    if value.len() > EMAIL_MAX || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = value.rsplit_once('@')?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    let local_ok =
        !local.is_empty() && local.len() <= 64 && !local.contains(['<', '>', '"', ',', ';']);
    (domain_ok && local_ok).then(|| format!("{local}@{}", domain.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_accepts_ordinary_addresses_and_lowercases_the_domain() {
        let mut e = FieldErrors::default();
        assert_eq!(
            email(&mut e, "email", " Ana.K+x@Example.ORG "),
            "Ana.K+x@example.org"
        );
        assert!(e.is_empty());
    }

    #[test]
    fn email_refuses_empty_malformed_and_hostile_input() {
        for bad in [
            "",
            "plain",
            "a@b",
            "a@.com",
            "a b@c.com",
            "<script>@x.com",
            "a@b..com",
            "x@y.com\r\nBcc: z@w.com",
        ] {
            let mut e = FieldErrors::default();
            email(&mut e, "email", bad);
            assert!(e.get("email").is_some(), "accepted {bad:?}");
        }
        let mut e = FieldErrors::default();
        email(&mut e, "email", &format!("{}@example.com", "a".repeat(300)));
        assert_eq!(e.get("email"), Some("error-email-invalid"));
    }

    #[test]
    fn text_keeps_only_the_first_error_per_field() {
        let mut e = FieldErrors::default();
        text(&mut e, "name", "", true, 10);
        text(&mut e, "name", "x".repeat(20).as_str(), true, 10);
        assert_eq!(e.get("name"), Some("error-required"));
        assert_eq!(e.iter().count(), 1);
    }

    #[test]
    fn line_refuses_header_injection() {
        let mut e = FieldErrors::default();
        line(&mut e, "name", "Ana\r\nBcc: x@y.z", true, 100);
        assert_eq!(e.get("name"), Some("error-invalid-characters"));
    }

    #[test]
    fn text_refuses_control_characters_but_keeps_line_breaks() {
        let mut e = FieldErrors::default();
        text(&mut e, "message", "line one\nline two\ttab", true, 100);
        assert!(e.is_empty());
        text(&mut e, "message", "nul\u{0}byte", true, 100);
        assert_eq!(e.get("message"), Some("error-invalid-characters"));
    }
}
