//! Invoices and credit notes: their lines and totals, what a patient owes, and the therapist's
//! billing profile (what the law of their country expects on an invoice).
//!
//! An invoice is a draft until it is issued; issued, it never changes. A mistake is corrected by
//! a credit note that references it and credits some or all of its lines. What a patient owes on
//! an invoice is always its total, less what was credited, less what was paid.

use crate::money;
use crate::validation::{line as one_line, text};
use crate::{FieldErrors, Validated};
use jiff::civil::Date;

/// An invoice, or a credit note correcting one. Both are numbered in the practice's one sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Invoice,
    CreditNote,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Invoice => "invoice",
            Kind::CreditNote => "credit_note",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        [Kind::Invoice, Kind::CreditNote]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// When the practice bills: once a month for the month's sessions (what the frame says by
/// default), or after each session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Cadence {
    #[default]
    Monthly,
    PerSession,
}

impl Cadence {
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Monthly => "monthly",
            Cadence::PerSession => "per_session",
        }
    }

    pub fn parse(text: &str) -> Option<Cadence> {
        [Cadence::Monthly, Cadence::PerSession]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

/// The paper an invoice is laid out on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

impl Paper {
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }

    pub fn parse(text: &str) -> Option<Paper> {
        [Paper::A4, Paper::Letter]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// One line: a session (or anything else the therapist adds), on its date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The session it bills, so that no session is billed twice.
    pub appointment: Option<String>,
    pub service_date: Date,
    pub description: String,
    /// The session's length (0: not a session).
    pub minutes: u32,
    pub quantity: u32,
    /// The price of one, in minor units of the practice's currency.
    pub unit_minor: i64,
}

impl Line {
    /// `quantity × unit`; `None` if it does not fit.
    pub fn amount(&self) -> Option<i64> {
        self.unit_minor.checked_mul(i64::from(self.quantity))
    }
}

/// The sum of the lines' amounts; `None` if any does not fit.
pub fn total(lines: &[Line]) -> Option<i64> {
    lines
        .iter()
        .try_fold(0i64, |sum, l| sum.checked_add(l.amount()?))
}

/// The most lines one invoice takes (a month of daily sessions fits many times over).
pub const LINES_MAX: usize = 200;
/// The longest description of a line.
pub const DESCRIPTION_MAX: usize = 200;
/// The most of one line (a quantity typed by mistake as 100 is refused).
pub const QUANTITY_MAX: u32 = 99;

/// A line as the draft's form sends it.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct LineInput {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub unit: String,
}

fn whole(e: &mut FieldErrors, field: &'static str, raw: &str, default: u32, max: u32) -> u32 {
    let raw = raw.trim();
    if raw.is_empty() {
        return default;
    }
    match raw.parse::<u32>() {
        Ok(n) if n <= max => n,
        _ => {
            e.add(field, "error-whole-number");
            default
        }
    }
}

/// A typed amount in a currency with `digits` decimals, its refusal recorded on `field`.
pub fn amount_field(e: &mut FieldErrors, field: &'static str, raw: &str, digits: u32) -> i64 {
    match money::parse_amount(raw, digits) {
        Ok(v) => v,
        Err(err) => {
            e.add(field, err.key());
            0
        }
    }
}

impl LineInput {
    /// A checked line: a date, a description, an optional length, a quantity of one or more and a
    /// price that is not negative (a reduction is made by a credit note, not a negative line).
    pub fn validate(&self, digits: u32) -> Validated<Line> {
        let mut e = FieldErrors::default();
        let service_date = if self.date.trim().is_empty() {
            e.add("date", "error-required");
            None
        } else {
            crate::series::date_field(&mut e, "date", &self.date)
        };
        let description = one_line(
            &mut e,
            "description",
            &self.description,
            true,
            DESCRIPTION_MAX,
        );
        let minutes = whole(&mut e, "minutes", &self.minutes, 0, 24 * 60);
        let quantity = whole(&mut e, "quantity", &self.quantity, 1, QUANTITY_MAX);
        if quantity == 0 {
            e.add("quantity", "error-whole-number");
        }
        let unit_minor = amount_field(&mut e, "unit", &self.unit, digits);
        if unit_minor < 0 {
            e.add("unit", "error-amount-negative");
        }
        let Some(service_date) = service_date else {
            return Err(e);
        };
        e.finish(Line {
            appointment: None,
            service_date,
            description,
            minutes,
            quantity,
            unit_minor,
        })
    }
}

