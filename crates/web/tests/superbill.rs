//! Billing in the United States end to end, on both databases: a superbill read back from its PDF
//! (CPT codes from the session's type and length, ICD-10-CM codes, NPI, place of service,
//! amounts), a Good Faith Estimate given and found in the portal, nothing of it for a practice
//! elsewhere or for another therapist, and bad input said next to its field with the input kept.

mod common;

use common::*;
use domain::invoice::{LineInput, PaymentInput, ProfileInput};
use reqwest::StatusCode;
use std::io::Write;
use std::process::{Command, Stdio};

const TARA: &str = "tara@example.org";

async fn practice(backend: store::Backend) -> Option<TestApp> {
    let t = TestApp::with_practice(backend).await?;
    t.add_colleague(TARA, "Tara Other").await;
    Some(t)
}

async fn theo(t: &TestApp) -> app::Actor {
    let (user, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), THERAPIST_EMAIL)
        .await
        .unwrap()
        .unwrap();
    app::Actor::signed(user, "test".into(), true, "127.0.0.1")
}

fn profile(country: &str) -> ProfileInput {
    ProfileInput {
        issuer: "Theo Hart, LCSW".into(),
        address: "1 Main Street\nSpringfield, IL 62701".into(),
        tax_id: "12-3456789".into(),
        registration: "1234567893".into(),
        country: country.into(),
        payment_days: "14".into(),
        paper: "letter".into(),
        cadence: "monthly".into(),
        ..ProfileInput::default()
    }
}

