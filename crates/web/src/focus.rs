//! The path ahead, kept: the case's treatment focus, goals and review date, its dated reviews,
//! and the measures charted beside it — for the case's therapist.

use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm, Path, Viewer};
use crate::measures::ChartView;
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::{i18n, WebState};
use app::focus::FocusView;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::focus::FocusInput;
use domain::ids::CaseId;
use serde::{Deserialize, Serialize};

struct ReviewLine {
    when: String,
    author: String,
    text: String,
}

#[derive(Template)]
#[template(path = "admin_focus.html")]
struct FocusPage {
    chrome: AdminChrome,
    v: FocusView,
    /// "Kept since …; to be reviewed on …", or that it is only seeded so far.
    standing: String,
    reviews: Vec<ReviewLine>,
    charts: Vec<ChartView>,
    over: bool,
    /// The focus form, and the review form, as stored or as just refused.
    form: Form,
    review: Form,
}

async fn focus_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    id: &CaseId,
    form: Option<Form>,
    review: Option<Form>,
    status: StatusCode,
) -> WebResult<Response> {
    let v = state.app.treatment_focus(actor, id).await?;
    let results = state.app.case_measures(actor, id).await?;
    let r = Viewer::of(actor);
    let mut marks: Vec<(jiff::Timestamp, String)> = v
        .started_at
        .iter()
        .map(|at| {
            (
                *at,
                i18n::t_with("chart-mark-focus", &[("date", r.date(at))]),
            )
        })
        .collect();
    marks.extend(v.reviews.iter().map(|x| {
        (
            x.created_at,
            i18n::t_with("chart-mark-review", &[("date", r.date(&x.created_at))]),
        )
    }));
    let charts = crate::measures::charts_marked(&results, &r, "focus-chart", &marks);
    let review_on = v.review_on.map(|d| r.civil_date(d));
    let standing = match (v.started_at, review_on) {
        (None, _) => view::tr("focus-seeded"),
        (Some(at), Some(day)) => i18n::t_with(
            "focus-standing-review",
            &[("since", r.date(&at)), ("review", day)],
        ),
        (Some(at), None) => i18n::t_with("focus-standing", &[("since", r.date(&at))]),
    };
    let form = form.unwrap_or_else(|| {
        Form::default()
            .with("focus", v.focus.focus.clone())
            .with("goals", v.focus.goals.join("\n"))
            .with(
                "review_on",
                v.review_on.map(|d| d.to_string()).unwrap_or_default(),
            )
    });
    let reviews = v
        .reviews
        .iter()
        .map(|x| ReviewLine {
            when: r.date(&x.created_at),
            author: x.author.clone(),
            text: x.text.clone(),
        })
        .collect();
    let title = i18n::t_with("focus-title", &[("name", v.case.patient.name.clone())]);
    let chrome = AdminChrome::new(state, actor, title, "patients", csrf).await;
    let page = FocusPage {
        chrome,
        standing,
        reviews,
        charts,
        over: domain::ending::is_over(v.case.stage),
        form: form
            .labelled("focus", "field-focus")
            .labelled("goals", "field-goals")
            .labelled("review_on", "field-review-on"),
        review: review
            .unwrap_or_default()
            .labelled("review", "field-review"),
        v,
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /admin/cases/{id}/focus
pub async fn show(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    focus_page(&state, &actor, csrf, &id, None, None, StatusCode::OK).await
}

/// POST /admin/cases/{id}/focus: the focus, its goals and review date.
pub async fn save(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(input): CsrfForm<FocusInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.save_focus(&actor, &id, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/cases/{id}/focus")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input, errors);
            focus_page(&state, &actor, csrf, &id, Some(form), None, status).await
        }
    }
}

#[derive(Deserialize, Serialize)]
pub struct ReviewInput {
    #[serde(default)]
    review: String,
}

/// POST /admin/cases/{id}/focus/review: a dated review, added (never edited).
pub async fn review(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(input): CsrfForm<ReviewInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.add_focus_review(&actor, &id, &input.review).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/cases/{id}/focus#reviews")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let review = Form::from_input(&input, errors);
            focus_page(&state, &actor, csrf, &id, None, Some(review), status).await
        }
    }
}
