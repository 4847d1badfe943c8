//! The public JSON API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json.
//! It uses no cookies, so cross-site forgery has nothing to ride on; posting requires a JSON body.

use crate::error::WebResult;
use crate::extract::Path;
use crate::extract::{Caller, ClientInfo};
use crate::{i18n, WebState};
use app::site::Shown;
use app::AppError;
use axum::extract::rejection::JsonRejection;
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
                json!({"code": e.message, "message": crate::view::error_text(e)}),
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

#[derive(Deserialize)]
pub struct SlotsQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    tz: Option<String>,
}

fn instant(raw: Option<&str>) -> Result<Option<jiff::Timestamp>, ()> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<jiff::Timestamp>().map(Some).or_else(|_| {
            s.parse::<jiff::civil::Date>()
                .map(|d| {
                    d.to_zoned(jiff::tz::TimeZone::UTC)
                        .ok()
                        .map(|z| z.timestamp())
                })
                .map_err(|_| ())
        }),
    }
}

/// GET /api/v1/slots?type=&from=&to=&tz=: open times, each with an opaque id, start and end.
pub async fn slots(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Query(q): Query<SlotsQuery>,
) -> WebResult<Response> {
    let (Ok(from), Ok(to)) = (instant(q.from.as_deref()), instant(q.to.as_deref())) else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"errors": {"from": {"code": "error-date", "message": i18n::t("error-date")}}}))).into_response());
    };
    let zone = match q.tz.as_deref().filter(|z| !z.is_empty()) {
        Some(name) => match jiff::tz::TimeZone::get(name) {
            Ok(tz) => tz,
            Err(_) => return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"errors": {"tz": {"code": "error-time-zone", "message": i18n::t("error-time-zone")}}}))).into_response()),
        },
        None => jiff::tz::TimeZone::UTC,
    };
    let Some(offer) = state.app.offer(&actor, q.kind.as_deref()).await? else {
        return Ok(Json(json!({ "slots": [] })).into_response());
    };
    if q.kind.as_deref().is_some_and(|k| k != offer.kind.key) {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"errors": {"type": {"code": "error-type", "message": i18n::t("error-type")}}}))).into_response());
    }
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
    phone: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    consent: bool,
    #[serde(default)]
    time_zone: Option<String>,
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
    let input = app::booking::BookingInput {
        name: b.name,
        email: b.email,
        phone: b.phone.unwrap_or_default(),
        note: b.note.unwrap_or_default(),
        consent: if b.consent {
            "on".into()
        } else {
            String::new()
        },
        time_zone: b.time_zone.unwrap_or_default(),
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
        Err(AppError::NotFound) => Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"errors": {"slot_id": {"code": "error-slot", "message": i18n::t("error-slot")}}}))).into_response()),
        Err(e) => Err(e.into()),
    }
}
