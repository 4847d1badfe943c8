//! Secure messages between a patient and their therapist: what a message and an attachment may be.

use crate::validation::{self, FieldErrors, Validated};
use serde::Serialize;

pub const BODY_MAX: usize = 10_000;
pub const ATTACHMENT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// PDF, JPEG and PNG, recognised by their first bytes (never by name or the browser's word).
pub fn sniff_attachment(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// An attachment as uploaded.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A message that may be sent: text, and at most one checked attachment.
pub struct Outgoing {
    pub body: String,
    pub attachment: Option<(String, &'static str, Vec<u8>)>,
}

/// A message needs text or an attachment; an attachment must be a PDF, JPEG or PNG of at most 10 MB.
pub fn validate(body: &str, upload: Option<Upload>) -> Validated<Outgoing> {
    let mut errors = FieldErrors::default();
    let upload = upload.filter(|u| !u.bytes.is_empty());
    let body = validation::text(&mut errors, "body", body, upload.is_none(), BODY_MAX);
    let attachment = match upload {
        None => None,
        Some(u) if u.bytes.len() > ATTACHMENT_MAX_BYTES => {
            errors.add("attachment", "error-attachment-too-large");
            None
        }
        Some(u) => match sniff_attachment(&u.bytes) {
            None => {
                errors.add("attachment", "error-attachment-type");
                None
            }
            Some(kind) => {
                let name: String = u
                    .file_name
                    .chars()
                    .filter(|c| !c.is_control() && !"/\\\"".contains(*c))
                    .take(120)
                    .collect();
                Some((
                    if name.trim().is_empty() {
                        "attachment".into()
                    } else {
                        name
                    },
                    kind,
                    u.bytes,
                ))
            }
        },
    };
    errors.finish(Outgoing { body, attachment })
}

/// One message of a thread, opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: crate::ids::MessageId,
    pub author_id: crate::ids::UserId,
    pub author_name: String,
    pub body: String,
    pub created_at: jiff::Timestamp,
    pub read_at: Option<jiff::Timestamp>,
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    pub id: crate::ids::AttachmentId,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(bytes: &[u8]) -> Option<Upload> {
        Some(Upload {
            file_name: "../../etc/passwd\".pdf".into(),
            bytes: bytes.to_vec(),
        })
    }

    #[test]
    fn a_message_needs_text_or_a_file() {
        assert_eq!(
            validate("  ", None).err().unwrap().get("body"),
            Some("error-required")
        );
        assert!(validate("", up(b"%PDF-1.4 x")).is_ok());
        assert!(validate("hello", None).is_ok());
    }

    #[test]
    fn attachments_are_sniffed_capped_and_their_names_cleaned() {
        assert_eq!(
            validate("x", up(b"<html>"))
                .err()
                .unwrap()
                .get("attachment"),
            Some("error-attachment-type")
        );
        let big = [b"%PDF-".as_slice(), &vec![0u8; ATTACHMENT_MAX_BYTES]].concat();
        assert_eq!(
            validate("x", up(&big)).err().unwrap().get("attachment"),
            Some("error-attachment-too-large")
        );
        let ok = validate("x", up(b"%PDF-1.4")).unwrap();
        let (name, kind, _) = ok.attachment.unwrap();
        assert_eq!(
            (name.as_str(), kind),
            ("....etcpasswd.pdf", "application/pdf")
        );
    }

    #[test]
    fn huge_text_is_refused() {
        assert_eq!(
            validate(&"x".repeat(BODY_MAX + 1), None)
                .err()
                .unwrap()
                .get("body"),
            Some("error-too-long")
        );
    }
}
