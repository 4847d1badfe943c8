//! Finished public pages, kept per instance: the bytes and headers a visitor without a session
//! is sent, compressed once, answered with a strong ETag, a 304 to a browser that has them, and
//! the coding its `Accept-Encoding` asks for. A page is dropped when the site's generation moves
//! on (`App::site_generation`: at once for this instance's writes, within `CHECK_EVERY` for
//! another's), so no request costs a database round trip.
//!
//! What varies per request is in the key or kept out: the language (key), the page's own path and
//! query (key; only `?page=N` is cached), a session (never cached: a signed-in therapist or
//! patient neither gets nor fills a visitor's page), a cookie being set (never cached). The public
//! pages carry no form token and the CSP has no nonce, so nothing else in them varies.
//!
//! A page already kept is answered by the `Front`, before the router and its layers: it does what
//! they would have done for it (the request's id, its line in the log, its count in the metrics,
//! the language from `Accept-Language`), from what the page kept when it was made (the route that
//! made it, the security headers). A page is found by its path, and a path always reaches the
//! same route, so a page found is one a cached route made. Anything else (a page not kept yet,
//! a session, a look at the site's version that is due) goes on through the router as before.

use crate::compress::{self, Encoded};
use crate::extract::{cookie, session_cookie};
use crate::WebState;

use app::i18n::Lang;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A page larger than this is sent as it is made, never kept.
const LARGEST_PAGE: usize = 2 * 1024 * 1024;
/// The whole cache's bounds (every coding counted): when a new page would pass them, the cache
/// starts again empty. A visitor cycling `?page=N` cannot make it hold more.
const MAX_PAGES: usize = 1_000;
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Headers a cached page is sent with besides its own: it varies by these request headers,
/// and a browser keeps it but asks (with its ETag) before using it again.
const VARY: &str = "accept-encoding, accept-language, cookie";
const CACHE_CONTROL: &str = "no-cache";

/// One finished page.
pub(crate) struct Page {
    status: StatusCode,
    /// As the handler and the security layer made them, `Content-Length` and `Content-Encoding`
    /// left out (each answer sets its own).
    headers: HeaderMap,
    body: Encoded,
    /// The route template that made it: the metrics count its answers under it.
    route: Box<str>,
}

#[derive(Default)]
struct Pages {
    generation: u64,
    by_key: HashMap<String, Arc<Page>>,
    bytes: usize,
}

/// The pages of one instance, and which routes are cached (the route table marks them).
#[derive(Clone)]
pub(crate) struct PageCache {
    pages: Arc<Mutex<Pages>>,
    routes: Arc<HashSet<&'static str>>,
}

