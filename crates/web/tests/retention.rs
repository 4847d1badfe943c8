//! Retention and erasure: the owner's retention period (presets, validated years); an ended
//! case's retention date; the records past retention listed for their therapist (by the test
//! clock) with a content-free daily notice; an erasure confirmed by the case's reference that
//! removes every row of the case in every table (counted through the catalog) and its data key,
//! leaves other cases and the audit chain intact, and is refused to anyone but the case's
//! therapist; and a patient's request answered by the retention hold or by erasure.

mod common;

use common::*;
use reqwest::StatusCode;
use store::catalog;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

const ROBIN: &str = "robin@example.org";
const SAM: &str = "sam@example.org";
const ROBIN_WORDS: &str = "I could not sleep after the move to Leeds.";
const SAM_WORDS: &str = "Work has been better this week.";

/// A case in therapy with Theo, a message each way, a session booked and its note signed; and
/// the patient, signed in.
async fn in_therapy(
    t: &TestApp,
    theo: &Browser,
    name: &str,
    email: &str,
    words: &str,
) -> (String, Browser) {
    let case = t.invite_patient(theo, name, email).await;
    let workspace = format!("/admin/cases/{case}/workspace");
    let csrf = theo.csrf_from(&workspace).await;
    let r = theo
        .post_form(
            &workspace,
            &[
                ("csrf", &csrf),
                ("going_on", "Grief after a move."),
                ("frequency", "weekly"),
                ("modality", "psychodynamic"),
                ("decision", "continue"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for to in ["consultation_booked", "consultation_held", "in_therapy"] {
        let r = theo
            .post_form(
                &format!("/admin/cases/{case}/stage"),
                &[("csrf", &csrf), ("stage", to)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "to {to}");
    }
    let patient = t.patient_signed_in(email).await;
    let pcsrf = patient.csrf_from("/portal/messages").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", pcsrf)
        .text("body", words.to_string())
        .part(
            "attachment",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 a letter".to_vec()).file_name("letter.pdf"),
        );
    let r = patient.post_multipart("/portal/messages", form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let reply = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("body", "Thank you for writing.");
    let r = theo
        .post_multipart(&format!("/admin/cases/{case}"), reply)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Each patient's session at its own hour, so the week's grid tells them apart.
    let time = if email == SAM { "12:00" } else { "10:00" };
    let appointment = session_at(theo, &case, "2026-11-25", time).await;
    let note = format!("/admin/notes/{appointment}");
    let ncsrf = theo.csrf_from(&note).await;
    let r = theo
        .post_form(
            &note,
            &[
                ("csrf", &ncsrf),
                ("template", "free"),
                ("section_0", "Spoke of the move."),
                ("action", "sign"),
                ("confirm", "on"),
            ],
        )
        .await;
    let status = r.status();
    let html = r.text().await.unwrap();
    let err = html
        .find("error-summary")
        .map(|i| &html[i..(i + 600).min(html.len())]);
    assert_eq!(status, StatusCode::SEE_OTHER, "{err:?}");
    t.run_jobs().await;
    (case, patient)
}

async fn close(theo: &Browser, case: &str) {
    let ending = format!("/admin/cases/{case}/ending");
    let csrf = theo.csrf_from(&ending).await;
    let r = theo
        .post_form(
            &ending,
            &[
                ("csrf", &csrf),
                ("kind", "ended"),
                ("summary", "We ended as planned."),
                ("confirm", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "closed");
}

async fn set_retention(owner: &Browser, jurisdiction: &str, years: &str) -> reqwest::Response {
    let csrf = owner.csrf_from("/admin/patients").await;
    owner
        .post_form(
            "/admin/practice/retention",
            &[
                ("csrf", &csrf),
                ("jurisdiction", jurisdiction),
                ("years", years),
            ],
        )
        .await
}

/// Every table's rows of `case`, by the catalog's own description of the schema.
async fn rows_of_case(t: &TestApp, case: &str) -> Vec<(String, i64)> {
    let mut c = t.db.conn().await.unwrap();
    let tables = catalog::tables(&mut c).await.unwrap();
    drop(c);
    let mut out = Vec::new();
    for table in tables {
        if store::retention::KEPT_ON_ERASURE.contains(&table.name.as_str()) {
            continue;
        }
        if let Some(scope) = catalog::case_scope(&table) {
            let sql = format!(
                "SELECT CAST(COUNT(*) AS TEXT) FROM \"{}\" WHERE {scope}",
                table.name
            );
            let n: i64 = store::testing::raw_text(&t.db, &sql, case)
                .await
                .parse()
                .unwrap();
            out.push((table.name, n));
        }
    }
    out
}

async fn count(t: &TestApp, sql: &str, param: &str) -> i64 {
    let sql = sql.replace("SELECT COUNT(*)", "SELECT CAST(COUNT(*) AS TEXT)");
    store::testing::raw_text(&t.db, &sql, param)
        .await
        .parse()
        .unwrap()
}

/// The case's sealed values, as (table, column, row, sealed text).
async fn sealed_of(t: &TestApp, case: &str) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for (id, _, body) in store::testing::raw_triples(
        &t.db,
        "SELECT id, CAST(0 AS BIGINT), body_sealed FROM messages WHERE case_id = $1",
        case,
    )
    .await
    {
        out.push(("messages".into(), "body_sealed".into(), id, body));
    }
    for (row, _, closing) in store::testing::raw_triples(
        &t.db,
        "SELECT case_id, CAST(0 AS BIGINT), closing_sealed FROM case_endings
         WHERE case_id = $1 AND closing_sealed IS NOT NULL",
        case,
    )
    .await
    {
        out.push(("case_endings".into(), "closing_sealed".into(), row, closing));
    }
    out
}

fn opens(t: &TestApp, v: &(String, String, String, String)) -> bool {
    t.db.keyring().open(&v.0, &v.1, &v.2, &v.3).is_ok()
}

async fn audit_intact(t: &TestApp) {
    let mut c = t.db.conn().await.unwrap();
    let verdict = store::audit::verify(&mut c).await.unwrap();
    assert!(
        matches!(verdict, store::audit::Verdict::Intact { .. }),
        "{verdict:?}"
    );
}

/// Ten years and a few days on: the test's sessions have long expired, so everyone signs in
/// again.
fn ten_years_on(t: &TestApp) {
    t.clock
        .advance(jiff::SignedDuration::from_hours(24 * (365 * 10 + 3 + 5)));
}

on_both!(
    the_owner_sets_the_retention_period_from_a_preset_or_by_years,
    practice,
    |t| {
        let owner = t.signed_in(OWNER_EMAIL).await;
        let (_, page) = owner.text("/admin/practice").await;
        assert!(page.contains("Germany: 10 years after the end of treatment"));
        assert!(page.contains("Check your state"));
        // Empty, out of range, malformed, huge and hostile input: refused next to the field,
        // what was typed kept.
        let huge = "9".repeat(5_000);
        for (j, years, field) in [
            ("", "", "jurisdiction"),
            ("de", "0", "years"),
            ("de", "31", "years"),
            ("uk", "ten", "years"),
            ("us", huge.as_str(), "years"),
            ("other", "", "years"),
            ("<script>", "5", "jurisdiction"),
        ] {
            let r = set_retention(&owner, j, years).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{j} {years}");
            let html = r.text().await.unwrap();
            assert!(html.contains(&format!("id=\"{field}-error\"")), "{field}");
            assert!(!html.contains("<script>\""), "escaped");
            if years == "ten" {
                assert!(html.contains("value=\"ten\""), "kept");
            }
        }
        // A preset by its place alone, then the owner's own number.
        let r = set_retention(&owner, "de", "").await;
        assert_eq!(location(&r), "/admin/practice?retention=1#retention");
        let (_, page) = owner.text("/admin/practice?retention=1").await;
        assert!(page.contains("The retention period is saved."));
        assert_eq!(field_value(&page, "years").as_deref(), Some("10"));
        let r = set_retention(&owner, "us", "6").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            store::testing::raw_text(
                &t.db,
                "SELECT retention_jurisdiction || ':' || CAST(retention_years AS TEXT) FROM practice WHERE id = $1",
                "practice",
            )
            .await,
            "us:6"
        );
        // Only the owner sets it.
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let r = set_retention(&theo, "de", "10").await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        audit_intact(&t).await;
    }
);

on_both!(
    erasure_removes_every_row_of_the_case_and_its_key_and_nothing_else,
    practice,
    |t| {
        let owner = t.signed_in(OWNER_EMAIL).await;
        assert_eq!(
            set_retention(&owner, "de", "10").await.status(),
            StatusCode::SEE_OTHER
        );
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (robin, _) = in_therapy(&t, &theo, "Robin Field", ROBIN, ROBIN_WORDS).await;
        let (sam, _) = in_therapy(&t, &theo, "Sam Other", SAM, SAM_WORDS).await;
        close(&theo, &robin).await;

        // The case page shows the date the record is kept until.
        let (_, page) = theo.text(&format!("/admin/cases/{robin}")).await;
        assert!(
            page.contains(
                "Kept until 27 November 2036 (the end of treatment was 27 November 2026)."
            ),
            "{page}"
        );
        // Not due yet: nothing listed, and an erasure needs an early reason.
        let (_, list) = theo.text("/admin/erasure").await;
        assert!(list.contains("No record is past its retention period."));
        let erase = format!("/admin/cases/{robin}/erase");
        let (status, confirm) = theo.text(&erase).await;
        assert_eq!(status, StatusCode::OK);
        let reference = domain::retention::case_reference(&robin);
        assert!(confirm.contains(&reference));
        let csrf = field_value(&confirm, "csrf").unwrap();
        let r = theo
            .post_form(&erase, &[("csrf", &csrf), ("reference", &reference)])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"reason-error\""));
        // A case still in therapy is not erased at all.
        let sam_ref = domain::retention::case_reference(&sam);
        let r = theo
            .post_form(
                &format!("/admin/cases/{sam}/erase"),
                &[
                    ("csrf", &csrf),
                    ("reference", &sam_ref),
                    ("reason", "request_no_duty"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        ten_years_on(&t);
        // The daily review tells Theo, without a name.
        let owner = t.signed_in(OWNER_EMAIL).await;
        let r = set_retention(&owner, "de", "10").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        t.clock.advance(jiff::SignedDuration::from_hours(30));
        t.run_jobs().await;
        let owner = t.signed_in(OWNER_EMAIL).await;
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let notice = t
            .mails()
            .await
            .into_iter()
            .find(|m| m.to == THERAPIST_EMAIL && m.subject.contains("retention period"))
            .expect("the records-due notice");
        assert!(!notice.body.contains("Robin") && !notice.body.contains(&reference));
        assert!(notice.body.contains("/admin/erasure"));

        let (_, list) = theo.text("/admin/erasure").await;
        assert!(
            list.contains("Robin Field") && list.contains(&reference),
            "{list}"
        );
        assert!(!list.contains("Sam Other"));
        let (_, day) = theo.text("/admin").await;
        assert!(
            day.contains("href=\"/admin/erasure\""),
            "the dashboard links to it"
        );

        // Nobody but Robin's therapist reaches the erasure, the owner included.
        let csrf_owner = owner.csrf_from("/admin/patients").await;
        let (status, _) = owner.text(&erase).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let r = owner
            .post_form(&erase, &[("csrf", &csrf_owner), ("reference", &reference)])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // What is there before.
        let before = rows_of_case(&t, &robin).await;
        let had: Vec<&str> = before
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(name, _)| name.as_str())
            .collect();
        for table in [
            "cases",
            "messages",
            "attachments",
            "appointments",
            "session_notes",
            "case_endings",
            "data_keys",
        ] {
            assert!(
                had.contains(&table),
                "{table} holds rows of the case: {had:?}"
            );
        }
        let sealed = sealed_of(&t, &robin).await;
        assert!(sealed.len() >= 3);
        assert!(sealed.iter().all(|v| opens(&t, v)));
        let sam_before = rows_of_case(&t, &sam).await;
        let sam_sealed = sealed_of(&t, &sam).await;
        let robin_user =
            store::testing::raw_text(&t.db, "SELECT patient_id FROM cases WHERE id = $1", &robin)
                .await;

        // A wrong reference is refused, the input kept.
        let csrf = theo.csrf_from(&erase).await;
        let r = theo
            .post_form(&erase, &[("csrf", &csrf), ("reference", "NOT-THIS")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"reference-error\"") && html.contains("value=\"NOT-THIS\""));
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM cases WHERE id = $1", &robin).await,
            1
        );

        let r = theo
            .post_form(
                &erase,
                &[("csrf", &csrf), ("reference", &reference.to_lowercase())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(location(&r).starts_with("/admin/erasure?erased="));

        // Every row of the case is gone, in every table.
        for (table, n) in rows_of_case(&t, &robin).await {
            assert_eq!(n, 0, "{table} still holds rows of the erased case");
        }
        assert_eq!(
            count(
                &t,
                "SELECT COUNT(*) FROM data_keys WHERE case_id = $1",
                &robin
            )
            .await,
            0
        );
        // And Robin's own account, sessions and tokens (Robin had no other case).
        for sql in [
            "SELECT COUNT(*) FROM users WHERE id = $1",
            "SELECT COUNT(*) FROM sessions WHERE user_id = $1",
            "SELECT COUNT(*) FROM login_tokens WHERE user_id = $1",
        ] {
            assert_eq!(count(&t, sql, &robin_user).await, 0, "{sql}");
        }
        // The dev mailbox's copies to Robin (the addresses are sealed: each is opened).
        let mut c = t.db.conn().await.unwrap();
        let left = store::mailbox::ids_sent_to(&mut c, ROBIN).await.unwrap();
        assert!(left.is_empty(), "the dev mailbox's copies to Robin");
        drop(c);
        // What was sealed under the case's key no longer opens.
        for v in &sealed {
            assert!(!opens(&t, v), "{}.{} still opens", v.0, v.1);
        }
        // Sam's case is untouched.
        assert_eq!(rows_of_case(&t, &sam).await, sam_before);
        assert!(sam_sealed.iter().all(|v| opens(&t, v)));
        // The erasure is recorded with ids and counts only; the audit chain still verifies.
        let record = store::testing::raw_text(
            &t.db,
            "SELECT reason || ' ' || row_counts FROM erasures WHERE case_id = $1",
            &robin,
        )
        .await;
        assert!(record.starts_with("retention_over {\"") && record.contains("\"messages\":"));
        let audit = store::testing::raw_text(
            &t.db,
            "SELECT subject FROM audit_log WHERE action = 'case.erase' AND case_id = $1",
            &robin,
        )
        .await;
        for personal in ["Robin", ROBIN, ROBIN_WORDS] {
            assert!(!audit.contains(personal) && !record.contains(personal));
        }
        assert!(
            count(
                &t,
                "SELECT COUNT(*) FROM audit_log WHERE case_id = $1",
                &robin
            )
            .await
                > 5,
            "older audit rows stay"
        );
        audit_intact(&t).await;
        let dump = store::testing::raw_dump(&t.db).await;
        assert!(!dump.contains(ROBIN_WORDS));

        // The list is empty again; the case's pages are gone.
        let (_, list) = theo.text("/admin/erasure").await;
        assert!(list.contains("No record is past its retention period."));
        let (status, _) = theo.text(&format!("/admin/cases/{robin}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The owner is told that older backups still open it, until the master key is rotated.
        let (_, day) = owner.text("/admin").await;
        assert!(
            day.contains("1 erasure since the master key was last rotated"),
            "{day}"
        );
        let (_, theo_day) = theo.text("/admin").await;
        assert!(!theo_day.contains("since the master key was last rotated"));
        t.db.rotate_master_key(&store::MasterKey::generate())
            .await
            .unwrap();
        let (_, day) = owner.text("/admin").await;
        assert!(!day.contains("since the master key was last rotated"));
        assert!(sam_sealed.iter().all(|v| opens(&t, v)));
        audit_intact(&t).await;
    }
);

on_both!(
    a_patients_request_is_answered_by_the_hold_or_by_erasure,
    practice,
    |t| {
        let owner = t.signed_in(OWNER_EMAIL).await;
        assert_eq!(
            set_retention(&owner, "uk", "").await.status(),
            StatusCode::SEE_OTHER
        );
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (robin_case, robin) = in_therapy(&t, &theo, "Robin Field", ROBIN, ROBIN_WORDS).await;
        let (status, page) = robin.text("/portal/erasure").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("8 years after the end of treatment"),
            "{page}"
        );
        let csrf = field_value(&page, "csrf").unwrap();
        let r = robin.post_form("/portal/erasure", &[("csrf", &csrf)]).await;
        assert_eq!(location(&r), "/portal/erasure?sent=1");
        // Asking twice records one request.
        let r = robin.post_form("/portal/erasure", &[("csrf", &csrf)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            count(
                &t,
                "SELECT COUNT(*) FROM erasure_requests WHERE case_id = $1",
                &robin_case
            )
            .await,
            1
        );
        let (_, page) = robin.text("/portal/erasure").await;
        assert!(page.contains("Your therapist will answer here."));
        // Theo is told, without a name.
        t.run_jobs().await;
        let mail = t
            .mails()
            .await
            .into_iter()
            .find(|m| m.to == THERAPIST_EMAIL && m.subject.contains("erase"))
            .expect("the request's mail");
        assert!(!mail.body.contains("Robin") && !mail.subject.contains("Robin"));
        let (_, list) = theo.text("/admin/erasure").await;
        assert!(list.contains("Robin Field") && list.contains("asked on"));
        let (_, day) = theo.text("/admin").await;
        assert!(day.contains("One record waits for your decision"));
        // Another therapist cannot answer it.
        let hold = format!("/admin/cases/{robin_case}/erase/hold");
        let ocsrf = owner.csrf_from("/admin/patients").await;
        let r = owner.post_form(&hold, &[("csrf", &ocsrf)]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // Still in therapy: the hold has no end date yet, and says so.
        let tcsrf = theo
            .csrf_from(&format!("/admin/cases/{robin_case}/erase"))
            .await;
        let r = theo.post_form(&hold, &[("csrf", &tcsrf)]).await;
        assert_eq!(location(&r), "/admin/erasure?held=1");
        let (_, page) = robin.text("/portal/erasure").await;
        assert!(
            page.contains("while your treatment goes on and for 8 years after its end"),
            "{page}"
        );
        // Robin is told there is an answer, and nothing of it: that is in the portal.
        t.run_jobs().await;
        let told: Vec<_> = t
            .mails()
            .await
            .into_iter()
            .filter(|m| m.to == ROBIN && m.subject.contains("your request about your records"))
            .collect();
        assert_eq!(told.len(), 1, "one mail to the patient");
        assert!(told[0].body.contains("/portal") && !told[0].body.contains("/portal/erasure"));
        for secret in ["8 years", "erase", ROBIN_WORDS] {
            assert!(!told[0].body.contains(secret), "{secret} in the mail");
        }
        // Nothing open is left to answer.
        let r = theo.post_form(&hold, &[("csrf", &tcsrf)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // After the end, a new request is held until the retention date.
        close(&theo, &robin_case).await;
        let csrf = robin.csrf_from("/portal/erasure").await;
        let r = robin.post_form("/portal/erasure", &[("csrf", &csrf)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = theo.post_form(&hold, &[("csrf", &tcsrf)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = robin.text("/portal/erasure").await;
        assert!(
            page.contains("keeps your records until 27 November 2034"),
            "{page}"
        );

        // A third request, erased at once on the therapist's decision with its reason.
        let csrf = robin.csrf_from("/portal/erasure").await;
        robin.post_form("/portal/erasure", &[("csrf", &csrf)]).await;
        let erase = format!("/admin/cases/{robin_case}/erase");
        let (_, confirm) = theo.text(&erase).await;
        assert!(confirm.contains("asked on"));
        let reference = domain::retention::case_reference(&robin_case);
        let r = theo
            .post_form(
                &erase,
                &[
                    ("csrf", &tcsrf),
                    ("reference", &reference),
                    ("reason", "request_therapist_decision"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            store::testing::raw_text(
                &t.db,
                "SELECT reason FROM erasures WHERE case_id = $1",
                &robin_case
            )
            .await,
            "request_therapist_decision"
        );
        // Robin's account went with the case: the portal no longer knows them.
        let (status, _) = robin.text("/portal/erasure").await;
        assert_ne!(status, StatusCode::OK);
        for action in ["erasure.ask", "erasure.hold", "case.erase"] {
            assert!(
                count(
                    &t,
                    "SELECT COUNT(*) FROM audit_log WHERE action = $1",
                    action
                )
                .await
                    >= 1,
                "{action}"
            );
        }
        audit_intact(&t).await;
    }
);

/// A backup made before an erasure holds the case's key wrapped by the master key of its day.
/// After the erasure and a rotation (the old key destroyed, as the dashboard asks), that backup
/// opens nothing: the erased case's sealed text cannot be read from it, nor from the database.
#[tokio::test]
async fn an_older_backup_no_longer_opens_an_erased_case_once_the_master_key_is_rotated() {
    use app::backup::{Identity, Protection, Unlock};
    let Some(t) = practice(store::Backend::Sqlite).await else {
        return;
    };
    let owner = t.signed_in(OWNER_EMAIL).await;
    assert_eq!(
        set_retention(&owner, "de", "10").await.status(),
        StatusCode::SEE_OTHER
    );
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let (robin, _) = in_therapy(&t, &theo, "Robin Field", ROBIN, ROBIN_WORDS).await;
    close(&theo, &robin).await;
    let sealed = sealed_of(&t, &robin).await;
    assert!(!sealed.is_empty() && sealed.iter().all(|v| opens(&t, v)));

    // Backed up before the erasure; the backup itself holds no patient's name or address.
    let identity = Identity::generate();
    let dir = std::env::temp_dir().join(format!("holdspace-erasure-{}", store::random_hex(6)));
    std::fs::create_dir_all(&dir).unwrap();
    let older = dir.join("before-erasure.age");
    app::backup::make(&t.db, &older, &Protection::Recipient(identity.to_public()))
        .await
        .unwrap();
    let unlock = || Unlock::Identities(vec![Box::new(identity.clone())]);
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut app::backup::open_stream(&older, &unlock()).unwrap(),
        &mut plain,
    )
    .unwrap();
    let plain = String::from_utf8_lossy(&plain).to_lowercase();
    for secret in ["robin field", ROBIN, ROBIN_WORDS] {
        assert!(
            !plain.contains(&secret.to_lowercase()),
            "{secret} is in the backup"
        );
    }

    ten_years_on(&t);
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let erase = format!("/admin/cases/{robin}/erase");
    let csrf = theo.csrf_from(&erase).await;
    let reference = domain::retention::case_reference(&robin);
    let r = theo
        .post_form(&erase, &[("csrf", &csrf), ("reference", &reference)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for v in &sealed {
        assert!(!opens(&t, v), "{}.{} still opens", v.0, v.1);
    }
    audit_intact(&t).await;

    // Until the rotation, the older backup still opens with today's master key: that is what
    // the owner's dashboard warns of.
    let before = store::testing::fresh_config(store::Backend::Sqlite)
        .await
        .unwrap();
    app::backup::restore(&before, &older, &unlock())
        .await
        .unwrap();
    let copy = store::Db::open(&before, vec![store::testing::test_master_key()])
        .await
        .unwrap();
    assert!(sealed
        .iter()
        .all(|v| copy.keyring().open(&v.0, &v.1, &v.2, &v.3).is_ok()));
    copy.close().await;

    // The rotation: the remaining keys re-wrapped, the old master key gone.
    let next = store::MasterKey::generate();
    t.db.rotate_master_key(&next).await.unwrap();
    let after = store::testing::fresh_config(store::Backend::Sqlite)
        .await
        .unwrap();
    app::backup::restore(&after, &older, &unlock())
        .await
        .unwrap();
    let refused = store::Db::open(&after, vec![next.clone()]).await;
    assert!(
        refused.is_err(),
        "the older backup's data keys must not open under the new master key"
    );
    // The practice itself goes on under the new key.
    audit_intact(&t).await;
    let _ = std::fs::remove_dir_all(&dir);
}
