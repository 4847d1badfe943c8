//! Payments on invoices (by hand, from a statement, online) and their receipts, sealed under
//! the case's key; the checkout sessions created with the payment provider.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, ts};
use domain::ids::{CaseId, UserId};
use domain::invoice::Method;
use jiff::civil::Date;
use jiff::Timestamp;

use super::date;

/// A payment to record.
pub struct NewPayment<'a> {
    pub invoice: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    pub received_on: Date,
    pub method: Method,
    /// Where it came from (a statement's entry, a provider's event): recorded once, ever.
    pub source: Option<&'a str>,
    pub by: Option<&'a UserId>,
}

/// Records a payment. `None`: its source was recorded before (nothing written).
pub async fn add_payment(
    c: &mut Conn,
    p: &NewPayment<'_>,
    now: Timestamp,
) -> StoreResult<Option<String>> {
    let id = new_id();
    let done = sqlx::query(
        "INSERT INTO payments (id, invoice_id, amount_minor, currency, received_on, method, source, recorded_by, created_at, therapist_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT therapist_id FROM invoices WHERE id = $2)) ON CONFLICT (source) DO NOTHING",
    )
    .bind(&id)
    .bind(p.invoice)
    .bind(p.amount)
    .bind(p.currency)
    .bind(p.received_on.to_string())
    .bind(p.method.as_str())
    .bind(p.source)
    .bind(p.by.map(UserId::as_str))
    .bind(ms(now))
    .execute(c.ex())
    .await?
    .rows_affected();
    if done == 1 {
        super::settle(c, p.invoice).await?;
    }
    Ok((done == 1).then_some(id))
}

/// A recorded payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: String,
    pub invoice: String,
    pub amount: i64,
    pub currency: String,
    pub received_on: Date,
    pub method: Method,
    pub has_receipt: bool,
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    id: String,
    invoice_id: String,
    amount_minor: i64,
    currency: String,
    received_on: String,
    method: String,
    has_receipt: i64,
    created_at: i64,
}

fn payment_of(r: PaymentRow) -> StoreResult<PaymentRecord> {
    Ok(PaymentRecord {
        received_on: date(&r.received_on, "payment date")?,
        method: Method::parse(&r.method)
            .ok_or_else(|| StoreError::Corrupt("payment method".into()))?,
        has_receipt: r.has_receipt != 0,
        created_at: ts(r.created_at),
        id: r.id,
        invoice: r.invoice_id,
        amount: r.amount_minor,
        currency: r.currency,
    })
}

const PAYMENT_COLUMNS: &str = "id, invoice_id, amount_minor, currency, received_on, method, CASE WHEN receipt_sha256 IS NULL THEN 0 ELSE 1 END AS has_receipt, created_at";

/// The payments on an invoice, oldest first.
pub async fn payments_of(c: &mut Conn, invoice: &str) -> StoreResult<Vec<PaymentRecord>> {
    let rows: Vec<PaymentRow> = sqlx::query_as(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE invoice_id = $1 ORDER BY received_on, created_at"
    ))
    .bind(invoice)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(payment_of).collect()
}

/// A therapist's payments received in `[from, to]`, by day.
pub async fn payments_between(
    c: &mut Conn,
    therapist: &UserId,
    from: Date,
    to: Date,
) -> StoreResult<Vec<PaymentRecord>> {
    let rows: Vec<PaymentRow> = sqlx::query_as(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE therapist_id = $1 AND received_on >= $2 AND received_on <= $3 ORDER BY received_on, created_at"
    ))
    .bind(therapist.as_str())
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(payment_of).collect()
}

/// Archives a payment's receipt, sealed under the case's key.
pub async fn set_receipt(
    c: &mut Conn,
    case: &CaseId,
    payment: &str,
    pdf: &[u8],
) -> StoreResult<()> {
    use sha2::Digest;
    let key = c.case_key(case.as_str()).await?;
    let sealed =
        c.keyring
            .seal_bytes_with_key(&key, "payments", "receipt_pdf_sealed", payment, pdf);
    sqlx::query("UPDATE payments SET receipt_pdf_sealed = $1, receipt_sha256 = $2 WHERE id = $3 AND receipt_sha256 IS NULL")
        .bind(sealed)
        .bind(hex::encode(sha2::Sha256::digest(pdf)))
        .bind(payment)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// A payment's archived receipt, with the invoice it belongs to.
pub async fn receipt(c: &mut Conn, payment: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
    let row: Option<(String, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT invoice_id, receipt_pdf_sealed FROM payments WHERE id = $1")
            .bind(payment)
            .fetch_optional(c.ex())
            .await?;
    let Some((invoice, Some(sealed))) = row else {
        return Ok(None);
    };
    let pdf = c
        .keyring
        .open_bytes("payments", "receipt_pdf_sealed", payment, &sealed)?;
    Ok(Some((invoice, pdf)))
}

/// Keeps a checkout session created for an invoice (which session paid is the provider's answer).
pub async fn record_checkout(
    c: &mut Conn,
    session: &str,
    invoice: &str,
    amount: i64,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO checkout_sessions (id, invoice_id, amount_minor, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
    )
    .bind(session)
    .bind(invoice)
    .bind(amount)
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}
