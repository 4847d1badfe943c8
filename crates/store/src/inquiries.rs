//! Messages sent through the site's form, and the therapist's replies. Message and reply texts are sealed.

use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use crate::jobs::{self, NewJob};
use crate::{ms, new_id, ts};
use domain::account::User;
use domain::ids::InquiryId;
use domain::inquiry::{Inquiry, InquiryRecord, InquiryStatus, InquirySummary, Reply};
use jiff::Timestamp;

const TABLE: &str = "inquiries";

/// Stores a message and the job that tells the therapist, in one transaction: when this returns,
/// the message is durable and the notification will be sent.
pub async fn create(
    db: &Db,
    inquiry: &Inquiry,
    notify: impl FnOnce(&InquiryId) -> NewJob,
    now: Timestamp,
) -> StoreResult<InquiryId> {
    let id = InquiryId(new_id());
    let sealed = db
        .keyring
        .seal(TABLE, "message_sealed", id.as_str(), &inquiry.message);
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO inquiries (id, name, email, phone, preferred_time, message_sealed, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'new', $7, $7)",
    )
    .bind(id.as_str())
    .bind(&inquiry.name)
    .bind(&inquiry.email)
    .bind(inquiry.phone.as_deref())
    .bind(inquiry.preferred_time.as_deref())
    .bind(sealed)
    .bind(ms(now))
    .execute(tx.ex())
    .await?;
    jobs::enqueue(&mut tx, notify(&id), now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The inbox: newest first, optionally one status only. No message text.
pub async fn list(
    db: &Db,
    status: Option<InquiryStatus>,
    offset: u64,
    limit: u32,
) -> StoreResult<Vec<InquirySummary>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT id, name, status, created_at FROM inquiries WHERE ($1 = '' OR status = $1) ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
    )
    .bind(status.map(|s| s.as_str()).unwrap_or(""))
    .bind(i64::from(limit))
    .bind(offset as i64)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| InquirySummary {
            id: InquiryId(r.0),
            name: r.1,
            status: InquiryStatus::parse(&r.2),
            created_at: ts(r.3),
        })
        .collect())
}

pub async fn count(db: &Db, status: Option<InquiryStatus>) -> StoreResult<u64> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM inquiries WHERE ($1 = '' OR status = $1)")
            .bind(status.map(|s| s.as_str()).unwrap_or(""))
            .fetch_one(&db.pool)
            .await?;
    Ok(n as u64)
}

/// One message with its replies, opened.
pub async fn get(db: &Db, id: &InquiryId) -> StoreResult<Option<InquiryRecord>> {
    type Row = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        i64,
    );
    let row: Option<Row> = sqlx::query_as("SELECT id, name, email, phone, preferred_time, message_sealed, status, created_at FROM inquiries WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&db.pool)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let message = db.keyring.open(TABLE, "message_sealed", &r.0, &r.5)?;
    let replies: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT r.id, u.name, r.body_sealed, r.created_at FROM inquiry_replies r JOIN users u ON u.id = r.author_id WHERE r.inquiry_id = $1 ORDER BY r.created_at, r.id",
    )
    .bind(id.as_str())
    .fetch_all(&db.pool)
    .await?;
    let replies = replies
        .into_iter()
        .map(|(rid, author_name, sealed, at)| {
            Ok(Reply {
                body: db
                    .keyring
                    .open("inquiry_replies", "body_sealed", &rid, &sealed)?,
                id: rid,
                author_name,
                created_at: ts(at),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(InquiryRecord {
        id: InquiryId(r.0),
        name: r.1,
        email: r.2,
        phone: r.3,
        preferred_time: r.4,
        message,
        status: InquiryStatus::parse(&r.6),
        created_at: ts(r.7),
        replies,
    }))
}

pub async fn set_status(
    db: &Db,
    id: &InquiryId,
    status: InquiryStatus,
    now: Timestamp,
) -> StoreResult<()> {
    let done = sqlx::query("UPDATE inquiries SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(ms(now))
        .bind(id.as_str())
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Keeps the therapist's reply with the thread and enqueues its email, in one transaction.
pub async fn add_reply(
    db: &Db,
    id: &InquiryId,
    author: &User,
    body: &str,
    send: impl FnOnce(&str) -> NewJob,
    now: Timestamp,
) -> StoreResult<String> {
    let reply_id = new_id();
    let sealed = db
        .keyring
        .seal("inquiry_replies", "body_sealed", &reply_id, body);
    let mut tx = db.begin().await?;
    let touched =
        sqlx::query("UPDATE inquiries SET status = 'replied', updated_at = $1 WHERE id = $2")
            .bind(ms(now))
            .bind(id.as_str())
            .execute(tx.ex())
            .await?;
    if touched.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    sqlx::query("INSERT INTO inquiry_replies (id, inquiry_id, author_id, body_sealed, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&reply_id)
        .bind(id.as_str())
        .bind(author.id.as_str())
        .bind(sealed)
        .bind(ms(now))
        .execute(tx.ex())
        .await?;
    jobs::enqueue(&mut tx, send(&reply_id), now).await?;
    tx.commit().await?;
    Ok(reply_id)
}

/// What a reply's email needs: the visitor's name and address, the reply's text.
pub async fn reply_for_mail(
    db: &Db,
    reply_id: &str,
) -> StoreResult<Option<(String, String, String)>> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT i.name, i.email, r.body_sealed FROM inquiry_replies r JOIN inquiries i ON i.id = r.inquiry_id WHERE r.id = $1",
    )
    .bind(reply_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|(name, email, sealed)| {
        Ok((
            name,
            email,
            db.keyring
                .open("inquiry_replies", "body_sealed", reply_id, &sealed)?,
        ))
    })
    .transpose()
}
