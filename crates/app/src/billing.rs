//! Billing as use-cases: a therapist's billing profile and each patient's fee; drafts proposed
//! from the attendance record; issuing (a number from the practice's one sequence, the PDF
//! archived exactly as issued, the patient told only that a document is waiting); credit notes;
//! payments by hand, from a bank statement or online; reminders; the overview and the
//! accountant's file; the patient's own invoices in the portal.
//!
//! Billing is the therapist's side of a case, and it goes on after the case ends (the last
//! month is billed after the ending), so it reads cases through `case_as`, never `case_to_write`.

pub mod claims;
mod document;
mod invoices;
pub mod online;
mod overview;
pub mod statements;

pub use invoices::InvoiceView;
pub use overview::Overview;

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::i18n::format::Reader;
use crate::i18n::Lang;
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::account::User;
use domain::attendance::Attendance;
use domain::audit::AuditAction;
use domain::case::Case;
use domain::ids::CaseId;
use domain::invoice::{Kind, Line, Profile, ProfileInput};
use jiff::civil::{Date, Time};
use jiff::Timestamp;
pub use store::billing::{CaseTerms, Invoice, PaymentRecord, StoredCredit};
use store::Conn;

/// The most drafts or documents a list shows at once.
const LIST_MAX: i64 = 200;

/// A case's billing: what the patient pays, whom invoices name, their documents and balance.
#[derive(Clone, Debug)]
pub struct CaseBilling {
    pub patient: String,
    pub terms: CaseTerms,
    /// The fee of the therapist's usual session type, for the form's hint.
    pub type_fee: Option<i64>,
    /// The fee the signed agreement names, used when no fee is set here.
    pub agreed_fee: Option<i64>,
    pub invoices: Vec<Invoice>,
    /// What the patient owes over every issued invoice (negative: their credit).
    pub balance: i64,
    pub currency: String,
}

/// What a run prepared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prepared {
    pub drafts: usize,
    pub sessions: usize,
    /// Sessions whose fee is not known (no patient fee, no type fee): their lines say 0.
    pub without_fee: usize,
}

/// The patient's invoices in the portal.
#[derive(Clone, Debug, Default)]
pub struct PortalBilling {
    pub documents: Vec<(Invoice, Vec<PaymentRecord>)>,
    pub balance: i64,
    pub currency: String,
    pub online: bool,
}

/// The first day of the month `date` is in.
fn month_of(date: Date) -> Date {
    date.first_of_month()
}

fn next_month(first: Date) -> Date {
    first
        .checked_add(jiff::Span::new().months(1))
        .unwrap_or(first)
}

/// A session's length in whole minutes, for its line. Not `(end - start).get_minutes()`: that
/// span is kept in seconds, so its minutes part is 0 and every line lost its length.
fn session_minutes(start: Timestamp, end: Timestamp) -> u32 {
    u32::try_from(end.duration_since(start).as_mins()).unwrap_or(0)
}

/// The instant a day begins in the therapist's zone.
fn start_of(user: &User, day: Date) -> Timestamp {
    domain::series::instant(
        &crate::series::zone_of(&user.time_zone),
        day,
        Time::midnight(),
    )
}

impl App {
    fn billing_reader(&self, user: &User) -> Reader {
        Reader::new(Lang::default(), &user.time_zone)
    }

    /// The therapist's today.
    fn billing_today(&self, user: &User) -> Date {
        self.now()
            .to_zoned(crate::series::zone_of(&user.time_zone))
            .date()
    }

    async fn therapist_of(&self, actor: &Actor) -> AppResult<User> {
        self.require(actor, Action::KeepCaseload).await?;
        actor.user().cloned().ok_or(AppError::Unauthenticated)
    }

    /// The therapist's billing profile (`None` before they save one).
    pub async fn billing_profile(&self, actor: &Actor) -> AppResult<Option<Profile>> {
        let user = self.therapist_of(actor).await?;
        let mut c = self.db().conn().await?;
        Ok(store::billing::profile(&mut c, &user.id).await?)
    }

