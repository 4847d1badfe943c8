//! Billing: therapists' profiles, what each patient pays, invoices and credit notes, payments.
//!
//! An issued invoice never changes: every statement here that writes to an invoice or its lines
//! says `seq IS NULL` (a draft), and a number comes from the practice's one sequence inside the
//! issuing transaction (so a failed issue gives its number back, and concurrent issues queue on
//! the sequence's row). Recipients and archived PDFs are sealed under the case's key.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, ts};
use domain::ids::{CaseId, UserId};
use domain::invoice::{Cadence, Kind, Line, Paper, Profile};
use jiff::civil::Date;
use jiff::Timestamp;
use std::collections::HashMap;

mod payments;
mod statements;

pub use payments::{
    add_payment, payments_between, payments_of, receipt, record_checkout, set_receipt, NewPayment,
    PaymentRecord,
};
pub use statements::{
    credit, credits_of, entry_seen, imports_of, insert_credit, insert_import, settle_credit,
    StoredCredit,
};

#[derive(sqlx::FromRow)]
struct ProfileRow {
    issuer: String,
    address: String,
    tax_id: String,
    registration: String,
    country: String,
    account_holder: String,
    iban: String,
    bic: String,
    exemption: String,
    payment_days: i64,
    paper: String,
    cadence: String,
    reminder_days: String,
    number_prefix: String,
}

/// A therapist's billing profile, if they saved one.
pub async fn profile(c: &mut Conn, therapist: &UserId) -> StoreResult<Option<Profile>> {
    let row: Option<ProfileRow> = sqlx::query_as(
        "SELECT issuer, address, tax_id, registration, country, account_holder, iban, bic, exemption, payment_days, paper, cadence, reminder_days, number_prefix
         FROM billing_profiles WHERE therapist_id = $1",
    )
    .bind(therapist.as_str())
    .fetch_optional(c.ex())
    .await?;
    Ok(row.map(|r| Profile {
        issuer: r.issuer,
        address: r.address,
        tax_id: r.tax_id,
        registration: r.registration,
        country: r.country,
        account_holder: r.account_holder,
        iban: r.iban,
        bic: r.bic,
        exemption: r.exemption,
        payment_days: u32::try_from(r.payment_days).unwrap_or(14),
        paper: Paper::parse(&r.paper).unwrap_or_default(),
        cadence: Cadence::parse(&r.cadence).unwrap_or_default(),
        reminder_days: r
            .reminder_days
            .split(',')
            .filter_map(|d| d.trim().parse().ok())
            .collect(),
        number_prefix: r.number_prefix,
    }))
}

pub async fn save_profile(
    c: &mut Conn,
    therapist: &UserId,
    p: &Profile,
    now: Timestamp,
) -> StoreResult<()> {
    let days = p
        .reminder_days
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query(
        "INSERT INTO billing_profiles (therapist_id, issuer, address, tax_id, registration, country, account_holder, iban, bic, exemption, payment_days, paper, cadence, reminder_days, number_prefix, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (therapist_id) DO UPDATE SET issuer = $2, address = $3, tax_id = $4, registration = $5, country = $6, account_holder = $7, iban = $8, bic = $9, exemption = $10, payment_days = $11, paper = $12, cadence = $13, reminder_days = $14, number_prefix = $15, updated_at = $16",
    )
    .bind(therapist.as_str())
    .bind(&p.issuer)
    .bind(&p.address)
    .bind(&p.tax_id)
    .bind(&p.registration)
    .bind(&p.country)
    .bind(&p.account_holder)
    .bind(&p.iban)
    .bind(&p.bic)
    .bind(&p.exemption)
    .bind(i64::from(p.payment_days))
    .bind(p.paper.as_str())
    .bind(p.cadence.as_str())
    .bind(days)
    .bind(&p.number_prefix)
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// What one patient pays and whom their invoices name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseTerms {
    /// Their own fee per session in minor units (`None`: the appointment type's fee).
    pub fee: Option<i64>,
    /// The name and address lines on their invoices (empty: their name only).
    pub recipient: String,
}

#[derive(sqlx::FromRow)]
struct TermsRow {
    fee_sealed: Option<String>,
    recipient_sealed: Option<String>,
}

