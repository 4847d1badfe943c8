//! The public JSON API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json.
//! It uses no cookies, so cross-site forgery has nothing to ride on; posting requires a JSON body.

use crate::error::WebResult;
use crate::extract::Path;
use crate::extract::{Caller, ClientInfo};
use crate::{i18n, WebState};
use app::site::Shown;
use app::AppError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
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

/// One field's refusal, as every 422 of the API says it.
fn refused(field: &str, code: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"errors": {field: {"code": code, "message": i18n::t(code)}}})),
    )
        .into_response()
}

/// A query string that cannot be read into its parameters (one given twice, say): 400.
fn bad_query() -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "bad-request", "message": i18n::t("api-bad-query")})),
    )
        .into_response()
}

/// A body that is not JSON of the operation's shape: 415 when it is not sent as JSON, 413 when
/// it is larger than the server reads, 400 otherwise.
fn bad_body(rejection: &JsonRejection) -> Response {
    let (status, key) = match rejection.status() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "api-body-type"),
        StatusCode::PAYLOAD_TOO_LARGE => (StatusCode::PAYLOAD_TOO_LARGE, "api-body-too-large"),
        _ => (StatusCode::BAD_REQUEST, "api-bad-json"),
    };
    (
        status,
        Json(json!({"error": "bad-request", "message": i18n::t(key)})),
    )
        .into_response()
}

/// GET /api/v1/articles?page=: a page number from 1 (past the last page gives the last page);
/// anything else given as `page` is refused, as the document says.
pub async fn articles(
    State(state): State<WebState>,
    Caller(actor): Caller,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> WebResult<Response> {
    let Ok(Query(q)) = q else {
        return Ok(bad_query());
    };
    let Ok(page) = domain::params::page(q.page.as_deref()) else {
        return Ok(refused("page", "error-page-number"));
    };
    let page = page.map(|n| n.to_string());
    let listing = state.app.articles(&actor, page.as_deref()).await?;
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
                json!({"code": e.message, "message": crate::view::error_text(e)}),
            )
        })
        .collect();
    json!({ "errors": map })
}

/// A message as the API takes it: the document's types exactly (the site's form also takes
/// "on" for consent, and has a honeypot field; JSON has neither).
#[derive(Deserialize)]
pub struct MessageJson {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    preferred_time: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    consent: bool,
}

/// POST /api/v1/messages: the same rules and rate limit as the site's form.
pub async fn send_message(
    State(state): State<WebState>,
    Caller(actor): Caller,
    ClientInfo(client): ClientInfo,
    body: Result<Json<MessageJson>, JsonRejection>,
) -> WebResult<Response> {
    let Json(m) = match body {
        Ok(json) => json,
        Err(rejection) => return Ok(bad_body(&rejection)),
    };
    let input = InquiryInput {
        name: m.name,
        email: m.email,
        phone: m.phone,
        preferred_time: m.preferred_time,
        message: m.message,
        consent: m.consent,
        website: String::new(),
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

#[derive(Deserialize)]
pub struct SlotsQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    tz: Option<String>,
}

/// GET /api/v1/slots?type=&from=&to=&tz=: open times, each with an opaque id, start and end.
/// An empty parameter is an absent one; one that is not understood is refused by name.
pub async fn slots(
    State(state): State<WebState>,
    Caller(actor): Caller,
    q: Result<Query<SlotsQuery>, QueryRejection>,
) -> WebResult<Response> {
    let Ok(Query(q)) = q else {
        return Ok(bad_query());
    };
    let Ok(from) = domain::params::instant(q.from.as_deref()) else {
        return Ok(refused("from", "error-date"));
    };
    let Ok(to) = domain::params::instant(q.to.as_deref()) else {
        return Ok(refused("to", "error-date"));
    };
    let Ok(zone) = domain::params::zone(q.tz.as_deref()) else {
        return Ok(refused("tz", "error-time-zone"));
    };
    let zone = zone.unwrap_or(jiff::tz::TimeZone::UTC);
    let kind = domain::params::given(q.kind.as_deref());
    let offer = match state.app.offer(&actor, kind).await {
        Ok(Some(offer)) => offer,
        Ok(None) => return Ok(Json(json!({ "slots": [] })).into_response()),
        Err(AppError::NotFound) => return Ok(refused("type", "error-type")),
        Err(e) => return Err(e.into()),
    };
    let list: Vec<Value> = offer
        .slots
        .iter()
        .filter(|s| from.is_none_or(|f| s.start >= f) && to.is_none_or(|t| s.start < t))
        .map(|s| {
            json!({
                "id": app::booking::slot_ref(&offer.therapist, &offer.kind, s),
                "start": s.start.to_zoned(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                "end": s.end.to_zoned(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            })
        })
        .collect();
    Ok(
        Json(json!({ "type": offer.kind.key, "minutes": offer.kind.minutes, "slots": list }))
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct BookingJson {
    #[serde(default)]
    slot_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    consent: bool,
    #[serde(default)]
    time_zone: String,
}

/// POST /api/v1/bookings: 201 with the booking, 409 when the slot was taken, 422 per field.
pub async fn book(
    State(state): State<WebState>,
    Caller(actor): Caller,
    ClientInfo(client): ClientInfo,
    body: Result<Json<BookingJson>, JsonRejection>,
) -> WebResult<Response> {
    let Json(b) = match body {
        Ok(json) => json,
        Err(rejection) => return Ok(bad_body(&rejection)),
    };
    let input = app::booking::BookingInput {
        name: b.name,
        email: b.email,
        phone: b.phone,
        note: b.note,
        consent: if b.consent {
            "on".into()
        } else {
            String::new()
        },
        time_zone: b.time_zone,
        // Not asked over the API: the zone's guess stands until the patient's profile says more.
        country: String::new(),
    };
    match state.app.book_consultation(&actor, &b.slot_id, &input, &client).await {
        Ok(Ok(booked)) => Ok((
            StatusCode::CREATED,
            Json(json!({
                "status": "booked",
                "start": booked.slot.start.to_string(),
                "end": booked.slot.end.to_string(),
                "type": booked.kind.key,
                "therapist": booked.therapist.name,
            })),
        )
            .into_response()),
        Ok(Err(taken)) => Ok((
            StatusCode::CONFLICT,
            Json(json!({
                "error": "taken",
                "message": i18n::t("book-taken-heading"),
                "nearest": taken.nearest.iter().map(|s| json!({"start": s.start.to_string(), "end": s.end.to_string()})).collect::<Vec<_>>(),
            })),
        )
            .into_response()),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(field_errors(&errors))).into_response()),
        Err(AppError::RateLimited) => Ok((StatusCode::TOO_MANY_REQUESTS, Json(json!({"error": "too-many", "message": i18n::t("error-rate-limited")}))).into_response()),
        Err(AppError::NotFound) => Ok(refused("slot_id", "error-slot")),
        Err(e) => Err(e.into()),
    }
}
