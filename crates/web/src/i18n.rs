//! The request's language. A layer chooses it once per request (the browser's Accept-Language
//! among the languages the practice offers, else the default; `Caller` refines it to a patient's
//! stored choice) and holds it as a task-local, so every text a template asks for (`chrome.t`,
//! `form.error`) comes from `app::i18n` in that language without being handed down by hand.

use app::i18n::Lang;
use axum::extract::Request;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use std::cell::Cell;

tokio::task_local! {
    static REQUEST_LANG: Cell<Lang>;
    /// Whether a signed-in patient reads this request's pages (`Caller` says so): the site's
    /// chrome then leaves out what is for visitors ("Book a first consultation").
    static REQUEST_PATIENT: Cell<bool>;
    /// Where that patient is (the country they gave, else their zone's): the crisis contacts on
    /// every page they read show that country's services first.
    static REQUEST_COUNTRY: Cell<Option<&'static str>>;
}

/// Whether a signed-in patient reads the request being answered.
pub fn patient_reads() -> bool {
    REQUEST_PATIENT.try_with(Cell::get).unwrap_or(false)
}

/// Marks the rest of this request as read by a signed-in patient in `country`.
pub fn set_patient_reads(country: Option<&'static str>) {
    let _ = REQUEST_PATIENT.try_with(|p| p.set(true));
    let _ = REQUEST_COUNTRY.try_with(|c| c.set(country));
}

/// The country of the patient reading this request (none for anyone else, or when unknown).
pub fn reader_country() -> Option<&'static str> {
    REQUEST_COUNTRY.try_with(Cell::get).unwrap_or(None)
}

/// The language of the request being answered (the default outside one).
pub fn lang() -> Lang {
    REQUEST_LANG.try_with(Cell::get).unwrap_or_default()
}

/// Answers the rest of this request in `lang`.
pub fn set_lang(lang: Lang) {
    let _ = REQUEST_LANG.try_with(|l| l.set(lang));
}

/// The text for `key` in the request's language.
pub fn t(key: &str) -> String {
    app::i18n::t(lang(), key)
}

/// The text for `key` with its `{ $name }` placeholders filled, in the request's language.
pub fn t_with(key: &str, args: &[(&str, String)]) -> String {
    app::i18n::t_with(lang(), key, args)
}

/// Whether `key` exists (tests).
#[cfg(test)]
pub fn has(key: &str) -> bool {
    app::i18n::has(key)
}

/// The language a request's `Accept-Language` chooses among those offered, else the default.
pub(crate) fn negotiated(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::negotiate)
        .unwrap_or_default()
}

/// Chooses the request's language before anything renders, error pages included.
pub(crate) async fn language_layer(request: Request, next: Next) -> Response {
    let lang = negotiated(request.headers());
    let answer = REQUEST_COUNTRY.scope(
        Cell::new(None),
        REQUEST_PATIENT.scope(Cell::new(false), next.run(request)),
    );
    REQUEST_LANG.scope(Cell::new(lang), answer).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The audit log names every action in words (`web::mail`'s audit page looks them up by the
    /// stored text): an action added without its label would show as a raw key.
    #[test]
    fn every_audit_action_has_a_label() {
        let missing: Vec<String> = domain::audit::AuditAction::ALL
            .iter()
            .map(|a| format!("audit-action-{}", a.as_str().replace(['.', '_'], "-")))
            .filter(|key| !has(key))
            .collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let sources = [
            include_str!("../templates/base.html"),
            include_str!("../templates/admin_base.html"),
            include_str!("../templates/forms.html"),
        ];
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut all: Vec<String> = sources
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        for entry in std::fs::read_dir(dir).unwrap() {
            all.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        for entry in std::fs::read_dir(src).unwrap() {
            all.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        let mut missing = Vec::new();
        for text in &all {
            for needle in ["t(\"", "t1(\"", "tr(\"", "t_with(\""] {
                for (at, _) in text.match_indices(needle) {
                    let before = text[..at].chars().last().unwrap_or(' ');
                    if before.is_ascii_alphanumeric() || before == '_' {
                        continue;
                    }
                    let key = text[at + needle.len()..].split('"').next().unwrap_or("");
                    if !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
                        && !has(key)
                    {
                        missing.push(key.to_string());
                    }
                }
            }
        }
        for prefix in [
            "not-found",
            "forbidden",
            "too-many",
            "sign-in-needed",
            "bad-request",
            "server-error",
            "case-over",
            "invoice-issued",
        ] {
            for suffix in ["title", "text"] {
                if !has(&format!("{prefix}-{suffix}")) {
                    missing.push(format!("{prefix}-{suffix}"));
                }
            }
        }
        for key in [
            "status-new",
            "status-replied",
            "status-handled",
            "pages-new-article",
            "pages-new-faq",
            "pages-new-page",
            "job-inquiry_notification",
            "job-inquiry_reply",
            "job-state-pending",
            "job-state-running",
            "job-state-done",
            "job-state-failed",
        ] {
            if !has(key) {
                missing.push(key.to_string());
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "missing in en.ftl: {missing:?}");
    }

    #[test]
    fn every_domain_error_message_has_a_text() {
        for key in [
            "error-required",
            "error-measure-unit",
            "error-too-long",
            "error-invalid-characters",
            "error-email-invalid",
            "error-phone-invalid",
            "error-consent-required",
            "error-slug-shape",
            "error-slug-reserved",
            "error-slug-taken",
            "error-tag-too-long",
            "error-too-many-tags",
            "error-number",
            "error-time-zone",
            "error-password-short",
            "error-password-mismatch",
            "error-sign-in",
            "error-email-taken",
            "error-image-too-large",
            "error-image-type",
            // the path ahead, kept; ending well
            "error-goals-too-many",
            "error-goal-too-long",
            "error-day",
            "error-day-past",
            "error-day-far",
            "error-letter-body",
            "error-closing-confirm",
            // retention and erasure
            "error-retention-jurisdiction",
            "error-retention-years",
            "error-erase-reference",
            "error-erase-reason",
            "error-erase-not-over",
            "error-erase-no-retention",
            "error-erase-no-request",
        ] {
            assert!(has(key), "{key}");
        }
    }
}
