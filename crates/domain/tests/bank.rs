//! The bank statement readers and the matching, from the outside: the sample CAMT.053 read and
//! matched against open invoices, CSV exports as banks write them, hostile files of every kind,
//! and the properties of the proposals.

use domain::bank::{
    creditor_reference, parse_camt053, parse_csv, propose, ColumnRef, Credit, CsvMapping,
    DateFormat, Field, Fit, Match, OpenInvoice, StatementError, MAX_STATEMENT_BYTES,
};
use jiff::civil::{date, Date};
use proptest::prelude::*;

const SAMPLE: &[u8] = include_bytes!("fixtures/camt053.xml");

fn invoice(id: &str, number: &str, currency: &str, outstanding_minor: i64) -> OpenInvoice {
    OpenInvoice {
        id: id.into(),
        number: number.into(),
        reference: creditor_reference(&number.replace('-', "")),
        currency: currency.into(),
        outstanding_minor,
        payer_name: String::new(),
    }
}

fn open_invoices() -> Vec<OpenInvoice> {
    vec![
        invoice("a", "2026-0001", "EUR", 12_000),
        invoice("b", "2026-0002", "EUR", 24_000),
        invoice("c", "2026-0003", "EUR", 9_000),
        invoice("d", "2026-0004", "EUR", 6_000),
    ]
}

#[test]
fn the_sample_statement_reads_into_five_credits_and_a_debit() {
    let statement = parse_camt053(SAMPLE).expect("the sample parses");
    assert_eq!(
        statement.account_iban.as_deref(),
        Some("DE89370400440532013000")
    );
    assert_eq!(statement.currency.as_deref(), Some("EUR"));
    assert_eq!(statement.debits_skipped, 1);
    let c = &statement.credits;
    assert_eq!(c.len(), 5);
    assert_eq!(c[0].entry_key, "2026011500001");
    assert_eq!(c[0].booked_on, date(2026, 1, 15));
    assert_eq!(c[0].amount_minor, 12_000);
    assert_eq!(c[0].counterparty, "Erika Mustermann");
    assert_eq!(c[0].remittance, "RF3120260001");
    assert_eq!(c[0].iban.as_deref(), Some("DE44500105175407324931"));
    // The batch: one credit per transaction, each with its own amount and a key of its own.
    assert_eq!(c[1].entry_key, "2026011600002/1");
    assert_eq!(c[2].entry_key, "2026011600002/2");
    assert_eq!((c[1].amount_minor, c[2].amount_minor), (10_000, 14_000));
    assert_eq!(c[1].counterparty, "Jürgen Müller");
    assert_eq!(c[1].remittance, "Teilzahlung RF04 2026 0002");
    assert_eq!(c[2].iban, None);
    assert_eq!(c[3].entry_key, "N-2026011700003");
    assert_eq!(c[3].remittance, "Vielen Dank fuer alles");
    assert_eq!(c[4].currency, "USD");
    assert_eq!(c[4].booked_on, date(2026, 1, 19));
    assert!(c[4].entry_key.starts_with("sha256:"));
    assert_eq!(
        parse_camt053(SAMPLE),
        Ok(statement.clone()),
        "keys are stable"
    );
}

#[test]
fn the_sample_statement_is_matched_to_its_invoices() {
    let statement = parse_camt053(SAMPLE).expect("the sample parses");
    let proposals = propose(&statement.credits, &open_invoices());
    let matched: Vec<Match> = proposals.into_iter().map(|p| p.matched).collect();
    let by_reference = |invoice: &str, kind| Match::Reference {
        invoice: invoice.into(),
        kind,
    };
    assert_eq!(
        matched,
        vec![
            by_reference("a", Fit::Exact),
            by_reference(
                "b",
                Fit::Partial {
                    remaining_minor: 14_000
                }
            ),
            by_reference("b", Fit::Exact),
            Match::Amount {
                invoice: "c".into()
            },
            Match::OtherCurrency,
        ]
    );
}

