//! The one translation layer: every user-facing string comes from a Fluent file per language.
//! English is complete; another language is one more `.ftl` file beside it.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::LazyLock;

static EN: LazyLock<FluentBundle<FluentResource>> = LazyLock::new(|| {
    let resource = FluentResource::try_new(include_str!("../locales/en.ftl").to_string())
        .unwrap_or_else(|(r, errors)| {
            tracing::error!(?errors, "en.ftl has syntax errors");
            r
        });
    let mut bundle = FluentBundle::new_concurrent(vec![unic_langid::langid!("en")]);
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(?errors, "en.ftl defines a message twice");
    }
    bundle
});

/// The text for `key`; the key itself when it is missing (a test checks none is).
pub fn t(key: &str) -> String {
    format(key, None)
}

/// The text for `key` with its `{ $name }` placeholders filled.
pub fn t_with(key: &str, args: &[(&str, String)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        // A count must reach Fluent as a number, or `[one]` never matches and "1 days" is shown.
        match value.parse::<i64>() {
            Ok(n) => fluent_args.set(*name, n),
            Err(_) => fluent_args.set(*name, value.clone()),
        }
    }
    format(key, Some(&fluent_args))
}

fn format(key: &str, args: Option<&FluentArgs>) -> String {
    let bundle = &*EN;
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned()
}

#[cfg(test)]
mod plural_tests {
    #[test]
    fn counts_choose_their_plural_form() {
        let one = super::t_with("board-days", &[("count", "1".into())]);
        let many = super::t_with("board-days", &[("count", "3".into())]);
        assert_eq!(one, "at this stage for a day");
        assert_eq!(many, "at this stage for 3 days");
    }
}

/// Whether `key` exists (tests).
#[cfg(test)]
pub fn has(key: &str) -> bool {
    EN.has_message(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let sources = [
            include_str!("../templates/base.html"),
            include_str!("../templates/admin_base.html"),
            include_str!("../templates/forms.html"),
        ];
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut all: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
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
        ] {
            assert!(has(key), "{key}");
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            t_with("page-of", &[("page", "2".into()), ("last", "5".into())]),
            "Page 2 of 5"
        );
    }
}