/// The fee a signed agreement states as the person's own term ("60 EUR", "€ 75,00", "75"), in
/// minor units of `currency`: only a plain amount, in that currency or none named. Anything else
/// ("40–60 on a sliding scale", "60 USD" in a euro practice) is not guessed at: `None`.
pub fn fee_from_terms(text: &str, currency: &str) -> Option<i64> {
    let symbol = match currency {
        "EUR" => "€",
        "GBP" => "£",
        "USD" => "$",
        _ => currency,
    };
    let rest = text.trim().replace(currency, "").replace(symbol, "");
    if rest.chars().any(char::is_alphabetic) {
        return None;
    }
    money::parse_amount(&rest, money::minor_digits(currency))
        .ok()
        .filter(|f| *f > 0)
}

/// Where an issued invoice stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Nothing paid yet.
    Open,
    /// Some paid; `remaining` still owed.
    PartlyPaid {
        remaining: i64,
    },
    Paid,
    /// More paid than owed: the excess is the patient's credit.
    Overpaid {
        excess: i64,
    },
    /// Credited in full before anything was paid: nothing is owed.
    Credited,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Open => "open",
            Standing::PartlyPaid { .. } => "partly_paid",
            Standing::Paid => "paid",
            Standing::Overpaid { .. } => "overpaid",
            Standing::Credited => "credited",
        }
    }

    /// Whether the patient still owes something on it.
    pub fn owes(self) -> bool {
        matches!(self, Standing::Open | Standing::PartlyPaid { .. })
    }
}

/// What an invoice of `total` owes after `credited` (by credit notes) and `paid`.
pub fn outstanding(total: i64, credited: i64, paid: i64) -> i64 {
    total - credited - paid
}

/// Where an invoice of `total` stands after `credited` and `paid`.
pub fn standing(total: i64, credited: i64, paid: i64) -> Standing {
    let owed = total - credited;
    match outstanding(total, credited, paid) {
        0 if paid == 0 && owed <= 0 => Standing::Credited,
        0 => Standing::Paid,
        r if r < 0 && paid == 0 => Standing::Credited,
        r if r < 0 => Standing::Overpaid { excess: -r },
        _ if paid == 0 => Standing::Open,
        r => Standing::PartlyPaid { remaining: r },
    }
}

/// Whether a credit note of `amount` may correct an invoice of `total` that has `credited` so
/// far: something, and never more than the invoice is worth.
pub fn may_credit(total: i64, credited: i64, amount: i64) -> bool {
    amount > 0 && credited.checked_add(amount).is_some_and(|c| c <= total)
}

/// How a payment of `amount` meets an invoice that still owes `owed`: what settles it and what
/// is left over (the patient's credit, shown and kept, never silently dropped).
pub fn apply_payment(owed: i64, amount: i64) -> (i64, i64) {
    let applied = amount.min(owed.max(0));
    (applied, amount - applied)
}

/// An invoice's number in the practice's one sequence: "0007"; a practice's prefix comes first.
pub fn number(prefix: &str, seq: i64) -> String {
    format!("{prefix}{seq:04}")
}

/// The due date: `days` after the issue date.
pub fn due_on(issued: Date, days: u32) -> Date {
    issued
        .checked_add(jiff::Span::new().days(i64::from(days)))
        .unwrap_or(issued)
}

/// A therapist's billing profile: what their invoices say about them and how they are paid.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Profile {
    /// The issuer as the invoice names them: "Anna Berger, Psychotherapeutin (HP)".
    pub issuer: String,
    /// Address lines.
    pub address: String,
    /// The tax number or VAT id.
    pub tax_id: String,
    /// A professional registration (a licence, a chamber's number; the NPI in the United States).
    pub registration: String,
    /// ISO 3166 two letters: which country's rules apply (a US practice gets superbills).
    pub country: String,
    pub account_holder: String,
    pub iban: String,
    pub bic: String,
    /// The wording that says why no VAT is charged, e.g. "Umsatzsteuerfrei gemäß § 4 Nr. 14 UStG".
    pub exemption: String,
    /// Days to pay.
    pub payment_days: u32,
    pub paper: Paper,
    pub cadence: Cadence,
    /// Days after the due date on which a reminder goes out (empty: none).
    pub reminder_days: Vec<u32>,
    /// What comes before each number ("RE-"); may be empty.
    pub number_prefix: String,
}

impl Profile {
    /// Whether invoices can be issued: an issuer and an address at least.
    pub fn complete(&self) -> bool {
        !self.issuer.is_empty() && !self.address.is_empty()
    }
}

