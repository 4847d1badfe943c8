//! Rendered documents read back with poppler and zbar: text extracts exactly, fonts are
//! embedded subsets, the payment code scans, pages have the right size and count.

mod support;

use documents::{render, Paper, Qr, RenderError};
use support::*;

#[test]
fn an_invoice_reads_back_with_its_number_amounts_exemption_and_diacritics() {
    let text = text_of(&save("invoice", &invoice()));
    for expected in [
        "Invoice",
        "2026-0007",
        "1,234.50 EUR",
        "Milica Jovanović",
        "Praxis für Psychotherapie Dr. Lena Müller",
        "RF18539007547034",
        "Page 1 of 1",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(
        flat(&text).contains(EXEMPTION),
        "exemption missing from:\n{text}"
    );
}

#[test]
fn a_credit_note_reads_back_with_euro_amounts_in_german_style() {
    let text = text_of(&save("credit-note", &credit_note()));
    for expected in [
        "Gutschrift",
        "2026-0008",
        "€ 80,00",
        "Milica Jovanović",
        "Seite 1 von 1",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(flat(&text).contains(EXEMPTION));
    assert!(flat(&text).contains("Der Betrag wird auf Ihr Konto überwiesen."));
}

#[test]
fn a_receipt_reads_back_on_letter_paper() {
    let pdf = save("receipt", &receipt());
    let text = text_of(&pdf);
    for expected in [
        "Receipt",
        "R-2026-0031",
        "$160.00",
        "Milica Jovanović",
        "1234567893",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(tool("pdfinfo", &[path(&pdf)]).contains("612 x 792 pts"));
}

#[test]
fn an_a4_document_is_a4() {
    let info = tool("pdfinfo", &[path(&save("invoice-a4", &invoice()))]);
    assert!(info.contains("595.28 x 841.89 pts"), "{info}");
}

#[test]
fn metadata_carries_title_producer_and_language() {
    let pdf = save("invoice-meta", &credit_note());
    let info = tool("pdfinfo", &[path(&pdf)]);
    assert!(info.contains("Title:           Gutschrift"), "{info}");
    assert!(info.contains("Producer:        holdspace"), "{info}");
    let bytes = std::fs::read(&pdf).expect("read sample");
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/Lang (de-DE)"));
    assert!(raw.contains("/CreationDate (D:20260407093000Z)"));
}

#[test]
fn both_faces_are_embedded_as_subsets_with_unicode_maps() {
    let fonts = tool("pdffonts", &[path(&save("invoice-fonts", &invoice()))]);
    let rows: Vec<&str> = fonts.lines().filter(|l| l.contains("DejaVuSans")).collect();
    assert_eq!(rows.len(), 2, "{fonts}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        // name type(2 words) encoding emb sub uni object-id(2 words)
        assert!(columns[0].contains('+'), "subset tag missing: {row}");
        assert_eq!(
            &columns[columns.len() - 5..columns.len() - 2],
            ["yes", "yes", "yes"],
            "{row}"
        );
    }
}

#[test]
fn the_payment_code_scans_back_to_exactly_its_payload() {
    let pdf = save("invoice-qr", &invoice());
    let prefix = samples_dir().join("invoice-qr-300dpi");
    tool(
        "pdftoppm",
        &[
            "-r",
            "300",
            "-png",
            "-singlefile",
            path(&pdf),
            path(&prefix),
        ],
    );
    let png = prefix.with_extension("png");
    let scanned = tool("zbarimg", &["--raw", "-q", path(&png)]);
    assert_eq!(scanned, format!("{EPC}\n"));
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let first = render(&invoice()).expect("renders");
    let second = render(&invoice()).expect("renders");
    assert_eq!(first, second);
    let mut other = invoice();
    other.number = Some("2026-0009".into());
    assert_ne!(first, render(&other).expect("renders"));
}

#[test]
fn a_long_table_runs_onto_pages_that_each_repeat_the_heading() {
    let pdf = save("invoice-120-rows", &long_invoice(120));
    let pages = pages_of(&pdf);
    assert!(pages >= 3, "{pages} pages");
    let text = text_of(&pdf);
    assert_eq!(text.matches("Unit price").count(), pages);
    assert!(text.contains(&format!("Page {pages} of {pages}")));
    assert!(text.contains("Session 1 ") && text.contains("Session 120"));
    // Totals and notes follow the last row, once.
    assert_eq!(text.matches("Total due").count(), 1);
}

#[test]
fn a_qr_payload_too_long_for_a_code_is_an_error_not_a_panic() {
    let mut doc = invoice();
    doc.qr = Some(Qr {
        payload: "x".repeat(4000),
        caption: String::new(),
    });
    assert!(matches!(render(&doc), Err(RenderError::QrPayload)));
}

#[test]
fn paper_sizes_are_the_standard_points() {
    assert_eq!(Paper::A4.size(), (595.28, 841.89));
    assert_eq!(Paper::Letter.size(), (612.0, 792.0));
}

#[test]
fn a_superbill_reads_back_with_codes_and_provider_facts() {
    let text = text_of(&save("superbill", &superbill()));
    for expected in [
        "Superbill",
        "SB-2026-0012",
        "90837",
        "1234567893",
        "F41.1",
        "$540.00",
        "Milica Jovanović",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}
