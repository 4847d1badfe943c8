//! The regular hour of a case: set it, change it from a date on, end it.

use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm, Path, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::{i18n, WebState};
use app::series::SeriesView;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ids::CaseId;
use domain::series::{Frequency, SeriesInput};
use serde::Deserialize;

/// One series as a line of text, and what is left out of it.
pub(crate) struct SeriesLine {
    pub text: String,
    pub upcoming: String,
    pub skipped: String,
    pub running: bool,
}

pub(crate) fn describe(s: &SeriesView, r: &app::i18n::format::Reader) -> SeriesLine {
    let days: Vec<String> = s
        .rule
        .weekdays()
        .into_iter()
        .map(|d| view::tr(&format!("weekday-{}", d.to_monday_one_offset())))
        .collect();
    let mut text = i18n::t_with(
        "series-line",
        &[
            (
                "frequency",
                view::tr(&format!("series-frequency-{}", s.rule.frequency.as_str())),
            ),
            ("days", days.join(" & ")),
            ("time", s.rule.time.strftime("%H:%M").to_string()),
            ("zone", s.zone.clone()),
            ("kind", s.kind_name.clone()),
            ("first", r.civil_date(s.rule.first)),
        ],
    );
    text.push_str(", ");
    text.push_str(&match s.rule.until {
        Some(u) => i18n::t_with("series-line-until", &[("until", r.civil_date(u))]),
        None => view::tr("series-line-open"),
    });
    SeriesLine {
        text,
        upcoming: if s.running {
            i18n::t_with("series-upcoming", &[("count", s.upcoming.to_string())])
        } else {
            view::tr("series-ended")
        },
        skipped: if s.skipped.is_empty() {
            String::new()
        } else {
            i18n::t_with(
                "series-skipped",
                &[(
                    "dates",
                    s.skipped
                        .iter()
                        .map(|d| r.civil_date(*d))
                        .collect::<Vec<_>>()
                        .join(", "),
                )],
            )
        },
        running: s.running,
    }
}

#[derive(Template)]
#[template(path = "admin_series.html")]
struct SeriesPage {
    chrome: AdminChrome,
    case: CaseId,
    name: String,
    lines: Vec<SeriesLine>,
    /// The running series the forms change or end.
    running: Option<String>,
    frequencies: Vec<(String, String)>,
    days: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    zone: String,
    form: Form,
    end_form: Form,
    done: String,
}

#[derive(Deserialize, Default)]
pub struct SeriesQuery {
    booked: Option<usize>,
    clashed: Option<usize>,
    ended: Option<usize>,
}

#[allow(clippy::too_many_arguments)]
async fn series_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    case: &CaseId,
    form: Option<Form>,
    end_form: Option<Form>,
    q: SeriesQuery,
    status: StatusCode,
) -> WebResult<Response> {
    let all = state.app.case_series(actor, case).await?;
    let thread_case = state.app.series_case(actor, case).await?;
    let r = Viewer::of(actor);
    let lines: Vec<SeriesLine> = all.iter().map(|s| describe(s, &r)).collect();
    let running = all.iter().rev().find(|s| s.running);
    let kinds = state
        .app
        .series_kinds(actor)
        .await?
        .into_iter()
        .map(|t| (t.key, t.name))
        .collect();
    let form = form.unwrap_or_else(|| match running {
        Some(s) => Form::default()
            .with("frequency", s.rule.frequency.as_str())
            .with("time", s.rule.time.strftime("%H:%M").to_string())
            .with("kind", "session"),
        None => Form::default()
            .with("frequency", "weekly")
            .with("kind", "session"),
    });
    let form = form
        .labelled("frequency", "field-series-frequency")
        .labelled("first", "field-series-first")
        .labelled("time", "field-series-time")
        .labelled("second_day", "field-series-second-day")
        .labelled("until", "field-series-until")
        .labelled("kind", "field-series-kind");
    let done = match (q.booked, q.clashed, q.ended) {
        (_, _, Some(n)) => i18n::t_with("series-ended-done", &[("count", n.to_string())]),
        (Some(b), c, _) => i18n::t_with(
            "series-done",
            &[
                ("booked", b.to_string()),
                ("clashed", c.unwrap_or(0).to_string()),
            ],
        ),
        _ => String::new(),
    };
    let title = i18n::t_with(
        "series-title",
        &[("name", thread_case.patient.name.clone())],
    );
    let chrome = AdminChrome::new(state, actor, title, "patients", csrf).await;
    let page = SeriesPage {
        zone: chrome.time_zone.clone(),
        chrome,
        case: case.clone(),
        name: thread_case.patient.name,
        running: running.map(|s| s.id.clone()),
        lines,
        frequencies: Frequency::ALL
            .iter()
            .map(|f| {
                (
                    f.as_str().to_string(),
                    view::tr(&format!("series-frequency-{}", f.as_str())),
                )
            })
            .collect(),
        days: (1..=7)
            .map(|n| (n.to_string(), view::tr(&format!("weekday-{n}"))))
            .collect(),
        kinds,
        form,
        end_form: end_form
            .unwrap_or_default()
            .labelled("last", "field-series-last"),
        done,
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /admin/cases/{id}/series
pub async fn show(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    Query(q): Query<SeriesQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    series_page(&state, &actor, csrf, &id, None, None, q, StatusCode::OK).await
}

fn done_at(case: &CaseId, done: app::series::Booked) -> String {
    format!(
        "/admin/cases/{case}/series?booked={}&clashed={}",
        done.booked, done.clashed
    )
}

/// The answer to a posted series form: to the page with what was booked, or the form again with
/// its refusals next to the fields and what was typed kept.
async fn answer(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    case: &CaseId,
    input: &SeriesInput,
    done: app::AppResult<app::series::Booked>,
) -> WebResult<Response> {
    match done {
        Ok(done) => Ok(Redirect::to(&done_at(case, done)).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(input, errors);
            let q = SeriesQuery::default();
            series_page(state, actor, csrf, case, Some(form), None, q, status).await
        }
    }
}

/// POST /admin/cases/{id}/series: a regular time set.
pub async fn set(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(input): CsrfForm<SeriesInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let done = state.app.set_series(&actor, &id, &input).await;
    answer(&state, &actor, csrf, &id, &input, done).await
}

/// POST /admin/cases/{id}/series/{series}/change: the series changed from a date on.
pub async fn change(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path((id, series)): Path<(CaseId, String)>,
    CsrfForm(input): CsrfForm<SeriesInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let done = state.app.change_series(&actor, &series, &input).await;
    answer(&state, &actor, csrf, &id, &input, done).await
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct EndInput {
    #[serde(default)]
    last: String,
}

/// POST /admin/cases/{id}/series/{series}/end
pub async fn end(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path((id, series)): Path<(CaseId, String)>,
    CsrfForm(input): CsrfForm<EndInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.end_series(&actor, &series, &input.last).await {
        Ok(n) => Ok(Redirect::to(&format!("/admin/cases/{id}/series?ended={n}")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input, errors);
            series_page(
                &state,
                &actor,
                csrf,
                &id,
                None,
                Some(form),
                SeriesQuery::default(),
                status,
            )
            .await
        }
    }
}
