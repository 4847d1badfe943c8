//! The checkout against the stand-in, and the webhook's verification: Stripe's documented
//! scheme by a vector computed outside this code, rotation, tampering, replays, hostile headers.

use super::standin::{event_body, signature_header, StandIn};
use super::*;

const KEY: &str = "sk_test_standin_north";
const WHSEC: &str = "whsec_north";

fn at(second: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(second).unwrap()
}

fn request<'a>() -> CheckoutRequest<'a> {
    CheckoutRequest {
        invoice_id: "inv-2026-0007",
        description: "Invoice 2026-0007",
        amount_minor: 12_000,
        currency: "EUR",
        success_url: "https://practice.example.org/invoices/inv-2026-0007?paid=1",
        cancel_url: "https://practice.example.org/invoices/inv-2026-0007",
        customer_email: Some("patient@example.org"),
    }
}

fn config() -> Config {
    Config::new(KEY.into(), WHSEC.into())
}

// ---- create_checkout against the stand-in ----

#[tokio::test]
async fn a_checkout_sends_the_documented_fields_and_returns_the_hosted_page() {
    let stripe = StandIn::start(KEY).await.unwrap();
    let checkout = create_checkout(&stripe.config(WHSEC), &request())
        .await
        .unwrap();
    assert!(checkout.session_id.starts_with("cs_test_"));
    assert!(checkout
        .url
        .ends_with(&format!("/pay/{}", checkout.session_id)));

    let sent = stripe.requests();
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/checkout/sessions")
    );
    assert_eq!(r.authorization.as_deref(), Some(&*format!("Bearer {KEY}")));
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    for (field, value) in [
        ("mode", "payment"),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][unit_amount]", "12000"),
        (
            "line_items[0][price_data][product_data][name]",
            "Invoice 2026-0007",
        ),
        ("client_reference_id", "inv-2026-0007"),
        ("metadata[invoice_id]", "inv-2026-0007"),
        (
            "success_url",
            "https://practice.example.org/invoices/inv-2026-0007?paid=1",
        ),
        ("customer_email", "patient@example.org"),
    ] {
        assert_eq!(r.field(field), Some(value), "{field}");
    }
    let key = r.idempotency_key.as_deref().unwrap();
    assert!(key.starts_with("holdspace-checkout-") && key.len() <= 255);
}

#[tokio::test]
async fn a_double_click_creates_one_session_and_a_new_amount_another() {
    let stripe = StandIn::start(KEY).await.unwrap();
    let cfg = stripe.config(WHSEC);
    let first = create_checkout(&cfg, &request()).await.unwrap();
    let again = create_checkout(&cfg, &request()).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(stripe.sessions(), 1);
    let keys: Vec<_> = stripe
        .requests()
        .into_iter()
        .map(|r| r.idempotency_key)
        .collect();
    assert_eq!(keys[0], keys[1]);

    // Stripe compares a repeated key's parameters: another return address within its 24 hours is
    // refused, not a second session.
    let moved = CheckoutRequest {
        success_url: "https://practice.example.org/elsewhere",
        ..request()
    };
    let error = create_checkout(&cfg, &moved).await.unwrap_err();
    assert!(
        matches!(error, StripeError::Provider { status: 400, ref kind, .. } if kind == "idempotency_error"),
        "{error:?}"
    );
    assert_eq!(stripe.sessions(), 1);

    let corrected = CheckoutRequest {
        amount_minor: 9_000,
        ..request()
    };
    let other = create_checkout(&cfg, &corrected).await.unwrap();
    assert_ne!(other.session_id, first.session_id);
    assert_eq!(stripe.sessions(), 2);
}

#[test]
fn the_idempotency_key_depends_on_invoice_amount_and_currency_only() {
    let base = idempotency_key(&request());
    let no_mail = CheckoutRequest {
        customer_email: None,
        currency: "eur",
        ..request()
    };
    assert_eq!(idempotency_key(&no_mail), base);
    for other in [
        CheckoutRequest {
            invoice_id: "inv-2026-0008",
            ..request()
        },
        CheckoutRequest {
            amount_minor: 12_001,
            ..request()
        },
        CheckoutRequest {
            currency: "CHF",
            ..request()
        },
        // Length-prefixed parts: moving a digit from the id into the amount changes the key.
        CheckoutRequest {
            invoice_id: "inv-2026-00071",
            amount_minor: 2_000,
            ..request()
        },
    ] {
        assert_ne!(idempotency_key(&other), base);
    }
}

