//! Extractors: who is asking (`Caller`), from where (`ClientInfo`), and the CSRF token that every
//! form carries (`Csrf` to render it, `CsrfForm` to check it).

use crate::error::WebError;
use crate::WebState;
use app::accounts::Client;
use app::i18n::Reader;
use app::{Actor, AppError};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::account::Role;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn session_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-hs_session"
    } else {
        "hs_session"
    }
}

fn csrf_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-hs_csrf"
    } else {
        "hs_csrf"
    }
}

/// A `Set-Cookie` value: host-only, whole site, not readable by script, not sent cross-site.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age_secs: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The signed-in person, or anonymous. Only requests that carry a session cookie touch the database.
pub struct Caller(pub Actor);

impl FromRequestParts<WebState> for Caller {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        // Resolved once per request: `Viewer` needs the same person.
        if let Some(actor) = parts.extensions.get::<Actor>() {
            return Ok(Caller(actor.clone()));
        }
        let token = cookie(&parts.headers, session_cookie(state.secure_cookies));
        let actor = state.app.actor_for(token, &client_ip(parts, state)).await?;
        // A patient reads the practice in the language they chose in their profile.
        if let Some(user) = actor.user().filter(|u| u.role == Role::Patient) {
            crate::i18n::set_patient_reads(state.app.country_of(user).await?);
            if let Some(lang) = state.app.language_of(user).await? {
                crate::i18n::set_lang(lang);
            }
        }
        parts.extensions.insert(actor.clone());
        Ok(Caller(actor))
    }
}

/// Who reads the page: their language and time zone — the signed-in person's zone, the practice's
/// for a visitor. Every date, time and amount on a page is formatted through it.
pub struct Viewer(pub Reader);

impl std::ops::Deref for Viewer {
    type Target = Reader;

    fn deref(&self) -> &Reader {
        &self.0
    }
}

impl Viewer {
    /// The reader of a signed-in person's page, for code that holds the actor but not the request.
    pub fn of(actor: &Actor) -> Reader {
        Reader::new(
            crate::i18n::lang(),
            actor.user().map_or("UTC", |u| u.time_zone.as_str()),
        )
    }

    /// The reader of a page that lets the visitor choose a zone (`?tz=`): theirs when it is one.
    pub fn with_zone(self, chosen: Option<&str>) -> Viewer {
        match chosen.and_then(app::i18n::format::zone) {
            Some(zone) => Viewer(self.0.in_zone(zone)),
            None => self,
        }
    }
}

impl FromRequestParts<WebState> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let Caller(actor) = Caller::from_request_parts(parts, state).await?;
        if actor.user().is_some() {
            return Ok(Viewer(Viewer::of(&actor)));
        }
        let zone = match actor.user() {
            Some(user) => user.time_zone.clone(),
            None => state
                .app
                .practice()
                .await?
                .as_ref()
                .as_ref()
                .map(|p| p.time_zone.clone())
                .unwrap_or_default(),
        };
        Ok(Viewer(Reader::new(crate::i18n::lang(), &zone)))
    }
}

/// The client's address and browser, for rate limits and the session list.
pub struct ClientInfo(pub Client);

impl FromRequestParts<WebState> for ClientInfo {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let ip = client_ip(parts, state);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(300)
            .collect();
        Ok(ClientInfo(Client { ip, user_agent }))
    }
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop behind a trusted proxy.
fn client_ip(parts: &Parts, state: &WebState) -> String {
    let forwarded = state
        .trust_proxy
        .then(|| {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join(",")
        })
        .and_then(|chain| forwarded_client(&chain, &state.trusted_proxies));
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    forwarded
        .or(peer)
        .map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

/// The address the trusted proxies saw, from an `X-Forwarded-For` chain: each proxy appends the
/// address it was reached from, so the client can write anything on the left and only the right
/// end is true. Walking from the right, the first entry that is not one of `trusted` (the proxies
/// in front of the proxy that connects to us) is the client; with none listed, the rightmost
/// entry. `None` when that entry is not an address (the caller then takes the peer's).
pub(crate) fn forwarded_client(
    chain: &str,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let mut entries = chain.rsplit(',').map(str::trim).filter(|e| !e.is_empty());
    loop {
        let ip = entries.next()?.parse::<std::net::IpAddr>().ok()?;
        if !trusted.contains(&ip) {
            return Some(ip);
        }
    }
}

/// This browser's CSRF token (double-submit: the same value in a cookie and in every form).
#[derive(Clone)]
struct CsrfState {
    value: String,
    fresh: bool,
    used: Arc<AtomicBool>,
}

/// Gives each browser a CSRF cookie the first time a page with a form is shown to it.
pub(crate) async fn csrf_cookie_layer(
    axum::extract::State(state): axum::extract::State<WebState>,
    mut request: Request,
    next: Next,
) -> Response {
    let name = csrf_cookie(state.secure_cookies);
    let existing = cookie(request.headers(), name)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string);
    let csrf = CsrfState {
        fresh: existing.is_none(),
        value: existing.unwrap_or_else(app_random),
        used: Arc::new(AtomicBool::new(false)),
    };
    if csrf.fresh {
        request.extensions_mut().insert(FreshCsrf);
    }
    request.extensions_mut().insert(csrf.clone());
    let mut response = next.run(request).await;
    if csrf.fresh && csrf.used.load(Ordering::Relaxed) {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(name, &csrf.value, state.secure_cookies, 60 * 60 * 24 * 30),
        );
    }
    response
}

