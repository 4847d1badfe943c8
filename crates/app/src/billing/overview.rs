//! What billing adds up to: the therapist's overview (income by month, outstanding, overdue,
//! balances), the accountant's CSV, the patient's invoices in the portal and their data export,
//! and the content-free mails.

use super::{balance_of, month_of, PortalBilling, LIST_MAX};
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::App;
use domain::audit::AuditAction;
use domain::ids::CaseId;
use domain::invoice::Kind;
use jiff::civil::Date;
pub use store::billing::Invoice;
use store::Conn;

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

impl App {
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
        // Balances are summed in SQL and names read only for the cases shown: the overview
        // reads what it shows, not every case's ten years of invoices.
        let owed = store::billing::balances_of_therapist(&mut c, &user.id).await?;
        let drafts = store::billing::of_therapist(&mut c, &user.id, false, LIST_MAX).await?;
        let issued = store::billing::of_therapist(&mut c, &user.id, true, LIST_MAX).await?;
        let shown: Vec<&CaseId> = owed
            .iter()
            .map(|(case, _)| case)
            .chain(drafts.iter().chain(&issued).map(|i| &i.case))
            .collect();
        let names = store::cases::patient_names(&mut c, &shown).await?;
        let name_of = |case: &CaseId| names.get(case).cloned().unwrap_or_default();
        let mut balances: Vec<(CaseId, String, i64)> = owed
            .iter()
            .map(|(case, balance)| (case.clone(), name_of(case), *balance))
            .collect();
        balances.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.as_str().cmp(b.0.as_str())));
        let drafts = drafts
            .into_iter()
            .map(|i| {
                let n = name_of(&i.case);
                (i, n)
            })
            .collect();
        let issued = issued
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
    pub(super) async fn practice_details_in(
        &self,
        c: &mut Conn,
    ) -> AppResult<domain::practice::Details> {
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
    /// One job per invoice and day (its key), so a failed send is retried and a sent one is not
    /// repeated; nothing is recorded before the mail goes out.
    pub(crate) async fn invoice_reminder_mail(
        &self,
        practice: &domain::practice::Details,
        invoice: &str,
    ) -> AppResult<Option<crate::mail::Outgoing>> {
        let mut c = self.db().conn().await?;
        let Some(i) = store::billing::get(&mut c, invoice).await? else {
            return Ok(None);
        };
        if i.outstanding() <= 0 {
            return Ok(None);
        }
        let Some(case) = self.case_for_system(&mut c, &i.case).await? else {
            return Ok(None);
        };
        Ok(Some(crate::mail::payment_reminder(
            &practice.name,
            &case.patient,
            &self.link("/portal"),
        )))
    }
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
}
