//! Secure messages of a case, with attachments. Bodies, file names and file bytes are sealed.

use crate::db::Db;
use crate::error::StoreResult;
use crate::jobs::{self, NewJob};
use crate::{ms, new_id, ts};
use domain::ids::{AttachmentId, CaseId, MessageId, UserId};
use domain::messaging::{AttachmentInfo, Message};
use jiff::Timestamp;

/// Stores a message (and its attachment) with the job that tells the other side, in one transaction.
pub async fn post(
    db: &Db,
    case: &CaseId,
    author: &UserId,
    body: &str,
    attachment: Option<(&str, &str, &[u8])>,
    notify: impl FnOnce(&MessageId) -> NewJob,
    now: Timestamp,
) -> StoreResult<MessageId> {
    let id = MessageId(new_id());
    // Everything of a case is sealed under the case's own data key.
    let key = db.case_key_now(case.as_str()).await?;
    let sealed = db
        .keyring
        .seal_with_key(&key, "messages", "body_sealed", id.as_str(), body);
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO messages (id, case_id, author_id, body_sealed, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.as_str())
        .bind(case.as_str())
        .bind(author.as_str())
        .bind(sealed)
        .bind(ms(now))
        .execute(tx.ex())
        .await?;
    if let Some((name, content_type, bytes)) = attachment {
        let aid = new_id();
        sqlx::query("INSERT INTO attachments (id, message_id, case_id, file_name_sealed, content_type, size, bytes_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&aid)
            .bind(id.as_str())
            .bind(case.as_str())
            .bind(db.keyring.seal_with_key(&key, "attachments", "file_name_sealed", &aid, name))
            .bind(content_type)
            .bind(bytes.len() as i64)
            .bind(db.keyring.seal_bytes_with_key(&key, "attachments", "bytes_sealed", &aid, bytes))
            .execute(tx.ex())
            .await?;
    }
    sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
        .bind(ms(now))
        .bind(case.as_str())
        .execute(tx.ex())
        .await?;
    jobs::enqueue(&mut tx, notify(&id), now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The whole thread of a case, oldest first, opened.
pub async fn thread(db: &Db, case: &CaseId) -> StoreResult<Vec<Message>> {
    let rows: Vec<(String, String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT m.id, m.author_id, u.name, m.body_sealed, m.created_at, m.read_at FROM messages m JOIN users u ON u.id = m.author_id WHERE m.case_id = $1 ORDER BY m.created_at, m.id",
    )
    .bind(case.as_str())
    .fetch_all(&db.pool)
    .await?;
    let files: Vec<(String, String, String, String, i64)> =
        sqlx::query_as("SELECT id, message_id, file_name_sealed, content_type, size FROM attachments WHERE case_id = $1").bind(case.as_str()).fetch_all(&db.pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, author, name, sealed, at, read_at) in rows {
        let attachments = files
            .iter()
            .filter(|f| f.1 == id)
            .map(|f| {
                Ok(AttachmentInfo {
                    id: AttachmentId(f.0.clone()),
                    file_name: db
                        .keyring
                        .open("attachments", "file_name_sealed", &f.0, &f.2)?,
                    content_type: f.3.clone(),
                    size: f.4 as u64,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.push(Message {
            body: db.keyring.open("messages", "body_sealed", &id, &sealed)?,
            id: MessageId(id),
            author_id: UserId(author),
            author_name: name,
            created_at: ts(at),
            read_at: read_at.map(ts),
            attachments,
        });
    }
    Ok(out)
}

/// Marks as read what the other side wrote.
pub async fn mark_read(db: &Db, case: &CaseId, reader: &UserId, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE messages SET read_at = $1 WHERE case_id = $2 AND author_id <> $3 AND read_at IS NULL").bind(ms(now)).bind(case.as_str()).bind(reader.as_str()).execute(&db.pool).await?;
    Ok(())
}

/// An attachment's case, name, type and bytes, opened.
pub async fn attachment(
    db: &Db,
    id: &AttachmentId,
) -> StoreResult<Option<(CaseId, String, String, Vec<u8>)>> {
    let row: Option<(String, String, String, Vec<u8>)> =
        sqlx::query_as("SELECT case_id, file_name_sealed, content_type, bytes_sealed FROM attachments WHERE id = $1").bind(id.as_str()).fetch_optional(&db.pool).await?;
    row.map(|(case, name, kind, bytes)| {
        Ok((
            CaseId(case),
            db.keyring
                .open("attachments", "file_name_sealed", id.as_str(), &name)?,
            kind,
            db.keyring
                .open_bytes("attachments", "bytes_sealed", id.as_str(), &bytes)?,
        ))
    })
    .transpose()
}

/// The message's case and its author, for composing a notification.
pub async fn header(db: &Db, id: &MessageId) -> StoreResult<Option<(CaseId, UserId)>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT case_id, author_id FROM messages WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(c, a)| (CaseId(c), UserId(a))))
}