#[tokio::test]
async fn a_wrong_key_is_a_clear_error_that_never_repeats_the_key() {
    let stripe = StandIn::start(KEY).await.unwrap();
    let cfg = Config {
        secret_key: "sk_test_wrong_wren".into(),
        ..stripe.config(WHSEC)
    };
    let error = create_checkout(&cfg, &request()).await.unwrap_err();
    assert_eq!(error, StripeError::Unauthorized);
    let shown = format!("{error} {error:?} {cfg:?}");
    assert!(
        !shown.contains("wrong_wren") && !shown.contains(WHSEC),
        "{shown}"
    );
    assert_eq!(stripe.sessions(), 0);
}

#[tokio::test]
async fn stripes_refusal_carries_its_type_and_code() {
    let stripe = StandIn::start(KEY).await.unwrap();
    stripe.answer_next(
        400,
        br#"{"error":{"type":"idempotency_error","code":"idempotency_key_in_use","message":"x"}}"#
            .to_vec(),
    );
    let error = create_checkout(&stripe.config(WHSEC), &request())
        .await
        .unwrap_err();
    assert_eq!(
        error,
        StripeError::Provider {
            status: 400,
            kind: "idempotency_error".into(),
            code: Some("idempotency_key_in_use".into()),
        }
    );
    // An error page that is not Stripe's JSON (a proxy's HTML) is still a provider error.
    stripe.answer_next(502, b"<html>Bad gateway</html>".to_vec());
    let error = create_checkout(&stripe.config(WHSEC), &request())
        .await
        .unwrap_err();
    assert!(
        matches!(error, StripeError::Provider { status: 502, ref kind, code: None } if kind == "unknown")
    );
}

#[tokio::test]
async fn stripe_down_is_an_error_not_a_panic() {
    // A port that was free a moment ago and is closed now: nothing answers there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let cfg = Config {
        api_base: url::Url::parse(&format!("http://{addr}/")).unwrap(),
        ..config()
    };
    let error = create_checkout(&cfg, &request()).await.unwrap_err();
    assert!(matches!(error, StripeError::Unreachable(_)), "{error:?}");
    assert!(!error.to_string().contains(KEY));
}

#[tokio::test]
async fn a_huge_malformed_or_incomplete_answer_is_refused() {
    let stripe = StandIn::start(KEY).await.unwrap();
    let cfg = stripe.config(WHSEC);
    let huge = format!(
        r#"{{"id":"cs_test_1","url":"https://x.example/{}"}}"#,
        "a".repeat(2 * MAX_ANSWER_BYTES)
    );
    for answer in [
        huge.into_bytes(),
        b"{\"id\": \"cs_test_1\", \"url\": ".to_vec(),
        b"".to_vec(),
        b"[]".to_vec(),
        br#"{"id":"cs_test_1"}"#.to_vec(),
        br#"{"id":"cs_test_1","url":null}"#.to_vec(),
        br#"{"id":"cs_test_1","url":"javascript:alert(1)"}"#.to_vec(),
        br#"{"id":"","url":"https://checkout.stripe.com/c/pay/x"}"#.to_vec(),
    ] {
        stripe.answer_next(200, answer);
        let error = create_checkout(&cfg, &request()).await.unwrap_err();
        assert_eq!(error, StripeError::BadAnswer);
    }
}

#[tokio::test]
async fn a_request_stripe_would_refuse_is_refused_before_sending() {
    let stripe = StandIn::start(KEY).await.unwrap();
    let cfg = stripe.config(WHSEC);
    let long_id = "i".repeat(201);
    for bad in [
        CheckoutRequest {
            invoice_id: "",
            ..request()
        },
        CheckoutRequest {
            invoice_id: &long_id,
            ..request()
        },
        CheckoutRequest {
            description: " ",
            ..request()
        },
        CheckoutRequest {
            amount_minor: 0,
            ..request()
        },
        CheckoutRequest {
            amount_minor: -500,
            ..request()
        },
        CheckoutRequest {
            currency: "EURO",
            ..request()
        },
        CheckoutRequest {
            currency: "€",
            ..request()
        },
        CheckoutRequest {
            success_url: "/invoices/1",
            ..request()
        },
        CheckoutRequest {
            cancel_url: "javascript:alert(1)",
            ..request()
        },
    ] {
        let error = create_checkout(&cfg, &bad).await.unwrap_err();
        assert!(matches!(error, StripeError::InvalidRequest(_)), "{bad:?}");
    }
    assert!(stripe.requests().is_empty());
}

