//! Uploaded images, content-addressed by their SHA-256 so a URL never needs to change or expire.

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::{ms, ts};
use domain::ids::ImageId;
use jiff::Timestamp;

pub use domain::content::ImageInfo;

/// Stores the bytes under their hash; storing the same image twice keeps one copy.
pub async fn put(
    c: &mut Conn,
    id: &ImageId,
    content_type: &str,
    bytes: &[u8],
    file_name: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO images (id, content_type, bytes, size, file_name, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING")
        .bind(id.as_str())
        .bind(content_type)
        .bind(bytes.to_vec())
        .bind(bytes.len() as i64)
        .bind(file_name)
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    Ok(())
}

pub async fn get(c: &mut Conn, id: &ImageId) -> StoreResult<Option<(String, Vec<u8>)>> {
    Ok(
        sqlx::query_as("SELECT content_type, bytes FROM images WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(c.ex())
            .await?,
    )
}

#[derive(sqlx::FromRow)]
struct ImageRow {
    id: String,
    content_type: String,
    size: i64,
    file_name: String,
    created_at: i64,
}

pub async fn list(c: &mut Conn, limit: u32) -> StoreResult<Vec<ImageInfo>> {
    let rows: Vec<ImageRow> =
        sqlx::query_as("SELECT id, content_type, size, file_name, created_at FROM images ORDER BY created_at DESC, id LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(c.ex())
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| ImageInfo {
            id: ImageId(r.id),
            content_type: r.content_type,
            size: r.size as u64,
            file_name: r.file_name,
            created_at: ts(r.created_at),
        })
        .collect())
}
