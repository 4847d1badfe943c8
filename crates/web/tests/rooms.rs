//! The video room's signaling socket: who is refused before the upgrade, the waiting room, the
//! therapist's admit / send back / end, replacing a connection on reload, and that signals pass
//! only between people in the call. Media is the browsers' business (see the e2e suite).

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the room's socket as `browser` would (its cookies, its origin). `Err` carries the HTTP
/// status of a refused handshake.
async fn open(t: &TestApp, browser: &Browser, room: &str, origin: &str) -> Result<Socket, u16> {
    open_with(t, browser, room, origin, "").await
}

/// `open` with a query (`?resume=…`, as a browser sends after a restart).
async fn open_with(
    t: &TestApp,
    browser: &Browser,
    room: &str,
    origin: &str,
    query: &str,
) -> Result<Socket, u16> {
    let url = format!(
        "{}/rooms/{room}/ws{query}",
        t.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    let cookies = browser.cookie_header();
    if !cookies.is_empty() {
        request
            .headers_mut()
            .insert("cookie", HeaderValue::from_str(&cookies).unwrap());
    }
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_str(origin).unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("handshake failed: {e}"),
    }
}

/// The next message of `kind`, skipping others (on PostgreSQL events arrive through
/// notifications, so their order with other messages is not fixed).
async fn next(socket: &mut Socket, kind: &str) -> Value {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let v: Value = serde_json::from_str(&text).unwrap();
                    if v["type"] == kind {
                        return v;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("the socket ended while waiting for {kind}: {other:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {kind} message within 10 s"))
}

/// The next state that satisfies `want`.
async fn state_where(socket: &mut Socket, want: impl Fn(&Value) -> bool) -> Value {
    loop {
        let s = next(socket, "state").await;
        if want(&s) {
            return s;
        }
    }
}

async fn say(socket: &mut Socket, v: Value) {
    socket
        .send(Message::Text(v.to_string().into()))
        .await
        .unwrap();
}

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