#[test]
fn later_camt_versions_are_read_by_local_name() {
    let xml = r#"<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Acct><Id><IBAN>DE89 3704 0044 0532 0130 00</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">5</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-02-01</Dt></BookgDt>
<NtryDtls><TxDtls><Amt Ccy="EUR">5</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Pty><Nm>Eva   Neu</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>Rechnung</Ustrd><Ustrd>2026-0004</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>"#;
    let statement = parse_camt053(xml.as_bytes()).expect("parses");
    assert_eq!(
        statement.account_iban.as_deref(),
        Some("DE89370400440532013000")
    );
    let credit = &statement.credits[0];
    assert_eq!(credit.amount_minor, 500);
    assert_eq!(credit.counterparty, "Eva Neu");
    assert_eq!(credit.remittance, "Rechnung 2026-0004");
}

#[test]
fn hostile_and_broken_xml_is_refused() {
    let refused = |bytes: &[u8]| parse_camt053(bytes).err();
    assert_eq!(refused(b""), Some(StatementError::Empty));
    assert_eq!(refused(b"  \n"), Some(StatementError::Empty));
    let huge = vec![b' '; MAX_STATEMENT_BYTES + 1024 * 1024];
    assert_eq!(refused(&huge), Some(StatementError::TooLarge));
    assert_eq!(
        refused(b"\xff\xfe\x00garbage"),
        Some(StatementError::Malformed)
    );
    assert_eq!(
        refused(b"<Document><unclosed>"),
        Some(StatementError::Malformed)
    );
    // An external entity (XXE) and entity expansion (billion laughs): refused at the DOCTYPE.
    let xxe = br#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<BookgDt><Dt>2026-01-01</Dt></BookgDt><NtryDtls><TxDtls><RmtInf><Ustrd>&x;</Ustrd></RmtInf>
</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"#;
    assert_eq!(refused(xxe), Some(StatementError::Malformed));
    let laughs = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<Document><BkToCstmrStmt>&c;</BkToCstmrStmt></Document>"#;
    assert_eq!(refused(laughs), Some(StatementError::Malformed));
    assert_eq!(
        refused(b"<Document><BkToCstmrAcctRpt/></Document>"),
        Some(StatementError::NotCamt)
    );
    assert_eq!(
        refused(b"<html><body/></html>"),
        Some(StatementError::NotCamt)
    );
    assert_eq!(
        refused(b"<Document><BkToCstmrStmt><Stmt/></BkToCstmrStmt></Document>"),
        Some(StatementError::Empty)
    );
    let no_date = b"<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy=\"EUR\">1</Amt>\
        <CdtDbtInd>CRDT</CdtDbtInd></Ntry></Stmt></BkToCstmrStmt></Document>";
    assert_eq!(
        refused(no_date),
        Some(StatementError::Entry {
            entry: 1,
            field: Field::Date
        })
    );
    let float = b"<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy=\"EUR\">1e3</Amt>\
        <CdtDbtInd>CRDT</CdtDbtInd></Ntry></Stmt></BkToCstmrStmt></Document>";
    assert_eq!(
        refused(float).map(|e| e.key()),
        Some("statement-error-entry")
    );
}

fn mapping() -> CsvMapping {
    CsvMapping {
        delimiter: b';',
        date_column: ColumnRef::Header("Buchungstag".into()),
        amount_column: ColumnRef::Header("Betrag".into()),
        currency_column: Some(ColumnRef::Header("Waehrung".into())),
        text_column: ColumnRef::Header("Verwendungszweck".into()),
        counterparty_column: Some(ColumnRef::Position(2)),
        date_format: DateFormat::DayMonthYear,
        decimal_comma: true,
        has_header: true,
    }
}

