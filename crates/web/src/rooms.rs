//! The video room: its page, and the signaling WebSocket through which the browsers find each
//! other. The socket carries the room's whole state on every change (a reconnecting page needs
//! nothing else), the therapist's commands, offers/answers/candidates, and the call's chat.

use crate::error::WebResult;
use crate::extract::Path;
use crate::extract::{Caller, Viewer};
use crate::site::render;
use crate::view::{self, Chrome};
use crate::{i18n, WebState};
use app::rooms::{Command, Entry, Event, Missed};
use app::{Actor, AppError};
use askama::Template;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::ids::AppointmentId;
use domain::room::{NotNow, Phase};
use serde_json::json;
use std::time::{Duration, Instant};

/// The largest message a browser may send: an offer with every codec fits in a few kilobytes.
const MESSAGE_LIMIT: usize = 64 * 1024;
/// A connection that has said nothing (not even a pong) for this long is gone.
const SILENCE: Duration = Duration::from_secs(40);
const HEARTBEAT: Duration = Duration::from_secs(15);
/// How long a stopping instance waits for a browser to answer its close.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

#[derive(Template)]
#[template(path = "room.html")]
struct RoomTemplate {
    chrome: Chrome,
    appointment: String,
    host: bool,
    /// The session's day, hours and zone.
    when: String,
    /// Only its hours, for the room's header.
    time: String,
    others: String,
    /// Where "Leave" goes: the therapist's calendar, the patient's portal.
    back: &'static str,
    /// Why the room cannot be entered now, in words; empty when it is open.
    not_open: String,
    support: String,
    phone: String,
    text: String,
}

/// The strings the room's script shows, from the one translation layer.
fn script_text() -> String {
    let keys = [
        "room-waiting",
        "room-admitted",
        "room-connecting",
        "room-connected",
        "room-reconnecting",
        "room-failed",
        "room-ended",
        "room-closed",
        "room-replaced",
        "room-left",
        "room-no-camera",
        "room-no-devices",
        "room-let-in",
        "room-send-back",
        "room-nobody-waiting",
        "room-waiting-since",
        "room-quality-good",
        "room-quality-fair",
        "room-quality-poor",
        "room-quality-detail",
        "room-you",
        "room-chat-from-you",
        "room-socket-lost",
        "room-someone-waiting",
        "room-joined",
        "room-left-call",
        "room-back-in-call",
        "room-chat-unread-one",
        "room-chat-unread-other",
        "room-self-show",
        "room-self-hide",
    ];
    view::script_texts(&keys, &[])
}

/// GET /rooms/{id}: the room's page, for its therapist and its patient(s) only.
pub async fn page(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<AppointmentId>,
) -> WebResult<Response> {
    let room = state.app.room_page(&actor, id.as_str()).await?;
    let viewer = Viewer::of(&actor);
    let when = viewer
        .with_zone_name(&viewer.range(&viewer.day_time(&room.start), &viewer.time(&room.end)));
    let time = viewer.range(&viewer.time(&room.start), &viewer.time(&room.end));
    let not_open = match room.open {
        Ok(()) => String::new(),
        Err(NotNow::NotYetOpen(at)) => {
            i18n::t_with("room-opens-at", &[("time", viewer.weekday_time(&at))])
        }
        Err(NotNow::Ended) => view::tr("room-ended"),
    };
    let practice = state.app.practice().await?;
    let details = practice.as_ref().as_ref();
    let chrome = Chrome::public(&state, view::tr("room-title"), String::new(), None).await;
    let page = RoomTemplate {
        chrome,
        appointment: room.appointment,
        host: room.host,
        when,
        time,
        others: room.others.join(", "),
        back: if room.host {
            "/admin/calendar"
        } else {
            "/portal"
        },
        not_open,
        support: details
            .map(|d| d.support_contact.clone())
            .unwrap_or_default(),
        phone: details.map(|d| d.phone.clone()).unwrap_or_default(),
        text: script_text(),
    };
    let mut response = Html(render(page)?).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// GET /rooms/{id}/ws: the signaling socket. Refused before the upgrade, with a plain status, for
/// anyone not of the appointment and at any time the room is not open. `?resume=` names the
/// connection a browser held before a restart: it gets it back if it is still recorded as its own.
pub async fn socket(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<AppointmentId>,
    RawQuery(query): RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> WebResult<Response> {
    let entry = match state.app.enter_room(&actor, id.as_str()).await? {
        Ok(entry) => entry,
        Err(_) => {
            return Ok((StatusCode::CONFLICT, view::tr("room-not-open-now")).into_response());
        }
    };
    let Ok(upgrade) = upgrade else {
        return Ok((StatusCode::UPGRADE_REQUIRED, "WebSocket only.").into_response());
    };
    let connection = match resumed(query.as_deref()) {
        Some(earlier) if state.app.may_resume(&entry, earlier).await? => earlier.to_string(),
        _ => new_connection_id(),
    };
    Ok(upgrade
        .max_message_size(MESSAGE_LIMIT)
        .max_frame_size(MESSAGE_LIMIT)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| async move {
            if let Err(e) = run(&state, &actor, &entry, &connection, socket).await {
                tracing::warn!(error = %e, "a room connection ended with an error");
            }
            if state.app.is_draining() {
                state.app.room_paused(&connection);
            } else if let Err(e) = Box::pin(state.app.room_left(&entry, &connection)).await {
                tracing::warn!(error = %e, "could not record leaving a room");
            }
        }))
}

fn new_connection_id() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}

