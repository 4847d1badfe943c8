//! The record as a PDF to read: the same `documents` layout as invoices, one headed section per
//! part (appointments, answers, measures over time, the agreement, notes, documents), every word
//! in the reader's language and every time in their zone.

use super::{Answered, CaseRecord, FiledKind, Record};
use crate::i18n::format::Reader;
use documents::{Align, Column, Document, Paper, Section, Table};
use domain::attendance::Attendance;
use domain::intake::ReadAnswer;

pub(super) fn document(record: &Record, r: &Reader) -> Document {
    let mut sections = Vec::new();
    for part in &record.cases {
        sections.extend(case_sections(part, r));
    }
    let therapists: Vec<&str> = record
        .cases
        .iter()
        .map(|c| c.case.therapist.name.as_str())
        .collect();
    Document {
        paper: Paper::A4,
        title: r.t("record-pdf-title"),
        number: None,
        issuer: [record.practice.clone()]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect(),
        recipient: vec![record.patient.name.clone(), record.patient.email.clone()],
        facts: vec![
            (r.t("record-pdf-made"), r.day_time_zone(&record.made_at)),
            (r.t("record-pdf-therapist"), therapists.join(", ")),
        ],
        table: Table::default(),
        sections,
        totals: Vec::new(),
        notes: vec![r.t("record-pdf-process-notes"), r.t("record-pdf-fhir")],
        qr: None,
        footer: record.practice.clone(),
        page_label: r.t("billing-pdf-page"),
        language: r.lang.tag().to_string(),
        created: Some(record.made_at.strftime("D:%Y%m%d%H%M%SZ").to_string()),
    }
}

fn columns(r: &Reader, headings: &[(&str, u16)]) -> Vec<Column> {
    headings
        .iter()
        .map(|(key, weight)| Column {
            heading: r.t(key),
            align: Align::Left,
            weight: *weight,
        })
        .collect()
}

fn case_sections(part: &CaseRecord, r: &Reader) -> Vec<Section> {
    let mut out = vec![Section {
        heading: r.t_with(
            "record-pdf-case",
            &[("therapist", part.case.therapist.name.clone())],
        ),
        paragraphs: vec![r.t_with(
            "record-pdf-opened",
            &[("date", r.date(&part.case.created_at))],
        )],
        table: Table::default(),
    }];
    out.push(Section {
        heading: r.t("record-pdf-appointments"),
        paragraphs: part
            .visits
            .is_empty()
            .then(|| r.t("record-pdf-none"))
            .into_iter()
            .collect(),
        table: Table {
            columns: if part.visits.is_empty() {
                Vec::new()
            } else {
                columns(r, &[("record-pdf-when", 3), ("record-pdf-what-became", 4)])
            },
            rows: part
                .visits
                .iter()
                .map(|v| vec![r.day_time_zone(&v.start), visit_state(r, v)])
                .collect(),
        },
    });
    for a in &part.answered {
        out.push(answered_section(a, r));
    }
    out.push(measures_section(part, r));
    for a in &part.agreements {
        let mut paragraphs = vec![r.t_with(
            "record-pdf-agreement-signed",
            &[
                ("name", a.signed_as.clone()),
                ("when", r.day_time_zone(&a.signed_at)),
            ],
        )];
        if let Some(at) = a.countersigned_at {
            paragraphs.push(r.t_with(
                "record-pdf-agreement-countersigned",
                &[("when", r.day_time_zone(&at))],
            ));
        }
        paragraphs.push(r.t_with("record-pdf-agreement-hash", &[("hash", a.sha256.clone())]));
        paragraphs.extend(a.text.split("\n\n").map(str::to_string));
        out.push(Section {
            heading: r.t_with(
                "record-pdf-agreement",
                &[("version", a.version.to_string())],
            ),
            paragraphs,
            table: Table::default(),
        });
    }
    let mut notes = Vec::new();
    for note in &part.notes {
        let when = part
            .visits
            .iter()
            .find(|v| v.id == note.appointment)
            .map(|v| r.day_time_zone(&v.start))
            .unwrap_or_default();
        notes.push(r.t_with(
            "record-pdf-note",
            &[
                ("session", when),
                ("by", note.signed_by.clone()),
                ("signed", r.day_time_zone(&note.signed_at)),
            ],
        ));
        for (heading, text) in &note.sections {
            notes.push(if heading.is_empty() {
                text.clone()
            } else {
                format!("{heading}: {text}")
            });
        }
        for a in &note.addenda {
            notes.push(r.t_with(
                "record-pdf-addendum",
                &[
                    ("when", r.day_time_zone(&a.at)),
                    ("by", a.author.clone()),
                    ("text", a.text.clone()),
                ],
            ));
        }
    }
    if notes.is_empty() {
        notes.push(r.t("record-pdf-none"));
    }
    out.push(Section {
        heading: r.t("record-pdf-notes"),
        paragraphs: notes,
        table: Table::default(),
    });
    out.push(Section {
        heading: r.t("record-pdf-documents"),
        paragraphs: part
            .documents
            .is_empty()
            .then(|| r.t("record-pdf-none"))
            .into_iter()
            .collect(),
        table: Table {
            columns: if part.documents.is_empty() {
                Vec::new()
            } else {
                columns(
                    r,
                    &[
                        ("record-pdf-document", 3),
                        ("record-pdf-number", 2),
                        ("record-pdf-date", 2),
                    ],
                )
            },
            rows: part
                .documents
                .iter()
                .map(|d| {
                    vec![
                        r.t(match d.kind {
                            FiledKind::Invoice => "record-pdf-kind-invoice",
                            FiledKind::CreditNote => "record-pdf-kind-credit-note",
                            FiledKind::Receipt => "record-pdf-kind-receipt",
                            FiledKind::Estimate => "record-pdf-kind-estimate",
                        }),
                        d.number.clone().unwrap_or_default(),
                        d.on.map(|day| r.civil_date(day)).unwrap_or_default(),
                    ]
                })
                .collect(),
        },
    });
    out
}