#[test]
fn a_german_bank_csv_is_read() {
    let csv = "\u{feff}Buchungstag;Beguenstigter/Zahlungspflichtiger;Verwendungszweck;Betrag;Waehrung\r\n\
               15.01.2026;Erika Mustermann;\"Rechnung 2026-0001; danke\";\"1.234,56\";EUR\r\n\
               16.01.2026;Vermieter;Miete;-80,00;EUR\r\n\
               ;;;;\r\n\
               17.01.2026;\"Max \"\"Mäx\"\" Muster\";=HYPERLINK(\"http://x\");12,00;eur\r\n";
    let statement = parse_csv(csv.as_bytes(), &mapping(), "EUR").expect("parses");
    assert_eq!(statement.debits_skipped, 1);
    assert_eq!(statement.credits.len(), 2);
    let first = &statement.credits[0];
    assert_eq!(first.booked_on, date(2026, 1, 15));
    assert_eq!(first.amount_minor, 123_456);
    assert_eq!(first.remittance, "Rechnung 2026-0001; danke");
    assert_eq!(first.counterparty, "Erika Mustermann");
    let formula = &statement.credits[1];
    assert_eq!(
        formula.remittance, "=HYPERLINK(\"http://x\")",
        "kept as text"
    );
    assert_eq!(formula.counterparty, "Max \"Mäx\" Muster");
    assert_eq!(formula.currency, "EUR");
}

#[test]
fn a_csv_without_header_is_mapped_by_position() {
    let mapping = CsvMapping {
        delimiter: b',',
        date_column: ColumnRef::Position(1),
        amount_column: ColumnRef::Position(3),
        currency_column: None,
        text_column: ColumnRef::Position(2),
        counterparty_column: None,
        date_format: DateFormat::MonthDayYear,
        decimal_comma: false,
        has_header: false,
    };
    let csv = b"01/15/2026,Invoice 7,\"1,500\"\n01/16/2026,Refund,-3\n";
    let statement = parse_csv(csv, &mapping, "jpy").expect("parses");
    assert_eq!(statement.credits[0].amount_minor, 1500);
    assert_eq!(statement.credits[0].currency, "JPY");
    assert_eq!(statement.debits_skipped, 1);
    let short = b"01/15/2026,Invoice 7\n";
    assert_eq!(
        parse_csv(short, &mapping, "JPY"),
        Err(StatementError::CsvRow {
            row: 1,
            field: Field::Amount
        })
    );
}

#[test]
fn csv_errors_name_the_column_or_the_row_and_field() {
    let header = "Buchungstag;Name;Verwendungszweck;Betrag;Waehrung\n";
    let parse = |rows: &str| parse_csv(format!("{header}{rows}").as_bytes(), &mapping(), "EUR");
    assert_eq!(parse(""), Err(StatementError::Empty));
    assert_eq!(
        parse_csv(b"", &mapping(), "EUR"),
        Err(StatementError::Empty)
    );
    let row_error = |row, field| Err(StatementError::CsvRow { row, field });
    assert_eq!(
        parse("15.01.2026;A;x;1,00;EUR\n32.01.2026;A;x;1,00;EUR\n"),
        row_error(3, Field::Date)
    );
    assert_eq!(
        parse("15.01.2026;A;x;1.00;EUR\n"),
        row_error(2, Field::Amount)
    );
    assert_eq!(
        parse("15.01.2026;A;x;12,345;EUR\n"),
        row_error(2, Field::Amount)
    );
    assert_eq!(
        parse("15.01.2026;A;x;1,00;E1\n"),
        row_error(2, Field::Currency)
    );
    assert_eq!(parse("15.01.2026;A;x\n"), row_error(2, Field::Currency));
    let mut wrong = mapping();
    wrong.text_column = ColumnRef::Header("Zweck".into());
    let csv = format!("{header}15.01.2026;A;x;1,00;EUR\n");
    let error = parse_csv(csv.as_bytes(), &wrong, "EUR");
    assert_eq!(
        error,
        Err(StatementError::CsvColumn {
            column: "Zweck".into()
        })
    );
    wrong.text_column = ColumnRef::Position(9);
    assert_eq!(
        parse_csv(csv.as_bytes(), &wrong, "EUR").map_err(|e| e.key()),
        Err("statement-error-csv-column")
    );
    let huge = vec![b'a'; 11 * 1024 * 1024];
    assert_eq!(
        parse_csv(&huge, &mapping(), "EUR"),
        Err(StatementError::TooLarge)
    );
}

