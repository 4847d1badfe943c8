//! Query parameters from outside, as the public API reads them: a page number, a date or an
//! instant, a time zone. Each parser answers `Ok(None)` for an absent or empty value, `Ok(Some)`
//! for one it understands and `Err` for one it refuses, so the API can say which parameter was
//! wrong instead of quietly reading something else. The OpenAPI document states the same rules.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A parameter that was given but does not say what its name promises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the parameter is not understood")]
pub struct Refused;

/// The longest zone name taken (the longest in the tz database is 32 characters).
pub const ZONE_MAX: usize = 64;

/// A page number: decimal digits making at least 1 (the document's `minimum: 1`). A number past
/// the last page asks for the last page, so one too large for 32 bits is read as the largest.
/// Absent is page 1; an empty value, a sign, a fraction, 0 or text is refused.
pub fn page(raw: Option<&str>) -> Result<Option<u32>, Refused> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refused);
    }
    if raw.bytes().all(|b| b == b'0') {
        return Err(Refused);
    }
    Ok(Some(raw.parse::<u32>().unwrap_or(u32::MAX)))
}

/// A date (`2027-03-15`, its midnight in UTC) or an RFC 3339 instant (`2027-03-15T09:00:00Z`,
/// `2027-03-15T10:00:00+01:00`). Empty is absent; anything else, blanks included, must be one.
pub fn instant(raw: Option<&str>) -> Result<Option<Timestamp>, Refused> {
    let Some(s) = raw.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(at) = s.parse::<Timestamp>() {
        return Ok(Some(at));
    }
    let date = s.parse::<Date>().map_err(|_| Refused)?;
    date.to_zoned(TimeZone::UTC)
        .map(|z| Some(z.timestamp()))
        .map_err(|_| Refused)
}

/// An IANA zone name (`Europe/Berlin`). Empty or blank is absent; a name the bundled tz database
/// does not know, or one longer than [`ZONE_MAX`], is refused.
pub fn zone(raw: Option<&str>) -> Result<Option<TimeZone>, Refused> {
    let Some(name) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if name.len() > ZONE_MAX {
        return Err(Refused);
    }
    TimeZone::get(name).map(Some).map_err(|_| Refused)
}

/// A free-text choice such as an appointment type's key: empty or blank is absent.
pub fn given(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_start_at_one_and_large_ones_saturate() {
        assert_eq!(page(None), Ok(None));
        assert_eq!(page(Some("1")), Ok(Some(1)));
        assert_eq!(page(Some("007")), Ok(Some(7)));
        assert_eq!(page(Some("99999999999999999999999")), Ok(Some(u32::MAX)));
        for bad in ["", "0", "000", "-1", "+1", "1.0", "1e3", " 1", "one", "１"] {
            assert_eq!(page(Some(bad)), Err(Refused), "{bad:?}");
        }
    }

    #[test]
    fn instants_are_dates_or_rfc3339() {
        assert_eq!(instant(None), Ok(None));
        assert_eq!(instant(Some("")), Ok(None));
        assert_eq!(instant(Some("  ")), Err(Refused));
        assert_eq!(
            instant(Some("2027-03-15")),
            Ok(Some("2027-03-15T00:00:00Z".parse().unwrap()))
        );
        assert_eq!(
            instant(Some("2027-03-15T10:00:00+01:00")),
            Ok(Some("2027-03-15T09:00:00Z".parse().unwrap()))
        );
        for bad in [
            "tomorrow",
            "2027-02-30",
            "2027-03-15T25:00:00Z",
            "15.03.2027",
        ] {
            assert_eq!(instant(Some(bad)), Err(Refused), "{bad:?}");
        }
    }

    #[test]
    fn zones_are_names_the_database_knows() {
        assert!(zone(None).unwrap().is_none());
        assert!(zone(Some("")).unwrap().is_none());
        assert!(zone(Some("Europe/Berlin")).unwrap().is_some());
        for bad in [
            "Mars/Olympus",
            "../../etc/passwd",
            "Europe/",
            &"A".repeat(65),
        ] {
            assert_eq!(zone(Some(bad)).err(), Some(Refused), "{bad:?}");
        }
    }
}
