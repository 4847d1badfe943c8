//! A stand-in for Stripe on loopback, for tests: `POST /v1/checkout/sessions` answered the way
//! Stripe answers it, and `checkout.session.completed` events signed the way Stripe signs them.
//!
//! The integration cannot be run against Stripe here, so this is what it is tested against. It
//! is a few dozen lines of HTTP/1.1 on a tokio listener, one request per connection
//! (`Connection: close`), and it records every request so a test can read what was sent.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Past this a request is answered 413 and dropped: Stripe's own limit is far above a checkout.
const MAX_REQUEST: usize = 64 * 1024;

/// One request the stand-in received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    pub idempotency_key: Option<String>,
    pub content_type: Option<String>,
    /// The form fields in the order sent.
    pub form: Vec<(String, String)>,
}

impl Recorded {
    /// The first value of a form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A session the stand-in created, for the events it signs later.
#[derive(Clone, Debug)]
struct Session {
    invoice_id: Option<String>,
    amount: i64,
    currency: String,
    json: serde_json::Value,
}

/// The first request under an idempotency key, to answer its repeats with.
struct Replay {
    form: Vec<(String, String)>,
    answer: (u16, Vec<u8>),
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    sessions: BTreeMap<String, Session>,
    /// Idempotency key → what was sent and answered the first time.
    replies: BTreeMap<String, Replay>,
    /// The next answers, instead of the usual ones (huge, malformed, a 500…).
    scripted: Vec<(u16, Vec<u8>)>,
    counter: u64,
}

/// The running stand-in; it stops when dropped.
pub struct StandIn {
    addr: SocketAddr,
    secret_key: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl StandIn {
    /// Listens on 127.0.0.1 on a free port and accepts `secret_key` as the only valid key.
    pub async fn start(secret_key: &str) -> std::io::Result<StandIn> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Shared {
            addr,
            secret_key: secret_key.to_string(),
            state: state.clone(),
        };
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move { shared.serve(stream).await });
            }
        });
        Ok(StandIn {
            addr,
            secret_key: secret_key.to_string(),
            state,
            task,
        })
    }

    /// `http://127.0.0.1:PORT/`, for `Config::api_base`.
    pub fn api_base(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.addr)).expect("a loopback address parses")
    }

    /// A `Config` for this stand-in with the given webhook secret.
    pub fn config(&self, webhook_secret: &str) -> super::Config {
        super::Config {
            api_base: self.api_base(),
            ..super::Config::new(self.secret_key.clone().into(), webhook_secret.into())
        }
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state).requests.clone()
    }

    /// How many distinct sessions were created.
    pub fn sessions(&self) -> usize {
        lock(&self.state).sessions.len()
    }

    /// Answers the next request with `status` and `body`, whatever it asks.
    pub fn answer_next(&self, status: u16, body: Vec<u8>) {
        lock(&self.state).scripted.push((status, body));
    }

    /// A `checkout.session.completed` event for `session_id`, paid, with the `Stripe-Signature`
    /// header Stripe would send at `at`: `t=…,v1=…` and a `v0=` that must be ignored. A session
    /// the stand-in does not know is sent without an invoice (a paid event a caller must refuse).
    pub fn paid_event(
        &self,
        session_id: &str,
        secret: &str,
        at: jiff::Timestamp,
    ) -> (String, Vec<u8>) {
        let session = lock(&self.state).sessions.get(session_id).cloned();
        let object = match session {
            Some(s) => {
                let mut json = s.json;
                json["payment_status"] = "paid".into();
                json["status"] = "complete".into();
                json["amount_total"] = s.amount.into();
                json["currency"] = s.currency.into();
                json["client_reference_id"] = s.invoice_id.into();
                json
            }
            None => serde_json::json!({
                "id": session_id, "object": "checkout.session", "payment_status": "paid",
                "status": "complete", "amount_total": 1, "currency": "eur",
                "client_reference_id": null, "metadata": {}
            }),
        };
        let body = event_body("checkout.session.completed", object, at);
        (signature_header(secret, at, &body), body)
    }
}

/// A Stripe event of `kind` around `object`, as Stripe serialises one (pretty-printed: the
/// signature covers the exact bytes, whitespace included).
pub fn event_body(kind: &str, object: serde_json::Value, at: jiff::Timestamp) -> Vec<u8> {
    let event = serde_json::json!({
        "id": format!("evt_test_{}", random_hex(12)),
        "object": "event",
        "api_version": "2024-06-20",
        "created": at.as_second(),
        "data": { "object": object },
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": kind,
    });
    serde_json::to_vec_pretty(&event).unwrap_or_default()
}

/// The `Stripe-Signature` header Stripe sends for `body` at `at`, with a test-mode `v0`.
pub fn signature_header(secret: &str, at: jiff::Timestamp, body: &[u8]) -> String {
    let t = at.as_second();
    format!(
        "t={t},v1={},v0={}",
        super::sign(secret, t, body),
        random_hex(32)
    )
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).unwrap_or_default();
    hex::encode(buf)
}

/// The state survives a panicking test thread: a poisoned lock is still read.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Clone)]
struct Shared {
    addr: SocketAddr,
    secret_key: String,
    state: Arc<Mutex<State>>,
}