#[test]
fn a_hundred_thousand_rows_are_read_with_distinct_keys() {
    let mut csv = String::from("Buchungstag;Name;Verwendungszweck;Betrag;Waehrung\n");
    for i in 0..100_000 {
        // Every tenth row repeats the one before: identical entries must still get their own key.
        let n = i - i % 2 * usize::from(i % 10 == 1);
        csv.push_str(&format!(
            "15.01.2026;P{n};Rechnung {n};{},00;EUR\n",
            n % 500 + 1
        ));
    }
    let statement = parse_csv(csv.as_bytes(), &mapping(), "EUR").expect("parses");
    assert_eq!(statement.credits.len(), 100_000);
    let mut keys: Vec<&str> = statement
        .credits
        .iter()
        .map(|c| c.entry_key.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 100_000);
    let proposals = propose(&statement.credits, &open_invoices());
    assert_eq!(proposals.len(), 100_000);
}

fn credit(amount_minor: i64, currency: &str, remittance: &str) -> Credit {
    Credit {
        entry_key: String::new(),
        booked_on: Date::constant(2026, 1, 15),
        amount_minor,
        currency: currency.into(),
        counterparty: String::new(),
        remittance: remittance.into(),
        iban: None,
    }
}

#[test]
fn numbers_match_only_as_whole_tokens() {
    let open = vec![invoice("a", "2026-0001", "EUR", 5_000)];
    let matched = |text: &str| {
        propose(&[credit(5_000, "EUR", text)], &open)[0]
            .matched
            .clone()
    };
    let exact = Match::Reference {
        invoice: "a".into(),
        kind: Fit::Exact,
    };
    assert_eq!(matched("Rechnung 2026-0001"), exact);
    assert_eq!(matched("Rg.Nr.2026-0001, danke"), exact);
    assert_eq!(matched("rf31 2026 0001"), exact);
    // Not the number as a whole token: only the amount fits then.
    let by_amount = Match::Amount {
        invoice: "a".into(),
    };
    assert_eq!(matched("Rechnung 2026-00012"), by_amount);
    assert_eq!(matched("X2026-0001"), by_amount);
    assert_eq!(matched(""), by_amount);
}

#[test]
fn amounts_fit_only_one_invoice_and_only_once() {
    let open = vec![
        invoice("a", "1", "EUR", 5_000),
        invoice("b", "2", "EUR", 5_000),
        invoice("c", "3", "EUR", 7_000),
        invoice("y", "4", "JPY", 7_000),
    ];
    let proposals = propose(
        &[
            credit(5_000, "EUR", "x"),
            credit(7_000, "EUR", "x"),
            credit(7_000, "EUR", "x"),
            credit(7_000, "CHF", "x"),
            credit(0, "EUR", "x"),
            credit(1_000, "JPY", "Rechnung 3"),
        ],
        &open,
    );
    let matched: Vec<Match> = proposals.into_iter().map(|p| p.matched).collect();
    assert_eq!(
        matched,
        vec![
            Match::None,
            Match::Amount {
                invoice: "c".into()
            },
            Match::None,
            Match::OtherCurrency,
            Match::None,
            Match::OtherCurrency,
        ]
    );
}

