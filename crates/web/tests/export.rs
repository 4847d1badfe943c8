//! The export round trip: a practice with every kind of record (the demo, cases in every stage, a
//! series, a signed note with an addendum, an issued invoice and its payment, a message with an
//! attachment, a questionnaire's answers) exported, imported into a new installation, exported
//! again: the two exports are byte for byte the same but for the manifest's `exported_at`. On
//! SQLite, on PostgreSQL, and from SQLite into PostgreSQL. The sizes and times are printed.

mod common;

use common::*;
use domain::invoice::{LineInput, PaymentInput};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

const NOTE: &str = "Spoke of the move to Leeds and the sister's visit.";
const ADDENDUM: &str = "Late: the referral letter was sent.";
const MESSAGE: &str = "The letter from my doctor, as promised.";
const ANSWER: &str = "I cannot sleep since the move.";
const ATTACHMENT: &[u8] = b"%PDF-1.4 a letter from the doctor";

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

async fn post(b: &Browser, path: &str, fields: &[(&str, &str)]) {
    let r = b.post_with_token(path, fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "POST {path}");
}

async fn theo_actor(t: &TestApp) -> app::Actor {
    let (user, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), THERAPIST_EMAIL)
        .await
        .unwrap()
        .unwrap();
    app::Actor::signed(user, "test".into(), true, "127.0.0.1")
}

/// A case moved through `stages` from where an invitation leaves it.
async fn case_at(t: &TestApp, theo: &Browser, name: &str, email: &str, stages: &[&str]) -> String {
    let case = t.invite_patient(theo, name, email).await;
    let stage = format!("/admin/cases/{case}/stage");
    for to in stages {
        post(theo, &stage, &[("stage", to)]).await;
    }
    case
}

