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
pub mod online;
pub mod statements;

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::i18n::format::Reader;
use crate::i18n::Lang;
use crate::jobs::Task;
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::account::User;
use domain::attendance::Attendance;
use domain::audit::AuditAction;
use domain::case::Case;
use domain::ids::CaseId;
use domain::invoice::{Kind, Line, LineInput, PaymentInput, Profile, ProfileInput, Standing};
use jiff::civil::{Date, Time};
use jiff::Timestamp;
pub use store::billing::{CaseTerms, Invoice, PaymentRecord, StoredCredit};
use store::Conn;

pub use document::documents_language;

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

/// One issued document or draft with its payments, as its page shows it.
#[derive(Clone, Debug)]
pub struct InvoiceView {
    pub invoice: Invoice,
    pub case: Case,
    pub payments: Vec<PaymentRecord>,
    /// The credit notes that correct it, or the invoice a credit note corrects.
    pub related: Vec<Invoice>,
    pub standing: Option<Standing>,
    /// Lines that a credit note may still take back (an invoice's, not yet credited).
    pub creditable: Vec<String>,
    /// The profile is complete, so the draft can be issued.
    pub may_issue: bool,
    /// Online payment is set up (the portal offers "Pay online").
    pub online: bool,
    /// An issued invoice of a practice in the United States: it has a superbill.
    pub superbill: bool,
}

