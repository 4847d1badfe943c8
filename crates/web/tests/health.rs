//! `/healthz`, `/readyz` and `/metrics`, in-process over real HTTP, on SQLite and PostgreSQL.

mod common;

use common::{TestApp, OWNER_EMAIL};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

const TOKEN: &str = "metrics-test-token-0123456789abcdef";
const ARTICLE: &str = "/articles/what-happens-in-the-first-session";

/// A runner that may go three seconds without a round (it goes round every two at most).
async fn quick_to_go_stale(backend: store::Backend) -> Option<TestApp> {
    TestApp::spawn_full(
        backend,
        |c| c.runner_stale_after = Duration::from_secs(3),
        |_| {},
    )
    .await
}

async fn with_token(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice_full(
        backend,
        |_| {},
        |s| s.metrics_token = Some(TOKEN.to_string().into()),
    )
    .await
}

async fn plain(t: &TestApp, path: &str) -> (StatusCode, String) {
    t.browser().text(path).await
}

/// Asks until `path` answers `want` (within ten seconds); answers the last body.
async fn until(t: &TestApp, path: &str, want: StatusCode) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = plain(t, path).await;
        if status == want {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{path} still answers {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

on_both!(
    readyz_waits_for_the_job_runner_and_notices_it_stop,
    quick_to_go_stale,
    |t| {
        assert_eq!(plain(&t, "/healthz").await, (StatusCode::OK, "ok".into()));
        let (status, body) = plain(&t, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, "not ready: job runner", "the database answers");
        let runner = tokio::spawn(t.app.clone().run_jobs());
        assert_eq!(until(&t, "/readyz", StatusCode::OK).await, "ready");
        // A runner that has died goes without a heartbeat.
        runner.abort();
        let body = until(&t, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
        assert_eq!(body, "not ready: job runner");
        assert_eq!(plain(&t, "/healthz").await.0, StatusCode::OK, "still alive");
    }
);

on_both!(
    readyz_says_draining_once_the_process_is_asked_to_stop,
    quick_to_go_stale,
    |t| {
        let _runner = tokio::spawn(t.app.clone().run_jobs());
        until(&t, "/readyz", StatusCode::OK).await;
        t.app.drain();
        // A load balancer takes it out at once, before the runner's heartbeat could go stale.
        let (status, body) = plain(&t, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.starts_with("not ready: draining"), "{body}");
        assert_eq!(plain(&t, "/healthz").await.0, StatusCode::OK, "still alive");
    }
);

on_both!(readyz_names_the_database_when_it_is_gone, with_token, |t| {
    let _runner = tokio::spawn(t.app.clone().run_jobs());
    until(&t, "/readyz", StatusCode::OK).await;
    t.db.close().await;
    let (status, body) = plain(&t, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.starts_with("not ready: database"), "{body}");
    assert_eq!(
        body.lines().count(),
        1,
        "a part's name, never an error's text: {body}"
    );
    // Alive all the same, and the metrics still answer, saying so.
    assert_eq!(plain(&t, "/healthz").await.0, StatusCode::OK);
    let text = scrape(&t).await;
    assert_eq!(sample(&text, "holdspace_database_up"), Some(0.0));
    assert!(
        !text.contains("holdspace_jobs_queued{"),
        "no queue without a database"
    );
});

on_both!(metrics_are_not_found_without_a_token, TestApp::spawn, |t| {
    assert_eq!(plain(&t, "/metrics").await.0, StatusCode::NOT_FOUND);
    let r = bearer(&t, "/metrics", TOKEN).await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "no token opens what is off"
    );
});

on_both!(metrics_need_the_right_bearer_token, with_token, |t| {
    assert_eq!(plain(&t, "/metrics").await.0, StatusCode::UNAUTHORIZED);
    let longer = format!("{TOKEN}x");
    let huge = "a".repeat(10_000);
    for wrong in ["", "metrics-test-token", longer.as_str(), huge.as_str()] {
        let r = bearer(&t, "/metrics", wrong).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{:.20}", wrong);
    }
    let r = reqwest::Client::new()
        .get(format!("{}/metrics", t.base))
        .header("authorization", format!("Basic {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "only a bearer token");
    let r = bearer(&t, "/metrics", TOKEN).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    well_formed(&r.text().await.unwrap());
});

on_both!(requests_are_counted_by_route_template, with_token, |t| {
    let ok = r#"http_requests_total{method="GET",route="/articles/{slug}",status="200"}"#;
    let took = r#"http_request_duration_seconds_count{method="GET",route="/articles/{slug}"}"#;
    let before = scrape(&t).await;
    let b = t.browser();
    for _ in 0..7 {
        assert_eq!(b.get(ARTICLE).await.status(), StatusCode::OK);
    }
    let after = scrape(&t).await;
    let grew = |series: &str| {
        sample(&after, series).unwrap_or(0.0) - sample(&before, series).unwrap_or(0.0)
    };
    assert!((grew(ok) - 7.0).abs() < f64::EPSILON, "{}", grew(ok));
    assert!((grew(took) - 7.0).abs() < f64::EPSILON, "{}", grew(took));
    // A token in the path is counted under the template, never as itself; so is a miss.
    let link = "/signin/".to_string() + &"7c".repeat(32);
    b.get(&link).await;
    b.get("/no/such/page-with-words-in-it").await;
    let text = scrape(&t).await;
    assert!(text.contains(r#"route="/signin/{token}""#), "{text}");
    assert!(
        text.contains(r#"route="(no route)",status="404""#),
        "{text}"
    );
    assert!(!text.contains(&"7c".repeat(32)) && !text.contains("page-with-words"));
    // The probes are counted like any request.
    plain(&t, "/healthz").await;
    assert!(scrape(&t)
        .await
        .contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#));
    well_formed(&text);
});

on_both!(no_personal_data_in_any_series, with_token, |t| {
    const NAME: &str = "Mirabel Quenstedt";
    const EMAIL: &str = "mirabel.quenstedt@patients.example";
    let therapist = t.signed_in(OWNER_EMAIL).await;
    let case = t.invite_patient(&therapist, NAME, EMAIL).await;
    let link = t.link_for(EMAIL).await;
    let patient = t.patient_signed_in(EMAIL).await;
    patient.get("/portal").await;
    therapist.get(&format!("/admin/cases/{case}")).await;
    t.run_jobs().await;
    let text = scrape(&t).await;
    let token = link.trim_start_matches("/signin/");
    for private in [
        NAME,
        "Mirabel",
        "Quenstedt",
        EMAIL,
        "patients.example",
        token,
        case.as_str(),
        OWNER_EMAIL,
    ] {
        assert!(
            !text.to_lowercase().contains(&private.to_lowercase()),
            "{private} is in the metrics"
        );
    }
    assert!(text.contains(r#"route="/admin/cases/{id}""#));
    // One job ran, the invitation, and its one mail went out (to the dev mailbox).
    assert_eq!(
        sample(
            &text,
            r#"holdspace_jobs_run_total{kind="patient_invitation"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "holdspace_mail_sent_total"), Some(1.0));
    assert_eq!(sample(&text, "holdspace_mail_failed_total"), Some(0.0));
    assert_eq!(sample(&text, "holdspace_database_up"), Some(1.0));
    assert!(
        sample(&text, r#"holdspace_jobs_queued{state="due"}"#).is_some(),
        "{text}"
    );
    assert!(sample(&text, r#"holdspace_db_pool_connections{state="in_use"}"#).is_some());
    assert_eq!(sample(&text, "holdspace_rooms_open"), Some(0.0));
    assert_eq!(sample(&text, "holdspace_room_connections"), Some(0.0));
    let version = format!(
        r#"holdspace_build_info{{version="{}"}}"#,
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(sample(&text, &version), Some(1.0));
    assert!(sample(&text, "process_start_time_seconds").unwrap_or(0.0) > 1.7e9);
    well_formed(&text);
});

on_both!(
    the_metrics_address_serves_metrics_alone_and_without_a_token,
    TestApp::spawn,
    |t| {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = web::WebState::new(t.app.clone());
        tokio::spawn(web::serve_metrics(listener, state, std::future::pending()));
        let get = |path: &'static str| {
            let url = format!("{base}{path}");
            async move { reqwest::get(url).await.unwrap() }
        };
        let r = get("/metrics").await;
        assert_eq!(r.status(), StatusCode::OK);
        well_formed(&r.text().await.unwrap());
        for other in ["/", "/healthz", "/admin", "/metrics/x"] {
            assert_eq!(get(other).await.status(), StatusCode::NOT_FOUND, "{other}");
        }
    }
);

async fn bearer(t: &TestApp, path: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn scrape(t: &TestApp) -> String {
    let r = bearer(t, "/metrics", TOKEN).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

/// The value of the series written exactly so (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Every line a comment (HELP, TYPE) or `name{labels} value`, each metric's TYPE before its
/// samples.
fn well_formed(text: &str) {
    let mut typed = std::collections::HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect(line);
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            typed.insert(name.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect(line);
        assert!(value.parse::<f64>().is_ok() || value == "+Inf", "{line}");
        let name = series.split('{').next().unwrap();
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|b| typed.contains(*b)))
            .unwrap_or(name);
        assert!(typed.contains(base), "a sample before its TYPE: {line}");
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{line}"
        );
    }
}
