//! The JSON side of passkeys: each ceremony's start and finish. The form token travels in the
//! `x-csrf-token` header (the page's script reads it from the page's form).

use crate::error::{WebError, WebResult};
use crate::extract::{attach_session, NoFields};
use crate::extract::{Caller, ClientInfo, Csrf};
use crate::{i18n, WebState};
use app::passkeys::Started;
use app::AppError;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// A JSON body whose `x-csrf-token` header matches this browser's CSRF cookie.
pub struct CsrfJson<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<WebState> for CsrfJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let csrf = <Csrf as axum::extract::FromRequestParts<WebState>>::from_request_parts(
            &mut parts, state,
        )
        .await
        .map_err(IntoResponse::into_response)?;
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        if !crate::extract::csrf_matches(sent, &csrf)
            || parts
                .extensions
                .get::<crate::extract::FreshCsrf>()
                .is_some()
        {
            return Err(refuse(StatusCode::FORBIDDEN, "error-passkey"));
        }
        let request = Request::from_parts(parts, body);
        let Json(value) = Json::<T>::from_request(request, state)
            .await
            .map_err(|_| refuse(StatusCode::BAD_REQUEST, "api-bad-json"))?;
        Ok(CsrfJson(value))
    }
}

fn refuse(status: StatusCode, key: &str) -> Response {
    (status, Json(json!({ "message": i18n::t(key) }))).into_response()
}

fn answer(result: Result<Started, AppError>) -> WebResult<Response> {
    match result {
        Ok(s) => Ok(Json(json!({ "ceremony": s.ceremony, "options": s.options })).into_response()),
        Err(e) => failure(e),
    }
}

fn failure(e: AppError) -> WebResult<Response> {
    match e {
        AppError::Invalid(errors) => Ok(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            errors.iter().next().map_or("error-passkey", |f| f.message),
        )),
        AppError::RateLimited => Ok(refuse(StatusCode::TOO_MANY_REQUESTS, "error-rate-limited")),
        e => Err(WebError(e)),
    }
}

#[derive(Deserialize)]
pub struct Finish {
    ceremony: String,
    credential: Value,
}

pub async fn register_start(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfJson(_): CsrfJson<NoFields>,
) -> WebResult<Response> {
    answer(state.app.start_passkey_registration(&actor).await)
}

pub async fn register_finish(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfJson(f): CsrfJson<Finish>,
) -> WebResult<Response> {
    match state
        .app
        .finish_passkey_registration(&actor, &f.ceremony, f.credential)
        .await
    {
        Ok(()) => Ok(Json(json!({ "ok": true })).into_response()),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
pub struct SignInStart {
    #[serde(default)]
    email: String,
}

pub async fn sign_in_start(
    State(state): State<WebState>,
    ClientInfo(client): ClientInfo,
    CsrfJson(input): CsrfJson<SignInStart>,
) -> WebResult<Response> {
    answer(state.app.start_passkey_sign_in(&input.email, &client).await)
}

pub async fn sign_in_finish(
    State(state): State<WebState>,
    ClientInfo(client): ClientInfo,
    CsrfJson(f): CsrfJson<Finish>,
) -> WebResult<Response> {
    match state
        .app
        .finish_passkey_sign_in(&f.ceremony, f.credential, &client)
        .await
    {
        Ok(session) => {
            let mut response = Json(json!({ "redirect": "/portal" })).into_response();
            attach_session(&mut response, &state, &session);
            Ok(response)
        }
        Err(e) => failure(e),
    }
}

pub async fn second_factor_start(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfJson(_): CsrfJson<NoFields>,
) -> WebResult<Response> {
    answer(state.app.start_passkey_second_factor(&actor).await)
}

pub async fn second_factor_finish(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfJson(f): CsrfJson<Finish>,
) -> WebResult<Response> {
    match state
        .app
        .finish_passkey_second_factor(&actor, &f.ceremony, f.credential)
        .await
    {
        Ok(()) => Ok(Json(json!({ "redirect": "/admin" })).into_response()),
        Err(e) => failure(e),
    }
}