pub async fn case_terms(c: &mut Conn, case: &CaseId) -> StoreResult<CaseTerms> {
    let row: Option<TermsRow> =
        sqlx::query_as("SELECT fee_sealed, recipient_sealed FROM case_billing WHERE case_id = $1")
            .bind(case.as_str())
            .fetch_optional(c.ex())
            .await?;
    let Some(row) = row else {
        return Ok(CaseTerms::default());
    };
    let open = |column: &str, sealed: &Option<String>| -> StoreResult<Option<String>> {
        sealed
            .as_deref()
            .map(|s| c.keyring.open("case_billing", column, case.as_str(), s))
            .transpose()
    };
    let fee = open("fee_sealed", &row.fee_sealed)?
        .map(|f| f.parse().map_err(|_| StoreError::Seal("case fee")))
        .transpose()?;
    Ok(CaseTerms {
        fee,
        recipient: open("recipient_sealed", &row.recipient_sealed)?.unwrap_or_default(),
    })
}

pub async fn save_case_terms(
    c: &mut Conn,
    case: &CaseId,
    terms: &CaseTerms,
    now: Timestamp,
) -> StoreResult<()> {
    let key = c.case_key(case.as_str()).await?;
    let seal = |column: &str, plain: &str| {
        c.keyring
            .seal_with_key(&key, "case_billing", column, case.as_str(), plain)
    };
    let fee = terms.fee.map(|f| seal("fee_sealed", &f.to_string()));
    let recipient = seal("recipient_sealed", &terms.recipient);
    sqlx::query(
        "INSERT INTO case_billing (case_id, fee_sealed, recipient_sealed, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (case_id) DO UPDATE SET fee_sealed = $2, recipient_sealed = $3, updated_at = $4",
    )
    .bind(case.as_str())
    .bind(fee)
    .bind(recipient)
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// The sessions of a case that an invoice (a draft too) already bills, less those a credit note
/// gave back: none of them is proposed again.
pub async fn billed_appointments(
    c: &mut Conn,
    case: &CaseId,
) -> StoreResult<std::collections::HashSet<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT l.appointment_id, i.kind FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
         WHERE i.case_id = $1 AND l.appointment_id IS NOT NULL",
    )
    .bind(case.as_str())
    .fetch_all(c.ex())
    .await?;
    let mut net: HashMap<String, i64> = HashMap::new();
    for (appointment, kind) in rows {
        *net.entry(appointment).or_default() += match Kind::parse(&kind) {
            Some(Kind::CreditNote) => -1,
            _ => 1,
        };
    }
    Ok(net
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(a, _)| a)
        .collect())
}

/// A draft to create.
pub struct NewInvoice<'a> {
    pub case: &'a CaseId,
    pub therapist: &'a UserId,
    pub kind: Kind,
    /// A credit note's invoice.
    pub corrects: Option<&'a str>,
    pub currency: &'a str,
    pub period: (Date, Date),
    pub lines: &'a [Line],
    /// The name and address it is addressed to.
    pub recipient: &'a str,
}

fn total_of(lines: &[Line]) -> StoreResult<i64> {
    domain::invoice::total(lines).ok_or(StoreError::Corrupt("invoice total overflows".into()))
}

