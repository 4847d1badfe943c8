//! Failure injection: accounts, the team, the practice's setup, content and the contact form. Each
//! use-case's cause commits with its jobs and audit rows, or nothing of it remains.

use crate::common::{field_value, location, Browser, TestApp, OWNER_EMAIL, THERAPIST_EMAIL};
use crate::on_both;
use app::clock::Clock;
use reqwest::StatusCode;
use store::testing::{count_rows, fail_inserts_into, heal_inserts_into};

/// Rows in each of `tables`, in order.
async fn counts<const N: usize>(t: &TestApp, tables: [&str; N]) -> [i64; N] {
    let mut out = [0; N];
    for (n, table) in tables.iter().enumerate() {
        out[n] = count_rows(&t.db, table).await;
    }
    out
}

const MESSAGE: &str = "Since the move I cannot sleep";

async fn send_message(b: &Browser) -> reqwest::Response {
    let csrf = b.csrf_from("/contact").await;
    b.post_form(
        "/contact",
        &[
            ("csrf", &csrf),
            ("name", "Ana K."),
            ("email", "ana@example.org"),
            ("message", MESSAGE),
            ("consent", "on"),
            ("website", ""),
        ],
    )
    .await
}

on_both!(
    a_message_whose_notification_cannot_be_queued_is_not_stored_and_the_form_keeps_the_input,
    TestApp::with_practice,
    |t| {
        let before = counts(&t, ["inquiries", "jobs", "audit_log"]).await;
        fail_inserts_into(&t.db, "jobs").await;
        let b = t.browser();
        let r = send_message(&b).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(location(&r).is_empty(), "never sent to \"thank you\"");
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"message-error\""), "the form says so");
        assert!(html.contains(MESSAGE), "the message is kept");
        assert_eq!(
            field_value(&html, "email").as_deref(),
            Some("ana@example.org")
        );
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            counts(&t, ["inquiries", "jobs", "audit_log"]).await,
            before,
            "no message, no job, no audit row"
        );
        // Once jobs are accepted again, the same message goes through.
        let r = send_message(&b).await;
        assert_eq!(location(&r), "/contact/thanks");
        let after = counts(&t, ["inquiries", "jobs", "audit_log"]).await;
        assert_eq!(after[0], before[0] + 1);
        assert_eq!(after[1], before[1] + 1);
    }
);

/// The newest message's id, as the inbox links it.
async fn newest_inquiry(owner: &Browser) -> String {
    let (_, inbox) = owner.text("/admin/inquiries").await;
    inbox
        .split("href=\"/admin/inquiries/")
        .nth(1)
        .expect("a message in the inbox")
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

on_both!(
    a_reply_whose_mail_cannot_be_queued_leaves_no_reply_and_the_thread_unanswered,
    TestApp::with_practice,
    |t| {
        assert_eq!(
            send_message(&t.browser()).await.status(),
            StatusCode::SEE_OTHER
        );
        let owner = t.signed_in(OWNER_EMAIL).await;
        let id = newest_inquiry(&owner).await;
        let (_, thread) = owner.text(&format!("/admin/inquiries/{id}")).await;
        let csrf = field_value(&thread, "csrf").unwrap();
        let reply = |text: &'static str| {
            let csrf = csrf.clone();
            let owner = &owner;
            let path = format!("/admin/inquiries/{id}/reply");
            async move {
                owner
                    .post_form(&path, &[("csrf", csrf.as_str()), ("reply", text)])
                    .await
            }
        };
        let before = counts(&t, ["inquiry_replies", "jobs", "audit_log"]).await;
        fail_inserts_into(&t.db, "jobs").await;
        let r = reply("Thank you for writing, Ana.").await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            counts(&t, ["inquiry_replies", "jobs", "audit_log"]).await,
            before,
            "no reply, no mail, no audit row"
        );
        let status =
            store::testing::raw_text(&t.db, "SELECT status FROM inquiries WHERE id = $1", &id)
                .await;
        assert_eq!(status, "new", "the thread is still unanswered");
        let r = reply("Thank you for writing, Ana.").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let after = counts(&t, ["inquiry_replies", "jobs", "audit_log"]).await;
        assert_eq!(after[0], before[0] + 1);
        assert_eq!(after[1], before[1] + 1);
    }
);

async fn sign_in(b: &Browser, email: &str, password: &str) -> reqwest::Response {
    let csrf = b.csrf_from("/admin/signin").await;
    b.post_form(
        "/admin/signin",
        &[
            ("csrf", &csrf),
            ("email", email),
            ("password", password),
            ("next", ""),
        ],
    )
    .await
}

on_both!(
    a_sign_in_whose_audit_row_cannot_be_written_starts_no_session,
    TestApp::with_practice,
    |t| {
        let before = counts(&t, ["sessions", "audit_log"]).await;
        fail_inserts_into(&t.db, "audit_log").await;
        let b = t.browser();
        let r = sign_in(&b, OWNER_EMAIL, app::demo::DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "audit_log").await;
        assert_eq!(
            counts(&t, ["sessions", "audit_log"]).await,
            before,
            "no session, no audit row"
        );
        assert_eq!(
            b.get("/admin").await.status(),
            StatusCode::SEE_OTHER,
            "the browser is not signed in"
        );
        // (The refused visit to /admin is audited on its own.)
        let before = counts(&t, ["sessions", "audit_log"]).await;
        let r = sign_in(&b, OWNER_EMAIL, app::demo::DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            counts(&t, ["sessions", "audit_log"]).await,
            [before[0] + 1, before[1] + 1],
            "one session and its audit row"
        );
    }
);

