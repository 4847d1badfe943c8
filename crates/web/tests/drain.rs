//! Stopping gracefully: once the stop signal comes, the listener takes no new connection, an idle
//! kept-alive connection is closed at once, a request in flight is finished (and its answer says
//! the connection closes); the job runner finishes the job it holds and claims no other.

mod common;

use app::clock::ManualClock;
use app::App;
use common::TestApp;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::Backend;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Notify};

/// The site served as the binary serves it, stopped (and drained) when `stop` fires.
async fn serve_until_stopped() -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
    App,
) {
    let db = store::testing::fresh(Backend::Sqlite).await.unwrap();
    let clock = Arc::new(ManualClock::at("2026-11-27T09:00:00Z".parse().unwrap()));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = app::Config {
        public_url: format!("http://{addr}"),
        ..Default::default()
    };
    let app = App::new(db, config, clock).unwrap();
    let state = web::WebState::new(app.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let draining = app.clone();
    let serving = tokio::spawn(web::serve(listener, state, async move {
        let _ = stopped.await;
        draining.drain();
    }));
    (addr, stop, serving, app)
}

/// Reads what the server sends until it closes the connection (or `within` passes: `None`).
async fn read_to_close(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut text = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut text))
        .await
        .ok()?
        .ok()?;
    Some(String::from_utf8_lossy(&text).into_owned())
}

#[tokio::test]
async fn a_stop_closes_idle_connections_finishes_the_request_in_flight_and_refuses_new_ones() {
    let (addr, stop, serving, app) = serve_until_stopped().await;

    // A kept-alive connection that has been answered and now idles.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: practice\r\n\r\n")
        .await
        .unwrap();
    // The whole answer is read (its body is "ok"), so nothing of it is left to read later.
    let mut first = Vec::new();
    while !first.ends_with(b"\r\n\r\nok") {
        let mut chunk = [0u8; 1024];
        let n = idle.read(&mut chunk).await.unwrap();
        assert!(n > 0, "{:?}", String::from_utf8_lossy(&first));
        first.extend_from_slice(&chunk[..n]);
    }
    assert!(
        first.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&first)
    );

    // A request whose body is still on its way when the stop comes.
    let body = "name=Ana&email=ana%40example.org&message=Hello&consent=on";
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /contact HTTP/1.1\r\nHost: practice\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    stop.send(()).unwrap();
    assert!(
        tokio::time::timeout(Duration::from_secs(2), app.draining())
            .await
            .is_ok(),
        "the app is draining"
    );
    assert!(app.is_draining());

    // The idle connection is closed at once, without an answer to anything.
    let rest = read_to_close(&mut idle, Duration::from_secs(2)).await;
    assert_eq!(
        rest.as_deref(),
        Some(""),
        "the idle connection is closed promptly"
    );

    // Nobody new gets in.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "a new connection is refused after the stop"
    );
    assert!(!serving.is_finished(), "a request is still in flight");

    // The request in flight gets its whole answer, which closes the connection.
    slow.write_all(&body.as_bytes()[10..]).await.unwrap();
    let answer = read_to_close(&mut slow, Duration::from_secs(5))
        .await
        .expect("the request in flight is answered and the connection closed");
    assert!(answer.starts_with("HTTP/1.1 "), "{answer:.200}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer:.400}"
    );
    tokio::time::timeout(Duration::from_secs(2), serving)
        .await
        .expect("serve returns once the last request is done")
        .unwrap()
        .unwrap();
}

/// An SMTP server that, once armed, holds its answer to the next message until released.
struct Sink {
    port: u16,
    accepted: Arc<AtomicUsize>,
    armed: Arc<AtomicUsize>,
    release: Arc<Notify>,
}

impl Sink {
    async fn start(held: mpsc::Sender<()>) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = Sink {
            port,
            accepted: Arc::new(AtomicUsize::new(0)),
            armed: Arc::new(AtomicUsize::new(0)),
            release: Arc::new(Notify::new()),
        };
        let (accepted, armed, release) = (
            sink.accepted.clone(),
            sink.armed.clone(),
            sink.release.clone(),
        );
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (accepted, armed, release, held) = (
                    accepted.clone(),
                    armed.clone(),
                    release.clone(),
                    held.clone(),
                );
                tokio::spawn(async move {
                    let _ = session(stream, &accepted, &armed, &release, &held).await;
                });
            }
        });
        sink
    }
}

async fn session(
    stream: TcpStream,
    accepted: &AtomicUsize,
    armed: &AtomicUsize,
    release: &Notify,
    held: &mpsc::Sender<()>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "DATA" => {
                write.write_all(b"354 go on\r\n").await?;
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                }
                if armed.swap(0, Ordering::SeqCst) == 1 {
                    let _ = held.send(()).await;
                    release.notified().await;
                }
                accepted.fetch_add(1, Ordering::SeqCst);
                write.write_all(b"250 OK\r\n").await?;
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"250 OK\r\n").await?,
        }
    }
    Ok(())
}

async fn a_draining_runner_finishes_its_job_and_claims_no_other(backend: Backend) {
    let (held_tx, mut held) = mpsc::channel(1);
    let sink = Sink::start(held_tx).await;
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let Some(t) = TestApp::with_practice_full(
        backend,
        |config| config.smtp_url = Some(smtp.into()),
        |_| {},
    )
    .await
    else {
        return;
    };
    // Whatever setting up the practice queued is sent first.
    t.run_jobs().await;
    let before = sink.accepted.load(Ordering::SeqCst);

    let visitor = t.browser();
    for (name, email) in [("Ana K.", "ana@example.org"), ("Ben L.", "ben@example.org")] {
        let csrf = visitor.csrf_from("/contact").await;
        let r = visitor
            .post_form(
                "/contact",
                &[
                    ("csrf", &csrf),
                    ("name", name),
                    ("email", email),
                    ("message", "Could we talk next week?"),
                    ("consent", "on"),
                ],
            )
            .await;
        assert!(r.status().is_redirection(), "{}", r.status());
    }
    sink.armed.store(1, Ordering::SeqCst);
    let runner = tokio::spawn(t.app.clone().run_jobs());
    tokio::time::timeout(Duration::from_secs(20), held.recv())
        .await
        .expect("the first notification reaches the SMTP server");

    t.app.drain();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !runner.is_finished(),
        "the runner waits for the job it holds"
    );
    sink.release.notify_one();
    tokio::time::timeout(Duration::from_secs(10), runner)
        .await
        .expect("the runner returns once its job is done")
        .unwrap();

    assert_eq!(
        sink.accepted.load(Ordering::SeqCst) - before,
        1,
        "one mail sent"
    );
    let jobs: Vec<(String, i64)> = store::testing::raw_pairs(
        &t.db,
        "SELECT state, CAST(attempts AS BIGINT) FROM jobs WHERE kind = 'inquiry_notification' ORDER BY state",
    )
    .await;
    assert_eq!(
        jobs,
        [("done".to_string(), 1), ("pending".to_string(), 0)],
        "the job in flight is done; the other is left unclaimed for the next instance"
    );
}

#[tokio::test]
async fn a_draining_runner_finishes_its_job_and_claims_no_other_sqlite() {
    a_draining_runner_finishes_its_job_and_claims_no_other(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_draining_runner_finishes_its_job_and_claims_no_other_postgres() {
    a_draining_runner_finishes_its_job_and_claims_no_other(Backend::Postgres).await;
}
