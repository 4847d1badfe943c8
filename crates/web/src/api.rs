//! The public JSON API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json.
//! It uses no cookies, so cross-site forgery has nothing to ride on; posting requires a JSON body.

use crate::error::WebResult;
use crate::extract::{Caller, ClientInfo};
use crate::{i18n, WebState};
use app::site::Shown;
use app::AppError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use domain::content::Page;
use domain::inquiry::InquiryInput;
use serde::Deserialize;
use serde_json::{json, Value};

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

fn summary(state: &WebState, p: &Page) -> Value {
    json!({
        "slug": p.slug,
        "title": p.title,
        "description": p.summary(),
        "tags": p.tags.iter().map(|t| json!({"slug": t.slug, "name": t.name})).collect::<Vec<_>>(),
        "published_at": p.published_at.map(|t| t.to_string()),
        "url": state.app.link(&p.path()),
    })
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

pub async fn articles(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Query(q): Query<PageQuery>,
) -> WebResult<Response> {
    let listing = state.app.articles(&actor, q.page.as_deref()).await?;
    let body = json!({
        "articles": listing.pages.iter().map(|p| summary(&state, p)).collect::<Vec<_>>(),
        "page": listing.paging.page,
        "pages": listing.paging.last(),
        "total": listing.paging.total,
    });
    Ok(Json(body).into_response())
}

pub async fn article(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    match state.app.article(&actor, &slug).await? {
        Shown::Moved(to) => Ok(Redirect::permanent(&format!("/api/v1{to}")).into_response()),
        Shown::Here(view) => {
            let mut body = summary(&state, &view.page);
            body["html"] = json!(view.html);
            body["related"] = json!(view
                .related
                .iter()
                .map(|p| summary(&state, p))
                .collect::<Vec<_>>());
            Ok(Json(body).into_response())
        }
    }
}

fn field_errors(errors: &domain::FieldErrors) -> Value {
    let map: serde_json::Map<String, Value> = errors
        .iter()
        .map(|e| {
            (
                e.field.to_string(),
                json!({"code": e.message, "message": i18n::t(e.message)}),
            )
        })
        .collect();
    json!({ "errors": map })
}

/// POST /api/v1/messages: the same rules and rate limit as the site's form.
pub async fn send_message(
    State(state): State<WebState>,
    Caller(actor): Caller,
    ClientInfo(client): ClientInfo,
    body: Result<Json<InquiryInput>, JsonRejection>,
) -> WebResult<Response> {
    let Json(input) = match body {
        Ok(json) => json,
        Err(rejection) => {
            let status = if rejection.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            } else {
                StatusCode::BAD_REQUEST
            };
            return Ok((
                status,
                Json(json!({"error": "bad-request", "message": i18n::t("api-bad-json")})),
            )
                .into_response());
        }
    };
    match state.app.send_inquiry(&actor, &input, &client).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(json!({"status": "received"}))).into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(field_errors(&errors)),
        )
            .into_response()),
        Err(AppError::RateLimited) => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"error": "too-many", "message": i18n::t("error-rate-limited")})),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
