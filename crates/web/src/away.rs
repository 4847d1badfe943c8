//! Time away: a therapist's holidays and illness, the practice's bank holidays.

use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm, Path, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::{i18n, WebState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::absence::AbsenceInput;
use serde::{Deserialize, Serialize};

#[derive(Template)]
#[template(path = "admin_away.html")]
struct AwayPage {
    chrome: AdminChrome,
    /// (id, "Holiday: 21 December 2026 – 3 January 2027", removable)
    lines: Vec<(String, String, bool)>,
    /// (appointment page, when, patient)
    kept: Vec<(String, String, String)>,
    kinds: Vec<(String, String)>,
    may_close_practice: bool,
    form: Form,
    done: String,
}

#[derive(Deserialize, Default)]
pub struct AwayQuery {
    cancelled: Option<usize>,
    kept: Option<usize>,
}

/// The form as posted: the time away and, for the owner, whether it is the whole practice's.
#[derive(Deserialize, Serialize, Default)]
pub struct AwayForm {
    #[serde(flatten)]
    input: AbsenceInput,
    #[serde(default)]
    practice: String,
}

async fn away_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Option<Form>,
    q: AwayQuery,
    status: StatusCode,
) -> WebResult<Response> {
    let v = state.app.time_away(actor).await?;
    let r = Viewer::of(actor);
    let lines = v
        .absences
        .iter()
        .map(|(a, removable)| {
            let kind = view::tr(&format!("away-kind-{}", a.kind.as_str()));
            let text = if a.first == a.last {
                i18n::t_with(
                    "away-line-day",
                    &[("kind", kind), ("day", r.civil_date(a.first))],
                )
            } else {
                i18n::t_with(
                    "away-line",
                    &[
                        ("kind", kind),
                        ("first", r.civil_date(a.first)),
                        ("last", r.civil_date(a.last)),
                    ],
                )
            };
            (a.id.clone(), text, *removable)
        })
        .collect();
    let kept = v
        .kept
        .iter()
        .map(|k| {
            (
                format!("/admin/calendar/{}", k.appointment),
                r.weekday_time(&k.start),
                k.patient.clone(),
            )
        })
        .collect();
    let kinds = v
        .kinds
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                view::tr(&format!("away-kind-{}", k.as_str())),
            )
        })
        .collect();
    let done = match (q.cancelled, q.kept) {
        (None, None) => String::new(),
        (c, k) => i18n::t_with(
            "away-done",
            &[
                ("cancelled", c.unwrap_or(0).to_string()),
                ("kept", k.unwrap_or(0).to_string()),
            ],
        ),
    };
    let form = form
        .unwrap_or_else(|| {
            Form::default()
                .with("kind", "holiday")
                .with("sessions", "cancel")
        })
        .labelled("first", "field-away-first")
        .labelled("last", "field-away-last")
        .labelled("kind", "field-away-kind")
        .labelled("sessions", "field-away-sessions");
    let chrome = AdminChrome::new(state, actor, view::tr("away-title"), "calendar", csrf).await;
    let page = AwayPage {
        chrome,
        lines,
        kept,
        kinds,
        may_close_practice: v.may_close_practice,
        form,
        done,
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /admin/absences
pub async fn show(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<AwayQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    away_page(&state, &actor, csrf, None, q, StatusCode::OK).await
}

/// POST /admin/absences
pub async fn add(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(form): CsrfForm<AwayForm>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let practice = form.practice == "on";
    match state
        .app
        .enter_time_away(&actor, &form.input, practice)
        .await
    {
        Ok(done) => Ok(Redirect::to(&format!(
            "/admin/absences?cancelled={}&kept={}",
            done.cancelled, done.kept
        ))
        .into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let typed = Form::from_input(&form, errors);
            away_page(
                &state,
                &actor,
                csrf,
                Some(typed),
                AwayQuery::default(),
                status,
            )
            .await
        }
    }
}

/// POST /admin/absences/{id}/remove
pub async fn remove(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<crate::extract::NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    state.app.remove_time_away(&actor, &id).await?;
    Ok(Redirect::to("/admin/absences").into_response())
}
