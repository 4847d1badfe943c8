//! Invoices, credit notes and receipts as PDFs: the words and amounts, in the practice's
//! language, handed to the `documents` layout. The PDF of an issued document is rendered once and
//! archived exactly as issued; nothing here runs again for it.

use crate::error::{AppError, AppResult};
use crate::i18n::format::Reader;
use documents::{Align, Column, Document, Qr, Table, Total};
use domain::invoice::{Kind, Method, Paper, Profile};
use domain::practice::Details;
use jiff::civil::Date;
use store::billing::Invoice;

/// The language documents are written in (the practice's).
fn documents_language() -> &'static str {
    crate::i18n::Lang::default().tag()
}

fn paper(p: Paper) -> documents::Paper {
    match p {
        Paper::A4 => documents::Paper::A4,
        Paper::Letter => documents::Paper::Letter,
    }
}

/// The issuer's block: name, address lines, tax number, registration, the practice's email.
fn issuer(r: &Reader, practice: &Details, profile: &Profile) -> Vec<String> {
    let mut lines = vec![profile.issuer.clone()];
    lines.extend(profile.address.lines().map(str::to_string));
    if !profile.tax_id.is_empty() {
        lines.push(r.t_with("billing-pdf-tax-id", &[("id", profile.tax_id.clone())]));
    }
    if !profile.registration.is_empty() {
        lines.push(r.t_with(
            "billing-pdf-registration",
            &[("id", profile.registration.clone())],
        ));
    }
    if !practice.email.is_empty() {
        lines.push(practice.email.clone());
    }
    lines
}

pub(super) fn base(r: &Reader, practice: &Details, profile: &Profile, title: String) -> Document {
    Document {
        paper: paper(profile.paper),
        title,
        number: None,
        issuer: issuer(r, practice, profile),
        recipient: Vec::new(),
        facts: Vec::new(),
        table: Table::default(),
        sections: Vec::new(),
        totals: Vec::new(),
        notes: Vec::new(),
        qr: None,
        footer: if practice.name.is_empty() {
            profile.issuer.clone()
        } else {
            practice.name.clone()
        },
        page_label: r.t("billing-pdf-page"),
        language: documents_language().to_string(),
        created: None,
    }
}

pub(super) fn render(doc: &Document) -> AppResult<Vec<u8>> {
    documents::render(doc).map_err(|e| AppError::internal("rendering a PDF", e))
}

fn bank_line(r: &Reader, profile: &Profile) -> Option<String> {
    if profile.iban.is_empty() {
        return None;
    }
    let holder = if profile.account_holder.is_empty() {
        &profile.issuer
    } else {
        &profile.account_holder
    };
    let mut args = vec![
        ("holder", holder.clone()),
        ("iban", domain::bank::print_groups(&profile.iban)),
    ];
    let key = if profile.bic.is_empty() {
        "billing-pdf-bank"
    } else {
        args.push(("bic", profile.bic.clone()));
        "billing-pdf-bank-bic"
    };
    Some(r.t_with(key, &args))
}

