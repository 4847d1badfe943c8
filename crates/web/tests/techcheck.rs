//! The public tech check, in-process over real HTTP, on SQLite and PostgreSQL: the page with the
//! practice's support contact, short-lived relay credentials and their rate limit, and the echo
//! socket (spoken to in raw WebSocket frames, so no client library is needed).

mod common;

use app::clock::{Clock, ManualClock};
use app::App;
use common::TestApp;
use reqwest::StatusCode;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TURN_SECRET: &str = "a shared relay secret";
const TURN_URL: &str = "turn:127.0.0.1:3478?transport=udp";

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

async fn no_practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::spawn(backend).await
}

/// Like `TestApp::spawn`, with a TURN relay configured.
async fn with_relay(backend: store::Backend) -> Option<TestApp> {
    let db = store::testing::fresh(backend).await?;
    let clock = Arc::new(ManualClock::at("2026-11-27T09:00:00Z".parse().unwrap()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = app::Config {
        public_url: base.clone(),
        ice: app::turn::IceConfig {
            turn_urls: vec![TURN_URL.into()],
            turn_secret: Some(TURN_SECRET.into()),
            stun_urls: vec![],
        },
        ..Default::default()
    };
    let app = App::new(db.clone(), config, clock.clone()).unwrap();
    let (router, routes) = web::router(web::WebState::new(app.clone()));
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Some(TestApp {
        secrets: Mutex::new(HashMap::new()),
        base,
        app,
        db,
        clock,
        routes,
    })
}

async fn ice(t: &TestApp) -> (StatusCode, String, serde_json::Value) {
    let r = t.browser().get("/tech-check/ice").await;
    let status = r.status();
    let cache = r
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, cache, r.json().await.unwrap())
}

on_both!(
    the_page_shows_every_check_and_the_support_contact,
    practice,
    |t| {
        let (status, html) = t.browser().text("/tech-check").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<h1>Check your camera, microphone and connection</h1>"));
        for id in [
            "tc-browser",
            "tc-camera",
            "tc-microphone",
            "tc-speaker",
            "tc-connection",
            "tc-relay",
        ] {
            assert!(
                html.contains(&format!("id=\"{id}\" data-status=\"checking\"")),
                "{id}"
            );
        }
        assert!(html.contains("aria-live=\"polite\""));
        assert!(html.contains("<meter id=\"tc-level\""));
        assert!(html.contains("<label for=\"tc-level\">Microphone level</label>"));
        assert!(html.contains("<video class=\"tc-video\" id=\"tc-video\" autoplay muted playsinline aria-label=\"Your camera picture\""));
        assert!(html.contains("<noscript>"));
        assert!(html.contains("a private, quiet room"));
        assert!(
            html.contains("email anna@linden-room.example or call +49 30 0000 0000"),
            "the practice's support contact"
        );
        // The script's texts travel as JSON, the round trip left for the script to fill in.
        let json = html
            .split("<script type=\"application/json\" id=\"tc-text\">")
            .nth(1)
            .and_then(|s| s.split("</script>").next())
            .expect("the script's texts");
        let texts: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(
            texts["tech-check-verdict-ready"],
            "You're ready. Everything works for your online session."
        );
        assert!(texts["tech-check-connection-ok"]
            .as_str()
            .unwrap()
            .contains("({ms} ms"));
        // The script itself is served from this site.
        let src = html
            .split("<script type=\"module\" src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("the script");
        assert!(src.starts_with("/static/techcheck."), "{src}");
        let r = t.browser().get(src).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("/tech-check/ws"));
        // The FAQ on what you need links here.
        let (_, faq) = t.browser().text("/faq/what-do-i-need").await;
        assert!(faq
            .contains("<a href=\"/tech-check\">Check your camera, microphone and connection</a>"));
    }
);

on_both!(
    before_the_practice_is_set_up_the_page_points_to_the_contact_form,
    no_practice,
    |t| {
        let (status, html) = t.browser().text("/tech-check").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<a href=\"/contact\">Write to the practice</a>"));
    }
);

on_both!(
    without_a_relay_there_is_nothing_to_reach,
    no_practice,
    |t| {
        let (status, cache, body) = ice(&t).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(cache, "no-store");
        assert_eq!(
            body,
            serde_json::json!({ "relay": false, "iceServers": [] })
        );
    }
);

