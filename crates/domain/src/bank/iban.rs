//! IBANs, BICs and ISO 11649 creditor references ("RF…"): shapes and ISO 7064 mod-97 checks.

use super::BankError;

/// IBAN lengths of the SEPA countries (with the United Kingdom and Switzerland among them) and
/// the four that joined in 2024/25. A country outside the table is refused: an IBAN we cannot
/// check the length of is one we cannot vouch for on an invoice.
const LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AL", 28),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

/// The longest body of a creditor reference (25 characters in all, less "RF" and two digits).
pub const REFERENCE_BODY_MAX: usize = 21;

/// The IBAN in its electronic form (no spaces, upper case) if it is one: a known country, that
/// country's length, letters and digits only, and check digits that make mod 97 equal 1.
pub fn normalize_iban(text: &str) -> Result<String, BankError> {
    let iban: String = compact(text);
    let bytes = iban.as_bytes();
    if bytes.len() < 4
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes.iter().all(u8::is_ascii_alphanumeric)
    {
        return Err(BankError::IbanShape);
    }
    let expected = country_length(&iban[..2]).ok_or(BankError::IbanCountry)?;
    if iban.len() != expected {
        return Err(BankError::IbanLength {
            expected,
            given: iban.len(),
        });
    }
    let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
    if mod97(&rearranged) != Some(1) {
        return Err(BankError::IbanChecksum);
    }
    Ok(iban)
}

/// Whether `text` has the shape of a BIC (ISO 9362): four letters for the bank, two for the
/// country, two letters or digits for the place, and optionally three for the branch. Case and
/// surrounding spaces are forgiven; the payload writes it upper case.
pub fn valid_bic(text: &str) -> bool {
    let bic = text.trim().to_ascii_uppercase();
    let b = bic.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..].iter().all(u8::is_ascii_alphanumeric)
}

/// The ISO 11649 creditor reference for `body`: "RF", two check digits, the body.
///
/// The body should be ASCII letters and digits, at most 21 (an invoice's sequence number is).
/// So that the result always validates, anything else is dropped, letters are upper-cased and
/// a longer body is cut to its last 21 characters (the end of a sequence is what differs).
pub fn creditor_reference(body: &str) -> String {
    let clean: Vec<char> = body
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let start = clean.len().saturating_sub(REFERENCE_BODY_MAX);
    let mut body: String = clean[start..].iter().collect();
    if body.is_empty() {
        body.push('0');
    }
    let remainder = mod97(&format!("{body}RF00")).unwrap_or(0);
    format!("RF{:02}{body}", 98 - remainder)
}

/// Whether `text` (spaces allowed, any case) is a creditor reference whose check digits hold.
pub fn is_creditor_reference(text: &str) -> bool {
    let r = compact(text);
    let b = r.as_bytes();
    b.len() >= 5
        && b.len() <= 4 + REFERENCE_BODY_MAX
        && r.starts_with("RF")
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..].iter().all(u8::is_ascii_alphanumeric)
        && mod97(&format!("{}{}", &r[4..], &r[..4])) == Some(1)
}