/// Creates a draft with its lines, inside the caller's transaction.
pub async fn create_draft(c: &mut Conn, n: &NewInvoice<'_>, now: Timestamp) -> StoreResult<String> {
    let id = new_id();
    let key = c.case_key(n.case.as_str()).await?;
    let recipient = c
        .keyring
        .seal_with_key(&key, "invoices", "recipient_sealed", &id, n.recipient);
    sqlx::query(
        "INSERT INTO invoices (id, case_id, therapist_id, kind, corrects_id, currency, period_from, period_to, total_minor, recipient_sealed, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(n.case.as_str())
    .bind(n.therapist.as_str())
    .bind(n.kind.as_str())
    .bind(n.corrects)
    .bind(n.currency)
    .bind(n.period.0.to_string())
    .bind(n.period.1.to_string())
    .bind(total_of(n.lines)?)
    .bind(recipient)
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    for (i, l) in n.lines.iter().enumerate() {
        insert_line(c, &id, i as i64, l).await?;
    }
    Ok(id)
}

async fn insert_line(c: &mut Conn, invoice: &str, position: i64, l: &Line) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO invoice_lines (id, invoice_id, position, appointment_id, service_date, description, minutes, quantity, unit_minor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(invoice)
    .bind(position)
    .bind(l.appointment.as_deref())
    .bind(l.service_date.to_string())
    .bind(&l.description)
    .bind(i64::from(l.minutes))
    .bind(i64::from(l.quantity))
    .bind(l.unit_minor)
    .execute(c.ex())
    .await?;
    Ok(())
}

/// An invoice or credit note with its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    pub id: String,
    pub case: CaseId,
    pub therapist: UserId,
    pub kind: Kind,
    pub corrects: Option<String>,
    /// `None` while a draft.
    pub seq: Option<i64>,
    pub number: Option<String>,
    pub currency: String,
    pub period: (Date, Date),
    pub issued_on: Option<Date>,
    pub due_on: Option<Date>,
    pub total: i64,
    pub reference: Option<String>,
    pub recipient: String,
    pub pdf_sha256: Option<String>,
    pub created_at: Timestamp,
    /// (line id, line), in order.
    pub lines: Vec<(String, Line)>,
    /// What credit notes took off it (issued ones only).
    pub credited: i64,
    /// What was paid on it.
    pub paid: i64,
}

impl Invoice {
    pub fn is_draft(&self) -> bool {
        self.seq.is_none()
    }

    pub fn outstanding(&self) -> i64 {
        domain::invoice::outstanding(self.total, self.credited, self.paid)
    }
}

#[derive(sqlx::FromRow)]
struct InvoiceRow {
    id: String,
    case_id: String,
    therapist_id: String,
    kind: String,
    corrects_id: Option<String>,
    seq: Option<i64>,
    number: Option<String>,
    currency: String,
    period_from: String,
    period_to: String,
    issued_on: Option<String>,
    due_on: Option<String>,
    total_minor: i64,
    reference: Option<String>,
    recipient_sealed: Option<String>,
    pdf_sha256: Option<String>,
    created_at: i64,
    credited: i64,
    paid: i64,
}

const INVOICE_COLUMNS: &str = "i.id, i.case_id, i.therapist_id, i.kind, i.corrects_id, i.seq, i.number, i.currency, i.period_from, i.period_to, i.issued_on, i.due_on, i.total_minor, i.reference, i.recipient_sealed, i.pdf_sha256, i.created_at,
    CAST(COALESCE((SELECT SUM(cn.total_minor) FROM invoices cn WHERE cn.corrects_id = i.id AND cn.seq IS NOT NULL), 0) AS BIGINT) AS credited,
    CAST(COALESCE((SELECT SUM(p.amount_minor) FROM payments p WHERE p.invoice_id = i.id), 0) AS BIGINT) AS paid";

fn date(text: &str, what: &str) -> StoreResult<Date> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("invoice {what}")))
}

fn invoice_of(c: &Conn, r: InvoiceRow) -> StoreResult<Invoice> {
    let recipient = r
        .recipient_sealed
        .as_deref()
        .map(|s| c.keyring.open("invoices", "recipient_sealed", &r.id, s))
        .transpose()?
        .unwrap_or_default();
    Ok(Invoice {
        case: CaseId(r.case_id),
        therapist: UserId::new(r.therapist_id),
        kind: Kind::parse(&r.kind).ok_or_else(|| StoreError::Corrupt("invoice kind".into()))?,
        corrects: r.corrects_id,
        seq: r.seq,
        number: r.number,
        currency: r.currency,
        period: (
            date(&r.period_from, "period")?,
            date(&r.period_to, "period")?,
        ),
        issued_on: r
            .issued_on
            .as_deref()
            .map(|d| date(d, "date"))
            .transpose()?,
        due_on: r
            .due_on
            .as_deref()
            .map(|d| date(d, "due date"))
            .transpose()?,
        total: r.total_minor,
        reference: r.reference,
        recipient,
        pdf_sha256: r.pdf_sha256,
        created_at: ts(r.created_at),
        lines: Vec::new(),
        credited: r.credited,
        paid: r.paid,
        id: r.id,
    })
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: String,
    appointment_id: Option<String>,
    service_date: String,
    description: String,
    minutes: i64,
    quantity: i64,
    unit_minor: i64,
}