/// Marks a request that came without a CSRF cookie: nothing it sends can match.
#[derive(Clone, Copy)]
pub struct FreshCsrf;

/// A new random token for this browser.
pub(crate) fn app_random() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source failed");
    hex::encode(b)
}

/// Replaces the CSRF cookie (at sign-in and sign-out, so a token seen before does not carry over).
pub(crate) fn rotate_csrf(response: &mut Response, secure: bool) {
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            csrf_cookie(secure),
            &app_random(),
            secure,
            60 * 60 * 24 * 30,
        ),
    );
}

/// The token to put in a form's hidden `csrf` field.
pub struct Csrf(pub String);

impl FromRequestParts<WebState> for Csrf {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &WebState) -> Result<Self, Self::Rejection> {
        let csrf = parts
            .extensions
            .get::<CsrfState>()
            .ok_or(WebError(AppError::Forbidden))?;
        csrf.used.store(true, Ordering::Relaxed);
        Ok(Csrf(csrf.value.clone()))
    }
}

/// A url-encoded form whose `csrf` field matches this browser's cookie; anything else is refused (403).
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<WebState> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        let expected = request
            .extensions()
            .get::<CsrfState>()
            .filter(|c| !c.fresh)
            .map(|c| c.value.clone());
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|_| WebError(AppError::Invalid(Default::default())))?;
        let sent = form_urlencoded_field(&bytes, "csrf");
        match (expected, sent) {
            (Some(expected), Some(sent))
                if constant_time_eq(expected.as_bytes(), sent.as_bytes()) => {}
            _ => return Err(WebError(AppError::Forbidden)),
        }
        let value = serde_urlencoded::from_bytes::<T>(&bytes)
            .map_err(|_| WebError(AppError::Invalid(Default::default())))?;
        Ok(CsrfForm(value))
    }
}

/// Checks a token sent some other way (a multipart form's field).
pub fn csrf_matches(parts_token: Option<&str>, request_token: &Csrf) -> bool {
    parts_token.is_some_and(|t| constant_time_eq(t.as_bytes(), request_token.0.as_bytes()))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A form with no fields but its token (sign out, publish, …).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// Gives `response` the new session's cookie and a fresh CSRF token.
pub fn attach_session(
    response: &mut Response,
    state: &WebState,
    token: &app::accounts::SessionToken,
) {
    let max_age = state.app.config().session_policy.absolute.as_secs();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            session_cookie(state.secure_cookies),
            &token.0,
            state.secure_cookies,
            max_age,
        ),
    );
    rotate_csrf(response, state.secure_cookies);
}

/// A redirect to `to` that starts the new session.
pub fn signed_in(state: &WebState, token: &app::accounts::SessionToken, to: &str) -> Response {
    let mut response = axum::response::Redirect::to(to).into_response();
    attach_session(&mut response, state, token);
    response
}

/// A redirect to `to` that removes the session cookie and replaces the CSRF token.
pub fn signed_out(state: &WebState, to: &str) -> Response {
    let mut response = axum::response::Redirect::to(to).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            session_cookie(state.secure_cookies),
            "",
            state.secure_cookies,
            0,
        ),
    );
    rotate_csrf(&mut response, state.secure_cookies);
    response
}

/// The path's parameters, typed: `Path<CaseId>`, `Path<(AgreementId, LinkToken)>`. A parameter
/// that does not have the shape of its type is a 404, here and nowhere else, so no handler checks
/// an id by hand and a malformed one answers like an unknown one.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(_) => Err(WebError(AppError::NotFound)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Hardening finding 3: the client writes the left of the chain, so only the right is taken.
    #[test]
    fn the_client_is_the_rightmost_address_no_trusted_proxy_wrote() {
        assert_eq!(
            forwarded_client("203.0.113.9", &[]),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            forwarded_client("6.6.6.6, 203.0.113.9", &[]),
            Some(ip("203.0.113.9")),
            "an invented address on the left is not taken"
        );
        let cdn = [ip("10.0.0.2"), ip("10.0.0.3")];
        assert_eq!(
            forwarded_client("6.6.6.6, 203.0.113.9, 10.0.0.3, 10.0.0.2", &cdn),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            forwarded_client("2001:db8::1,10.0.0.2", &cdn),
            Some(ip("2001:db8::1"))
        );
        // Empty, malformed and hostile chains give no address: the peer's is used.
        assert_eq!(forwarded_client("", &[]), None);
        assert_eq!(forwarded_client(" , ,", &[]), None);
        assert_eq!(forwarded_client("1.2.3.4, not-an-address", &[]), None);
        assert_eq!(forwarded_client("10.0.0.2, 10.0.0.3", &cdn), None);
        assert_eq!(
            forwarded_client(&"1.1.1.1,".repeat(10_000), &[]),
            Some(ip("1.1.1.1"))
        );
        assert_eq!(forwarded_client("<script>", &[]), None);
    }
}
