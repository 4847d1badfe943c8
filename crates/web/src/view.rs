//! What every page needs besides its own content: the layout's data (`Chrome`, `AdminChrome`),
//! form state with errors next to fields, and dates in the reader's zone (through `app::i18n`).

use crate::{assets, i18n, WebState};
use app::i18n::Reader;
use app::Actor;
use domain::FieldErrors;
use jiff::Timestamp;
use std::collections::HashMap;

pub fn tr(key: &str) -> String {
    i18n::t(key)
}

/// The public layout's data.
pub struct Chrome {
    pub title: String,
    pub description: String,
    pub canonical: Option<String>,
    pub og_type: &'static str,
    pub practice_name: String,
    pub tagline: String,
    /// The crisis contacts, the reading patient's own country first.
    pub crisis: domain::crisis::Contacts,
    pub show_about: bool,
    pub show_fees: bool,
    pub show_privacy: bool,
    /// The header's "Book a first consultation": for visitors, not for someone already a patient.
    pub show_book: bool,
    pub css: &'static str,
    pub lang: &'static str,
    pub time_zone: String,
}

impl Chrome {
    /// `canonical_path` is the page's own address (without query), made absolute here.
    pub async fn public(
        state: &WebState,
        title: String,
        description: String,
        canonical_path: Option<&str>,
    ) -> Chrome {
        let practice = state.app.practice().await.ok();
        let details = practice.as_deref().and_then(|p| p.as_ref());
        let nav = state.app.site_pages().await.unwrap_or_default();
        let crisis = match state.app.crisis_contacts(i18n::reader_country()).await {
            Ok(c) => c,
            Err(_) => domain::crisis::Contacts::arrange(
                &[],
                app::accounts::DEFAULT_CRISIS_CONTACTS,
                None,
                None,
            ),
        };
        Chrome {
            title,
            description,
            canonical: canonical_path.map(|p| state.app.link(p)),
            og_type: "website",
            practice_name: details.map_or_else(|| "holdspace".into(), |d| d.name.clone()),
            tagline: details.map(|d| d.tagline.clone()).unwrap_or_default(),
            crisis,
            show_about: nav.contains(&"about".to_string()),
            show_fees: nav.contains(&"fees".to_string()),
            show_privacy: nav.contains(&"privacy".to_string()),
            show_book: !i18n::patient_reads(),
            css: assets::stylesheet(),
            lang: i18n::lang().tag(),
            time_zone: details.map_or_else(|| "UTC".into(), |d| d.time_zone.clone()),
        }
    }

    pub fn t(&self, key: &str) -> String {
        tr(key)
    }

    /// The crisis contacts as HTML (escaped by their own template).
    pub fn crisis_html(&self) -> String {
        crisis_html(&self.crisis)
    }

    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        i18n::t_with(key, &[(name, value.to_string())])
    }

    pub fn date(&self, at: &Timestamp) -> String {
        date(at, &self.time_zone)
    }

    pub fn iso(&self, at: &Timestamp) -> String {
        at.to_string()
    }
}

/// The crisis contacts, the reader's country first: a template of their own, so every place that
/// shows them (the footer, the booking form, a risk answer, messages) shows them alike.
#[derive(askama::Template)]
#[template(path = "crisis_lines.html")]
struct CrisisLines<'a> {
    c: &'a domain::crisis::Contacts,
}

/// The crisis contacts as HTML, for `|safe` in a template: every text in it is escaped by
/// `crisis_lines.html`.
pub fn crisis_html(c: &domain::crisis::Contacts) -> String {
    use askama::Template;
    CrisisLines { c }.render().unwrap_or_else(|_| {
        let plain = askama::filters::escape(c.plain(), askama::filters::Html)
            .map(|e| e.to_string())
            .unwrap_or_default();
        format!("<p class=\"crisis-line\">{plain}</p>")
    })
}

/// The admin's layout data: who is signed in, what needs attention, the sign-out form's token.
pub struct AdminChrome {
    pub title: String,
    pub user_name: String,
    pub is_owner: bool,
    pub unanswered: u64,
    pub dev_mailbox: bool,
    pub csrf: String,
    pub css: &'static str,
    pub lang: &'static str,
    pub time_zone: String,
    pub section: &'static str,
}

impl AdminChrome {
    pub async fn new(
        state: &WebState,
        actor: &Actor,
        title: String,
        section: &'static str,
        csrf: String,
    ) -> AdminChrome {
        let user = actor.user();
        let is_owner = actor.role() == Some(domain::account::Role::Owner);
        let unanswered = if is_owner {
            state.app.unanswered_inquiries(actor).await.unwrap_or(0)
        } else {
            0
        };
        AdminChrome {
            title,
            user_name: user.map(|u| u.name.clone()).unwrap_or_default(),
            is_owner,
            unanswered,
            dev_mailbox: state.app.uses_dev_mailbox(),
            csrf,
            css: assets::stylesheet(),
            lang: i18n::lang().tag(),
            time_zone: user.map_or_else(|| "UTC".into(), |u| u.time_zone.clone()),
            section,
        }
    }

