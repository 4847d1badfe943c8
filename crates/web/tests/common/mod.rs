//! `TestApp::spawn`: the whole site in-process on a real port, on a fresh SQLite or PostgreSQL
//! database, with mail kept in the dev mailbox (read back through the store) and a clock the
//! test controls.

#![allow(dead_code)]

use app::clock::{Clock, ManualClock};
use app::App;
use reqwest::header::{HeaderMap, HeaderValue, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Response, StatusCode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use store::{Backend, Db};

pub struct TestApp {
    /// Each therapist's TOTP secret, by email.
    pub secrets: Mutex<HashMap<String, String>>,
    pub base: String,
    pub app: App,
    pub db: Db,
    pub clock: Arc<ManualClock>,
    pub routes: Vec<web::RouteInfo>,
}

/// A second instance of the site (see `TestApp::second_instance`).
pub struct Instance {
    pub base: String,
    pub app: App,
    pub clock: Arc<ManualClock>,
}

impl Instance {
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }
}

pub const OWNER_EMAIL: &str = "anna@linden-room.example";
pub const THERAPIST_EMAIL: &str = "colleague@example.org";
pub const PASSWORD: &str = "a long test password";

impl TestApp {
    /// `None` when PostgreSQL is wanted but not reachable outside CI (the test then passes with a notice).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// `spawn`, with the web layer's settings changed first (behind a proxy, say).
    pub async fn spawn_with(
        backend: Backend,
        configure: impl FnOnce(&mut web::WebState),
    ) -> Option<TestApp> {
        Self::spawn_full(backend, |_| {}, configure).await
    }