#[tokio::test]
async fn hostile_text_is_form_encoded_not_spliced() {
    let stripe = StandIn::start(KEY).await.unwrap();
    let req = CheckoutRequest {
        invoice_id: "inv&mode=subscription",
        description: "Invoice 7&line_items[1][quantity]=9 ü",
        ..request()
    };
    create_checkout(&stripe.config(WHSEC), &req).await.unwrap();
    let sent = &stripe.requests()[0];
    assert_eq!(sent.field("mode"), Some("payment"));
    assert_eq!(
        sent.field("client_reference_id"),
        Some("inv&mode=subscription")
    );
    assert_eq!(
        sent.field("line_items[0][price_data][product_data][name]"),
        Some("Invoice 7&line_items[1][quantity]=9 ü")
    );
    assert_eq!(sent.field("line_items[1][quantity]"), None);
}

// ---- verify_webhook ----

const VECTOR_BODY: &str = r#"{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_1","payment_status":"paid","client_reference_id":"inv-7","amount_total":12000,"currency":"eur"}}}"#;
/// printf '%s' "1700000000.$VECTOR_BODY" | openssl dgst -sha256 -hmac whsec_north
const VECTOR_SIG: &str = "c071e50c45cf729b5f0c471510cc575bba85833a291a119366cc07b86b4b1029";

fn paid_vector() -> Event {
    Event::Paid {
        event_id: "evt_1".into(),
        session_id: "cs_1".into(),
        invoice_id: "inv-7".into(),
        amount_minor: 12_000,
        currency: "EUR".into(),
    }
}

#[test]
fn the_documented_scheme_verified_against_a_vector_computed_outside() {
    assert_eq!(
        sign(WHSEC, 1_700_000_000, VECTOR_BODY.as_bytes()),
        VECTOR_SIG
    );
    let header = format!("t=1700000000,v1={VECTOR_SIG}");
    let event = verify_webhook(
        &config(),
        &header,
        VECTOR_BODY.as_bytes(),
        at(1_700_000_010),
    );
    assert_eq!(event, Ok(paid_vector()));
}

#[test]
fn any_v1_may_match_during_a_rotation_and_v0_is_ignored() {
    let old = sign("whsec_old", 1_700_000_000, VECTOR_BODY.as_bytes());
    let now = at(1_700_000_000);
    for header in [
        format!("t=1700000000,v1={old},v1={VECTOR_SIG}"),
        format!("t=1700000000,v1={VECTOR_SIG},v1={old}"),
        format!("v1={VECTOR_SIG},t=1700000000"),
        format!("t=1700000000, v1={VECTOR_SIG} ,v0=00,scheme2=zz"),
        format!("t=1700000000,v1=not-hex,v1={VECTOR_SIG}"),
    ] {
        let event = verify_webhook(&config(), &header, VECTOR_BODY.as_bytes(), now);
        assert_eq!(event, Ok(paid_vector()), "{header}");
    }
    // A correct signature under v0 only is not a v1 signature.
    let header = format!("t=1700000000,v0={VECTOR_SIG}");
    let event = verify_webhook(&config(), &header, VECTOR_BODY.as_bytes(), now);
    assert_eq!(event, Err(StripeError::SignatureMismatch));
}

#[test]
fn a_tampered_body_a_wrong_secret_or_a_moved_timestamp_do_not_verify() {
    let now = at(1_700_000_000);
    let header = format!("t=1700000000,v1={VECTOR_SIG}");
    let tampered = VECTOR_BODY.replace("12000", "1");
    let spaced = format!("{VECTOR_BODY} ");
    for body in [tampered.as_str(), spaced.as_str(), ""] {
        let event = verify_webhook(&config(), &header, body.as_bytes(), now);
        assert_eq!(event, Err(StripeError::SignatureMismatch), "{body}");
    }
    let wrong = Config::new(KEY.into(), "whsec_south".into());
    let event = verify_webhook(&wrong, &header, VECTOR_BODY.as_bytes(), now);
    assert_eq!(event, Err(StripeError::SignatureMismatch));
    // The timestamp is signed: changing it (to slip past the tolerance) breaks the signature.
    let moved = format!("t=1700000300,v1={VECTOR_SIG}");
    let event = verify_webhook(&config(), &moved, VECTOR_BODY.as_bytes(), at(1_700_000_300));
    assert_eq!(event, Err(StripeError::SignatureMismatch));
    let upper = format!("t=1700000000,v1={}", VECTOR_SIG.to_uppercase());
    let event = verify_webhook(&config(), &upper, VECTOR_BODY.as_bytes(), now);
    assert_eq!(event, Ok(paid_vector()), "hex is hex in either case");
}

