//! The therapist's first-session workspace (one page per case), moving a case along its stages,
//! and the board of all cases by stage.

use crate::error::{WebError, WebResult};
use crate::extract::Path;
use crate::extract::{Caller, Csrf, CsrfForm, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::{i18n, WebState};
use app::i18n::names;
use app::workspace::{Column, WorkspaceView};
use app::AppError;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::case::{Decision, Stage, TransitionError};
use domain::ids::CaseId;
use domain::workspace::{WorkspaceInput, GUIDE};
use serde::Deserialize;
use serde_json::json;

#[derive(Template)]
#[template(path = "admin_workspace.html")]
struct WorkspaceTemplate {
    chrome: AdminChrome,
    view: WorkspaceView,
    form: Form,
    saved: String,
    /// The intake as the patient answered it (the newest sent, else their draft).
    intake: Option<IntakeView>,
    /// For the shared partial: the intake's sections read back in words, scores included.
    sections: Vec<crate::intake::ReadSectionView>,
    /// Per measure with results: its chart, and the same numbers as rows.
    charts: Vec<crate::measures::ChartView>,
    /// The genogram (drawn and escaped by the domain) and its text alternative.
    genogram: Option<(String, Vec<String>)>,
    /// What the visitor told the practice before they were a patient.
    words: app::day::VisitorWords,
}

struct IntakeView {
    title: String,
    state: String,
}

impl WorkspaceTemplate {
    fn guide(&self) -> Vec<(String, String)> {
        GUIDE
            .iter()
            .map(|key| (format!("guide_{key}"), i18n::t(&format!("guide-{key}"))))
            .collect()
    }

    fn decisions(&self) -> Vec<(&'static str, String)> {
        Decision::ALL
            .iter()
            .map(|d| (d.as_str(), names::decision(i18n::lang(), *d)))
            .collect()
    }

    fn stage_label(&self, stage: &Stage) -> String {
        names::stage(i18n::lang(), *stage)
    }

    fn why(&self, refusal: &TransitionError) -> String {
        names::transition(i18n::lang(), refusal)
    }
}

/// The form's values from what is stored.
fn stored_form(view: &WorkspaceView) -> Form {
    let w = &view.workspace;
    let c = &w.content;
    let mut form = Form::default()
        .with("notes", c.notes.clone())
        .with("going_on", c.going_on.clone())
        .with("frequency", c.frequency.clone())
        .with("modality", c.modality.clone())
        .with("fee", c.fee.clone())
        .with("refer_to", c.refer_to.clone())
        .with("refer_why", c.refer_why.clone())
        .with("summary", c.summary.clone())
        .with("decision", w.decision.map_or("", Decision::as_str));
    if w.share_summary {
        form = form.with("share_summary", "on");
    }
    for key in &w.guide {
        form = form.with(&format!("guide_{key}"), "on");
    }
    form
}

async fn page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    id: &domain::ids::CaseId,
    form: Option<Form>,
    status: StatusCode,
) -> WebResult<Response> {
    let view = state.app.workspace(actor, id).await?;
    let viewer = Viewer::of(actor);
    let form = form.unwrap_or_else(|| stored_form(&view));
    let saved = match view.saved_at {
        Some(at) => i18n::t_with("workspace-saved-at", &[("time", viewer.date_time(&at))]),
        None => String::new(),
    };
    let answered = state.app.case_intake(actor, id).await?;
    let (intake, sections) = match answered {
        Some(a) => {
            let state_text = match a.response.info.submitted_at {
                Some(at) => i18n::t_with("workspace-intake-sent", &[("date", viewer.date(&at))]),
                None => view::tr("workspace-intake-draft"),
            };
            (
                Some(IntakeView {
                    title: a.response.info.title.clone(),
                    state: state_text,
                }),
                crate::intake::read_view(&a.sections, true),
            )
        }
        None => (None, Vec::new()),
    };
    let family = state.app.case_family(actor, id).await?;
    let genogram = (!family.is_empty()).then(|| {
        (
            domain::genogram::render_svg(&domain::genogram::layout(&family)),
            domain::genogram::text_alternative(&family),
        )
    });
    let results = state.app.case_measures(actor, id).await?;
    let charts = crate::measures::charts(&results, &viewer, "workspace");
    let words = state.app.visitor_words(actor, id).await?;
    let title = i18n::t_with(
        "workspace-title",
        &[("name", view.case.patient.name.clone())],
    );
    let chrome = AdminChrome::new(state, actor, title, "patients", csrf).await;
    let mut response = (
        status,
        Html(render(WorkspaceTemplate {
            chrome,
            view,
            form,
            saved,
            intake,
            sections,
            charts,
            genogram,
            words,
        })?),
    )
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// GET /admin/cases/{id}/workspace
pub async fn show(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    page(&state, &actor, csrf, &id, None, StatusCode::OK).await
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// POST /admin/cases/{id}/workspace: the save button, or the page's autosave (which asks for JSON).
pub async fn save(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    headers: HeaderMap,
    CsrfForm(input): CsrfForm<WorkspaceInput>,
) -> WebResult<Response> {
    let json = wants_json(&headers);
    match state.app.save_workspace(&actor, &id, &input).await {
        Ok(_) if json => Ok(axum::Json(json!({ "saved": true })).into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/admin/cases/{id}/workspace")).into_response()),
        Err(AppError::Invalid(errors)) if json => {
            let message = errors
                .iter()
                .next()
                .map(view::error_text)
                .unwrap_or_default();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(json!({ "saved": false, "message": message })),
            )
                .into_response())
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input, errors);
            page(&state, &actor, csrf, &id, Some(form), status).await
        }
    }
}

#[derive(Deserialize, serde::Serialize)]
pub struct MoveInput {
    #[serde(default)]
    stage: String,
}

/// POST /admin/cases/{id}/stage
pub async fn move_case(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(input): CsrfForm<MoveInput>,
) -> WebResult<Response> {
    let Some(stage) = Stage::parse(input.stage.trim()) else {
        return Err(WebError(AppError::NotFound));
    };
    match state.app.move_case(&actor, &id, stage).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/cases/{id}/workspace")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let view = state.app.workspace(&actor, &id).await?;
            let form = stored_form(&view).with_errors(errors);
            page(&state, &actor, csrf, &id, Some(form), status).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_board.html")]
struct BoardTemplate {
    chrome: AdminChrome,
    columns: Vec<Column>,
}

impl BoardTemplate {
    fn waited(&self, d: &jiff::SignedDuration) -> String {
        let days = d.as_hours() / 24;
        if days >= 1 {
            i18n::t_with("board-days", &[("count", days.to_string())])
        } else {
            i18n::t_with("board-hours", &[("count", d.as_hours().max(0).to_string())])
        }
    }
}

/// GET /admin/board: every case of the therapist's by stage, and how long each has waited.
pub async fn board(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    let columns = state.app.board(&actor).await?;
    let chrome = AdminChrome::new(&state, &actor, view::tr("board-title"), "board", csrf).await;
    Ok(Html(render(BoardTemplate { chrome, columns })?).into_response())
}
