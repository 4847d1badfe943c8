//! The public tech check: a page whose script tries the camera, microphone, sound, browser, the
//! connection to the practice and the media relay, and says in plain words whether all is ready.
//! The server's part is small: the page, short-lived ICE servers, and a WebSocket that echoes.

use crate::error::{WebError, WebResult};
use crate::extract::Caller;
use crate::site::render;
use crate::view::{self, Chrome};
use crate::WebState;
use app::AppError;
use askama::Template;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use std::time::Duration;

/// The largest message the echo answers; the page sends a few dozen bytes.
const ECHO_LIMIT: usize = 1024;
/// An echo socket closes after this long, or after this many answers, whichever comes first.
const ECHO_LIFETIME: Duration = Duration::from_secs(60);
const ECHO_ANSWERS: usize = 50;
/// Stands for the measured round trip in the texts the script fills in.
const MS: &str = "{ms}";

/// The strings the page's script shows, from the one translation layer.
const SCRIPT_KEYS: &[&str] = &[
    "tech-check-status-checking",
    "tech-check-status-ok",
    "tech-check-status-fail",
    "tech-check-status-skipped",
    "tech-check-again",
    "tech-check-browser-ok",
    "tech-check-browser-fail",
    "tech-check-camera-ok",
    "tech-check-camera-denied",
    "tech-check-camera-missing",
    "tech-check-camera-busy",
    "tech-check-camera-failed",
    "tech-check-mic-listening",
    "tech-check-mic-ok",
    "tech-check-mic-denied",
    "tech-check-mic-missing",
    "tech-check-mic-busy",
    "tech-check-mic-silent",
    "tech-check-mic-failed",
    "tech-check-speaker-playing",
    "tech-check-speaker-ok",
    "tech-check-speaker-fail",
    "tech-check-connection-fail",
    "tech-check-relay-ok",
    "tech-check-relay-fail",
    "tech-check-relay-skipped",
    "tech-check-relay-busy",
    "tech-check-verdict-pending",
    "tech-check-verdict-ready",
    "tech-check-verdict-not-ready",
];

/// Texts with the round trip in them; the script puts the number where `{ms}` stands.
const SCRIPT_KEYS_WITH_MS: &[&str] = &["tech-check-connection-ok", "tech-check-connection-slow"];

fn script_text() -> String {
    let ms = [("ms", MS.to_string())];
    let with_ms: Vec<(&str, &[(&str, String)])> = SCRIPT_KEYS_WITH_MS
        .iter()
        .map(|k| (*k, ms.as_slice()))
        .collect();
    view::script_texts(SCRIPT_KEYS, &with_ms)
}

#[derive(Template)]
#[template(path = "tech_check.html")]
struct TechCheckTemplate {
    chrome: Chrome,
    /// The practice's own words on who helps with technical problems.
    support: String,
    email: String,
    phone: String,
    /// `phone` as a `tel:` address: digits and a leading plus only.
    phone_href: String,
    text: String,
}

fn dialable(phone: &str) -> String {
    phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}

/// GET /tech-check: the page; the checks themselves run in the browser.
pub async fn page(State(state): State<WebState>) -> WebResult<Response> {
    let practice = state.app.practice().await?;
    let details = practice.as_ref().as_ref();
    let field = |f: fn(&domain::practice::Details) -> &str| {
        details.map(|d| f(d).trim().to_string()).unwrap_or_default()
    };
    let phone = field(|d| &d.phone);
    let chrome = Chrome::public(
        &state,
        view::tr("tech-check-title"),
        view::tr("tech-check-description"),
        Some("/tech-check"),
    )
    .await;
    Ok(Html(render(TechCheckTemplate {
        chrome,
        support: field(|d| &d.support_contact),
        email: field(|d| &d.email),
        phone_href: dialable(&phone),
        phone,
        text: script_text(),
    })?)
    .into_response())
}

/// GET /tech-check/ice: ICE servers good for ten minutes, and whether a relay is configured at
/// all (without one the page says there is nothing to check, rather than that something failed).
pub async fn ice(State(state): State<WebState>, Caller(actor): Caller) -> Response {
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    match state.app.tech_check_ice(&actor) {
        Ok(servers) => (
            no_store,
            axum::Json(json!({ "relay": state.app.has_relay(), "iceServers": servers })),
        )
            .into_response(),
        Err(AppError::RateLimited) => (
            StatusCode::TOO_MANY_REQUESTS,
            no_store,
            axum::Json(json!({ "error": "too-many" })),
        )
            .into_response(),
        Err(e) => WebError(e).into_response(),
    }
}

/// GET /tech-check/ws: an echo, so the page can time a round trip through everything between
/// the browser and the practice (proxies included). Public, so small and short-lived.
pub async fn socket(upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>) -> Response {
    let Ok(upgrade) = upgrade else {
        return (
            StatusCode::UPGRADE_REQUIRED,
            [(header::UPGRADE, "websocket")],
            "WebSocket only.",
        )
            .into_response();
    };
    upgrade
        .max_message_size(ECHO_LIMIT)
        .max_frame_size(ECHO_LIMIT)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(8 * 1024)
        .on_upgrade(echo)
}

async fn echo(mut socket: WebSocket) {
    let deadline = tokio::time::Instant::now() + ECHO_LIFETIME;
    let mut answered = 0;
    while answered < ECHO_ANSWERS {
        let message = match tokio::time::timeout_at(deadline, socket.recv()).await {
            Ok(Some(Ok(message))) => message,
            // Gone, broken, or over its size limit: nothing more to say.
            Ok(Some(Err(_)) | None) => return,
            Err(_) => break,
        };
        match message {
            Message::Text(text) => {
                if socket.send(Message::Text(text)).await.is_err() {
                    return;
                }
                answered += 1;
            }
            Message::Close(_) => return,
            // Pings are answered by the library; the page sends only text.
            Message::Ping(_) | Message::Pong(_) | Message::Binary(_) => {}
        }
    }
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: axum::extract::ws::close_code::NORMAL,
            reason: "".into(),
        })))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_text_exists() {
        for key in SCRIPT_KEYS.iter().chain(SCRIPT_KEYS_WITH_MS) {
            assert!(crate::i18n::has(key), "{key} missing in en.ftl");
        }
        for key in SCRIPT_KEYS_WITH_MS {
            assert!(script_text().contains(MS), "{key} has no {{ $ms }}");
        }
    }

    #[test]
    fn the_script_text_cannot_close_its_block() {
        assert!(!script_text().contains("</"));
    }

    #[test]
    fn a_phone_number_becomes_dialable() {
        assert_eq!(dialable("+49 30 0000-0000"), "+493000000000");
        assert_eq!(dialable(""), "");
    }
}
