//! The record as a FHIR R4 `collection` Bundle: pure mapping, no I/O.
//!
//! A `collection` rather than a `document`: a FHIR document is an attested composition with a
//! Composition resource its author signs as one clinical document; this is a copy of the record
//! for the patient or another system to import, resource by resource, which is what a collection
//! is for. Every resource's `fullUrl` is a `urn:uuid:` derived from its row's id, so the same
//! record gives the same references each time and nothing of the installation's address leaks.

use super::{Answered, CaseRecord, Filed, Record, SessionNote, SignedAgreement};
use base64::Engine;
use domain::attendance::Attendance;
use domain::intake::{Answer, Kind, Question, ReadAnswer};
use domain::measures::{self, Measure, CHOICES};
use jiff::Timestamp;
use serde_json::{json, Value};
use sha2::Digest;

const LOINC: &str = "http://loinc.org";
/// The codes this practice gives what LOINC has no code we are sure of (a measure's items, the
/// kind of a billing document). Local on purpose: a wrong LOINC code misleads a receiving system,
/// a local one is read as text.
const LOCAL: &str = "urn:holdspace:code";

/// The LOINC panel code each measure's total is reported under.
pub fn loinc_of(measure: &Measure) -> Option<(&'static str, &'static str)> {
    match measure.id {
        "phq9" => Some(("44249-1", "PHQ-9 quick depression assessment panel")),
        "gad7" => Some(("69737-5", "Generalized anxiety disorder 7 item (GAD-7)")),
        _ => None,
    }
}

/// The whole record as one Bundle.
pub fn bundle(record: &Record) -> Value {
    let mut entries = vec![entry(
        "Patient",
        record.patient.id.as_str(),
        patient(record),
    )];
    let mut therapists: Vec<&str> = Vec::new();
    for part in &record.cases {
        let t = &part.case.therapist;
        if !therapists.contains(&t.id.as_str()) {
            therapists.push(t.id.as_str());
            entries.push(entry(
                "Practitioner",
                t.id.as_str(),
                json!({
                    "resourceType": "Practitioner",
                    "id": uuid("Practitioner", t.id.as_str()),
                    "name": [{"text": t.name}],
                    "telecom": [{"system": "email", "value": t.email}],
                }),
            ));
        }
        entries.extend(case_entries(record, part));
    }
    prune(json!({
        "resourceType": "Bundle",
        "id": uuid("Bundle", &format!("{}@{}", record.patient.id, record.made_at)),
        "type": "collection",
        "timestamp": instant(record.made_at),
        "entry": entries,
    }))
}

fn patient(record: &Record) -> Value {
    let p = &record.patient;
    json!({
        "resourceType": "Patient",
        "id": uuid("Patient", p.id.as_str()),
        "name": [{"text": p.name}],
        "telecom": [{"system": "email", "value": p.email}],
    })
}

