//! Messages sent through the site's form, and the therapist's replies. Message and reply texts are sealed.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::identity::opened;
use crate::{ms, new_id, ts};
use domain::account::User;
use domain::content::{Mark, Pager, Window};
use domain::ids::InquiryId;
use domain::inquiry::{Inquiry, InquiryRecord, InquiryStatus, InquirySummary, Reply};
use jiff::Timestamp;

const TABLE: &str = "inquiries";

/// Stores a message (the caller enqueues its notification in the same transaction).
pub async fn create(c: &mut Conn, inquiry: &Inquiry, now: Timestamp) -> StoreResult<InquiryId> {
    let id = InquiryId(new_id());
    let k = &c.keyring;
    let sealed = k.seal(TABLE, "message_sealed", id.as_str(), &inquiry.message);
    // Who wrote is as private as what they wrote: name, address and phone are sealed too, and the
    // plain columns stay empty.
    let name = k.seal(TABLE, "name_sealed", id.as_str(), &inquiry.name);
    let email = k.seal(TABLE, "email_sealed", id.as_str(), &inquiry.email);
    let phone = inquiry
        .phone
        .as_deref()
        .map(|p| k.seal(TABLE, "phone_sealed", id.as_str(), p));
    sqlx::query(
        "INSERT INTO inquiries (id, name, email, phone, preferred_time, message_sealed, status, created_at, updated_at, name_sealed, email_sealed, phone_sealed) VALUES ($1, '', '', NULL, $2, $3, 'new', $4, $4, $5, $6, $7)",
    )
    .bind(id.as_str())
    .bind(inquiry.preferred_time.as_deref())
    .bind(sealed)
    .bind(ms(now))
    .bind(name)
    .bind(email)
    .bind(phone)
    .execute(c.ex())
    .await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
    name: String,
    name_sealed: Option<String>,
    status: String,
    created_at: i64,
}