    /// `spawn`, with the application's settings (online payment, say) and the web layer's changed.
    pub async fn spawn_full(
        backend: Backend,
        settings: impl FnOnce(&mut app::Config),
        configure: impl FnOnce(&mut web::WebState),
    ) -> Option<TestApp> {
        let db = store::testing::fresh(backend).await?;
        let clock = Arc::new(ManualClock::at("2026-11-27T09:00:00Z".parse().unwrap()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let mut config = app::Config {
            public_url: base.clone(),
            job_retry_base_ms: 1_000,
            ..Default::default()
        };
        settings(&mut config);
        let app = App::new(db.clone(), config, clock.clone()).unwrap();
        let mut state = web::WebState::new(app.clone());
        configure(&mut state);
        let (_, routes) = web::router(state.clone());
        // Served as the binary serves: the same accept loop, deadlines and caps.
        tokio::spawn(async move {
            web::serve(listener, state, std::future::pending())
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

    /// A practice with an owner and a second therapist, and the demo's content.
    pub async fn with_practice(backend: Backend) -> Option<TestApp> {
        Self::with_practice_and(backend, |_| {}).await
    }

    /// `with_practice`, with the web layer's settings changed first (behind a proxy, say).
    pub async fn with_practice_and(
        backend: Backend,
        configure: impl FnOnce(&mut web::WebState),
    ) -> Option<TestApp> {
        Self::with_practice_full(backend, |_| {}, configure).await
    }

    /// `with_practice`, with the application's and the web layer's settings changed first.
    pub async fn with_practice_full(
        backend: Backend,
        settings: impl FnOnce(&mut app::Config),
        configure: impl FnOnce(&mut web::WebState),
    ) -> Option<TestApp> {
        let t = Self::spawn_full(backend, settings, configure).await?;
        let demo = t.app.load_demo().await.unwrap();
        t.secrets
            .lock()
            .unwrap()
            .insert(OWNER_EMAIL.into(), demo.totp_secret);
        let added = t
            .app
            .add_therapist(
                THERAPIST_EMAIL,
                "Theo Colleague",
                "America/New_York",
                PASSWORD,
            )
            .await
            .unwrap();
        t.secrets
            .lock()
            .unwrap()
            .insert(THERAPIST_EMAIL.into(), added.totp_secret);
        Some(t)
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// Another instance of the site on the same database (as a practice running several behind
    /// a load balancer), with its own caches and its own clock, starting at this one's time.
    pub async fn second_instance(&self) -> Instance {
        let clock = Arc::new(ManualClock::at(self.clock.now()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = app::Config {
            public_url: base.clone(),
            ..Default::default()
        };
        let app = App::new(self.db.clone(), config, clock.clone()).unwrap();
        let state = web::WebState::new(app.clone());
        tokio::spawn(async move {
            web::serve(listener, state, std::future::pending())
                .await
                .unwrap();
        });
        Instance { base, app, clock }
    }

    pub async fn signed_in(&self, email: &str) -> Browser {
        let b = self.browser();
        let csrf = b.csrf_from("/admin/signin").await;
        let password = if email == OWNER_EMAIL {
            app::demo::DEMO_PASSWORD
        } else {
            PASSWORD
        };
        let r = b
            .post_form(
                "/admin/signin",
                &[
                    ("csrf", &csrf),
                    ("email", email),
                    ("password", password),
                    ("next", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
        assert!(location(&r).starts_with("/admin/two-factor"));
        self.pass_second_factor(&b, email).await;
        b
    }

    /// Types the current TOTP code, then moves the clock on a step (a code is good only once).
    pub async fn pass_second_factor(&self, b: &Browser, email: &str) {
        let csrf = b.csrf_from("/admin/two-factor").await;
        let code = self.code_for(email);
        let r = b
            .post_form(
                "/admin/two-factor",
                &[("csrf", &csrf), ("code", &code), ("next", "")],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "second factor of {email}"
        );
        self.clock.advance(jiff::SignedDuration::from_secs(30));
    }

    /// Adds a therapist to the practice (enrolled in TOTP, known to `signed_in`).
    pub async fn add_colleague(&self, email: &str, name: &str) {
        let added = self
            .app
            .add_therapist(email, name, "Europe/Berlin", PASSWORD)
            .await
            .unwrap();
        self.secrets
            .lock()
            .unwrap()
            .insert(email.into(), added.totp_secret);
    }

    /// A therapist invites a patient; answers the new case's id.
    pub async fn invite_patient(&self, therapist: &Browser, name: &str, email: &str) -> String {
        let csrf = therapist.csrf_from("/admin/patients").await;
        let r = therapist
            .post_form(
                "/admin/patients",
                &[
                    ("csrf", &csrf),
                    ("name", name),
                    ("email", email),
                    ("time_zone", "Europe/London"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "invite {email}");
        location(&r).trim_start_matches("/admin/cases/").to_string()
    }

    /// The newest sign-in link mailed to `email` (after running the mail jobs).
    pub async fn link_for(&self, email: &str) -> String {
        // A second apart, so that "newest" is well defined under the test's clock.
        self.clock.advance(jiff::SignedDuration::from_secs(1));
        self.run_jobs().await;
        let mail = self
            .mails()
            .await
            .into_iter()
            .filter(|m| m.to == email && m.body.contains("/signin/"))
            .max_by_key(|m| m.created_at)
            .expect("a sign-in mail");
        let at = mail.body.find("/signin/").unwrap();
        mail.body[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }

    /// Signs a patient in through the newest link in their mail.
    pub async fn patient_signed_in(&self, email: &str) -> Browser {
        let path = self.link_for(email).await;
        let b = self.browser();
        let csrf = b.csrf_from(&path).await;
        let r = b.post_form(&path, &[("csrf", &csrf)]).await;
        assert_eq!(location(&r), "/portal", "patient {email} signed in");
        b
    }

    pub fn code_for(&self, email: &str) -> String {
        let secret = self
            .secrets
            .lock()
            .unwrap()
            .get(email)
            .cloned()
            .expect("a TOTP secret for this therapist");
        app::two_factor::current_code(&secret, self.clock.now()).unwrap()
    }

    /// Runs every job that is due now (the runner is not started in tests: the test decides when).
    pub async fn run_jobs(&self) -> usize {
        self.app.run_due_jobs().await.unwrap()
    }

    pub async fn mails(&self) -> Vec<domain::outbox::Mail> {
        let mut c = self.db.conn().await.unwrap();
        let list = store::mailbox::list(&mut c, 100).await.unwrap();
        let mut out = Vec::new();
        for m in list {
            out.push(store::mailbox::get(&mut c, &m.id).await.unwrap().unwrap());
        }
        out
    }
}

/// A browser without JavaScript: keeps cookies, follows nothing by itself, sends same-origin headers.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: Mutex<HashMap<String, String>>,
    /// The `Accept-Language` this browser sends, when it sends one.
    language: Mutex<Option<String>>,
    /// The address a trusting proxy would report for this browser (`X-Forwarded-For`).
    address: Mutex<Option<String>>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            base: base.to_string(),
            client,
            cookies: Mutex::new(HashMap::new()),
            language: Mutex::new(None),
            address: Mutex::new(None),
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        let jar = self.cookies.lock().unwrap();
        if !jar.is_empty() {
            let v = jar
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            h.insert(COOKIE, HeaderValue::from_str(&v).unwrap());
        }
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        if let Some(address) = self.address.lock().unwrap().as_deref() {
            h.insert("x-forwarded-for", HeaderValue::from_str(address).unwrap());
        }
        if let Some(tag) = self.language.lock().unwrap().as_deref() {
            h.insert("accept-language", HeaderValue::from_str(tag).unwrap());
        }
        h
    }

    /// From now on this browser asks for pages in `tag` (an `Accept-Language` value).
    pub fn speak(&self, tag: &str) {
        *self.language.lock().unwrap() = Some(tag.to_string());
    }

    /// From now on this browser comes from `address` (for an app spawned behind a proxy).
    pub fn come_from(&self, address: &str) {
        *self.address.lock().unwrap() = Some(address.to_string());
    }

    fn keep_cookies(&self, r: &Response) {
        let mut jar = self.cookies.lock().unwrap();
        for v in r.headers().get_all(SET_COOKIE) {
            let text = v.to_str().unwrap();
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let (k, val) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || val.is_empty() {
                jar.remove(k);
            } else {
                jar.insert(k.to_string(), val.to_string());
            }
        }
    }

    /// Posts `fields` with this browser's form token (the double-submit cookie's value).
    pub async fn post_with_token(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let csrf = self.cookie("__Host-hs_csrf").expect("a csrf cookie");
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all).await
    }

    /// The address of the portal's questionnaire titled `title`, from the portal's front page.
    pub async fn questionnaire_link(&self, title: &str) -> String {
        let (status, home) = self.text("/portal").await;
        assert_eq!(status, StatusCode::OK);
        let at = home
            .find(&format!("\">{title}</a>"))
            .unwrap_or_else(|| panic!("the portal lists {title}: {home}"));
        let start = home[..at].rfind("href=\"").unwrap() + 6;
        home[start..at].to_string()
    }

    /// The `Cookie` header this browser would send (for a WebSocket handshake).
    pub fn cookie_header(&self) -> String {
        self.headers()
            .get(COOKIE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub async fn get(&self, path: &str) -> Response {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .headers(self.headers())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&r);
        r
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        (r.status(), r.text().await.unwrap())
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .headers(self.headers())
            .form(fields)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&r);
        r
    }

    pub async fn post_raw(
        &self,
        path: &str,
        headers: HeaderMap,
        body: String,
        content_type: &str,
    ) -> Response {
        let mut h = self.headers();
        h.extend(headers);
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .headers(h)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&r);
        r
    }

    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Response {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .headers(self.headers())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&r);
        r
    }

    /// Opens a page and reads the hidden `csrf` field of its first form.
    pub async fn csrf_from(&self, path: &str) -> String {
        let (status, html) = self.text(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        field_value(&html, "csrf").unwrap_or_else(|| panic!("no csrf field on {path}"))
    }
}

/// A session of `case` on `date` at `time` (the therapist's zone), added from the calendar over
/// any clash; answers the appointment's id as the week's grid links it.
pub async fn session_at(therapist: &Browser, case: &str, date: &str, time: &str) -> String {
    let week = format!("/admin/calendar?day={date}");
    let csrf = therapist.csrf_from(&week).await;
    let r = therapist
        .post_form(
            "/admin/calendar/appointments",
            &[
                ("csrf", &csrf),
                ("case", case),
                ("kind", "session"),
                ("date", date),
                ("time", time),
                ("clash", "on"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "session on {date} at {time}"
    );
    let (_, page) = therapist.text(&week).await;
    let label = format!(">{time}");
    let at = page
        .match_indices("href=\"/admin/calendar/")
        .map(|(i, _)| i)
        .find(|i| page[*i..].split("</a>").next().unwrap().contains(&label))
        .expect("the session in the grid")
        + "href=\"/admin/calendar/".len();
    page[at..at + 32].to_string()
}

/// A session on Monday 30 November 2026 at `time` in the therapist's zone.
pub async fn session_on_monday(therapist: &Browser, case: &str, time: &str) -> String {
    session_at(therapist, case, "2026-11-30", time).await
}

/// A session on `date` at 10:00 in the therapist's zone.
pub async fn session_on_day(therapist: &Browser, case: &str, date: &str) -> String {
    session_at(therapist, case, date, "10:00").await
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The `value` of the input named `name` in `html`.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.split("value=\"").nth(1)?;
    Some(v.split('"').next()?.to_string())
}

/// The first link's target after `marker` in `html` (say `rel="next" href="`), as a path to get.
pub fn href_after(html: &str, marker: &str) -> String {
    html.split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker} in the page"))
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

/// The id of the newest message sent through the site's form.
pub async fn newest_inquiry(t: &TestApp) -> String {
    let (page, _) = store::inquiries::list(
        &mut t.db.conn().await.unwrap(),
        None,
        &domain::content::Window::Newest,
        1,
    )
    .await
    .unwrap();
    page[0].id.to_string()
}

/// Runs a test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $setup:path, |$t:ident| $body:block) => {
        mod $name {
            use super::*;
            async fn run($t: $crate::common::TestApp) $body
            #[tokio::test]
            async fn sqlite() {
                run($setup(store::Backend::Sqlite).await.expect("sqlite")).await
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(t) = $setup(store::Backend::Postgres).await {
                    run(t).await
                }
            }
        }
    };
}

/// The account at `email` as a signed-in actor, for calling the app's use-cases directly.
pub async fn actor_of(t: &TestApp, email: &str) -> app::Actor {
    let (user, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), email)
        .await
        .unwrap()
        .unwrap();
    app::Actor::signed(user, "test".into(), true, "127.0.0.1")
}

/// A complete billing profile for a practice in Berlin, issued by `issuer`.
pub fn billing_profile(issuer: &str) -> domain::invoice::ProfileInput {
    domain::invoice::ProfileInput {
        issuer: issuer.into(),
        address: "Lindenstraße 4\n10969 Berlin".into(),
        country: "DE".into(),
        iban: "DE89 3704 0044 0532 0130 00".into(),
        payment_days: "14".into(),
        paper: "a4".into(),
        cadence: "monthly".into(),
        reminder_days: "7".into(),
        ..domain::invoice::ProfileInput::default()
    }
}
