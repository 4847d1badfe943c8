//! The public site and "Send a message", in-process over real HTTP, on SQLite and PostgreSQL.

mod common;

use common::{field_value, location, newest_inquiry, TestApp};
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

on_both!(articles_pages_and_related_links_are_served, practice, |t| {
    let b = t.browser();
    let (status, html) = b.text("/articles/what-happens-in-the-first-session").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(
        "<h1 id=\"article-heading\">What happens in the first session of online psychotherapy</h1>"
    ));
    assert!(html.contains("rel=\"canonical\" href=\"http://127.0.0.1"));
    assert!(html.contains("property=\"og:type\" content=\"article\""));
    let related = html
        .split("id=\"related-heading\"")
        .nth(1)
        .expect("related section");
    let links: Vec<&str> = related
        .split("href=\"/articles/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert!((1..=3).contains(&links.len()), "{links:?}");
    assert!(!links.contains(&"what-happens-in-the-first-session"));
    for path in [
        "/",
        "/about",
        "/fees",
        "/privacy",
        "/faq",
        "/faq/what-do-i-need",
        "/articles",
        "/articles?page=2",
        "/tags",
        "/tags/first-session",
        "/contact",
    ] {
        let (status, html) = b.text(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("0800 111 0 111"), "crisis contacts on {path}");
    }
});