/// The billing page's overview for one year.
#[derive(Clone, Debug, Default)]
pub struct Overview {
    pub year: i16,
    pub currency: String,
    /// Per month (1–12): invoiced less credited, and received.
    pub months: Vec<(i8, i64, i64)>,
    pub invoiced_year: i64,
    pub received_year: i64,
    pub outstanding: i64,
    pub overdue: i64,
    /// (case, patient, balance) for every patient who owes something or has credit.
    pub balances: Vec<(CaseId, String, i64)>,
    pub drafts: Vec<(Invoice, String)>,
    /// Issued documents, newest first, with the patient's name.
    pub issued: Vec<(Invoice, String)>,
    pub profile_complete: bool,
    /// The month a run would bill now: the last one.
    pub run_month: Date,
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
            let recipient = if terms.recipient.is_empty() {
                case.patient.name.clone()
            } else {
                terms.recipient.clone()
            };
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
                let id = store::billing::create_draft(
                    &mut tx,
                    &store::billing::NewInvoice {
                        case: &case.id,
                        therapist: &user.id,
                        kind: Kind::Invoice,
                        corrects: None,
                        currency: &currency,
                        period,
                        lines: &lines,
                        recipient: &recipient,
                    },
                    self.now(),
                )
                .await?;
                self.audit_in(
                    &mut tx,
                    actor,
                    AuditAction::InvoiceDraft,
                    case.id.as_str(),
                    &id,
                    Outcome::Ok,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Starts an empty draft for a case (a report, a session outside the record): its lines are
    /// added on the draft's page.
    pub async fn new_invoice(&self, actor: &Actor, case: &CaseId) -> AppResult<String> {
        let user = self.therapist_of(actor).await?;
        let currency = self.currency().await?;
        let mut tx = self.db().begin().await?;
        let case = self
            .case_as(&mut tx, actor, case, CaseSide::Therapist)
            .await?;
        let terms = store::billing::case_terms(&mut tx, &case.id).await?;
        let today = self.billing_today(&user);
        let recipient = if terms.recipient.is_empty() {
            case.patient.name.clone()
        } else {
            terms.recipient
        };
        let id = store::billing::create_draft(
            &mut tx,
            &store::billing::NewInvoice {
                case: &case.id,
                therapist: &user.id,
                kind: Kind::Invoice,
                corrects: None,
                currency: &currency,
                period: (today, today),
                lines: &[],
                recipient: &recipient,
            },
            self.now(),
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::InvoiceDraft,
            case.id.as_str(),
            &id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An invoice or credit note: for the therapist any of their own, for the patient an issued
    /// one of their own case (a draft is nobody's business but the therapist's).
    pub async fn invoice(&self, actor: &Actor, id: &str, side: CaseSide) -> AppResult<InvoiceView> {
        let mut c = self.db().conn().await?;
        let (invoice, case) = self.invoice_as(&mut c, actor, id, side).await?;
        let payments = store::billing::payments_of(&mut c, &invoice.id).await?;
        let mut related = Vec::new();
        if let Some(original) = &invoice.corrects {
            related.extend(store::billing::get(&mut c, original).await?);
        }
        let mut credited_lines: Vec<String> = Vec::new();
        for other in store::billing::of_case(&mut c, &case.id).await? {
            if other.corrects.as_deref() == Some(invoice.id.as_str()) && !other.is_draft() {
                if let Some(full) = store::billing::get(&mut c, &other.id).await? {
                    credited_lines.extend(full.lines.iter().map(|(_, l)| line_key(l)));
                }
                related.push(other);
            }
        }
        let creditable = if invoice.kind == Kind::Invoice && !invoice.is_draft() {
            invoice
                .lines
                .iter()
                .filter(|(_, l)| !credited_lines.contains(&line_key(l)))
                .map(|(id, _)| id.clone())
                .collect()
        } else {
            Vec::new()
        };
        let profile = store::billing::profile(&mut c, &case.therapist.id)
            .await?
            .unwrap_or_default();
        Ok(InvoiceView {
            standing: (!invoice.is_draft() && invoice.kind == Kind::Invoice)
                .then(|| domain::invoice::standing(invoice.total, invoice.credited, invoice.paid)),
            may_issue: profile.complete(),
            online: self.online_payments(),
            superbill: domain::claims::applies(&profile.country)
                && !invoice.is_draft()
                && invoice.kind == Kind::Invoice,
            invoice,
            case,
            payments,
            related,
            creditable,
        })
    }

    /// The invoice `id` if `actor` may see it from `side`, with its case; a patient never sees a
    /// draft, and nobody learns of an invoice that is not theirs.
    pub(crate) async fn invoice_as(
        &self,
        c: &mut Conn,
        actor: &Actor,
        id: &str,
        side: CaseSide,
    ) -> AppResult<(Invoice, Case)> {
        plausible_id(id)?;
        let Some(invoice) = store::billing::get(c, id).await? else {
            return Err(if actor.is_signed_in() {
                AppError::NotFound
            } else {
                AppError::Unauthenticated
            });
        };
        let case = self.case_as(c, actor, &invoice.case, side).await?;
        if side != CaseSide::Therapist && invoice.is_draft() {
            return Err(AppError::NotFound);
        }
        Ok((invoice, case))
    }

    /// A draft the therapist may change.
    async fn draft_to_change(&self, c: &mut Conn, actor: &Actor, id: &str) -> AppResult<Invoice> {
        let (invoice, _) = self.invoice_as(c, actor, id, CaseSide::Therapist).await?;
        if !invoice.is_draft() {
            self.refused_in(
                c,
                actor,
                AuditAction::InvoiceIssuedChange,
                invoice.case.as_str(),
                id,
            )
            .await?;
            return Err(AppError::InvoiceIssued);
        }
        Ok(invoice)
    }

    /// Changes one line of a draft.
    pub async fn edit_invoice_line(
        &self,
        actor: &Actor,
        id: &str,
        line: &str,
        input: &LineInput,
    ) -> AppResult<()> {
        plausible_id(line)?;
        let l = input.validate(domain::money::minor_digits(&self.currency().await?))?;
        let mut tx = self.db().begin().await?;
        let invoice = self.draft_to_change(&mut tx, actor, id).await?;
        let mut l = l;
        l.appointment = invoice
            .lines
            .iter()
            .find(|(lid, _)| lid == line)
            .ok_or(AppError::NotFound)?
            .1
            .appointment
            .clone();
        if !store::billing::update_line(&mut tx, id, line, &l).await? {
            return Err(AppError::NotFound);
        }
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::InvoiceDraft,
            invoice.case.as_str(),
            id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a line to a draft (a report, a session outside the record).
    pub async fn add_invoice_line(
        &self,
        actor: &Actor,
        id: &str,
        input: &LineInput,
    ) -> AppResult<()> {
        let l = input.validate(domain::money::minor_digits(&self.currency().await?))?;
        let mut tx = self.db().begin().await?;
        let invoice = self.draft_to_change(&mut tx, actor, id).await?;
        if invoice.lines.len() >= domain::invoice::LINES_MAX {
            return Err(AppError::field("description", "error-invoice-lines"));
        }
        if !store::billing::add_line(&mut tx, id, &l).await? {
            return Err(AppError::NotFound);
        }
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::InvoiceDraft,
            invoice.case.as_str(),
            id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a line from a draft (its session is proposed again by the next run).
    pub async fn remove_invoice_line(&self, actor: &Actor, id: &str, line: &str) -> AppResult<()> {
        plausible_id(line)?;
        let mut tx = self.db().begin().await?;
        let invoice = self.draft_to_change(&mut tx, actor, id).await?;
        if !store::billing::remove_line(&mut tx, id, line).await? {
            return Err(AppError::NotFound);
        }
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::InvoiceDraft,
            invoice.case.as_str(),
            id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes whom a draft names.
    pub async fn set_invoice_recipient(
        &self,
        actor: &Actor,
        id: &str,
        recipient: &str,
    ) -> AppResult<()> {
        let mut e = domain::FieldErrors::default();
        let recipient = domain::validation::text(&mut e, "recipient", recipient, true, 300);
        if recipient.lines().count() > 6 {
            e.add("recipient", "error-address-lines");
        }
        if !e.is_empty() {
            return Err(AppError::Invalid(e));
        }
        let mut tx = self.db().begin().await?;
        let invoice = self.draft_to_change(&mut tx, actor, id).await?;
        store::billing::set_recipient(&mut tx, &invoice, &recipient).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Discards a draft: its sessions are proposed again.
    pub async fn discard_invoice(&self, actor: &Actor, id: &str) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let invoice = self.draft_to_change(&mut tx, actor, id).await?;
        store::billing::discard_draft(&mut tx, id).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::InvoiceDiscard,
            invoice.case.as_str(),
            id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues a draft: the practice's next number, the issue and due dates, the payment
    /// reference, and the PDF, archived exactly as issued; the patient is told that a document is
    /// waiting. All of it commits together, or nothing does (and the number is given back).
    pub async fn issue_invoice(&self, actor: &Actor, id: &str) -> AppResult<String> {
        let user = self.therapist_of(actor).await?;
        let mut tx = self.db().begin().await?;
        let invoice = self.draft_to_change(&mut tx, actor, id).await?;
        if invoice.lines.is_empty() || invoice.total <= 0 {
            return Err(AppError::field("issue", "error-invoice-empty"));
        }
        let profile = store::billing::profile(&mut tx, &user.id)
            .await?
            .filter(Profile::complete)
            .ok_or(AppError::field("issue", "error-billing-profile"))?;
        let number = self
            .issue_in(&mut tx, actor, &user, &profile, &invoice)
            .await?;
        tx.commit().await?;
        Ok(number)
    }

    /// Issues `invoice` inside `tx`: numbered, dated, rendered, archived, audited, announced.
    async fn issue_in(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        user: &User,
        profile: &Profile,
        invoice: &Invoice,
    ) -> AppResult<String> {
        let seq = store::billing::next_number(tx).await?;
        let number = domain::invoice::number(&profile.number_prefix, seq);
        let today = self.billing_today(user);
        let due_on = domain::invoice::due_on(today, profile.payment_days);
        let reference = payment_reference(&invoice.currency, seq, &number);
        let mut issued = invoice.clone();
        issued.seq = Some(seq);
        issued.number = Some(number.clone());
        issued.issued_on = Some(today);
        issued.due_on = Some(due_on);
        issued.reference = Some(reference.clone());
        // The dates of service cover every line (a blank draft started today may bill last week).
        if let (Some(first), Some(last)) = (
            invoice.lines.iter().map(|(_, l)| l.service_date).min(),
            invoice.lines.iter().map(|(_, l)| l.service_date).max(),
        ) {
            issued.period = (first.min(invoice.period.0), last.max(invoice.period.1));
            if invoice.lines.iter().all(|(_, l)| l.appointment.is_none()) {
                issued.period = (first, last);
            }
        }
        let corrects = match &invoice.corrects {
            Some(original) => store::billing::get(tx, original).await?,
            None => None,
        };
        let practice = self.practice_details_in(tx).await?;
        let pdf = document::invoice_pdf(
            &self.billing_reader(user),
            &practice,
            profile,
            &issued,
            corrects.as_ref(),
        )?;
        let done = store::billing::issue(
            tx,
            invoice,
            &store::billing::Issue {
                period: issued.period,
                seq,
                number: &number,
                issued_on: today,
                due_on,
                reference: &reference,
                pdf: &pdf,
                by: &user.id,
            },
            self.now(),
        )
        .await?;
        if !done {
            return Err(AppError::InvoiceIssued);
        }
        let action = match invoice.kind {
            Kind::Invoice => AuditAction::InvoiceIssue,
            Kind::CreditNote => AuditAction::InvoiceCredit,
        };
        self.audit_in(
            tx,
            actor,
            action,
            invoice.case.as_str(),
            &invoice.id,
            Outcome::Ok,
        )
        .await?;
        let now = self.now();
        store::jobs::enqueue(
            tx,
            Task::DocumentWaiting {
                case: invoice.case.clone(),
            }
            .job(format!("document-waiting:{}", invoice.id), now),
            now,
        )
        .await?;
        if invoice.kind == Kind::Invoice {
            for day in &profile.reminder_days {
                let on = domain::invoice::due_on(due_on, *day);
                let at = domain::series::instant(
                    &crate::series::zone_of(&user.time_zone),
                    on,
                    Time::constant(9, 0, 0, 0),
                );
                store::jobs::enqueue(
                    tx,
                    Task::InvoiceReminder {
                        invoice: invoice.id.clone(),
                        day: *day,
                    }
                    .job(format!("invoice-reminder:{}:{day}", invoice.id), at),
                    now,
                )
                .await?;
            }
        }
        Ok(number)
    }

    /// Corrects an issued invoice with a credit note for `lines` (empty: all that are left),
    /// issued at once with the next number and referencing the invoice. Never more than the
    /// invoice is worth; its sessions may be billed again.
    pub async fn credit_invoice(
        &self,
        actor: &Actor,
        id: &str,
        lines: &[String],
    ) -> AppResult<String> {
        let user = self.therapist_of(actor).await?;
        let view = self.invoice(actor, id, CaseSide::Therapist).await?;
        let invoice = &view.invoice;
        if invoice.kind != Kind::Invoice || invoice.is_draft() {
            return Err(AppError::field("lines", "error-credit-not-invoice"));
        }
        let chosen: Vec<Line> = invoice
            .lines
            .iter()
            .filter(|(lid, _)| view.creditable.contains(lid))
            .filter(|(lid, _)| lines.is_empty() || lines.contains(lid))
            .map(|(_, l)| l.clone())
            .collect();
        let amount = domain::invoice::total(&chosen).unwrap_or(0);
        if chosen.is_empty()
            || !domain::invoice::may_credit(invoice.total, invoice.credited, amount)
        {
            return Err(AppError::field("lines", "error-credit-lines"));
        }
        let mut tx = self.db().begin().await?;
        let profile = store::billing::profile(&mut tx, &user.id)
            .await?
            .filter(Profile::complete)
            .ok_or(AppError::field("lines", "error-billing-profile"))?;
        let note = store::billing::create_draft(
            &mut tx,
            &store::billing::NewInvoice {
                case: &invoice.case,
                therapist: &user.id,
                kind: Kind::CreditNote,
                corrects: Some(&invoice.id),
                currency: &invoice.currency,
                period: invoice.period,
                lines: &chosen,
                recipient: &invoice.recipient,
            },
            self.now(),
        )
        .await?;
        let draft = store::billing::get(&mut tx, &note)
            .await?
            .ok_or(AppError::NotFound)?;
        self.issue_in(&mut tx, actor, &user, &profile, &draft)
            .await?;
        tx.commit().await?;
        Ok(note)
    }

    /// Records a payment by hand (a transfer seen in the bank's app, cash, a card terminal) and
    /// archives its receipt.
    pub async fn record_payment(
        &self,
        actor: &Actor,
        id: &str,
        input: &PaymentInput,
    ) -> AppResult<()> {
        let user = self.therapist_of(actor).await?;
        let currency = self.currency().await?;
        let payment = input.validate(
            domain::money::minor_digits(&currency),
            self.billing_today(&user),
        )?;
        let mut tx = self.db().begin().await?;
        let (invoice, _) = self
            .invoice_as(&mut tx, actor, id, CaseSide::Therapist)
            .await?;
        if invoice.is_draft() || invoice.kind != Kind::Invoice {
            return Err(AppError::field("amount", "error-payment-not-issued"));
        }
        self.pay_in(
            &mut tx,
            &invoice,
            payment.amount_minor,
            payment.received_on,
            payment.method,
            None,
            Some(&user),
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::PaymentRecord,
            invoice.case.as_str(),
            id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a payment on `invoice` inside `tx` with its receipt. `false`: its source was
    /// recorded before (a statement read twice, a webhook delivered again): nothing changes.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn pay_in(
        &self,
        tx: &mut Conn,
        invoice: &Invoice,
        amount: i64,
        received_on: Date,
        method: domain::invoice::Method,
        source: Option<&str>,
        by: Option<&User>,
    ) -> AppResult<bool> {
        let Some(payment) = store::billing::add_payment(
            tx,
            &store::billing::NewPayment {
                invoice: &invoice.id,
                amount,
                currency: &invoice.currency,
                received_on,
                method,
                source,
                by: by.map(|u| &u.id),
            },
            self.now(),
        )
        .await?
        else {
            return Ok(false);
        };
        let therapist = store::users::get(tx, &invoice.therapist)
            .await?
            .ok_or(AppError::NotFound)?;
        let profile = store::billing::profile(tx, &invoice.therapist)
            .await?
            .unwrap_or_default();
        let practice = self.practice_details_in(tx).await?;
        let pdf = document::receipt_pdf(
            &self.billing_reader(&therapist),
            &practice,
            &profile,
            invoice,
            amount,
            received_on,
            method,
        )?;
        store::billing::set_receipt(tx, &invoice.case, &payment, &pdf).await?;
        Ok(true)
    }

    /// An issued document's archived PDF, exactly as issued: (file name, bytes). Reading it is
    /// audited.
    pub async fn invoice_pdf(
        &self,
        actor: &Actor,
        id: &str,
        side: CaseSide,
    ) -> AppResult<(String, Vec<u8>)> {
        let mut c = self.db().conn().await?;
        let (invoice, _) = self.invoice_as(&mut c, actor, id, side).await?;
        let pdf = store::billing::pdf(&mut c, &invoice.id)
            .await?
            .ok_or(AppError::NotFound)?;
        drop(c);
        self.audit(
            actor,
            AuditAction::InvoiceRead,
            invoice.case.as_str(),
            id,
            Outcome::Ok,
        )
        .await?;
        Ok((file_name(&invoice), pdf))
    }

    /// A payment's receipt: (file name, bytes).
    pub async fn receipt_pdf(
        &self,
        actor: &Actor,
        payment: &str,
        side: CaseSide,
    ) -> AppResult<(String, Vec<u8>)> {
        plausible_id(payment)?;
        let mut c = self.db().conn().await?;
        let (invoice_id, pdf) = store::billing::receipt(&mut c, payment)
            .await?
            .ok_or(AppError::NotFound)?;
        let (invoice, _) = self.invoice_as(&mut c, actor, &invoice_id, side).await?;
        drop(c);
        self.audit(
            actor,
            AuditAction::InvoiceRead,
            invoice.case.as_str(),
            payment,
            Outcome::Ok,
        )
        .await?;
        Ok((
            format!(
                "receipt-{}.pdf",
                invoice.number.as_deref().unwrap_or("draft")
            ),
            pdf,
        ))
    }

    /// The therapist's billing overview for `year`.
    pub async fn billing_overview(&self, actor: &Actor, year: Option<i16>) -> AppResult<Overview> {
        let user = self.therapist_of(actor).await?;
        let today = self.billing_today(&user);
        let year = year.unwrap_or(today.year());
        let mut c = self.db().conn().await?;
        let from = Date::new(year, 1, 1).map_err(|_| AppError::NotFound)?;
        let to = Date::new(year, 12, 31).map_err(|_| AppError::NotFound)?;
        let issued_year = store::billing::issued_between(&mut c, &user.id, from, to).await?;
        let payments = store::billing::payments_between(&mut c, &user.id, from, to).await?;
        let mut months: Vec<(i8, i64, i64)> = (1..=12).map(|m| (m, 0, 0)).collect();
        for i in &issued_year {
            if let Some(d) = i.issued_on {
                let sign = if i.kind == Kind::CreditNote { -1 } else { 1 };
                months[(d.month() - 1) as usize].1 += sign * i.total;
            }
        }
        for p in &payments {
            months[(p.received_on.month() - 1) as usize].2 += p.amount;
        }
        let open = store::billing::open_of_therapist(&mut c, &user.id).await?;
        let outstanding = open.iter().map(Invoice::outstanding).sum();
        let overdue = open
            .iter()
            .filter(|i| i.due_on.is_some_and(|d| d < today))
            .map(Invoice::outstanding)
            .sum();
        let cases = store::cases::of_therapist(&mut c, &user.id).await?;
        let name_of = |case: &CaseId| {
            cases
                .iter()
                .find(|k| k.id == *case)
                .map(|k| k.patient.name.clone())
                .unwrap_or_default()
        };
        let mut balances = Vec::new();
        for case in &cases {
            let invoices = store::billing::of_case(&mut c, &case.id).await?;
            let balance = balance_of(&invoices);
            if balance != 0 {
                balances.push((case.id.clone(), case.patient.name.clone(), balance));
            }
        }
        let drafts = store::billing::of_therapist(&mut c, &user.id, false, LIST_MAX)
            .await?
            .into_iter()
            .map(|i| {
                let n = name_of(&i.case);
                (i, n)
            })
            .collect();
        let issued = store::billing::of_therapist(&mut c, &user.id, true, LIST_MAX)
            .await?
            .into_iter()
            .map(|i| {
                let n = name_of(&i.case);
                (i, n)
            })
            .collect();
        let profile_complete = store::billing::profile(&mut c, &user.id)
            .await?
            .is_some_and(|p| p.complete());
        let this_month = month_of(today);
        Ok(Overview {
            year,
            currency: self.currency().await?,
            invoiced_year: months.iter().map(|m| m.1).sum(),
            received_year: months.iter().map(|m| m.2).sum(),
            months,
            outstanding,
            overdue,
            balances,
            drafts,
            issued,
            profile_complete,
            run_month: this_month
                .checked_sub(jiff::Span::new().months(1))
                .unwrap_or(this_month),
        })
    }

    /// The accountant's file: every document issued and every payment received in `[from, to]`,
    /// as CSV (a cell that a spreadsheet would run as a formula is quoted as text).
    pub async fn accountant_csv(&self, actor: &Actor, from: Date, to: Date) -> AppResult<String> {
        let user = self.therapist_of(actor).await?;
        if to < from {
            return Err(AppError::field("to", "error-date-order"));
        }
        let mut c = self.db().conn().await?;
        let issued = store::billing::issued_between(&mut c, &user.id, from, to).await?;
        let payments = store::billing::payments_between(&mut c, &user.id, from, to).await?;
        let mut numbers = std::collections::HashMap::new();
        for i in &issued {
            numbers.insert(i.id.clone(), i.number.clone().unwrap_or_default());
        }
        let mut out = String::from(
            "record,number,date,due,recipient,service_from,service_to,amount,currency,corrects,method\r\n",
        );
        for i in &issued {
            let corrects = match &i.corrects {
                Some(id) => match numbers.get(id) {
                    Some(n) => n.clone(),
                    None => store::billing::get(&mut c, id)
                        .await?
                        .and_then(|o| o.number)
                        .unwrap_or_default(),
                },
                None => String::new(),
            };
            let digits = domain::money::minor_digits(&i.currency);
            let sign = if i.kind == Kind::CreditNote { -1 } else { 1 };
            let row = [
                i.kind.as_str().to_string(),
                i.number.clone().unwrap_or_default(),
                i.issued_on.map(|d| d.to_string()).unwrap_or_default(),
                i.due_on.map(|d| d.to_string()).unwrap_or_default(),
                i.recipient.lines().next().unwrap_or_default().to_string(),
                i.period.0.to_string(),
                i.period.1.to_string(),
                domain::money::plain(sign * i.total, digits),
                i.currency.clone(),
                corrects,
                String::new(),
            ];
            out.push_str(&csv_row(&row));
        }
        for p in &payments {
            let invoice = match numbers.get(&p.invoice) {
                Some(n) => n.clone(),
                None => store::billing::get(&mut c, &p.invoice)
                    .await?
                    .and_then(|o| o.number)
                    .unwrap_or_default(),
            };
            let row = [
                "payment".to_string(),
                String::new(),
                p.received_on.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                domain::money::plain(p.amount, domain::money::minor_digits(&p.currency)),
                p.currency.clone(),
                invoice,
                p.method.as_str().to_string(),
            ];
            out.push_str(&csv_row(&row));
        }
        drop(c);
        self.audit(actor, AuditAction::BillingExport, "", "", Outcome::Ok)
            .await?;
        Ok(out)
    }

    /// The patient's issued documents and payments, newest first, and their balance.
    pub async fn portal_billing(&self, actor: &Actor) -> AppResult<PortalBilling> {
        self.require(actor, Action::UsePortal).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        let mut documents = Vec::new();
        let mut all = Vec::new();
        for case in store::cases::of_patient(&mut c, &user.id).await? {
            for i in store::billing::of_case(&mut c, &case.id).await? {
                if i.is_draft() {
                    continue;
                }
                let payments = store::billing::payments_of(&mut c, &i.id).await?;
                all.push(i.clone());
                documents.push((i, payments));
            }
        }
        Ok(PortalBilling {
            balance: balance_of(&all),
            documents,
            currency: self.currency().await?,
            online: self.online_payments(),
        })
    }

    /// A case's issued invoices, credit notes and payments for the patient's data export, and their
    /// balance (drafts are the therapist's work in progress, not the patient's data yet).
    pub(crate) async fn billing_for_export(
        &self,
        c: &mut Conn,
        case: &CaseId,
    ) -> AppResult<serde_json::Value> {
        let invoices: Vec<Invoice> = store::billing::of_case(c, case)
            .await?
            .into_iter()
            .filter(|i| !i.is_draft())
            .collect();
        let mut documents = Vec::new();
        for i in &invoices {
            let payments = store::billing::payments_of(c, &i.id).await?;
            let full = store::billing::get(c, &i.id)
                .await?
                .unwrap_or_else(|| i.clone());
            documents.push(serde_json::json!({
                "kind": i.kind.as_str(),
                "number": i.number,
                "issued_on": i.issued_on.map(|d| d.to_string()),
                "due_on": i.due_on.map(|d| d.to_string()),
                "currency": i.currency,
                "total_minor": i.total,
                "outstanding_minor": if i.kind == Kind::Invoice { i.outstanding() } else { 0 },
                "payment_reference": i.reference,
                "pdf_sha256": i.pdf_sha256,
                "lines": full.lines.iter().map(|(_, l)| serde_json::json!({
                    "date": l.service_date.to_string(),
                    "description": l.description,
                    "minutes": l.minutes,
                    "quantity": l.quantity,
                    "unit_minor": l.unit_minor,
                })).collect::<Vec<_>>(),
                "payments": payments.iter().map(|p| serde_json::json!({
                    "received_on": p.received_on.to_string(),
                    "amount_minor": p.amount,
                    "method": p.method.as_str(),
                })).collect::<Vec<_>>(),
            }));
        }
        Ok(serde_json::json!({
            "balance_minor": balance_of(&invoices),
            "documents": documents,
        }))
    }

    /// The practice's details inside a transaction.
    async fn practice_details_in(&self, c: &mut Conn) -> AppResult<domain::practice::Details> {
        Ok(store::practice::get(c).await?.unwrap_or_default())
    }

    /// The job: "a document is waiting in your portal".
    pub(crate) async fn document_waiting_mail(
        &self,
        practice: &domain::practice::Details,
        case: &CaseId,
    ) -> AppResult<Option<crate::mail::Outgoing>> {
        let mut c = self.db().conn().await?;
        let Some(case) = self.case_for_system(&mut c, case).await? else {
            return Ok(None);
        };
        Ok(Some(crate::mail::document_waiting(
            &practice.name,
            &case.patient,
            &self.link("/portal"),
        )))
    }

    /// The job: a reminder for an invoice still owing on its day; nothing once it is settled.
    pub(crate) async fn invoice_reminder_mail(
        &self,
        practice: &domain::practice::Details,
        invoice: &str,
        day: u32,
    ) -> AppResult<Option<crate::mail::Outgoing>> {
        let mut tx = self.db().begin().await?;
        let Some(i) = store::billing::get(&mut tx, invoice).await? else {
            return Ok(None);
        };
        if i.outstanding() <= 0
            || !store::billing::reminder_sent(&mut tx, invoice, day, self.now()).await?
        {
            return Ok(None);
        }
        let Some(case) = self.case_for_system(&mut tx, &i.case).await? else {
            return Ok(None);
        };
        tx.commit().await?;
        Ok(Some(crate::mail::payment_reminder(
            &practice.name,
            &case.patient,
            &self.link("/portal"),
        )))
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

/// A line's identity across an invoice and its credit notes: the session it bills, or its
/// date, text and price.
fn line_key(l: &Line) -> String {
    match &l.appointment {
        Some(a) => a.clone(),
        None => format!(
            "{}|{}|{}|{}",
            l.service_date, l.description, l.quantity, l.unit_minor
        ),
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

/// The payment reference: for euro accounts an ISO 11649 creditor reference (banks carry it
/// structured, and statements give it back exactly), otherwise the invoice's number.
pub(crate) fn payment_reference(currency: &str, seq: i64, number: &str) -> String {
    if currency == "EUR" {
        // Four digits at least, as the number has: "RF37 0007" reads as the number it stands for.
        domain::bank::creditor_reference(&format!("{seq:04}"))
    } else {
        number.to_string()
    }
}

fn file_name(i: &Invoice) -> String {
    let kind = match i.kind {
        Kind::Invoice => "invoice",
        Kind::CreditNote => "credit-note",
    };
    let number: String = i
        .number
        .as_deref()
        .unwrap_or("draft")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{kind}-{number}.pdf")
}

/// One CSV row (RFC 4180). A cell a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab, CR at
/// its start) gets a leading apostrophe, unless it is a plain number.
fn csv_row(cells: &[String]) -> String {
    let cell = |v: &str| {
        let numeric = v.parse::<f64>().is_ok() && !v.starts_with('+');
        let v = if !numeric && v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{v}")
        } else {
            v.to_string()
        };
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v
        }
    };
    let mut row = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    row.push_str("\r\n");
    row
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
    fn csv_cells_are_quoted_and_never_formulas() {
        let row = csv_row(&[
            "=HYPERLINK(\"x\")".into(),
            "-80.00".into(),
            "a,b".into(),
            "@sum".into(),
            "Mara \"M\" J.".into(),
            "+49".into(),
        ]);
        assert_eq!(
            row,
            "\"'=HYPERLINK(\"\"x\"\")\",-80.00,\"a,b\",'@sum,\"Mara \"\"M\"\" J.\",'+49\r\n"
        );
    }

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

    #[test]
    fn euro_invoices_carry_a_creditor_reference() {
        let r = payment_reference("EUR", 7, "0007");
        assert!(domain::bank::is_creditor_reference(&r), "{r}");
        assert_eq!(payment_reference("USD", 7, "0007"), "0007");
    }
}
