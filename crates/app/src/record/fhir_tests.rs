//! The mapping on a record with one of everything, and hostile words in it.

use super::*;
use crate::record::{Addendum, CaseRecord, FiledKind};
use domain::account::{Role, User};
use domain::case::{Case, Stage};
use domain::ids::{CaseId, UserId};
use domain::intake::{builtin, Answers};
use store::attendance::Visit;

const RTL_NAME: &str = "مريم Lind";
const HTML: &str = "<b>not bold</b> & <script>alert(1)</script>";

fn user(id: &str, role: Role, name: &str) -> User {
    User {
        id: UserId::new(id),
        role,
        email: format!("{id}@example.org"),
        name: name.into(),
        time_zone: "Europe/Berlin".into(),
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn answered(key: &str, id: &str, answers: serde_json::Value) -> Answered {
    let b = builtin().into_iter().find(|b| b.key == key).unwrap();
    let answers: Answers = serde_json::from_value(answers).unwrap();
    Answered {
        id: id.into(),
        key: key.into(),
        version: b.version,
        title: b.definition.title.clone(),
        submitted_at: at("2026-11-02T10:00:00Z"),
        read: domain::intake::read_out(&b.definition, &answers, "Mara"),
        definition: b.definition,
        answers,
    }
}

fn visit(id: &str, attendance: Option<Attendance>, cancelled: bool) -> Visit {
    Visit {
        id: id.into(),
        type_key: "session".into(),
        start: at("2026-11-03T09:00:00Z"),
        end: at("2026-11-03T09:50:00Z"),
        cancelled,
        attendance,
    }
}

fn record() -> Record {
    let patient = user("p1", Role::Patient, RTL_NAME);
    let long = "very long answer ".repeat(290);
    Record {
        made_at: at("2026-12-05T01:00:00Z"),
        practice: "Linden Room".into(),
        patient: patient.clone(),
        cases: vec![CaseRecord {
            case: Case {
                id: CaseId::new("c1"),
                patient,
                therapist: user("t1", Role::Therapist, "Theo Hart"),
                stage: Stage::InTherapy,
                created_at: at("2026-10-01T08:00:00Z"),
                unread: 0,
            },
            visits: vec![
                visit("a1", Some(Attendance::Attended), false),
                visit("a2", Some(Attendance::NoShow), false),
                visit("a3", None, true),
                visit("a4", None, false),
            ],
            notes: vec![SessionNote {
                appointment: "a1".into(),
                signed_at: at("2026-11-03T11:00:00Z"),
                signed_by: "Theo Hart".into(),
                sections: vec![("Note".into(), "Talked about the move.".into())],
                addenda: vec![Addendum {
                    at: at("2026-11-04T11:00:00Z"),
                    author: "Theo Hart".into(),
                    text: "One more thing.".into(),
                }],
            }],
            answered: vec![
                answered(
                    "intake",
                    "r1",
                    json!({"what_brings_you": {"text": HTML}, "past_therapy": {"text": long}}),
                ),
                answered(
                    "phq9",
                    "r2",
                    json!({"phq9": {"measure": {"items": [2, 2, 1, 1, 1, 1, 1, 1, 0], "difficulty": 1}}}),
                ),
                answered(
                    "gad7",
                    "r3",
                    json!({"gad7": {"measure": {"items": [3, 3, 3, 3, 3, 0, 0]}}}),
                ),
            ],
            agreements: vec![SignedAgreement {
                id: "g1".into(),
                version: 2,
                signed_at: at("2026-10-02T08:00:00Z"),
                signed_as: RTL_NAME.into(),
                countersigned_at: None,
                sha256: "ab".repeat(32),
                text: "We meet weekly.".into(),
            }],
            documents: vec![Filed {
                id: "i1".into(),
                kind: FiledKind::Invoice,
                number: Some("2026-0001".into()),
                on: Some(jiff::civil::date(2026, 11, 30)),
                pdf: b"%PDF-1.7 fake".to_vec(),
            }],
        }],
    }
}

fn resources<'a>(b: &'a Value, kind: &str) -> Vec<&'a Value> {
    b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

#[test]
fn the_bundle_holds_one_resource_per_thing_in_the_record() {
    let b = bundle(&record());
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "collection");
    let count = |k| resources(&b, k).len();
    assert_eq!(count("Patient"), 1);
    assert_eq!(count("Practitioner"), 1);
    assert_eq!(count("Appointment"), 4);
    assert_eq!(
        count("Encounter"),
        1,
        "only the attended session took place"
    );
    assert_eq!(count("QuestionnaireResponse"), 3);
    assert_eq!(count("Observation"), 2);
    assert_eq!(count("Consent"), 1);
    // The note, the agreement's text, the invoice.
    assert_eq!(count("DocumentReference"), 3);
    let statuses: Vec<&Value> = resources(&b, "Appointment")
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, ["fulfilled", "noshow", "cancelled", "booked"]);
}

