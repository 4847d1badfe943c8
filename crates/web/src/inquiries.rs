//! "Send a message" for visitors, and the therapist's inbox.

use crate::error::WebResult;
use crate::extract::Path;
use crate::extract::{Caller, ClientInfo, Csrf, CsrfForm};
use crate::site::render;
use crate::view::{self, AdminChrome, Chrome, Form};
use crate::WebState;
use app::AppError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::content::{Pager, Window};
use domain::ids::InquiryId;
use domain::inquiry::{InquiryInput, InquiryRecord, InquiryStatus, InquirySummary};
use domain::FieldErrors;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactTemplate {
    chrome: Chrome,
    form: Form,
    csrf: String,
    consent_label: String,
}

async fn contact_page(
    state: &WebState,
    form: Form,
    csrf: String,
    status: StatusCode,
) -> WebResult<Response> {
    let chrome = Chrome::public(
        state,
        view::tr("contact-heading"),
        view::tr("contact-description"),
        Some("/contact"),
    )
    .await;
    let consent_label = view::tr("field-consent");
    Ok((
        status,
        Html(render(ContactTemplate {
            chrome,
            form,
            csrf,
            consent_label,
        })?),
    )
        .into_response())
}

pub async fn form(State(state): State<WebState>, Csrf(csrf): Csrf) -> WebResult<Response> {
    contact_page(&state, Form::default(), csrf, StatusCode::OK).await
}

/// POST /contact: "thank you" only once the message is committed; otherwise the form again,
/// errors next to the fields and everything typed still there.
pub async fn send(
    State(state): State<WebState>,
    Caller(actor): Caller,
    ClientInfo(client): ClientInfo,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<InquiryInput>,
) -> WebResult<Response> {
    match state.app.send_inquiry(&actor, &input, &client).await {
        Ok(()) => Ok(Redirect::to("/contact/thanks").into_response()),
        // Nothing was stored: the visitor keeps what they typed and is told to try again.
        Err(e @ (AppError::Store(_) | AppError::Config(_) | AppError::Internal { .. })) => {
            tracing::error!(error = %e.chain(), "a message could not be stored");
            let mut errors = FieldErrors::default();
            errors.add("message", "error-not-sent");
            contact_page(
                &state,
                Form::from_input(&input, errors),
                csrf,
                StatusCode::INTERNAL_SERVER_ERROR,
            )
            .await
        }
        Err(e) => {
            let (status, errors) = view::refused(e, Some("message"))?;
            contact_page(&state, Form::from_input(&input, errors), csrf, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "thanks.html")]
struct ThanksTemplate {
    chrome: Chrome,
}

pub async fn thanks(State(state): State<WebState>) -> WebResult<Response> {
    let chrome = Chrome::public(&state, view::tr("thanks-heading"), String::new(), None).await;
    Ok(Html(render(ThanksTemplate { chrome })?).into_response())
}

#[derive(Deserialize)]
pub struct InboxQuery {
    status: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxTemplate {
    chrome: AdminChrome,
    items: Vec<InquirySummary>,
    pager: Pager,
    filter: String,
}

pub async fn inbox(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<InboxQuery>,
) -> WebResult<Response> {
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(InquiryStatus::parse);
    let window = Window::from_query(q.before.as_deref(), q.after.as_deref());
    let (items, pager) = state.app.inbox(&actor, status, &window).await?;
    let chrome = AdminChrome::new(
        &state,
        &actor,
        view::tr("admin-inquiries"),
        "inquiries",
        csrf,
    )
    .await;
    let filter = status.map(|s| s.as_str().to_string()).unwrap_or_default();
    Ok(Html(render(InboxTemplate {
        chrome,
        items,
        pager,
        filter,
    })?)
    .into_response())
}

#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadTemplate {
    chrome: AdminChrome,
    record: InquiryRecord,
    form: Form,
    sent: bool,
}

#[derive(Deserialize)]
pub struct ThreadQuery {
    sent: Option<String>,
}

async fn thread_page(
    state: &WebState,
    actor: &app::Actor,
    id: &InquiryId,
    csrf: String,
    form: Form,
    sent: bool,
    status: StatusCode,
) -> WebResult<Response> {
    let record = state.app.inquiry(actor, id).await?;
    let title = view::AdminChrome::new(state, actor, String::new(), "inquiries", csrf).await;
    let chrome = AdminChrome {
        title: crate::i18n::t_with("thread-title", &[("name", record.name.clone())]),
        ..title
    };
    Ok((
        status,
        Html(render(ThreadTemplate {
            chrome,
            record,
            form,
            sent,
        })?),
    )
        .into_response())
}

pub async fn thread(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<InquiryId>,
    Query(q): Query<ThreadQuery>,
) -> WebResult<Response> {
    thread_page(
        &state,
        &actor,
        &id,
        csrf,
        Form::default(),
        q.sent.is_some(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, serde::Serialize)]
pub struct ReplyInput {
    #[serde(default)]
    reply: String,
}

pub async fn reply(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<InquiryId>,
    CsrfForm(input): CsrfForm<ReplyInput>,
) -> WebResult<Response> {
    match state.app.reply_to_inquiry(&actor, &id, &input.reply).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/inquiries/{id}?sent=1")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            thread_page(
                &state,
                &actor,
                &id,
                csrf,
                Form::from_input(&input, errors),
                false,
                status,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct StatusInput {
    #[serde(default)]
    status: String,
}

pub async fn set_status(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<InquiryId>,
    CsrfForm(input): CsrfForm<StatusInput>,
) -> WebResult<Response> {
    state
        .app
        .set_inquiry_status(&actor, &id, InquiryStatus::parse(&input.status))
        .await?;
    Ok(Redirect::to(&format!("/admin/inquiries/{id}")).into_response())
}

/// POST /admin/inquiries/{id}/invite: the inquiry becomes an invited patient, its text kept on
/// the case.
pub async fn invite(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<InquiryId>,
    CsrfForm(_): CsrfForm<crate::extract::NoFields>,
) -> WebResult<Response> {
    match state.app.invite_from_inquiry(&actor, &id).await {
        Ok(case) => Ok(Redirect::to(&format!("/admin/cases/{case}")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            thread_page(
                &state,
                &actor,
                &id,
                csrf,
                Form::from_input(&serde_json::json!({}), errors),
                false,
                status,
            )
            .await
        }
    }
}
