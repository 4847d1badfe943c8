//! What a practice in the United States hands its patients for their insurer: the CPT code of a
//! billed session, the ICD-10-CM diagnoses and place of service a superbill carries, and the Good
//! Faith Estimate (No Surprises Act, 45 CFR 149.610) a self-pay patient is given before care.
//!
//! Codes are checked by their shape only: holdspace does not carry the code sets, and the
//! therapist (not the software) answers for the diagnosis they enter.

use crate::validation::text;
use crate::{FieldErrors, Validated};
use jiff::civil::Date;

/// Whether a practice in `country` (its billing profile's ISO 3166 code) gets superbills and
/// estimates: only in the United States, where insurers reimburse patients against them.
pub fn applies(country: &str) -> bool {
    country == "US"
}

/// The appointment type key of a first consultation (see `booking` and the demo practice).
pub const FIRST_CONSULTATION: &str = "first";

/// The CPT code of a billed line: a first consultation is the diagnostic evaluation (90791);
/// psychotherapy is coded by its minutes, as the CPT time rules cut it (16–37 → 90832,
/// 38–52 → 90834, 53 and more → 90837). A line without minutes (a report) or a session under 16
/// minutes has no code: the superbill leaves it blank rather than guess.
pub fn cpt_code(first_consultation: bool, minutes: u32) -> Option<&'static str> {
    match minutes {
        0 => None,
        _ if first_consultation => Some("90791"),
        16..=37 => Some("90832"),
        38..=52 => Some("90834"),
        m if m >= 53 => Some("90837"),
        _ => None,
    }
}

/// Where a telehealth session took place, as claims code it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Place {
    /// 02: telehealth, the patient not at home.
    Telehealth,
    /// 10: telehealth in the patient's home (the usual case).
    #[default]
    TelehealthHome,
}

impl Place {
    pub const ALL: [Place; 2] = [Place::Telehealth, Place::TelehealthHome];

    /// The two-digit place-of-service code.
    pub fn code(self) -> &'static str {
        match self {
            Place::Telehealth => "02",
            Place::TelehealthHome => "10",
        }
    }

    pub fn parse(text: &str) -> Option<Place> {
        Place::ALL.into_iter().find(|p| p.code() == text.trim())
    }
}

/// The most diagnoses a superbill carries (a claim's diagnosis pointers go A–D).
pub const DIAGNOSES_MAX: usize = 4;

/// An ICD-10-CM code by its shape, upper-cased, with its dot where it belongs: a letter, two
/// digits, then optionally up to four letters or digits ("F41.1", "F32.A", "f411" → "F41.1").
/// `None` for anything else.
pub fn icd10(raw: &str) -> Option<String> {
    let code: String = raw.trim().to_ascii_uppercase();
    let (category, rest) = code.split_at_checked(3)?;
    let mut c = category.chars();
    let shape = c.next().is_some_and(|l| l.is_ascii_uppercase()) && c.all(|d| d.is_ascii_digit());
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    let rest_ok = rest.len() <= 4 && rest.chars().all(|x| x.is_ascii_alphanumeric());
    match (shape && rest_ok, rest.is_empty()) {
        (false, _) => None,
        (true, true) if !code.ends_with('.') => Some(category.to_string()),
        (true, true) => None,
        (true, false) => Some(format!("{category}.{rest}")),
    }
}

/// "F41.1, F32.A": up to four codes separated by commas, semicolons or spaces, each once.
pub fn diagnoses_field(e: &mut FieldErrors, field: &'static str, raw: &str) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for part in raw
        .split([',', ';', ' ', '\n', '\r', '\t'])
        .filter(|p| !p.is_empty())
    {
        match icd10(part) {
            Some(code) if !codes.contains(&code) => codes.push(code),
            Some(_) => {}
            None => {
                e.add(field, "error-claims-icd");
                return Vec::new();
            }
        }
    }
    if codes.len() > DIAGNOSES_MAX {
        e.add_limit(field, "error-claims-icd-count", DIAGNOSES_MAX);
    }
    codes
}

/// What a case's superbills say of the patient beyond their name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claims {
    /// ICD-10-CM codes, at most four, in the therapist's order.
    pub diagnoses: Vec<String>,
    pub place: Place,
    pub birth_date: Option<Date>,
    /// Address lines (insurers ask for it; optional).
    pub address: String,
}

/// The "For insurers" form of a case.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct ClaimsInput {
    #[serde(default)]
    pub diagnoses: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub address: String,
}

impl From<&Claims> for ClaimsInput {
    fn from(c: &Claims) -> ClaimsInput {
        ClaimsInput {
            diagnoses: c.diagnoses.join(", "),
            place: c.place.code().into(),
            birth_date: c.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            address: c.address.clone(),
        }
    }
}