/// Everything the demo lacks, on top of it.
async fn fill(t: &TestApp) {
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    t.invite_patient(&theo, "Ines Query", "ines@example.org")
        .await;
    case_at(
        t,
        &theo,
        "Bo Booked",
        "bo@example.org",
        &["consultation_booked"],
    )
    .await;
    case_at(
        t,
        &theo,
        "Hal Held",
        "hal@example.org",
        &["consultation_booked", "consultation_held"],
    )
    .await;
    case_at(t, &theo, "Cleo Closed", "cleo@example.org", &["closed"]).await;

    // Robin: in therapy, a weekly series, a signed note with an addendum, a message with an
    // attachment, the intake answered, an invoice issued and paid, then the case ended.
    let robin_case = in_therapy(t, &theo, "Robin Field", "robin@example.org").await;
    post(
        &theo,
        &format!("/admin/cases/{robin_case}/series"),
        &[
            ("frequency", "weekly"),
            ("first", "2026-12-07"),
            ("time", "15:00"),
            ("second_day", ""),
            ("until", "2027-02-01"),
            ("kind", "session"),
        ],
    )
    .await;
    let note = session_on_day(&theo, &robin_case, "2026-11-30").await;

    let robin = t.patient_signed_in("robin@example.org").await;
    let csrf = robin.csrf_from("/portal/messages").await;
    let message = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("body", MESSAGE)
        .part(
            "attachment",
            reqwest::multipart::Part::bytes(ATTACHMENT.to_vec()).file_name("doctor.pdf"),
        );
    assert_eq!(
        robin
            .post_multipart(&format!("/portal/messages?case={robin_case}"), message)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let questionnaire = robin.questionnaire_link("Getting to know you").await;
    post(
        &robin,
        &questionnaire,
        &[
            ("section", "0"),
            ("action", "save"),
            ("q.what_brings_you", ANSWER),
        ],
    )
    .await;

    // Monday 30 November, after the session: its note is signed, then amended.
    t.clock
        .advance(jiff::SignedDuration::from_hours(3 * 24 + 7));
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let note_path = format!("/admin/notes/{note}");
    post(
        &theo,
        &note_path,
        &[
            ("template", "free"),
            ("section_0", NOTE),
            ("action", "sign"),
            ("confirm", "on"),
        ],
    )
    .await;
    post(
        &theo,
        &format!("{note_path}/addendum"),
        &[("addendum", ADDENDUM)],
    )
    .await;

    let actor = theo_actor(t).await;
    t.app
        .save_billing_profile(
            &actor,
            &domain::invoice::ProfileInput {
                issuer: "Theo Hart, Psychotherapist".into(),
                address: "Lindenstraße 4\n10969 Berlin".into(),
                country: "DE".into(),
                iban: "DE89 3704 0044 0532 0130 00".into(),
                exemption: "Exempt from VAT under § 4 No. 14 UStG.".into(),
                payment_days: "14".into(),
                paper: "a4".into(),
                cadence: "monthly".into(),
                reminder_days: "7".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let case_id = domain::ids::CaseId::parse(&robin_case).unwrap();
    let invoice = t.app.new_invoice(&actor, &case_id).await.unwrap();
    t.app
        .add_invoice_line(
            &actor,
            &invoice,
            &LineInput {
                date: "2026-11-30".into(),
                description: "Session (50 minutes)".into(),
                minutes: "50".into(),
                unit: "90".into(),
                ..LineInput::default()
            },
        )
        .await
        .unwrap();
    t.app.issue_invoice(&actor, &invoice).await.unwrap();
    t.app
        .record_payment(
            &actor,
            &invoice,
            &PaymentInput {
                amount: "90".into(),
                received_on: String::new(),
                method: "cash".into(),
            },
        )
        .await
        .unwrap();
    t.run_jobs().await;
    post(
        &theo,
        &format!("/admin/cases/{robin_case}/ending"),
        &[
            ("kind", "ended"),
            ("summary", "Twelve weeks of grief work; sleeping again."),
            ("confirm", "on"),
        ],
    )
    .await;

    // Rae: in therapy, then referred on.
    let rae = in_therapy(t, &theo, "Rae Ref", "rae@example.org").await;
    post(
        &theo,
        &format!("/admin/cases/{rae}/ending"),
        &[
            ("kind", "referred"),
            ("summary", "Panic at work; better served by a specialist."),
            ("referred_to", "Dr. Lee, trauma clinic"),
            ("referral_why", "EMDR for the accident."),
            ("confirm", "on"),
        ],
    )
    .await;
}

/// A case in therapy after a first session that decided to continue.
async fn in_therapy(t: &TestApp, theo: &Browser, name: &str, email: &str) -> String {
    let case = t.invite_patient(theo, name, email).await;
    post(
        theo,
        &format!("/admin/cases/{case}/workspace"),
        &[
            ("going_on", "Grief after the move; sleep gone."),
            ("frequency", "weekly"),
            ("modality", "psychodynamic"),
            ("decision", "continue"),
        ],
    )
    .await;
    let stage = format!("/admin/cases/{case}/stage");
    for to in ["consultation_booked", "consultation_held", "in_therapy"] {
        post(theo, &stage, &[("stage", to)]).await;
    }
    case
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("export-{name}-{}", store::random_hex(6)))
}

/// Every file of an export by its path.
fn read_all(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                pending.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The manifest without its one line that differs between two exports of the same data.
fn without_instant(manifest: &[u8]) -> String {
    String::from_utf8(manifest.to_vec())
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("\"exported_at\""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn count_rows(files: &BTreeMap<String, Vec<u8>>, table: &str) -> usize {
    let text = String::from_utf8_lossy(&files[&format!("tables/{table}.json")]).to_string();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["rows"].as_array().unwrap().len()
}

async fn round_trip(source: &TestApp, target: store::Db) {
    fill(source).await;
    let (one, two) = (scratch("one"), scratch("two"));
    let started = Instant::now();
    let first = store::export::export(&source.db, &one, jiff::Timestamp::now())
        .await
        .unwrap();
    let exported_in = started.elapsed();
    let started = Instant::now();
    let imported = store::export::import(&target, &one).await.unwrap();
    let imported_in = started.elapsed();
    let second = store::export::export(&target, &two, jiff::Timestamp::now())
        .await
        .unwrap();
    println!(
        "round trip {:?} -> {:?}: {} tables, {} rows, {} files, {} bytes; export {:.0} ms, import {:.0} ms",
        source.db.backend(),
        target.backend(),
        first.tables,
        first.rows,
        first.files,
        first.bytes,
        exported_in.as_secs_f64() * 1000.0,
        imported_in.as_secs_f64() * 1000.0
    );
    assert_eq!(imported.rows, first.rows);
    assert_eq!(second, first);

    let (a, b) = (read_all(&one), read_all(&two));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (path, bytes) in &a {
        if path == "manifest.json" {
            assert_eq!(without_instant(bytes), without_instant(&b[path]));
            assert_ne!(bytes, &b[path], "the export instant differs");
        } else {
            assert!(bytes == &b[path], "{path} differs after the round trip");
        }
    }

    // Every kind of record travelled, in plain text in the export only.
    for table in [
        "cases",
        "series",
        "session_notes",
        "session_note_addenda",
        "invoices",
        "payments",
        "messages",
        "attachments",
        "responses",
        "case_endings",
        "audit_log",
        "pages",
    ] {
        assert!(count_rows(&a, table) > 0, "{table} is empty");
    }
    let stages = String::from_utf8_lossy(&a["tables/cases.json"]).to_string();
    for stage in [
        "inquiry",
        "consultation_booked",
        "consultation_held",
        "ended",
        "referred",
        "closed",
    ] {
        assert!(
            stages.contains(&format!("\"stage\":\"{stage}\"")),
            "a case {stage}"
        );
    }
    let all = a
        .values()
        .map(|b| String::from_utf8_lossy(b).to_string())
        .collect::<String>();
    for plain in [NOTE, ADDENDUM, MESSAGE, ANSWER] {
        assert!(all.contains(plain), "{plain} opened in the export");
    }
    assert!(
        a.values().any(|b| b == ATTACHMENT),
        "the attachment as a file"
    );
    assert!(
        a.keys().any(|p| p.starts_with("files/invoices/")),
        "the invoice's PDF"
    );
    let dump = store::testing::raw_dump(&target).await;
    for plain in [NOTE, ADDENDUM, MESSAGE, ANSWER] {
        assert!(
            !dump.contains(plain),
            "sealed again in the new installation"
        );
    }

    // The new installation's log is whole, chained by its own audit module.
    let verdict = store::audit::verify(&mut target.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        verdict,
        store::audit::Verdict::Intact {
            rows: count_rows(&a, "audit_log") as u64
        }
    );

    // The note opens under the new installation's keys, bound to its own row.
    let appointment = store::testing::raw_text(
        &target,
        "SELECT appointment_id FROM session_notes WHERE appointment_id <> $1",
        "",
    )
    .await;
    let sealed = store::testing::raw_text(
        &target,
        "SELECT body_sealed FROM session_notes WHERE appointment_id = $1",
        &appointment,
    )
    .await;
    let body = target
        .keyring()
        .open("session_notes", "body_sealed", &appointment, &sealed)
        .unwrap();
    assert!(body.contains(NOTE), "{body}");
    let _ = std::fs::remove_dir_all(&one);
    let _ = std::fs::remove_dir_all(&two);
}

on_both!(
    export_import_export_is_byte_identical_but_for_its_instant,
    practice,
    |t| {
        let target = store::testing::fresh(t.db.backend()).await.unwrap();
        round_trip(&t, target).await;
    }
);

#[tokio::test]
async fn a_practice_moves_from_sqlite_into_postgresql_through_an_export() {
    let Some(target) = store::testing::fresh(store::Backend::Postgres).await else {
        return;
    };
    let source = practice(store::Backend::Sqlite).await.unwrap();
    round_trip(&source, target).await;
}
