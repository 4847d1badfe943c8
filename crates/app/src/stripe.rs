//! Online card payment through Stripe Checkout: the session is created here, server-side, and the
//! webhook that says it was paid is verified here, as Stripe documents both.
//!
//! Two pure-ish halves: `create_checkout` is one form-encoded POST to Stripe's API (the only
//! network call); `verify_webhook` checks the `Stripe-Signature` header against the raw body and
//! reads the event into an `Event`. Marking an invoice paid (exactly once) is the caller's: the
//! `Paid` event carries Stripe's event id and the invoice id to make that idempotent.
//!
//! Nothing here logs a key, a secret, an e-mail address or the line item's text.

#[cfg(any(test, feature = "stripe-standin"))]
pub mod standin;
#[cfg(test)]
mod tests;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;

/// Stripe's documented default tolerance between a webhook's timestamp and our clock.
pub const DEFAULT_TOLERANCE: jiff::SignedDuration = jiff::SignedDuration::from_secs(300);

/// Longer than any header Stripe sends (a timestamp and a few signatures during a secret's
/// rotation): anything past it is refused before it is split.
const MAX_SIGNATURE_HEADER: usize = 4096;

/// Longer than any Checkout Session Stripe answers with; a longer answer is refused unread.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// How long the POST to Stripe may take in all, so a checkout click never hangs.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the operator configures. `Debug` shows `[REDACTED]` for both secrets.
#[derive(Clone, Debug)]
pub struct Config {
    /// `https://api.stripe.com`; a loopback address in tests.
    pub api_base: url::Url,
    /// `sk_live_…`/`sk_test_…` (or a restricted `rk_…`) key, sent as a Bearer token.
    pub secret_key: SecretString,
    /// The webhook endpoint's signing secret, `whsec_…`.
    pub webhook_secret: SecretString,
    /// How far a webhook's signed timestamp may be from our clock, either way.
    pub tolerance: jiff::SignedDuration,
}

impl Config {
    /// Stripe's own address and the documented tolerance.
    pub fn new(secret_key: SecretString, webhook_secret: SecretString) -> Config {
        Config {
            api_base: default_api_base(),
            secret_key,
            webhook_secret,
            tolerance: DEFAULT_TOLERANCE,
        }
    }
}

/// `https://api.stripe.com/`.
pub fn default_api_base() -> url::Url {
    url::Url::parse("https://api.stripe.com/").expect("a constant, valid address")
}

/// One invoice to be paid. `description` is the line item's name the payer sees on Stripe's page
/// ("Invoice 2026-0007"): never clinical words.
#[derive(Clone, Debug)]
pub struct CheckoutRequest<'a> {
    pub invoice_id: &'a str,
    pub description: &'a str,
    /// In the currency's minor unit (cents), as Stripe's `unit_amount` takes it.
    pub amount_minor: i64,
    /// ISO 4217; sent lowercase.
    pub currency: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    pub customer_email: Option<&'a str>,
}

/// The session Stripe created: send the payer to `url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    pub session_id: String,
    pub url: String,
}

