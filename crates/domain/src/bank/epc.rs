//! The EPC069-12 payload behind a "GiroCode" (SEPA credit transfer QR code), version 002:
//! what a banking app reads to fill in a transfer to the practice.

use super::amount::format_minor;
use super::iban::{compact, is_creditor_reference, normalize_iban, valid_bic};
use super::BankError;

/// The most a GiroCode payload may carry, in bytes.
pub const EPC_MAX_BYTES: usize = 331;
/// The largest amount a GiroCode may carry: 999,999,999.99 euros.
const MAX_AMOUNT_MINOR: i64 = 99_999_999_999;
const NAME_MAX: usize = 70;
const TEXT_MAX: usize = 140;

/// A transfer for the patient to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The payee: the practice's account holder.
    pub name: String,
    pub iban: String,
    /// May be left out within the EEA (version 002).
    pub bic: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub reference: Reference,
}

/// What the transfer says: a creditor reference the bank carries as such, or a free text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    /// An ISO 11649 "RF…" reference.
    Structured(String),
    /// Up to 140 characters.
    Text(String),
}

/// The payload for `transfer`: lines joined by "\n", nothing after the last filled field (the
/// standard leaves out trailing empty elements), so 10 lines with a structured reference and 11
/// with a text. Only euros: for any other currency there is no GiroCode.
pub fn epc_payload(transfer: &Transfer) -> Result<String, BankError> {
    if transfer.currency.trim() != "EUR" {
        return Err(BankError::Currency);
    }
    if !(1..=MAX_AMOUNT_MINOR).contains(&transfer.amount_minor) {
        return Err(BankError::Amount);
    }
    let name = transfer.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || has_control(name) {
        return Err(BankError::Name);
    }
    let iban = normalize_iban(&transfer.iban)?;
    let bic = match transfer.bic.as_deref().map(str::trim) {
        None | Some("") => String::new(),
        Some(bic) if valid_bic(bic) => bic.to_ascii_uppercase(),
        Some(_) => return Err(BankError::Bic),
    };
    let amount = format!("EUR{}", format_minor(transfer.amount_minor, "EUR"));
    let mut lines = vec!["BCD", "002", "1", "SCT", &bic, name, &iban, &amount, ""];
    let reference;
    let text;
    match &transfer.reference {
        Reference::Structured(r) => {
            reference = compact(r);
            if !is_creditor_reference(&reference) {
                return Err(BankError::Reference);
            }
            lines.push(&reference);
        }
        Reference::Text(t) => {
            text = t.trim().to_string();
            if text.chars().count() > TEXT_MAX || has_control(&text) {
                return Err(BankError::Text);
            }
            lines.push("");
            lines.push(&text);
        }
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let payload = lines.join("\n");
    if payload.len() > EPC_MAX_BYTES {
        return Err(BankError::TooLong);
    }
    Ok(payload)
}

/// A line break or other control character would shift every line after it.
fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::super::iban::creditor_reference;
    use super::super::iban::tests::iban_for;
    use super::*;
    use proptest::prelude::*;

    fn transfer(reference: Reference) -> Transfer {
        Transfer {
            name: "Praxis Dr. Anna Beispiel".into(),
            iban: "DE89 3704 0044 0532 0130 00".into(),
            bic: Some("cobadeffxxx".into()),
            amount_minor: 12_000,
            currency: "EUR".into(),
            reference,
        }
    }

    #[test]
    fn a_structured_reference_gives_the_hand_checked_payload() {
        let payload = epc_payload(&transfer(Reference::Structured(
            "RF18 5390 0754 7034".into(),
        )));
        // Checked by hand against EPC069-12 v3.0, section 5.3 (version 002, UTF-8, SCT).
        let expected = "BCD\n002\n1\nSCT\nCOBADEFFXXX\nPraxis Dr. Anna Beispiel\n\
                        DE89370400440532013000\nEUR120.00\n\nRF18539007547034";
        assert_eq!(payload.as_deref(), Ok(expected));
    }

    #[test]
    fn a_text_reference_fills_the_unstructured_line() {
        let mut t = transfer(Reference::Text("Rechnung 2026-0001".into()));
        t.bic = None;
        t.amount_minor = 1;
        let expected = "BCD\n002\n1\nSCT\n\nPraxis Dr. Anna Beispiel\n\
                        DE89370400440532013000\nEUR0.01\n\n\nRechnung 2026-0001";
        assert_eq!(epc_payload(&t).as_deref(), Ok(expected));
        t.reference = Reference::Text(String::new());
        assert_eq!(epc_payload(&t).map(|p| p.lines().count()), Ok(8));
    }

    #[test]
    fn what_a_girocode_cannot_carry_is_refused() {
        let ok = transfer(Reference::Text("x".into()));
        let refused = |change: fn(&mut Transfer), error| {
            let mut t = ok.clone();
            change(&mut t);
            assert_eq!(epc_payload(&t), Err(error));
        };
        refused(|t| t.currency = "USD".into(), BankError::Currency);
        refused(|t| t.currency = String::new(), BankError::Currency);
        refused(|t| t.amount_minor = 0, BankError::Amount);
        refused(|t| t.amount_minor = -5, BankError::Amount);
        refused(|t| t.amount_minor = 100_000_000_000, BankError::Amount);
        refused(|t| t.name = " ".into(), BankError::Name);
        refused(|t| t.name = "a".repeat(71), BankError::Name);
        refused(|t| t.name = "Anna\nEUR999".into(), BankError::Name);
        refused(
            |t| t.iban = "DE00370400440532013000".into(),
            BankError::IbanChecksum,
        );
        refused(|t| t.bic = Some("NOTABIC".into()), BankError::Bic);
        refused(
            |t| t.reference = Reference::Structured("RF00123".into()),
            BankError::Reference,
        );
        refused(
            |t| t.reference = Reference::Text("x".repeat(141)),
            BankError::Text,
        );
        refused(
            |t| t.reference = Reference::Text("a\r\nb".into()),
            BankError::Text,
        );
        refused(
            |t| {
                t.name = "€".repeat(70);
                t.reference = Reference::Text("€".repeat(140));
            },
            BankError::TooLong,
        );
        let mut max = ok.clone();
        max.amount_minor = MAX_AMOUNT_MINOR;
        assert!(epc_payload(&max).is_ok_and(|p| p.contains("EUR999999999.99")));
    }

    /// The fields a banking app would read back from a payload.
    fn read_back(payload: &str) -> (String, String, String, String, String, String) {
        let lines: Vec<&str> = payload.split('\n').collect();
        let at = |i: usize| lines.get(i).copied().unwrap_or("").to_string();
        (at(4), at(5), at(6), at(7), at(9), at(10))
    }

    fn any_transfer() -> impl Strategy<Value = Transfer> {
        (
            "[A-Za-zÄÖÜäöüß .&-]{0,69}",
            "[0-9]{18}",
            proptest::option::of("[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?"),
            1i64..=MAX_AMOUNT_MINOR,
            prop_oneof![
                "[0-9]{1,21}".prop_map(|b| Reference::Structured(creditor_reference(&b))),
                "[ -~äöü€]{0,140}".prop_map(Reference::Text),
            ],
        )
            .prop_map(|(name, bban, bic, amount_minor, reference)| Transfer {
                name: format!("P{name}"),
                iban: iban_for("DE", &bban),
                bic,
                amount_minor,
                currency: "EUR".into(),
                reference,
            })
    }

    proptest! {
        #[test]
        fn a_valid_transfer_fits_and_reads_back(t in any_transfer()) {
            match epc_payload(&t) {
                Ok(payload) => {
                    prop_assert!(payload.len() <= EPC_MAX_BYTES);
                    prop_assert!(!payload.ends_with('\n'));
                    let lines = payload.split('\n').count();
                    prop_assert!((8..=11).contains(&lines), "{} lines", lines);
                    let (bic, name, iban, amount, structured, text) = read_back(&payload);
                    prop_assert_eq!(bic, t.bic.clone().unwrap_or_default());
                    prop_assert_eq!(name, t.name.trim());
                    prop_assert_eq!(iban, t.iban.clone());
                    prop_assert_eq!(amount, format!("EUR{}", format_minor(t.amount_minor, "EUR")));
                    match &t.reference {
                        Reference::Structured(r) => {
                            prop_assert_eq!(lines, 10);
                            prop_assert_eq!(&structured, r);
                            prop_assert_eq!(text, "");
                        }
                        Reference::Text(x) => {
                            prop_assert!(lines == 11 || x.trim().is_empty());
                            prop_assert_eq!(structured, "");
                            prop_assert_eq!(text, x.trim());
                        }
                    }
                }
                Err(e) => prop_assert_eq!(e, BankError::TooLong),
            }
        }
    }
}