impl Shared {
    async fn serve(&self, mut stream: TcpStream) {
        let (status, body) = match read_request(&mut stream).await {
            Some(request) => self.answer(request),
            None => (413, error_json("invalid_request_error", None, "too large")),
        };
        let head = format!(
            "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nRequest-Id: req_standin\r\n\r\n",
            reason(status),
            body.len()
        );
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(&body).await;
        let _ = stream.shutdown().await;
    }

    fn answer(&self, request: Recorded) -> (u16, Vec<u8>) {
        let mut state = lock(&self.state);
        state.requests.push(request.clone());
        if !state.scripted.is_empty() {
            return state.scripted.remove(0);
        }
        if request.method != "POST" || request.path != "/v1/checkout/sessions" {
            let message = "Unrecognized request URL.";
            return (404, error_json("invalid_request_error", None, message));
        }
        if request.authorization != Some(format!("Bearer {}", self.secret_key)) {
            // Stripe's answer to a wrong key: 401 with an invalid_request_error.
            let message = "Invalid API Key provided: sk_test_****";
            return (401, error_json("invalid_request_error", None, message));
        }
        if let Some(key) = &request.idempotency_key {
            // As Stripe does: the first answer again, or an error if the parameters differ.
            match state.replies.get(key) {
                Some(replay) if replay.form == request.form => return replay.answer.clone(),
                Some(_) => {
                    let message = "Keys for idempotent requests can only be used with the same parameters they were first used with.";
                    return (400, error_json("idempotency_error", None, message));
                }
                None => {}
            }
        }
        let reply = match self.create(&mut state, &request) {
            Ok(json) => (200, serde_json::to_vec(&json).unwrap_or_default()),
            Err(param) => (
                400,
                error_json(
                    "invalid_request_error",
                    Some("parameter_missing"),
                    &format!("Missing or invalid param: {param}"),
                ),
            ),
        };
        if let Some(key) = request.idempotency_key {
            let replay = Replay {
                form: request.form,
                answer: reply.clone(),
            };
            state.replies.insert(key, replay);
        }
        reply
    }

    /// Checks the fields Stripe requires for a one-off payment with inline price data, and
    /// creates the session; `Err` names the first missing or invalid parameter.
    fn create(&self, state: &mut State, r: &Recorded) -> Result<serde_json::Value, &'static str> {
        let need = |name: &'static str| r.field(name).filter(|v| !v.is_empty()).ok_or(name);
        if need("mode")? != "payment" {
            return Err("mode");
        }
        let currency = need("line_items[0][price_data][currency]")?;
        if currency.len() != 3 || currency != currency.to_ascii_lowercase() {
            return Err("line_items[0][price_data][currency]");
        }
        let amount: i64 = need("line_items[0][price_data][unit_amount]")?
            .parse()
            .ok()
            .filter(|a| *a > 0)
            .ok_or("line_items[0][price_data][unit_amount]")?;
        need("line_items[0][price_data][product_data][name]")?;
        if need("line_items[0][quantity]")? != "1" {
            return Err("line_items[0][quantity]");
        }
        let success_url = need("success_url")?;
        let cancel_url = need("cancel_url")?;
        let invoice_id = r.field("client_reference_id").map(str::to_string);
        state.counter += 1;
        let id = format!("cs_test_{}{}", state.counter, random_hex(16));
        let metadata: serde_json::Map<String, serde_json::Value> = r
            .form
            .iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix("metadata[")?.strip_suffix(']')?;
                Some((key.to_string(), v.clone().into()))
            })
            .collect();
        let json = serde_json::json!({
            "id": id,
            "object": "checkout.session",
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": cancel_url,
            "client_reference_id": invoice_id,
            "currency": currency,
            "customer_email": r.field("customer_email"),
            "livemode": false,
            "metadata": metadata,
            "mode": "payment",
            "payment_status": "unpaid",
            "status": "open",
            "success_url": success_url,
            "url": format!("http://{}/pay/{id}", self.addr),
        });
        state.sessions.insert(
            id,
            Session {
                invoice_id,
                amount,
                currency: currency.to_string(),
                json: json.clone(),
            },
        );
        Ok(json)
    }
}

fn error_json(kind: &str, code: Option<&str>, message: &str) -> Vec<u8> {
    let body = serde_json::json!({ "error": { "type": kind, "code": code, "message": message } });
    serde_json::to_vec(&body).unwrap_or_default()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        413 => "Payload Too Large",
        _ => "Status",
    }
}

/// One HTTP/1.1 request: the head up to the blank line, then `Content-Length` bytes of body.
/// `None` past `MAX_REQUEST` or on a broken connection.
async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_REQUEST || read_some(stream, &mut buf).await? == 0 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let (method, path) = (start.next()?.to_string(), start.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_REQUEST {
        return None;
    }
    let body_start = head_end + 4;
    while buf.len() < body_start + length {
        if read_some(stream, &mut buf).await? == 0 {
            return None;
        }
    }
    let body = buf.get(body_start..body_start + length)?;
    Some(Recorded {
        method,
        path,
        authorization: header("authorization"),
        idempotency_key: header("idempotency-key"),
        content_type: header("content-type"),
        form: url::form_urlencoded::parse(body).into_owned().collect(),
    })
}

async fn read_some(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<usize> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await.ok()?;
    buf.extend_from_slice(&chunk[..n]);
    Some(n)
}
