//! The therapist's side: signing in, the route walk for every actor, writing, the inbox, setup.

mod common;

use app::clock::Clock;
use common::{
    field_value, href_after, location, newest_inquiry, Browser, TestApp, OWNER_EMAIL, PASSWORD,
    THERAPIST_EMAIL,
};
use jiff::SignedDuration;
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

async fn fresh(backend: store::Backend) -> Option<TestApp> {
    TestApp::spawn(backend).await
}

on_both!(
    signing_in_refuses_a_wrong_password_the_same_way_as_an_unknown_email,
    practice,
    |t| {
        let b = t.browser();
        let csrf = b.csrf_from("/admin/signin").await;
        let wrong = b
            .post_form(
                "/admin/signin",
                &[
                    ("csrf", &csrf),
                    ("email", OWNER_EMAIL),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let wrong_html = wrong.text().await.unwrap();
        let unknown = b
            .post_form(
                "/admin/signin",
                &[
                    ("csrf", &csrf),
                    ("email", "nobody@example.org"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        let unknown_html = unknown.text().await.unwrap();
        assert!(wrong_html.contains("id=\"email-error\""));
        assert_eq!(
            field_value(&wrong_html, "password").as_deref(),
            Some(""),
            "the password is never sent back"
        );
        assert_eq!(
            wrong_html.replace(OWNER_EMAIL, "X"),
            unknown_html.replace("nobody@example.org", "X")
        );
    }
);

on_both!(
    a_session_ends_after_thirty_idle_minutes_and_at_sign_out,
    practice,
    |t| {
        let b = t.signed_in(OWNER_EMAIL).await;
        assert_eq!(b.get("/admin").await.status(), StatusCode::OK);
        t.clock.advance(SignedDuration::from_mins(29));
        assert_eq!(
            b.get("/admin").await.status(),
            StatusCode::OK,
            "still there, and the idle clock restarts"
        );
        t.clock.advance(SignedDuration::from_mins(29));
        assert_eq!(b.get("/admin").await.status(), StatusCode::OK);
        t.clock.advance(SignedDuration::from_mins(31));
        assert_eq!(
            b.get("/admin").await.status(),
            StatusCode::SEE_OTHER,
            "idle too long"
        );

        let b = t.signed_in(OWNER_EMAIL).await;
        let (_, html) = b.text("/admin").await;
        let csrf = field_value(&html, "csrf").unwrap();
        let r = b.post_form("/admin/signout", &[("csrf", &csrf)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(b.get("/admin").await.status(), StatusCode::SEE_OTHER);
    }
);

on_both!(
    the_sign_in_page_returns_only_to_admin_paths,
    practice,
    |t| {
        let b = t.browser();
        let r = b.get("/admin/pages?kind=faq").await;
        assert_eq!(
            location(&r),
            "/admin/signin?next=%2Fadmin%2Fpages%3Fkind%3Dfaq"
        );
        for (next, want) in [
            ("/admin/pages?kind=faq", "/admin/pages?kind=faq"),
            ("https://evil.example/", "/admin"),
            ("//evil.example", "/admin"),
        ] {
            let b = t.browser();
            let csrf = b.csrf_from("/admin/signin").await;
            let r = b
                .post_form(
                    "/admin/signin",
                    &[
                        ("csrf", &csrf),
                        ("email", THERAPIST_EMAIL),
                        ("password", PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            let code_page = location(&r);
            assert!(code_page.starts_with("/admin/two-factor"), "{code_page}");
            let (_, html) = b.text(&code_page).await;
            let csrf = field_value(&html, "csrf").unwrap();
            let carried = field_value(&html, "next")
                .unwrap_or_default()
                .replace("&#x2f;", "/")
                .replace("&#47;", "/")
                .replace("&#61;", "=")
                .replace("&#63;", "?");
            let r = b
                .post_form(
                    "/admin/two-factor",
                    &[
                        ("csrf", &csrf),
                        ("code", &t.code_for(THERAPIST_EMAIL)),
                        ("next", &carried),
                    ],
                )
                .await;
            t.clock.advance(SignedDuration::from_secs(30));
            assert_eq!(location(&r), want, "{next}");
        }
    }
);

on_both!(the_therapist_reads_and_answers_a_message, practice, |t| {
    let visitor = t.browser();
    let csrf = visitor.csrf_from("/contact").await;
    visitor
        .post_form(
            "/contact",
            &[
                ("csrf", &csrf),
                ("name", "Ana K."),
                ("email", "ana@example.org"),
                ("message", "Could we talk next week?"),
                ("consent", "on"),
            ],
        )
        .await;
    t.run_jobs().await;
    let owner = t.signed_in(OWNER_EMAIL).await;
    let (_, inbox) = owner.text("/admin/inquiries").await;
    let id = inbox
        .split("href=\"/admin/inquiries/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, thread) = owner.text(&format!("/admin/inquiries/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(thread.contains("Could we talk next week?"));
    let csrf = field_value(&thread, "csrf").unwrap();
    let empty = owner
        .post_form(
            &format!("/admin/inquiries/{id}/reply"),
            &[("csrf", &csrf), ("reply", "   ")],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = owner
        .post_form(
            &format!("/admin/inquiries/{id}/reply"),
            &[("csrf", &csrf), ("reply", "Thank you for writing, Ana.")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    t.run_jobs().await;
    let (_, thread) = owner.text(&format!("/admin/inquiries/{id}")).await;
    assert!(thread.contains("Thank you for writing, Ana."));
    let reply = t
        .mails()
        .await
        .into_iter()
        .find(|m| m.to == "ana@example.org")
        .expect("reply mail");
    assert!(reply.body.contains("Thank you for writing, Ana."));
    assert!(reply.subject.contains("Linden Room Psychotherapy"));
    let r = owner
        .post_form(
            &format!("/admin/inquiries/{id}/status"),
            &[("csrf", &csrf), ("status", "handled")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, handled) = owner.text("/admin/inquiries?status=handled").await;
    assert!(handled.contains("Ana K."));
    // Another therapist of the practice does not see the practice's inbox.
    let colleague = t.signed_in(THERAPIST_EMAIL).await;
    assert_eq!(
        colleague
            .get(&format!("/admin/inquiries/{id}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
});

// Thirty messages: the inbox shows the newest 25 with a link to older ones, and that page links
// back; a mark that is nonsense or hostile shows the newest page, never an error.
on_both!(the_inbox_pages_older_and_newer_by_key, practice, |t| {
    let mut tx = t.db.begin().await.unwrap();
    for i in 0..30 {
        let inquiry = domain::inquiry::Inquiry {
            name: format!("Sender {i:02}"),
            email: format!("s{i}@example.org"),
            phone: None,
            preferred_time: None,
            message: "Hello".into(),
        };
        let at = t.clock.now() + SignedDuration::from_mins(i);
        store::inquiries::create(&mut tx, &inquiry, at)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let owner = t.signed_in(OWNER_EMAIL).await;
    let (_, first) = owner.text("/admin/inquiries").await;
    assert!(first.contains("Sender 29") && first.contains("Sender 05"));
    assert!(!first.contains("Sender 04") && !first.contains("rel=\"prev\""));
    let older = href_after(&first, "rel=\"next\" href=\"");
    assert!(older.contains("before="), "{older}");
    let (status, second) = owner.text(&older).await;
    assert_eq!(status, StatusCode::OK);
    assert!(second.contains("Sender 04") && second.contains("Sender 00"));
    assert!(!second.contains("Sender 05") && !second.contains("rel=\"next\""));
    let newer = href_after(&second, "rel=\"prev\" href=\"");
    let (_, back) = owner.text(&newer).await;
    assert!(
        back.contains("Sender 29") && back.contains("Sender 05") && !back.contains("Sender 04")
    );
    for hostile in [
        "/admin/inquiries?before=",
        "/admin/inquiries?before=%27%20OR%201%3D1%20--",
        "/admin/inquiries?after=1.%3Cscript%3E",
        "/admin/inquiries?before=99999999999999999999999.ab",
        "/admin/inquiries?page=2",
    ] {
        let (status, page) = owner.text(hostile).await;
        assert_eq!(status, StatusCode::OK, "{hostile}");
        assert!(
            page.contains("Sender 29") && !page.contains("<script>"),
            "{hostile}"
        );
    }
});

async fn editor_csrf(b: &Browser) -> String {
    b.csrf_from("/admin/pages/new?kind=article").await
}

on_both!(
    an_article_goes_from_draft_to_published_and_a_changed_slug_redirects,
    practice,
    |t| {
        let b = t.signed_in(THERAPIST_EMAIL).await;
        let csrf = editor_csrf(&b).await;
        let bad = b
            .post_form(
                "/admin/pages",
                &[
                    ("csrf", &csrf),
                    ("kind", "article"),
                    ("title", ""),
                    ("slug", "Not A Slug"),
                    ("body", "kept body"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text().await.unwrap();
        assert!(
            html.contains("id=\"title-error\"")
                && html.contains("id=\"slug-error\"")
                && html.contains("kept body")
        );

        let preview = b
            .post_form(
                "/admin/pages",
                &[
                    ("csrf", &csrf),
                    ("kind", "article"),
                    ("title", "Grief"),
                    ("body", "## Loss\n\n<script>alert(1)</script>"),
                    ("action", "preview"),
                ],
            )
            .await;
        let html = preview.text().await.unwrap();
        assert!(html.contains("<h2>Loss</h2>") && !html.contains("<script>alert"));

        let r = b
            .post_form(
                "/admin/pages",
                &[
                    ("csrf", &csrf),
                    ("kind", "article"),
                    ("title", "Grief and loss"),
                    ("body", "Text <img src=x onerror=alert(1)>"),
                    ("tags", "family, grief"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let edit = location(&r).split('?').next().unwrap().to_string();
        let visitor = t.browser();
        assert_eq!(
            visitor.get("/articles/grief-and-loss").await.status(),
            StatusCode::NOT_FOUND,
            "a draft is private"
        );
        assert_eq!(
            b.post_form(&format!("{edit}/publish"), &[("csrf", &csrf)])
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        let (status, html) = visitor.text("/articles/grief-and-loss").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("<img src=x"));
        let r = b
            .post_form(
                &edit,
                &[
                    ("csrf", &csrf),
                    ("title", "Grief and loss"),
                    ("slug", "grief"),
                    ("body", "Text"),
                    ("tags", "family"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let moved = visitor.get("/articles/grief-and-loss").await;
        assert!(
            moved.status() == StatusCode::MOVED_PERMANENTLY
                || moved.status() == StatusCode::PERMANENT_REDIRECT,
            "{}",
            moved.status()
        );
        assert_eq!(location(&moved), "/articles/grief");
        let taken = b
            .post_form(
                &edit,
                &[
                    ("csrf", &csrf),
                    ("title", "Grief and loss"),
                    ("slug", "what-happens-in-the-first-session"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(taken
            .text()
            .await
            .unwrap()
            .contains("Another page already has this address"));
        assert_eq!(
            b.post_form(&format!("{edit}/unpublish"), &[("csrf", &csrf)])
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            visitor.get("/articles/grief").await.status(),
            StatusCode::NOT_FOUND
        );
    }
);

on_both!(
    images_are_sniffed_capped_and_served_by_their_hash,
    practice,
    |t| {
        let b = t.signed_in(THERAPIST_EMAIL).await;
        let csrf = b.csrf_from("/admin/images").await;
        let png: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat();
        let upload = |bytes: Vec<u8>, name: &str, token: &str| {
            reqwest::multipart::Form::new()
                .text("csrf", token.to_string())
                .part(
                    "image",
                    reqwest::multipart::Part::bytes(bytes)
                        .file_name(name.to_string())
                        .mime_str("image/png")
                        .unwrap(),
                )
        };
        let r = b
            .post_multipart(
                "/admin/images",
                upload(b"<svg onload=alert(1)>".to_vec(), "x.png", &csrf),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "an SVG named .png is refused"
        );
        let r = b
            .post_multipart("/admin/images", upload(png.clone(), "photo.png", "wrong"))
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = b
            .post_multipart(
                "/admin/images",
                upload(
                    [png.clone(), vec![0u8; 5 * 1024 * 1024]].concat(),
                    "big.png",
                    &csrf,
                ),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = b
            .post_multipart("/admin/images", upload(png.clone(), "photo.png", &csrf))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        let path = html
            .split("![](")
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap()
            .to_string();
        assert!(path.starts_with("/media/") && path.ends_with(".png"));
        let served = t.browser().get(&path).await;
        assert_eq!(served.status(), StatusCode::OK);
        assert_eq!(served.headers().get("content-type").unwrap(), "image/png");
        assert!(served
            .headers()
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable"));
        assert_eq!(served.bytes().await.unwrap().to_vec(), png);
    }
);

on_both!(
    the_owner_changes_the_practice_details_and_the_site_follows,
    practice,
    |t| {
        let b = t.signed_in(OWNER_EMAIL).await;
        let (_, html) = b.text("/admin/practice").await;
        let csrf = field_value(&html, "csrf").unwrap();
        let bad = b
            .post_form(
                "/admin/practice",
                &[
                    ("csrf", &csrf),
                    ("name", "Linden Room"),
                    ("owner_name", "Anna"),
                    ("email", "anna@linden-room.example"),
                    ("time_zone", "Nowhere/Land"),
                    ("crisis_contacts", ""),
                ],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text().await.unwrap();
        assert!(
            html.contains("id=\"time_zone-error\"")
                && html.contains("id=\"crisis_contacts-error\"")
                && html.contains("Nowhere/Land")
        );
        let r = b
            .post_form(
                "/admin/practice",
                &[
                    ("csrf", &csrf),
                    ("name", "Linden Room"),
                    ("owner_name", "Anna"),
                    ("email", "anna@linden-room.example"),
                    ("time_zone", "Europe/Athens"),
                    ("crisis_contacts", "Call 112 or the Athens line 1018."),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, home) = t.browser().text("/").await;
        assert!(
            home.contains("Call 112 or the Athens line 1018.")
                && home.contains("<title>Linden Room</title>")
        );
    }
);

on_both!(the_owner_keeps_crisis_services_by_country, practice, |t| {
    let b = t.signed_in(OWNER_EMAIL).await;
    let (status, html) = b.text("/admin/practice").await;
    assert_eq!(status, StatusCode::OK);
    // The demo's three countries are listed, each with its own change and remove.
    for name in ["Britain (UK)", "Germany", "United States"] {
        assert!(html.contains(&format!("Remove {name}")), "{name}");
    }
    let csrf = field_value(&html, "csrf").unwrap();

    // Empty, unknown, hostile and huge input: refused next to its field, what was typed kept.
    let huge = "9".repeat(1_001);
    for (country, contacts, field, message) in [
        ("", "Call 1018.", "country", "Please fill this in."),
        (
            "XX",
            "Call 1018.",
            "country",
            "Please choose a country from the list.",
        ),
        ("GR", "", "contacts", "Please fill this in."),
        (
            "GR",
            huge.as_str(),
            "contacts",
            "Please keep this under 1,000 characters.",
        ),
    ] {
        let r = b
            .post_form(
                "/admin/practice/crisis",
                &[
                    ("csrf", &csrf),
                    ("country", country),
                    ("contacts", contacts),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{country} {field}"
        );
        let html = r.text().await.unwrap();
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{country} {field}"
        );
        assert!(html.contains(message), "{country} {field}: {message}");
        if !contacts.is_empty() && contacts.len() < 100 {
            assert!(html.contains(contacts), "kept");
        }
    }

    // Greece added; the text is escaped wherever it shows.
    let r = b
        .post_form(
            "/admin/practice/crisis",
            &[
                ("csrf", &csrf),
                ("country", "gr"),
                ("contacts", "Call 1018 <script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/admin/practice?line=GR"));
    let (_, html) = b.text("/admin/practice?line=GR").await;
    assert!(html.contains("Saved. People in Greece see these services first."));
    let (_, home) = t.browser().text("/").await;
    assert!(home.contains("<strong>Greece:</strong> Call 1018 &#60;script&#62;"));
    assert!(!home.contains("<script>alert(1)"));

    // Changed in place (one row per country), then removed.
    let (_, html) = b.text("/admin/practice?edit=GR").await;
    assert!(
        html.contains("Change a country&#39;s services")
            || html.contains("Change a country's services")
    );
    b.post_form(
        "/admin/practice/crisis",
        &[
            ("csrf", &csrf),
            ("country", "GR"),
            ("contacts", "Call 1018."),
        ],
    )
    .await;
    let lines = t.app.crisis_contacts(Some("GR")).await.unwrap();
    assert_eq!(lines.first.unwrap().contacts, "Call 1018.");
    let r = b
        .post_form(
            "/admin/practice/crisis/remove",
            &[("csrf", &csrf), ("country", "GR")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, home) = t.browser().text("/").await;
    assert!(!home.contains("Greece:"));
    let again = b
        .post_form(
            "/admin/practice/crisis/remove",
            &[("csrf", &csrf), ("country", "GR")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    // Only the owner: a colleague is refused, with a token of their own.
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let theirs = theo.csrf_from("/admin").await;
    let r = theo
        .post_form(
            "/admin/practice/crisis",
            &[
                ("csrf", &theirs),
                ("country", "FR"),
                ("contacts", "Call 3114."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(t
        .app
        .crisis_contacts(Some("FR"))
        .await
        .unwrap()
        .first
        .is_none());
});

on_both!(first_run_setup_works_once, fresh, |t| {
    let link = t.app.create_setup_link().await.unwrap();
    let path = link.trim_start_matches(&t.base).to_string();
    let b = t.browser();
    let csrf = b.csrf_from(&path).await;
    let fields = |again: &'static str| {
        vec![
            ("practice_name", "New Room"),
            ("owner_name", "Nora"),
            ("email", "nora@example.org"),
            ("password", "twelve chars ok"),
            ("password_again", again),
            ("time_zone", "Europe/Lisbon"),
        ]
    };
    let mut bad = fields("different!!!");
    bad.push(("csrf", &csrf));
    let r = b.post_form(&path, &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"password_again-error\""));
    assert_eq!(
        field_value(&html, "practice_name").as_deref(),
        Some("New Room")
    );
    let mut good = fields("twelve chars ok");
    good.push(("csrf", &csrf));
    let r = b.post_form(&path, &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin");
    // Signed in with a password only: the second factor is enrolled before anything else.
    let r = b.get("/admin").await;
    assert_eq!(location(&r), "/admin/two-factor");
    assert_eq!(
        location(&b.get("/admin/two-factor").await),
        "/admin/two-factor/setup"
    );
    let (status, setup) = b.text("/admin/two-factor/setup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(setup.contains("<svg role=\"img\""));
    let secret = setup
        .split("<code class=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let csrf = field_value(&setup, "csrf").unwrap();
    let wrong = b
        .post_form(
            "/admin/two-factor/setup",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = app::two_factor::current_code(&secret, t.clock.now()).unwrap();
    let done = b
        .post_form(
            "/admin/two-factor/setup",
            &[("csrf", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let html = done.text().await.unwrap();
    let codes: Vec<String> = html
        .split("<li><code>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        b.get("/admin").await.status(),
        StatusCode::OK,
        "the owner is signed in"
    );
    t.clock.advance(SignedDuration::from_secs(30));

    // A recovery code works once; the same TOTP code never twice.
    for (code, want) in [
        (codes[0].as_str(), StatusCode::SEE_OTHER),
        (codes[0].as_str(), StatusCode::UNPROCESSABLE_ENTITY),
        ("123456", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let again = t.browser();
        let csrf = again.csrf_from("/admin/signin").await;
        again
            .post_form(
                "/admin/signin",
                &[
                    ("csrf", &csrf),
                    ("email", "nora@example.org"),
                    ("password", "twelve chars ok"),
                ],
            )
            .await;
        let csrf = again.csrf_from("/admin/two-factor").await;
        let r = again
            .post_form("/admin/two-factor", &[("csrf", &csrf), ("code", code)])
            .await;
        assert_eq!(r.status(), want, "{code}");
    }
    assert_eq!(
        t.browser().get(&path).await.status(),
        StatusCode::NOT_FOUND,
        "the link works once"
    );
    let (_, home) = t.browser().text("/").await;
    assert!(home.contains("New Room"));
});

on_both!(
    reading_a_message_signing_in_and_refusals_are_audited,
    practice,
    |t| {
        let visitor = t.browser();
        let csrf = visitor.csrf_from("/contact").await;
        visitor
            .post_form(
                "/contact",
                &[
                    ("csrf", &csrf),
                    ("name", "Ana"),
                    ("email", "ana@example.org"),
                    ("message", "private words"),
                    ("consent", "on"),
                ],
            )
            .await;
        let bad = t.browser();
        let csrf = bad.csrf_from("/admin/signin").await;
        bad.post_form(
            "/admin/signin",
            &[
                ("csrf", &csrf),
                ("email", OWNER_EMAIL),
                ("password", "not the password"),
            ],
        )
        .await;
        let colleague = t.signed_in(THERAPIST_EMAIL).await;
        assert_eq!(
            colleague.get("/admin/inquiries").await.status(),
            StatusCode::FORBIDDEN
        );
        let owner = t.signed_in(OWNER_EMAIL).await;
        let id = newest_inquiry(&t).await;
        owner.get(&format!("/admin/inquiries/{id}")).await;

        let entries = store::audit::recent(&mut t.db.conn().await.unwrap(), None, 100)
            .await
            .unwrap();
        let has = |action: &str, outcome: &str| {
            entries
                .iter()
                .any(|e| e.event.action == action && e.event.outcome == outcome)
        };
        assert!(has("inquiry.create", "ok") && has("inquiry.read", "ok"));
        assert!(has("sign_in", "failed") && has("sign_in", "ok"));
        assert!(has("policy.refused", "refused"));
        assert!(entries
            .iter()
            .all(|e| !e.event.subject.contains("private") && e.event.source == "127.0.0.1"));
        let (status, page) = owner.text(&format!("/admin/audit?case={id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("inquiry.read"));
        assert_eq!(
            store::audit::verify(&mut t.db.conn().await.unwrap())
                .await
                .unwrap(),
            store::audit::Verdict::Intact {
                rows: entries.len() as u64
            }
        );
    }
);

on_both!(
    the_dev_mailbox_never_shows_a_working_link_meant_for_someone_else,
    practice,
    |t| {
        // Hardening finding 1: without SMTP, the owner could read a patient's sign-in link here
        // (a colleague's patient's too) and sign in as them.
        let owner = t.signed_in(OWNER_EMAIL).await;
        t.invite_patient(&owner, "Pat Example", "pat@example.org")
            .await;
        let link = t.link_for("pat@example.org").await;
        let token = link.trim_start_matches("/signin/");
        assert!(token.len() >= 48, "{link}");
        let (_, list) = owner.text("/admin/mailbox").await;
        assert!(
            list.contains("HOLDSPACE_SMTP_URL"),
            "the page says why: {list}"
        );
        let at = list.find("/admin/mailbox/").expect("the mail is listed");
        let mail = list[at..].split('"').next().unwrap().to_string();
        let (status, page) = owner.text(&mail).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!page.contains(token), "{page}");
        assert!(page.contains("/signin/••••••"), "{page}");
        // The link itself still works for the person it was made for.
        let pat = t.browser();
        assert_eq!(pat.get(&link).await.status(), StatusCode::OK);
    }
);

on_both!(
    a_job_left_claimed_by_a_runner_that_died_is_sent_within_half_a_minute,
    practice,
    |t| {
        // Hardening finding 9: after a crash, mail waited up to two minutes for its lease.
        let owner = t.signed_in(OWNER_EMAIL).await;
        t.invite_patient(&owner, "Pat Example", "pat@example.org")
            .await;
        let now = t.clock.now();
        // A runner claims the invitation and dies before sending it.
        let claimed = store::jobs::claim_due(&t.db, now, now + app::jobs::LEASE, 1)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        let to_pat = || async {
            t.mails()
                .await
                .iter()
                .filter(|m| m.to == "pat@example.org")
                .count()
        };
        t.clock.advance(SignedDuration::from_secs(29));
        t.run_jobs().await;
        assert_eq!(to_pat().await, 0, "still held by the dead runner's lease");
        t.clock.advance(SignedDuration::from_secs(2));
        t.run_jobs().await;
        assert_eq!(to_pat().await, 1, "taken again and sent, once");
        t.clock.advance(SignedDuration::from_secs(60));
        t.run_jobs().await;
        assert_eq!(to_pat().await, 1);
    }
);

/// A browser at `address` past the owner's password (the second factor still owed).
async fn owner_password_from(t: &TestApp, address: &str) -> Browser {
    let b = t.browser();
    b.come_from(address);
    let csrf = b.csrf_from("/admin/signin").await;
    let r = b
        .post_form(
            "/admin/signin",
            &[
                ("csrf", &csrf),
                ("email", OWNER_EMAIL),
                ("password", app::demo::DEMO_PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{address}");
    b
}

async fn behind_a_proxy(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice_and(backend, |state| state.trust_proxy = true).await
}

on_both!(
    a_strangers_guesses_never_lock_the_therapist_out_and_the_therapist_is_told,
    behind_a_proxy,
    |t| {
        // Hardening finding 4: the per-email limit counted everyone's attempts, and nine wrong
        // codes locked the right one out for 15 minutes.
        let stranger = t.browser();
        stranger.come_from("203.0.113.66");
        let csrf = stranger.csrf_from("/admin/signin").await;
        let mut answers = Vec::new();
        for _ in 0..12 {
            let r = stranger
                .post_form(
                    "/admin/signin",
                    &[
                        ("csrf", &csrf),
                        ("email", OWNER_EMAIL),
                        ("password", "a wrong guess!!"),
                    ],
                )
                .await;
            answers.push(r.status().as_u16());
        }
        assert_eq!(&answers[..8], &[422; 8]);
        assert_eq!(&answers[8..], &[429; 4], "the stranger's address is slowed");

        // Anna, from her own address, signs in with her password and code as always.
        let anna = owner_password_from(&t, "198.51.100.20").await;

        // Someone with her password at another address types wrong codes until refused...
        let thief = owner_password_from(&t, "203.0.113.77").await;
        let csrf = thief.csrf_from("/admin/two-factor").await;
        let mut last = 0;
        for _ in 0..12 {
            last = thief
                .post_form(
                    "/admin/two-factor",
                    &[("csrf", &csrf), ("code", "000000"), ("next", "")],
                )
                .await
                .status()
                .as_u16();
        }
        assert_eq!(last, 429);
        // ...and Anna's right code still works from her address.
        t.pass_second_factor(&anna, OWNER_EMAIL).await;
        assert_eq!(anna.get("/admin").await.status(), StatusCode::OK);

        // She is told, once, and the mail says nothing of where from or how often.
        t.run_jobs().await;
        let told: Vec<_> = t
            .mails()
            .await
            .into_iter()
            .filter(|m| m.subject.contains("trying to sign in"))
            .collect();
        assert_eq!(told.len(), 1, "one mail for twelve guesses");
        assert_eq!(told[0].to, OWNER_EMAIL);
        assert!(!told[0].body.contains("203.0.113"), "{}", told[0].body);
        assert!(!told[0].body.contains(" 12 "), "{}", told[0].body);
    }
);
