//! The OpenAPI document at /api/v1/openapi.json against the server it describes: every API route
//! is in it and nothing else, its limits are the domain's, and what the handlers answer (status,
//! content type, body) is what it says, for the inputs the document once got wrong (hardening
//! finding 8). schemathesis (scripts/schemathesis) then fuzzes the real binary with it.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

const DOCUMENT: &str = include_str!("../src/openapi.json");

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("the document is JSON")
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = &doc["components"]["schemas"][name];
    assert!(s.is_object(), "no schema {name}");
    s
}

fn limit(schema: &Value, key: &str) -> usize {
    usize::try_from(
        schema[key]
            .as_u64()
            .unwrap_or_else(|| panic!("no {key} in {schema}")),
    )
    .unwrap()
}

/// The operations the document describes, as (METHOD, path).
fn documented_operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.push((method.to_uppercase(), path.clone()));
        }
    }
    out.sort();
    out
}

on_both!(
    the_document_names_every_api_route_and_nothing_else,
    TestApp::spawn,
    |t| {
        let doc = document();
        let documented = documented_operations(&doc);
        let mut served: Vec<(String, String)> = t
            .routes
            .iter()
            .filter(|r| r.path.starts_with("/api/"))
            .map(|r| (r.method.to_string(), r.path.to_string()))
            .collect();
        served.sort();
        assert_eq!(documented, served, "the document and the router disagree");
        // Each operation says what it answers, and every body it describes is JSON.
        for (method, path) in &documented {
            let op = &doc["paths"][path][method.to_lowercase()];
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path}"
            );
            for (status, r) in responses {
                if let Some(content) = r["content"].as_object() {
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/json"],
                        "{method} {path} {status}"
                    );
                } else {
                    assert!(
                        status.starts_with('3'),
                        "{method} {path} {status}: a body without a schema"
                    );
                }
            }
            // A POST takes a body and can be refused for it; each lists its refusals.
            if method == "POST" {
                for status in ["400", "413", "415", "422", "429"] {
                    assert!(responses.contains_key(status), "{method} {path} {status}");
                }
            }
        }
        // The document served is this one.
        let served: Value = reqwest::get(format!("{}/api/v1/openapi.json", t.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(served, doc);
    }
);

#[test]
fn the_documents_limits_are_the_ones_the_server_applies() {
    use domain::{booking, inquiry, params, validation};
    let doc = document();
    let message = &schema(&doc, "MessageInput")["properties"];
    assert_eq!(limit(&message["name"], "maxLength"), inquiry::NAME_MAX);
    assert_eq!(limit(&message["phone"], "maxLength"), inquiry::PHONE_MAX);
    assert_eq!(
        limit(&message["preferred_time"], "maxLength"),
        inquiry::PREFERRED_TIME_MAX
    );
    assert_eq!(
        limit(&message["message"], "maxLength"),
        inquiry::MESSAGE_MAX
    );
    assert_eq!(limit(&message["email"], "maxLength"), validation::EMAIL_MAX);

    let booking_input = &schema(&doc, "BookingInput")["properties"];
    assert_eq!(
        limit(&booking_input["name"], "maxLength"),
        booking::NAME_MAX
    );
    assert_eq!(
        limit(&booking_input["phone"], "maxLength"),
        booking::PHONE_MAX
    );
    assert_eq!(
        limit(&booking_input["note"], "maxLength"),
        booking::NOTE_MAX
    );
    assert_eq!(
        limit(&booking_input["email"], "maxLength"),
        validation::EMAIL_MAX
    );
    assert_eq!(
        limit(&booking_input["time_zone"], "maxLength"),
        params::ZONE_MAX
    );
    let slot_pattern = booking_input["slot_id"]["pattern"].as_str().unwrap();
    assert!(
        slot_pattern.contains(&format!("[^-]{{1,{}}}", booking::SlotRef::KEY_MAX)),
        "{slot_pattern}"
    );

    // Required text is not empty, and not blank either (the server trims).
    for (input, field) in [
        (message, "name"),
        (message, "email"),
        (message, "message"),
        (booking_input, "name"),
        (booking_input, "email"),
    ] {
        assert_eq!(limit(&input[field], "minLength"), 1, "{field}");
        assert_eq!(input[field]["pattern"], "\\S", "{field}");
    }
    assert_eq!(limit(&booking_input["slot_id"], "minLength"), 1);

    let slots = &doc["paths"]["/api/v1/slots"]["get"]["parameters"];
    let tz = slots
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "tz")
        .unwrap();
    assert_eq!(limit(&tz["schema"], "maxLength"), params::ZONE_MAX);
    let page = &doc["paths"]["/api/v1/articles"]["get"]["parameters"][0];
    assert_eq!(
        (&page["name"], &page["schema"]["minimum"]),
        (&json!("page"), &json!(1))
    );

    let list = &schema(&doc, "ArticleList")["properties"]["articles"];
    assert_eq!(
        limit(list, "maxItems"),
        usize::try_from(app::site::ARTICLES_PER_PAGE).unwrap()
    );
    let article = &schema(&doc, "Article")["allOf"][1]["properties"]["related"];
    assert_eq!(limit(article, "maxItems"), app::site::RELATED_MAX);
    let nearest = &schema(&doc, "Taken")["properties"]["nearest"];
    assert_eq!(limit(nearest, "maxItems"), booking::NEAREST_OFFERED);
}