/// What a verified webhook says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A Checkout Session for an invoice was paid. `event_id` is Stripe's, the same on every
    /// redelivery: the caller marks the invoice paid once per invoice, whatever arrives twice.
    Paid {
        event_id: String,
        session_id: String,
        invoice_id: String,
        amount_minor: i64,
        /// Uppercase ISO 4217.
        currency: String,
    },
    /// Any other event, or a session completed but not (yet) paid; answered 2xx and dropped.
    Ignored { event_id: String, kind: String },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StripeError {
    #[error("the Stripe-Signature header is missing")]
    MissingSignature,
    #[error("the Stripe-Signature header is malformed")]
    MalformedSignature,
    #[error("no signature in the Stripe-Signature header matches the body")]
    SignatureMismatch,
    #[error("the webhook's timestamp is {0} s away from our clock, past the tolerance")]
    StaleTimestamp(i64),
    #[error("the webhook's body is not a Stripe event")]
    MalformedEvent,
    #[error("a paid Checkout Session names no invoice")]
    NoInvoice,
    #[error("the checkout request is not valid: {0}")]
    InvalidRequest(&'static str),
    #[error("Stripe refused the secret key (401): check stripe_secret_key")]
    Unauthorized,
    #[error("Stripe refused the request ({status}: {kind}{})", code_suffix(.code))]
    Provider {
        status: u16,
        /// Stripe's `error.type`, e.g. `invalid_request_error`, `idempotency_error`.
        kind: String,
        /// Stripe's `error.code`, e.g. `parameter_missing`.
        code: Option<String>,
    },
    #[error("Stripe cannot be reached: {0}")]
    Unreachable(String),
    #[error("Stripe's answer is not a Checkout Session")]
    BadAnswer,
}

fn code_suffix(code: &Option<String>) -> String {
    code.as_deref()
        .map(|c| format!(", {c}"))
        .unwrap_or_default()
}

/// Creates a Checkout Session for one invoice: `POST {api_base}/v1/checkout/sessions`.
///
/// The `Idempotency-Key` is derived from the invoice, its amount and currency, so a double click
/// (or a retry after a lost answer) gets the same session back from Stripe for 24 hours, and a
/// corrected amount gets a new one.
#[tracing::instrument(skip_all, fields(invoice = %req.invoice_id))]
pub async fn create_checkout(
    cfg: &Config,
    req: &CheckoutRequest<'_>,
) -> Result<Checkout, StripeError> {
    let body = checkout_form(req)?;
    let endpoint = cfg
        .api_base
        .join("v1/checkout/sessions")
        .map_err(|_| StripeError::InvalidRequest("the API address cannot be joined"))?;
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .build()
        .map_err(|e| StripeError::Unreachable(e.without_url().to_string()))?;
    let response = client
        .post(endpoint)
        .bearer_auth(cfg.secret_key.expose_secret())
        .header("Idempotency-Key", idempotency_key(req))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let answer = read_capped(response).await?;
    if !status.is_success() {
        let error = provider_error(status.as_u16(), &answer);
        tracing::warn!(status = status.as_u16(), error = %error, "Stripe refused a checkout");
        return Err(error);
    }
    parse_session(&answer)
}

/// The form Stripe's "Create a Checkout Session" takes, in a fixed order: one line item with
/// inline `price_data`, quantity 1, the invoice as `client_reference_id` and in `metadata`.
fn checkout_form(req: &CheckoutRequest<'_>) -> Result<String, StripeError> {
    check_request(req)?;
    let currency = req.currency.to_ascii_lowercase();
    let amount = req.amount_minor.to_string();
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("mode", "payment")
        .append_pair("line_items[0][quantity]", "1")
        .append_pair("line_items[0][price_data][currency]", &currency)
        .append_pair("line_items[0][price_data][unit_amount]", &amount)
        .append_pair(
            "line_items[0][price_data][product_data][name]",
            req.description,
        )
        .append_pair("client_reference_id", req.invoice_id)
        .append_pair("metadata[invoice_id]", req.invoice_id)
        .append_pair("success_url", req.success_url)
        .append_pair("cancel_url", req.cancel_url);
    if let Some(email) = req.customer_email.filter(|e| !e.trim().is_empty()) {
        form.append_pair("customer_email", email);
    }
    Ok(form.finish())
}

/// Refuses what Stripe would refuse anyway, before a network round trip: Stripe caps
/// `client_reference_id` at 200 characters and metadata values at 500.
fn check_request(req: &CheckoutRequest<'_>) -> Result<(), StripeError> {
    let id = req.invoice_id;
    if id.trim().is_empty() || id.len() > 200 {
        return Err(StripeError::InvalidRequest(
            "the invoice id must be 1 to 200 characters",
        ));
    }
    if req.description.trim().is_empty() || req.description.len() > 500 {
        return Err(StripeError::InvalidRequest(
            "the description must be 1 to 500 characters",
        ));
    }
    if req.amount_minor <= 0 {
        return Err(StripeError::InvalidRequest("the amount must be positive"));
    }
    if req.currency.len() != 3 || !req.currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(StripeError::InvalidRequest(
            "the currency must be three letters (ISO 4217)",
        ));
    }
    for url in [req.success_url, req.cancel_url] {
        let parsed = url::Url::parse(url)
            .map_err(|_| StripeError::InvalidRequest("the return addresses must be absolute"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(StripeError::InvalidRequest(
                "the return addresses must be http(s)",
            ));
        }
    }
    Ok(())
}

/// `holdspace-checkout-` and the SHA-256 of invoice, amount and currency (hex, 64 characters):
/// stable for one invoice at one amount, within Stripe's 255-character limit.
pub fn idempotency_key(req: &CheckoutRequest<'_>) -> String {
    let mut hash = Sha256::new();
    for part in [
        req.invoice_id,
        &req.amount_minor.to_string(),
        &req.currency.to_ascii_lowercase(),
    ] {
        // Length-prefixed, so ("a1", "0") and ("a", "10") cannot collide.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    format!("holdspace-checkout-{}", hex::encode(hash.finalize()))
}

/// A transport failure in words that never carry the key (it travels in a header, not the URL).
fn unreachable(e: reqwest::Error) -> StripeError {
    let what = if e.is_timeout() {
        "no answer within 10 s"
    } else if e.is_connect() {
        "the connection failed"
    } else {
        "the request failed"
    };
    StripeError::Unreachable(format!("{what} ({})", e.without_url()))
}

/// The answer's body, refused once it passes `MAX_ANSWER_BYTES`.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, StripeError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(StripeError::BadAnswer);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(StripeError::BadAnswer);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Stripe's error body: `{"error": {"type": …, "code": …, "message": …}}`. The message is left
/// out on purpose: for a wrong key it quotes part of the key.
fn provider_error(status: u16, body: &[u8]) -> StripeError {
    #[derive(Deserialize)]
    struct Answer {
        error: ErrorBody,
    }
    #[derive(Deserialize)]
    struct ErrorBody {
        #[serde(rename = "type")]
        kind: Option<String>,
        code: Option<String>,
    }
    if status == 401 {
        return StripeError::Unauthorized;
    }
    let (kind, code) = match serde_json::from_slice::<Answer>(body) {
        Ok(a) => (a.error.kind, a.error.code),
        Err(_) => (None, None),
    };
    StripeError::Provider {
        status,
        kind: kind.unwrap_or_else(|| "unknown".into()),
        code,
    }
}

/// The session's `id` and hosted `url` from Stripe's answer.
fn parse_session(body: &[u8]) -> Result<Checkout, StripeError> {
    #[derive(Deserialize)]
    struct Session {
        id: String,
        url: Option<String>,
    }
    let session: Session = serde_json::from_slice(body).map_err(|_| StripeError::BadAnswer)?;
    let url = session.url.ok_or(StripeError::BadAnswer)?;
    let hosted = url::Url::parse(&url).map_err(|_| StripeError::BadAnswer)?;
    if session.id.is_empty() || !matches!(hosted.scheme(), "http" | "https") {
        return Err(StripeError::BadAnswer);
    }
    Ok(Checkout {
        session_id: session.id,
        url,
    })
}

/// Verifies a webhook as Stripe documents it ("Verify signatures manually"): the header's `t=` and
/// every `v1=`; HMAC-SHA256 of `"{t}.{raw body}"` under the endpoint secret, compared in constant
/// time with each `v1` (more than one during a secret's rotation); then the timestamp within
/// `cfg.tolerance` of `now`. Only then is the body read as an event.
///
/// `signature_header` is the `Stripe-Signature` header's value, `""` when there is none; `body`
/// the request's bytes exactly as received.
pub fn verify_webhook(
    cfg: &Config,
    signature_header: &str,
    body: &[u8],
    now: jiff::Timestamp,
) -> Result<Event, StripeError> {
    let header = parse_signature_header(signature_header)?;
    let expected = signed_payload_mac(cfg.webhook_secret.expose_secret(), header.t, body);
    let matches = header
        .v1
        .iter()
        .any(|candidate| match hex::decode(candidate) {
            // `verify_slice` compares in constant time.
            Ok(bytes) => expected.clone().verify_slice(&bytes).is_ok(),
            Err(_) => false,
        });
    if !matches {
        return Err(StripeError::SignatureMismatch);
    }
    let signed_at = header
        .t
        .parse::<i64>()
        .map_err(|_| StripeError::MalformedSignature)?;
    let skew = now.as_second().saturating_sub(signed_at);
    if skew.unsigned_abs() > cfg.tolerance.as_secs().unsigned_abs() {
        return Err(StripeError::StaleTimestamp(skew));
    }
    read_event(body)
}

/// The header's parts: the timestamp as written (it is signed as text) and every `v1` signature.
struct SignatureHeader<'h> {
    t: &'h str,
    v1: Vec<&'h str>,
}

/// Splits `t=…,v1=…,v1=…,v0=…` at `,` and each element at its first `=`; keeps `t` and every
/// `v1`, discards other schemes (`v0` is test mode's, which Stripe says to ignore).
fn parse_signature_header(text: &str) -> Result<SignatureHeader<'_>, StripeError> {
    if text.trim().is_empty() {
        return Err(StripeError::MissingSignature);
    }
    if text.len() > MAX_SIGNATURE_HEADER {
        return Err(StripeError::MalformedSignature);
    }
    let mut t = None;
    let mut v1 = Vec::new();
    for element in text.split(',') {
        let (prefix, value) = element
            .trim()
            .split_once('=')
            .ok_or(StripeError::MalformedSignature)?;
        match prefix {
            // Two timestamps would leave it open which one was signed.
            "t" if t.is_some() => return Err(StripeError::MalformedSignature),
            "t" => t = Some(value),
            "v1" => v1.push(value),
            _ => {}
        }
    }
    let t = t.ok_or(StripeError::MalformedSignature)?;
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 12 {
        return Err(StripeError::MalformedSignature);
    }
    if v1.is_empty() {
        return Err(StripeError::SignatureMismatch);
    }
    Ok(SignatureHeader { t, v1 })
}

