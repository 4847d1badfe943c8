//! Money: integer minor units of one ISO 4217 currency, never floats, and the few places billing
//! rounds (a session of another length than the fee's, a percentage of a fee). Rounding is half
//! away from zero ("commercial rounding"), the rule invoices in every jurisdiction we serve use.

/// Whether `code` has the shape of an ISO 4217 code: three ASCII capital letters. Which currency a
/// practice bills in is its own setting; nothing here assumes one.
pub fn valid_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// The currencies ISO 4217 lists as in use (funds and precious metals left out).
pub const ISO_4217: &str = "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

/// Whether `code` is a currency ISO 4217 lists as in use.
pub fn known_currency(code: &str) -> bool {
    valid_currency(code) && ISO_4217.split(' ').any(|c| c == code)
}

/// How many digits a currency's minor unit has (ISO 4217's exponent): the bank files' table.
pub use crate::bank::minor_digits;

/// `numerator / denominator` rounded half away from zero. `None` when the denominator is zero or
/// the result does not fit.
pub fn round_div(numerator: i128, denominator: i128) -> Option<i64> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = if denominator < 0 {
        (numerator.checked_neg()?, denominator.checked_neg()?)
    } else {
        (numerator, denominator)
    };
    let q = n / d;
    let r = n % d;
    let q = if r.unsigned_abs() * 2 >= d.unsigned_abs() {
        q + n.signum()
    } else {
        q
    };
    i64::try_from(q).ok()
}

/// The fee for a session of `minutes` when `fee` is agreed for `standard_minutes` (a double
/// session, a shortened one): proportional, rounded half away from zero.
pub fn prorate(fee: i64, standard_minutes: u32, minutes: u32) -> Option<i64> {
    round_div(
        i128::from(fee) * i128::from(minutes),
        i128::from(standard_minutes),
    )
}

/// `basis_points` (1/100 of a percent) of `amount`, rounded half away from zero: a sliding-scale
/// reduction of 25 % is 2500.
pub fn percent(amount: i64, basis_points: u32) -> Option<i64> {
    round_div(i128::from(amount) * i128::from(basis_points), 10_000)
}

/// An amount as plain digits with a dot before the minor unit ("1234.50", "-3.05", "1200" for
/// JPY): what bank files, QR payloads and the accountant's CSV carry.
pub fn plain(minor: i64, digits: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(digits);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = digits as usize
    )
}

/// Why a typed amount was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountError {
    Empty,
    /// Not a number as people type them.
    Malformed,
    /// More decimals than the currency has.
    TooPrecise,
    TooLarge,
}

impl AmountError {
    /// The message key shown next to the field.
    pub fn key(self) -> &'static str {
        match self {
            AmountError::Empty => "error-required",
            AmountError::Malformed => "error-amount-malformed",
            AmountError::TooPrecise => "error-amount-precise",
            AmountError::TooLarge => "error-amount-large",
        }
    }
}

/// The largest amount a single field takes: ten million in major units. Sums of many such
/// amounts still fit an `i64` with room to spare.
pub const AMOUNT_MAX_MAJOR: i64 = 10_000_000;

