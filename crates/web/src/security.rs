//! The security baseline around every response: headers (CSP without inline script or style,
//! no framing, no sniffing, no referrer leaks), cross-site POST refusal, body size limits.

use crate::error::render_error_pages;
use crate::extract::csrf_cookie_layer;
use crate::WebState;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Big enough for an image upload; every other form is limited again by its own field rules.
pub const BODY_LIMIT: usize = 6 * 1024 * 1024;
/// A message with a 10 MB attachment, and the multipart form around it.
pub const UPLOAD_LIMIT: usize = 11 * 1024 * 1024;

pub(crate) fn wrap(router: Router, state: WebState) -> Router {
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf_cookie_layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            render_error_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refuse_cross_site,
        ))
        .layer(middleware::from_fn_with_state(state, headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn headers(State(state): State<WebState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let private = [
        "/admin", "/setup", "/contact", "/portal", "/signin", "/join", "/rooms",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix));
    // Only the video room and the tech check may ask for the camera and the microphone.
    let media = path.starts_with("/rooms/") || path == "/tech-check";
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(if media {
            "camera=(self), microphone=(self), geolocation=(), interest-cohort=()"
        } else {
            "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        }),
    );
    if state.app.config().public_url.starts_with("https://") {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if private {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A state-changing request from another site is refused before any handler runs. Browsers say
/// where a request comes from in `Sec-Fetch-Site` (or at least `Origin`); the JSON API and the
/// payment provider's webhook are exempt, as they use no cookies.
async fn refuse_cross_site(
    State(state): State<WebState>,
    request: Request,
    next: Next,
) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // A WebSocket is opened with a GET that carries the cookies: another site's page must not
    // open one in a visitor's name (cross-site WebSocket hijacking).
    let websocket = request
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    // The payment provider's webhook is a server's call, signed, without cookies.
    let path = request.uri().path();
    let exempt = path.starts_with("/api/") || path.starts_with("/payments/");
    if (unsafe_method && !exempt || websocket) && !same_origin(&request, &state) {
        // The request span names the route; the raw path may carry a token.
        tracing::info!("cross-site request refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    next.run(request).await
}

fn same_origin(request: &Request, state: &WebState) -> bool {
    let h = request.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    match h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some("null") => false,
        // Scheme, host and port: the site's own scheme (from its public URL) with the host the
        // request was sent to, or the public URL itself.
        Some(origin) => {
            let host = h
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let public = state.app.config().public_url.trim_end_matches('/');
            let scheme = public
                .split_once("://")
                .map_or("http", |(scheme, _)| scheme);
            let origin = origin.to_ascii_lowercase();
            origin == format!("{scheme}://{}", host.to_ascii_lowercase())
                || origin == public.to_ascii_lowercase()
        }
    }
}
