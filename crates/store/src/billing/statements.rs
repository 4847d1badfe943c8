//! Bank statements read by a therapist: each file once, each credit with what it was matched
//! to, the payer's name and text sealed.

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::{ms, new_id, ts};
use domain::ids::UserId;
use jiff::civil::Date;
use jiff::Timestamp;

use super::date;

/// Records that a statement file was read. `Conflict`: this therapist imported the same file
/// before.
pub async fn insert_import(
    c: &mut Conn,
    therapist: &UserId,
    sha256: &str,
    format: &str,
    credits: usize,
    now: Timestamp,
) -> StoreResult<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO statement_imports (id, therapist_id, sha256, format, credits, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(therapist.as_str())
    .bind(sha256)
    .bind(format)
    .bind(credits as i64)
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(id)
}

/// A credit read from a statement, with what it was matched to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCredit {
    pub id: String,
    pub import: String,
    pub entry_key: String,
    pub booked_on: Date,
    pub amount: i64,
    pub currency: String,
    pub counterparty: String,
    pub remittance: String,
    pub invoice: Option<String>,
    /// `reference`, `amount`, `currency` or `none`.
    pub proposal: String,
    /// `open`, `confirmed` or `dismissed`.
    pub state: String,
}

/// Keeps one credit of an import (the counterparty and the text sealed: a payer's name and
/// words are personal data).
#[allow(clippy::too_many_arguments)]
pub async fn insert_credit(
    c: &mut Conn,
    import: &str,
    position: usize,
    credit: &domain::bank::Credit,
    invoice: Option<&str>,
    proposal: &str,
) -> StoreResult<()> {
    let id = new_id();
    let counterparty = c.keyring.seal(
        "statement_credits",
        "counterparty_sealed",
        &id,
        &credit.counterparty,
    );
    let remittance = c.keyring.seal(
        "statement_credits",
        "remittance_sealed",
        &id,
        &credit.remittance,
    );
    sqlx::query(
        "INSERT INTO statement_credits (id, import_id, position, entry_key, booked_on, amount_minor, currency, counterparty_sealed, remittance_sealed, invoice_id, proposal, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open')",
    )
    .bind(&id)
    .bind(import)
    .bind(position as i64)
    .bind(&credit.entry_key)
    .bind(credit.booked_on.to_string())
    .bind(credit.amount_minor)
    .bind(&credit.currency)
    .bind(counterparty)
    .bind(remittance)
    .bind(invoice)
    .bind(proposal)
    .execute(c.ex())
    .await?;
    Ok(())
}

/// Whether `therapist` has a credit with this bank entry key from an earlier import (two
/// statements that overlap carry the same entry).
pub async fn entry_seen(c: &mut Conn, therapist: &UserId, entry_key: &str) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM statement_credits s JOIN statement_imports i ON i.id = s.import_id WHERE i.therapist_id = $1 AND s.entry_key = $2",
    )
    .bind(therapist.as_str())
    .bind(entry_key)
    .fetch_one(c.ex())
    .await?;
    Ok(n > 0)
}

#[derive(sqlx::FromRow)]
struct CreditRow {
    id: String,
    import_id: String,
    entry_key: String,
    booked_on: String,
    amount_minor: i64,
    currency: String,
    counterparty_sealed: String,
    remittance_sealed: String,
    invoice_id: Option<String>,
    proposal: String,
    state: String,
}

fn credit_of(c: &Conn, r: CreditRow) -> StoreResult<StoredCredit> {
    Ok(StoredCredit {
        counterparty: c.keyring.open(
            "statement_credits",
            "counterparty_sealed",
            &r.id,
            &r.counterparty_sealed,
        )?,
        remittance: c.keyring.open(
            "statement_credits",
            "remittance_sealed",
            &r.id,
            &r.remittance_sealed,
        )?,
        booked_on: date(&r.booked_on, "credit date")?,
        id: r.id,
        import: r.import_id,
        entry_key: r.entry_key,
        amount: r.amount_minor,
        currency: r.currency,
        invoice: r.invoice_id,
        proposal: r.proposal,
        state: r.state,
    })
}

const CREDIT_COLUMNS: &str = "s.id, s.import_id, s.entry_key, s.booked_on, s.amount_minor, s.currency, s.counterparty_sealed, s.remittance_sealed, s.invoice_id, s.proposal, s.state";

/// The credits of `therapist`'s import, in the statement's order (`None`: not theirs).
pub async fn credits_of(
    c: &mut Conn,
    therapist: &UserId,
    import: &str,
) -> StoreResult<Option<Vec<StoredCredit>>> {
    let mine: Option<String> =
        sqlx::query_scalar("SELECT id FROM statement_imports WHERE id = $1 AND therapist_id = $2")
            .bind(import)
            .bind(therapist.as_str())
            .fetch_optional(c.ex())
            .await?;
    if mine.is_none() {
        return Ok(None);
    }
    let rows: Vec<CreditRow> = sqlx::query_as(&format!(
        "SELECT {CREDIT_COLUMNS} FROM statement_credits s WHERE s.import_id = $1 ORDER BY s.position"
    ))
    .bind(import)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| credit_of(c, r))
        .collect::<StoreResult<Vec<_>>>()
        .map(Some)
}

/// One of `therapist`'s credits.
pub async fn credit(
    c: &mut Conn,
    therapist: &UserId,
    id: &str,
) -> StoreResult<Option<StoredCredit>> {
    let row: Option<CreditRow> = sqlx::query_as(&format!(
        "SELECT {CREDIT_COLUMNS} FROM statement_credits s JOIN statement_imports i ON i.id = s.import_id WHERE s.id = $1 AND i.therapist_id = $2"
    ))
    .bind(id)
    .bind(therapist.as_str())
    .fetch_optional(c.ex())
    .await?;
    row.map(|r| credit_of(c, r)).transpose()
}

/// Settles an open credit: `confirmed` (to `invoice`) or `dismissed`. `false`: it was not open.
pub async fn settle_credit(
    c: &mut Conn,
    id: &str,
    state: &str,
    invoice: Option<&str>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE statement_credits SET state = $1, invoice_id = COALESCE($2, invoice_id) WHERE id = $3 AND state = 'open'",
    )
    .bind(state)
    .bind(invoice)
    .bind(id)
    .execute(c.ex())
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// `therapist`'s imports, newest first: (id, format, credits, when).
pub async fn imports_of(
    c: &mut Conn,
    therapist: &UserId,
) -> StoreResult<Vec<(String, String, i64, Timestamp)>> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, format, credits, created_at FROM statement_imports WHERE therapist_id = $1 ORDER BY created_at DESC LIMIT 24",
    )
    .bind(therapist.as_str())
    .fetch_all(c.ex())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, f, n, at)| (id, f, n, ts(at)))
        .collect())
}