fn case_entries(record: &Record, part: &CaseRecord) -> Vec<Value> {
    let patient = reference("Patient", record.patient.id.as_str());
    let therapist = reference("Practitioner", part.case.therapist.id.as_str());
    let mut out = Vec::new();
    for v in &part.visits {
        let (status, reason) = match (v.attendance, v.cancelled) {
            (Some(Attendance::Attended), _) => ("fulfilled", None),
            (Some(Attendance::NoShow), _) => ("noshow", None),
            (Some(a @ (Attendance::LateCancelled | Attendance::TherapistCancelled)), _) => {
                ("cancelled", Some(a.as_str()))
            }
            (None, true) => ("cancelled", None),
            (None, false) => ("booked", None),
        };
        out.push(entry(
            "Appointment",
            &v.id,
            json!({
                "resourceType": "Appointment",
                "id": uuid("Appointment", &v.id),
                "status": status,
                "cancelationReason": reason.map(|r| json!({"coding": [{"system": LOCAL, "code": r}]})),
                "serviceType": [{"coding": [{"system": LOCAL, "code": v.type_key}]}],
                "start": instant(v.start),
                "end": instant(v.end),
                "participant": [
                    {"actor": patient, "status": "accepted"},
                    {"actor": therapist, "status": "accepted"},
                ],
            }),
        ));
        if v.attendance == Some(Attendance::Attended) {
            out.push(entry(
                "Encounter",
                &v.id,
                json!({
                    "resourceType": "Encounter",
                    "id": uuid("Encounter", &v.id),
                    "status": "finished",
                    "class": {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": "VR",
                        "display": "virtual",
                    },
                    "subject": patient,
                    "participant": [{"individual": therapist}],
                    "appointment": [reference("Appointment", &v.id)],
                    "period": {"start": instant(v.start), "end": instant(v.end)},
                }),
            ));
        }
    }
    for note in &part.notes {
        let attended = part
            .visits
            .iter()
            .any(|v| v.id == note.appointment && v.attendance == Some(Attendance::Attended));
        out.push(note_entry(note, &patient, &therapist, attended));
    }
    for a in &part.answered {
        out.push(questionnaire_response(a, &patient));
        out.extend(observations(a, &patient));
    }
    for a in &part.agreements {
        out.extend(agreement_entries(a, &patient, &therapist));
    }
    for d in &part.documents {
        out.push(document_entry(d, &patient, &therapist));
    }
    out
}

fn note_entry(note: &SessionNote, patient: &Value, therapist: &Value, attended: bool) -> Value {
    let mut text = String::new();
    for (heading, body) in &note.sections {
        if !heading.is_empty() {
            text.push_str(heading);
            text.push('\n');
        }
        text.push_str(body);
        text.push_str("\n\n");
    }
    for a in &note.addenda {
        text.push_str(&format!(
            "Addendum, {} ({}):\n{}\n\n",
            instant(a.at),
            a.author,
            a.text
        ));
    }
    let id = format!("note:{}", note.appointment);
    entry(
        "DocumentReference",
        &id,
        json!({
            "resourceType": "DocumentReference",
            "id": uuid("DocumentReference", &id),
            "status": "current",
            "docStatus": "final",
            "type": {"coding": [{"system": LOINC, "code": "11506-3", "display": "Progress note"}]},
            "subject": patient,
            "date": instant(note.signed_at),
            "author": [therapist],
            "content": [{"attachment": attachment("text/plain; charset=utf-8", text.trim_end().as_bytes(), "Session note", &instant(note.signed_at))}],
            "context": attended.then(|| json!({"encounter": [reference("Encounter", &note.appointment)]})),
        }),
    )
}

fn questionnaire_response(a: &Answered, patient: &Value) -> Value {
    let items: Vec<Value> = a
        .definition
        .sections
        .iter()
        .filter_map(|s| {
            let items: Vec<Value> = s
                .questions
                .iter()
                .filter_map(|q| question_item(a, q))
                .collect();
            (!items.is_empty()).then(|| json!({"linkId": s.id, "text": s.title, "item": items}))
        })
        .collect();
    entry(
        "QuestionnaireResponse",
        &a.id,
        json!({
            "resourceType": "QuestionnaireResponse",
            "id": uuid("QuestionnaireResponse", &a.id),
            "questionnaire": format!("urn:holdspace:questionnaire:{}|{}", a.key, a.version),
            "status": "completed",
            "subject": patient,
            "authored": instant(a.submitted_at),
            "author": patient,
            "source": patient,
            "item": items,
        }),
    )
}

