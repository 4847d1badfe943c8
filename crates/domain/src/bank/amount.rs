//! Amounts as banks write them, read into integer minor units by string arithmetic.

/// Currencies whose minor unit is not the hundredth (ISO 4217's exponent). Any other has 2.
const EXPONENTS: &[(&str, u32)] = &[
    ("BHD", 3),
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("PYG", 0),
    ("RWF", 0),
    ("TND", 3),
    ("UGX", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
];

/// How many digits after the decimal separator `currency` has (JPY 0, EUR 2, KWD 3).
pub fn minor_digits(currency: &str) -> u32 {
    EXPONENTS
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(currency.trim()))
        .map_or(2, |(_, digits)| *digits)
}

/// Reads an amount in `currency` into minor units, exactly: "1.234,56" (with `decimal_comma`)
/// or "1,234.56" is 123456 for EUR. A sign may lead ("-80,00", "+5") or trail ("80,00-"), as
/// German banks print debits; spaces, apostrophes and the other separator group thousands.
/// More decimals than the currency has are refused unless they are zeros, as is anything that
/// does not fit in an i64. `None` means "not an amount".
pub fn parse_amount(text: &str, currency: &str, decimal_comma: bool) -> Option<i64> {
    let (negative, unsigned) = split_sign(text.trim())?;
    let (decimal, grouping) = if decimal_comma {
        (',', '.')
    } else {
        ('.', ',')
    };
    let mut whole = String::new();
    let mut fraction: Option<String> = None;
    // Digits since the last thousands separator, once one was seen: groups must be of three.
    let mut group: Option<usize> = None;
    for c in unsigned.chars() {
        let separator = c == grouping || c == ' ' || c == '\'' || c == '\u{a0}';
        match &mut fraction {
            Some(f) if c.is_ascii_digit() => f.push(c),
            None if c.is_ascii_digit() => {
                whole.push(c);
                if let Some(n) = &mut group {
                    *n += 1;
                }
            }
            None if c == decimal && group.is_none_or(|n| n == 3) => fraction = Some(String::new()),
            None if separator && group.map_or((1..=3).contains(&whole.len()), |n| n == 3) => {
                group = Some(0);
            }
            _ => return None,
        }
    }
    if fraction.is_none() && group.is_some_and(|n| n != 3) {
        return None;
    }
    let fraction = fraction.unwrap_or_default();
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let digits = usize::try_from(minor_digits(currency)).ok()?;
    let (kept, dropped) = fraction.split_at(fraction.len().min(digits));
    if dropped.bytes().any(|b| b != b'0') {
        return None;
    }
    let mut minor: i64 = 0;
    let padded = kept.chars().chain(std::iter::repeat('0')).take(digits);
    for c in whole.chars().chain(padded) {
        let d = i64::from(c.to_digit(10)?);
        minor = minor.checked_mul(10)?.checked_add(d)?;
    }
    Some(if negative { -minor } else { minor })
}

/// The sign and the rest: a leading "+", "-" or "−", or a trailing "-".
fn split_sign(text: &str) -> Option<(bool, &str)> {
    if let Some(rest) = text.strip_prefix('-').or_else(|| text.strip_prefix('−')) {
        return Some((true, rest.trim_start()));
    }
    if let Some(rest) = text.strip_prefix('+') {
        return Some((false, rest.trim_start()));
    }
    if let Some(rest) = text.strip_suffix('-') {
        return Some((true, rest.trim_end()));
    }
    (!text.is_empty()).then_some((false, text))
}

/// `minor` units of `currency` written with a dot and the currency's decimals ("12.30").
pub(crate) fn format_minor(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(digits);
    let width = usize::try_from(digits).unwrap_or(2);
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_respect_the_currency_exponent() {
        assert_eq!(minor_digits("EUR"), 2);
        assert_eq!(minor_digits("jpy"), 0);
        assert_eq!(minor_digits("KWD"), 3);
        assert_eq!(minor_digits(""), 2);
        assert_eq!(parse_amount("1500", "JPY", false), Some(1500));
        assert_eq!(parse_amount("1.5", "JPY", false), None);
        assert_eq!(parse_amount("1.500", "KWD", false), Some(1500));
        assert_eq!(parse_amount("12.3", "EUR", false), Some(1230));
        assert_eq!(parse_amount("12.300", "EUR", false), Some(1230));
        assert_eq!(parse_amount("12.301", "EUR", false), None);
    }

    #[test]
    fn bank_notations_are_read() {
        assert_eq!(parse_amount("1.234,56", "EUR", true), Some(123_456));
        assert_eq!(parse_amount("1,234.56", "EUR", false), Some(123_456));
        assert_eq!(parse_amount("-80,00", "EUR", true), Some(-8000));
        assert_eq!(parse_amount("80,00-", "EUR", true), Some(-8000));
        assert_eq!(parse_amount("+ 5", "EUR", true), Some(500));
        assert_eq!(parse_amount("1'234.5", "CHF", false), Some(123_450));
        assert_eq!(parse_amount(",5", "EUR", true), Some(50));
        assert_eq!(parse_amount(" 7 ", "EUR", true), Some(700));
    }

    #[test]
    fn non_amounts_are_refused() {
        for text in [
            "",
            "-",
            "abc",
            "1,2,3",
            "1.234,56",
            "12e3",
            "0x10",
            ",",
            "--5",
            "1..2",
            ".5.",
            "NaN",
            "=1+1",
            "1 234,56 €",
        ] {
            assert_eq!(parse_amount(text, "EUR", false), None, "{text:?}");
        }
        assert_eq!(parse_amount("1.234.56", "EUR", true), None);
        assert_eq!(parse_amount("99999999999999999999", "EUR", false), None);
        assert_eq!(parse_amount(&"9".repeat(100_000), "EUR", false), None);
    }

    #[test]
    fn minor_units_format_with_the_currency_decimals() {
        assert_eq!(format_minor(1230, "EUR"), "12.30");
        assert_eq!(format_minor(5, "EUR"), "0.05");
        assert_eq!(format_minor(1500, "JPY"), "1500");
        assert_eq!(format_minor(-1500, "KWD"), "-1.500");
    }

    proptest! {
        #[test]
        fn formatted_amounts_read_back(minor in -1_000_000_000_000i64..1_000_000_000_000,
                                      currency in proptest::sample::select(vec!["EUR", "JPY", "KWD"])) {
            let text = format_minor(minor, currency);
            prop_assert_eq!(parse_amount(&text, currency, false), Some(minor));
            prop_assert_eq!(parse_amount(&text.replace('.', ","), currency, true), Some(minor));
        }

        #[test]
        fn nothing_panics_on_arbitrary_text(text in "\\PC{0,40}", comma in any::<bool>()) {
            let _ = parse_amount(&text, "EUR", comma);
        }
    }
}