    pub fn t(&self, key: &str) -> String {
        tr(key)
    }

    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        i18n::t_with(key, &[(name, value.to_string())])
    }

    /// The text for `prefix-key`, for keys built from a stored value (a status, a job's kind).
    pub fn tp(&self, prefix: &str, key: &str) -> String {
        tr(&format!("{prefix}-{key}"))
    }

    pub fn when(&self, at: &Timestamp) -> String {
        date_time(at, &self.time_zone)
    }

    pub fn date(&self, at: &Timestamp) -> String {
        date(at, &self.time_zone)
    }

    pub fn is(&self, section: &str) -> bool {
        self.section == section
    }
}

/// The request's reader looking at `zone` (a layout's zone, a view's stored zone).
pub fn reader(zone: &str) -> Reader {
    Reader::new(i18n::lang(), zone)
}

/// "2 March 2026" in `zone`, in the request's language.
pub fn date(at: &Timestamp, zone: &str) -> String {
    reader(zone).date(at)
}

/// "2 March 2026, 14:05" in `zone`, in the request's language.
pub fn date_time(at: &Timestamp, zone: &str) -> String {
    reader(zone).date_time(at)
}

/// What a form's page says when its use-case refuses: the field errors with 422, or — where the
/// form is rate limited — the limit next to `limited_field` with 429; anything else is the error
/// page. Every form handler answers a refusal through this, so none writes the match again.
pub fn refused(
    error: app::AppError,
    limited_field: Option<&'static str>,
) -> crate::error::WebResult<(axum::http::StatusCode, FieldErrors)> {
    use axum::http::StatusCode;
    match (error, limited_field) {
        (app::AppError::Invalid(errors), _) => Ok((StatusCode::UNPROCESSABLE_ENTITY, errors)),
        (app::AppError::RateLimited, Some(field)) => {
            let mut errors = FieldErrors::default();
            errors.add(field, "error-rate-limited");
            Ok((StatusCode::TOO_MANY_REQUESTS, errors))
        }
        (other, _) => Err(other.into()),
    }
}

/// A form as it was filled in, with the errors to show next to its fields.
#[derive(Default)]
pub struct Form {
    values: HashMap<String, String>,
    errors: FieldErrors,
    /// Label keys of fields whose label is not `field-<name>`, for the error summary.
    labels: HashMap<String, String>,
    /// Added to each field's name in the summary's links, for a form repeated on its page
    /// (a draft's lines) whose fields' ids carry it (`unit-{line}`).
    anchor: String,
}

/// One line of a form's error summary: an optional lead ("Please fill in:") and links to fields.
pub struct SummaryLine {
    pub lead: String,
    pub links: Vec<(String, String)>,
}

/// A field error's text, the limit it states included.
pub fn error_text(e: &domain::validation::FieldError) -> String {
    message(e.message, e.limit)
}

/// A refusal's text, with the limit it states (`{ $limit }`, digits grouped as the reader reads
/// them) when it states one.
fn message(key: &str, limit: Option<usize>) -> String {
    match limit {
        Some(n) => i18n::t_with(key, &[("limit", app::i18n::grouped(i18n::lang(), n))]),
        None => tr(key),
    }
}