/// The earliest date of birth taken (a typing slip like 0199 is refused, not stored).
const BORN_AFTER: Date = jiff::civil::date(1900, 1, 1);

impl ClaimsInput {
    /// Checked against `today`: codes by shape, a place that is 02 or 10 (empty: 10), a date of
    /// birth that is not in the future, an address of at most six lines.
    pub fn validate(&self, today: Date) -> Validated<Claims> {
        let mut e = FieldErrors::default();
        let diagnoses = diagnoses_field(&mut e, "diagnoses", &self.diagnoses);
        let place = if self.place.trim().is_empty() {
            Place::default()
        } else {
            Place::parse(&self.place).unwrap_or_else(|| {
                e.add("place", "error-choose");
                Place::default()
            })
        };
        let birth_date = crate::series::date_field(&mut e, "birth_date", &self.birth_date);
        match birth_date {
            Some(d) if d > today => e.add("birth_date", "error-date-future"),
            Some(d) if d < BORN_AFTER => e.add("birth_date", "error-claims-birth-date"),
            _ => {}
        }
        let address = text(&mut e, "address", &self.address, false, 300);
        if address.lines().count() > 6 {
            e.add("address", "error-address-lines");
        }
        e.finish(Claims {
            diagnoses,
            place,
            birth_date,
            address,
        })
    }
}

/// One expected service of an estimate: its code, fee each and how many are expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub code: String,
    pub fee_minor: i64,
    pub sessions: u32,
}

impl Service {
    /// `fee × sessions`; `None` if it does not fit.
    pub fn amount(&self) -> Option<i64> {
        self.fee_minor.checked_mul(i64::from(self.sessions))
    }
}

/// A Good Faith Estimate as the therapist states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Estimate {
    pub services: Vec<Service>,
    /// The period it covers, both days included (at most twelve months).
    pub from: Date,
    pub to: Date,
    pub diagnoses: Vec<String>,
}

impl Estimate {
    /// The expected charges in all; `None` if it does not fit.
    pub fn total(&self) -> Option<i64> {
        self.services
            .iter()
            .try_fold(0i64, |sum, s| sum.checked_add(s.amount()?))
    }
}

/// How many service rows the estimate's form has.
pub const SERVICES_MAX: usize = 3;
/// The most sessions of one service an estimate expects (a year of sessions several times a week).
pub const SESSIONS_MAX: u32 = 200;
/// The highest fee of one session, in major units (a fee typed with extra zeros is refused).
pub const FEE_MAX_MAJOR: i64 = 10_000;

/// The estimate's form: three service rows (a row left blank is skipped), the period, the
/// diagnoses if known.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct EstimateInput {
    #[serde(default)]
    pub code_1: String,
    #[serde(default)]
    pub fee_1: String,
    #[serde(default)]
    pub sessions_1: String,
    #[serde(default)]
    pub code_2: String,
    #[serde(default)]
    pub fee_2: String,
    #[serde(default)]
    pub sessions_2: String,
    #[serde(default)]
    pub code_3: String,
    #[serde(default)]
    pub fee_3: String,
    #[serde(default)]
    pub sessions_3: String,
    #[serde(default)]
    pub period_from: String,
    #[serde(default)]
    pub period_to: String,
    /// The diagnoses if known (empty: the case's).
    #[serde(default)]
    pub estimate_diagnoses: String,
}