    /// Saves the therapist's billing profile; an IBAN or BIC given must be one.
    pub async fn save_billing_profile(&self, actor: &Actor, input: &ProfileInput) -> AppResult<()> {
        let user = self.therapist_of(actor).await?;
        let mut profile = match input.validate() {
            Ok(p) => p,
            Err(mut e) => {
                bank_fields(&mut e, input);
                return Err(AppError::Invalid(e));
            }
        };
        let mut e = domain::FieldErrors::default();
        bank_fields(&mut e, input);
        if !e.is_empty() {
            return Err(AppError::Invalid(e));
        }
        if !profile.iban.is_empty() {
            profile.iban = domain::bank::normalize_iban(&profile.iban).unwrap_or_default();
        }
        let mut tx = self.db().begin().await?;
        store::billing::save_profile(&mut tx, &user.id, &profile, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::BillingProfileSave,
            "",
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the practice's currency (ISO 4217): the owner's to decide, for every fee and new
    /// invoice; issued invoices keep theirs.
    pub async fn set_currency(&self, actor: &Actor, code: &str) -> AppResult<()> {
        self.require(actor, Action::ManagePractice).await?;
        let code = code.trim().to_ascii_uppercase();
        if !domain::money::known_currency(&code) {
            return Err(AppError::field("currency", "error-currency"));
        }
        let mut tx = self.db().begin().await?;
        store::practice::set_currency(&mut tx, &code, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::PracticeCurrency,
            "",
            &code,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case's billing, for its therapist.
    pub async fn case_billing(&self, actor: &Actor, case: &CaseId) -> AppResult<CaseBilling> {
        let mut c = self.db().conn().await?;
        let case = self
            .case_as(&mut c, actor, case, CaseSide::Therapist)
            .await?;
        let terms = store::billing::case_terms(&mut c, &case.id).await?;
        // A patient's own fee and address are sealed with the case: reading them is recorded.
        self.audit_in(
            &mut c,
            actor,
            AuditAction::BillingTermsRead,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        let invoices = store::billing::of_case(&mut c, &case.id).await?;
        let type_fee = store::booking::availability(&mut c, &case.therapist.id)
            .await?
            .and_then(|h| h.types.iter().rev().find_map(|t| t.price_cents));
        let currency = self.currency().await?;
        let agreed_fee = agreed_fee(&mut c, &case.id, &currency).await?;
        Ok(CaseBilling {
            agreed_fee,
            patient: case.patient.name.clone(),
            balance: balance_of(&invoices),
            terms,
            type_fee,
            invoices,
            currency: self.currency().await?,
        })
    }

    /// Sets what a patient pays (empty: the session type's fee) and whom invoices name.
    pub async fn save_case_terms(
        &self,
        actor: &Actor,
        case: &CaseId,
        fee: &str,
        recipient: &str,
    ) -> AppResult<()> {
        let currency = self.currency().await?;
        let mut e = domain::FieldErrors::default();
        let fee = if fee.trim().is_empty() {
            None
        } else {
            let f = domain::invoice::amount_field(
                &mut e,
                "fee",
                fee,
                domain::money::minor_digits(&currency),
            );
            if f < 0 {
                e.add("fee", "error-amount-negative");
            }
            Some(f)
        };
        let recipient = domain::validation::text(&mut e, "recipient", recipient, false, 300);
        if recipient.lines().count() > 6 {
            e.add("recipient", "error-address-lines");
        }
        if !e.is_empty() {
            return Err(AppError::Invalid(e));
        }
        let mut tx = self.db().begin().await?;
        let case = self
            .case_as(&mut tx, actor, case, CaseSide::Therapist)
            .await?;
        store::billing::save_case_terms(
            &mut tx,
            &case.id,
            &CaseTerms { fee, recipient },
            self.now(),
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::BillingTermsSave,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Proposes drafts for the therapist's sessions in the month `month` is in (per session when
    /// the profile says so): every billable session not on an invoice yet, at the patient's own
    /// fee or the session type's. Running it twice proposes nothing twice.
    pub async fn prepare_invoices(&self, actor: &Actor, month: Date) -> AppResult<Prepared> {
        let user = self.therapist_of(actor).await?;
        let first = month_of(month);
        if first > month_of(self.billing_today(&user)) {
            return Err(AppError::field("month", "error-billing-future"));
        }
        let mut tx = self.db().begin().await?;
        let profile = store::billing::profile(&mut tx, &user.id)
            .await?
            .unwrap_or_default();
        let currency = self.currency().await?;
        let types = store::booking::availability(&mut tx, &user.id)
            .await?
            .map(|h| h.types)
            .unwrap_or_default();
        let (from, to) = (start_of(&user, first), start_of(&user, next_month(first)));
        let reader = self.billing_reader(&user);
        let mut done = Prepared::default();
        for case in store::cases::of_therapist(&mut tx, &user.id).await? {
            let billed = store::billing::billed_appointments(&mut tx, &case.id).await?;
            let sessions: Vec<_> =
                store::attendance::billable_of_case(&mut tx, &case.id, from, to.min(self.now()))
                    .await?
                    .into_iter()
                    .filter(|s| !billed.contains(&s.appointment))
                    .collect();
            if sessions.is_empty() {
                continue;
            }
            let mut terms = store::billing::case_terms(&mut tx, &case.id).await?;
            if terms.fee.is_none() {
                terms.fee = agreed_fee(&mut tx, &case.id, &currency).await?;
            }
            let lines: Vec<Line> = sessions
                .iter()
                .map(|s| {
                    let kind = types.iter().find(|t| t.key == s.type_key);
                    let unit = terms.fee.or(kind.and_then(|t| t.price_cents));
                    if unit.is_none() {
                        done.without_fee += 1;
                    }
                    let minutes = session_minutes(s.start, s.end);
                    let name = kind.map_or_else(|| reader.t("billing-session"), |t| t.name.clone());
                    let description = match s.attendance {
                        Attendance::LateCancelled => {
                            reader.t_with("billing-line-late", &[("kind", name)])
                        }
                        Attendance::NoShow => {
                            reader.t_with("billing-line-missed", &[("kind", name)])
                        }
                        _ => name,
                    };
                    Line {
                        appointment: Some(s.appointment.clone()),
                        service_date: reader.local_date(&s.start),
                        description,
                        minutes,
                        quantity: 1,
                        unit_minor: unit.unwrap_or(0),
                    }
                })
                .collect();
            let recipient = addressed_to(&terms, &case);
            let groups: Vec<Vec<Line>> = match profile.cadence {
                domain::invoice::Cadence::Monthly => vec![lines],
                domain::invoice::Cadence::PerSession => {
                    lines.into_iter().map(|l| vec![l]).collect()
                }
            };
            for lines in groups {
                let period = match profile.cadence {
                    domain::invoice::Cadence::Monthly => {
                        (first, next_month(first).yesterday().unwrap_or(first))
                    }
                    domain::invoice::Cadence::PerSession => {
                        (lines[0].service_date, lines[0].service_date)
                    }
                };
                done.sessions += lines.len();
                done.drafts += 1;
                self.open_draft(&mut tx, actor, &case, period, &lines, &recipient)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Creates a draft invoice of `case` for its therapist, in the practice's currency, inside
    /// `tx`, with its audit row.
    async fn open_draft(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        case: &Case,
        period: (Date, Date),
        lines: &[Line],
        recipient: &str,
    ) -> AppResult<String> {
        let currency = self.currency().await?;
        let id = store::billing::create_draft(
            tx,
            &store::billing::NewInvoice {
                case: &case.id,
                therapist: &case.therapist.id,
                kind: Kind::Invoice,
                corrects: None,
                currency: &currency,
                period,
                lines,
                recipient,
            },
            self.now(),
        )
        .await?;
        self.audit_in(
            tx,
            actor,
            AuditAction::InvoiceDraft,
            case.id.as_str(),
            &id,
            Outcome::Ok,
        )
        .await?;
        Ok(id)
    }

    /// Starts an empty draft for a case (a report, a session outside the record): its lines are
    /// added on the draft's page.
    pub async fn new_invoice(&self, actor: &Actor, case: &CaseId) -> AppResult<String> {
        let user = self.therapist_of(actor).await?;
        let mut tx = self.db().begin().await?;
        let case = self
            .case_as(&mut tx, actor, case, CaseSide::Therapist)
            .await?;
        let terms = store::billing::case_terms(&mut tx, &case.id).await?;
        let today = self.billing_today(&user);
        let recipient = addressed_to(&terms, &case);
        let id = self
            .open_draft(&mut tx, actor, &case, (today, today), &[], &recipient)
            .await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// Whom a case's invoices name: the address kept for them, or the patient's name.
fn addressed_to(terms: &CaseTerms, case: &Case) -> String {
    if terms.recipient.is_empty() {
        case.patient.name.clone()
    } else {
        terms.recipient.clone()
    }
}

/// Whether `id` has the shape of the identifiers billing gives out (128 bits, hex). Anything else
/// is answered "not found" before it reaches the database (PostgreSQL refuses a NUL byte).
pub(crate) fn plausible_id(id: &str) -> AppResult<()> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The fee the case's signed agreement names as the person's own (a sliding scale's amount),
/// when it is a plain amount in the practice's currency.
async fn agreed_fee(c: &mut Conn, case: &CaseId, currency: &str) -> AppResult<Option<i64>> {
    let signed = store::agreements::of_case(c, case)
        .await?
        .into_iter()
        .find(|a| a.signed_at.is_some() && a.withdrawn_at.is_none());
    let Some(signed) = signed else {
        return Ok(None);
    };
    Ok(store::agreements::overrides(c, &signed.id)
        .await?
        .and_then(|o| o.fee)
        .and_then(|fee| domain::invoice::fee_from_terms(&fee, currency)))
}

/// What a patient owes over their issued invoices (credit notes are counted on their invoice).
fn balance_of(invoices: &[Invoice]) -> i64 {
    invoices
        .iter()
        .filter(|i| i.kind == Kind::Invoice && !i.is_draft())
        .map(Invoice::outstanding)
        .sum()
}

/// Adds the bank fields' refusals: an IBAN or BIC given that is not one.
fn bank_fields(e: &mut domain::FieldErrors, input: &ProfileInput) {
    if !input.iban.trim().is_empty() {
        if let Err(err) = domain::bank::normalize_iban(&input.iban) {
            e.add("iban", err.key());
        }
    }
    if !input.bic.trim().is_empty() && !domain::bank::valid_bic(&input.bic) {
        e.add("bic", "bank-error-bic");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sessions_line_carries_its_length() {
        let start: Timestamp = "2026-11-02T09:00:00Z".parse().unwrap();
        let at = |m: i64| start + jiff::SignedDuration::from_mins(m);
        assert_eq!(session_minutes(start, at(50)), 50);
        assert_eq!(session_minutes(start, at(90)), 90);
        // Seconds past the minute do not count; an empty or reversed session has no length.
        assert_eq!(
            session_minutes(start, at(50) + jiff::SignedDuration::from_secs(59)),
            50
        );
        assert_eq!(session_minutes(start, start), 0);
        assert_eq!(session_minutes(at(50), start), 0);
        // Huge: a session of a year still fits.
        assert_eq!(session_minutes(start, at(525_600)), 525_600);
    }
}
