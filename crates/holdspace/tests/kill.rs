//! Kill -9 under a write load: the real binary, twenty clients booking and sending messages
//! through the public API, a SIGKILL while they write and while a mail is half sent, a restart on
//! the same data. Every acknowledged write is there, the audit chain verifies, and every job's mail
//! reaches the SMTP sink exactly once (the mail cut off by the kill is sent again, once). On SQLite
//! and on PostgreSQL.

use base64::Engine as _;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

mod support;
use support::{free_port, postgres_database};

const CLIENTS: usize = 20;
/// Writes per client at most; the kill comes long before.
const WRITES: usize = 40;
/// Once armed, the sink holds its answer to the mail this many after until the server is killed.
const HELD: usize = 12;
/// Guards: a regression fails here instead of hanging the suite.
const GUARD: Duration = Duration::from_secs(120);
const PASSWORD: &str = "a long password for the kill test";

/// A mail the sink accepted: its envelope recipients and its text, transfer-decoded.
#[derive(Clone, Debug)]
struct Mail {
    to: Vec<String>,
    text: String,
}

/// An SMTP server that accepts everything, except that, once armed, it never answers the
/// `HELD`th message after: that mail is not accepted, and the test is told it is in flight.
struct Sink {
    port: u16,
    accepted: Arc<Mutex<Vec<Mail>>>,
    counts: Arc<Mutex<Counts>>,
}

/// Messages seen so far, and the one to hold.
#[derive(Default)]
struct Counts {
    seen: usize,
    hold: Option<usize>,
}

impl Sink {
    async fn start(held: tokio::sync::mpsc::Sender<()>) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let counts = Arc::new(Mutex::new(Counts::default()));
        let (store, seen) = (accepted.clone(), counts.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(session(stream, store.clone(), seen.clone(), held.clone()));
            }
        });
        Sink {
            port,
            accepted,
            counts,
        }
    }

    fn arm(&self) {
        let mut counts = self.counts.lock().unwrap();
        counts.hold = Some(counts.seen + HELD);
    }

    fn mails(&self) -> Vec<Mail> {
        self.accepted.lock().unwrap().clone()
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    accepted: Arc<Mutex<Vec<Mail>>>,
    counts: Arc<Mutex<Counts>>,
    held: tokio::sync::mpsc::Sender<()>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut to = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => write.write_all(b"250 sink\r\n").await?,
            "RCPT" => {
                let address = line
                    .split(['<', '>'])
                    .nth(1)
                    .unwrap_or("")
                    .to_ascii_lowercase();
                to.push(address);
                write.write_all(b"250 OK\r\n").await?;
            }
            "DATA" => {
                write.write_all(b"354 go on\r\n").await?;
                let mut data = Vec::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    data.push(line.strip_prefix('.').map_or(line.clone(), str::to_string));
                }
                let hold = {
                    let mut counts = counts.lock().unwrap();
                    counts.seen += 1;
                    counts.hold == Some(counts.seen)
                };
                if hold {
                    // Never answered: the mail is in flight when the server dies.
                    let _ = held.send(()).await;
                    std::future::pending::<()>().await;
                }
                accepted.lock().unwrap().push(Mail {
                    to: std::mem::take(&mut to),
                    text: decode(&data),
                });
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

/// The message's text: the headers, then the body undone from quoted-printable or base64.
fn decode(lines: &[String]) -> String {
    let text = lines.join("\n");
    let Some((head, body)) = text.split_once("\n\n") else {
        return text;
    };
    let encoding = head.to_ascii_lowercase();
    let body = if encoding.contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        base64::engine::general_purpose::STANDARD
            .decode(joined)
            .map_or_else(
                |_| body.to_string(),
                |b| String::from_utf8_lossy(&b).into_owned(),
            )
    } else {
        body.replace("=\n", "").replace("=3D", "=")
    };
    format!("{head}\n\n{body}")
}

/// The binary on one data directory and database, restartable.
struct Server {
    data_dir: PathBuf,
    database_url: Option<String>,
    port: u16,
    smtp_port: u16,
    child: Option<Child>,
}