/// The invoice or credit note `i` as issued (its number, dates and reference already set);
/// `corrects` is a credit note's invoice.
pub(super) fn invoice_pdf(
    r: &Reader,
    practice: &Details,
    profile: &Profile,
    i: &Invoice,
    corrects: Option<&Invoice>,
) -> AppResult<Vec<u8>> {
    let title = match i.kind {
        Kind::Invoice => r.t("billing-pdf-invoice"),
        Kind::CreditNote => r.t("billing-pdf-credit-note"),
    };
    let mut doc = base(r, practice, profile, title);
    doc.number = i.number.clone();
    doc.recipient = i.recipient.lines().map(str::to_string).collect();
    let money = |v: i64| r.money(v, &i.currency);
    if let Some(d) = i.issued_on {
        doc.facts.push((r.t("billing-pdf-date"), r.civil_date(d)));
    }
    if let Some(original) = corrects {
        doc.facts.push((
            r.t("billing-pdf-corrects"),
            original.number.clone().unwrap_or_default(),
        ));
    }
    if i.kind == Kind::Invoice {
        if let Some(d) = i.due_on {
            doc.facts.push((r.t("billing-pdf-due"), r.civil_date(d)));
        }
        if let Some(reference) = &i.reference {
            doc.facts.push((
                r.t("billing-pdf-reference"),
                domain::bank::print_groups(reference),
            ));
        }
    }
    doc.facts.push((
        r.t("billing-pdf-period"),
        if i.period.0 == i.period.1 {
            r.civil_date(i.period.0)
        } else {
            r.range(&r.civil_date(i.period.0), &r.civil_date(i.period.1))
        },
    ));
    doc.table = Table {
        columns: vec![
            Column {
                heading: r.t("billing-pdf-col-date"),
                align: Align::Left,
                weight: 21,
            },
            Column {
                heading: r.t("billing-pdf-col-service"),
                align: Align::Left,
                weight: 33,
            },
            Column {
                heading: r.t("billing-pdf-col-length"),
                align: Align::Right,
                weight: 10,
            },
            Column {
                heading: r.t("billing-pdf-col-quantity"),
                align: Align::Right,
                weight: 6,
            },
            Column {
                heading: r.t("billing-pdf-col-unit"),
                align: Align::Right,
                weight: 15,
            },
            Column {
                heading: r.t("billing-pdf-col-amount"),
                align: Align::Right,
                weight: 15,
            },
        ],
        rows: i
            .lines
            .iter()
            .map(|(_, l)| {
                vec![
                    r.civil_date(l.service_date),
                    l.description.clone(),
                    if l.minutes == 0 {
                        String::new()
                    } else {
                        r.minutes(i64::from(l.minutes))
                    },
                    l.quantity.to_string(),
                    money(l.unit_minor),
                    money(l.amount().unwrap_or(0)),
                ]
            })
            .collect(),
    };
    doc.totals.push(Total {
        label: match i.kind {
            Kind::Invoice => r.t("billing-pdf-total"),
            Kind::CreditNote => r.t("billing-pdf-credited"),
        },
        value: money(i.total),
        emphasised: true,
    });
    if !profile.exemption.is_empty() {
        doc.notes.push(profile.exemption.clone());
    }
    match (i.kind, corrects) {
        (Kind::CreditNote, Some(original)) => doc.notes.push(r.t_with(
            "billing-pdf-credit-text",
            &[("number", original.number.clone().unwrap_or_default())],
        )),
        _ => {
            if let (Some(due), Some(reference)) = (i.due_on, &i.reference) {
                let transfer = bank_line(r, profile);
                doc.notes.push(r.t_with(
                    if transfer.is_some() {
                        "billing-pdf-terms-transfer"
                    } else {
                        "billing-pdf-terms"
                    },
                    &[
                        ("amount", money(i.total)),
                        ("due", r.civil_date(due)),
                        ("reference", domain::bank::print_groups(reference)),
                    ],
                ));
                doc.notes.extend(transfer);
                doc.qr = giro_code(r, profile, i);
            }
        }
    }
    render(&doc)
}

/// The EPC QR code ("GiroCode") for a euro invoice paid into an IBAN; none otherwise.
fn giro_code(r: &Reader, profile: &Profile, i: &Invoice) -> Option<Qr> {
    let reference = i.reference.clone()?;
    let reference = if domain::bank::is_creditor_reference(&reference) {
        domain::bank::Reference::Structured(reference)
    } else {
        domain::bank::Reference::Text(reference)
    };
    let name = if profile.account_holder.is_empty() {
        &profile.issuer
    } else {
        &profile.account_holder
    };
    let payload = domain::bank::epc_payload(&domain::bank::Transfer {
        name: name.clone(),
        iban: profile.iban.clone(),
        bic: (!profile.bic.is_empty()).then(|| profile.bic.clone()),
        amount_minor: i.total,
        currency: i.currency.clone(),
        reference,
    })
    .ok()?;
    Some(Qr {
        payload,
        caption: r.t("billing-pdf-qr"),
    })
}

/// A receipt for one payment on `invoice`.
pub(super) fn receipt_pdf(
    r: &Reader,
    practice: &Details,
    profile: &Profile,
    invoice: &Invoice,
    amount: i64,
    received_on: Date,
    method: Method,
) -> AppResult<Vec<u8>> {
    let mut doc = base(r, practice, profile, r.t("billing-pdf-receipt"));
    doc.number = invoice.number.clone();
    doc.recipient = invoice.recipient.lines().map(str::to_string).collect();
    doc.facts = vec![
        (r.t("billing-pdf-received"), r.civil_date(received_on)),
        (
            r.t("billing-pdf-method"),
            r.t(&format!("billing-method-{}", method.as_str())),
        ),
        (
            r.t("billing-pdf-for-invoice"),
            invoice.number.clone().unwrap_or_default(),
        ),
    ];
    doc.totals.push(Total {
        label: r.t("billing-pdf-paid"),
        value: r.money(amount, &invoice.currency),
        emphasised: true,
    });
    doc.notes.push(r.t("billing-pdf-receipt-text"));
    render(&doc)
}