/// One question with its answer; `None` when it was skipped.
fn question_item(a: &Answered, q: &Question) -> Option<Value> {
    let answer = match (&q.kind, a.answers.get(&q.id)?) {
        (Kind::Choice { choices }, Answer::Choice(v)) => {
            let label = choices
                .iter()
                .find(|c| &c.value == v)
                .map(|c| c.label.clone());
            vec![json!({"valueCoding": {"system": LOCAL, "code": v, "display": label}})]
        }
        (Kind::Measure { measure }, Answer::Measure { items, difficulty }) => {
            let m = measures::by_id(measure)?;
            return Some(json!({
                "linkId": q.id,
                "text": m.title,
                "item": measure_items(&q.id, m, items, *difficulty),
            }));
        }
        (Kind::People, Answer::People(_)) => a
            .read
            .iter()
            .flat_map(|s| &s.items)
            .find(|i| i.question == q.id)
            .map(|i| match &i.answer {
                ReadAnswer::People { sentences } => sentences
                    .iter()
                    .map(|s| json!({"valueString": s}))
                    .collect(),
                _ => Vec::new(),
            })
            .unwrap_or_default(),
        (_, Answer::Text(t) | Answer::Choice(t)) => vec![json!({"valueString": t})],
        _ => Vec::new(),
    };
    let answer: Vec<Value> = answer.into_iter().filter(has_value).collect();
    (!answer.is_empty()).then(|| json!({"linkId": q.id, "text": q.label, "answer": answer}))
}

/// Whether an answer says something: FHIR has no empty strings.
fn has_value(v: &Value) -> bool {
    !matches!(v.get("valueString"), Some(Value::String(s)) if s.trim().is_empty())
}

fn measure_items(
    id: &str,
    m: &Measure,
    items: &[Option<u8>],
    difficulty: Option<u8>,
) -> Vec<Value> {
    let mut out: Vec<Value> = m
        .items
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let answer = items.get(i).copied().flatten().map(|v| vec![point(v)]);
            json!({"linkId": format!("{id}.{}", i + 1), "text": text, "answer": answer})
        })
        .collect();
    let chosen = difficulty.and_then(|d| Some((d, *m.difficulty.choices.get(usize::from(d))?)));
    out.push(json!({
        "linkId": format!("{id}.difficulty"),
        "text": m.difficulty.text,
        "answer": chosen.map(|(d, label)| vec![json!({"valueCoding": {"system": LOCAL, "code": d.to_string(), "display": label}})]),
    }));
    out
}

fn point(v: u8) -> Value {
    let label = CHOICES.iter().find(|c| c.value == v).map(|c| c.label);
    json!({"valueCoding": {"system": LOCAL, "code": v.to_string(), "display": label}})
}

