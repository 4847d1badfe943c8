//! How long a practice keeps a case's record after the end of treatment, and when a record may be
//! erased: the jurisdiction presets, the owner's editable number of years, a case's retention date,
//! and the reasons an erasure may give (a closed list: the record of an erasure holds no words of
//! anyone's).

use crate::validation::FieldErrors;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The fewest and the most years a practice may set.
pub const MIN_YEARS: u32 = 1;
pub const MAX_YEARS: u32 = 30;

/// Where the practice keeps its records, for the preset number of years. The presets are a
/// starting point, not legal advice: the owner can change the number, and the page says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jurisdiction {
    /// §630f (3) BGB: ten years after the end of treatment.
    Germany,
    /// Ten years after the end of treatment (the professional laws' documentation duty).
    Austria,
    /// Twenty years: the limitation period for claims of bodily harm (art. 128a OR); cantonal
    /// rules vary.
    Switzerland,
    /// Adults: eight years after the end of treatment (the NHS records management code).
    UnitedKingdom,
    /// A state's own rule applies; seven years is a common choice, to be checked.
    UnitedStates,
    /// Anywhere else: the owner sets the number.
    Other,
}

impl Jurisdiction {
    pub const ALL: [Jurisdiction; 6] = [
        Jurisdiction::Germany,
        Jurisdiction::Austria,
        Jurisdiction::Switzerland,
        Jurisdiction::UnitedKingdom,
        Jurisdiction::UnitedStates,
        Jurisdiction::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Jurisdiction::Germany => "de",
            Jurisdiction::Austria => "at",
            Jurisdiction::Switzerland => "ch",
            Jurisdiction::UnitedKingdom => "uk",
            Jurisdiction::UnitedStates => "us",
            Jurisdiction::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.as_str() == raw.trim())
    }

    /// The preset number of years; `None` where the owner must choose.
    pub fn preset_years(self) -> Option<u32> {
        match self {
            Jurisdiction::Germany | Jurisdiction::Austria => Some(10),
            Jurisdiction::Switzerland => Some(20),
            Jurisdiction::UnitedKingdom => Some(8),
            Jurisdiction::UnitedStates => Some(7),
            Jurisdiction::Other => None,
        }
    }
}

/// The practice's retention period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    pub jurisdiction: Jurisdiction,
    pub years: u32,
}

impl Retention {
    /// The last day a case ended on `ended_on` must be kept: the same day, `years` later (29
    /// February falls back to 28 February in a year without one). Erasure is due the day after.
    pub fn kept_until(&self, ended_on: Date) -> Date {
        let years = i16::try_from(self.years).unwrap_or(i16::MAX);
        let year = ended_on.year().saturating_add(years);
        Date::new(year, ended_on.month(), ended_on.day())
            .or_else(|_| Date::new(year, ended_on.month(), 28))
            .unwrap_or(Date::MAX)
    }

    /// Whether a case that ended on `ended_on` is past its retention on `today`.
    pub fn is_due(&self, ended_on: Date, today: Date) -> bool {
        today > self.kept_until(ended_on)
    }
}

/// The retention form as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RetentionInput {
    #[serde(default)]
    pub jurisdiction: String,
    /// Empty: the jurisdiction's preset.
    #[serde(default)]
    pub years: String,
}

impl RetentionInput {
    pub fn validate(&self) -> Result<Retention, FieldErrors> {
        let mut errors = FieldErrors::default();
        let jurisdiction = Jurisdiction::parse(&self.jurisdiction);
        if jurisdiction.is_none() {
            errors.add("jurisdiction", "error-retention-jurisdiction");
        }
        let typed = self.years.trim();
        let years = if typed.is_empty() {
            match jurisdiction.and_then(Jurisdiction::preset_years) {
                Some(y) => Some(y),
                None => {
                    errors.add("years", "error-required");
                    None
                }
            }
        } else {
            match typed.parse::<u32>() {
                Ok(y) if (MIN_YEARS..=MAX_YEARS).contains(&y) => Some(y),
                _ => {
                    errors.add("years", "error-retention-years");
                    None
                }
            }
        };
        match (jurisdiction, years) {
            (Some(jurisdiction), Some(years)) => errors.finish(Retention {
                jurisdiction,
                years,
            }),
            _ => Err(errors),
        }
    }
}

/// Why a case is erased. A closed list, so the record of an erasure says why without anyone's
/// words in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErasureReason {
    /// The retention period is over.
    RetentionOver,
    /// The patient asked, and no retention duty applies (no treatment took place, say).
    RequestNoDuty,
    /// The patient asked, and the therapist decided to erase on advice, before the period's end.
    RequestTherapistDecision,
}