/// HMAC-SHA256 keyed by the endpoint secret over `"{t}.{body}"`, ready to compare or print.
fn signed_payload_mac(secret: &str, t: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `v1` signature Stripe would send for `body` at `t` (lowercase hex): for the stand-in and
/// for tests that sign their own events.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mac = signed_payload_mac(secret, &t.to_string(), body);
    hex::encode(mac.finalize().into_bytes())
}

/// The two Checkout events that can mean "paid", as Stripe's fulfilment guide lists them: the
/// session completed (cards pay at once), or a delayed method's payment later succeeded.
const PAID_KINDS: [&str; 2] = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
];

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: RawData,
}

#[derive(Deserialize)]
struct RawData {
    object: serde_json::Value,
}

#[derive(Deserialize)]
struct RawSession {
    id: String,
    payment_status: Option<String>,
    client_reference_id: Option<String>,
    metadata: Option<BTreeMap<String, serde_json::Value>>,
    amount_total: Option<i64>,
    currency: Option<String>,
}

/// The verified body as an `Event`: a paid Checkout Session, or anything else to ignore.
fn read_event(body: &[u8]) -> Result<Event, StripeError> {
    let event: RawEvent = serde_json::from_slice(body).map_err(|_| StripeError::MalformedEvent)?;
    if event.id.is_empty() {
        return Err(StripeError::MalformedEvent);
    }
    if !PAID_KINDS.contains(&event.kind.as_str()) {
        return Ok(Event::Ignored {
            event_id: event.id,
            kind: event.kind,
        });
    }
    let session: RawSession =
        serde_json::from_value(event.data.object).map_err(|_| StripeError::MalformedEvent)?;
    // `no_payment_required` never applies (the amount is positive); `unpaid` is a delayed
    // method still on its way, paid later by `async_payment_succeeded`.
    if session.payment_status.as_deref() != Some("paid") {
        return Ok(Event::Ignored {
            event_id: event.id,
            kind: event.kind,
        });
    }
    let invoice_id = invoice_of(&session).ok_or(StripeError::NoInvoice)?;
    let (Some(amount_minor), Some(currency)) = (session.amount_total, session.currency) else {
        return Err(StripeError::MalformedEvent);
    };
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(StripeError::MalformedEvent);
    }
    Ok(Event::Paid {
        event_id: event.id,
        session_id: session.id,
        invoice_id,
        amount_minor,
        currency: currency.to_ascii_uppercase(),
    })
}

/// `client_reference_id`, else `metadata.invoice_id` (both are set by `create_checkout`).
fn invoice_of(session: &RawSession) -> Option<String> {
    let from_metadata = || {
        session
            .metadata
            .as_ref()?
            .get("invoice_id")?
            .as_str()
            .map(str::to_string)
    };
    session
        .client_reference_id
        .clone()
        .filter(|id| !id.trim().is_empty())
        .or_else(from_metadata)
        .filter(|id| !id.trim().is_empty())
}
