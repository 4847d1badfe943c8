//! HTTP: routes per capability, extractors (actor, client, CSRF), askama templates, static assets.
//! A handler parses the request, calls one `app` function with the actor, and renders the result.

mod accounts;
mod agreements;
mod api;
mod assets;
mod attendance;
mod away;
mod billing;
mod booking;
mod calendar;
mod cases;
mod claims;
mod compress;
mod content;
mod day;
mod ending;
mod error;
mod extract;
mod focus;
mod https;
mod i18n;
mod inquiries;
mod intake;
mod invoices;
mod mail;
mod measures;
mod metrics;
mod notes;
mod page_cache;
mod passkeys;
mod portal;
mod portal_invoices;
mod practice;
mod record;
mod retention;
mod rooms;
pub mod routes;
mod security;
mod series;
mod serve;
mod site;
mod statements;
mod team;
mod techcheck;
mod trace;
mod view;
mod workspace;

use app::App;
use axum::Router;

pub use https::{plain_router, tls_config, CertSlot, Challenges};
pub use routes::RouteInfo;
pub use serve::ConnLimits;

/// What every handler can reach.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    /// Cookies carry `Secure` and the `__Host-` prefix (on for HTTPS and for loopback addresses,
    /// which browsers treat as secure).
    pub secure_cookies: bool,
    /// Take the client's address from `X-Forwarded-For` (only behind a reverse proxy you run).
    pub trust_proxy: bool,
    /// Behind `trust_proxy`: the proxies in front of the one that connects to us, whose entries in
    /// `X-Forwarded-For` are skipped to find the client's.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Deadlines for a request's head and body, and the connection caps.
    pub limits: ConnLimits,
    /// The bearer token `/metrics` asks for; without one `/metrics` is not found here (it may
    /// be served on its own address, see `serve_metrics`).
    pub metrics_token: Option<secrecy::SecretString>,
}

impl WebState {
    pub fn new(app: App) -> Self {
        let secure_cookies = secure_context(&app.config().public_url);
        WebState {
            app,
            secure_cookies,
            trust_proxy: false,
            trusted_proxies: Vec::new(),
            limits: ConnLimits::default(),
            metrics_token: None,
        }
    }
}

/// Whether browsers treat `public_url` as a secure context (HTTPS, or a loopback host).
pub fn secure_context(public_url: &str) -> bool {
    if public_url.starts_with("https://") {
        return true;
    }
    let host = public_url
        .trim_start_matches("http://")
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    matches!(host, "localhost" | "127.0.0.1" | "[") || host.starts_with("127.")
}

/// The whole site, and the list of its routes (the policy test walks that list).
pub fn router(state: WebState) -> (Router, Vec<RouteInfo>) {
    let (site, routes) = site(state);
    (site.router, routes)
}

/// The whole site with the page cache's front door before it, and the list of its routes.
fn site(state: WebState) -> (serve::Site, Vec<RouteInfo>) {
    let (router, routes, cached) = routes::build(state.clone());
    let body_timeout = state.limits.body_timeout;
    let app = state.app.clone();
    let pages = page_cache::PageCache::new(cached);
    let front = page_cache::Front::new(state.clone(), pages.clone());
    // The language is chosen first, so error pages are in it too, and the page cache (which keys
    // on it) next: a visitor's cached page skips the security layers, its headers kept from when
    // they made it; the body's deadline starts before anything reads it; the request's span is
    // outermost, so it covers every layer and every line they write. A page already kept is
    // answered before all of them by the front, which does what they would have done for it.
    let router = security::wrap(router, state.clone())
        .layer(axum::middleware::from_fn_with_state(
            (state, pages),
            page_cache::layer,
        ))
        .layer(axum::middleware::from_fn(i18n::language_layer))
        .layer(axum::middleware::from_fn_with_state(
            body_timeout,
            serve::body_deadline,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Some(app),
            trace::request_span,
        ));
    let site = serve::Site {
        router,
        front: Some(front),
    };
    (site, routes)
}

/// Serves `/metrics` alone, without a token, until `shutdown` resolves: for an address only
/// Prometheus reaches (a loopback or a private network), apart from the practice's own.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: WebState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits.clone();
    serve::run(
        listener,
        metrics::open_router(state).into(),
        limits,
        shutdown,
    )
    .await
}

/// Serves until `shutdown` resolves, within `state.limits` (see `serve.rs`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: WebState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits.clone();
    let (site, _) = site(state);
    serve::run(listener, site, limits, shutdown).await
}

/// Serves the site over HTTPS with `tls` (see `tls_config`) until `shutdown` resolves, within
/// `state.limits`; the TLS handshake counts against the head's deadline.
pub async fn serve_https(
    listener: tokio::net::TcpListener,
    state: WebState,
    tls: std::sync::Arc<tokio_rustls::rustls::ServerConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits.clone();
    let (site, _) = site(state);
    let acceptor = https::acceptor(tls);
    serve::run_with(listener, site, limits, Some(acceptor), shutdown).await
}

/// Serves `router` over plain HTTP (the `plain_router` beside HTTPS) until `shutdown` resolves.
pub async fn serve_plain(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve::run(listener, router.into(), limits, shutdown).await
}