async fn lines_of(c: &mut Conn, invoice: &str) -> StoreResult<Vec<(String, Line)>> {
    let rows: Vec<LineRow> = sqlx::query_as(
        "SELECT id, appointment_id, service_date, description, minutes, quantity, unit_minor FROM invoice_lines WHERE invoice_id = $1 ORDER BY position, id",
    )
    .bind(invoice)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                r.id,
                Line {
                    appointment: r.appointment_id,
                    service_date: date(&r.service_date, "line date")?,
                    description: r.description,
                    minutes: u32::try_from(r.minutes).unwrap_or(0),
                    quantity: u32::try_from(r.quantity).unwrap_or(1),
                    unit_minor: r.unit_minor,
                },
            ))
        })
        .collect()
}

/// One invoice with its lines.
pub async fn get(c: &mut Conn, id: &str) -> StoreResult<Option<Invoice>> {
    let row: Option<InvoiceRow> = sqlx::query_as(&format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices i WHERE i.id = $1"
    ))
    .bind(id)
    .fetch_optional(c.ex())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut invoice = invoice_of(c, row)?;
    invoice.lines = lines_of(c, id).await?;
    Ok(Some(invoice))
}

/// A case's invoices and credit notes, newest first (without lines).
pub async fn of_case(c: &mut Conn, case: &CaseId) -> StoreResult<Vec<Invoice>> {
    let rows: Vec<InvoiceRow> = sqlx::query_as(&format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices i WHERE i.case_id = $1 ORDER BY i.created_at DESC, i.id"
    ))
    .bind(case.as_str())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(|r| invoice_of(c, r)).collect()
}

/// A therapist's drafts (`issued` false) or issued documents (true), newest first, at most
/// `limit` of them.
pub async fn of_therapist(
    c: &mut Conn,
    therapist: &UserId,
    issued: bool,
    limit: i64,
) -> StoreResult<Vec<Invoice>> {
    let which = if issued {
        "i.seq IS NOT NULL ORDER BY i.seq DESC"
    } else {
        "i.seq IS NULL ORDER BY i.created_at DESC, i.id"
    };
    let rows: Vec<InvoiceRow> = sqlx::query_as(&format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices i WHERE i.therapist_id = $1 AND {which} LIMIT $2"
    ))
    .bind(therapist.as_str())
    .bind(limit)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(|r| invoice_of(c, r)).collect()
}

/// A therapist's documents issued in `[from, to]` (by issue date), in number order: what the
/// accountant's export and the income overview read.
pub async fn issued_between(
    c: &mut Conn,
    therapist: &UserId,
    from: Date,
    to: Date,
) -> StoreResult<Vec<Invoice>> {
    let rows: Vec<InvoiceRow> = sqlx::query_as(&format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices i WHERE i.therapist_id = $1 AND i.seq IS NOT NULL AND i.issued_on >= $2 AND i.issued_on <= $3 ORDER BY i.seq"
    ))
    .bind(therapist.as_str())
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(|r| invoice_of(c, r)).collect()
}

/// A therapist's issued invoices (not credit notes) that still owe something, oldest first.
pub async fn open_of_therapist(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<Invoice>> {
    // By the kept `owed_minor` and its partial index: ten years of settled invoices are never
    // read to find the few still open (the `<> 0` names the index's condition for SQLite).
    let rows: Vec<InvoiceRow> = sqlx::query_as(&format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices i
         WHERE i.therapist_id = $1 AND i.owed_minor <> 0 AND i.owed_minor > 0 ORDER BY i.seq"
    ))
    .bind(therapist.as_str())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(|r| invoice_of(c, r)).collect()
}