/// The billing profile's form.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct ProfileInput {
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub tax_id: String,
    #[serde(default)]
    pub registration: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub account_holder: String,
    #[serde(default)]
    pub iban: String,
    #[serde(default)]
    pub bic: String,
    #[serde(default)]
    pub exemption: String,
    #[serde(default)]
    pub payment_days: String,
    #[serde(default)]
    pub paper: String,
    #[serde(default)]
    pub cadence: String,
    #[serde(default)]
    pub reminder_days: String,
    #[serde(default)]
    pub number_prefix: String,
}

impl From<&Profile> for ProfileInput {
    fn from(p: &Profile) -> ProfileInput {
        ProfileInput {
            issuer: p.issuer.clone(),
            address: p.address.clone(),
            tax_id: p.tax_id.clone(),
            registration: p.registration.clone(),
            country: p.country.clone(),
            account_holder: p.account_holder.clone(),
            iban: p.iban.clone(),
            bic: p.bic.clone(),
            exemption: p.exemption.clone(),
            payment_days: p.payment_days.to_string(),
            paper: p.paper.as_str().into(),
            cadence: p.cadence.as_str().into(),
            reminder_days: p
                .reminder_days
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            number_prefix: p.number_prefix.clone(),
        }
    }
}

/// The most reminders a schedule takes, and the latest day one may fall on.
pub const REMINDERS_MAX: usize = 4;
pub const REMINDER_DAY_MAX: u32 = 180;

/// "7, 21": days after the due date, ascending, each at most once.
fn reminder_days(e: &mut FieldErrors, raw: &str) -> Vec<u32> {
    let mut days = Vec::new();
    for part in raw.split([',', ';', ' ']).filter(|p| !p.trim().is_empty()) {
        match part.trim().parse::<u32>() {
            Ok(d) if (1..=REMINDER_DAY_MAX).contains(&d) => days.push(d),
            _ => {
                e.add("reminder_days", "error-reminder-days");
                return Vec::new();
            }
        }
    }
    days.sort_unstable();
    days.dedup();
    if days.len() > REMINDERS_MAX {
        e.add_limit("reminder_days", "error-reminder-count", REMINDERS_MAX);
    }
    days
}

impl ProfileInput {
    /// A checked profile. The IBAN and BIC are checked by `bank` when given; without them
    /// invoices say nothing of a transfer (a practice paid in cash or by card).
    pub fn validate(&self) -> Validated<Profile> {
        let mut e = FieldErrors::default();
        let issuer = one_line(&mut e, "issuer", &self.issuer, true, 120);
        let address = text(&mut e, "address", &self.address, true, 300);
        if address.lines().count() > 6 {
            e.add("address", "error-address-lines");
        }
        let tax_id = one_line(&mut e, "tax_id", &self.tax_id, false, 40);
        let registration = one_line(&mut e, "registration", &self.registration, false, 60);
        let country = self.country.trim().to_ascii_uppercase();
        if !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())) {
            e.add("country", "error-country-code");
        }
        let account_holder = one_line(&mut e, "account_holder", &self.account_holder, false, 70);
        let iban = self.iban.trim().to_string();
        let bic = self.bic.trim().to_ascii_uppercase();
        let exemption = text(&mut e, "exemption", &self.exemption, false, 500);
        let payment_days = whole(&mut e, "payment_days", &self.payment_days, 14, 120);
        let paper = Paper::parse(self.paper.trim()).unwrap_or_else(|| {
            e.add("paper", "error-choose");
            Paper::A4
        });
        let cadence = Cadence::parse(self.cadence.trim()).unwrap_or_else(|| {
            e.add("cadence", "error-choose");
            Cadence::Monthly
        });
        let reminder_days = reminder_days(&mut e, &self.reminder_days);
        let number_prefix = one_line(&mut e, "number_prefix", &self.number_prefix, false, 8);
        if !number_prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
        {
            e.add("number_prefix", "error-number-prefix");
        }
        e.finish(Profile {
            issuer,
            address,
            tax_id,
            registration,
            country,
            account_holder,
            iban,
            bic,
            exemption,
            payment_days,
            paper,
            cadence,
            reminder_days,
            number_prefix,
        })
    }
}

/// A payment recorded by hand: its amount, day and how it came.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct PaymentInput {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub received_on: String,
    #[serde(default)]
    pub method: String,
}

/// How money came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Transfer,
    Cash,
    Card,
    Online,
}

