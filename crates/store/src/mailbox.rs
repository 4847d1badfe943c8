//! The dev mailbox: where mail goes when no SMTP server is configured, readable in the admin.

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::{ms, new_id, ts};
use domain::ids::MailId;
use jiff::Timestamp;

pub use domain::outbox::Mail;

pub async fn deliver(
    c: &mut Conn,
    to: &str,
    subject: &str,
    body: &str,
    now: Timestamp,
) -> StoreResult<MailId> {
    let id = new_id();
    let sealed = c.keyring.seal("mailbox", "body_sealed", &id, body);
    sqlx::query("INSERT INTO mailbox (id, to_address, subject, body_sealed, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(to)
        .bind(subject)
        .bind(sealed)
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    Ok(MailId(id))
}

#[derive(sqlx::FromRow)]
struct MailRow {
    id: String,
    to_address: String,
    subject: String,
    created_at: i64,
}

/// Newest first, bodies left sealed (the list shows only address, subject and time).
pub async fn list(c: &mut Conn, limit: u32) -> StoreResult<Vec<Mail>> {
    let rows: Vec<MailRow> =
        sqlx::query_as("SELECT id, to_address, subject, created_at FROM mailbox ORDER BY created_at DESC, id LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(c.ex())
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| Mail {
            id: MailId(r.id),
            to: r.to_address,
            subject: r.subject,
            body: String::new(),
            created_at: ts(r.created_at),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct SealedMailRow {
    id: String,
    to_address: String,
    subject: String,
    body_sealed: String,
    created_at: i64,
}

pub async fn get(c: &mut Conn, id: &MailId) -> StoreResult<Option<Mail>> {
    let row: Option<SealedMailRow> = sqlx::query_as(
        "SELECT id, to_address, subject, body_sealed, created_at FROM mailbox WHERE id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(c.ex())
    .await?;
    row.map(|r| {
        Ok(Mail {
            body: c
                .keyring
                .open("mailbox", "body_sealed", &r.id, &r.body_sealed)?,
            id: MailId(r.id),
            to: r.to_address,
            subject: r.subject,
            created_at: ts(r.created_at),
        })
    })
    .transpose()
}
