//! Secure messages of a case, with attachments. Bodies, file names and file bytes are sealed.

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::{ms, new_id, ts};
use domain::ids::{AttachmentId, CaseId, MessageId, UserId};
use domain::messaging::{AttachmentInfo, Message};
use jiff::Timestamp;

/// A file to store with a message.
pub struct NewAttachment<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// Stores a message (and its attachment) inside the caller's transaction; the caller enqueues the
/// job that tells the other side in the same one.
pub async fn post(
    c: &mut Conn,
    case: &CaseId,
    author: &UserId,
    body: &str,
    attachment: Option<NewAttachment<'_>>,
    now: Timestamp,
) -> StoreResult<MessageId> {
    let id = MessageId(new_id());
    // Everything of a case is sealed under the case's own data key.
    let key = c.case_key(case.as_str()).await?;
    let sealed = c
        .keyring
        .seal_with_key(&key, "messages", "body_sealed", id.as_str(), body);
    sqlx::query("INSERT INTO messages (id, case_id, author_id, body_sealed, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.as_str())
        .bind(case.as_str())
        .bind(author.as_str())
        .bind(sealed)
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    if let Some(a) = attachment {
        let aid = new_id();
        let name =
            c.keyring
                .seal_with_key(&key, "attachments", "file_name_sealed", &aid, a.file_name);
        let bytes =
            c.keyring
                .seal_bytes_with_key(&key, "attachments", "bytes_sealed", &aid, a.bytes);
        sqlx::query("INSERT INTO attachments (id, message_id, case_id, file_name_sealed, content_type, size, bytes_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&aid)
            .bind(id.as_str())
            .bind(case.as_str())
            .bind(name)
            .bind(a.content_type)
            .bind(a.bytes.len() as i64)
            .bind(bytes)
            .execute(c.ex())
            .await?;
    }
    sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
        .bind(ms(now))
        .bind(case.as_str())
        .execute(c.ex())
        .await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: String,
    author_id: String,
    author_name: String,
    author_name_sealed: Option<String>,
    body_sealed: String,
    created_at: i64,
    read_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: String,
    message_id: String,
    file_name_sealed: String,
    content_type: String,
    size: i64,
}

/// The whole thread of a case, oldest first, opened.
pub async fn thread(c: &mut Conn, case: &CaseId) -> StoreResult<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT m.id, m.author_id, u.name AS author_name, u.name_sealed AS author_name_sealed, m.body_sealed, m.created_at, m.read_at FROM messages m JOIN users u ON u.id = m.author_id WHERE m.case_id = $1 ORDER BY m.created_at, m.id",
    )
    .bind(case.as_str())
    .fetch_all(c.ex())
    .await?;
    let files: Vec<AttachmentRow> = sqlx::query_as(
        "SELECT id, message_id, file_name_sealed, content_type, size FROM attachments WHERE case_id = $1",
    )
    .bind(case.as_str())
    .fetch_all(c.ex())
    .await?;
    let keyring = &c.keyring;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let attachments = files
            .iter()
            .filter(|f| f.message_id == m.id)
            .map(|f| {
                Ok(AttachmentInfo {
                    id: AttachmentId(f.id.clone()),
                    file_name: keyring.open(
                        "attachments",
                        "file_name_sealed",
                        &f.id,
                        &f.file_name_sealed,
                    )?,
                    content_type: f.content_type.clone(),
                    size: u64::try_from(f.size).unwrap_or(0),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.push(Message {
            body: keyring.open("messages", "body_sealed", &m.id, &m.body_sealed)?,
            id: MessageId(m.id),
            author_name: crate::identity::opened(
                keyring,
                "users",
                "name_sealed",
                &m.author_id,
                m.author_name,
                m.author_name_sealed.as_deref(),
            )?,
            author_id: UserId(m.author_id),
            created_at: ts(m.created_at),
            read_at: m.read_at.map(ts),
            attachments,
        });
    }
    Ok(out)
}

/// Marks as read what the other side wrote.
pub async fn mark_read(
    c: &mut Conn,
    case: &CaseId,
    reader: &UserId,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE messages SET read_at = $1 WHERE case_id = $2 AND author_id <> $3 AND read_at IS NULL")
        .bind(ms(now))
        .bind(case.as_str())
        .bind(reader.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

/// An attachment, opened.
#[derive(Clone, Debug)]
pub struct Attachment {
    pub case: CaseId,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct SealedAttachmentRow {
    case_id: String,
    file_name_sealed: String,
    content_type: String,
    bytes_sealed: Vec<u8>,
}

/// An attachment's case, name, type and bytes, opened.
pub async fn attachment(c: &mut Conn, id: &AttachmentId) -> StoreResult<Option<Attachment>> {
    let row: Option<SealedAttachmentRow> = sqlx::query_as(
        "SELECT case_id, file_name_sealed, content_type, bytes_sealed FROM attachments WHERE id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(c.ex())
    .await?;
    row.map(|r| {
        Ok(Attachment {
            case: CaseId(r.case_id),
            file_name: c.keyring.open(
                "attachments",
                "file_name_sealed",
                id.as_str(),
                &r.file_name_sealed,
            )?,
            content_type: r.content_type,
            bytes: c.keyring.open_bytes(
                "attachments",
                "bytes_sealed",
                id.as_str(),
                &r.bytes_sealed,
            )?,
        })
    })
    .transpose()
}

/// The message's case and its author, for composing a notification.
pub async fn header(c: &mut Conn, id: &MessageId) -> StoreResult<Option<(CaseId, UserId)>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT case_id, author_id FROM messages WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(c.ex())
            .await?;
    Ok(row.map(|(c, a)| (CaseId(c), UserId(a))))
}