/// Checks `value` against the part of JSON Schema the document uses; `Err` says where it fails.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let fail = |why: String| Err::<(), String>(format!("{at}: {why} ({value})"));
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return conforms(doc, &doc["components"]["schemas"][name], value, at);
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            conforms(doc, s, value, at)?;
        }
    }
    if let Some(any) = schema["anyOf"].as_array() {
        if !any.iter().any(|s| conforms(doc, s, value, at).is_ok()) {
            return fail("matches no anyOf".into());
        }
    }
    if let Some(c) = schema.get("const") {
        if c != value {
            return fail(format!("is not {c}"));
        }
    }
    if let Some(e) = schema["enum"].as_array() {
        if !e.contains(value) {
            return fail("is not in the enum".into());
        }
    }
    let type_ok = |t: &str| match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        other => panic!("type {other} is not used by the document"),
    };
    match &schema["type"] {
        Value::String(t) if !type_ok(t) => return fail(format!("is not {t}")),
        Value::Array(ts) if !ts.iter().any(|t| type_ok(t.as_str().unwrap())) => {
            return fail("has none of the types".into())
        }
        _ => {}
    }
    if let Some(s) = value.as_str() {
        let n = s.chars().count();
        if schema["minLength"].as_u64().is_some_and(|m| (n as u64) < m)
            || schema["maxLength"].as_u64().is_some_and(|m| (n as u64) > m)
        {
            return fail("has the wrong length".into());
        }
        if schema["format"] == "date-time" && s.parse::<jiff::Timestamp>().is_err() {
            return fail("is not a date-time".into());
        }
    }
    if let Some(n) = value.as_i64() {
        if schema["minimum"].as_i64().is_some_and(|m| n < m) {
            return fail("is below the minimum".into());
        }
    }
    if let Some(items) = value.as_array() {
        if schema["maxItems"]
            .as_u64()
            .is_some_and(|m| items.len() as u64 > m)
        {
            return fail("has too many items".into());
        }
        for (i, item) in items.iter().enumerate() {
            if schema.get("items").is_some() {
                conforms(doc, &schema["items"], item, &format!("{at}[{i}]"))?;
            }
        }
    }
    if let Some(object) = value.as_object() {
        for key in schema["required"].as_array().into_iter().flatten() {
            if !object.contains_key(key.as_str().unwrap()) {
                return fail(format!("lacks {key}"));
            }
        }
        if schema["minProperties"]
            .as_u64()
            .is_some_and(|m| (object.len() as u64) < m)
        {
            return fail("has too few properties".into());
        }
        for (key, v) in object {
            if let Some(names) = schema.get("propertyNames") {
                conforms(doc, names, &json!(key), &format!("{at} key"))?;
            }
            match schema["properties"].get(key) {
                Some(s) => conforms(doc, s, v, &format!("{at}.{key}"))?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => return fail(format!("has {key}")),
                    Some(s @ Value::Object(_)) => conforms(doc, s, v, &format!("{at}.{key}"))?,
                    _ => {}
                },
            }
        }
    }
    Ok(())
}