on_both!(
    a_failed_sign_in_writes_its_audit_row_and_nothing_else,
    TestApp::with_practice,
    |t| {
        let before = counts(&t, ["sessions", "audit_log", "jobs"]).await;
        let r = sign_in(&t.browser(), OWNER_EMAIL, "not the password").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            counts(&t, ["sessions", "audit_log", "jobs"]).await,
            [before[0], before[1] + 1, before[2]]
        );
    }
);

const SETUP_EMAIL: &str = "nora@example.org";
const SETUP_PASSWORD: &str = "twelve chars ok";

/// Posts the setup form behind a setup link.
async fn set_up(b: &Browser, path: &str) -> reqwest::Response {
    let csrf = b.csrf_from(path).await;
    b.post_form(
        path,
        &[
            ("csrf", &csrf),
            ("practice_name", "New Room"),
            ("owner_name", "Nora"),
            ("email", SETUP_EMAIL),
            ("password", SETUP_PASSWORD),
            ("password_again", SETUP_PASSWORD),
            ("time_zone", "Europe/Lisbon"),
        ],
    )
    .await
}

on_both!(
    a_setup_whose_audit_row_cannot_be_written_creates_no_practice_and_keeps_its_link,
    TestApp::spawn,
    |t| {
        let link = t.app.create_setup_link().await.unwrap();
        let path = link.trim_start_matches(&t.base).to_string();
        let token = path.trim_start_matches("/setup/").to_string();
        let tables = ["practice", "users", "sessions", "audit_log"];
        let before = counts(&t, tables).await;
        fail_inserts_into(&t.db, "audit_log").await;
        let b = t.browser();
        let r = set_up(&b, &path).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "audit_log").await;
        assert_eq!(
            counts(&t, tables).await,
            before,
            "no practice, owner, session or audit row"
        );
        assert!(
            t.app.setup_link_usable(&token).await.unwrap(),
            "the link was not used up"
        );
        assert!(t.app.needs_setup().await.unwrap());
        let r = set_up(&b, &path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/admin");
        let after = counts(&t, tables).await;
        assert_eq!(
            after,
            [1, 1, 1, before[3] + 1],
            "the practice, its owner, a session and one audit row"
        );
    }
);

on_both!(
    a_therapist_added_from_the_command_line_whose_recovery_codes_cannot_be_kept_is_not_added,
    TestApp::spawn,
    |t| {
        let tables = ["practice", "users", "recovery_codes"];
        fail_inserts_into(&t.db, "recovery_codes").await;
        let added = t
            .app
            .add_therapist(
                "first@example.org",
                "First",
                "Europe/Berlin",
                SETUP_PASSWORD,
            )
            .await;
        assert!(added.is_err());
        heal_inserts_into(&t.db, "recovery_codes").await;
        assert_eq!(
            counts(&t, tables).await,
            [0, 0, 0],
            "no practice and no account without a second factor"
        );
        let added = t
            .app
            .add_therapist(
                "first@example.org",
                "First",
                "Europe/Berlin",
                SETUP_PASSWORD,
            )
            .await
            .unwrap();
        assert_eq!(added.recovery_codes.len(), app::two_factor::RECOVERY_CODES);
        assert_eq!(
            counts(&t, tables).await,
            [1, 1, app::two_factor::RECOVERY_CODES as i64]
        );
    }
);

/// The secret shown on the enrolment page, and the page's form token.
async fn enrolment(b: &Browser) -> (String, String) {
    let (status, setup) = b.text("/admin/two-factor/setup").await;
    assert_eq!(status, StatusCode::OK);
    let secret = setup
        .split("<code class=\"secret\">")
        .nth(1)
        .expect("the secret as text")
        .split('<')
        .next()
        .unwrap()
        .to_string();
    (secret, field_value(&setup, "csrf").unwrap())
}

