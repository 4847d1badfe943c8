//! The therapist's caseload: patients invited, and each case's secure messages.

use crate::error::{WebError, WebResult};
use crate::extract::Path;
use crate::extract::{Caller, Csrf, CsrfForm};
use crate::portal::{attachment_response, read_message_form, ThreadView};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::{i18n, WebState};
use app::AppError;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::account::InviteInput;
use domain::case::Case;
use domain::ids::CaseId;
use domain::FieldErrors;

#[derive(Template)]
#[template(path = "admin_patients.html")]
struct PatientsTemplate {
    chrome: AdminChrome,
    cases: Vec<Case>,
    /// Ended cases not listed (the most recently active are); `?all` lists them.
    left_out: u64,
    form: Form,
    attention: crate::intake::admin::AttentionSet,
}

#[derive(serde::Deserialize, Default)]
pub struct PatientsQuery {
    #[serde(default)]
    all: Option<String>,
}

async fn patients_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Form,
    status: StatusCode,
    all: bool,
) -> WebResult<Response> {
    state.app.enter_admin(actor).await?;
    let (cases, left_out) = state.app.my_caseload(actor, all).await?;
    let attention = crate::intake::admin::attention_set(state, actor).await?;
    let chrome = AdminChrome::new(state, actor, view::tr("admin-patients"), "patients", csrf).await;
    Ok((
        status,
        Html(render(PatientsTemplate {
            chrome,
            cases,
            left_out,
            form,
            attention,
        })?),
    )
        .into_response())
}

pub async fn patients(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    query: Result<Query<PatientsQuery>, QueryRejection>,
) -> WebResult<Response> {
    // A malformed query is the plain list, not an error.
    let all = query.is_ok_and(|Query(q)| q.all.is_some());
    patients_page(&state, &actor, csrf, Form::default(), StatusCode::OK, all).await
}

pub async fn invite(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<InviteInput>,
) -> WebResult<Response> {
    match state.app.invite_patient(&actor, &input).await {
        Ok(case) => Ok(Redirect::to(&format!("/admin/cases/{case}")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            patients_page(
                &state,
                &actor,
                csrf,
                Form::from_input(&input, errors).labelled("name", "field-name-patient"),
                status,
                false,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_case.html")]
struct CaseTemplate {
    chrome: AdminChrome,
    tv: ThreadView,
    agreement: crate::agreements::CaseSection,
    qs: crate::intake::admin::CaseSection,
    measures: crate::measures::CaseSection,
    /// What the visitor told the practice before they were a patient.
    words: app::day::VisitorWords,
    /// The sessions so far, each with its note's state and its attendance.
    sessions: Vec<crate::attendance::CaseSession>,
    /// The regular hour, as lines of text.
    series: Vec<crate::series::SeriesLine>,
    /// The planned ending, or that the case is over (and its record read-only).
    ending: crate::ending::CaseSection,
    /// An ended case's retention date (and whether it is past).
    retention: Option<crate::retention::CaseLine>,
}

/// The case page; `form` holds what was typed into its message or agreement form.
pub(crate) async fn case_page(
    state: &WebState,
    actor: &app::Actor,
    id: &CaseId,
    csrf: String,
    form: Form,
    status: StatusCode,
) -> WebResult<Response> {
    let thread = state.app.thread(actor, id).await?;
    let title = i18n::t_with("case-title", &[("name", thread.case.patient.name.clone())]);
    let chrome = AdminChrome::new(state, actor, title, "patients", csrf.clone()).await;
    let tv = ThreadView {
        viewer: actor.user().map(|u| u.id.to_string()).unwrap_or_default(),
        attachment_base: "/admin/attachments/",
        post_to: format!("/admin/cases/{id}"),
        csrf,
        form,
        time_zone: chrome.time_zone.clone(),
        thread,
    };
    let agreement = crate::agreements::case_section(state, actor, id, &tv.form).await?;
    let qs = crate::intake::admin::case_section(state, actor, id).await?;
    let measures = crate::measures::case_section(state, actor, id, &tv.form).await?;
    let words = state.app.visitor_words(actor, id).await?;
    let ending = crate::ending::case_section(state, actor, id, &tv.form).await?;
    let retention = crate::retention::case_line(state, actor, id).await?;
    let reader = crate::extract::Viewer::of(actor);
    let sessions = state
        .app
        .case_sessions(actor, id)
        .await?
        .into_iter()
        .map(|s| {
            // A cancelled session has no note: its line leads to its appointment.
            let note = match s.note {
                _ if s.cancelled => String::new(),
                Some(Some(at)) => i18n::t_with("case-note-signed", &[("when", reader.date(&at))]),
                Some(None) => view::tr("case-note-draft"),
                None => view::tr("case-note-none"),
            };
            crate::attendance::CaseSession {
                href: if s.cancelled {
                    format!("/admin/calendar/{}", s.appointment)
                } else {
                    format!("/admin/notes/{}", s.appointment)
                },
                when: reader.weekday_time(&s.start),
                note,
                attendance: crate::attendance::summary(s.attendance, s.charge),
                attendance_href: format!("/admin/calendar/{}#attendance-heading", s.appointment),
            }
        })
        .collect();
    let series = state
        .app
        .case_series(actor, id)
        .await?
        .iter()
        .map(|s| crate::series::describe(s, &reader))
        .collect();
    Ok((
        status,
        Html(render(CaseTemplate {
            chrome,
            tv,
            agreement,
            qs,
            measures,
            words,
            sessions,
            series,
            ending,
            retention,
        })?),
    )
        .into_response())
}

pub async fn case(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    case_page(&state, &actor, &id, csrf, Form::default(), StatusCode::OK).await
}

pub async fn send(
    State(state): State<WebState>,
    Caller(actor): Caller,
    csrf: Csrf,
    Path(id): Path<CaseId>,
    multipart: Result<Multipart, MultipartRejection>,
) -> WebResult<Response> {
    let posted = read_message_form(multipart, &csrf).await?;
    state.app.enter_admin(&actor).await?;
    if posted.too_large {
        let form = posted.refused_file();
        return case_page(
            &state,
            &actor,
            &id,
            csrf.0,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state
        .app
        .send_message(&actor, &id, &posted.body, posted.upload)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/cases/{id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let form = Form::from_input(&serde_json::json!({ "body": posted.body }), errors);
            case_page(
                &state,
                &actor,
                &id,
                csrf.0,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::RateLimited) => {
            let mut errors = FieldErrors::default();
            errors.add("body", "error-rate-limited");
            let form = Form::from_input(&serde_json::json!({ "body": posted.body }), errors);
            case_page(
                &state,
                &actor,
                &id,
                csrf.0,
                form,
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await
        }
        Err(e) => Err(WebError(e)),
    }
}

pub async fn attachment(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<domain::ids::AttachmentId>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    attachment_response(&state, &actor, &id).await
}