/// An amount as a person types it, in minor units of a currency with `digits` decimals: "80",
/// "80.5", "80,50", "1,234.50", "1.234,50", "1 234,50", with an optional leading minus. The last
/// dot or comma is the decimal mark when at most `digits` digits follow it; every other one groups
/// thousands (so "1,234" is one thousand two hundred and thirty-four in a two-decimal currency).
pub fn parse_amount(text: &str, digits: u32) -> Result<i64, AmountError> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    if t.is_empty() {
        return Err(AmountError::Empty);
    }
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    if t.is_empty()
        || t.len() > 40
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(AmountError::Malformed);
    }
    let (whole, fraction) = match t.rfind(['.', ',']) {
        Some(at) => {
            let after = &t[at + 1..];
            if after.is_empty() {
                return Err(AmountError::Malformed);
            }
            if after.len() <= digits as usize || (after.len() != 3 && !after.contains(['.', ','])) {
                (&t[..at], after)
            } else {
                (t, "")
            }
        }
        None => (t, ""),
    };
    if fraction.len() > digits as usize {
        return Err(AmountError::TooPrecise);
    }
    // Grouping marks: each group after the first has exactly three digits.
    let groups: Vec<&str> = whole.split(['.', ',']).collect();
    if groups[0].is_empty() && groups.len() > 1
        || groups.iter().skip(1).any(|g| g.len() != 3)
        || (groups.len() > 1 && whole.contains('.') && whole.contains(','))
    {
        return Err(AmountError::Malformed);
    }
    let whole: String = groups.concat();
    let whole = if whole.is_empty() { "0" } else { &whole };
    if whole.len() > 12 {
        return Err(AmountError::TooLarge);
    }
    let major: i64 = whole.parse().map_err(|_| AmountError::Malformed)?;
    if major > AMOUNT_MAX_MAJOR {
        return Err(AmountError::TooLarge);
    }
    let mut minor_text = fraction.to_string();
    while minor_text.len() < digits as usize {
        minor_text.push('0');
    }
    let minor: i64 = if minor_text.is_empty() {
        0
    } else {
        minor_text.parse().map_err(|_| AmountError::Malformed)?
    };
    let value = major * 10i64.pow(digits) + minor;
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_have_their_own_minor_units() {
        assert_eq!(minor_digits("EUR"), 2);
        assert_eq!(minor_digits("JPY"), 0);
        assert_eq!(minor_digits("KWD"), 3);
        assert!(valid_currency("CHF"));
        for bad in ["", "eur", "EURO", "E1R", "€"] {
            assert!(!valid_currency(bad), "{bad}");
        }
        assert!(known_currency("EUR") && known_currency("JPY") && known_currency("CHF"));
        for unknown in ["EUX", "XAU", "eur", "EU", "E UR"] {
            assert!(!known_currency(unknown), "{unknown}");
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_div(5, 2), Some(3));
        assert_eq!(round_div(-5, 2), Some(-3));
        assert_eq!(round_div(4, 3), Some(1));
        assert_eq!(round_div(5, 3), Some(2));
        assert_eq!(round_div(1, 0), None);
        assert_eq!(round_div(7, -2), Some(-4));
        assert_eq!(prorate(9000, 50, 75), Some(13500));
        assert_eq!(prorate(8333, 50, 25), Some(4167));
        assert_eq!(percent(9000, 2500), Some(2250));
        assert_eq!(percent(1, 5000), Some(1));
        assert_eq!(round_div(i128::MAX, 1), None);
    }

    #[test]
    fn plain_amounts() {
        assert_eq!(plain(123450, 2), "1234.50");
        assert_eq!(plain(-305, 2), "-3.05");
        assert_eq!(plain(1200, 0), "1200");
        assert_eq!(plain(5, 3), "0.005");
    }

    #[test]
    fn amounts_as_people_type_them() {
        let ok = |t: &str, d: u32| parse_amount(t, d).unwrap();
        assert_eq!(ok("80", 2), 8000);
        assert_eq!(ok("80.5", 2), 8050);
        assert_eq!(ok("80,50", 2), 8050);
        assert_eq!(ok("1,234.50", 2), 123450);
        assert_eq!(ok("1.234,50", 2), 123450);
        assert_eq!(ok("1 234,50", 2), 123450);
        assert_eq!(ok("1,234", 2), 123400);
        assert_eq!(ok("1.234.567", 2), 123456700);
        assert_eq!(ok("-80", 2), -8000);
        assert_eq!(ok(" 0,05 ", 2), 5);
        assert_eq!(ok("1200", 0), 1200);
        assert_eq!(ok("1,200", 0), 1200);
        assert_eq!(ok("1.005", 3), 1005);
    }

    #[test]
    fn refused_amounts_say_why() {
        let err = |t: &str| parse_amount(t, 2).unwrap_err();
        assert_eq!(err(""), AmountError::Empty);
        assert_eq!(err("   "), AmountError::Empty);
        // Three digits after the only mark group thousands, as in "1,234".
        assert_eq!(parse_amount("80.505", 2), Ok(8_050_500));
        assert_eq!(err("eighty"), AmountError::Malformed);
        assert_eq!(err("80."), AmountError::Malformed);
        assert_eq!(err("1,23,4"), AmountError::Malformed);
        assert_eq!(err("1.234,5.6"), AmountError::Malformed);
        assert_eq!(err("<script>"), AmountError::Malformed);
        assert_eq!(err("--5"), AmountError::Malformed);
        assert_eq!(err("1e5"), AmountError::Malformed);
        assert_eq!(err(&"9".repeat(10_000)), AmountError::Malformed);
        assert_eq!(err("99999999999"), AmountError::TooLarge);
        assert_eq!(err("10000001"), AmountError::TooLarge);
        assert_eq!(parse_amount("1.5", 0), Err(AmountError::TooPrecise));
    }
}