fn visit_state(r: &Reader, v: &store::attendance::Visit) -> String {
    r.t(match (v.attendance, v.cancelled) {
        (Some(Attendance::Attended), _) => "record-pdf-attended",
        (Some(Attendance::NoShow), _) => "record-pdf-no-show",
        (Some(Attendance::LateCancelled), _) => "record-pdf-late-cancelled",
        (Some(Attendance::TherapistCancelled), _) => "record-pdf-therapist-cancelled",
        (None, true) => "record-pdf-cancelled",
        (None, false) => "record-pdf-booked",
    })
}

/// A questionnaire as sent: each question with its answer in words, a measure with its items.
fn answered_section(a: &Answered, r: &Reader) -> Section {
    let mut rows = Vec::new();
    for section in &a.read {
        for item in &section.items {
            let answer = match &item.answer {
                ReadAnswer::Skipped => r.t("record-pdf-skipped"),
                ReadAnswer::Text { text } => text.clone(),
                ReadAnswer::People { sentences } => sentences.join("\n"),
                ReadAnswer::Measure {
                    items,
                    difficulty,
                    difficulty_question,
                    score,
                    ..
                } => {
                    let mut lines: Vec<String> = items
                        .iter()
                        .enumerate()
                        .map(|(i, (text, chosen))| {
                            format!("{}. {text}: {}", i + 1, chosen.unwrap_or("–"))
                        })
                        .collect();
                    lines.push(format!(
                        "{difficulty_question} {}",
                        difficulty.unwrap_or("–")
                    ));
                    if let Some(s) = score {
                        lines.push(total(r, s.measure, s.total, s.severity.as_str()));
                    }
                    lines.join("\n")
                }
            };
            rows.push(vec![item.label.clone(), answer]);
        }
    }
    Section {
        heading: a.title.clone(),
        paragraphs: vec![r.t_with(
            "record-pdf-sent",
            &[("when", r.day_time_zone(&a.submitted_at))],
        )],
        table: Table {
            columns: columns(r, &[("record-pdf-question", 2), ("record-pdf-answer", 3)]),
            rows,
        },
    }
}

fn total(r: &Reader, measure: &str, total: u8, severity: &str) -> String {
    let max = domain::measures::by_id(measure).map_or(0, domain::measures::Measure::max_total);
    r.t_with(
        "record-pdf-total",
        &[
            ("total", total.to_string()),
            ("max", max.to_string()),
            ("severity", r.t(&format!("severity-{severity}"))),
        ],
    )
}

/// Every complete measure in the case, oldest first: the scores over time.
fn measures_section(part: &CaseRecord, r: &Reader) -> Section {
    let mut rows = Vec::new();
    for a in &part.answered {
        for (m, score) in domain::intake::scores(&a.definition, &a.answers) {
            if let Ok(s) = score {
                rows.push(vec![
                    r.date(&a.submitted_at),
                    m.title.to_string(),
                    total(r, m.id, s.total, s.severity.as_str()),
                ]);
            }
        }
    }
    Section {
        heading: r.t("record-pdf-measures"),
        paragraphs: rows
            .is_empty()
            .then(|| r.t("record-pdf-none"))
            .into_iter()
            .collect(),
        table: Table {
            columns: if rows.is_empty() {
                Vec::new()
            } else {
                columns(
                    r,
                    &[
                        ("record-pdf-date", 2),
                        ("record-pdf-measure", 4),
                        ("record-pdf-score", 3),
                    ],
                )
            },
            rows,
        },
    }
}
