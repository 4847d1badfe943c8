//! The dev mailbox: where mail goes when no SMTP server is configured, readable in the admin.

use crate::db::Db;
use crate::error::StoreResult;
use crate::{ms, new_id, ts};
use domain::ids::MailId;
use jiff::Timestamp;

pub use domain::outbox::Mail;

pub async fn deliver(
    db: &Db,
    to: &str,
    subject: &str,
    body: &str,
    now: Timestamp,
) -> StoreResult<MailId> {
    let id = new_id();
    let sealed = db.keyring.seal("mailbox", "body_sealed", &id, body);
    sqlx::query("INSERT INTO mailbox (id, to_address, subject, body_sealed, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(to)
        .bind(subject)
        .bind(sealed)
        .bind(ms(now))
        .execute(&db.pool)
        .await?;
    Ok(MailId(id))
}

/// Newest first, bodies left sealed (the list shows only address, subject and time).
pub async fn list(db: &Db, limit: u32) -> StoreResult<Vec<Mail>> {
    let rows: Vec<(String, String, String, i64)> =
        sqlx::query_as("SELECT id, to_address, subject, created_at FROM mailbox ORDER BY created_at DESC, id LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| Mail {
            id: MailId(r.0),
            to: r.1,
            subject: r.2,
            body: String::new(),
            created_at: ts(r.3),
        })
        .collect())
}

pub async fn get(db: &Db, id: &MailId) -> StoreResult<Option<Mail>> {
    let row: Option<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, to_address, subject, body_sealed, created_at FROM mailbox WHERE id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok(Mail {
            body: db.keyring.open("mailbox", "body_sealed", &r.0, &r.3)?,
            id: MailId(r.0),
            to: r.1,
            subject: r.2,
            created_at: ts(r.4),
        })
    })
    .transpose()
}
