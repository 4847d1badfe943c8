//! ISO 20022 CAMT.053 (bank-to-customer statement), versions .001.02 to .001.08: elements are
//! matched by local name, so the namespace's version does not matter.
//!
//! roxmltree refuses a DOCTYPE by default, and it stays so: no external entities (XXE) and no
//! entity expansion ("billion laughs") can reach this parser.

use jiff::civil::Date;
use roxmltree::{Document, Node, ParsingOptions};

use super::amount::parse_amount;
use super::iban::compact;
use super::statement::{
    check_size, fill_hash_keys, is_currency_code, Credit, Field, Statement, StatementError,
};

/// More nodes than any statement under the size limit has; a guard against pathological XML.
const NODES_LIMIT: u32 = 4_000_000;

/// Reads a CAMT.053 file: every statement's credit entries (one credit per transaction of a
/// batch that gives each its own amount), the debits counted.
pub fn parse_camt053(bytes: &[u8]) -> Result<Statement, StatementError> {
    check_size(bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|_| StatementError::Malformed)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
    };
    let doc = Document::parse_with_options(text, options).map_err(|_| StatementError::Malformed)?;
    let report = child(doc.root_element(), "BkToCstmrStmt")
        .filter(|_| doc.root_element().tag_name().name() == "Document")
        .ok_or(StatementError::NotCamt)?;
    let mut statement = Statement::default();
    let mut entries = 0;
    for stmt in children(report, "Stmt") {
        let account = child(stmt, "Acct");
        if statement.account_iban.is_none() {
            statement.account_iban = account
                .and_then(|a| path(a, &["Id", "IBAN"]))
                .map(|n| compact(&text_of(n)));
        }
        if statement.currency.is_none() {
            statement.currency = account.and_then(|a| child(a, "Ccy")).map(text_of);
        }
        for entry in children(stmt, "Ntry") {
            entries += 1;
            read_entry(entry, entries, &mut statement)?;
        }
    }
    if entries == 0 {
        return Err(StatementError::Empty);
    }
    fill_hash_keys(&mut statement.credits);
    Ok(statement)
}

/// One `Ntry`: skipped (and counted) when a debit, else one credit per transaction.
fn read_entry(entry: Node, n: usize, statement: &mut Statement) -> Result<(), StatementError> {
    let error = |field| StatementError::Entry { entry: n, field };
    match child(entry, "CdtDbtInd").map(text_of).as_deref() {
        Some("CRDT") => {}
        Some("DBIT") => {
            statement.debits_skipped += 1;
            return Ok(());
        }
        _ => return Err(error(Field::Amount)),
    }
    let (amount_minor, currency) = amount(entry).ok_or(error(Field::Amount))?;
    if amount_minor == 0 {
        // A zero entry (a fee waived, a notice) pays nothing; refusing the file for it would not help.
        return Ok(());
    }
    let booked_on = booking_date(entry).ok_or(error(Field::Date))?;
    let entry_key = bank_key(entry);
    let transactions: Vec<Node> = child(entry, "NtryDtls")
        .map(|d| children(d, "TxDtls").collect())
        .unwrap_or_default();
    let base = Credit {
        entry_key,
        booked_on,
        amount_minor,
        currency,
        counterparty: String::new(),
        remittance: String::new(),
        iban: None,
    };
    let each_has_amount =
        transactions.len() > 1 && transactions.iter().all(|tx| tx_amount(*tx).is_some());
    if each_has_amount {
        for (i, tx) in transactions.iter().enumerate() {
            let Some((amount, currency)) = tx_amount(*tx) else {
                continue;
            };
            if amount == 0 {
                continue;
            }
            if tx_is_debit(*tx) {
                statement.debits_skipped += 1;
                continue;
            }
            let mut credit = described(base.clone(), &[*tx]);
            credit.amount_minor = amount;
            credit.currency = currency;
            credit.entry_key = tx_key(*tx, &base.entry_key, i + 1);
            statement.credits.push(credit);
        }
    } else {
        statement.credits.push(described(base, &transactions));
    }
    Ok(())
}