/// A CPT code by its shape: five digits (category I codes; psychotherapy's are 908xx).
pub fn cpt_shape(code: &str) -> bool {
    code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The last day of a period of at most twelve months that begins on `from`.
pub fn longest_period_end(from: Date) -> Date {
    from.checked_add(jiff::Span::new().years(1))
        .and_then(Date::yesterday)
        .unwrap_or(from)
}

type RowFields = (&'static str, &'static str, &'static str);
const ROWS: [RowFields; SERVICES_MAX] = [
    ("code_1", "fee_1", "sessions_1"),
    ("code_2", "fee_2", "sessions_2"),
    ("code_3", "fee_3", "sessions_3"),
];

impl EstimateInput {
    fn row(&self, i: usize) -> (&str, &str, &str) {
        match i {
            0 => (&self.code_1, &self.fee_1, &self.sessions_1),
            1 => (&self.code_2, &self.fee_2, &self.sessions_2),
            _ => (&self.code_3, &self.fee_3, &self.sessions_3),
        }
    }

    /// Checked, with fees in a currency of `digits` decimals: at least one service, each with a
    /// five-digit code, a fee above zero and at most `FEE_MAX_MAJOR`, 1 to `SESSIONS_MAX`
    /// sessions; a period from `from` to `to` of at most twelve months.
    pub fn validate(&self, digits: u32) -> Validated<Estimate> {
        let mut e = FieldErrors::default();
        let mut services = Vec::new();
        for (i, (code_f, fee_f, sessions_f)) in ROWS.into_iter().enumerate() {
            let (code, fee, sessions) = self.row(i);
            if [code, fee, sessions].iter().all(|v| v.trim().is_empty()) {
                continue;
            }
            services.push(service(
                &mut e,
                (code_f, fee_f, sessions_f),
                (code, fee, sessions),
                digits,
            ));
        }
        if services.is_empty() && e.is_empty() {
            e.add("code_1", "error-required");
        }
        let from = required_date(&mut e, "period_from", &self.period_from);
        let to = required_date(&mut e, "period_to", &self.period_to);
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                e.add("period_to", "error-date-order");
            } else if to > longest_period_end(from) {
                e.add("period_to", "error-estimate-period");
            }
        }
        let diagnoses = diagnoses_field(&mut e, "estimate_diagnoses", &self.estimate_diagnoses);
        let (Some(from), Some(to)) = (from, to) else {
            return Err(e);
        };
        let estimate = Estimate {
            services,
            from,
            to,
            diagnoses,
        };
        if estimate.total().is_none() {
            e.add("fee_1", "error-amount-large");
        }
        e.finish(estimate)
    }
}

fn required_date(e: &mut FieldErrors, field: &'static str, raw: &str) -> Option<Date> {
    if raw.trim().is_empty() {
        e.add(field, "error-required");
        return None;
    }
    crate::series::date_field(e, field, raw)
}