/// `text` without spaces, in groups of four for print ("RF18 5390 0754 7034"), as IBANs and
/// references are printed so that a person can read them aloud and type them.
pub fn print_groups(text: &str) -> String {
    let chars: Vec<char> = compact(text).chars().collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The length an IBAN of `country` has, when the country is in the table.
pub(crate) fn country_length(country: &str) -> Option<usize> {
    LENGTHS
        .iter()
        .find(|(code, _)| *code == country)
        .map(|(_, len)| *len)
}

/// Whitespace removed, letters upper-cased: the electronic form of an IBAN or reference.
pub(crate) fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// ISO 7064 MOD 97-10 over letters (A = 10 … Z = 35) and digits, digit by digit so that any
/// length fits; `None` for any other character.
fn mod97(text: &str) -> Option<u32> {
    let mut rem = 0u32;
    for c in text.chars() {
        let value = c.to_digit(36)?;
        rem = if value < 10 {
            (rem * 10 + value) % 97
        } else {
            (rem * 100 + value) % 97
        };
    }
    Some(rem)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The IBAN with check digits computed for `country` and `bban`.
    pub(crate) fn iban_for(country: &str, bban: &str) -> String {
        let remainder = mod97(&format!("{bban}{country}00")).unwrap_or(0);
        format!("{country}{:02}{bban}", 98 - remainder)
    }

    #[test]
    fn known_ibans_validate_in_print_and_electronic_form() {
        assert_eq!(
            normalize_iban("DE89 3704 0044 0532 0130 00").as_deref(),
            Ok("DE89370400440532013000")
        );
        assert_eq!(
            normalize_iban("gb82 west 1234 5698 7654 32").as_deref(),
            Ok("GB82WEST12345698765432")
        );
        assert!(normalize_iban("CH9300762011623852957").is_ok());
        assert!(normalize_iban("NO9386011117947").is_ok());
        assert!(normalize_iban("MT84MALT011000012345MTLCAST001S").is_ok());
    }

    #[test]
    fn wrong_ibans_say_what_is_wrong() {
        assert_eq!(
            normalize_iban("DE89370400440532013001"),
            Err(BankError::IbanChecksum)
        );
        assert_eq!(
            normalize_iban("DE8937040044053201300"),
            Err(BankError::IbanLength {
                expected: 22,
                given: 21
            })
        );
        assert_eq!(
            normalize_iban("XX89370400440532013000"),
            Err(BankError::IbanCountry)
        );
        assert_eq!(normalize_iban(""), Err(BankError::IbanShape));
        assert_eq!(normalize_iban("DE89-3704"), Err(BankError::IbanShape));
        assert_eq!(normalize_iban("1289370400"), Err(BankError::IbanShape));
        assert_eq!(normalize_iban("DEÄ9370400"), Err(BankError::IbanShape));
        assert_eq!(
            normalize_iban(&"DE".repeat(10_000)),
            Err(BankError::IbanShape)
        );
    }

    #[test]
    fn bics_of_eight_and_eleven_validate() {
        assert!(valid_bic("COBADEFFXXX"));
        assert!(valid_bic("deutdeff"));
        assert!(valid_bic("UBSWCHZH80A"));
        assert!(!valid_bic("COBADEFF1"));
        assert!(!valid_bic("C0BADEFF"));
        assert!(!valid_bic(""));
        assert!(!valid_bic("COBADEFFXX€"));
    }

    #[test]
    fn the_iso_example_reference_is_reproduced() {
        // ISO 11649's own example.
        assert_eq!(creditor_reference("539007547034"), "RF18539007547034");
        assert!(is_creditor_reference("RF18 5390 0754 7034"));
        assert!(is_creditor_reference("rf18539007547034"));
        assert_eq!(print_groups("RF18539007547034"), "RF18 5390 0754 7034");
        assert_eq!(print_groups(""), "");
    }

    #[test]
    fn references_are_refused_when_malformed() {
        assert!(!is_creditor_reference(""));
        assert!(!is_creditor_reference("RF18"));
        assert!(!is_creditor_reference("RF19539007547034"));
        assert!(!is_creditor_reference("XX18539007547034"));
        assert!(!is_creditor_reference("RF18-539007547034"));
        assert!(!is_creditor_reference(&format!("RF18{}", "1".repeat(22))));
    }

    #[test]
    fn odd_bodies_still_give_a_valid_reference() {
        for body in ["", "!!", "2026/0001", "a-b", &"9".repeat(40), "ÄÖÜ1"] {
            let reference = creditor_reference(body);
            assert!(is_creditor_reference(&reference), "{body:?} → {reference}");
        }
        assert_eq!(creditor_reference(&"12345".repeat(8)).len(), 25);
    }

    fn body() -> impl Strategy<Value = String> {
        "[A-Z0-9]{1,21}"
    }

    /// One position of `text` and a different character of the same kind (digit for digit,
    /// letter for letter): mod 97 catches every such substitution. A letter for a digit changes
    /// the length of the number being checked and is caught only with probability 96/97.
    fn substitute(text: &str, at: usize, pick: u8) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        let i = at % chars.len();
        let old = chars[i];
        let (alphabet, len): (&[u8], u8) = if old.is_ascii_digit() {
            (b"0123456789", 10)
        } else {
            (b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26)
        };
        let mut new = char::from(alphabet[usize::from(pick % len)]);
        if new == old {
            new = char::from(alphabet[usize::from((pick + 1) % len)]);
        }
        chars[i] = new;
        chars.into_iter().collect()
    }

    proptest! {
        #[test]
        fn every_generated_reference_validates(body in body()) {
            let reference = creditor_reference(&body);
            prop_assert!(is_creditor_reference(&reference));
            prop_assert!(is_creditor_reference(&print_groups(&reference)));
            prop_assert!(reference.ends_with(&body));
        }

        #[test]
        fn changing_one_character_breaks_a_reference(body in body(), at in 0usize..25, pick in 0u8..26) {
            let reference = creditor_reference(&body);
            let changed = substitute(&reference, at, pick);
            prop_assert!(!is_creditor_reference(&changed), "{} → {}", reference, changed);
        }

        #[test]
        fn check_digits_for_random_bbans_validate(
            country in proptest::sample::select(LENGTHS.to_vec()),
            digits in "[0-9A-Z]{30}",
        ) {
            let (code, len) = country;
            let iban = iban_for(code, &digits[..len - 4]);
            prop_assert_eq!(normalize_iban(&iban), Ok(iban.clone()));
            prop_assert_eq!(normalize_iban(&print_groups(&iban).to_lowercase()), Ok(iban.clone()));
        }

        #[test]
        fn changing_one_bban_digit_breaks_an_iban(digits in "[0-9]{18}", at in 4usize..22, pick in 0u8..10) {
            let iban = iban_for("DE", &digits);
            let changed = substitute(&iban, at, pick);
            prop_assert_eq!(normalize_iban(&changed), Err(BankError::IbanChecksum));
        }

        #[test]
        fn nothing_panics_on_arbitrary_text(text in "\\PC{0,60}") {
            let _ = normalize_iban(&text);
            let _ = valid_bic(&text);
            let _ = is_creditor_reference(&text);
            prop_assert!(is_creditor_reference(&creditor_reference(&text)));
        }
    }
}