impl Method {
    pub const BY_HAND: [Method; 3] = [Method::Transfer, Method::Cash, Method::Card];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Transfer => "transfer",
            Method::Cash => "cash",
            Method::Card => "card",
            Method::Online => "online",
        }
    }

    pub fn parse(text: &str) -> Option<Method> {
        [Method::Transfer, Method::Cash, Method::Card, Method::Online]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

/// A checked payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payment {
    pub amount_minor: i64,
    pub received_on: Date,
    pub method: Method,
}

impl PaymentInput {
    /// Checked: a positive amount, a day not after `today`, one of the methods a person records.
    pub fn validate(&self, digits: u32, today: Date) -> Validated<Payment> {
        let mut e = FieldErrors::default();
        let amount_minor = amount_field(&mut e, "amount", &self.amount, digits);
        if e.get("amount").is_none() && amount_minor <= 0 {
            e.add("amount", "error-amount-positive");
        }
        let received_on = if self.received_on.trim().is_empty() {
            Some(today)
        } else {
            crate::series::date_field(&mut e, "received_on", &self.received_on)
        };
        if received_on.is_some_and(|d| d > today) {
            e.add("received_on", "error-date-future");
        }
        let method = Method::parse(self.method.trim()).filter(|m| Method::BY_HAND.contains(m));
        if method.is_none() {
            e.add("method", "error-choose");
        }
        let (Some(received_on), Some(method)) = (received_on, method) else {
            return Err(e);
        };
        e.finish(Payment {
            amount_minor,
            received_on,
            method,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn line(unit: i64, quantity: u32) -> Line {
        Line {
            appointment: None,
            service_date: date(2026, 11, 2),
            description: "Session".into(),
            minutes: 50,
            quantity,
            unit_minor: unit,
        }
    }

    #[test]
    fn an_agreed_fee_is_read_only_when_it_is_a_plain_amount() {
        assert_eq!(fee_from_terms("60 EUR", "EUR"), Some(6000));
        assert_eq!(fee_from_terms("€ 75,50", "EUR"), Some(7550));
        assert_eq!(fee_from_terms("75", "EUR"), Some(7500));
        assert_eq!(fee_from_terms("$120", "USD"), Some(12000));
        for other in [
            "",
            "60 USD",
            "40-60 EUR on a sliding scale",
            "sixty",
            "0 EUR",
            "-5",
            "<b>60</b>",
        ] {
            assert_eq!(fee_from_terms(other, "EUR"), None, "{other}");
        }
    }

    #[test]
    fn totals_add_lines_and_refuse_overflow() {
        assert_eq!(total(&[line(9000, 1), line(9000, 2)]), Some(27000));
        assert_eq!(total(&[]), Some(0));
        assert_eq!(total(&[line(i64::MAX, 2)]), None);
        assert_eq!(total(&[line(i64::MAX, 1), line(1, 1)]), None);
    }

    #[test]
    fn standing_follows_credits_and_payments() {
        assert_eq!(standing(9000, 0, 0), Standing::Open);
        assert_eq!(
            standing(9000, 0, 4000),
            Standing::PartlyPaid { remaining: 5000 }
        );
        assert_eq!(standing(9000, 0, 9000), Standing::Paid);
        assert_eq!(
            standing(9000, 0, 10000),
            Standing::Overpaid { excess: 1000 }
        );
        assert_eq!(standing(9000, 9000, 0), Standing::Credited);
        assert_eq!(standing(9000, 4500, 4500), Standing::Paid);
        assert_eq!(
            standing(9000, 9000, 9000),
            Standing::Overpaid { excess: 9000 }
        );
        assert!(standing(9000, 0, 100).owes());
        assert!(!standing(9000, 9000, 0).owes());
    }

    #[test]
    fn credits_never_exceed_the_invoice() {
        assert!(may_credit(9000, 0, 9000));
        assert!(may_credit(9000, 4500, 4500));
        assert!(!may_credit(9000, 4500, 4501));
        assert!(!may_credit(9000, 0, 0));
        assert!(!may_credit(9000, 0, -5));
        assert!(!may_credit(9000, i64::MAX, 1));
    }

    #[test]
    fn payments_settle_and_keep_the_excess() {
        assert_eq!(apply_payment(9000, 4000), (4000, 0));
        assert_eq!(apply_payment(9000, 10000), (9000, 1000));
        assert_eq!(apply_payment(0, 500), (0, 500));
        assert_eq!(apply_payment(-100, 500), (0, 500));
    }

    #[test]
    fn numbers_and_due_dates() {
        assert_eq!(number("", 7), "0007");
        assert_eq!(number("RE-", 12345), "RE-12345");
        assert_eq!(due_on(date(2026, 12, 1), 14), date(2026, 12, 15));
        assert_eq!(due_on(date(2026, 12, 31), 0), date(2026, 12, 31));
    }

    #[test]
    fn a_line_form_keeps_what_was_typed_and_says_what_is_wrong() {
        let ok = LineInput {
            date: "2026-11-02".into(),
            description: "Session (50 minutes)".into(),
            minutes: "50".into(),
            quantity: String::new(),
            unit: "90,00".into(),
        }
        .validate(2)
        .unwrap();
        assert_eq!((ok.quantity, ok.unit_minor, ok.minutes), (1, 9000, 50));

        let e = LineInput::default().validate(2).unwrap_err();
        assert_eq!(e.get("date"), Some("error-required"));
        assert_eq!(e.get("description"), Some("error-required"));
        assert_eq!(e.get("unit"), Some("error-required"));

        let e = LineInput {
            date: "yesterday".into(),
            description: "x".repeat(DESCRIPTION_MAX + 1),
            minutes: "-5".into(),
            quantity: "100".into(),
            unit: "-90".into(),
        }
        .validate(2)
        .unwrap_err();
        assert!(e.get("date").is_some());
        assert_eq!(e.get("description"), Some("error-too-long"));
        assert_eq!(e.get("minutes"), Some("error-whole-number"));
        assert_eq!(e.get("quantity"), Some("error-whole-number"));
        assert_eq!(e.get("unit"), Some("error-amount-negative"));

        let e = LineInput {
            date: "2026-11-02".into(),
            description: "a\u{0}b".into(),
            quantity: "0".into(),
            unit: "=1+1".into(),
            ..LineInput::default()
        }
        .validate(2)
        .unwrap_err();
        assert_eq!(e.get("description"), Some("error-invalid-characters"));
        assert_eq!(e.get("quantity"), Some("error-whole-number"));
        assert_eq!(e.get("unit"), Some("error-amount-malformed"));
    }

    #[test]
    fn a_profile_needs_an_issuer_an_address_and_a_country() {
        let e = ProfileInput::default().validate().unwrap_err();
        assert_eq!(e.get("issuer"), Some("error-required"));
        assert_eq!(e.get("address"), Some("error-required"));
        assert_eq!(e.get("country"), Some("error-country-code"));
        let p = ProfileInput {
            issuer: "Anna Berger".into(),
            address: "Lindenstraße 4\n10969 Berlin".into(),
            country: "de".into(),
            payment_days: String::new(),
            paper: "a4".into(),
            cadence: "monthly".into(),
            reminder_days: "21, 7 7".into(),
            ..ProfileInput::default()
        }
        .validate()
        .unwrap();
        assert_eq!(p.country, "DE");
        assert_eq!(p.payment_days, 14);
        assert_eq!(p.reminder_days, [7, 21]);
        assert!(p.complete());
        let back = ProfileInput::from(&p).validate().unwrap();
        assert_eq!(back, p);

        let e = ProfileInput {
            reminder_days: "7, soon".into(),
            number_prefix: "<b>".into(),
            paper: "a5".into(),
            ..ProfileInput::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.get("reminder_days"), Some("error-reminder-days"));
        assert_eq!(e.get("number_prefix"), Some("error-number-prefix"));
        assert_eq!(e.get("paper"), Some("error-choose"));
        let e = ProfileInput {
            reminder_days: "1 2 3 4 5".into(),
            ..ProfileInput::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.get("reminder_days"), Some("error-reminder-count"));
    }

    #[test]
    fn a_payment_by_hand() {
        let today = date(2026, 12, 4);
        let p = PaymentInput {
            amount: "90".into(),
            received_on: String::new(),
            method: "cash".into(),
        }
        .validate(2, today)
        .unwrap();
        assert_eq!(
            (p.amount_minor, p.received_on, p.method),
            (9000, today, Method::Cash)
        );
        let e = PaymentInput {
            amount: "0".into(),
            received_on: "2027-01-01".into(),
            method: "online".into(),
        }
        .validate(2, today)
        .unwrap_err();
        assert_eq!(e.get("amount"), Some("error-amount-positive"));
        assert_eq!(e.get("received_on"), Some("error-date-future"));
        assert_eq!(e.get("method"), Some("error-choose"));
    }
}