#[test]
fn a_second_payment_after_the_exact_one_is_reported_as_excess() {
    let open = vec![invoice("a", "2026-0001", "EUR", 5_000)];
    let credits = [
        credit(5_000, "EUR", "2026-0001"),
        credit(2_000, "EUR", "2026-0001"),
    ];
    let proposals = propose(&credits, &open);
    assert_eq!(
        proposals[1].matched,
        Match::Reference {
            invoice: "a".into(),
            kind: Fit::Over {
                excess_minor: 2_000
            }
        }
    );
    assert!(propose(&[], &open).is_empty());
    assert_eq!(propose(&credits, &[])[0].matched, Match::OtherCurrency);
}

fn any_invoices() -> impl Strategy<Value = Vec<OpenInvoice>> {
    proptest::collection::vec(
        (proptest::sample::select(vec!["EUR", "USD"]), 1i64..20_000),
        0..6,
    )
    .prop_map(|list| {
        list.into_iter()
            .enumerate()
            .map(|(i, (currency, owed))| {
                invoice(&format!("i{i}"), &format!("2026-{i:04}"), currency, owed)
            })
            .collect()
    })
}

fn any_credits() -> impl Strategy<Value = Vec<Credit>> {
    proptest::collection::vec(
        (
            proptest::sample::select(vec!["EUR", "USD", "CHF"]),
            1i64..20_000,
            0usize..8,
            any::<bool>(),
        ),
        0..12,
    )
    .prop_map(|list| {
        list.into_iter()
            .map(|(currency, amount, target, by_ref)| {
                let number = format!("2026-{target:04}");
                let text = if by_ref {
                    creditor_reference(&number.replace('-', ""))
                } else {
                    format!("Rechnung {number}")
                };
                credit(amount, currency, &text)
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn proposals_never_cross_currencies(credits in any_credits(), open in any_invoices()) {
        for p in propose(&credits, &open) {
            let invoice = match &p.matched {
                Match::Reference { invoice, .. } | Match::Amount { invoice } => invoice,
                Match::OtherCurrency | Match::None => continue,
            };
            let found = open.iter().find(|i| &i.id == invoice);
            prop_assert_eq!(found.map(|i| i.currency.as_str()), Some(credits[p.credit].currency.as_str()));
        }
    }

    #[test]
    fn reference_payments_add_up_to_what_was_owed_plus_the_excess(
        credits in any_credits(), open in any_invoices()
    ) {
        let proposals = propose(&credits, &open);
        prop_assert_eq!(proposals.len(), credits.len());
        for invoice in &open {
            let mut paid = 0;
            let mut excess = 0;
            for p in &proposals {
                if let Match::Reference { invoice: id, kind } = &p.matched {
                    if id == &invoice.id {
                        paid += credits[p.credit].amount_minor;
                        if let Fit::Over { excess_minor } = kind {
                            excess += excess_minor;
                        }
                    }
                }
            }
            prop_assert_eq!(paid, paid.min(invoice.outstanding_minor) + excess);
        }
    }

    #[test]
    fn random_bytes_never_panic_a_reader(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
        // Neither is a CAMT document nor has the mapping's header, so both are refused, calmly.
        prop_assert!(parse_camt053(&bytes).is_err());
        prop_assert!(parse_csv(&bytes, &mapping(), "EUR").is_err());
    }
}

#[test]
fn zero_entries_are_passed_over_and_negative_amounts_refused() {
    let entry = |amount: &str| {
        format!(
            "<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>\
             <BookgDt><Dt>2026-01-01</Dt></BookgDt></Ntry>"
        )
    };
    let doc = |entries: &str| {
        format!("<Document><BkToCstmrStmt><Stmt>{entries}</Stmt></BkToCstmrStmt></Document>")
    };
    let both = doc(&format!("{}{}", entry("0.00"), entry("1.00")));
    let statement = parse_camt053(both.as_bytes()).expect("parses");
    assert_eq!(statement.credits.len(), 1);
    assert_eq!(statement.credits[0].amount_minor, 100);
    assert_eq!(
        parse_camt053(doc(&entry("-1.00")).as_bytes()),
        Err(StatementError::Entry {
            entry: 1,
            field: Field::Amount
        })
    );
}