/// Sends a request and checks the answer against the document: the status is one the
/// operation lists, the content type is the listed one, and the body matches its schema.
async fn answer(
    t: &TestApp,
    method: &str,
    template: &str,
    path_and_query: &str,
    body: Option<reqwest::RequestBuilder>,
) -> (StatusCode, Value) {
    let doc = document();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("{}{path_and_query}", t.base);
    let request = body.unwrap_or_else(|| client.request(method.parse().unwrap(), &url));
    let r = request.send().await.unwrap();
    let status = r.status();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let text = r.text().await.unwrap();
    let op = &doc["paths"][template][method.to_lowercase()];
    assert!(op.is_object(), "{method} {template} is not documented");
    let documented = &op["responses"][status.as_str()];
    assert!(
        documented.is_object(),
        "{method} {path_and_query} answered {status}, which the document does not list: {text}"
    );
    let Some(schema) = documented["content"]["application/json"]["schema"].as_object() else {
        return (status, Value::Null);
    };
    assert_eq!(
        content_type.as_deref(),
        Some("application/json"),
        "{method} {path_and_query} {status}"
    );
    let value: Value = serde_json::from_str(&text).unwrap();
    if let Err(why) = conforms(&doc, &Value::Object(schema.clone()), &value, "body") {
        panic!("{method} {path_and_query} {status} does not match the document: {why}");
    }
    (status, value)
}

async fn get(t: &TestApp, template: &str, path_and_query: &str) -> (StatusCode, Value) {
    answer(t, "GET", template, path_and_query, None).await
}

async fn post(t: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
    let request = reqwest::Client::new()
        .post(format!("{}{path}", t.base))
        .json(body);
    answer(t, "POST", path, path, Some(request)).await
}

fn refused_field(body: &Value, field: &str) -> String {
    body["errors"][field]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{field} not refused: {body}"))
        .to_string()
}

on_both!(
    page_numbers_are_whole_numbers_from_one_as_documented,
    TestApp::with_practice,
    |t| {
        let (status, list) = get(&t, "/api/v1/articles", "/api/v1/articles").await;
        assert_eq!((status, &list["page"]), (StatusCode::OK, &json!(1)));
        for bad in ["0", "-1", "abc", "", "1.5", "%2B1", "000"] {
            let (status, body) = get(
                &t,
                "/api/v1/articles",
                &format!("/api/v1/articles?page={bad}"),
            )
            .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "page={bad}");
            assert_eq!(refused_field(&body, "page"), "error-page-number");
        }
        // Past the last page (however far) gives the last page, as the document says.
        for far in ["2", "99999999999999999999"] {
            let (status, list) = get(
                &t,
                "/api/v1/articles",
                &format!("/api/v1/articles?page={far}"),
            )
            .await;
            assert_eq!((status, &list["page"]), (StatusCode::OK, &json!(1)));
        }
        let (status, body) = get(&t, "/api/v1/articles", "/api/v1/articles?page=1&page=2").await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::BAD_REQUEST, &json!("bad-request"))
        );

        let (status, _) = get(
            &t,
            "/api/v1/articles/{slug}",
            "/api/v1/articles/what-happens-in-the-first-session",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = get(&t, "/api/v1/articles/{slug}", "/api/v1/articles/nope").await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::NOT_FOUND, &json!("not-found"))
        );
        let (status, _) = get(&t, "/api/v1/openapi.json", "/api/v1/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
    }
);