/// What each of a therapist's cases owes over its issued invoices (credit notes counted on their
/// invoice; less than zero where the patient paid more), for the cases where that is not zero:
/// summed from the kept `owed_minor` of the invoices not settled, one row a case.
pub async fn balances_of_therapist(
    c: &mut Conn,
    therapist: &UserId,
) -> StoreResult<Vec<(CaseId, i64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT case_id, CAST(SUM(owed_minor) AS BIGINT) AS owed FROM invoices
         WHERE therapist_id = $1 AND owed_minor <> 0
         GROUP BY case_id HAVING SUM(owed_minor) <> 0 ORDER BY case_id",
    )
    .bind(therapist.as_str())
    .fetch_all(c.ex())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, owed)| (CaseId(id), owed))
        .collect())
}

/// Changes a draft's line. `false`: no such line on a draft (an issued invoice never changes).
pub async fn update_line(c: &mut Conn, invoice: &str, line: &str, l: &Line) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE invoice_lines SET service_date = $1, description = $2, minutes = $3, quantity = $4, unit_minor = $5
         WHERE id = $6 AND invoice_id = $7 AND invoice_id IN (SELECT id FROM invoices WHERE seq IS NULL)",
    )
    .bind(l.service_date.to_string())
    .bind(&l.description)
    .bind(i64::from(l.minutes))
    .bind(i64::from(l.quantity))
    .bind(l.unit_minor)
    .bind(line)
    .bind(invoice)
    .execute(c.ex())
    .await?
    .rows_affected();
    Ok(done == 1 && retotal(c, invoice).await?)
}

/// Adds a line at the end of a draft. `false`: not a draft.
pub async fn add_line(c: &mut Conn, invoice: &str, l: &Line) -> StoreResult<bool> {
    let draft: Option<i64> = sqlx::query_scalar(
        "SELECT COALESCE(MAX(l.position), -1) + 1 FROM invoices i LEFT JOIN invoice_lines l ON l.invoice_id = i.id WHERE i.id = $1 AND i.seq IS NULL GROUP BY i.id",
    )
    .bind(invoice)
    .fetch_optional(c.ex())
    .await?;
    let Some(position) = draft else {
        return Ok(false);
    };
    insert_line(c, invoice, position, l).await?;
    retotal(c, invoice).await
}

/// Removes a line from a draft. `false`: no such line on a draft.
pub async fn remove_line(c: &mut Conn, invoice: &str, line: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "DELETE FROM invoice_lines WHERE id = $1 AND invoice_id = $2 AND invoice_id IN (SELECT id FROM invoices WHERE seq IS NULL)",
    )
    .bind(line)
    .bind(invoice)
    .execute(c.ex())
    .await?
    .rows_affected();
    Ok(done == 1 && retotal(c, invoice).await?)
}

/// Sets a draft's total from its lines.
async fn retotal(c: &mut Conn, invoice: &str) -> StoreResult<bool> {
    let lines: Vec<Line> = lines_of(c, invoice)
        .await?
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    let done = sqlx::query("UPDATE invoices SET total_minor = $1 WHERE id = $2 AND seq IS NULL")
        .bind(total_of(&lines)?)
        .bind(invoice)
        .execute(c.ex())
        .await?
        .rows_affected();
    Ok(done == 1)
}

/// Changes whom a draft is addressed to. `false`: not a draft.
pub async fn set_recipient(c: &mut Conn, invoice: &Invoice, recipient: &str) -> StoreResult<bool> {
    let key = c.case_key(invoice.case.as_str()).await?;
    let sealed =
        c.keyring
            .seal_with_key(&key, "invoices", "recipient_sealed", &invoice.id, recipient);
    let done =
        sqlx::query("UPDATE invoices SET recipient_sealed = $1 WHERE id = $2 AND seq IS NULL")
            .bind(sealed)
            .bind(&invoice.id)
            .execute(c.ex())
            .await?
            .rows_affected();
    Ok(done == 1)
}

/// Deletes a draft (its sessions are proposed again). `false`: not a draft.
pub async fn discard_draft(c: &mut Conn, invoice: &str) -> StoreResult<bool> {
    sqlx::query("DELETE FROM invoice_lines WHERE invoice_id = $1 AND invoice_id IN (SELECT id FROM invoices WHERE seq IS NULL)")
        .bind(invoice)
        .execute(c.ex())
        .await?;
    let done = sqlx::query("DELETE FROM invoices WHERE id = $1 AND seq IS NULL")
        .bind(invoice)
        .execute(c.ex())
        .await?
        .rows_affected();
    Ok(done == 1)
}

