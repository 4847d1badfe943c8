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
    // The recipient may be a patient: their address is sealed like the body.
    let to_sealed = c.keyring.seal("mailbox", "to_address_sealed", &id, to);
    sqlx::query("INSERT INTO mailbox (id, to_address, subject, body_sealed, created_at, to_address_sealed) VALUES ($1, '', $2, $3, $4, $5)")
        .bind(&id)
        .bind(subject)
        .bind(sealed)
        .bind(ms(now))
        .bind(to_sealed)
        .execute(c.ex())
        .await?;
    Ok(MailId(id))
}

#[derive(sqlx::FromRow)]
struct MailRow {
    id: String,
    to_address: String,
    to_address_sealed: Option<String>,
    subject: String,
    created_at: i64,
}

/// Newest first, bodies left sealed (the list shows only address, subject and time).
pub async fn list(c: &mut Conn, limit: u32) -> StoreResult<Vec<Mail>> {
    let rows: Vec<MailRow> =
        sqlx::query_as("SELECT id, to_address, to_address_sealed, subject, created_at FROM mailbox ORDER BY created_at DESC, id LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(c.ex())
            .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Mail {
                to: to_address(c, &r.id, r.to_address, r.to_address_sealed.as_deref())?,
                id: MailId(r.id),
                subject: r.subject,
                body: String::new(),
                created_at: ts(r.created_at),
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct SealedMailRow {
    id: String,
    to_address: String,
    to_address_sealed: Option<String>,
    subject: String,
    body_sealed: String,
    created_at: i64,
}

pub async fn get(c: &mut Conn, id: &MailId) -> StoreResult<Option<Mail>> {
    let row: Option<SealedMailRow> = sqlx::query_as(
        "SELECT id, to_address, to_address_sealed, subject, body_sealed, created_at FROM mailbox WHERE id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(c.ex())
    .await?;
    row.map(|r| {
        Ok(Mail {
            body: c
                .keyring
                .open("mailbox", "body_sealed", &r.id, &r.body_sealed)?,
            to: to_address(c, &r.id, r.to_address, r.to_address_sealed.as_deref())?,
            id: MailId(r.id),
            subject: r.subject,
            created_at: ts(r.created_at),
        })
    })
    .transpose()
}

fn to_address(c: &Conn, id: &str, plain: String, sealed: Option<&str>) -> StoreResult<String> {
    crate::identity::opened(
        &c.keyring,
        "mailbox",
        "to_address_sealed",
        id,
        plain,
        sealed,
    )
}

/// The dev mailbox's mails to `email` (compared as sign-in compares addresses): the addresses
/// are sealed, so each is opened. The mailbox holds a developer's recent mails, never many.
pub async fn ids_sent_to(c: &mut Conn, email: &str) -> StoreResult<Vec<String>> {
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT id, to_address, to_address_sealed FROM mailbox")
            .fetch_all(c.ex())
            .await?;
    let wanted = domain::account::email_key(email);
    let mut ids = Vec::new();
    for (id, plain, sealed) in rows {
        let to = to_address(c, &id, plain, sealed.as_deref())?;
        if domain::account::email_key(&to) == wanted {
            ids.push(id);
        }
    }
    Ok(ids)
}
