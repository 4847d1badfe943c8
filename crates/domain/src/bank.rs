//! Bank logic for billing: IBANs and creditor references, the EPC GiroCode payload, bank
//! statements (CAMT.053 and CSV) and proposing which credit pays which invoice. Pure: the caller
//! reads the upload and stores what the therapist confirms.
//!
//! Money is integer minor units of the currency (`minor_digits` says how many), never floats.

mod amount;
mod camt;
mod csv_statement;
mod epc;
mod iban;
mod matching;
mod statement;

pub use amount::{minor_digits, parse_amount};
pub use camt::parse_camt053;
pub use csv_statement::{parse_csv, ColumnRef, CsvMapping, DateFormat};
pub use epc::{epc_payload, Reference, Transfer, EPC_MAX_BYTES};
pub use iban::{
    creditor_reference, is_creditor_reference, normalize_iban, print_groups, valid_bic,
};
pub use matching::{propose, Fit, Match, OpenInvoice, Proposal};
pub use statement::{Credit, Field, Statement, StatementError, MAX_STATEMENT_BYTES};

/// Why an IBAN, a BIC, a reference or a transfer is refused. `key()` names the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    #[error("the IBAN has characters other than letters and digits, or no country code")]
    IbanShape,
    #[error("the IBAN's country is not one we know the length of")]
    IbanCountry,
    #[error("an IBAN of this country has {expected} characters, this one has {given}")]
    IbanLength { expected: usize, given: usize },
    #[error("the IBAN's check digits do not match")]
    IbanChecksum,
    #[error("the BIC is not 8 or 11 letters and digits of the right shape")]
    Bic,
    #[error("the payee's name is empty, longer than 70 characters or has a line break")]
    Name,
    #[error("the amount is not between 0.01 and 999,999,999.99")]
    Amount,
    #[error("a GiroCode can only carry euros")]
    Currency,
    #[error("the structured reference is not a valid RF creditor reference")]
    Reference,
    #[error("the payment text is longer than 140 characters or has a line break")]
    Text,
    #[error("the payload would be longer than the 331 bytes a GiroCode may carry")]
    TooLong,
}

impl BankError {
    /// The i18n message key for this error.
    pub fn key(&self) -> &'static str {
        match self {
            Self::IbanShape => "bank-error-iban-shape",
            Self::IbanCountry => "bank-error-iban-country",
            Self::IbanLength { .. } => "bank-error-iban-length",
            Self::IbanChecksum => "bank-error-iban-checksum",
            Self::Bic => "bank-error-bic",
            Self::Name => "bank-error-name",
            Self::Amount => "bank-error-amount",
            Self::Currency => "bank-error-currency",
            Self::Reference => "bank-error-reference",
            Self::Text => "bank-error-text",
            Self::TooLong => "bank-error-too-long",
        }
    }
}