impl ErasureReason {
    pub const EARLY: [ErasureReason; 2] = [
        ErasureReason::RequestNoDuty,
        ErasureReason::RequestTherapistDecision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErasureReason::RetentionOver => "retention_over",
            ErasureReason::RequestNoDuty => "request_no_duty",
            ErasureReason::RequestTherapistDecision => "request_therapist_decision",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            ErasureReason::RetentionOver,
            ErasureReason::RequestNoDuty,
            ErasureReason::RequestTherapistDecision,
        ]
        .into_iter()
        .find(|r| r.as_str() == raw.trim())
    }
}

/// The short reference a therapist types to confirm an erasure: the case id's first eight
/// characters, which the confirmation page shows.
pub fn case_reference(case_id: &str) -> String {
    case_id.chars().take(8).collect::<String>().to_uppercase()
}

/// The erasure form as sent: the typed reference, and a reason when the period is not over.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct EraseInput {
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub reason: String,
}

impl EraseInput {
    /// The reason the erasure records, if the typed reference is the case's and — before the
    /// period's end (`due` false) — one of the early reasons was chosen.
    pub fn validate(&self, case_id: &str, due: bool) -> Result<ErasureReason, FieldErrors> {
        let mut errors = FieldErrors::default();
        let typed = self.reference.trim();
        if typed.is_empty() {
            errors.add("reference", "error-required");
        } else if !typed.eq_ignore_ascii_case(&case_reference(case_id)) {
            errors.add("reference", "error-erase-reference");
        }
        let reason = if due {
            Some(ErasureReason::RetentionOver)
        } else {
            let r = ErasureReason::parse(&self.reason).filter(|r| ErasureReason::EARLY.contains(r));
            if r.is_none() {
                errors.add("reason", "error-erase-reason");
            }
            r
        };
        match reason {
            Some(r) => errors.finish(r),
            None => Err(errors),
        }
    }
}

/// Where a patient's request to erase their records stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestAnswer {
    /// Not answered yet.
    Open,
    /// The records are kept until the retention date (the answer names it).
    Held,
}

impl RequestAnswer {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestAnswer::Open => "open",
            RequestAnswer::Held => "held",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [RequestAnswer::Open, RequestAnswer::Held]
            .into_iter()
            .find(|a| a.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn presets_and_the_owners_number() {
        let input = |j: &str, y: &str| RetentionInput {
            jurisdiction: j.into(),
            years: y.into(),
        };
        assert_eq!(input("de", "").validate().unwrap().years, 10);
        assert_eq!(input("uk", "").validate().unwrap().years, 8);
        assert_eq!(input("ch", "").validate().unwrap().years, 20);
        assert_eq!(input("us", " 6 ").validate().unwrap().years, 6);
        assert_eq!(input("other", "30").validate().unwrap().years, 30);
        for bad in ["0", "31", "-1", "ten", "1e3", "99999999999999999999", "<b>"] {
            let e = input("de", bad).validate().unwrap_err();
            assert_eq!(e.get("years"), Some("error-retention-years"), "{bad}");
        }
        assert_eq!(
            input("other", "").validate().unwrap_err().get("years"),
            Some("error-required")
        );
        let e = input("mars", "").validate().unwrap_err();
        assert_eq!(e.get("jurisdiction"), Some("error-retention-jurisdiction"));
    }

    #[test]
    fn the_retention_date_is_the_same_day_years_later() {
        let r = Retention {
            jurisdiction: Jurisdiction::Germany,
            years: 10,
        };
        assert_eq!(r.kept_until(date(2026, 3, 31)), date(2036, 3, 31));
        assert_eq!(r.kept_until(date(2028, 2, 29)), date(2038, 2, 28));
        assert!(!r.is_due(date(2026, 3, 31), date(2036, 3, 31)));
        assert!(r.is_due(date(2026, 3, 31), date(2036, 4, 1)));
    }

    #[test]
    fn an_erasure_is_confirmed_by_the_cases_reference() {
        let id = "3f9a1c2b77aa";
        let ok = EraseInput {
            reference: " 3f9a1c2b ".into(),
            reason: String::new(),
        };
        assert_eq!(ok.validate(id, true).unwrap(), ErasureReason::RetentionOver);
        // Before the end of the period an early reason is required.
        assert_eq!(
            ok.validate(id, false).unwrap_err().get("reason"),
            Some("error-erase-reason")
        );
        let early = EraseInput {
            reference: "3F9A1C2B".into(),
            reason: "request_no_duty".into(),
        };
        assert_eq!(
            early.validate(id, false).unwrap(),
            ErasureReason::RequestNoDuty
        );
        for typed in ["", "3f9a1c2", "3f9a1c2b7", "<script>"] {
            let e = EraseInput {
                reference: typed.into(),
                reason: String::new(),
            };
            assert!(e.validate(id, true).unwrap_err().get("reference").is_some());
        }
        // Retention over is not a reason one may give early.
        let wrong = EraseInput {
            reference: "3f9a1c2b".into(),
            reason: "retention_over".into(),
        };
        assert!(wrong.validate(id, false).is_err());
    }
}
