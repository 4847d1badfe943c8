//! The real binary's log and metrics: `serve --log-format json` writes one JSON object per line,
//! every line written while a request is handled (down in the use-case) carries the request's id,
//! what a visitor typed stays out of the log, and `metrics_listen` serves `/metrics` on its own
//! address without a token.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod support;
use support::free_port;

const TYPED_EMAIL: &str = "someone.typed@observed.example";
const TYPED_PASSWORD: &str = "a password nobody has";

struct Server {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    base: String,
    metrics: String,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts `serve` with `args` on a fresh data directory; every line of its output is kept.
async fn serve(args: &[&str]) -> Server {
    let dir = std::env::temp_dir().join(format!("holdspace-observe-{}", store::random_hex(6)));
    let (port, metrics_port) = (free_port(), free_port());
    let listen = format!("127.0.0.1:{port}");
    let metrics = format!("127.0.0.1:{metrics_port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_holdspace"))
        .arg("serve")
        .args(["--listen", &listen, "--metrics-listen", &metrics])
        .arg("--data-dir")
        .arg(&dir)
        .args(args)
        .env_remove("HOLDSPACE_DATABASE_URL")
        .env_remove("HOLDSPACE_MASTER_KEY")
        .env_remove("HOLDSPACE_LOG_FORMAT")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
    }
    let server = Server {
        child,
        lines,
        base: format!("http://{listen}"),
        metrics: format!("http://{metrics}"),
        dir,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = reqwest::get(format!("{}/healthz", server.base)).await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "serve did not answer: {:?}",
            server.lines.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server
}

/// A failed sign-in, sent with `id` as its request id: the use-case logs the refusal inside the
/// request's span.
async fn refused_sign_in(s: &Server, id: &str) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client
        .get(format!("{}/admin/signin", s.base))
        .send()
        .await
        .unwrap();
    let cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("csrf="))
        .expect("a form token cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let token = cookie.split_once('=').unwrap().1.to_string();
    let r = client
        .post(format!("{}/admin/signin", s.base))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .header("x-request-id", id)
        .form(&[
            ("csrf", token.as_str()),
            ("email", TYPED_EMAIL),
            ("password", TYPED_PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], id);
    assert!(r.status().is_client_error(), "{}", r.status());
}

/// The lines once `want` is among them (within ten seconds).
async fn lines_until(s: &Server, want: impl Fn(&str) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines = s.lines.lock().unwrap().clone();
        if lines.iter().any(|l| want(l)) {
            return lines;
        }
        assert!(Instant::now() < deadline, "no such line in {lines:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The ids of the spans a JSON line was written in.
fn span_ids(line: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = line["spans"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(std::iter::once(&line["span"]))
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    ids.dedup();
    ids
}

#[tokio::test]
async fn json_lines_carry_the_request_id_down_to_the_use_case_and_nothing_typed() {
    let s = serve(&["--log-format", "json"]).await;
    let id = "observe-req-0001";
    refused_sign_in(&s, id).await;
    let lines = lines_until(&s, |l| l.contains("request done") && l.contains(id)).await;
    let mut of_request = Vec::new();
    for line in &lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(
            value["level"].is_string() && value["timestamp"].is_string(),
            "{line}"
        );
        if span_ids(&value).contains(&id.to_string()) {
            of_request.push(value);
        }
        assert!(
            !line.contains(TYPED_EMAIL) && !line.contains("observed.example"),
            "{line}"
        );
        assert!(!line.contains(TYPED_PASSWORD), "{line}");
    }
    let messages: Vec<&str> = of_request
        .iter()
        .filter_map(|v| v["message"].as_str())
        .collect();
    // Written by app::accounts, two layers below the request's span.
    assert!(messages.contains(&"sign-in refused"), "{messages:?}");
    assert!(messages.contains(&"request done"), "{messages:?}");
    let done = of_request
        .iter()
        .find(|v| v["message"] == "request done")
        .unwrap();
    let request = done["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "request")
        .expect("the request's span");
    assert_eq!(request["route"], "/admin/signin");
    assert_eq!(request["method"], "POST");
    // The operator's setup line is JSON too.
    assert!(lines
        .iter()
        .any(|l| l.contains("Create your practice with this link")));
}

#[tokio::test]
async fn text_lines_carry_the_request_id_and_the_probes_stay_out_of_the_info_log() {
    let s = serve(&[]).await;
    for _ in 0..5 {
        reqwest::get(format!("{}/readyz", s.base)).await.unwrap();
        reqwest::get(format!("{}/healthz", s.base)).await.unwrap();
    }
    let id = "observe-req-0002";
    refused_sign_in(&s, id).await;
    let lines = lines_until(&s, |l| l.contains("request done") && l.contains(id)).await;
    let refused = lines
        .iter()
        .find(|l| l.contains("sign-in refused"))
        .expect("the use-case's line");
    assert!(refused.contains(&format!("id={id}")), "{refused}");
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("route=/healthz") || l.contains("route=/readyz")),
        "probes are logged at debug only: {lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.contains(TYPED_EMAIL)));
}

#[tokio::test]
async fn metrics_listen_serves_metrics_without_a_token_and_nothing_else() {
    let s = serve(&[]).await;
    for _ in 0..3 {
        reqwest::get(format!("{}/healthz", s.base)).await.unwrap();
    }
    let r = reqwest::get(format!("{}/metrics", s.metrics))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let line = r#"http_requests_total{method="GET",route="/healthz",status="200"} "#;
    let count: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix(line))
        .expect("the probes' count")
        .parse()
        .unwrap();
    assert!(count >= 3.0, "{count}");
    assert!(text.contains("holdspace_build_info{version="));
    // Not on the practice's address (no token set), and nothing but /metrics on its own.
    let r = reqwest::get(format!("{}/metrics", s.base)).await.unwrap();
    assert_eq!(r.status(), 404);
    let r = reqwest::get(format!("{}/admin/signin", s.metrics))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