impl Server {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_holdspace"));
        command
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .env_remove("HOLDSPACE_DATABASE_URL")
            .env_remove("HOLDSPACE_MASTER_KEY")
            .env("RUST_LOG", "warn");
        if let Some(url) = &self.database_url {
            command.args(["--database-url", url]);
        }
        command
    }

    async fn start(&mut self, demo: bool) {
        let listen = format!("127.0.0.1:{}", self.port);
        let smtp = format!("smtp://127.0.0.1:{}", self.smtp_port);
        let mut args = vec![
            "serve",
            "--listen",
            &listen,
            "--smtp-url",
            &smtp,
            // Each client writes under an address of its own, as a proxy would report it, so
            // the per-address limits on messages and bookings do not refuse the load.
            "--trust-proxy",
            "--job-retry-base-ms",
            "200",
        ];
        if demo {
            args.push("--demo");
        }
        let child = self
            .command(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let client = reqwest::Client::new();
        let ready = tokio::time::timeout(GUARD, async {
            loop {
                if let Ok(r) = client.get(format!("{}/healthz", self.base())).send().await {
                    if r.status().is_success() {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await;
        assert!(ready.is_ok(), "the server did not start");
    }

    fn kill(&mut self) {
        let mut child = self.child.take().unwrap();
        // SIGKILL: no shutdown, no flush.
        child.kill().unwrap();
        child.wait().unwrap();
    }

    fn audit_verify(&self) -> std::process::Output {
        self.command(&["audit", "verify"]).output().unwrap()
    }

    async fn db(&self) -> store::Db {
        let config = match &self.database_url {
            Some(url) => store::DbConfig::url(url),
            None => store::DbConfig::sqlite_in(&self.data_dir),
        };
        let keys = store::MasterKey::load_or_create(&self.data_dir.join("master.key")).unwrap();
        store::Db::open(&config, keys).await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("holdspace-kill-{}", store::random_hex(6)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What the clients were told was done: messages and bookings by their email, and for each
/// client's case the number of its last saved note.
#[derive(Default)]
struct Acknowledged {
    messages: Vec<String>,
    bookings: Vec<String>,
    notes: HashMap<usize, usize>,
}

/// A therapist signed in without a browser: the cookies kept by hand, same-origin requests.
#[derive(Clone)]
struct Therapist {
    base: String,
    http: reqwest::Client,
    cookies: Arc<Mutex<HashMap<String, String>>>,
}

impl Therapist {
    fn new(base: &str) -> Therapist {
        Therapist {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            cookies: Arc::default(),
        }
    }

    fn headers(&self) -> reqwest::header::HeaderMap {
        let mut h = reqwest::header::HeaderMap::new();
        let jar = self.cookies.lock().unwrap();
        let cookie: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !cookie.is_empty() {
            h.insert("cookie", cookie.join("; ").parse().unwrap());
        }
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        h
    }

    fn keep(&self, r: &reqwest::Response) {
        let mut jar = self.cookies.lock().unwrap();
        for v in r.headers().get_all("set-cookie") {
            let text = v.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                jar.insert(k.to_string(), v.to_string());
            }
        }
    }

    async fn page(&self, path: &str) -> reqwest::Result<String> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .headers(self.headers())
            .send()
            .await?;
        self.keep(&r);
        r.text().await
    }

    async fn post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Result<reqwest::Response> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(self.headers())
            .form(fields)
            .send()
            .await?;
        self.keep(&r);
        Ok(r)
    }

    /// The form token on `path`.
    async fn csrf(&self, path: &str) -> String {
        let page = self.page(path).await.unwrap();
        let at = page.find("name=\"csrf\"").expect("a csrf field");
        let tag = &page[page[..at].rfind('<').unwrap()..];
        tag.split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    }

    async fn sign_in(&self, email: &str, password: &str, totp: &str) {
        let csrf = self.csrf("/admin/signin").await;
        let r = self
            .post(
                "/admin/signin",
                &[
                    ("csrf", &csrf),
                    ("email", email),
                    ("password", password),
                    ("next", ""),
                ],
            )
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "password");
        let csrf = self.csrf("/admin/two-factor").await;
        let code = app::two_factor::current_code(totp, jiff::Timestamp::now()).unwrap();
        let r = self
            .post(
                "/admin/two-factor",
                &[("csrf", &csrf), ("code", &code), ("next", "")],
            )
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "second factor");
    }

    /// Invites a patient; answers the new case's id.
    async fn invite(&self, name: &str, email: &str) -> String {
        let csrf = self.csrf("/admin/patients").await;
        let r = self
            .post(
                "/admin/patients",
                &[
                    ("csrf", &csrf),
                    ("name", name),
                    ("email", email),
                    ("time_zone", "Europe/Berlin"),
                ],
            )
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "invite {email}");
        r.headers()["location"]
            .to_str()
            .unwrap()
            .trim_start_matches("/admin/cases/")
            .to_string()
    }
}

/// The note a client writes the `n`th time: the last one saved is what the workspace shows.
fn note(index: usize, n: usize) -> String {
    format!("Note {index}-{n} under load.")
}

/// One client: a message, a booking, a message, … each under an address and an email of its own,
/// until the server stops answering.
async fn client(
    base: String,
    index: usize,
    slots: Arc<Vec<String>>,
    notes: (Therapist, String, String),
    acked: Arc<Mutex<Acknowledged>>,
) {
    let (therapist, case, csrf) = notes;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    for n in 0..WRITES {
        if n % 3 == 2 {
            let text = note(index, n);
            let saved = therapist
                .post(
                    &format!("/admin/cases/{case}/workspace"),
                    &[("csrf", &csrf), ("notes", &text)],
                )
                .await;
            let Ok(saved) = saved else {
                return;
            };
            if saved.status() == reqwest::StatusCode::SEE_OTHER {
                acked.lock().unwrap().notes.insert(index, n);
            }
            continue;
        }
        let address = format!("10.{}.{}.{}", index, n / 250, n % 250 + 1);
        let email = format!("c{index}-w{n}@example.org");
        let booking = n % 3 == 1;
        let request = if booking {
            let slot = &slots[(n / 3 * CLIENTS + index) % slots.len()];
            http.post(format!("{base}/api/v1/bookings"))
                .json(&serde_json::json!({
                    "slot_id": slot, "name": "Load Visitor", "email": email,
                    "consent": true, "time_zone": "Europe/Berlin"
                }))
        } else {
            http.post(format!("{base}/api/v1/messages"))
                .json(&serde_json::json!({
                    "name": "Load Visitor", "email": email,
                    "message": "A message written under load.", "consent": true
                }))
        };
        let Ok(response) = request.header("x-forwarded-for", address).send().await else {
            return; // the server is gone
        };
        if response.status() == reqwest::StatusCode::CREATED {
            let mut acked = acked.lock().unwrap();
            if booking {
                acked.bookings.push(email);
            } else {
                acked.messages.push(email);
            }
        }
    }
}

/// The address of every inquiry, opened.
async fn inquiry_senders(db: &store::Db) -> Vec<String> {
    let rows = store::testing::raw_triples(
        db,
        "SELECT id, CAST(0 AS BIGINT), email_sealed FROM inquiries WHERE id <> $1",
        "",
    )
    .await;
    rows.into_iter()
        .map(|(id, _, sealed)| {
            db.keyring()
                .open("inquiries", "email_sealed", &id, &sealed)
                .expect("an inquiry's address opens")
        })
        .collect()
}

async fn count(db: &store::Db, sql: &str, param: &str) -> i64 {
    store::testing::raw_text(db, sql, param)
        .await
        .parse()
        .unwrap()
}

async fn kill_under_load(database_url: Option<String>) {
    let (held_tx, mut held_rx) = tokio::sync::mpsc::channel(1);
    let sink = Sink::start(held_tx).await;
    let mut server = Server {
        data_dir: temp_dir(),
        database_url,
        port: free_port(),
        smtp_port: sink.port,
        child: None,
    };
    server.start(true).await;

    let slots: serde_json::Value = reqwest::get(format!("{}/api/v1/slots", server.base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let slots: Vec<String> = slots["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert!(slots.len() >= 10, "the demo practice offers times");
    let slots = Arc::new(slots);

    // A therapist of the practice, signed in once; a case of hers for each client's notes.
    let added = server
        .command(&[
            "therapist",
            "add",
            "--email",
            "nora@example.org",
            "--name",
            "Nora Notes",
            "--time-zone",
            "Europe/Berlin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(PASSWORD.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    let printed = String::from_utf8_lossy(&added.stdout).into_owned();
    let totp = printed
        .lines()
        .find_map(|l| l.strip_prefix("totp secret: "))
        .unwrap_or_else(|| panic!("no totp secret in {printed:?}"))
        .to_string();
    let therapist = Therapist::new(&server.base());
    therapist.sign_in("nora@example.org", PASSWORD, &totp).await;
    let mut cases = Vec::new();
    for i in 0..CLIENTS {
        let case = therapist
            .invite(&format!("Patient {i}"), &format!("p{i}@example.org"))
            .await;
        let csrf = therapist
            .csrf(&format!("/admin/cases/{case}/workspace"))
            .await;
        cases.push((case, csrf));
    }

    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let load: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(i, (case, csrf))| {
            let notes = (therapist.clone(), case.clone(), csrf.clone());
            tokio::spawn(client(
                server.base(),
                i,
                slots.clone(),
                notes,
                acked.clone(),
            ))
        })
        .collect();
    // The kill comes while a mail is half sent and the clients are writing.
    sink.arm();
    let held = tokio::time::timeout(GUARD, held_rx.recv()).await;
    assert!(held.is_ok(), "the load never made {HELD} mails");
    let before_kill = {
        let a = acked.lock().unwrap();
        a.messages.len() + a.bookings.len()
    };
    server.kill();
    for client in load {
        client.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    let writes = acked.messages.len() + acked.bookings.len() + acked.notes.len();
    assert!(
        before_kill > 0 && writes < CLIENTS * WRITES,
        "the load was running at the kill"
    );
    eprintln!(
        "kill: {} messages and bookings acknowledged when the mail was held, {} messages, {} bookings and notes on {} cases in all",
        before_kill,
        acked.messages.len(),
        acked.bookings.len(),
        acked.notes.len()
    );

    server.start(false).await;
    let db = server.db().await;
    // Every job that was due has run (the one the kill interrupted once its lease ran out).
    let settled = tokio::time::timeout(GUARD, async {
        loop {
            let now = jiff::Timestamp::now().as_millisecond().to_string();
            let open = count(
                &db,
                "SELECT CAST(COUNT(*) AS TEXT) FROM jobs WHERE state IN ('pending', 'running') AND run_at <= CAST($1 AS BIGINT)",
                &now,
            )
            .await;
            if open == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    })
    .await;
    assert!(settled.is_ok(), "jobs were left undone after the restart");

    // Every acknowledged write is there.
    // Senders' addresses are sealed: each inquiry's is opened, and accounts are found by the
    // keyed blind index, as sign-in finds them.
    let senders = inquiry_senders(&db).await;
    for email in &acked.messages {
        let n = senders.iter().filter(|s| *s == email).count();
        assert_eq!(n, 1, "the acknowledged message from {email}");
    }
    for email in &acked.bookings {
        let n = count(
            &db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM users WHERE email_blind = $1",
            &store::identity::email_blind(db.keyring(), email),
        )
        .await;
        assert_eq!(n, 1, "the acknowledged booking by {email}");
    }

    for (index, last) in &acked.notes {
        let (case, _) = &cases[*index];
        let page = therapist
            .page(&format!("/admin/cases/{case}/workspace"))
            .await
            .unwrap();
        // The last acknowledged note, or one sent after it that committed before the kill.
        let shown = (*last..WRITES).any(|n| page.contains(&note(*index, n)));
        assert!(shown, "the note {} on case {case}", note(*index, *last));
    }

    // The audit chain is whole.
    let verified = server.audit_verify();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );

    // Each job's mail exactly once: one per job that ran, none twice.
    let mails = sink.mails();
    let done = count(
        &db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM jobs WHERE state = $1",
        "done",
    )
    .await;
    let failed = count(
        &db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM jobs WHERE state = $1",
        "failed",
    )
    .await;
    assert_eq!(failed, 0, "no job gave up");
    assert_eq!(
        i64::try_from(mails.len()).unwrap(),
        done,
        "one mail per job that ran"
    );
    let mut by_visitor: HashMap<&str, usize> = HashMap::new();
    let mut by_inquiry: HashMap<String, usize> = HashMap::new();
    for mail in &mails {
        for to in &mail.to {
            if to.starts_with('c') && to.ends_with("@example.org") {
                *by_visitor.entry(to).or_default() += 1;
            }
        }
        if let Some(at) = mail.text.find("/admin/inquiries/") {
            let id: String = mail.text[at + "/admin/inquiries/".len()..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            *by_inquiry.entry(id).or_default() += 1;
        }
    }
    for email in &acked.bookings {
        assert_eq!(
            by_visitor.get(email.as_str()),
            Some(&1),
            "the confirmation to {email}"
        );
    }
    assert!(by_visitor.values().all(|n| *n == 1), "{by_visitor:?}");
    let inquiries = count(
        &db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM inquiries WHERE id <> $1",
        "",
    )
    .await;
    assert_eq!(
        i64::try_from(by_inquiry.len()).unwrap(),
        inquiries,
        "one notification per message"
    );
    assert!(by_inquiry.values().all(|n| *n == 1), "{by_inquiry:?}");
    db.close().await;
    let data_dir = server.data_dir.clone();
    drop(server);
    let _ = std::fs::remove_dir_all(data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_on_sqlite() {
    kill_under_load(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_on_postgres() {
    if let Some(url) = postgres_database("kill") {
        kill_under_load(Some(url)).await;
    }
}
