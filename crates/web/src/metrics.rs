//! `/metrics` for Prometheus: off unless a bearer token is set (then the token is required), or
//! served without a token on an address of its own (`serve_metrics`).

use crate::error::WebError;
use crate::WebState;
use app::metrics::exposition::CONTENT_TYPE;
use app::AppError;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// GET /metrics on the practice's own address: not found while no token is set (as any unknown
/// path), 401 without the right `Authorization: Bearer` token.
pub async fn scrape(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.metrics_token else {
        return WebError(AppError::NotFound).into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same_token(given, token.expose_secret()) {
        return (
            StatusCode::UNAUTHORIZED,
            [
                (header::WWW_AUTHENTICATE, "Bearer"),
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            ],
            "The metrics need the bearer token set by metrics_token.\n",
        )
            .into_response();
    }
    text(&state).await
}

/// The router of the metrics' own address: `/metrics` without a token, nothing else.
pub(crate) fn open_router(state: WebState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(state): State<WebState>| async move { text(&state).await }),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "Only /metrics is served here.\n") })
        .with_state(state)
}

async fn text(state: &WebState) -> Response {
    (
        [
            (header::CONTENT_TYPE, CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        state.app.metrics_text().await,
    )
        .into_response()
}

/// Compares digests in constant time, so neither the token's content nor its length shows in
/// how long a refusal takes.
fn same_token(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    bool::from(a.ct_eq(&b)) && !expected.is_empty()
}

#[cfg(test)]
mod tests {
    use super::same_token;

    #[test]
    fn only_the_same_token_matches() {
        assert!(same_token("s3cret-token", "s3cret-token"));
        assert!(!same_token("s3cret-tokeN", "s3cret-token"));
        assert!(!same_token("", "s3cret-token"));
        assert!(!same_token(&"x".repeat(100_000), "s3cret-token"));
        assert!(
            !same_token("", ""),
            "an empty token never opens the metrics"
        );
    }
}
