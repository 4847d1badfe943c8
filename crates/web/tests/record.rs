//! A patient's record handed out in standards: the FHIR R4 bundle (its resources, the LOINC codes
//! and totals of the PHQ-9 and GAD-7) and the PDF (its text as `pdftotext` reads it), for the
//! case's therapist and for the patient; nobody else gets it, and every hand-out and refusal is in
//! the audit log. Hostile words (a right-to-left name, HTML, very long answers) come out as the
//! text they are. The bundles are kept for scripts/fhir-validate, the real validator.

mod common;

use base64::Engine;
use common::{field_value, location, session_on_monday, Browser, TestApp, THERAPIST_EMAIL};
use domain::agreement::{self as rules, Known};
use domain::invoice::{LineInput, PaymentInput};
use reqwest::StatusCode;
use serde_json::Value;

const PATIENT: &str = "mara@example.org";
const OTHER_PATIENT: &str = "otto@example.org";
const OTHER_THERAPIST: &str = "tara@example.org";
const RTL_NAME: &str = "مريم Lind";
const HTML_ANSWER: &str = "<b>I sleep badly</b> & <script>alert(1)</script> since the move";
const NOTE: &str = "Spoke of the move and the sleep.";
const PROCESS_NOTE: &str = "My own unease when she spoke of her father.";
const FRAME: &str = "We keep the Thursday hour free of phones";

async fn practice(backend: store::Backend) -> Option<TestApp> {
    let t = TestApp::with_practice(backend).await?;
    t.add_colleague(OTHER_THERAPIST, "Tara Other").await;
    Some(t)
}

fn items(measure: &str, values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("q.{measure}.{}", i + 1), v.to_string()))
        .collect()
}

async fn send(b: &Browser, path: &str, section: &str, fields: &[(String, String)]) {
    let mut all: Vec<(&str, &str)> = vec![("section", section), ("action", "submit")];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let r = b.post_with_token(path, &all).await;
    assert_eq!(location(&r), format!("{path}?sent=1"));
}

