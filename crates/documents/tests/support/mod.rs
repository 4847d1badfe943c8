//! Sample documents and the poppler/zbar tools the tests read them back with.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use documents::{Align, Column, Document, Paper, Qr, Table, Total};

pub const EPC: &str =
    "BCD\n002\n1\nSCT\n\nAnna Berger\nDE89370400440532013000\nEUR80.00\n\nRF18539007547034\n";

pub const EXEMPTION: &str =
    "Umsatzsteuerfrei gemäß § 4 Nr. 14 Buchst. a UStG (heilberufliche Tätigkeit).";

/// Where samples are written so a person can look at them: `target/documents-samples/`.
pub fn samples_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/documents-samples");
    std::fs::create_dir_all(&dir).expect("create target/documents-samples");
    dir
}

/// Renders and saves a sample; returns its path.
pub fn save(name: &str, doc: &Document) -> PathBuf {
    let bytes = documents::render(doc).expect("the sample renders");
    let path = samples_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, bytes).expect("write sample");
    path
}

/// Runs a tool and returns its stdout; a missing tool fails with what to install.
pub fn tool(name: &str, args: &[&str]) -> String {
    let package = match name {
        "zbarimg" => "zbar-tools",
        _ => "poppler-utils",
    };
    let output = match Command::new(name).args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{name}` is not installed: these tests need Debian's {package} (apt-get install {package})")
        }
        Err(e) => panic!("could not run {name}: {e}"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{name} {args:?} failed: {stderr}");
    // Poppler reports a malformed file on stderr even when it goes on; zbar's stderr carries
    // unrelated desktop-bus noise, so only poppler's is held to silence.
    if name.starts_with("pdf") {
        assert!(
            stderr.trim().is_empty(),
            "{name} {args:?} complained: {stderr}"
        );
    }
    String::from_utf8(output.stdout).expect("tool output is UTF-8")
}

pub fn text_of(pdf: &std::path::Path) -> String {
    tool("pdftotext", &["-layout", path(pdf), "-"])
}

/// Whitespace collapsed, so a paragraph wrapped over lines reads as it was passed in.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn pages_of(pdf: &std::path::Path) -> usize {
    let info = tool("pdfinfo", &[path(pdf)]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo reports Pages")
}

pub fn path(p: &std::path::Path) -> &str {
    p.to_str().expect("sample paths are UTF-8")
}

fn column(heading: &str, align: Align, weight: u16) -> Column {
    Column {
        heading: heading.into(),
        align,
        weight,
    }
}

fn total(label: &str, value: &str, emphasised: bool) -> Total {
    Total {
        label: label.into(),
        value: value.into(),
        emphasised,
    }
}

fn strings(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| (*s).to_string()).collect()
}

fn facts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(l, v)| ((*l).to_string(), (*v).to_string()))
        .collect()
}

pub fn session_columns() -> Vec<Column> {
    vec![
        column("Date", Align::Left, 2),
        column("Service", Align::Left, 6),
        column("Qty", Align::Right, 1),
        column("Unit price", Align::Right, 2),
        column("Amount", Align::Right, 2),
    ]
}

/// A German practice's invoice to a patient, in English, with a GiroCode.
pub fn invoice() -> Document {
    Document {
        paper: Paper::A4,
        title: "Invoice".into(),
        number: Some("2026-0007".into()),
        issuer: strings(&[
            "Praxis für Psychotherapie Dr. Lena Müller",
            "Schönhauser Allee 12, 10119 Berlin",
            "Tax no. 27/123/45678",
            "praxis@mueller-psychotherapie.de",
        ]),
        recipient: strings(&["Milica Jovanović", "Kastanienallee 3", "10435 Berlin"]),
        facts: facts(&[
            ("Date", "7 April 2026"),
            ("Due", "21 April 2026"),
            ("Payment reference", "RF18539007547034"),
            ("Period", "March 2026"),
        ]),
        table: Table {
            columns: session_columns(),
            rows: vec![
                strings(&["3 Mar 2026", "Psychotherapy session (50 min)", "1", "115.00 EUR", "115.00 EUR"]),
                strings(&["10 Mar 2026", "Psychotherapy session (50 min)", "1", "115.00 EUR", "115.00 EUR"]),
                strings(&["17 Mar 2026", "Psychotherapy session (50 min), double session after the crisis on the weekend", "2", "115.00 EUR", "230.00 EUR"]),
                strings(&["24 Mar 2026", "Cancelled less than 48 hours ahead", "1", "80.00 EUR", "80.00 EUR"]),
                strings(&["31 Mar 2026", "Report for the health insurer", "1", "694.50 EUR", "694.50 EUR"]),
            ],
        },
        sections: Vec::new(),
        totals: vec![
            total("Subtotal", "1,234.50 EUR", false),
            total("VAT (exempt)", "0.00 EUR", false),
            total("Total due", "1,234.50 EUR", true),
        ],
        notes: strings(&[
            EXEMPTION,
            "Please transfer the amount by 21 April 2026 quoting the payment reference. \
             Bank: Berliner Sparkasse · IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX.",
        ]),
        qr: Some(Qr {
            payload: EPC.into(),
            caption: "Scan to pay with your banking app".into(),
        }),
        footer: "Praxis für Psychotherapie Dr. Lena Müller · Schönhauser Allee 12 · 10119 Berlin".into(),
        page_label: "Page {n} of {m}".into(),
        language: "en".into(),
        created: Some("D:20260407093000Z".into()),
    }
}

/// A credit note in German number style.
pub fn credit_note() -> Document {
    Document {
        title: "Gutschrift".into(),
        number: Some("2026-0008".into()),
        facts: facts(&[("Datum", "8. April 2026"), ("Zu Rechnung", "2026-0007")]),
        table: Table {
            columns: session_columns(),
            rows: vec![strings(&[
                "24.03.2026",
                "Ausfallhonorar erstattet",
                "1",
                "€ 80,00",
                "€ 80,00",
            ])],
        },
        sections: Vec::new(),
        totals: vec![total("Gutschrift gesamt", "€ 80,00", true)],
        notes: strings(&[EXEMPTION, "Der Betrag wird auf Ihr Konto überwiesen."]),
        qr: None,
        page_label: "Seite {n} von {m}".into(),
        language: "de-DE".into(),
        ..invoice()
    }
}

/// A receipt on US Letter paper.
pub fn receipt() -> Document {
    Document {
        paper: Paper::Letter,
        title: "Receipt".into(),
        number: Some("R-2026-0031".into()),
        issuer: strings(&[
            "Riverside Counseling, PLLC",
            "220 Main Street, Suite 4",
            "Portland, OR 97204",
            "EIN 12-3456789",
        ]),
        recipient: strings(&["Milica Jovanović", "88 Elm Street", "Portland, OR 97205"]),
        facts: facts(&[
            ("Paid on", "April 7, 2026"),
            ("Method", "Card ending 4242"),
            ("NPI", "1234567893"),
        ]),
        table: Table {
            columns: session_columns(),
            rows: vec![strings(&[
                "04/07/2026",
                "90837 Psychotherapy, 60 min",
                "1",
                "$160.00",
                "$160.00",
            ])],
        },
        sections: Vec::new(),
        totals: vec![total("Paid", "$160.00", true)],
        notes: strings(&["Thank you. Keep this receipt for your records."]),
        qr: None,
        footer: "Riverside Counseling, PLLC".into(),
        language: "en-US".into(),
        ..invoice()
    }
}

/// The invoice with `n` rows.
pub fn long_invoice(n: usize) -> Document {
    let mut doc = invoice();
    doc.table.rows = (1..=n)
        .map(|i| {
            strings(&[
                &format!("{i} Mar"),
                &format!("Session {i}"),
                "1",
                "115.00 EUR",
                "115.00 EUR",
            ])
        })
        .collect();
    doc
}

/// A US superbill: provider and diagnosis facts, CPT lines, on Letter paper.
pub fn superbill() -> Document {
    Document {
        title: "Superbill".into(),
        number: Some("SB-2026-0012".into()),
        facts: facts(&[
            ("Statement date", "April 30, 2026"),
            ("Provider", "Dana Whitfield, PhD, LP"),
            ("NPI", "1234567893"),
            ("Tax ID", "12-3456789"),
            ("Date of birth", "02/14/1990"),
            ("Diagnosis", "F41.1 Generalized anxiety disorder"),
        ]),
        table: Table {
            columns: vec![
                column("Date", Align::Left, 2),
                column("CPT", Align::Left, 1),
                column("Description", Align::Left, 5),
                column("POS", Align::Right, 1),
                column("Fee", Align::Right, 2),
            ],
            rows: vec![
                strings(&["04/02/2026", "90791", "Psychiatric diagnostic evaluation", "10", "$220.00"]),
                strings(&["04/09/2026", "90837", "Psychotherapy, 60 minutes", "10", "$160.00"]),
                strings(&["04/16/2026", "90837", "Psychotherapy, 60 minutes", "10", "$160.00"]),
            ],
        },
        sections: Vec::new(),
        totals: vec![
            total("Total charges", "$540.00", false),
            total("Paid", "$540.00", false),
            total("Balance", "$0.00", true),
        ],
        notes: strings(&[
            "This statement is provided for submission to your insurer for out-of-network reimbursement. \
             Place of service 10: telehealth provided in the patient's home.",
        ]),
        ..receipt()
    }
}