#[test]
fn stale_and_future_timestamps_are_refused_at_the_tolerance() {
    let header = format!("t=1700000000,v1={VECTOR_SIG}");
    let body = VECTOR_BODY.as_bytes();
    for (now, outcome) in [
        (1_700_000_300, Ok(paid_vector())),
        (1_699_999_700, Ok(paid_vector())),
        (1_700_000_301, Err(StripeError::StaleTimestamp(301))),
        (1_699_999_699, Err(StripeError::StaleTimestamp(-301))),
        (1_800_000_000, Err(StripeError::StaleTimestamp(100_000_000))),
    ] {
        assert_eq!(
            verify_webhook(&config(), &header, body, at(now)),
            outcome,
            "{now}"
        );
    }
    let strict = Config {
        tolerance: jiff::SignedDuration::from_secs(10),
        ..config()
    };
    let event = verify_webhook(&strict, &header, body, at(1_700_000_011));
    assert_eq!(event, Err(StripeError::StaleTimestamp(11)));
}

#[test]
fn empty_malformed_and_huge_headers_are_refused_without_work() {
    let body = VECTOR_BODY.as_bytes();
    let now = at(1_700_000_000);
    assert_eq!(
        verify_webhook(&config(), "", body, now),
        Err(StripeError::MissingSignature)
    );
    assert_eq!(
        verify_webhook(&config(), "  ", body, now),
        Err(StripeError::MissingSignature)
    );
    let huge = format!(
        "t=1700000000,v1={VECTOR_SIG},{}",
        "v1=00,".repeat(100_000 / 6)
    );
    assert!(huge.len() >= 100_000);
    for (header, error) in [
        (huge.as_str(), StripeError::MalformedSignature),
        ("garbage", StripeError::MalformedSignature),
        ("t=1700000000;v1=00", StripeError::MalformedSignature),
        (",,,", StripeError::MalformedSignature),
        ("v1=00", StripeError::MalformedSignature),
        ("t=,v1=00", StripeError::MalformedSignature),
        ("t=-5,v1=00", StripeError::MalformedSignature),
        ("t=1.7e9,v1=00", StripeError::MalformedSignature),
        (
            "t=99999999999999999999,v1=00",
            StripeError::MalformedSignature,
        ),
        ("t=1,t=1700000000,v1=00", StripeError::MalformedSignature),
        ("t=1700000000", StripeError::SignatureMismatch),
        ("t=1700000000,v1=", StripeError::SignatureMismatch),
    ] {
        assert_eq!(
            verify_webhook(&config(), header, body, now),
            Err(error),
            "{header:.60}"
        );
    }
}

fn signed(kind: &str, object: serde_json::Value) -> (String, Vec<u8>) {
    let now = at(1_700_000_000);
    let body = event_body(kind, object, now);
    (signature_header(WHSEC, now, &body), body)
}

#[test]
fn an_unpaid_session_and_other_events_are_ignored() {
    let now = at(1_700_000_000);
    let unpaid = serde_json::json!({
        "id": "cs_1", "payment_status": "unpaid", "client_reference_id": "inv-7",
        "amount_total": 12000, "currency": "eur"
    });
    for (kind, object) in [
        ("checkout.session.completed", unpaid.clone()),
        ("checkout.session.async_payment_failed", unpaid.clone()),
        ("checkout.session.expired", unpaid),
        (
            "charge.refunded",
            serde_json::json!({ "id": "ch_1", "amount": 5 }),
        ),
        (
            "customer.created",
            serde_json::json!("a string, not an object"),
        ),
    ] {
        let (header, body) = signed(kind, object);
        match verify_webhook(&config(), &header, &body, now) {
            Ok(Event::Ignored {
                kind: seen,
                event_id,
            }) => {
                assert_eq!(seen, kind);
                assert!(event_id.starts_with("evt_test_"));
            }
            other => panic!("{kind}: {other:?}"),
        }
    }
}

