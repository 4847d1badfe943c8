//! Questionnaires in the portal: one part per page, saved with a plain "Save" (and, with script,
//! a moment after typing stops), sent when the patient chooses. A risk answer shows the crisis
//! contacts at once. The therapist's side (the case's questionnaires, a response, the editor of
//! their own copies) is in `intake_admin.rs`.

#[path = "intake_admin.rs"]
pub(crate) mod admin;
#[path = "intake_view.rs"]
mod page;

pub(crate) use page::read_view;
use page::{form_page, progress_text, FormPage};
pub use page::{FieldView, ReadSectionView};

use crate::error::WebResult;
use crate::extract::Path;
use crate::extract::{Caller, Csrf, CsrfForm, Viewer};
use crate::site::render;
use crate::view::{self, Chrome};
use crate::{i18n, WebState};
use app::intake::{Filling, Listed, Saved};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use domain::intake::{
    self, field_id, AnswerErrors, ResponseId, Status, DEFAULT_ROWS, MAX_ROWS, MORE_ROWS,
};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The form's values by field name.
pub(crate) type Values = BTreeMap<String, String>;

#[derive(Template)]
#[template(path = "portal_questionnaire.html")]
struct FormTemplate {
    chrome: Chrome,
    csrf: String,
    section: &'static str,
    page: FormPage,
}

#[derive(Template)]
#[template(path = "portal_response.html")]
struct SentTemplate {
    chrome: Chrome,
    csrf: String,
    section: &'static str,
    title: String,
    sent_text: String,
    just_sent: bool,
    risk: bool,
    /// HTML, escaped by its own template.
    crisis_contacts: String,
    sections: Vec<ReadSectionView>,
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    section: Option<String>,
    rows: Option<String>,
    saved: Option<String>,
    sent: Option<String>,
}

fn number(raw: &Option<String>) -> Option<usize> {
    raw.as_deref().and_then(|v| v.trim().parse().ok())
}

async fn form_response(
    state: &WebState,
    csrf: String,
    page: FormPage,
    status: StatusCode,
) -> WebResult<Response> {
    let chrome = Chrome::public(state, page.title.clone(), String::new(), None).await;
    Ok((
        status,
        Html(render(FormTemplate {
            chrome,
            csrf,
            section: "home",
            page,
        })?),
    )
        .into_response())
}

async fn sent_page(
    state: &WebState,
    actor: &app::Actor,
    filling: Filling,
    csrf: String,
    just_sent: bool,
) -> WebResult<Response> {
    let viewer = Viewer::of(actor);
    let read = filling.read_back();
    let sent_at = filling
        .response
        .info
        .submitted_at
        .unwrap_or(filling.response.info.updated_at);
    let title = filling.questionnaire.title().to_string();
    let chrome = Chrome::public(state, title.clone(), String::new(), None).await;
    Ok(Html(render(SentTemplate {
        chrome,
        csrf,
        section: "home",
        sent_text: i18n::t_with(
            "intake-sent-on",
            &[
                ("date", viewer.date_time(&sent_at)),
                ("name", filling.case.therapist.name.clone()),
            ],
        ),
        title,
        just_sent,
        risk: filling.risk,
        crisis_contacts: crate::view::crisis_html(&filling.crisis_contacts),
        sections: read_view(&read, false),
    })?)
    .into_response())
}

/// GET /portal/questionnaires/{id}: a part of the form, or the response read back once sent.
pub async fn form(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<ResponseId>,
    Query(q): Query<FormQuery>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let filling = state.app.open_response(&actor, &id).await?;
    if filling.response.info.status == Status::Submitted {
        return sent_page(&state, &actor, filling, csrf, q.sent.is_some()).await;
    }
    let values = intake::fields_of(&filling.questionnaire.definition, &filling.response.answers);
    let page = form_page(
        &filling,
        number(&q.section).unwrap_or(0),
        &values,
        &AnswerErrors::default(),
        number(&q.rows),
        q.saved.is_some(),
    );
    form_response(&state, csrf, page, StatusCode::OK).await
}

/// What the patient pressed.
enum Step {
    Save,
    Next,
    Back,
    GoTo(usize),
    MoreRows,
    Submit,
}

fn step(raw: &str) -> Step {
    match raw {
        "next" => Step::Next,
        "back" => Step::Back,
        "more_rows" => Step::MoreRows,
        "submit" => Step::Submit,
        other => match other.strip_prefix("goto.").and_then(|n| n.parse().ok()) {
            Some(n) => Step::GoTo(n),
            None => Step::Save,
        },
    }
}

/// The section that holds the first refused field (a refused submission may point elsewhere).
fn section_of_error(def: &intake::Definition, errors: &AnswerErrors, posted: usize) -> usize {
    errors
        .iter()
        .next()
        .and_then(|(field, _)| {
            let question = field.strip_prefix("q.")?.split('.').next()?;
            def.questions()
                .find(|(_, q)| q.id == question)
                .map(|(i, _)| i)
        })
        .unwrap_or(posted)
}

