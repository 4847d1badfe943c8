//! An invoice's life: its page, a draft's lines and address, issuing (the practice's next number,
//! the PDF archived exactly as issued, the patient told only that a document waits), credit
//! notes, payments with their receipts, and the archived PDFs.

use super::{document, plausible_id};
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::CaseSide;
use crate::App;
use domain::account::User;
use domain::audit::AuditAction;
use domain::case::Case;
use domain::invoice::{Kind, Line, LineInput, PaymentInput, Profile, Standing};
use jiff::civil::{Date, Time};
pub use store::billing::{Invoice, PaymentRecord};
use store::Conn;

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

impl App {
    /// An invoice or credit note: for the therapist any of their own, for the patient an issued
    /// one of their own case (a draft is nobody's business but the therapist's).
    pub async fn invoice(&self, actor: &Actor, id: &str, side: CaseSide) -> AppResult<InvoiceView> {
        let view = self.invoice_view(actor, id, side).await?;
        // The page shows whom it is addressed to, sealed with the case: reading it is recorded.
        self.audit(
            actor,
            AuditAction::InvoiceRead,
            view.invoice.case.as_str(),
            &view.invoice.id,
            Outcome::Ok,
        )
        .await?;
        Ok(view)
    }

    /// [`Self::invoice`] without its audit row, for use-cases that read it to act on it.
    async fn invoice_view(
        &self,
        actor: &Actor,
        id: &str,
        side: CaseSide,
    ) -> AppResult<InvoiceView> {
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
        let today = self.billing_today(user);
        let due_on = domain::invoice::due_on(today, profile.payment_days);
        let number = self
            .archive_issued(tx, user, profile, invoice, today, self.now())
            .await?;
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

    /// Numbers `invoice`, renders its PDF as of `today` and archives it (issued by `user` at
    /// `now`), inside `tx`: what issuing is, without the audit entry and the patient's notice
    /// (the caller's). The scale generator issues ten years of invoices through it.
    pub(crate) async fn archive_issued(
        &self,
        tx: &mut Conn,
        user: &User,
        profile: &Profile,
        invoice: &Invoice,
        today: jiff::civil::Date,
        now: jiff::Timestamp,
    ) -> AppResult<String> {
        let seq = store::billing::next_number(tx).await?;
        let number = domain::invoice::number(&profile.number_prefix, seq);
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
            now,
        )
        .await?;
        if !done {
            return Err(AppError::InvoiceIssued);
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
        let view = self.invoice_view(actor, id, CaseSide::Therapist).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euro_invoices_carry_a_creditor_reference() {
        let r = payment_reference("EUR", 7, "0007");
        assert!(domain::bank::is_creditor_reference(&r), "{r}");
        assert_eq!(payment_reference("USD", 7, "0007"), "0007");
    }
}