/// The credit with the payer, text and IBAN of `transactions` (all of them, for an entry whose
/// batch does not split the amount).
fn described(mut credit: Credit, transactions: &[Node]) -> Credit {
    let mut names = Vec::new();
    let mut texts = Vec::new();
    for tx in transactions {
        if let Some(name) = debtor_name(*tx) {
            names.push(name);
        }
        if credit.iban.is_none() {
            credit.iban =
                path(*tx, &["RltdPties", "DbtrAcct", "Id", "IBAN"]).map(|n| compact(&text_of(n)));
        }
        if let Some(info) = child(*tx, "RmtInf") {
            texts.extend(children(info, "Ustrd").map(text_of));
            texts.extend(
                children(info, "Strd")
                    .filter_map(|s| path(s, &["CdtrRefInf", "Ref"]))
                    .map(text_of),
            );
        }
    }
    credit.counterparty = names.join(", ");
    credit.remittance = texts
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    credit
}

/// `RltdPties/Dbtr/Nm` (up to .07) or `RltdPties/Dbtr/Pty/Nm` (.08).
fn debtor_name(tx: Node) -> Option<String> {
    let debtor = path(tx, &["RltdPties", "Dbtr"])?;
    child(debtor, "Nm")
        .or_else(|| path(debtor, &["Pty", "Nm"]))
        .map(text_of)
        .filter(|n| !n.is_empty())
}

/// The entry's `Amt` and its `Ccy`, never negative (the indicator carries the sign).
fn amount(node: Node) -> Option<(i64, String)> {
    let amt = child(node, "Amt")?;
    let currency = amt.attribute("Ccy")?.trim().to_string();
    if !is_currency_code(&currency) {
        return None;
    }
    let minor = parse_amount(&text_of(amt), &currency, false).filter(|m| *m >= 0)?;
    Some((minor, currency))
}

/// A transaction's own amount: `Amt` (.03 on) or `AmtDtls/TxAmt/Amt` (.02).
fn tx_amount(tx: Node) -> Option<(i64, String)> {
    amount(tx).or_else(|| path(tx, &["AmtDtls", "TxAmt"]).and_then(amount))
}

fn tx_is_debit(tx: Node) -> bool {
    child(tx, "CdtDbtInd").is_some_and(|n| text_of(n) == "DBIT")
}

/// `BookgDt/Dt`, or the date part of `BookgDt/DtTm` as the bank wrote it.
fn booking_date(entry: Node) -> Option<Date> {
    let booked = child(entry, "BookgDt")?;
    let text = child(booked, "Dt")
        .or_else(|| child(booked, "DtTm"))
        .map(text_of)?;
    text.get(..10)?.parse().ok()
}

/// The bank's reference for the entry (AcctSvcrRef, else NtryRef), or empty for a hash later.
fn bank_key(entry: Node) -> String {
    ["AcctSvcrRef", "NtryRef"]
        .iter()
        .filter_map(|name| child(entry, name).map(text_of))
        .find(|r| !r.is_empty())
        .unwrap_or_default()
}

/// A batched transaction's key: its own AcctSvcrRef, else the entry's key and its position.
/// An entry without any reference leaves the key empty for the hash.
fn tx_key(tx: Node, entry_key: &str, position: usize) -> String {
    let own = path(tx, &["Refs", "AcctSvcrRef"])
        .map(text_of)
        .filter(|r| !r.is_empty());
    match own {
        Some(reference) => reference,
        None if entry_key.is_empty() => String::new(),
        None => format!("{entry_key}/{position}"),
    }
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

fn path<'a, 'i>(node: Node<'a, 'i>, names: &[&'static str]) -> Option<Node<'a, 'i>> {
    names.iter().try_fold(node, |at, name| child(at, name))
}

/// The element's text, trimmed, with runs of whitespace (line breaks in long names) as one space.
fn text_of(node: Node) -> String {
    node.text()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