impl Form {
    /// Keeps what was typed (passwords excepted: they are never sent back).
    pub fn from_input<T: serde::Serialize>(input: &T, errors: FieldErrors) -> Form {
        let mut values = HashMap::new();
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(input) {
            for (k, v) in map {
                if k.contains("password") {
                    continue;
                }
                let text = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Bool(true) => "on".into(),
                    serde_json::Value::Null | serde_json::Value::Bool(false) => String::new(),
                    other => other.to_string(),
                };
                values.insert(k, text);
            }
        }
        Form {
            values,
            errors,
            labels: HashMap::new(),
            anchor: String::new(),
        }
    }

    /// These errors shown next to their fields, the values as they are.
    pub fn with_errors(mut self, errors: FieldErrors) -> Form {
        self.errors = errors;
        self
    }

    pub fn with(mut self, field: &str, value: impl Into<String>) -> Form {
        self.values.insert(field.to_string(), value.into());
        self
    }

    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    pub fn checked(&self, field: &str) -> bool {
        matches!(self.value(field), "on" | "true")
    }

    pub fn has_error(&self, field: &str) -> bool {
        self.errors.get(field).is_some()
    }

    pub fn error(&self, field: &str) -> String {
        self.errors
            .get(field)
            .map(|key| message(key, self.errors.limit(field)))
            .unwrap_or_default()
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The summary at the top of the form: the fields left empty named in one line ("Please fill
    /// in: Your name, Email address"), then every other refusal in its own words, each a link to
    /// its field. A field's name is its label's text (`field-<name>`), unless `labelled` says
    /// otherwise; a field without a known label is listed with its message.
    pub fn summary(&self) -> Vec<SummaryLine> {
        let mut empty = Vec::new();
        let mut others = Vec::new();
        for e in self.errors.iter() {
            match (e.message, self.label_of(e.field)) {
                ("error-required", Some(label)) => empty.push((self.id_of(e.field), label)),
                _ => others.push(SummaryLine {
                    lead: String::new(),
                    links: vec![(self.id_of(e.field), message(e.message, e.limit))],
                }),
            }
        }
        let mut lines = Vec::new();
        if !empty.is_empty() {
            lines.push(SummaryLine {
                lead: tr("form-fill-in"),
                links: empty,
            });
        }
        lines.extend(others);
        lines
    }

    /// The summary links to `{field}{suffix}`: the ids of a form that is repeated on its page.
    pub fn anchored(mut self, suffix: &str) -> Form {
        self.anchor = suffix.to_string();
        self
    }

    fn id_of(&self, field: &str) -> String {
        format!("{field}{}", self.anchor)
    }

    /// Names `field` in the summary by the text of `key` (when its label is not `field-<name>`).
    pub fn labelled(mut self, field: &str, key: &str) -> Form {
        self.labels.insert(field.to_string(), key.to_string());
        self
    }

    fn label_of(&self, field: &str) -> Option<String> {
        let key = self
            .labels
            .get(field)
            .cloned()
            .unwrap_or_else(|| format!("field-{}", field.replace('_', "-")));
        app::i18n::has(&key).then(|| tr(&key))
    }

    pub fn t(&self, key: &str) -> String {
        tr(key)
    }
}

/// The texts a page's script shows, as a JSON object for a `<script type="application/json">`
/// block: `keys` plain, and `with_args` formatted with their arguments (the script fills in the
/// `{name}` that stands for each).
pub fn script_texts(keys: &[&str], with_args: &[(&str, &[(&str, String)])]) -> String {
    let mut map = serde_json::Map::new();
    for key in keys {
        map.insert(key.to_string(), serde_json::Value::String(tr(key)));
    }
    for (key, args) in with_args {
        map.insert(
            key.to_string(),
            serde_json::Value::String(i18n::t_with(key, args)),
        );
    }
    // Inside a script block, `</` must not close it.
    serde_json::Value::Object(map)
        .to_string()
        .replace("</", "<\\/")
}

/// Percent-encodes a query value.
pub fn url_encode(text: &str) -> String {
    serde_urlencoded::to_string([("v", text)])
        .map(|s| s[2..].to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_shown_in_the_readers_zone() {
        let t: Timestamp = "2026-03-01T23:30:00Z".parse().unwrap();
        assert_eq!(date(&t, "Europe/Athens"), "2 March 2026");
        assert_eq!(date(&t, "America/New_York"), "1 March 2026");
        assert_eq!(date(&t, "Not/AZone"), "1 March 2026");
    }

    #[test]
    fn a_form_keeps_values_but_never_passwords() {
        let input = domain::practice::SetupInput {
            practice_name: "P".into(),
            password: "secret".into(),
            password_again: "secret".into(),
            ..Default::default()
        };
        let form = Form::from_input(&input, FieldErrors::default());
        assert_eq!(form.value("practice_name"), "P");
        assert_eq!(form.value("password"), "");
        assert_eq!(form.value("password_again"), "");
    }

    #[test]
    fn a_repeated_forms_summary_links_to_its_own_fields() {
        let mut errors = FieldErrors::default();
        errors.add("unit", "error-amount-malformed");
        errors.add("date", "error-required");
        let links = |form: &Form| -> Vec<String> {
            form.summary()
                .iter()
                .flat_map(|l| l.links.iter().map(|(id, _)| id.clone()))
                .collect()
        };
        // The date left empty is named by its label in the first line; the price's own line follows.
        let plain = Form::default()
            .with_errors(errors.clone())
            .labelled("date", "field-invoice-date");
        assert_eq!(links(&plain), ["date", "unit"]);
        let line = Form::default()
            .with_errors(errors)
            .labelled("date", "field-invoice-date")
            .anchored("-4f2a");
        assert_eq!(links(&line), ["date-4f2a", "unit-4f2a"]);
        // No errors, no links, whatever the anchor.
        assert!(Form::default().anchored("-x").summary().is_empty());
    }
}
