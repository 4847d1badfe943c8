//! Time zones as people choose them: the canonical zones of the tz database's `zone.tab` (no
//! "Factory", "posixrules", "localtime", "Zulu" or legacy aliases such as "US/Eastern"), grouped by
//! region, each with the country it is in, so a country can be guessed from a zone.

/// `zone.tab`'s country and zone columns.
const ZONE_TAB: &str = include_str!("zones/zone.tab");

/// One zone a person can choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    pub name: &'static str,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: &'static str,
}

impl Zone {
    /// "Europe" of "Europe/Berlin": the group it is listed under.
    pub fn region(&self) -> &'static str {
        self.name.split('/').next().unwrap_or(self.name)
    }

    /// "Buenos Aires (Argentina)" of "America/Argentina/Buenos_Aires": the rest, readable.
    pub fn place(&self) -> String {
        let rest = self.name.split_once('/').map_or(self.name, |(_, r)| r);
        let mut parts: Vec<String> = rest.split('/').map(|p| p.replace('_', " ")).collect();
        let city = parts.pop().unwrap_or_default();
        if parts.is_empty() {
            city
        } else {
            format!("{city} ({})", parts.join(", "))
        }
    }
}

/// Every canonical zone, by region and then by name.
pub fn all() -> Vec<Zone> {
    let mut zones: Vec<Zone> = ZONE_TAB
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (country, name) = l.split_once('\t')?;
            Some(Zone {
                name: name.trim(),
                country: country.trim(),
            })
        })
        .collect();
    zones.sort_by(|a, b| (a.region(), a.place()).cmp(&(b.region(), b.place())));
    zones
}

/// Whether `name` is one of the zones people choose from.
pub fn is_canonical(name: &str) -> bool {
    name == "UTC" || all().iter().any(|z| z.name == name)
}

/// The country a zone is in, when the zone belongs to one ("Europe/Berlin" → "DE"; "UTC" and
/// unknown names → none). A guess only: a person in Vienna may live across a border.
pub fn country_of(zone: &str) -> Option<&'static str> {
    all()
        .into_iter()
        .find(|z| z.name == zone)
        .map(|z| z.country)
}

/// Whether `code` is a country the zones know (two upper-case letters that `zone.tab` lists).
pub fn is_country(code: &str) -> bool {
    all().iter().any(|z| z.country == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_zones_are_offered() {
        let names: Vec<&str> = all().iter().map(|z| z.name).collect();
        for odd in [
            "Factory",
            "posixrules",
            "localtime",
            "Zulu",
            "US/Eastern",
            "Asia/Calcutta",
            "Etc/GMT+5",
            "GB",
        ] {
            assert!(!names.contains(&odd), "{odd}");
            assert!(!is_canonical(odd), "{odd}");
        }
        for good in ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"] {
            assert!(is_canonical(good), "{good}");
        }
        assert!(names.len() > 300 && names.len() < 500, "{}", names.len());
        let regions: std::collections::BTreeSet<&str> = all().iter().map(Zone::region).collect();
        assert!(regions.iter().all(|r| !r.contains('/')), "{regions:?}");
    }

    #[test]
    fn a_zone_names_its_country_and_reads_as_a_place() {
        assert_eq!(country_of("America/New_York"), Some("US"));
        assert_eq!(country_of("Europe/Berlin"), Some("DE"));
        assert_eq!(country_of("Europe/Vienna"), Some("AT"));
        assert_eq!(country_of("UTC"), None);
        let ba = all()
            .into_iter()
            .find(|z| z.name == "America/Argentina/Buenos_Aires")
            .unwrap();
        assert_eq!(ba.place(), "Buenos Aires (Argentina)");
        assert_eq!(ba.region(), "America");
        assert!(is_country("US") && !is_country("XX") && !is_country("us"));
    }
}