/// POST /portal/questionnaires/{id}: saves the part shown (a draft), moves on, or sends.
pub async fn save(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<ResponseId>,
    CsrfForm(posted): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let posted = Posted::read(posted);
    let (fields, section) = (&posted.fields, posted.section);
    let step = step(&posted.action);
    let submit = matches!(step, Step::Submit);
    let saved = state
        .app
        .save_response(&actor, &id, section, fields, submit)
        .await?;
    let base = format!("/portal/questionnaires/{id}");
    match (saved, step) {
        (Saved::AlreadySent, _) => Ok(Redirect::to(&base).into_response()),
        (
            Saved::Saved {
                submitted: true, ..
            },
            _,
        ) => Ok(Redirect::to(&format!("{base}?sent=1")).into_response()),
        (Saved::Saved { .. }, step) => {
            let to = match step {
                Step::Next => format!("{base}?section={}", section + 1),
                Step::Back => format!("{base}?section={}", section.saturating_sub(1)),
                Step::GoTo(n) => format!("{base}?section={n}"),
                Step::MoreRows => format!(
                    "{base}?section={section}&rows={}&saved=1",
                    posted.rows() + MORE_ROWS
                ),
                _ => format!("{base}?section={section}&saved=1"),
            };
            Ok(Redirect::to(&to).into_response())
        }
        (Saved::Refused { errors, .. }, _) => {
            let filling = state.app.open_response(&actor, &id).await?;
            let def = &filling.questionnaire.definition;
            let at = section_of_error(def, &errors, section);
            // The part posted shows exactly what was typed; another part shows what is stored.
            let values = if at == section {
                fields.clone()
            } else {
                intake::fields_of(def, &filling.response.answers)
            };
            let page = form_page(&filling, at, &values, &errors, Some(posted.rows()), false);
            form_response(&state, csrf, page, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// POST /portal/questionnaires/{id}/autosave: the page's script saves the part shown as a draft
/// while the patient types; the answer is JSON for the script, never a page.
pub async fn autosave(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<ResponseId>,
    CsrfForm(posted): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let posted = Posted::read(posted);
    let saved = state
        .app
        .save_response(&actor, &id, posted.section, &posted.fields, false)
        .await?;
    match saved {
        Saved::AlreadySent => Ok((
            StatusCode::CONFLICT,
            Json(serde_json::json!({ "saved": false, "message": view::tr("intake-already-sent") })),
        )
            .into_response()),
        Saved::Saved { progress, risk, .. } => Ok(Json(serde_json::json!({
            "saved": true,
            "risk": risk,
            "answered": progress.answered,
            "total": progress.total,
            "progress_text": progress_text(progress),
        }))
        .into_response()),
        Saved::Refused { errors, risk, .. } => {
            let message = errors
                .iter()
                .next()
                .map(|(_, m)| view::tr(m))
                .unwrap_or_default();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({
                    "saved": false,
                    "risk": risk,
                    "message": i18n::t_with("intake-autosave-refused", &[("reason", message)]),
                    "errors": errors.iter().map(|(f, m)| serde_json::json!({"field": field_id(f), "message": view::tr(m)})).collect::<Vec<_>>(),
                })),
            )
                .into_response())
        }
    }
}

/// A posted page: the answers (`q.…`), and the form's own `section` and `action`.
struct Posted {
    fields: Values,
    section: usize,
    action: String,
}

impl Posted {
    fn read(pairs: Vec<(String, String)>) -> Posted {
        let mut posted = Posted {
            fields: Values::new(),
            section: 0,
            action: String::new(),
        };
        for (name, value) in pairs {
            match name.as_str() {
                "section" => posted.section = value.trim().parse().unwrap_or(0),
                "action" => posted.action = value,
                _ if name.starts_with("q.") => {
                    posted.fields.insert(name, value);
                }
                _ => {}
            }
        }
        posted
    }

    /// How many family rows the page showed (the largest `q.<question>.rows`).
    fn rows(&self) -> usize {
        self.fields
            .iter()
            .filter(|(k, _)| k.ends_with(".rows"))
            .filter_map(|(_, v)| v.trim().parse::<usize>().ok())
            .max()
            .unwrap_or(DEFAULT_ROWS)
            .min(MAX_ROWS)
    }
}

/// An open or sent questionnaire on the portal's front page.
pub struct PortalItem {
    pub href: String,
    pub title: String,
    pub state: String,
}

/// The portal's "Questionnaires": open ones first, then those sent.
pub(crate) async fn portal_items(
    state: &WebState,
    actor: &app::Actor,
) -> WebResult<Vec<PortalItem>> {
    let viewer = Viewer::of(actor);
    let mut listed: Vec<Listed> = state.app.my_questionnaires(actor).await?;
    listed.sort_by_key(|l| {
        (
            l.info.status == Status::Submitted,
            std::cmp::Reverse(l.info.updated_at),
        )
    });
    Ok(listed
        .into_iter()
        .map(|l| PortalItem {
            href: format!("/portal/questionnaires/{}", l.info.id),
            state: match l.info.submitted_at {
                Some(at) => i18n::t_with("intake-state-sent-on", &[("date", viewer.date(&at))]),
                None => view::tr(&format!("intake-state-{}", l.info.state())),
            },
            title: l.info.title,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_built_at_run_time_exists() {
        let mut keys: Vec<String> = domain::intake::RELATIONS
            .iter()
            .map(|(v, _)| format!("relation-{v}"))
            .collect();
        for state in ["not_started", "in_progress", "sent"] {
            keys.push(format!("intake-state-{state}"));
        }
        for k in [
            "error-answer-too-long",
            "error-answer-too-long-short",
            "error-name-too-long",
            "error-answer-choice",
            "error-born",
            "error-questionnaire-empty",
            "job-risk_alert",
        ] {
            keys.push(k.to_string());
        }
        let missing: Vec<&String> = keys.iter().filter(|k| !i18n::has(k)).collect();
        assert!(missing.is_empty(), "missing in en.ftl: {missing:?}");
    }
}
