//! Input nobody should send still renders to a PDF poppler reads without complaint: empty
//! strings, no table, hundreds of rows, a very long note, control characters, right-to-left
//! text, characters the font lacks, cells narrower than a word.

mod support;

use documents::{render, Align, Column, Document, Paper, Table};
use support::*;

fn empty() -> Document {
    Document {
        paper: Paper::A4,
        title: String::new(),
        number: None,
        issuer: Vec::new(),
        recipient: Vec::new(),
        facts: Vec::new(),
        table: Table::default(),
        sections: Vec::new(),
        totals: Vec::new(),
        notes: Vec::new(),
        qr: None,
        footer: String::new(),
        page_label: String::new(),
        language: String::new(),
        created: None,
    }
}

/// Renders, saves and has poppler read it back; returns the extracted text.
fn survives(name: &str, doc: &Document) -> String {
    text_of(&save(name, doc))
}

#[test]
fn an_empty_document_is_one_blank_page() {
    let pdf = save("hostile-empty", &empty());
    assert_eq!(pages_of(&pdf), 1);
    assert!(text_of(&pdf).trim().is_empty());
}

#[test]
fn empty_strings_everywhere_still_render() {
    let mut doc = invoice();
    doc.title = String::new();
    doc.number = Some(String::new());
    doc.issuer = vec![String::new(); 3];
    doc.facts = vec![(String::new(), String::new())];
    doc.table.rows = vec![vec![String::new(); 5], Vec::new()];
    doc.notes = vec![String::new()];
    doc.qr = Some(documents::Qr {
        payload: String::new(),
        caption: String::new(),
    });
    survives("hostile-empty-strings", &doc);
}

#[test]
fn an_empty_table_and_a_table_without_columns_render() {
    let mut doc = invoice();
    doc.table.rows.clear();
    assert!(survives("hostile-no-rows", &doc).contains("Unit price"));
    doc.table = Table {
        columns: Vec::new(),
        rows: vec![vec!["orphan cell".into()]],
    };
    assert!(!survives("hostile-no-columns", &doc).contains("orphan cell"));
}

#[test]
fn five_hundred_rows_render_every_row_once() {
    let pdf = save("hostile-500-rows", &long_invoice(500));
    let text = text_of(&pdf);
    assert!(pages_of(&pdf) > 10);
    for i in [1, 250, 500] {
        assert_eq!(text.matches(&format!("Session {i} ")).count(), 1, "row {i}");
    }
}

#[test]
fn a_ten_thousand_character_note_wraps_onto_further_pages() {
    let mut doc = invoice();
    let word = "Behandlungsvereinbarung ";
    doc.notes = vec![word.repeat(10_000 / word.len() + 1)];
    let pdf = save("hostile-long-note", &doc);
    assert!(pages_of(&pdf) >= 2);
    assert!(text_of(&pdf).matches("Behandlungsvereinbarung").count() >= 10_000 / word.len());
}

#[test]
fn a_single_cell_taller_than_a_page_is_split_between_pages() {
    let mut doc = invoice();
    doc.table.rows = vec![vec!["1 Mar".into(), "Sitzung ".repeat(3000)]];
    let pdf = save("hostile-tall-cell", &doc);
    assert!(pages_of(&pdf) >= 2);
}

#[test]
fn an_unbroken_word_wider_than_its_column_is_broken() {
    let mut doc = invoice();
    doc.table.rows = vec![vec!["x".repeat(400), "ž".repeat(400), "9".repeat(80)]];
    let text = survives("hostile-long-word", &doc);
    // Every character is set (none cut off at the column's edge).
    assert_eq!(text.matches('ž').count(), 400);
}

#[test]
fn control_characters_are_dropped_not_drawn() {
    let mut doc = invoice();
    doc.recipient = vec!["Milica\u{0}\u{7}\u{1b}[31m Jovanović\r\n".into()];
    doc.notes = vec!["line one\nline two\ttabbed\u{8}\u{7f}".into()];
    let text = survives("hostile-controls", &doc);
    assert!(text.contains("Milica[31m Jovanović"), "{text}");
    assert!(
        text.contains("line one") && text.contains("line two tabbed"),
        "{text}"
    );
}

#[test]
fn right_to_left_text_renders_without_panic() {
    let mut doc = invoice();
    doc.recipient = vec!["שרה כהן".into(), "\u{202B}مريم العلي\u{202C}".into()];
    doc.table.rows = vec![vec![
        "1/3".into(),
        "טיפול פסיכולוגי".into(),
        "1".into(),
        "₪ 450".into(),
        "₪ 450".into(),
    ]];
    let text = survives("hostile-rtl", &doc);
    assert!(text.contains('ש') || text.contains('ה'), "{text}");
}

#[test]
fn characters_the_font_lacks_become_boxes_and_the_rest_survives() {
    let mut doc = invoice();
    doc.recipient = vec!["王小明 🙂 Jovanović".into()];
    let text = survives("hostile-missing-glyphs", &doc);
    assert!(text.contains("Jovanović"), "{text}");
}

#[test]
fn hostile_headings_and_footers_do_not_hang_or_spill() {
    let mut doc = long_invoice(40);
    doc.table.columns = vec![Column {
        heading: "Heading ".repeat(400),
        align: Align::Right,
        weight: 0,
    }];
    doc.footer = "Footer ".repeat(500);
    doc.page_label = "{n}/{m} {n}{m}{".into();
    doc.title = "Title ".repeat(200);
    doc.issuer = vec!["Issuer ".repeat(300); 20];
    survives("hostile-headings", &doc);
}

#[test]
fn a_hostile_creation_date_is_left_out() {
    let mut doc = invoice();
    doc.created = Some("D:2026) /Author (evil".into());
    let bytes = render(&doc).expect("renders");
    assert!(!String::from_utf8_lossy(&bytes).contains("CreationDate"));
}