#[test]
fn a_delayed_payment_that_succeeds_is_paid_and_metadata_names_the_invoice() {
    let now = at(1_700_000_000);
    let (header, body) = signed(
        "checkout.session.async_payment_succeeded",
        serde_json::json!({
            "id": "cs_2", "payment_status": "paid", "client_reference_id": null,
            "metadata": { "invoice_id": "inv-9" }, "amount_total": 500, "currency": "chf"
        }),
    );
    match verify_webhook(&config(), &header, &body, now) {
        Ok(Event::Paid {
            session_id,
            invoice_id,
            amount_minor,
            currency,
            ..
        }) => {
            assert_eq!(
                (
                    session_id.as_str(),
                    invoice_id.as_str(),
                    amount_minor,
                    currency.as_str()
                ),
                ("cs_2", "inv-9", 500, "CHF")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_verified_body_that_is_not_a_usable_event_is_an_error() {
    let now = at(1_700_000_000);
    for (body, error) in [
        (b"".to_vec(), StripeError::MalformedEvent),
        (b"not json".to_vec(), StripeError::MalformedEvent),
        (b"{\"id\":\"evt_1\"}".to_vec(), StripeError::MalformedEvent),
        (
            br#"{"id":"evt_1","type":"checkout.session.completed","data":{"object":[]}}"#.to_vec(),
            StripeError::MalformedEvent,
        ),
        (
            br#"{"id":"","type":"x","data":{"object":{}}}"#.to_vec(),
            StripeError::MalformedEvent,
        ),
    ] {
        let header = signature_header(WHSEC, now, &body);
        assert_eq!(verify_webhook(&config(), &header, &body, now), Err(error));
    }
    let paid = |extra: serde_json::Value| {
        let mut object = serde_json::json!({ "id": "cs_1", "payment_status": "paid",
            "amount_total": 100, "currency": "eur" });
        for (k, v) in extra.as_object().unwrap() {
            object[k] = v.clone();
        }
        signed("checkout.session.completed", object)
    };
    for (extra, error) in [
        (serde_json::json!({}), StripeError::NoInvoice),
        (
            serde_json::json!({ "client_reference_id": " " }),
            StripeError::NoInvoice,
        ),
        (
            serde_json::json!({ "metadata": { "invoice_id": 7 } }),
            StripeError::NoInvoice,
        ),
        (
            serde_json::json!({ "client_reference_id": "inv-1", "amount_total": null }),
            StripeError::MalformedEvent,
        ),
        (
            serde_json::json!({ "client_reference_id": "inv-1", "amount_total": 1.5 }),
            StripeError::MalformedEvent,
        ),
        (
            serde_json::json!({ "client_reference_id": "inv-1", "currency": "euro" }),
            StripeError::MalformedEvent,
        ),
    ] {
        let (header, body) = paid(extra.clone());
        assert_eq!(
            verify_webhook(&config(), &header, &body, now),
            Err(error),
            "{extra}"
        );
    }
}

#[tokio::test]
async fn the_stand_ins_paid_event_verifies_for_the_session_it_created() {
    let stripe = StandIn::start(KEY).await.unwrap();
    let cfg = stripe.config(WHSEC);
    let checkout = create_checkout(&cfg, &request()).await.unwrap();
    let now = at(1_700_000_000);
    let (header, body) = stripe.paid_event(&checkout.session_id, WHSEC, now);
    assert!(header.contains(",v0="));
    match verify_webhook(&cfg, &header, &body, now) {
        Ok(Event::Paid {
            session_id,
            invoice_id,
            amount_minor,
            currency,
            ..
        }) => {
            assert_eq!(session_id, checkout.session_id);
            assert_eq!(invoice_id, "inv-2026-0007");
            assert_eq!((amount_minor, currency.as_str()), (12_000, "EUR"));
        }
        other => panic!("{other:?}"),
    }
    // Signed with another secret, the same event is refused.
    let (header, body) = stripe.paid_event(&checkout.session_id, "whsec_other", now);
    assert_eq!(
        verify_webhook(&cfg, &header, &body, now),
        Err(StripeError::SignatureMismatch)
    );
    // A session the stand-in never made is paid without an invoice: refused, not guessed.
    let (header, body) = stripe.paid_event("cs_test_unknown", WHSEC, now);
    assert_eq!(
        verify_webhook(&cfg, &header, &body, now),
        Err(StripeError::NoInvoice)
    );
}

#[test]
fn the_config_never_prints_its_secrets() {
    let shown = format!("{:?}", config());
    assert!(!shown.contains(KEY) && !shown.contains(WHSEC), "{shown}");
    assert!(shown.contains("api.stripe.com") && shown.contains("REDACTED"));
}
