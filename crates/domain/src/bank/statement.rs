//! What a bank statement says, whatever its format: the credits to match, and why a file is
//! refused.

use std::collections::HashMap;

use jiff::civil::Date;
use sha2::{Digest, Sha256};

/// The largest statement file read: a year of a busy practice's CAMT is far below this, and the
/// limit is checked before any parsing so that a huge upload costs nothing.
pub const MAX_STATEMENT_BYTES: usize = 10 * 1024 * 1024;

/// Money that came in: one booked credit (or one transaction of a batched credit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit {
    /// Stable for the same bank entry across imports, so a statement uploaded twice (or two
    /// overlapping ones) records nothing twice: the bank's own reference (AcctSvcrRef, else
    /// NtryRef; a batch's transaction adds its own or its position), else "sha256:" and the hash
    /// of the entry's fields, with "#2", "#3" … for identical entries within one file.
    pub entry_key: String,
    pub booked_on: Date,
    /// Positive, in minor units of `currency`.
    pub amount_minor: i64,
    pub currency: String,
    /// Who paid, as the bank names them; may be empty.
    pub counterparty: String,
    /// The payment text: the unstructured lines joined by spaces, then the structured reference.
    pub remittance: String,
    /// The payer's IBAN as the bank gives it (compacted, upper case), when it gives one.
    pub iban: Option<String>,
}

/// The credits of one statement file. Debits are counted, not kept: billing needs only what
/// came in, and the therapist's own spending is none of the practice software's business.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statement {
    pub account_iban: Option<String>,
    pub currency: Option<String>,
    pub credits: Vec<Credit>,
    pub debits_skipped: usize,
}

/// A field of a statement row or entry, named in an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Date,
    Amount,
    Currency,
    Text,
    Counterparty,
}

impl Field {
    /// The i18n key naming the field in a message.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Date => "statement-field-date",
            Self::Amount => "statement-field-amount",
            Self::Currency => "statement-field-currency",
            Self::Text => "statement-field-text",
            Self::Counterparty => "statement-field-counterparty",
        }
    }
}

/// Why a statement file is refused. `key()` is the message shown next to the upload field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("the file is larger than 10 MiB")]
    TooLarge,
    #[error("the file has no entries")]
    Empty,
    #[error("the file cannot be read as a statement")]
    Malformed,
    #[error("the file is XML but not a CAMT.053 bank-to-customer statement")]
    NotCamt,
    /// The mapping names a column (by header or number) that the file does not have.
    #[error("the file has no column {column}")]
    CsvColumn { column: String },
    /// Row `row` (1-based, counting the header line) has a `field` that cannot be read.
    #[error("row {row}: the {field:?} cannot be read")]
    CsvRow { row: usize, field: Field },
    /// The `entry`-th (1-based) entry of a CAMT statement has a `field` that cannot be read.
    #[error("entry {entry}: the {field:?} cannot be read")]
    Entry { entry: usize, field: Field },
}

impl StatementError {
    /// The i18n message key for this error.
    pub fn key(&self) -> &'static str {
        match self {
            Self::TooLarge => "statement-error-too-large",
            Self::Empty => "statement-error-empty",
            Self::Malformed => "statement-error-malformed",
            Self::NotCamt => "statement-error-not-camt",
            Self::CsvColumn { .. } => "statement-error-csv-column",
            Self::CsvRow { .. } => "statement-error-csv-row",
            Self::Entry { .. } => "statement-error-entry",
        }
    }
}

/// Refuses a file over the limit or with nothing in it, before any parsing.
pub(crate) fn check_size(bytes: &[u8]) -> Result<(), StatementError> {
    if bytes.len() > MAX_STATEMENT_BYTES {
        Err(StatementError::TooLarge)
    } else if bytes.iter().all(u8::is_ascii_whitespace) {
        Err(StatementError::Empty)
    } else {
        Ok(())
    }
}

/// Gives every credit without a bank reference (an empty key) a key from the hash of its
/// fields; identical ones get "#2", "#3" … in file order, so the keys stay stable when the same
/// file comes again. Linear: one map of hashes seen.
pub(crate) fn fill_hash_keys(credits: &mut [Credit]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for credit in credits.iter_mut().filter(|c| c.entry_key.is_empty()) {
        let hash = field_hash(credit);
        let count = seen.entry(hash.clone()).or_insert(0);
        *count += 1;
        credit.entry_key = if *count == 1 {
            format!("sha256:{hash}")
        } else {
            format!("sha256:{hash}#{count}")
        };
    }
}

fn field_hash(credit: &Credit) -> String {
    let mut hasher = Sha256::new();
    let date = credit.booked_on.to_string();
    let amount = credit.amount_minor.to_string();
    let iban = credit.iban.as_deref().unwrap_or("");
    for part in [
        date.as_str(),
        amount.as_str(),
        &credit.currency,
        &credit.counterparty,
        &credit.remittance,
        iban,
    ] {
        // Length-prefixed, so that moving text from one field to the next changes the hash.
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `text` is an ISO 4217-shaped code: three upper-case ASCII letters.
pub(crate) fn is_currency_code(text: &str) -> bool {
    text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credit(remittance: &str) -> Credit {
        Credit {
            entry_key: String::new(),
            booked_on: jiff::civil::date(2026, 1, 15),
            amount_minor: 8000,
            currency: "EUR".into(),
            counterparty: "A".into(),
            remittance: remittance.into(),
            iban: None,
        }
    }

    #[test]
    fn identical_entries_get_distinct_stable_keys() {
        let mut credits = vec![credit("x"), credit("x"), credit("y")];
        credits[2].entry_key = "BANKREF".into();
        fill_hash_keys(&mut credits);
        assert!(credits[0].entry_key.starts_with("sha256:"));
        assert_eq!(credits[1].entry_key, format!("{}#2", credits[0].entry_key));
        assert_eq!(credits[2].entry_key, "BANKREF");
        let mut again = vec![credit("x")];
        fill_hash_keys(&mut again);
        assert_eq!(again[0].entry_key, credits[0].entry_key);
    }

    #[test]
    fn moving_text_between_fields_changes_the_key() {
        let mut a = vec![credit("B")];
        let mut b = vec![credit("")];
        b[0].counterparty = "AB".into();
        fill_hash_keys(&mut a);
        fill_hash_keys(&mut b);
        assert_ne!(a[0].entry_key, b[0].entry_key);
    }

    #[test]
    fn size_is_checked_before_parsing() {
        assert_eq!(check_size(b""), Err(StatementError::Empty));
        assert_eq!(check_size(b" \r\n\t"), Err(StatementError::Empty));
        let huge = vec![b'a'; MAX_STATEMENT_BYTES + 1];
        assert_eq!(check_size(&huge), Err(StatementError::TooLarge));
        assert_eq!(check_size(b"x"), Ok(()));
    }
}