on_both!(
    an_enrolment_whose_audit_row_cannot_be_written_keeps_no_recovery_codes_and_no_second_factor,
    TestApp::spawn,
    |t| {
        // A new practice's owner, signed in with a password, enrols a second factor.
        let link = t.app.create_setup_link().await.unwrap();
        let path = link.trim_start_matches(&t.base).to_string();
        let b = t.browser();
        assert_eq!(set_up(&b, &path).await.status(), StatusCode::SEE_OTHER);
        let (secret, csrf) = enrolment(&b).await;
        let code = app::two_factor::current_code(&secret, t.clock.now()).unwrap();
        let before = counts(&t, ["recovery_codes", "audit_log"]).await;
        fail_inserts_into(&t.db, "audit_log").await;
        let r = b
            .post_form(
                "/admin/two-factor/setup",
                &[("csrf", &csrf), ("code", &code)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "audit_log").await;
        assert_eq!(
            counts(&t, ["recovery_codes", "audit_log"]).await,
            before,
            "no recovery codes, no audit row"
        );
        let (user, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), SETUP_EMAIL)
            .await
            .unwrap()
            .unwrap();
        let state = store::users::totp(&mut t.db.conn().await.unwrap(), &user.id)
            .await
            .unwrap();
        assert!(!state.enabled, "the second factor is not switched on");
        assert_eq!(
            location(&b.get("/admin").await),
            "/admin/two-factor",
            "the session has not passed a second factor"
        );
        // The same secret, confirmed again once the database accepts audit rows.
        let (again, csrf) = enrolment(&b).await;
        assert_eq!(again, secret);
        let r = b
            .post_form(
                "/admin/two-factor/setup",
                &[("csrf", &csrf), ("code", &code)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            count_rows(&t.db, "recovery_codes").await,
            before[0] + app::two_factor::RECOVERY_CODES as i64
        );
        assert_eq!(b.get("/admin").await.status(), StatusCode::OK);
    }
);

async fn invite(owner: &Browser, email: &str) -> reqwest::Response {
    let csrf = owner.csrf_from("/admin/team").await;
    owner
        .post_form(
            "/admin/team",
            &[
                ("csrf", &csrf),
                ("name", "Iris Colleague"),
                ("email", email),
                ("time_zone", "Europe/Vienna"),
            ],
        )
        .await
}

on_both!(
    an_invitation_whose_mail_cannot_be_queued_leaves_no_account,
    TestApp::with_practice,
    |t| {
        let owner = t.signed_in(OWNER_EMAIL).await;
        let tables = ["users", "jobs", "audit_log"];
        let before = counts(&t, tables).await;
        fail_inserts_into(&t.db, "jobs").await;
        let r = invite(&owner, "iris@example.org").await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            counts(&t, tables).await,
            before,
            "no account, no mail, no audit row"
        );
        // The address is free: the same invitation goes through now.
        let r = invite(&owner, "iris@example.org").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            counts(&t, tables).await,
            [before[0] + 1, before[1] + 1, before[2] + 1]
        );
    }
);

async fn save_article(b: &Browser, path: &str, slug: &str, tags: &str) -> reqwest::Response {
    let csrf = b.csrf_from("/admin/pages/new?kind=article").await;
    b.post_form(
        path,
        &[
            ("csrf", &csrf),
            ("kind", "article"),
            ("title", "Grief and loss"),
            ("slug", slug),
            ("body", "Grief comes in waves."),
            ("tags", tags),
            ("action", "save"),
        ],
    )
    .await
}

on_both!(
    a_page_whose_tags_cannot_be_saved_is_not_saved,
    TestApp::with_practice,
    |t| {
        let b = t.signed_in(THERAPIST_EMAIL).await;
        let tables = ["pages", "tags", "page_tags", "slug_redirects"];
        let before = counts(&t, tables).await;
        fail_inserts_into(&t.db, "page_tags").await;
        let r = save_article(&b, "/admin/pages", "grief-and-loss", "grief, family").await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "page_tags").await;
        assert_eq!(counts(&t, tables).await, before, "no page and no tag");

        // Saved once the database takes tags again; then a change of slug and tags fails.
        let r = save_article(&b, "/admin/pages", "grief-and-loss", "grief, family").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let edit = location(&r).split('?').next().unwrap().to_string();
        let saved = counts(&t, tables).await;
        assert_eq!(saved[0], before[0] + 1);
        fail_inserts_into(&t.db, "page_tags").await;
        let r = save_article(&b, &edit, "waves-of-grief", "waves").await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "page_tags").await;
        assert_eq!(
            counts(&t, tables).await,
            saved,
            "no new tag and no redirect from the old slug"
        );
        let slug = store::testing::raw_text(
            &t.db,
            "SELECT slug FROM pages WHERE id = $1",
            edit.trim_start_matches("/admin/pages/"),
        )
        .await;
        assert_eq!(slug, "grief-and-loss", "the page keeps its slug");
    }
);

on_both!(
    a_sign_in_link_whose_audit_row_cannot_be_written_starts_no_session_and_still_works,
    TestApp::with_practice,
    |t| {
        let therapist = t.signed_in(THERAPIST_EMAIL).await;
        t.invite_patient(&therapist, "Pia Patient", "pia@example.org")
            .await;
        let path = t.link_for("pia@example.org").await;
        let b = t.browser();
        let csrf = b.csrf_from(&path).await;
        let tables = ["sessions", "audit_log"];
        let before = counts(&t, tables).await;
        fail_inserts_into(&t.db, "audit_log").await;
        let r = b.post_form(&path, &[("csrf", &csrf)]).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "audit_log").await;
        assert_eq!(counts(&t, tables).await, before, "no session, no audit row");
        // The link was not used up by the failed attempt.
        let r = b.post_form(&path, &[("csrf", &csrf)]).await;
        assert_eq!(location(&r), "/portal");
        assert_eq!(counts(&t, tables).await, [before[0] + 1, before[1] + 1]);
    }
);