/// The host's first state with someone waiting, and the waiting patient's user id.
async fn someone_waiting(host: &mut Socket) -> (Value, String) {
    let st = state_where(host, |s| {
        s["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["waiting"] == true)
    })
    .await;
    let patient = st["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["host"] == false)
        .unwrap()["user"]
        .as_str()
        .unwrap()
        .to_string();
    (st, patient)
}

struct Setup {
    room: String,
    anna: Browser,
    pat: Browser,
}

/// Anna (the owner) invites Pat and books a session with her today at 10:30 Berlin (09:30 UTC);
/// the test clock stands at 09:00 UTC, so the room is not open yet.
async fn setup(t: &TestApp) -> Setup {
    let anna = t.signed_in(OWNER_EMAIL).await;
    t.invite_patient(&anna, "Pat Example", "pat@example.org")
        .await;
    let (_, week) = anna.text("/admin/calendar").await;
    let csrf = field_value(&week, "csrf").unwrap();
    let case = week
        .split("<option value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = anna
        .post_form(
            "/admin/calendar/appointments",
            &[
                ("csrf", &csrf),
                ("case", &case),
                ("kind", "session"),
                ("date", "2026-11-27"),
                ("time", "10:30"),
                ("clash", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, week) = anna.text("/admin/calendar").await;
    // The appointment's own page (linked from the week's grid) is where its room is.
    let at = week
        .find("href=\"/admin/calendar/")
        .expect("the calendar shows the appointment")
        + "href=\"/admin/calendar/".len();
    let room = week[at..at + 32].to_string();
    let pat = t.patient_signed_in("pat@example.org").await;
    Setup { room, anna, pat }
}

on_both!(nobody_enters_before_the_room_opens, practice, |t| {
    let s = setup(&t).await;
    assert_eq!(open(&t, &s.pat, &s.room, &t.base).await.err(), Some(409));
    assert_eq!(open(&t, &s.anna, &s.room, &t.base).await.err(), Some(409));
    let (status, page) = s.pat.text(&format!("/rooms/{}", s.room)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("The room opens at"), "{page}");
    // The portal lists the session with its room.
    let (_, portal) = s.pat.text("/portal").await;
    assert!(portal.contains(&format!("/rooms/{}", s.room)));
});

on_both!(strangers_are_refused_at_the_socket, practice, |t| {
    let s = setup(&t).await;
    t.clock.advance(jiff::SignedDuration::from_mins(25)); // 09:25: open
                                                          // Nobody signed in: sent to sign in, never upgraded.
    assert_eq!(
        open(&t, &t.browser(), &s.room, &t.base).await.err(),
        Some(303)
    );
    // Another patient, and a colleague of the practice: the room does not exist for them.
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    t.invite_patient(&theo, "Other Person", "other@example.org")
        .await;
    let other = t.patient_signed_in("other@example.org").await;
    assert_eq!(open(&t, &other, &s.room, &t.base).await.err(), Some(404));
    assert_eq!(open(&t, &theo, &s.room, &t.base).await.err(), Some(404));
    assert_eq!(
        other.get(&format!("/rooms/{}", s.room)).await.status(),
        StatusCode::NOT_FOUND
    );
    // Another site's page cannot open it in Pat's name.
    assert_eq!(
        open(&t, &s.pat, &s.room, "https://evil.example")
            .await
            .err(),
        Some(403)
    );
    // Malformed and unknown rooms.
    assert_eq!(open(&t, &s.pat, "nonsense", &t.base).await.err(), Some(404));
    assert_eq!(
        open(&t, &s.pat, &"0".repeat(32), &t.base).await.err(),
        Some(404)
    );
    // A plain GET of the socket's address is not a page.
    assert_eq!(
        s.pat.get(&format!("/rooms/{}/ws", s.room)).await.status(),
        StatusCode::UPGRADE_REQUIRED
    );
    let refusals = store::testing::raw_text(
        &t.db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = 'policy.refused' AND subject = $1",
        "room",
    )
    .await;
    assert_ne!(refusals, "0", "refusals are audited");
});

on_both!(
    the_waiting_room_admit_reload_send_back_and_end,
    practice,
    |t| {
        let s = setup(&t).await;
        t.clock.advance(jiff::SignedDuration::from_mins(21)); // 09:21: open since 09:20

        let mut pat = open(&t, &s.pat, &s.room, &t.base).await.unwrap();
        let hello = next(&mut pat, "hello").await;
        let pat_conn = hello["connection"].as_str().unwrap().to_string();
        assert_eq!(hello["host"], false);
        let st = state_where(&mut pat, |s| s["phase"] == "waiting").await;
        assert_eq!(st["me"]["admitted"], false);

        let mut anna = open(&t, &s.anna, &s.room, &t.base).await.unwrap();
        let anna_conn = next(&mut anna, "hello").await["connection"]
            .as_str()
            .unwrap()
            .to_string();
        let (st, pat_user) = someone_waiting(&mut anna).await;
        // Someone waiting is not told anyone's connection, and cannot signal.
        assert!(st["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["host"] == true || p["connection"].is_null()));
        say(
            &mut pat,
            json!({"type": "signal", "to": anna_conn, "data": {"candidate": {}}}),
        )
        .await;
        next(&mut pat, "refused").await;
        // Nor can a patient admit themselves.
        say(&mut pat, json!({"type": "admit", "user": pat_user})).await;
        next(&mut pat, "refused").await;

        // Anna lets Pat in: both are in session and see each other's connection.
        say(&mut anna, json!({"type": "admit", "user": pat_user})).await;
        let st = state_where(&mut pat, |s| s["phase"] == "in_session").await;
        assert_eq!(st["me"]["admitted"], true);
        let host = st["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["host"] == true)
            .unwrap()
            .clone();
        assert_eq!(host["connection"], anna_conn.as_str());
        say(
        &mut pat,
        json!({"type": "signal", "to": anna_conn, "data": {"description": {"type": "offer", "sdp": "v=0"}}}),
    )
    .await;
        let signal = next(&mut anna, "signal").await;
        assert_eq!(signal["from"], pat_conn.as_str());
        assert_eq!(signal["data"]["description"]["type"], "offer");

        // The chat passes to everyone in the call, and is not stored.
        say(
            &mut anna,
            json!({"type": "chat", "text": "Can you hear me?"}),
        )
        .await;
        let line = next(&mut pat, "chat").await;
        assert_eq!(line["text"], "Can you hear me?");
        assert_eq!(line["mine"], false);
        let dump = store::testing::raw_dump(&t.db).await;
        assert!(!dump.contains("Can you hear me?"));

        // Pat reloads: the new connection replaces the old and is still admitted.
        let mut pat2 = open(&t, &s.pat, &s.room, &t.base).await.unwrap();
        next(&mut pat, "replaced").await;
        let st = state_where(&mut pat2, |s| s["phase"] == "in_session").await;
        assert_eq!(st["me"]["admitted"], true);
        assert_eq!(st["me"]["current"], true);

        // Sent back: waiting again, and no longer told the therapist's connection.
        say(&mut anna, json!({"type": "send_back", "user": pat_user})).await;
        let st = state_where(&mut pat2, |s| s["me"]["admitted"] == false).await;
        assert_eq!(st["phase"], "waiting");
        assert!(st["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["connection"].is_null()));

        // The end: both are told, and nobody may come back in.
        say(&mut anna, json!({"type": "end"})).await;
        state_where(&mut pat2, |s| s["phase"] == "ended").await;
        assert_eq!(open(&t, &s.pat, &s.room, &t.base).await.err(), Some(409));

        let actions = store::testing::raw_text(
        &t.db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action IN ('room.enter', 'room.admit', 'room.send_back', 'room.end') AND outcome = $1",
        "ok",
    )
    .await;
        assert!(actions.parse::<u32>().unwrap() >= 6, "{actions}");
    }
);

on_both!(
    hostile_and_huge_messages_are_refused_not_fatal,
    practice,
    |t| {
        let s = setup(&t).await;
        t.clock.advance(jiff::SignedDuration::from_mins(21));
        let mut pat = open(&t, &s.pat, &s.room, &t.base).await.unwrap();
        next(&mut pat, "hello").await;
        for bad in [
            String::new(),
            "not json".to_string(),
            json!({"type": "unknown"}).to_string(),
            json!({"type": "end"}).to_string(),
            json!({"type": "chat", "text": "waiting people cannot chat"}).to_string(),
            json!({"type": "admit", "user": ""}).to_string(),
            json!({"type": "signal", "to": "<script>", "data": null}).to_string(),
        ] {
            pat.send(Message::Text(bad.into())).await.unwrap();
            next(&mut pat, "refused").await;
        }
        // Over the size limit: the connection is closed, the server is fine.
        let huge = json!({"type": "chat", "text": "x".repeat(100_000)}).to_string();
        let _ = pat.send(Message::Text(huge.into())).await;
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match pat.next().await {
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return true,
                    Some(Ok(_)) => {}
                }
            }
        })
        .await
        .unwrap_or(false);
        assert!(closed, "an oversized message closes the socket");
        assert!(open(&t, &s.pat, &s.room, &t.base).await.is_ok());
    }
);

on_both!(a_partner_invited_to_the_session_may_enter, practice, |t| {
    let s = setup(&t).await;
    t.invite_patient(&s.anna, "Sam Partner", "sam@example.org")
        .await;
    let sam = t.patient_signed_in("sam@example.org").await;
    t.clock.advance(jiff::SignedDuration::from_mins(21));
    assert_eq!(open(&t, &sam, &s.room, &t.base).await.err(), Some(404));
    let (_, week) = s.anna.text("/admin/calendar").await;
    let csrf = field_value(&week, "csrf").unwrap();
    // Someone who is not a patient of Anna's cannot be invited; what was typed stays.
    let r = s
        .anna
        .post_form(
            &format!("/admin/calendar/{}/guests", s.room),
            &[("csrf", &csrf), ("email", "stranger@example.org")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("not one of your patients") && page.contains("stranger@example.org"));
    let r = s
        .anna
        .post_form(
            &format!("/admin/calendar/{}/guests", s.room),
            &[("csrf", &csrf), ("email", "sam@example.org")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut socket = open(&t, &sam, &s.room, &t.base).await.unwrap();
    let st = state_where(&mut socket, |s| s["phase"] == "waiting").await;
    assert_eq!(st["people"].as_array().unwrap().len(), 3);
});

on_both!(
    a_refused_invitation_is_shown_in_its_appointments_week,
    practice,
    |t| {
        let s = setup(&t).await;
        let (_, week) = s.anna.text("/admin/calendar").await;
        let csrf = field_value(&week, "csrf").unwrap();
        let case = week
            .split("<option value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = s
            .anna
            .post_form(
                "/admin/calendar/appointments",
                &[
                    ("csrf", &csrf),
                    ("case", &case),
                    ("kind", "session"),
                    ("date", "2026-12-09"),
                    ("time", "10:00"),
                    ("clash", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, later) = s.anna.text("/admin/calendar?day=2026-12-09").await;
        let at = later
            .find("href=\"/admin/calendar/")
            .expect("the appointment in the grid")
            + "href=\"/admin/calendar/".len();
        let room = &later[at..at + 32];
        let r = s
            .anna
            .post_form(
                &format!("/admin/calendar/{room}/guests"),
                &[("csrf", &csrf), ("email", "nobody@example.org")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("Wednesday 9 December"),
            "the appointment's page"
        );
        assert!(
            page.contains("id=\"guest-error\"") && page.contains("value=\"nobody@example.org\"")
        );
    }
);

/// The host's socket closes when the store fails (the page reconnects): what the socket did
/// before that is waited for, so nothing of it can be mistaken for the failure's effect.
async fn closed(socket: &mut Socket) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(m)) = socket.next().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
        }
    })
    .await
    .expect("the socket closes");
}

on_both!(
    an_admission_or_an_end_whose_audit_row_cannot_be_written_changes_nothing,
    practice,
    |t| {
        let s = setup(&t).await;
        t.clock.advance(jiff::SignedDuration::from_mins(21));
        let mut pat = open(&t, &s.pat, &s.room, &t.base).await.unwrap();
        state_where(&mut pat, |s| s["phase"] == "waiting").await;
        let mut anna = open(&t, &s.anna, &s.room, &t.base).await.unwrap();
        let (_, pat_user) = someone_waiting(&mut anna).await;
        let rows = |table: &'static str| {
            let db = t.db.clone();
            async move { store::testing::count_rows(&db, table).await }
        };

        // Letting Pat in: the admission and its audit row, or neither.
        store::testing::fail_inserts_into(&t.db, "audit_log").await;
        say(&mut anna, json!({"type": "admit", "user": pat_user})).await;
        closed(&mut anna).await;
        assert_eq!(rows("room_admissions").await, 0, "no admission was kept");
        store::testing::heal_inserts_into(&t.db, "audit_log").await;

        // Healed, the therapist's page reconnects and lets Pat in.
        let mut anna = open(&t, &s.anna, &s.room, &t.base).await.unwrap();
        next(&mut anna, "hello").await;
        say(&mut anna, json!({"type": "admit", "user": pat_user})).await;
        state_where(&mut pat, |s| s["phase"] == "in_session").await;
        assert_eq!(rows("room_admissions").await, 1);

        // Ending: the room stays open, and Pat stays in, when the end cannot be audited.
        store::testing::fail_inserts_into(&t.db, "audit_log").await;
        say(&mut anna, json!({"type": "end"})).await;
        closed(&mut anna).await;
        assert_eq!(rows("room_endings").await, 0, "the session did not end");
        assert_eq!(rows("room_admissions").await, 1, "Pat is still let in");
        store::testing::heal_inserts_into(&t.db, "audit_log").await;
        let mut anna = open(&t, &s.anna, &s.room, &t.base).await.unwrap();
        next(&mut anna, "hello").await;
        say(&mut anna, json!({"type": "end"})).await;
        state_where(&mut pat, |s| s["phase"] == "ended").await;
        assert_eq!(rows("room_endings").await, 1);
    }
);

/// A practice whose server cuts off a quiet HTTP connection after a second.
async fn impatient(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice_and(backend, |s| {
        s.limits.header_timeout = Duration::from_secs(1);
        s.limits.body_timeout = Duration::from_secs(1);
    })
    .await
}

on_both!(a_quiet_socket_outlives_the_http_deadlines, impatient, |t| {
    let s = setup(&t).await;
    t.clock.advance(jiff::SignedDuration::from_mins(21));
    let mut pat = open(&t, &s.pat, &s.room, &t.base).await.unwrap();
    state_where(&mut pat, |s| s["phase"] == "waiting").await;
    // Quiet for three times the header deadline (and well inside the room's own 40 s of silence).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut anna = open(&t, &s.anna, &s.room, &t.base).await.unwrap();
    let (_, pat_user) = someone_waiting(&mut anna).await;
    say(&mut anna, json!({"type": "admit", "user": pat_user})).await;
    state_where(&mut pat, |s| s["phase"] == "in_session").await;
});

// The metrics' room gauges count this instance's connections and their rooms, and name neither
// the room nor anyone in it.
on_both!(
    the_metrics_count_rooms_and_people_connected_here,
    practice,
    |t| {
        let s = setup(&t).await;
        t.clock.advance(jiff::SignedDuration::from_mins(21));
        let gauge = |text: &str, name: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .unwrap()
        };
        let mut pat = open(&t, &s.pat, &s.room, &t.base).await.unwrap();
        next(&mut pat, "hello").await;
        let mut anna = open(&t, &s.anna, &s.room, &t.base).await.unwrap();
        next(&mut anna, "hello").await;
        someone_waiting(&mut anna).await;
        let text = t.app.metrics_text().await;
        assert_eq!(gauge(&text, "holdspace_rooms_open"), 1.0);
        assert_eq!(gauge(&text, "holdspace_room_connections"), 2.0);
        for private in [s.room.as_str(), "Pat Example", "pat@example.org"] {
            assert!(!text.contains(private), "{private} in the metrics");
        }
        pat.close(None).await.unwrap();
        anna.close(None).await.unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = t.app.metrics_text().await;
            if gauge(&text, "holdspace_room_connections") == 0.0 {
                assert_eq!(gauge(&text, "holdspace_rooms_open"), 0.0);
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{text}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
);

on_both!(
    a_connection_is_taken_back_only_by_its_own_person,
    practice,
    |t| {
        let s = setup(&t).await;
        t.clock.advance(jiff::SignedDuration::from_mins(21)); // 09:21: open since 09:20
        let mut anna = open(&t, &s.anna, &s.room, &t.base).await.unwrap();
        let anna_conn = next(&mut anna, "hello").await["connection"]
            .as_str()
            .unwrap()
            .to_string();
        // Someone else's connection, a malformed one and a hostile one: a new connection each.
        for query in [
            format!("?resume={anna_conn}"),
            "?resume=".to_string(),
            "?resume=%27%20OR%201=1".to_string(),
            format!("?resume={}", "a".repeat(4_000)),
        ] {
            let mut pat = open_with(&t, &s.pat, &s.room, &t.base, &query)
                .await
                .unwrap();
            let mine = next(&mut pat, "hello").await["connection"]
                .as_str()
                .unwrap()
                .to_string();
            assert_ne!(mine, anna_conn, "{query:.40}");
            assert_eq!(mine.len(), 24, "a fresh id: {mine}");
            pat.close(None).await.unwrap();
        }
        // Anna's own, while it is still hers, is given back to her.
        let mut again = open_with(
            &t,
            &s.anna,
            &s.room,
            &t.base,
            &format!("?resume={anna_conn}"),
        )
        .await
        .unwrap();
        let taken_back = next(&mut again, "hello").await["connection"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(taken_back, anna_conn);
    }
);
