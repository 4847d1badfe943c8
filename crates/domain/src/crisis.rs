//! Crisis contacts by country. The practice keeps one text for anywhere (the practice's
//! `crisis_contacts`) and, where it knows them, the services of particular countries; a person sees
//! their own country's services first, then the line for anywhere, and the other countries after.
//! A person's country is the one they gave, else a guess from their time zone.

use crate::validation::{self, FieldErrors, Validated};
use serde::{Deserialize, Serialize};

/// The longest crisis text, for one country or for anywhere.
pub const CONTACTS_MAX: usize = 1_000;

/// `iso3166.tab`'s code and name columns.
const ISO3166_TAB: &str = include_str!("zones/iso3166.tab");

/// Every country, by code (upper case) with its usual English name, sorted by name.
pub fn countries() -> Vec<(&'static str, &'static str)> {
    let mut all: Vec<(&'static str, &'static str)> = ISO3166_TAB
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (code, name) = l.split_once('\t')?;
            Some((code.trim(), name.trim()))
        })
        .collect();
    all.sort_by(|a, b| a.1.cmp(b.1));
    all
}

/// The country's usual name ("DE" → "Germany"); none for a code that names no country.
pub fn country_name(code: &str) -> Option<&'static str> {
    countries()
        .into_iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| n)
}

/// The code as the table spells it ("de " → "DE"), when it names a country.
pub fn country_code(raw: &str) -> Option<&'static str> {
    let wanted = raw.trim().to_ascii_uppercase();
    countries()
        .into_iter()
        .find(|(c, _)| *c == wanted)
        .map(|(c, _)| c)
}

/// Where a person is: the country they gave, else the one their zone is in (a guess).
pub fn country_of_person(given: Option<&str>, time_zone: &str) -> Option<&'static str> {
    given
        .and_then(country_code)
        .or_else(|| crate::zones::country_of(time_zone))
}

/// A country a person gives (a form's select): empty is "not said" (their zone's guess is used);
/// anything that is not a country's code is refused.
pub fn given_country(errors: &mut FieldErrors, field: &'static str, raw: &str) -> Option<String> {
    if raw.trim().is_empty() {
        return None;
    }
    let code = country_code(raw);
    if code.is_none() {
        errors.add(field, "error-country");
    }
    code.map(str::to_string)
}

/// One country's services as the practice wrote them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub country: String,
    pub contacts: String,
}

/// A country's services as the owner types them.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct LineInput {
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub contacts: String,
}

impl LineInput {
    pub fn validate(&self) -> Validated<Line> {
        let mut e = FieldErrors::default();
        let country = if self.country.trim().is_empty() {
            e.add("country", "error-required");
            String::new()
        } else if let Some(code) = country_code(&self.country) {
            code.to_string()
        } else {
            e.add("country", "error-country");
            self.country.trim().to_string()
        };
        let contacts = validation::text(&mut e, "contacts", &self.contacts, true, CONTACTS_MAX);
        e.finish(Line { country, contacts })
    }
}

/// One country's services, named, as a page shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    pub code: &'static str,
    pub name: &'static str,
    pub contacts: String,
}

/// The crisis contacts in the order a reader needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contacts {
    /// The reader's own country's services, when the practice has them.
    pub first: Option<Shown>,
    /// The practice's text for anywhere.
    pub anywhere: String,
    /// Every other country the practice knows, by name.
    pub others: Vec<Shown>,
    /// Whether the reader's country is known (theirs or guessed): the others can then wait behind
    /// a disclosure; for someone whose country is unknown every country is listed openly.
    pub reader_known: bool,
}

impl Contacts {
    /// Arranges `lines` for a reader in `country` (none when unknown). A visitor whose country is
    /// unknown sees `home` (the practice's own country) first, as the likeliest.
    pub fn arrange(
        lines: &[Line],
        anywhere: &str,
        country: Option<&str>,
        home: Option<&str>,
    ) -> Contacts {
        let mut shown: Vec<Shown> = lines
            .iter()
            .filter_map(|l| {
                let code = country_code(&l.country)?;
                Some(Shown {
                    code,
                    name: country_name(code)?,
                    contacts: l.contacts.clone(),
                })
            })
            .collect();
        shown.sort_by(|a, b| a.name.cmp(b.name));
        let lead = country.or(home);
        let first = lead
            .and_then(|c| shown.iter().position(|s| s.code == c))
            .map(|i| shown.remove(i));
        Contacts {
            first,
            anywhere: anywhere.to_string(),
            others: shown,
            reader_known: country.is_some(),
        }
    }