on_both!(
    with_a_relay_the_credentials_last_ten_minutes,
    with_relay,
    |t| {
        let (status, cache, body) = ice(&t).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(cache, "no-store");
        assert_eq!(body["relay"], true);
        let servers = body["iceServers"].as_array().unwrap();
        assert_eq!(servers.len(), 1, "{body}");
        assert_eq!(servers[0]["urls"], serde_json::json!([TURN_URL]));
        let username = servers[0]["username"].as_str().unwrap();
        let (expiry, user) = username.split_once(':').unwrap();
        assert_eq!(user, "tech-check", "no name or address reaches the relay");
        let expiry: i64 = expiry.parse().unwrap();
        let ahead = expiry - t.clock.now().as_second();
        assert!((590..=610).contains(&ahead), "{ahead} s ahead");
        let (_, password) = app::turn::credentials(TURN_SECRET, "tech-check", expiry);
        assert_eq!(servers[0]["credential"], password.as_str());
    }
);

on_both!(
    the_relay_credentials_are_limited_per_address,
    with_relay,
    |t| {
        for n in 1..=30 {
            let (status, _, _) = ice(&t).await;
            assert_eq!(status, StatusCode::OK, "request {n}");
        }
        let (status, cache, body) = ice(&t).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(cache, "no-store");
        assert_eq!(body, serde_json::json!({ "error": "too-many" }));
        // An hour later the address may check again.
        t.clock.advance(jiff::SignedDuration::from_mins(61));
        assert_eq!(ice(&t).await.0, StatusCode::OK);
    }
);

// ---- The echo socket, in raw frames ----

/// Opens `/tech-check/ws` with `origin`; answers the response head and the open connection.
fn upgrade(base: &str, origin: &str) -> (String, TcpStream) {
    let host = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let request = format!(
        "GET /tech-check/ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    (String::from_utf8(head).unwrap(), s)
}

/// A masked text frame, as a browser sends it.
fn send_text(s: &mut TcpStream, text: &str) {
    let payload = text.as_bytes();
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![0x81];
    if payload.len() < 126 {
        frame.push(0x80 | payload.len() as u8);
    } else {
        frame.push(0x80 | 126);
        frame.extend((payload.len() as u16).to_be_bytes());
    }
    frame.extend(mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    s.write_all(&frame).unwrap();
}

/// The next frame from the server (opcode, payload); `None` once the connection is gone.
fn read_frame(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut head = [0u8; 2];
    s.read_exact(&mut head).ok()?;
    let len = match head[1] & 0x7f {
        126 => {
            let mut l = [0u8; 2];
            s.read_exact(&mut l).ok()?;
            u16::from_be_bytes(l) as usize
        }
        127 => {
            let mut l = [0u8; 8];
            s.read_exact(&mut l).ok()?;
            u64::from_be_bytes(l) as usize
        }
        n => n as usize,
    };
    let mut payload = vec![0u8; len];
    s.read_exact(&mut payload).ok()?;
    Some((head[0] & 0x0f, payload))
}

const TEXT: u8 = 1;
const CLOSE: u8 = 8;

on_both!(the_echo_answers_until_its_limit, no_practice, |t| {
    let base = t.base.clone();
    tokio::task::spawn_blocking(move || {
        let (head, mut s) = upgrade(&base, &base);
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        assert!(head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{head}");
        for n in 0..50 {
            let text = format!("check {n}");
            send_text(&mut s, &text);
            assert_eq!(read_frame(&mut s), Some((TEXT, text.into_bytes())), "{n}");
        }
        // Fifty answers are enough for any check: then the server says goodbye.
        send_text(&mut s, "one more");
        let (opcode, _) = read_frame(&mut s).expect("a close frame");
        assert_eq!(opcode, CLOSE);
    })
    .await
    .unwrap();
});

on_both!(
    the_echo_refuses_a_message_over_a_kilobyte,
    no_practice,
    |t| {
        let base = t.base.clone();
        tokio::task::spawn_blocking(move || {
            let (head, mut s) = upgrade(&base, &base);
            assert!(head.starts_with("HTTP/1.1 101"), "{head}");
            let fits = "x".repeat(1024);
            send_text(&mut s, &fits);
            assert_eq!(read_frame(&mut s), Some((TEXT, fits.into_bytes())));
            send_text(&mut s, &"x".repeat(1025));
            match read_frame(&mut s) {
                None | Some((CLOSE, _)) => {}
                Some(other) => panic!("an oversized message was answered: {other:?}"),
            }
        })
        .await
        .unwrap();
    }
);

on_both!(
    a_plain_get_or_another_sites_page_gets_no_socket,
    no_practice,
    |t| {
        let r = t.browser().get("/tech-check/ws").await;
        assert_eq!(r.status(), StatusCode::UPGRADE_REQUIRED);
        let base = t.base.clone();
        let head = tokio::task::spawn_blocking(move || upgrade(&base, "https://evil.example").0)
            .await
            .unwrap();
        assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    }
);
