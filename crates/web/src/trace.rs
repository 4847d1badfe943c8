//! One span per request (request id, method, route template), one line when it ends (status,
//! latency), and the request counted in the metrics.

use app::App;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use std::cell::Cell;
use std::time::Instant;
use tracing::{Instrument, Span};

pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps every request: its lines carry the span's fields, and the answer echoes the request id.
/// The route is the router's template (`/booking/{token}`), never the path or the query: paths
/// and queries carry tokens.
/// The probes a load balancer or Prometheus sends every few seconds: their "request done" lines
/// are at debug level, so they do not flood the log at info (their counts are in the metrics).
const QUIET: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Without an app (the plain-HTTP listener beside HTTPS, which only redirects and answers ACME's
/// challenges) the request is logged but not counted.
pub(crate) async fn request_span(
    State(app): State<Option<App>>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = request_id(request.headers());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_owned(), |m| m.as_str().to_owned());
    let header = HeaderValue::from_str(&id).ok();
    if let Some(value) = &header {
        request.headers_mut().insert(REQUEST_ID, value.clone());
    }
    let method = request.method().clone();
    let span = tracing::info_span!("request", id = %id, method = %method, route = %route);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    done(
        app.as_ref(),
        &span,
        &method,
        &route,
        &mut response,
        header,
        started,
    );
    response
}

/// The request's id: the caller's, if acceptable, else a new one.
pub(crate) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_id(v))
        .map_or_else(new_id, str::to_owned)
}

/// The end of a request answered in `span`: counted in the metrics, its line written, its id
/// (`header`) echoed. The page cache's front answers through here too.
pub(crate) fn done(
    app: Option<&App>,
    span: &Span,
    method: &Method,
    route: &str,
    response: &mut Response,
    header: Option<HeaderValue>,
    started: Instant,
) {
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    if let Some(app) = app {
        app.metrics()
            .request(method_label(method), route, status, elapsed.as_secs_f64());
    }
    let latency_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    // Inside the span (not only its child): a JSON line then lists it in `spans` as well.
    span.in_scope(|| {
        if QUIET.contains(&route) {
            tracing::debug!(status, latency_ms, "request done");
        } else {
            tracing::info!(status, latency_ms, "request done");
        }
    });
    if let Some(value) = header {
        response.headers_mut().insert(REQUEST_ID, value);
    }
}

/// The method as a metrics label: the usual ones by name, any other as "other", so a client
/// cannot add series by inventing methods.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// A caller's id is kept only if it is short and plain, so a client cannot write arbitrary text
/// (or something shaped like a token) into the log through it.
fn acceptable_id(v: &str) -> bool {
    (8..=36).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A new id: 16 hex digits, unique within the process and unlikely to meet another process's.
/// Made without a system call (one per request showed in the profile of the article page):
/// each thread draws a random start from the operating system once, then steps a SplitMix64
/// sequence, whose mixing is a bijection, so a thread never repeats an id. An id names a request
/// in the log; it is not a secret and grants nothing, so it need not be unpredictable.
fn new_id() -> String {
    thread_local! {
        static NEXT: Cell<u64> = Cell::new({
            let mut b = [0u8; 8];
            getrandom::fill(&mut b).expect("the operating system's random source failed");
            u64::from_le_bytes(b)
        });
    }
    let state = NEXT.with(|next| {
        let state = next.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        next.set(state);
        state
    });
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    format!("{z:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_taken_from_the_caller() {
        assert!(acceptable_id("3f2c9a1e-77b0-4c1e-9d8e-0a1b2c3d4e5f"));
        assert!(acceptable_id("req-12345"));
        assert!(!acceptable_id("short"));
        assert!(
            !acceptable_id(&"a".repeat(64)),
            "token-shaped ids are not logged"
        );
        assert!(!acceptable_id("hello world\nINFO forged line"));
        assert_eq!(new_id().len(), 16);
    }

    #[test]
    fn new_ids_differ_within_a_thread_and_across_threads() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let id = new_id();
            assert!(
                id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
                "{id}"
            );
            assert!(seen.insert(id), "an id came twice");
        }
        let other: Vec<String> = std::thread::spawn(|| (0..1_000).map(|_| new_id()).collect())
            .join()
            .unwrap();
        assert!(other.iter().all(|id| !seen.contains(id)));
    }

    #[test]
    fn invented_methods_share_one_label() {
        let odd = axum::http::Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&odd), "other");
        assert_eq!(method_label(&axum::http::Method::POST), "POST");
    }
}