on_both!(
    slot_parameters_are_absent_when_empty_and_refused_by_name,
    TestApp::with_practice,
    |t| {
        let (status, absent) = get(&t, "/api/v1/slots", "/api/v1/slots").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!absent["slots"].as_array().unwrap().is_empty());
        // An empty `type` (valid by the document) is the first consultation, not a refusal.
        let (status, empty) = get(&t, "/api/v1/slots", "/api/v1/slots?type=&from=&to=&tz=").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(empty, absent);
        let first = absent["type"].as_str().unwrap().to_string();
        let (status, named) =
            get(&t, "/api/v1/slots", &format!("/api/v1/slots?type={first}")).await;
        assert_eq!((status, &named), (StatusCode::OK, &absent));
        for (query, field, code) in [
            ("type=nope", "type", "error-type"),
            ("from=tomorrow", "from", "error-date"),
            ("to=2027-02-30", "to", "error-date"),
            ("tz=Mars/Olympus", "tz", "error-time-zone"),
        ] {
            let (status, body) = get(&t, "/api/v1/slots", &format!("/api/v1/slots?{query}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert_eq!(refused_field(&body, field), code, "{query}");
        }
        let (status, _) = get(&t, "/api/v1/slots", "/api/v1/slots?tz=a&tz=b").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
);

on_both!(
    bodies_are_refused_as_documented,
    TestApp::with_practice,
    |t| {
        let doc = document();
        // Empty required text: the document's minLength says so, and the server agrees.
        let (status, body) = post(
            &t,
            "/api/v1/messages",
            &json!({"name": "", "email": "ana@example.org", "message": "", "consent": true}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused_field(&body, "name"), "error-required");
        assert_eq!(refused_field(&body, "message"), "error-required");
        let (status, body) = post(
            &t,
            "/api/v1/messages",
            &json!({"name": "   ", "email": "ana@example.org", "message": "Hello", "consent": false}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused_field(&body, "name"), "error-required");
        assert_eq!(refused_field(&body, "consent"), "error-consent-required");
        // The document's types exactly: consent is a boolean, text is text (not null).
        for wrong in [
            json!({"name": "Ana", "email": "ana@example.org", "message": "Hello", "consent": "on"}),
            json!({"name": "Ana", "email": "ana@example.org", "message": "Hello", "consent": true, "phone": null}),
        ] {
            let (status, body) = post(&t, "/api/v1/messages", &wrong).await;
            assert_eq!(
                (status, &body["error"]),
                (StatusCode::BAD_REQUEST, &json!("bad-request")),
                "{wrong}"
            );
        }
        let too_long = "x".repeat(domain::inquiry::NAME_MAX + 1);
        let (status, body) = post(
            &t,
            "/api/v1/messages",
            &json!({"name": too_long, "email": "ana@example.org", "message": "Hello", "consent": true}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused_field(&body, "name"), "error-too-long");

        let (status, body) = post(
            &t,
            "/api/v1/bookings",
            &json!({"slot_id": "", "name": "Ana", "email": "ana@example.org", "consent": true}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused_field(&body, "slot_id"), "error-slot");
        assert_eq!(
            schema(&doc, "BookingInput")["properties"]["slot_id"]["minLength"],
            1
        );

        // A slot id of the documented shape that names no open time.
        let (_, slots) = get(&t, "/api/v1/slots", "/api/v1/slots").await;
        let id = slots["slots"][0]["id"].as_str().unwrap().to_string();
        let (status, body) = post(
            &t,
            "/api/v1/bookings",
            &json!({"slot_id": id, "name": "Ana", "email": "ana@example.org", "consent": "yes"}),
        )
        .await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::BAD_REQUEST, &json!("bad-request"))
        );
        let (status, body) = post(
            &t,
            "/api/v1/bookings",
            &json!({"slot_id": id, "name": "Ana", "email": "ana@example.org", "consent": true, "note": null}),
        )
        .await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::BAD_REQUEST, &json!("bad-request"))
        );
        let (status, booked) = post(
            &t,
            "/api/v1/bookings",
            &json!({"slot_id": id, "name": "Ana", "email": "ana@example.org", "consent": true, "time_zone": ""}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{booked}");
        let (status, taken) = post(
            &t,
            "/api/v1/bookings",
            &json!({"slot_id": id, "name": "Ben", "email": "ben@example.org", "consent": true}),
        )
        .await;
        assert_eq!(
            (status, &taken["error"]),
            (StatusCode::CONFLICT, &json!("taken"))
        );

        // Not JSON, and too large: refused with the documented status and an Error body.
        let client = reqwest::Client::new();
        for path in ["/api/v1/messages", "/api/v1/bookings"] {
            let plain = client
                .post(format!("{}{path}", t.base))
                .header("content-type", "text/plain")
                .body("{}");
            let (status, body) = answer(&t, "POST", path, path, Some(plain)).await;
            assert_eq!(
                (status, &body["error"]),
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, &json!("bad-request"))
            );
            let huge = client
                .post(format!("{}{path}", t.base))
                .header("content-type", "application/json")
                .body(format!("{{\"name\": \"{}\"}}", "x".repeat(7 * 1024 * 1024)));
            let (status, _) = answer(&t, "POST", path, path, Some(huge)).await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            let malformed = client
                .post(format!("{}{path}", t.base))
                .header("content-type", "application/json")
                .body("[1, 2");
            let (status, _) = answer(&t, "POST", path, path, Some(malformed)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
        }

        // The address's allowance runs out: 429, as documented.
        let mut last = StatusCode::OK;
        for _ in 0..8 {
            (last, _) = post(
                &t,
                "/api/v1/messages",
                &json!({"name": "Ana", "email": "ana@example.org", "message": "Hello", "consent": true}),
            )
            .await;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    }
);