/// Theo's agreement, sent to the case and signed by Mara under her name; returns its hash.
async fn agreement_signed(theo: &Browser, mara: &Browser, case: &str) -> String {
    let template = rules::default_template(&Known {
        session_minutes: Some(50),
        session_price_cents: Some(9_500),
        cancel_hours: 48,
        crisis_contacts: "Call 112.",
    });
    let csrf = theo.csrf_from("/admin/agreement").await;
    let body = format!(
        "# Our agreement\n\nBetween {{patient}} and {{therapist}}.\n\n{FRAME}.\n\nFee: {{fee}}.\n"
    );
    let mut fields = vec![
        ("csrf".to_string(), csrf),
        ("intent".to_string(), "save".to_string()),
        ("body".to_string(), body),
    ];
    if let Value::Object(map) = serde_json::to_value(&template.terms).unwrap() {
        for (k, v) in map {
            fields.push((k, v.as_str().unwrap().to_string()));
        }
    }
    let all: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = theo.post_form("/admin/agreement", &all).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let csrf = theo.csrf_from(&format!("/admin/cases/{case}")).await;
    let r = theo
        .post_form(
            &format!("/admin/cases/{case}/agreement"),
            &[
                ("csrf", &csrf),
                ("agreement_fee", ""),
                ("agreement_frequency", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
    let at = page.find("/admin/agreements/").unwrap() + "/admin/agreements/".len();
    let id = &page[at..at + 32];
    let path = format!("/portal/agreements/{id}");
    let (_, shown) = mara.text(&path).await;
    let hash = field_value(&shown, "sha256").expect("the text's hash");
    let csrf = field_value(&shown, "csrf").unwrap();
    let r = mara
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("full_name", RTL_NAME),
                ("sha256", &hash),
                ("agree", "on"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("{path}?signed=1"));
    hash
}

/// An invoice issued to the case and paid in cash, so it has a receipt: (its number).
async fn invoice_paid(t: &TestApp, case: &str) -> String {
    let actor = common::actor_of(t, THERAPIST_EMAIL).await;
    let profile = common::billing_profile("Theo Hart, Psychotherapist");
    t.app.save_billing_profile(&actor, &profile).await.unwrap();
    let id = t
        .app
        .new_invoice(&actor, &domain::ids::CaseId::parse(case).unwrap())
        .await
        .unwrap();
    let line = LineInput {
        date: "2026-11-20".into(),
        description: "Session (50 minutes)".into(),
        minutes: "50".into(),
        unit: "90".into(),
        ..LineInput::default()
    };
    t.app.add_invoice_line(&actor, &id, &line).await.unwrap();
    let number = t.app.issue_invoice(&actor, &id).await.unwrap();
    let cash = PaymentInput {
        amount: "90".into(),
        received_on: String::new(),
        method: "cash".into(),
    };
    t.app.record_payment(&actor, &id, &cash).await.unwrap();
    number
}

/// Mara (a right-to-left name) sends the intake with hostile and very long answers, a PHQ-9 at 10
/// and a GAD-7 at 15; she has two sessions, one attended with a signed note (and process notes),
/// one missed. Returns (case, Theo, the long answer).
async fn mara_with_a_record(t: &TestApp) -> (String, Browser, String) {
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let case = t.invite_patient(&theo, RTL_NAME, PATIENT).await;
    let mara = t.patient_signed_in(PATIENT).await;

    let intake = mara.questionnaire_link("Getting to know you").await;
    let long = "Counselling at university, twelve sessions. ".repeat(100);
    let r = mara
        .post_with_token(
            &intake,
            &[
                ("section", "0"),
                ("action", "save"),
                ("q.what_brings_you", HTML_ANSWER),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = mara
        .post_with_token(
            &intake,
            &[
                ("section", "1"),
                ("action", "save"),
                ("q.past_therapy", &long),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    send(&mara, &intake, "9", &[]).await;

    let phq = mara
        .questionnaire_link("Patient Health Questionnaire-9 (PHQ-9)")
        .await;
    let mut answers = items("phq9", &["2", "2", "1", "1", "1", "1", "1", "1", "0"]);
    answers.push(("q.phq9.difficulty".into(), "1".into()));
    send(&mara, &phq, "0", &answers).await;
    let gad = mara
        .questionnaire_link("Generalized Anxiety Disorder 7-item scale (GAD-7)")
        .await;
    send(
        &mara,
        &gad,
        "0",
        &items("gad7", &["3", "3", "3", "3", "3", "0", "0"]),
    )
    .await;
    agreement_signed(&theo, &mara, &case).await;
    invoice_paid(t, &case).await;

    let attended = session_on_monday(&theo, &case, "09:00").await;
    let missed = session_on_monday(&theo, &case, "11:00").await;
    // Monday 12:00 in New York: both sessions have begun (Theo signs in again).
    t.clock
        .advance(jiff::SignedDuration::from_hours(3 * 24 + 8));
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    for (id, what) in [(&attended, "attended"), (&missed, "no_show")] {
        let page = format!("/admin/calendar/{id}");
        let csrf = theo.csrf_from(&page).await;
        let r = theo
            .post_form(
                &format!("{page}/attendance"),
                &[
                    ("csrf", &csrf),
                    ("attendance", what),
                    ("charge", "not_charged"),
                ],
            )
            .await;
        let status = r.status();
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "{what}: {}",
            r.text().await.unwrap()
        );
    }
    let note = format!("/admin/notes/{attended}");
    let csrf = theo.csrf_from(&note).await;
    let r = theo
        .post_form(
            &note,
            &[
                ("csrf", &csrf),
                ("template", "free"),
                ("section_0", NOTE),
                ("process", PROCESS_NOTE),
                ("action", "sign"),
                ("confirm", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    (case, theo, long)
}

async fn download(b: &Browser, path: &str, content_type: &str) -> Vec<u8> {
    let r = b.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), content_type);
    let disposition = header("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    assert!(!disposition.contains("Lind") && !disposition.contains("mara"));
    r.bytes().await.unwrap().to_vec()
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn pdf_text(pdf: &[u8]) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("pdftotext")
        .args(["-", "-"])
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

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn audit_rows(t: &TestApp, action: &str, case: &str) -> Vec<(String, String)> {
    store::audit::recent(&mut t.db.conn().await.unwrap(), Some(case), 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event.action == action)
        .map(|e| (e.event.subject.clone(), e.event.outcome.clone()))
        .collect()
}

on_both!(
    the_therapist_downloads_the_record_as_fhir_with_the_measures_and_as_a_pdf_to_read,
    practice,
    |t| {
        let (case, theo, long) = mara_with_a_record(&t).await;
        let json = download(
            &theo,
            &format!("/admin/cases/{case}/record/fhir"),
            "application/fhir+json",
        )
        .await;
        let bundle: Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(bundle["resourceType"], "Bundle");
        assert_eq!(bundle["type"], "collection");
        let count = |k| resources(&bundle, k).len();
        assert_eq!(count("Patient"), 1);
        assert_eq!(count("Practitioner"), 1);
        assert_eq!(count("Appointment"), 2);
        assert_eq!(count("Encounter"), 1, "the missed session was no encounter");
        assert_eq!(count("QuestionnaireResponse"), 3);
        assert_eq!(count("Observation"), 2);
        assert_eq!(
            count("DocumentReference"),
            4,
            "the signed note, the agreement's text, the invoice, its receipt: {:?}",
            resources(&bundle, "DocumentReference")
                .iter()
                .map(|d| &d["type"])
                .collect::<Vec<_>>()
        );
        let pdfs: Vec<&Value> = resources(&bundle, "DocumentReference")
            .into_iter()
            .map(|d| &d["content"][0]["attachment"])
            .filter(|a| a["contentType"] == "application/pdf")
            .collect();
        assert_eq!(
            pdfs.len(),
            2,
            "the invoice and the receipt, as the PDFs issued"
        );
        for a in pdfs {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(a["data"].as_str().unwrap())
                .unwrap();
            assert!(bytes.starts_with(b"%PDF-"));
            assert_eq!(a["size"].as_u64().unwrap() as usize, bytes.len());
        }
        let consent = resources(&bundle, "Consent");
        assert_eq!(consent.len(), 1);
        assert_eq!(
            consent[0]["identifier"][0]["value"].as_str().unwrap().len(),
            64
        );
        assert!(consent[0]["dateTime"].as_str().unwrap().ends_with('Z'));
        assert_eq!(
            resources(&bundle, "Patient")[0]["name"][0]["text"],
            RTL_NAME
        );

        let total = |code: &str| {
            let o = resources(&bundle, "Observation")
                .into_iter()
                .find(|o| o["code"]["coding"][0]["code"] == code)
                .unwrap_or_else(|| panic!("an Observation coded {code}"));
            assert_eq!(o["code"]["coding"][0]["system"], "http://loinc.org");
            o["valueInteger"].as_i64().unwrap()
        };
        assert_eq!(total("44249-1"), 10, "PHQ-9");
        assert_eq!(total("69737-5"), 15, "GAD-7");

        // The answers as typed: HTML is text, the long answer whole.
        let text = String::from_utf8(json.clone()).unwrap();
        let answers: Vec<String> = resources(&bundle, "QuestionnaireResponse")
            .iter()
            .flat_map(|q| q["item"].as_array().unwrap())
            .flat_map(|s| s["item"].as_array().unwrap())
            .filter_map(|i| i["answer"][0]["valueString"].as_str().map(str::to_string))
            .collect();
        assert!(answers.contains(&HTML_ANSWER.to_string()), "{answers:?}");
        assert!(answers.contains(&long.trim().to_string()) || answers.contains(&long));
        // The signed note is there; the process notes never are.
        let note = resources(&bundle, "DocumentReference")
            .into_iter()
            .find(|d| d["type"]["coding"][0]["code"] == "11506-3")
            .expect("the note, a progress note");
        let data = note["content"][0]["attachment"]["data"].as_str().unwrap();
        let note_text = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        assert!(String::from_utf8(note_text).unwrap().contains(NOTE));
        assert!(!text.contains("unease"));
        std::fs::write(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("fhir-record-{:?}.json", t.db.backend()).to_lowercase()),
            &json,
        )
        .unwrap();

        let pdf = download(
            &theo,
            &format!("/admin/cases/{case}/record/pdf"),
            "application/pdf",
        )
        .await;
        assert!(pdf.starts_with(b"%PDF-"));
        // Kept beside the bundles, to be looked at.
        std::fs::write(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("record-{:?}.pdf", t.db.backend()).to_lowercase()),
            &pdf,
        )
        .unwrap();
        let read = pdf_text(&pdf);
        // The PDF layout has no bidi reordering (a known limit of the `documents` crate): the
        // right-to-left name is there letter by letter, in logical order; the FHIR keeps it exact.
        assert!(
            read.contains("Lind") && "مريم".chars().all(|c| read.contains(c)),
            "{read}"
        );
        for want in [
            HTML_ANSWER,
            "Counselling at university, twelve sessions.",
            "Total 10 of 27, Moderate",
            "Total 15 of 21, Severe",
            "Attended",
            "Missed (no-show)",
            NOTE,
            FRAME,
            "Treatment agreement, version 1",
            "Invoice",
            "Receipt",
            "Process notes (the therapist's private working notes) are not part of this record",
        ] {
            assert!(read.contains(&flat(want)), "{want} in:\n{read}");
        }
        assert!(!read.contains("unease"), "no process notes");
        assert!(
            read.matches("Counselling at university, twelve sessions.")
                .count()
                >= 95,
            "the long answer whole (a page's footer may fall inside one sentence)"
        );

        let exports = audit_rows(&t, "record.export", &case).await;
        assert_eq!(
            exports,
            [
                ("pdf".to_string(), "ok".to_string()),
                ("fhir".into(), "ok".into())
            ]
        );
    }
);

on_both!(
    the_patient_takes_their_record_from_the_profile_page_and_nobody_else_gets_it,
    practice,
    |t| {
        let (case, theo, _) = mara_with_a_record(&t).await;
        // Days have passed since she answered: she asks for a link and signs in again.
        let b = t.browser();
        let csrf = b.csrf_from("/signin").await;
        b.post_form("/signin", &[("csrf", &csrf), ("email", PATIENT)])
            .await;
        let mara = t.patient_signed_in(PATIENT).await;
        let (_, profile) = mara.text("/portal/profile").await;
        for link in [
            "/portal/record/fhir",
            "/portal/record/pdf",
            "/portal/export",
        ] {
            assert!(profile.contains(&format!("href=\"{link}\"")), "{link}");
        }
        let (_, case_page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(case_page.contains(&format!("/admin/cases/{case}/record/fhir")));
        assert!(case_page.contains(&format!("/admin/cases/{case}/record/pdf")));

        let mine: Value = serde_json::from_slice(
            &download(&mara, "/portal/record/fhir", "application/fhir+json").await,
        )
        .unwrap();
        assert_eq!(resources(&mine, "Patient")[0]["name"][0]["text"], RTL_NAME);
        assert_eq!(resources(&mine, "Observation").len(), 2);
        let pdf = download(&mara, "/portal/record/pdf", "application/pdf").await;
        assert!(pdf_text(&pdf).contains(&flat(HTML_ANSWER)));

        // Another therapist of the practice learns nothing of the case; the refusal is recorded.
        let tara = t.signed_in(OTHER_THERAPIST).await;
        for format in ["fhir", "pdf"] {
            let r = tara
                .get(&format!("/admin/cases/{case}/record/{format}"))
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
        }
        let refused = audit_rows(&t, "policy.refused", &case).await;
        assert_eq!(refused.len(), 2, "{refused:?}");

        // Another patient: the therapist's side is not theirs, and their own record holds only
        // their own case (none of Mara's words).
        let otto_case = t.invite_patient(&theo, "Otto", OTHER_PATIENT).await;
        let otto = t.patient_signed_in(OTHER_PATIENT).await;
        let r = otto.get(&format!("/admin/cases/{case}/record/fhir")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let (him, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), OTHER_PATIENT)
            .await
            .unwrap()
            .unwrap();
        let his_refusals = store::audit::recent(&mut t.db.conn().await.unwrap(), None, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event.actor_id == him.id.as_str() && e.event.action == "policy.refused")
            .count();
        assert_eq!(his_refusals, 1, "the other patient's attempt is recorded");
        let his = download(&otto, "/portal/record/fhir", "application/fhir+json").await;
        let his = String::from_utf8(his).unwrap();
        assert!(!his.contains("Lind") && !his.contains("sleep"), "{his}");
        assert_eq!(
            audit_rows(&t, "record.export", &otto_case).await,
            [("fhir".to_string(), "ok".to_string())]
        );

        // Hostile paths: a case id that is no id, one that names nothing.
        for path in [
            "/admin/cases/..%2F..%2Fetc/record/fhir",
            "/admin/cases/ffffffffffffffffffffffffffffffff/record/pdf",
        ] {
            let status = theo.get(path).await.status();
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
                "{path}: {status}"
            );
        }
        // The patient's hand-outs are recorded against her case.
        let exports = audit_rows(&t, "record.export", &case).await;
        assert_eq!(
            exports,
            [
                ("pdf".to_string(), "ok".to_string()),
                ("fhir".into(), "ok".into())
            ]
        );
    }
);
