//! Connections: clients that send their request slowly or not at all are cut off at the header
//! and body deadlines while others are served, and one address, or everyone together, may hold
//! only so many connections, past which a connection is answered with a plain refusal. The
//! servers here have deadlines of a second or two, so that the tests take a few seconds; the
//! guards around reads only keep a regression from hanging the suite.

mod common;

use common::*;
use reqwest::StatusCode;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A regression would leave a connection open for good: give up on it after this.
const GUARD: Duration = Duration::from_secs(30);

fn limits(per_address: usize, total: usize) -> web::ConnLimits {
    web::ConnLimits {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(2),
        per_address,
        total,
    }
}

fn address(t: &TestApp) -> SocketAddr {
    t.base.trim_start_matches("http://").parse().unwrap()
}

/// A connection from `from` (any 127.x address reaches the server on Linux's loopback).
async fn connect_from(t: &TestApp, from: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(address(t)).await.unwrap()
}

/// Everything the server sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream, what: &str) -> String {
    let mut received = Vec::new();
    match tokio::time::timeout(GUARD, stream.read_to_end(&mut received)).await {
        Ok(Ok(_)) => {}
        // A reset is the server closing too.
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Ok(Err(e)) => panic!("{what}: {e}"),
        Err(_) => panic!("{what}: the server never closed the connection"),
    }
    String::from_utf8_lossy(&received).into_owned()
}

/// The test process opens both ends of every connection.
fn more_files() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
}

async fn with_short_deadlines(backend: store::Backend) -> Option<TestApp> {
    more_files();
    TestApp::spawn_with(backend, |s| s.limits = limits(10_000, 10_000)).await
}

on_both!(
    slow_clients_are_cut_off_while_others_are_served,
    with_short_deadlines,
    |t| {
        let mut idle = Vec::new();
        for i in 0..300 {
            let mut stream = TcpStream::connect(address(&t)).await.unwrap();
            // Half of them start a request and never finish its head.
            if i % 2 == 0 {
                stream
                    .write_all(b"GET / HTTP/1.1\r\nHost: practice\r\nAccept: text/h")
                    .await
                    .unwrap();
            }
            idle.push(stream);
        }
        let mut slow = Vec::new();
        for _ in 0..100 {
            let mut stream = TcpStream::connect(address(&t)).await.unwrap();
            stream
                .write_all(
                    b"POST /api/v1/messages HTTP/1.1\r\nHost: practice\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
                )
                .await
                .unwrap();
            let (mut read, mut write) = stream.into_split();
            // A byte now and then, until the server hangs up.
            let trickle = tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    if write.write_all(b" ").await.is_err() {
                        return;
                    }
                }
            });
            slow.push(tokio::spawn(async move {
                let mut received = Vec::new();
                let read = tokio::time::timeout(GUARD, read.read_to_end(&mut received)).await;
                trickle.abort();
                assert!(read.is_ok(), "a slow body was never cut off");
                String::from_utf8_lossy(&received).into_owned()
            }));
        }

        // Four hundred slow clients hold connections; a normal request is answered.
        let r = t.browser().get("/healthz").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.text().await.unwrap(), "ok");

        for (i, mut stream) in idle.into_iter().enumerate() {
            let answer =
                until_closed(&mut stream, "a connection without a whole request head").await;
            // Hyper hangs up on a head that never comes without a word.
            assert_eq!(answer, "", "connection {i}");
        }
        for (i, slow) in slow.into_iter().enumerate() {
            let answer = slow.await.unwrap();
            assert!(
                answer.starts_with("HTTP/1.1 408"),
                "slow body {i} was answered {answer:?}"
            );
            assert!(answer.contains("connection: close"), "{answer}");
        }

        // Served again as before.
        let r = t.browser().get("/healthz").await;
        assert_eq!(r.status(), StatusCode::OK);
    }
);

/// A kept-alive connection that goes quiet is closed at the header deadline, after its answer.
async fn quiet(backend: store::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |s| s.limits = limits(0, 100)).await
}

on_both!(a_quiet_kept_alive_connection_is_closed, quiet, |t| {
    let mut stream = TcpStream::connect(address(&t)).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: practice\r\n\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut stream, "a quiet kept-alive connection").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
});

async fn three_per_address(backend: store::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |s| {
        s.limits = web::ConnLimits {
            per_address: 3,
            ..limits(0, 100)
        };
        s.limits.header_timeout = Duration::from_secs(60);
    })
    .await
}

on_both!(
    one_address_may_hold_only_its_share,
    three_per_address,
    |t| {
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(connect_from(&t, "127.0.0.1").await);
        }
        let mut fourth = connect_from(&t, "127.0.0.1").await;
        let answer = until_closed(&mut fourth, "the fourth connection").await;
        assert!(
            answer.starts_with("HTTP/1.1 429 Too Many Requests\r\n"),
            "{answer}"
        );
        assert!(answer.contains("\r\nRetry-After: 10\r\n"), "{answer}");
        assert!(
            answer.ends_with(
                "Too many connections from your address at once. Try again in a few seconds.\n"
            ),
            "{answer}"
        );

        // Another address has its own share, and is served.
        let mut other = connect_from(&t, "127.0.0.2").await;
        other
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: practice\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = until_closed(&mut other, "another address").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

        // A request sent before the refusal is read does not cost the client its answer.
        let mut eager = connect_from(&t, "127.0.0.1").await;
        eager
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: practice\r\n\r\n")
            .await
            .unwrap();
        let answer = until_closed(&mut eager, "an eager fourth connection").await;
        assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
        drop(held);
    }
);

async fn three_in_all(backend: store::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |s| {
        s.limits = limits(0, 3);
        s.limits.header_timeout = Duration::from_secs(60);
    })
    .await
}

on_both!(the_server_holds_only_so_many_in_all, three_in_all, |t| {
    let held = [
        connect_from(&t, "127.0.0.1").await,
        connect_from(&t, "127.0.0.2").await,
        connect_from(&t, "127.0.0.3").await,
    ];
    let mut fourth = connect_from(&t, "127.0.0.4").await;
    let answer = until_closed(&mut fourth, "the fourth connection").await;
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{answer}"
    );
    assert!(answer.contains("\r\nRetry-After: 10\r\n"), "{answer}");
    assert!(
        answer.ends_with("The server is busy right now. Try again in a few seconds.\n"),
        "{answer}"
    );
    drop(held);
});