/// Takes the practice's next number, inside the caller's transaction: concurrent callers queue on
/// the sequence's row (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's row lock), and a rollback gives
/// the number back, so the numbers issued have no gaps and no repeats.
pub async fn next_number(c: &mut Conn) -> StoreResult<i64> {
    debug_assert!(
        c.in_transaction(),
        "a number is taken inside the issuing transaction"
    );
    sqlx::query("UPDATE invoice_sequence SET last_number = last_number + 1 WHERE id = 'practice'")
        .execute(c.ex())
        .await?;
    Ok(
        sqlx::query_scalar("SELECT last_number FROM invoice_sequence WHERE id = 'practice'")
            .fetch_one(c.ex())
            .await?,
    )
}

/// What issuing writes onto a draft.
pub struct Issue<'a> {
    /// The dates of service, as the PDF states them.
    pub period: (Date, Date),
    pub seq: i64,
    pub number: &'a str,
    pub issued_on: Date,
    pub due_on: Date,
    pub reference: &'a str,
    pub pdf: &'a [u8],
    pub by: &'a UserId,
}

/// Issues a draft: its number, dates, reference and archived PDF (sealed under the case's key,
/// its SHA-256 kept in the clear). `false`: it was no longer a draft.
pub async fn issue(
    c: &mut Conn,
    invoice: &Invoice,
    i: &Issue<'_>,
    now: Timestamp,
) -> StoreResult<bool> {
    use sha2::Digest;
    let key = c.case_key(invoice.case.as_str()).await?;
    let sealed = c
        .keyring
        .seal_bytes_with_key(&key, "invoices", "pdf_sealed", &invoice.id, i.pdf);
    let sha = hex::encode(sha2::Sha256::digest(i.pdf));
    let done = sqlx::query(
        "UPDATE invoices SET seq = $1, number = $2, issued_on = $3, due_on = $4, reference = $5, pdf_sealed = $6, pdf_sha256 = $7, issued_at = $8, issued_by = $9, period_from = $11, period_to = $12
         WHERE id = $10 AND seq IS NULL",
    )
    .bind(i.seq)
    .bind(i.number)
    .bind(i.issued_on.to_string())
    .bind(i.due_on.to_string())
    .bind(i.reference)
    .bind(sealed)
    .bind(sha)
    .bind(ms(now))
    .bind(i.by.as_str())
    .bind(&invoice.id)
    .bind(i.period.0.to_string())
    .bind(i.period.1.to_string())
    .execute(c.ex())
    .await?
    .rows_affected();
    if done == 1 {
        // An invoice starts owing its total; a credit note lowers what its invoice owes.
        settle(c, &invoice.id).await?;
        if let Some(corrected) = &invoice.corrects {
            settle(c, corrected).await?;
        }
    }
    Ok(done == 1)
}

/// Keeps what an issued invoice owes (`owed_minor`) equal to its total less its issued credit
/// notes and its payments. Called in the transaction that issues a document or records a payment;
/// a draft or a credit note is left alone (NULL).
pub(crate) async fn settle(c: &mut Conn, invoice: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE invoices SET owed_minor = total_minor
             - COALESCE((SELECT SUM(cn.total_minor) FROM invoices cn WHERE cn.corrects_id = invoices.id AND cn.seq IS NOT NULL), 0)
             - COALESCE((SELECT SUM(p.amount_minor) FROM payments p WHERE p.invoice_id = invoices.id), 0)
         WHERE id = $1 AND kind = 'invoice' AND seq IS NOT NULL",
    )
    .bind(invoice)
    .execute(c.ex())
    .await?;
    Ok(())
}

/// An issued document's archived PDF, exactly as issued.
pub async fn pdf(c: &mut Conn, invoice: &str) -> StoreResult<Option<Vec<u8>>> {
    let sealed: Option<Option<Vec<u8>>> =
        sqlx::query_scalar("SELECT pdf_sealed FROM invoices WHERE id = $1")
            .bind(invoice)
            .fetch_optional(c.ex())
            .await?;
    sealed
        .flatten()
        .map(|s| c.keyring.open_bytes("invoices", "pdf_sealed", invoice, &s))
        .transpose()
}