/// One Observation per complete measure in the response: the total as `valueInteger`, each item's
/// points as a component (they were answered together, as one form, so they are parts of one
/// observation rather than observations of their own), derived from the response.
fn observations(a: &Answered, patient: &Value) -> Vec<Value> {
    domain::intake::scores(&a.definition, &a.answers)
        .into_iter()
        .filter_map(|(m, score)| {
            let score = score.ok()?;
            let (code, display) = loinc_of(m)?;
            let items = a.definition.questions().find_map(|(_, q)| match (&q.kind, a.answers.get(&q.id)) {
                (Kind::Measure { measure }, Some(Answer::Measure { items, .. })) if measure == m.id => {
                    Some(items.clone())
                }
                _ => None,
            })?;
            let components: Vec<Value> = m
                .items
                .iter()
                .zip(&items)
                .enumerate()
                .filter_map(|(i, (text, v))| {
                    Some(json!({
                        "code": {"coding": [{"system": LOCAL, "code": format!("{}.{}", m.id, i + 1), "display": text}], "text": text},
                        "valueInteger": (*v)?,
                    }))
                })
                .collect();
            let id = format!("{}:{}", a.id, m.id);
            Some(entry(
                "Observation",
                &id,
                json!({
                    "resourceType": "Observation",
                    "id": uuid("Observation", &id),
                    "status": "final",
                    "category": [{"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }]}],
                    "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": m.title},
                    "subject": patient,
                    "effectiveDateTime": instant(a.submitted_at),
                    "valueInteger": score.total,
                    "interpretation": [{"text": score.severity.as_str()}],
                    "derivedFrom": [reference("QuestionnaireResponse", &a.id)],
                    "component": components,
                }),
            ))
        })
        .collect()
}

/// The signed agreement: its exact text as a DocumentReference (hashed), and the Consent that
/// points at it with the instant it was signed.
fn agreement_entries(a: &SignedAgreement, patient: &Value, therapist: &Value) -> [Value; 2] {
    let title = format!("Treatment agreement, version {}", a.version);
    let hash = json!([{"system": "urn:holdspace:sha256", "value": a.sha256}]);
    let document = entry(
        "DocumentReference",
        &a.id,
        json!({
            "resourceType": "DocumentReference",
            "id": uuid("DocumentReference", &a.id),
            "identifier": hash,
            "status": "current",
            "docStatus": "final",
            "type": {"coding": [{"system": LOCAL, "code": "agreement"}], "text": "Treatment agreement"},
            "subject": patient,
            "date": instant(a.signed_at),
            "author": [therapist],
            "content": [{"attachment": attachment("text/plain; charset=utf-8", a.text.as_bytes(), &title, &instant(a.signed_at))}],
        }),
    );
    let consent = entry(
        "Consent",
        &a.id,
        json!({
            "resourceType": "Consent",
            "id": uuid("Consent", &a.id),
            "identifier": hash,
            "status": "active",
            "scope": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                "code": "treatment",
            }]},
            "category": [{"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]}],
            "patient": patient,
            "dateTime": instant(a.signed_at),
            "performer": [patient],
            "policyRule": {"text": title},
            "sourceReference": reference("DocumentReference", &a.id),
        }),
    );
    [document, consent]
}

fn document_entry(d: &Filed, patient: &Value, therapist: &Value) -> Value {
    let title = match &d.number {
        Some(n) => format!("{} {n}", d.kind.as_str()),
        None => d.kind.as_str().to_string(),
    };
    let created = d.on.map(|day| day.to_string()).unwrap_or_default();
    entry(
        "DocumentReference",
        &d.id,
        json!({
            "resourceType": "DocumentReference",
            "id": uuid("DocumentReference", &d.id),
            "status": "current",
            "docStatus": "final",
            "type": {"coding": [{"system": LOCAL, "code": d.kind.as_str()}], "text": d.kind.as_str()},
            "subject": patient,
            "author": [therapist],
            "content": [{"attachment": attachment("application/pdf", &d.pdf, &title, &created)}],
        }),
    )
}

/// Inline data: the bundle stands on its own, with no link back into a portal that another
/// clinic could not sign in to. `hash` is the SHA-1 FHIR R4 defines for it.
fn attachment(content_type: &str, bytes: &[u8], title: &str, created: &str) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({
        "contentType": content_type,
        "data": b64.encode(bytes),
        "size": bytes.len(),
        "hash": b64.encode(sha1::Sha1::digest(bytes)),
        "title": title,
        "creation": created,
    })
}

fn entry(kind: &str, id: &str, resource: Value) -> Value {
    json!({"fullUrl": format!("urn:uuid:{}", uuid(kind, id)), "resource": resource})
}

fn reference(kind: &str, id: &str) -> Value {
    json!({"reference": format!("urn:uuid:{}", uuid(kind, id))})
}

/// A name-based UUID (SHA-256 of the kind and the row's id, cut to 128 bits and marked as
/// version 8, "custom"): stable across exports, and a valid FHIR id.
pub fn uuid(kind: &str, id: &str) -> String {
    let digest = sha2::Sha256::digest(format!("{kind}/{id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// An instant as FHIR writes it: UTC, to the second.
fn instant(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// FHIR JSON has no nulls, empty strings, arrays or objects: drops them, deepest first.
fn prune(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(prune)
                .filter(|v| !is_empty(v))
                .collect(),
        ),
        v => v,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
#[path = "fhir_tests.rs"]
mod tests;
