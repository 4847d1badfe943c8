//! Errors become responses here, in one place. The body is rendered by `render_error_pages`, which
//! has the practice's details, so even a 404 shows the crisis contacts. Nothing internal is shown:
//! a server error logs its cause with a reference and shows only that reference.

use crate::view::{self, Chrome};
use crate::WebState;
use app::AppError;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Debug)]
pub struct WebError(pub AppError);

pub type WebResult<T> = Result<T, WebError>;

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError(e)
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError(AppError::internal("rendering a page", e))
    }
}

/// Marks a response whose page `render_error_pages` fills in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ErrorPage {
    pub status: StatusCode,
    pub reference: Option<u32>,
    /// The page's message, where the status alone does not say it.
    pub key: Option<&'static str>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if matches!(self.0, AppError::SecondFactorRequired) {
            return Redirect::to("/admin/two-factor").into_response();
        }
        let (status, reference) = match &self.0 {
            AppError::NotFound => (StatusCode::NOT_FOUND, None),
            AppError::Forbidden => (StatusCode::FORBIDDEN, None),
            AppError::Unauthenticated | AppError::SecondFactorRequired => {
                (StatusCode::UNAUTHORIZED, None)
            }
            AppError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, None),
            AppError::CaseOver | AppError::InvoiceIssued => (StatusCode::CONFLICT, None),
            AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, None),
            AppError::Config(_) | AppError::Store(_) | AppError::Internal { .. } => {
                let reference = reference();
                tracing::error!(reference, error = %self.0.chain(), "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, Some(reference))
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage {
            status,
            reference,
            key: matches!(self.0, AppError::InvoiceIssued).then_some("invoice-issued"),
        });
        response
    }
}

fn reference() -> u32 {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the operating system's random source failed");
    u32::from_le_bytes(b) % 1_000_000
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    chrome: Chrome,
    heading: String,
    text: String,
    reference: Option<u32>,
}

/// Fills in marked error responses with a page in the site's layout; sends the signed-out to sign in.
pub(crate) async fn render_error_pages(
    State(state): State<WebState>,
    request: Request,
    next: Next,
) -> Response {
    let wants_html = !request.uri().path().starts_with("/api/")
        && !request.uri().path().starts_with("/passkeys/");
    let portal = request.uri().path().starts_with("/portal");
    let sign_in_next = (request.method() == Method::GET)
        .then(|| {
            request
                .uri()
                .path_and_query()
                .map(std::string::ToString::to_string)
        })
        .flatten();
    let response = next.run(request).await;
    let Some(page) = response.extensions().get::<ErrorPage>().copied() else {
        return response;
    };
    if page.status == StatusCode::UNAUTHORIZED && wants_html {
        let target = match sign_in_next {
            Some(next) if next.starts_with("/admin") => {
                format!("/admin/signin?next={}", view::url_encode(&next))
            }
            _ if portal => "/signin".to_string(),
            _ => "/admin/signin".to_string(),
        };
        return Redirect::to(&target).into_response();
    }
    let key = match page.status {
        _ if page.key.is_some() => page.key.unwrap_or_default(),
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::TOO_MANY_REQUESTS => "too-many",
        StatusCode::UNAUTHORIZED => "sign-in-needed",
        StatusCode::UNPROCESSABLE_ENTITY => "bad-request",
        StatusCode::CONFLICT => "case-over",
        _ => "server-error",
    };
    if !wants_html {
        let body = serde_json::json!({ "error": key, "reference": page.reference });
        return (
            page.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
    }
    let chrome = Chrome::public(
        &state,
        view::tr(&format!("{key}-title")),
        String::new(),
        None,
    )
    .await;
    let template = ErrorTemplate {
        heading: view::tr(&format!("{key}-title")),
        text: view::tr(&format!("{key}-text")),
        reference: page.reference,
        chrome,
    };
    match template.render() {
        Ok(html) => (
            page.status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(_) => (page.status, "Something went wrong.").into_response(),
    }
}