/// A page of the inbox, newest first, optionally one status only, with where its pager leads. No
/// message text. Keyset paging on `(created_at, id)`: a deep page reads what the first does.
pub async fn list(
    c: &mut Conn,
    status: Option<InquiryStatus>,
    window: &Window,
    limit: u32,
) -> StoreResult<(Vec<InquirySummary>, Pager)> {
    let limit = limit.max(1);
    let (rows, pager) = match window {
        Window::Newest => newest(c, status, limit).await?,
        Window::OlderThan(mark) => {
            let (rows, more) =
                window_rows(c, status, Some((mark, Direction::Older)), limit).await?;
            let pager = Pager {
                // The mark's row is newer than this page (a page past the end leads back to it).
                newer: mark_of(rows.first()).or_else(|| Some(mark.param())),
                older: if more { mark_of(rows.last()) } else { None },
            };
            (rows, pager)
        }
        Window::NewerThan(mark) => {
            let (mut rows, more) =
                window_rows(c, status, Some((mark, Direction::Newer)), limit).await?;
            if more {
                rows.reverse();
                let pager = Pager {
                    newer: mark_of(rows.first()),
                    older: mark_of(rows.last()),
                };
                (rows, pager)
            } else {
                // Nothing newer beyond a page: that is the newest page, filled.
                newest(c, status, limit).await?
            }
        }
    };
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(InquirySummary {
                name: opened(
                    &c.keyring,
                    TABLE,
                    "name_sealed",
                    &r.id,
                    r.name,
                    r.name_sealed.as_deref(),
                )?,
                id: InquiryId(r.id),
                status: InquiryStatus::parse(&r.status),
                created_at: ts(r.created_at),
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok((items, pager))
}

async fn newest(
    c: &mut Conn,
    status: Option<InquiryStatus>,
    limit: u32,
) -> StoreResult<(Vec<SummaryRow>, Pager)> {
    let (rows, more) = window_rows(c, status, None, limit).await?;
    let older = if more { mark_of(rows.last()) } else { None };
    Ok((rows, Pager { newer: None, older }))
}

#[derive(Clone, Copy)]
enum Direction {
    Older,
    Newer,
}

fn mark_of(row: Option<&SummaryRow>) -> Option<String> {
    row.map(|r| {
        Mark {
            at: ts(r.created_at),
            id: r.id.clone(),
        }
        .param()
    })
}

/// Up to `limit` rows from the newest, or beyond a mark (older ones newest first, newer ones oldest
/// first), and whether more follow in that direction. The key's columns run one way, so an index
/// on `(created_at, id)` (after the status) seeks to the mark and reads forwards or backwards.
async fn window_rows(
    c: &mut Conn,
    status: Option<InquiryStatus>,
    from: Option<(&Mark, Direction)>,
    limit: u32,
) -> StoreResult<(Vec<SummaryRow>, bool)> {
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    let mut conditions = Vec::new();
    if status.is_some() {
        conditions.push(format!("status = {}", next()));
    }
    let order = match from {
        None | Some((_, Direction::Older)) => "created_at DESC, id DESC",
        Some((_, Direction::Newer)) => "created_at, id",
    };
    if let Some((_, direction)) = from {
        let op = match direction {
            Direction::Older => "<",
            Direction::Newer => ">",
        };
        conditions.push(format!("(created_at, id) {op} ({}, {})", next(), next()));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT id, name, name_sealed, status, created_at FROM inquiries {filter} ORDER BY {order} LIMIT {}",
        next()
    );
    let mut query = sqlx::query_as(&sql);
    if let Some(status) = status {
        query = query.bind(status.as_str());
    }
    if let Some((mark, _)) = from {
        query = query.bind(ms(mark.at)).bind(mark.id.clone());
    }
    // One row more than asked tells whether the pager goes on.
    let mut rows: Vec<SummaryRow> = query.bind(i64::from(limit) + 1).fetch_all(c.ex()).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

pub async fn count(c: &mut Conn, status: Option<InquiryStatus>) -> StoreResult<u64> {
    let n: i64 = match status {
        Some(status) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM inquiries WHERE status = $1")
                .bind(status.as_str())
                .fetch_one(c.ex())
                .await?
        }
        None => {
            sqlx::query_scalar("SELECT COUNT(*) FROM inquiries")
                .fetch_one(c.ex())
                .await?
        }
    };
    Ok(n as u64)
}

#[derive(sqlx::FromRow)]
struct InquiryRow {
    id: String,
    name: String,
    email: String,
    phone: Option<String>,
    preferred_time: Option<String>,
    message_sealed: String,
    status: String,
    created_at: i64,
    name_sealed: Option<String>,
    email_sealed: Option<String>,
    phone_sealed: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ReplyRow {
    id: String,
    name: String,
    body_sealed: String,
    created_at: i64,
}

/// One message with its replies, opened.
pub async fn get(c: &mut Conn, id: &InquiryId) -> StoreResult<Option<InquiryRecord>> {
    let row: Option<InquiryRow> = sqlx::query_as("SELECT id, name, email, phone, preferred_time, message_sealed, status, created_at, name_sealed, email_sealed, phone_sealed FROM inquiries WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(c.ex())
        .await?;
    let Some(r) = row else { return Ok(None) };
    let message = c
        .keyring
        .open(TABLE, "message_sealed", &r.id, &r.message_sealed)?;
    let k = &c.keyring;
    let name = opened(
        k,
        TABLE,
        "name_sealed",
        &r.id,
        r.name,
        r.name_sealed.as_deref(),
    )?;
    let email = opened(
        k,
        TABLE,
        "email_sealed",
        &r.id,
        r.email,
        r.email_sealed.as_deref(),
    )?;
    let phone = match r.phone_sealed.as_deref() {
        Some(p) => Some(k.open(TABLE, "phone_sealed", &r.id, p)?),
        None => r.phone,
    };
    let replies: Vec<ReplyRow> = sqlx::query_as(
        "SELECT r.id, u.name, r.body_sealed, r.created_at FROM inquiry_replies r JOIN users u ON u.id = r.author_id WHERE r.inquiry_id = $1 ORDER BY r.created_at, r.id",
    )
    .bind(id.as_str())
    .fetch_all(c.ex())
    .await?;
    let replies = replies
        .into_iter()
        .map(|r| {
            Ok(Reply {
                body: c
                    .keyring
                    .open("inquiry_replies", "body_sealed", &r.id, &r.body_sealed)?,
                id: r.id,
                author_name: r.name,
                created_at: ts(r.created_at),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(InquiryRecord {
        id: InquiryId(r.id),
        name,
        email,
        phone,
        preferred_time: r.preferred_time,
        message,
        status: InquiryStatus::parse(&r.status),
        created_at: ts(r.created_at),
        replies,
    }))
}

pub async fn set_status(
    c: &mut Conn,
    id: &InquiryId,
    status: InquiryStatus,
    now: Timestamp,
) -> StoreResult<()> {
    let done = sqlx::query("UPDATE inquiries SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(ms(now))
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Keeps the therapist's reply with the thread (the caller enqueues its email in the same transaction).
pub async fn add_reply(
    c: &mut Conn,
    id: &InquiryId,
    author: &User,
    body: &str,
    now: Timestamp,
) -> StoreResult<String> {
    let reply_id = new_id();
    let sealed = c
        .keyring
        .seal("inquiry_replies", "body_sealed", &reply_id, body);
    let touched =
        sqlx::query("UPDATE inquiries SET status = 'replied', updated_at = $1 WHERE id = $2")
            .bind(ms(now))
            .bind(id.as_str())
            .execute(c.ex())
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
        .execute(c.ex())
        .await?;
    Ok(reply_id)
}

/// What a reply's email needs: the visitor's name and address, the reply's text.
pub struct ReplyMail {
    pub name: String,
    pub email: String,
    pub body: String,
}

#[derive(sqlx::FromRow)]
struct ReplyMailRow {
    inquiry_id: String,
    name: String,
    email: String,
    name_sealed: Option<String>,
    email_sealed: Option<String>,
    body_sealed: String,
}

pub async fn reply_for_mail(c: &mut Conn, reply_id: &str) -> StoreResult<Option<ReplyMail>> {
    let row: Option<ReplyMailRow> = sqlx::query_as(
        "SELECT i.id AS inquiry_id, i.name, i.email, i.name_sealed, i.email_sealed, r.body_sealed FROM inquiry_replies r JOIN inquiries i ON i.id = r.inquiry_id WHERE r.id = $1",
    )
    .bind(reply_id)
    .fetch_optional(c.ex())
    .await?;
    row.map(|r| {
        let k = &c.keyring;
        let (id, sealed_name, sealed_email) = (&r.inquiry_id, &r.name_sealed, &r.email_sealed);
        Ok(ReplyMail {
            body: k.open("inquiry_replies", "body_sealed", reply_id, &r.body_sealed)?,
            name: opened(k, TABLE, "name_sealed", id, r.name, sealed_name.as_deref())?,
            email: opened(
                k,
                TABLE,
                "email_sealed",
                id,
                r.email,
                sealed_email.as_deref(),
            )?,
        })
    })
    .transpose()
}