#[test]
fn measures_carry_their_loinc_code_total_and_items() {
    let b = bundle(&record());
    let obs = resources(&b, "Observation");
    let phq = obs
        .iter()
        .find(|o| o["code"]["coding"][0]["code"] == "44249-1")
        .expect("PHQ-9");
    assert_eq!(phq["code"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(phq["valueInteger"], 10);
    assert_eq!(phq["component"].as_array().unwrap().len(), 9);
    assert_eq!(phq["component"][0]["valueInteger"], 2);
    assert_eq!(phq["interpretation"][0]["text"], "moderate");
    let gad = obs
        .iter()
        .find(|o| o["code"]["coding"][0]["code"] == "69737-5")
        .expect("GAD-7");
    assert_eq!(gad["valueInteger"], 15);
    assert_eq!(gad["component"].as_array().unwrap().len(), 7);
}

#[test]
fn answers_keep_their_words_exactly_and_skipped_questions_are_left_out() {
    let b = bundle(&record());
    let text = serde_json::to_string(&b).unwrap();
    let intake = resources(&b, "QuestionnaireResponse")[0];
    let answers: Vec<&Value> = intake["item"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["item"].as_array().unwrap())
        .collect();
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(answers[0]["linkId"], "what_brings_you");
    assert_eq!(answers[0]["answer"][0]["valueString"], HTML);
    assert!(answers[1]["answer"][0]["valueString"]
        .as_str()
        .unwrap()
        .starts_with("very long answer"));
    assert_eq!(resources(&b, "Patient")[0]["name"][0]["text"], RTL_NAME);
    assert!(
        !text.contains("null") && !text.contains("\"\""),
        "no nulls, no empty strings"
    );
}

#[test]
fn every_reference_points_at_an_entry_and_ids_are_fhir_ids() {
    let b = bundle(&record());
    let full: Vec<&str> = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    let mut unique = full.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), full.len(), "each resource once");
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("reference") {
                    out.push(r);
                }
                m.values().for_each(|v| walk(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut refs = Vec::new();
    walk(&b, &mut refs);
    assert!(refs.len() > 20);
    for r in refs {
        assert!(full.contains(&r), "{r} resolves");
    }
    for e in b["entry"].as_array().unwrap() {
        let id = e["resource"]["id"].as_str().unwrap();
        assert!(id.len() <= 64 && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'));
        assert_eq!(e["fullUrl"], format!("urn:uuid:{id}"));
    }
}

#[test]
fn the_agreement_is_a_consent_with_its_signed_instant_and_hashed_text() {
    let b = bundle(&record());
    let consent = resources(&b, "Consent")[0];
    assert_eq!(consent["dateTime"], "2026-10-02T08:00:00Z");
    assert_eq!(consent["identifier"][0]["value"], "ab".repeat(32));
    let doc = resources(&b, "DocumentReference")
        .into_iter()
        .find(|d| d["type"]["coding"][0]["code"] == "agreement")
        .unwrap();
    assert_eq!(
        consent["sourceReference"]["reference"],
        format!("urn:uuid:{}", doc["id"].as_str().unwrap())
    );
    let data = doc["content"][0]["attachment"]["data"].as_str().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(b64.decode(data).unwrap(), b"We meet weekly.");
}

#[test]
fn the_same_record_gives_the_same_bundle() {
    assert_eq!(bundle(&record()), bundle(&record()));
    assert_ne!(uuid("Patient", "a"), uuid("Encounter", "a"));
}