/// The text of a PDF as poppler reads it, whitespace collapsed (a wrapped sentence reads whole).
fn text_of(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let mut child = Command::new("pdftotext")
        .args(["-layout", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext (Debian's poppler-utils) is installed");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A first consultation (10:00) and a session (14:00) on Monday 30 November, both attended.
async fn two_attended_sessions(t: &TestApp, therapist: &Browser, case: &str) {
    let week = "/admin/calendar?day=2026-11-30";
    for (kind, time) in [("first", "10:00"), ("session", "14:00")] {
        let csrf = therapist.csrf_from(week).await;
        let r = therapist
            .post_form(
                "/admin/calendar/appointments",
                &[
                    ("csrf", &csrf),
                    ("case", case),
                    ("kind", kind),
                    ("date", "2026-11-30"),
                    ("time", time),
                    ("clash", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{kind} at {time}");
    }
    let (_, page) = therapist.text(week).await;
    let ids: Vec<String> = page
        .match_indices("href=\"/admin/calendar/")
        .map(|(i, _)| i + "href=\"/admin/calendar/".len())
        .map(|at| page[at..at + 32].to_string())
        .filter(|id| id.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    assert_eq!(ids.len(), 2, "both in the grid");
    // Tuesday: both have taken place.
    t.clock.advance(jiff::SignedDuration::from_hours(4 * 24));
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    for id in ids {
        let page = format!("/admin/calendar/{id}");
        let csrf = theo.csrf_from(&page).await;
        let r = theo
            .post_form(
                &format!("{page}/attendance"),
                &[
                    ("csrf", &csrf),
                    ("attendance", "attended"),
                    ("charge", "charged"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
}

on_both!(a_superbill_carries_what_the_insurer_needs, practice, |t| {
    let browser = t.signed_in(THERAPIST_EMAIL).await;
    let case = t
        .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
        .await;
    let actor = theo(&t).await;
    t.app
        .save_billing_profile(&actor, &profile("US"))
        .await
        .unwrap();
    let case_id = domain::ids::CaseId::parse(&case).unwrap();
    t.app
        .save_case_terms(&actor, &case_id, "150", "")
        .await
        .unwrap();
    two_attended_sessions(&t, &browser, &case).await;
    let browser = t.signed_in(THERAPIST_EMAIL).await;

    // The case page offers the section; the details are saved through it.
    let page = format!("/admin/cases/{case}/billing");
    let (status, html) = browser.text(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("For insurers"));
    let r = browser
        .post_with_token(
            &format!("{page}/claims"),
            &[
                ("diagnoses", "f41.1, F32.A"),
                ("place", "02"),
                ("birth_date", "1990-05-17"),
                ("address", "12 Elm Street\nSpringfield, IL 62704"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // November's sessions become a draft; a 60-minute session and a report are added by hand.
    let prepared = t
        .app
        .prepare_invoices(&actor, "2026-11-01".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(prepared.sessions, 2);
    let draft = t.app.case_billing(&actor, &case_id).await.unwrap().invoices[0]
        .id
        .clone();
    for (description, minutes, unit) in [("Session", "60", "180"), ("Report", "", "40")] {
        t.app
            .add_invoice_line(
                &actor,
                &draft,
                &LineInput {
                    date: "2026-11-27".into(),
                    description: description.into(),
                    minutes: minutes.into(),
                    unit: unit.into(),
                    ..LineInput::default()
                },
            )
            .await
            .unwrap();
    }
    // A draft has no superbill.
    let r = browser
        .get(&format!("/admin/billing/invoices/{draft}/superbill"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    t.app.issue_invoice(&actor, &draft).await.unwrap();
    t.app
        .record_payment(
            &actor,
            &draft,
            &PaymentInput {
                amount: "100".into(),
                received_on: String::new(),
                method: "card".into(),
            },
        )
        .await
        .unwrap();

    let (_, html) = browser
        .text(&format!("/admin/billing/invoices/{draft}"))
        .await;
    assert!(html.contains(&format!("/admin/billing/invoices/{draft}/superbill")));
    let r = browser
        .get(&format!("/admin/billing/invoices/{draft}/superbill"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let text = text_of(&bytes);
    for want in [
        "Superbill",
        "NPI: 1234567893",
        "Tax ID (TIN): 12-3456789",
        "A: F41.1 · B: F32.A",
        "Date of birth:",
        "12 Elm Street",
        "90791",
        "90834",
        "90837",
        "02",
        "150.00",
        "180.00",
        "40.00",
        "520.00",
        "100.00",
        "420.00",
    ] {
        assert!(text.contains(want), "{want:?} in {text}");
    }
    assert!(!text.contains("90832"), "no session was 16–37 minutes");
    // The report's row carries no code: its line reads date, text, then POS straight away.
    assert!(text.contains("Report 02"), "{text}");

    // The patient finds it in the portal too.
    let mara = t.patient_signed_in("mara@example.org").await;
    let (_, portal) = mara.text("/portal/invoices").await;
    assert!(portal.contains(&format!("/portal/invoices/{draft}/superbill")));
    let r = mara
        .get(&format!("/portal/invoices/{draft}/superbill"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(text_of(&r.bytes().await.unwrap()).contains("90791"));

    // Reading it is audited.
    let audited = store::testing::raw_text(
        &t.db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = 'superbill.read' AND subject = $1",
        &draft,
    )
    .await;
    assert_eq!(audited, "2");
});

on_both!(
    a_good_faith_estimate_is_given_archived_and_found_in_the_portal,
    practice,
    |t| {
        let browser = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
            .await;
        let actor = theo(&t).await;
        t.app
            .save_billing_profile(&actor, &profile("US"))
            .await
            .unwrap();
        let page = format!("/admin/cases/{case}/billing");
        let r = browser
            .post_with_token(
                &format!("{page}/estimates"),
                &[
                    ("code_1", "90791"),
                    ("fee_1", "200"),
                    ("sessions_1", "1"),
                    ("code_2", "90837"),
                    ("fee_2", "150"),
                    ("sessions_2", "24"),
                    ("period_from", "2026-12-01"),
                    ("period_to", "2027-11-30"),
                    ("estimate_diagnoses", "F41.1"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = browser.text(&page).await;
        let at = html
            .find("/admin/billing/estimates/")
            .expect("the estimate listed")
            + "/admin/billing/estimates/".len();
        let id = html[at..at + 32].to_string();
        assert!(html.contains("3800.00"), "the total listed: {html}");

        let r = browser.get(&format!("/admin/billing/estimates/{id}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        let pdf = r.bytes().await.unwrap();
        let text = text_of(&pdf);
        for want in [
            "Good Faith Estimate",
            "Mara Jovanović",
            "NPI: 1234567893",
            "Tax ID (TIN): 12-3456789",
            "1 Main Street",
            "90791",
            "90837",
            "24",
            "3800.00",
            "F41.1",
            "billed $400 or more above this Good Faith Estimate",
            "patient-provider dispute resolution process",
            "not a contract",
            "www.cms.gov/nosurprises",
            "Actual charges may differ",
        ] {
            assert!(text.contains(want), "{want:?} in {text}");
        }
        // Archived exactly as given: the same bytes again, and their SHA-256 kept.
        let again = browser.get(&format!("/admin/billing/estimates/{id}")).await;
        assert_eq!(again.bytes().await.unwrap(), pdf);
        let record = store::claims::estimate(&mut t.db.conn().await.unwrap(), &id)
            .await
            .unwrap()
            .unwrap();
        use sha2::Digest;
        assert_eq!(record.pdf_sha256, hex::encode(sha2::Sha256::digest(&pdf)));
        assert_eq!(record.total, 380_000);

        // The patient is told only that a document waits, and finds it in the portal.
        t.run_jobs().await;
        let mail = t
            .mails()
            .await
            .into_iter()
            .find(|m| m.to == "mara@example.org" && m.subject.contains("document"))
            .expect("the document mail");
        assert!(!mail.body.contains("3800") && !mail.body.contains("Estimate"));
        let mara = t.patient_signed_in("mara@example.org").await;
        let (_, portal) = mara.text("/portal/invoices").await;
        assert!(
            portal.contains(&format!("/portal/estimates/{id}")),
            "{portal}"
        );
        let r = mara.get(&format!("/portal/estimates/{id}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.bytes().await.unwrap(), pdf);
    }
);

on_both!(
    bad_input_is_said_next_to_its_field_and_kept,
    practice,
    |t| {
        let browser = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
            .await;
        let actor = theo(&t).await;
        t.app
            .save_billing_profile(&actor, &profile("US"))
            .await
            .unwrap();
        let page = format!("/admin/cases/{case}/billing");
        for (fields, kept, message) in [
            (
                vec![("diagnoses", "banana"), ("place", "10")],
                "value=\"banana\"",
                "Please write codes like F41.1",
            ),
            (
                vec![
                    ("diagnoses", "F41.1 F32.A F43.10 F90.0 F50.0"),
                    ("place", "10"),
                ],
                "value=\"F41.1 F32.A F43.10 F90.0 F50.0\"",
                "At most 4 diagnosis codes.",
            ),
            (
                vec![("birth_date", "2027-01-01"), ("place", "10")],
                "value=\"2027-01-01\"",
                "That date is in the future.",
            ),
            (vec![("place", "99\u{0}<script>")], "", "Please choose one."),
        ] {
            let r = browser
                .post_with_token(&format!("{page}/claims"), &fields)
                .await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
            let html = r.text().await.unwrap();
            assert!(html.contains(kept), "{kept} kept");
            assert!(html.contains(message), "{message}");
            assert!(!html.contains("<script>"));
        }
        let estimate = |sessions: &'static str, fee: &'static str| {
            vec![
                ("code_1", "90837"),
                ("fee_1", fee),
                ("sessions_1", sessions),
                ("period_from", "2026-12-01"),
                ("period_to", "2027-11-30"),
            ]
        };
        for (fields, kept, message) in [
            (
                estimate("0", "150"),
                "value=\"0\"",
                "Please write a number from 1 to 200.",
            ),
            (
                estimate("1000", "150"),
                "value=\"1000\"",
                "Please write a number from 1 to 200.",
            ),
            (
                estimate("12", "99999999999999"),
                "value=\"99999999999999\"",
                "That amount is too large.",
            ),
            (
                vec![
                    ("code_1", "banana"),
                    ("fee_1", "150"),
                    ("sessions_1", "1"),
                    ("period_from", "2026-12-01"),
                    ("period_to", "2028-12-01"),
                ],
                "value=\"banana\"",
                "An estimate covers at most 12 months.",
            ),
            (vec![], "", "Please fill in"),
        ] {
            let r = browser
                .post_with_token(&format!("{page}/estimates"), &fields)
                .await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
            let html = r.text().await.unwrap();
            assert!(html.contains(kept), "{kept} kept");
            assert!(html.contains(message), "{message} in {html}");
        }
        let given = store::claims::estimates_of(
            &mut t.db.conn().await.unwrap(),
            &domain::ids::CaseId::parse(&case).unwrap(),
        )
        .await
        .unwrap();
        assert!(given.is_empty(), "nothing refused was given");
    }
);

on_both!(
    outside_the_us_and_for_another_therapist_there_is_nothing,
    practice,
    |t| {
        let browser = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
            .await;
        let actor = theo(&t).await;
        t.app
            .save_billing_profile(&actor, &profile("US"))
            .await
            .unwrap();
        let case_id = domain::ids::CaseId::parse(&case).unwrap();
        let invoice = t.app.new_invoice(&actor, &case_id).await.unwrap();
        t.app
            .add_invoice_line(
                &actor,
                &invoice,
                &LineInput {
                    date: "2026-11-20".into(),
                    description: "Session".into(),
                    minutes: "50".into(),
                    unit: "150".into(),
                    ..LineInput::default()
                },
            )
            .await
            .unwrap();
        t.app.issue_invoice(&actor, &invoice).await.unwrap();
        let estimate = t
            .app
            .issue_estimate(
                &actor,
                &case_id,
                &domain::claims::EstimateInput {
                    code_1: "90834".into(),
                    fee_1: "150".into(),
                    sessions_1: "10".into(),
                    period_from: "2026-12-01".into(),
                    period_to: "2027-02-28".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let gets = [
            format!("/admin/billing/invoices/{invoice}/superbill"),
            format!("/admin/billing/estimates/{estimate}"),
        ];
        let posts = [
            (
                format!("/admin/cases/{case}/billing/claims"),
                vec![("diagnoses", "F41.1"), ("place", "10")],
            ),
            (
                format!("/admin/cases/{case}/billing/estimates"),
                vec![
                    ("code_1", "90834"),
                    ("fee_1", "150"),
                    ("sessions_1", "10"),
                    ("period_from", "2026-12-01"),
                    ("period_to", "2027-02-28"),
                ],
            ),
        ];
        // Another therapist of the practice learns nothing of either.
        let tara = t.signed_in(TARA).await;
        for path in &gets {
            assert_eq!(
                tara.get(path).await.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        for (path, fields) in &posts {
            let r = tara.post_with_token(path, fields).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
        }
        // An id of the wrong shape, or hostile, is not found either.
        for bad in [
            "nope",
            "../../etc/passwd",
            "0000000000000000000000000000000%00",
        ] {
            let r = browser
                .get(&format!("/admin/billing/estimates/{bad}"))
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}");
        }

        // The practice moves to Germany: every route is gone, and the pages say nothing of it.
        t.app
            .save_billing_profile(&actor, &profile("DE"))
            .await
            .unwrap();
        for path in &gets {
            assert_eq!(
                browser.get(path).await.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        for (path, fields) in &posts {
            let r = browser.post_with_token(path, fields).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
        }
        let (status, html) = browser.text(&format!("/admin/cases/{case}/billing")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("For insurers") && !html.contains("Good Faith"));
        let (_, html) = browser
            .text(&format!("/admin/billing/invoices/{invoice}"))
            .await;
        assert!(!html.contains("superbill"));
        let mara = t.patient_signed_in("mara@example.org").await;
        let (_, portal) = mara.text("/portal/invoices").await;
        assert!(!portal.contains("superbill") && !portal.contains("/portal/estimates/"));
        let r = mara
            .get(&format!("/portal/invoices/{invoice}/superbill"))
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = mara.get(&format!("/portal/estimates/{estimate}")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
);