on_both!(
    unknown_and_hostile_addresses_answer_404_without_internals,
    practice,
    |t| {
        let b = t.browser();
        for path in [
            "/nothing-here",
            "/articles/nope",
            "/articles/..%2F..%2Fetc%2Fpasswd",
            "/faq/%3Cscript%3E",
            "/tags/nope",
            "/media/abc.png",
            "/static/nope.css",
            &format!("/articles/{}", "a".repeat(5000)),
        ] {
            let (status, html) = b.text(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert!(
                !html.contains("sqlx") && !html.contains("panicked") && !html.contains("Error {"),
                "{path}: {html}"
            );
        }
    }
);

on_both!(
    sitemap_and_feed_list_the_published_articles,
    practice,
    |t| {
        let b = t.browser();
        let (status, xml) = b.text("/sitemap.xml").await;
        assert_eq!(status, StatusCode::OK);
        assert!(xml.contains("/articles/what-you-need-for-online-sessions</loc>"));
        let (status, feed) = b.text("/feed.xml").await;
        assert_eq!(status, StatusCode::OK);
        assert!(feed.starts_with("<?xml"));
        assert_eq!(feed.matches("<entry>").count(), 9);
        assert!(!feed.contains("<script"));
    }
);

on_both!(security_headers_are_on_every_page, practice, |t| {
    let r = t.browser().get("/").await;
    let h = r.headers();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
    let r = t.browser().get("/contact").await;
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.starts_with("__Host-hs_csrf=")
            && cookie.contains("HttpOnly")
            && cookie.contains("Secure")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
});

on_both!(
    a_bad_form_comes_back_with_errors_and_everything_typed,
    practice,
    |t| {
        let b = t.browser();
        let csrf = b.csrf_from("/contact").await;
        let r = b
            .post_form(
                "/contact",
                &[
                    ("csrf", &csrf),
                    ("name", ""),
                    ("email", "not-an-email"),
                    ("message", "My words <b>stay</b> here"),
                    ("phone", "+30 210"),
                    ("website", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        for field in ["name", "email", "consent"] {
            assert!(html.contains(&format!("id=\"{field}-error\"")), "{field}");
        }
        assert!(!html.contains("id=\"message-error\""));
        assert!(
            html.contains("My words &#60;b&#62;stay&#60;/b&#62; here")
                || html.contains("My words &lt;b&gt;stay&lt;/b&gt; here"),
            "message kept, escaped"
        );
        assert_eq!(field_value(&html, "email").as_deref(), Some("not-an-email"));
        assert_eq!(field_value(&html, "phone").as_deref(), Some("+30 210"));
        assert_eq!(
            store::inquiries::count(&mut t.db.conn().await.unwrap(), None)
                .await
                .unwrap(),
            0
        );
    }
);

on_both!(
    a_message_is_stored_sealed_and_the_therapist_told_without_its_text,
    practice,
    |t| {
        let b = t.browser();
        let csrf = b.csrf_from("/contact").await;
        let secret = "I have not slept properly since the accident";
        let r = b
            .post_form(
                "/contact",
                &[
                    ("csrf", &csrf),
                    ("name", "Ana K."),
                    ("email", "ana@example.org"),
                    ("message", secret),
                    ("consent", "on"),
                    ("website", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/contact/thanks");
        // Durable before "thank you": the row and its job are there.
        assert_eq!(
            store::inquiries::count(&mut t.db.conn().await.unwrap(), None)
                .await
                .unwrap(),
            1
        );
        assert_eq!(t.run_jobs().await, 1);
        assert_eq!(t.run_jobs().await, 0, "exactly one notification");
        let mails = t.mails().await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, "anna@linden-room.example");
        assert!(mails[0].subject.contains("New message"));
        assert!(
            !mails[0].body.contains("slept") && !mails[0].body.contains("Ana"),
            "{}",
            mails[0].body
        );
        assert!(mails[0].body.contains("/admin/inquiries/"));
        // At rest the text is sealed.
        let stored = raw_message_column(&t).await;
        assert!(stored.starts_with("hs1:") && !stored.contains("slept"));
    }
);

async fn raw_message_column(t: &TestApp) -> String {
    store::testing::raw_text(
        &t.db,
        "SELECT message_sealed FROM inquiries WHERE id = $1",
        &newest_inquiry(t).await,
    )
    .await
}

on_both!(
    the_honeypot_thanks_a_robot_and_stores_nothing,
    practice,
    |t| {
        let b = t.browser();
        let csrf = b.csrf_from("/contact").await;
        let r = b
            .post_form(
                "/contact",
                &[
                    ("csrf", &csrf),
                    ("name", "x"),
                    ("email", "x@example.org"),
                    ("message", "buy"),
                    ("consent", "on"),
                    ("website", "http://spam.example"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            store::inquiries::count(&mut t.db.conn().await.unwrap(), None)
                .await
                .unwrap(),
            0
        );
    }
);

on_both!(
    the_form_is_rate_limited_per_address_and_keeps_the_input,
    practice,
    |t| {
        let b = t.browser();
        let csrf = b.csrf_from("/contact").await;
        let fields = [
            ("csrf", csrf.as_str()),
            ("name", "Ana"),
            ("email", "ana@example.org"),
            ("message", "hello again"),
            ("consent", "on"),
            ("website", ""),
        ];
        for _ in 0..5 {
            assert_eq!(
                b.post_form("/contact", &fields).await.status(),
                StatusCode::SEE_OTHER
            );
        }
        let r = b.post_form("/contact", &fields).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.text().await.unwrap().contains("hello again"));
    }
);

on_both!(
    a_post_without_the_csrf_token_or_from_another_site_is_refused,
    practice,
    |t| {
        let b = t.browser();
        let csrf = b.csrf_from("/contact").await;
        let good = [
            ("name", "Ana"),
            ("email", "ana@example.org"),
            ("message", "hi"),
            ("consent", "on"),
        ];
        assert_eq!(
            b.post_form("/contact", &good).await.status(),
            StatusCode::FORBIDDEN
        );
        let mut wrong = good.to_vec();
        wrong.push((
            "csrf",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ));
        assert_eq!(
            b.post_form("/contact", &wrong).await.status(),
            StatusCode::FORBIDDEN
        );
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", "https://evil.example".parse().unwrap());
        headers.insert("sec-fetch-site", "cross-site".parse().unwrap());
        let body = format!("csrf={csrf}&name=Ana&email=ana%40example.org&message=hi&consent=on");
        assert_eq!(
            b.post_raw(
                "/contact",
                headers,
                body.clone(),
                "application/x-www-form-urlencoded"
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
        // The same host and port under another scheme is another origin (an https page must not
        // post into the http site, nor the other way round).
        let host = t.base.trim_start_matches("http://").to_string();
        for origin in [
            format!("https://{host}"),
            format!("ftp://{host}"),
            host.clone(),
        ] {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("origin", origin.parse().unwrap());
            assert_eq!(
                b.post_raw(
                    "/contact",
                    headers,
                    body.clone(),
                    "application/x-www-form-urlencoded"
                )
                .await
                .status(),
                StatusCode::FORBIDDEN,
                "{origin}"
            );
        }
        assert_eq!(
            store::inquiries::count(&mut t.db.conn().await.unwrap(), None)
                .await
                .unwrap(),
            0
        );
        // The site's own origin, with the token, is let through.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", t.base.parse().unwrap());
        assert_eq!(
            b.post_raw(
                "/contact",
                headers,
                body,
                "application/x-www-form-urlencoded"
            )
            .await
            .status(),
            StatusCode::SEE_OTHER
        );
    }
);

on_both!(
    the_api_lists_articles_and_takes_messages_with_the_forms_rules,
    practice,
    |t| {
        let client = reqwest::Client::new();
        let list: serde_json::Value = client
            .get(format!("{}/api/v1/articles", t.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 9);
        assert_eq!(list["articles"].as_array().unwrap().len(), 9);
        let one: serde_json::Value = client
            .get(format!(
                "{}/api/v1/articles/what-happens-in-the-first-session",
                t.base
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(one["html"].as_str().unwrap().contains("<h2>"));
        assert!(!one["related"].as_array().unwrap().is_empty());
        let missing = client
            .get(format!("{}/api/v1/articles/nope", t.base))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            missing.json::<serde_json::Value>().await.unwrap()["error"],
            "not-found"
        );
        let spec: serde_json::Value = client
            .get(format!("{}/api/v1/openapi.json", t.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(spec["paths"]["/api/v1/messages"]["post"].is_object());

        let bad = client
            .post(format!("{}/api/v1/messages", t.base))
            .json(&serde_json::json!({"name": "", "email": "x", "message": "m", "consent": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let errors: serde_json::Value = bad.json().await.unwrap();
        assert_eq!(errors["errors"]["email"]["code"], "error-email-invalid");
        assert_eq!(
            errors["errors"]["consent"]["code"],
            "error-consent-required"
        );
        let not_json = client
            .post(format!("{}/api/v1/messages", t.base))
            .body("name=x")
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let malformed = client
            .post(format!("{}/api/v1/messages", t.base))
            .body("{not json")
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
        let ok = client.post(format!("{}/api/v1/messages", t.base)).json(&serde_json::json!({"name": "Ana", "email": "ana@example.org", "message": "Hello", "consent": true})).send().await.unwrap();
        assert_eq!(ok.status(), StatusCode::CREATED);
        assert_eq!(
            store::inquiries::count(&mut t.db.conn().await.unwrap(), None)
                .await
                .unwrap(),
            1
        );
    }
);

on_both!(a_huge_body_is_refused_before_it_is_read, practice, |t| {
    let b = t.browser();
    let csrf = b.csrf_from("/contact").await;
    let huge = "x".repeat(7 * 1024 * 1024);
    let body = format!("csrf={csrf}&name=A&email=a%40example.org&consent=on&message={huge}");
    let r = b
        .post_raw(
            "/contact",
            Default::default(),
            body,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert!(
        r.status() == StatusCode::PAYLOAD_TOO_LARGE
            || r.status() == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.status()
    );
    assert_eq!(
        store::inquiries::count(&mut t.db.conn().await.unwrap(), None)
            .await
            .unwrap(),
        0
    );
});

on_both!(loading_the_demo_again_duplicates_nothing, practice, |t| {
    let db = &t.db;
    let count = |kind| async move {
        let mut c = db.conn().await.unwrap();
        store::pages::count(&mut c, kind, store::pages::Visibility::All).await
    };
    let before = (
        count(domain::content::PageKind::Article).await.unwrap(),
        count(domain::content::PageKind::Faq).await.unwrap(),
        count(domain::content::PageKind::Page).await.unwrap(),
    );
    assert_eq!(before, (9, 4, 3));
    let again = t.app.load_demo().await.unwrap();
    assert_eq!(again.email, "anna@linden-room.example");
    let after = (
        count(domain::content::PageKind::Article).await.unwrap(),
        count(domain::content::PageKind::Faq).await.unwrap(),
        count(domain::content::PageKind::Page).await.unwrap(),
    );
    assert_eq!(before, after);
    assert_eq!(
        store::users::therapists(&mut t.db.conn().await.unwrap())
            .await
            .unwrap()
            .len(),
        2,
        "the demo owner and the test's colleague, once each"
    );
});

on_both!(
    every_answer_carries_a_request_id_and_a_plain_caller_id_is_kept,
    practice,
    |t| {
        let client = reqwest::Client::new();
        let id_of = |r: &reqwest::Response| {
            r.headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let fresh = client
            .get(format!("{}/about", t.base))
            .send()
            .await
            .unwrap();
        assert_eq!(fresh.status(), StatusCode::OK);
        let id = id_of(&fresh);
        assert!(
            id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "a new id: {id:?}"
        );
        let kept = client
            .get(format!("{}/nothing-here", t.base))
            .header("x-request-id", "trace-me-123")
            .send()
            .await
            .unwrap();
        assert_eq!(kept.status(), StatusCode::NOT_FOUND);
        assert_eq!(id_of(&kept), "trace-me-123", "the caller's id is echoed");
        let token = "ab".repeat(32);
        let replaced = client
            .get(format!("{}/about", t.base))
            .header("x-request-id", &token)
            .send()
            .await
            .unwrap();
        let replaced = id_of(&replaced);
        assert!(
            replaced != token && replaced.len() == 16,
            "a token-shaped id is not taken: {replaced:?}"
        );
    }
);

async fn behind_a_proxy(backend: store::Backend) -> Option<TestApp> {
    let t = TestApp::spawn_with(backend, |state| state.trust_proxy = true).await?;
    t.app.load_demo().await.unwrap();
    Some(t)
}

on_both!(
    behind_a_proxy_the_limit_counts_the_address_the_proxy_saw,
    behind_a_proxy,
    |t| {
        // Hardening finding 3: the client writes the left of X-Forwarded-For; seven invented
        // addresses there used to pass a limit of five.
        let b = t.browser();
        let csrf = b.csrf_from("/contact").await;
        let body = format!("csrf={csrf}&name=Ana&email=ana%40example.org&message=hi&consent=on");
        let mut answers = Vec::new();
        for n in 1..=7 {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(
                "x-forwarded-for",
                format!("6.6.6.{n}, 198.51.100.7").parse().unwrap(),
            );
            let r = b
                .post_raw(
                    "/contact",
                    headers,
                    body.clone(),
                    "application/x-www-form-urlencoded",
                )
                .await;
            answers.push(r.status().as_u16());
        }
        assert_eq!(answers, [303, 303, 303, 303, 303, 429, 429]);
        // Another address the proxy saw has its own allowance.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.8".parse().unwrap());
        assert_eq!(
            b.post_raw(
                "/contact",
                headers,
                body,
                "application/x-www-form-urlencoded"
            )
            .await
            .status(),
            StatusCode::SEE_OTHER
        );
    }
);