/// The connection id in `resume=`, if it has the shape of one (24 lowercase hex digits);
/// anything else is ignored and the socket gets a new id.
fn resumed(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("resume="))
        .filter(|id| id.len() == 24 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Tells the browser this instance is stopping (1012, "Service Restart": it reconnects at once,
/// through the load balancer, and takes its connection back), then waits a moment for its close.
async fn say_restart(socket: &mut WebSocket) -> Result<(), RunError> {
    socket
        .send(Message::Close(Some(CloseFrame {
            code: close_code::RESTART,
            reason: "restart".into(),
        })))
        .await?;
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
    Ok(())
}

async fn send(socket: &mut WebSocket, value: serde_json::Value) -> Result<(), axum::Error> {
    socket.send(Message::Text(value.to_string().into())).await
}

/// Sends the whole state; answers whether this connection is in the call, and whether the room
/// is over for it.
async fn send_state(
    state: &WebState,
    entry: &Entry,
    connection: &str,
    socket: &mut WebSocket,
) -> Result<(bool, bool), RunError> {
    let view = Box::pin(state.app.room_view(entry, connection)).await?;
    let in_call = view.me.current && (view.me.host || view.me.admitted);
    let over = view.phase == Phase::Ended;
    let mut value = serde_json::to_value(&view).expect("the view serialises");
    value["type"] = json!("state");
    send(socket, value).await?;
    Ok((in_call, over))
}

#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("socket: {0}")]
    Socket(#[from] axum::Error),
}

/// A waiting connection's task is this future, kept for as long as the socket is open: the
/// use-cases it calls now and then (their queries' futures take kilobytes) are boxed, so the task
/// holds their memory only while one of them runs, not for the whole wait.
async fn run(
    state: &WebState,
    actor: &Actor,
    entry: &Entry,
    connection: &str,
    mut socket: WebSocket,
) -> Result<(), RunError> {
    let app = &state.app;
    let mut events = app.room_events(entry);
    Box::pin(app.room_joined(actor, entry, connection)).await?;
    send(
        &mut socket,
        json!({
            "type": "hello",
            "connection": connection,
            "host": entry.host,
            "iceServers": app.room_ice(entry),
        }),
    )
    .await?;
    let (mut in_call, mut over) = send_state(state, entry, connection, &mut socket).await?;
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut heard = Instant::now();
    while !over {
        tokio::select! {
            message = socket.recv() => {
                heard = Instant::now();
                match message {
                    Some(Ok(Message::Text(text))) => {
                        let refused = match serde_json::from_str::<Command>(&text) {
                            Ok(command) => Box::pin(app.room_command(actor, entry, connection, command)).await.err(),
                            Err(_) => Some(AppError::Forbidden),
                        };
                        if let Some(e) = refused {
                            if !matches!(e, AppError::Forbidden | AppError::NotFound) {
                                return Err(e.into());
                            }
                            send(&mut socket, json!({"type": "refused"})).await?;
                        }
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return Ok(()),
                    Some(Ok(_)) => {}
                }
            }
            event = events.recv() => match event {
                Ok(event) => match &*event {
                    Event::Changed => {
                        (in_call, over) = send_state(state, entry, connection, &mut socket).await?;
                    }
                    Event::Signal { from, to, data } if to == connection => {
                        send(&mut socket, json!({"type": "signal", "from": from, "data": data})).await?;
                    }
                    Event::Chat { from, name, text } if in_call => {
                        send(&mut socket, json!({
                            "type": "chat",
                            "name": name,
                            "text": text,
                            "mine": from == connection,
                        })).await?;
                    }
                    Event::Replaced { connections } if connections.iter().any(|c| c == connection) => {
                        send(&mut socket, json!({"type": "replaced"})).await?;
                        return Ok(());
                    }
                    _ => {}
                },
                // Too far behind to trust what it missed: the whole state again.
                Err(Missed::Lagged) => {
                    (in_call, over) = send_state(state, entry, connection, &mut socket).await?;
                }
                Err(Missed::Closed) => return Ok(()),
            },
            () = app.draining() => {
                say_restart(&mut socket).await?;
                return Ok(());
            }
            _ = heartbeat.tick() => {
                if heard.elapsed() > SILENCE {
                    return Ok(());
                }
                if app.now() >= entry.hours.closes_at() {
                    send_state(state, entry, connection, &mut socket).await?;
                    return Ok(());
                }
                socket.send(Message::Ping(Default::default())).await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::resumed;

    #[test]
    fn only_a_connection_ids_shape_is_taken_from_the_query() {
        let id = "0123456789abcdef01234567";
        assert_eq!(resumed(Some(&format!("resume={id}"))), Some(id));
        assert_eq!(resumed(Some(&format!("x=1&resume={id}"))), Some(id));
        // Empty, missing, malformed, hostile, huge: a new connection instead.
        for query in [
            String::new(),
            "resume=".into(),
            "resume=0123".into(),
            "resume=0123456789ABCDEF01234567".into(),
            "resume=0123456789abcdef0123456'".into(),
            "resume=%27%20OR%201=1%20--%2001234".into(),
            format!("resume={}", "a".repeat(100_000)),
        ] {
            assert_eq!(resumed(Some(&query)), None, "{query:.40}");
        }
        assert_eq!(resumed(None), None);
    }
}