    /// Everything in one line of text, the reader's country first (for mail and plain places).
    pub fn plain(&self) -> String {
        let mut parts = Vec::new();
        if let Some(f) = &self.first {
            parts.push(format!("{}: {}", f.name, f.contacts));
        }
        parts.push(self.anywhere.clone());
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines() -> Vec<Line> {
        vec![
            Line {
                country: "DE".into(),
                contacts: "112 · TelefonSeelsorge 0800 111 0 111".into(),
            },
            Line {
                country: "US".into(),
                contacts: "Call or text 988 · 911".into(),
            },
            Line {
                country: "GB".into(),
                contacts: "999 · Samaritans 116 123".into(),
            },
        ]
    }

    #[test]
    fn a_reader_sees_their_own_country_first_and_the_rest_after() {
        let c = Contacts::arrange(
            &lines(),
            "Your local emergency number.",
            Some("US"),
            Some("DE"),
        );
        assert_eq!(c.first.as_ref().map(|f| f.code), Some("US"));
        assert_eq!(c.anywhere, "Your local emergency number.");
        let others: Vec<&str> = c.others.iter().map(|s| s.name).collect();
        assert_eq!(others, ["Britain (UK)", "Germany"]);
        assert!(c.reader_known);
        assert!(c.plain().starts_with("United States: Call or text 988"));
    }

    #[test]
    fn an_unknown_reader_sees_the_practices_country_first_and_every_other_openly() {
        let c = Contacts::arrange(&lines(), "Anywhere.", None, Some("DE"));
        assert_eq!(c.first.as_ref().map(|f| f.code), Some("DE"));
        assert_eq!(c.others.len(), 2);
        assert!(!c.reader_known);
    }

    #[test]
    fn a_reader_from_a_country_without_services_sees_the_line_for_anywhere_first() {
        let c = Contacts::arrange(&lines(), "Anywhere.", Some("FR"), Some("DE"));
        assert_eq!(c.first, None);
        assert_eq!(c.others.len(), 3);
        assert_eq!(c.plain(), "Anywhere.");
        let none = Contacts::arrange(&[], "Anywhere.", Some("US"), None);
        assert_eq!((none.first, none.others.len()), (None, 0));
    }

    #[test]
    fn the_given_country_wins_over_the_zones_guess() {
        assert_eq!(country_of_person(None, "America/New_York"), Some("US"));
        assert_eq!(
            country_of_person(Some("de"), "America/New_York"),
            Some("DE")
        );
        assert_eq!(country_of_person(Some("XX"), "Europe/Vienna"), Some("AT"));
        assert_eq!(country_of_person(None, "UTC"), None);
    }

    #[test]
    fn a_line_needs_a_real_country_and_bounded_text() {
        let ok = LineInput {
            country: " us ".into(),
            contacts: "988".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.country, "US");
        for (country, contacts, field) in [
            ("", "988", "country"),
            ("XX", "988", "country"),
            ("<script>", "988", "country"),
            ("US", "", "contacts"),
            ("US", "   ", "contacts"),
        ] {
            let e = LineInput {
                country: country.into(),
                contacts: contacts.into(),
            }
            .validate()
            .unwrap_err();
            assert!(e.get(field).is_some(), "{country:?} {contacts:?}");
        }
        let huge = LineInput {
            country: "US".into(),
            contacts: "9".repeat(CONTACTS_MAX + 1),
        }
        .validate()
        .unwrap_err();
        assert!(huge.get("contacts").is_some());
        let control = LineInput {
            country: "US".into(),
            contacts: "988\u{0}".into(),
        }
        .validate()
        .unwrap_err();
        assert!(control.get("contacts").is_some());
    }

    #[test]
    fn a_given_country_is_a_code_or_nothing() {
        let mut e = FieldErrors::default();
        assert_eq!(given_country(&mut e, "country", ""), None);
        assert_eq!(given_country(&mut e, "country", "  "), None);
        assert_eq!(given_country(&mut e, "country", "us"), Some("US".into()));
        assert!(e.is_empty());
        for hostile in [
            "XX",
            "United States",
            "US'; DROP TABLE users; --",
            &"U".repeat(10_000),
        ] {
            let mut e = FieldErrors::default();
            assert_eq!(given_country(&mut e, "country", hostile), None);
            assert_eq!(e.get("country"), Some("error-country"));
        }
    }

    #[test]
    fn every_zones_country_has_a_name() {
        for z in crate::zones::all() {
            assert!(country_name(z.country).is_some(), "{}", z.country);
        }
        assert_eq!(country_name("DE"), Some("Germany"));
        assert_eq!(country_code("gb"), Some("GB"));
        assert_eq!(country_code("Germany"), None);
    }
}