impl PageCache {
    pub(crate) fn new(routes: impl IntoIterator<Item = &'static str>) -> PageCache {
        PageCache {
            pages: Arc::default(),
            routes: Arc::new(routes.into_iter().collect()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pages> {
        self.pages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, key: &str, generation: u64) -> Option<Arc<Page>> {
        let pages = self.lock();
        if pages.generation != generation {
            return None;
        }
        pages.by_key.get(key).cloned()
    }

    /// Keeps `page` if the site has not changed since its making began (`generation` was read
    /// before the handler ran); an older generation's pages go first.
    fn put(&self, key: String, page: Arc<Page>, generation: u64) {
        let mut pages = self.lock();
        if pages.generation > generation {
            return;
        }
        let weight = page.body.weight();
        if pages.generation < generation
            || pages.by_key.len() >= MAX_PAGES
            || pages.bytes + weight > MAX_BYTES
        {
            *pages = Pages {
                generation,
                ..Pages::default()
            };
        }
        pages.bytes += weight;
        if let Some(old) = pages.by_key.insert(key, page) {
            pages.bytes = pages.bytes.saturating_sub(old.body.weight());
        }
    }
}

/// The front door, before the router: a visitor's GET or HEAD of a page already kept, answered
/// as the router's layers would have answered it; any other request is handed back.
#[derive(Clone)]
pub(crate) struct Front {
    state: WebState,
    cache: PageCache,
}

impl Front {
    pub(crate) fn new(state: WebState, cache: PageCache) -> Front {
        Front { state, cache }
    }

    /// The answer to `request` from the cache, or the request back for the router. Never waits:
    /// when the site's version is due a look, the router's path makes it (in the request's span).
    #[allow(clippy::result_large_err)]
    pub(crate) fn answer(&self, request: Request) -> Result<Response, Request> {
        let started = Instant::now();
        let lang = crate::i18n::negotiated(request.headers());
        let Some(key) = visitor_key(&request, &self.state, lang) else {
            return Err(request);
        };
        let Some(generation) = self.state.app.site_generation_fresh() else {
            return Err(request);
        };
        let Some(page) = self.cache.get(&key, generation) else {
            return Err(request);
        };
        let headers = request.headers();
        let id = crate::trace::request_id(headers);
        let method = request.method();
        let span = tracing::info_span!("request", id = %id, method = %method, route = %page.route);
        let mut response = answer(
            &page,
            joined(headers, header::ACCEPT_ENCODING).as_deref(),
            joined(headers, header::IF_NONE_MATCH).as_deref(),
            method == Method::HEAD,
        );
        crate::trace::done(
            Some(&self.state.app),
            &span,
            method,
            &page.route,
            &mut response,
            HeaderValue::from_str(&id).ok(),
            started,
        );
        Ok(response)
    }
}

/// The layer: answers a visitor's GET of a cached route from the cache, and fills it on a miss
/// (the `Front` answers most hits before this).
pub(crate) async fn layer(
    State((state, cache)): State<(WebState, PageCache)>,
    request: Request,
    next: Next,
) -> Response {
    let Some((key, route)) = key(&request, &state, &cache) else {
        return next.run(request).await;
    };
    let accept = joined(request.headers(), header::ACCEPT_ENCODING).map(Cow::into_owned);
    let if_none_match = joined(request.headers(), header::IF_NONE_MATCH).map(Cow::into_owned);
    let head = request.method() == Method::HEAD;
    let generation = state.app.site_generation().await;
    let page = match cache.get(&key, generation) {
        Some(page) => page,
        // The router sends HEAD without its body: nothing to keep.
        None if head => return next.run(request).await,
        None => {
            let response = next.run(request).await;
            match finish(response, route).await {
                Ok(page) => {
                    let page = Arc::new(page);
                    cache.put(key, page.clone(), generation);
                    page
                }
                Err(response) => return response,
            }
        }
    };
    answer(&page, accept.as_deref(), if_none_match.as_deref(), head)
}

/// The cache key of a request to a cached route, and that route, or `None`.
fn key(request: &Request, state: &WebState, cache: &PageCache) -> Option<(String, Box<str>)> {
    let route = request.extensions().get::<MatchedPath>()?;
    if !cache.routes.contains(route.as_str()) {
        return None;
    }
    let key = visitor_key(request, state, crate::i18n::lang())?;
    Some((key, route.as_str().into()))
}

/// The cache key (`lang path?query`) of a request the cache may answer (a GET or HEAD without
/// a session, of a path without a query or with `?page=N`), or `None`.
fn visitor_key(request: &Request, state: &WebState, lang: Lang) -> Option<String> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return None;
    }
    if cookie(request.headers(), session_cookie(state.secure_cookies)).is_some() {
        return None;
    }
    let uri = request.uri();
    let query = uri.query().unwrap_or("");
    let listing_page = query
        .strip_prefix("page=")
        .is_some_and(|n| (1..=4).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()));
    if !query.is_empty() && !listing_page {
        return None;
    }
    Some(format!("{} {}?{query}", lang.tag(), uri.path()))
}

/// Every value of a header, joined by commas (a list may come in several lines); `None` when
/// absent or not text.
fn joined(headers: &HeaderMap, name: header::HeaderName) -> Option<Cow<'_, str>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?.to_str().ok()?;
    let mut all = Cow::Borrowed(first);
    for value in values {
        let all = all.to_mut();
        all.push(',');
        all.push_str(value.to_str().ok()?);
    }
    Some(all)
}

/// The handler's answer as a page to keep, or the answer itself when it is not one to keep
/// (not a 200, a cookie set, too large).
async fn finish(response: Response, route: Box<str>) -> Result<Page, Response> {
    let keep = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && !response.headers().contains_key(header::CONTENT_ENCODING);
    if !keep {
        return Err(response);
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, LARGEST_PAGE).await {
        Ok(bytes) => bytes,
        Err(_) => return Err((StatusCode::INTERNAL_SERVER_ERROR, "page too large").into_response()),
    };
    let mut headers = parts.headers;
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    // Compressing (brotli at its densest) takes a few milliseconds: off the async threads.
    let body = tokio::task::spawn_blocking(move || Encoded::new(bytes))
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
    Ok(Page {
        status: parts.status,
        headers,
        body,
        route,
    })
}

/// The page as this request wants it (see `compress::respond`).
fn answer(page: &Page, accept: Option<&str>, if_none_match: Option<&str>, head: bool) -> Response {
    compress::respond(
        &page.body,
        page.status,
        &page.headers,
        accept,
        if_none_match,
        head,
    )
}