fn service(
    e: &mut FieldErrors,
    (code_f, fee_f, sessions_f): RowFields,
    (code, fee, sessions): (&str, &str, &str),
    digits: u32,
) -> Service {
    let code = code.trim().to_string();
    if code.is_empty() {
        e.add(code_f, "error-required");
    } else if !cpt_shape(&code) {
        e.add(code_f, "error-estimate-cpt");
    }
    let fee_minor = crate::invoice::amount_field(e, fee_f, fee, digits);
    let max = FEE_MAX_MAJOR.saturating_mul(10i64.saturating_pow(digits));
    if e.get(fee_f).is_none() && fee_minor <= 0 {
        e.add(fee_f, "error-amount-positive");
    } else if fee_minor > max {
        e.add(fee_f, "error-amount-large");
    }
    let sessions = match sessions.trim().parse::<u32>() {
        Ok(n) if (1..=SESSIONS_MAX).contains(&n) => n,
        _ => {
            e.add_limit(sessions_f, "error-estimate-sessions", SESSIONS_MAX as usize);
            0
        }
    };
    Service {
        code,
        fee_minor,
        sessions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn cpt_codes_follow_the_time_rules_at_their_boundaries() {
        assert_eq!(cpt_code(false, 0), None, "a report has no code");
        assert_eq!(
            cpt_code(false, 15),
            None,
            "under 16 minutes: no psychotherapy code"
        );
        assert_eq!(cpt_code(false, 16), Some("90832"));
        assert_eq!(cpt_code(false, 37), Some("90832"));
        assert_eq!(cpt_code(false, 38), Some("90834"));
        assert_eq!(cpt_code(false, 52), Some("90834"));
        assert_eq!(cpt_code(false, 53), Some("90837"));
        assert_eq!(cpt_code(false, 24 * 60), Some("90837"));
        assert_eq!(cpt_code(true, 50), Some("90791"));
        assert_eq!(
            cpt_code(true, 15),
            Some("90791"),
            "an evaluation is not timed"
        );
        assert_eq!(cpt_code(true, 0), None);
    }

    #[test]
    fn icd_codes_are_checked_by_shape() {
        assert_eq!(icd10("F41.1").as_deref(), Some("F41.1"));
        assert_eq!(icd10(" f32.a ").as_deref(), Some("F32.A"));
        assert_eq!(icd10("F411").as_deref(), Some("F41.1"));
        assert_eq!(icd10("F43").as_deref(), Some("F43"));
        assert_eq!(icd10("F43.1012").as_deref(), Some("F43.1012"));
        for bad in [
            "",
            "banana",
            "F4",
            "41.1",
            "F41.",
            "F41.12345",
            "F4X.1",
            "F41-1",
            "Ф41.1",
            "F41.1;DROP",
        ] {
            assert_eq!(icd10(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_insurers_form_keeps_four_codes_and_a_past_birth_date() {
        let today = date(2026, 12, 4);
        let c = ClaimsInput {
            diagnoses: "f41.1, F32.A F41.1".into(),
            place: String::new(),
            birth_date: "1990-05-17".into(),
            address: "12 Elm St\nSpringfield, IL 62701".into(),
        }
        .validate(today)
        .unwrap();
        assert_eq!(c.diagnoses, ["F41.1", "F32.A"]);
        assert_eq!(c.place, Place::TelehealthHome);
        assert_eq!(c.birth_date, Some(date(1990, 5, 17)));
        assert_eq!(ClaimsInput::from(&c).validate(today).unwrap(), c);
        assert_eq!(
            ClaimsInput::default().validate(today).unwrap(),
            Claims::default()
        );

        let e = ClaimsInput {
            diagnoses: "banana".into(),
            place: "11".into(),
            birth_date: "2027-01-01".into(),
            address: "1\n2\n3\n4\n5\n6\n7".into(),
        }
        .validate(today)
        .unwrap_err();
        assert_eq!(e.get("diagnoses"), Some("error-claims-icd"));
        assert_eq!(e.get("place"), Some("error-choose"));
        assert_eq!(e.get("birth_date"), Some("error-date-future"));
        assert_eq!(e.get("address"), Some("error-address-lines"));
        let e = ClaimsInput {
            diagnoses: "F41.1 F32.A F43.10 F90.0 F50.0".into(),
            birth_date: "1899-12-31".into(),
            ..ClaimsInput::default()
        }
        .validate(today)
        .unwrap_err();
        assert_eq!(e.get("diagnoses"), Some("error-claims-icd-count"));
        assert_eq!(e.limit("diagnoses"), Some(DIAGNOSES_MAX));
        assert_eq!(e.get("birth_date"), Some("error-claims-birth-date"));
    }

    fn estimate() -> EstimateInput {
        EstimateInput {
            code_1: "90791".into(),
            fee_1: "200".into(),
            sessions_1: "1".into(),
            code_2: "90837".into(),
            fee_2: "150.00".into(),
            sessions_2: "24".into(),
            period_from: "2027-01-01".into(),
            period_to: "2027-12-31".into(),
            ..EstimateInput::default()
        }
    }

    #[test]
    fn an_estimate_totals_its_services_over_at_most_a_year() {
        let g = estimate().validate(2).unwrap();
        assert_eq!(g.services.len(), 2);
        assert_eq!(g.total(), Some(20_000 + 24 * 15_000));
        assert_eq!(longest_period_end(date(2027, 1, 1)), date(2027, 12, 31));
        assert_eq!(longest_period_end(date(2028, 2, 29)), date(2029, 2, 27));

        let e = EstimateInput::default().validate(2).unwrap_err();
        assert_eq!(e.get("code_1"), Some("error-required"));
        assert_eq!(e.get("period_from"), Some("error-required"));
        let e = EstimateInput {
            period_to: "2028-01-01".into(),
            ..estimate()
        }
        .validate(2)
        .unwrap_err();
        assert_eq!(e.get("period_to"), Some("error-estimate-period"));
        let e = EstimateInput {
            period_to: "2026-12-31".into(),
            ..estimate()
        }
        .validate(2)
        .unwrap_err();
        assert_eq!(e.get("period_to"), Some("error-date-order"));
    }

    #[test]
    fn an_estimate_refuses_no_sessions_too_many_and_huge_fees() {
        let e = EstimateInput {
            sessions_1: "0".into(),
            sessions_2: "1000".into(),
            ..estimate()
        }
        .validate(2)
        .unwrap_err();
        assert_eq!(e.get("sessions_1"), Some("error-estimate-sessions"));
        assert_eq!(e.get("sessions_2"), Some("error-estimate-sessions"));
        let e = EstimateInput {
            code_1: "9079".into(),
            fee_1: "10000.01".into(),
            fee_2: "99999999999999999999".into(),
            code_3: "<script>".into(),
            ..estimate()
        }
        .validate(2)
        .unwrap_err();
        assert_eq!(e.get("code_1"), Some("error-estimate-cpt"));
        assert_eq!(e.get("fee_1"), Some("error-amount-large"));
        assert_eq!(e.get("fee_2"), Some("error-amount-large"));
        assert_eq!(e.get("code_3"), Some("error-estimate-cpt"));
        assert_eq!(e.get("fee_3"), Some("error-required"));
        let e = EstimateInput {
            fee_1: "0".into(),
            estimate_diagnoses: "banana".into(),
            ..estimate()
        }
        .validate(2)
        .unwrap_err();
        assert_eq!(e.get("fee_1"), Some("error-amount-positive"));
        assert_eq!(e.get("estimate_diagnoses"), Some("error-claims-icd"));
    }
}
