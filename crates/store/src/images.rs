//! Uploaded images, content-addressed by their SHA-256 so a URL never needs to change or expire.

use crate::db::Db;
use crate::error::StoreResult;
use crate::{ms, ts};
use domain::ids::ImageId;
use jiff::Timestamp;

pub use domain::content::ImageInfo;

/// Stores the bytes under their hash; storing the same image twice keeps one copy.
pub async fn put(
    db: &Db,
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
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn get(db: &Db, id: &ImageId) -> StoreResult<Option<(String, Vec<u8>)>> {
    Ok(
        sqlx::query_as("SELECT content_type, bytes FROM images WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub async fn list(db: &Db, limit: u32) -> StoreResult<Vec<ImageInfo>> {
    let rows: Vec<(String, String, i64, String, i64)> =
        sqlx::query_as("SELECT id, content_type, size, file_name, created_at FROM images ORDER BY created_at DESC, id LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| ImageInfo {
            id: ImageId(r.0),
            content_type: r.1,
            size: r.2 as u64,
            file_name: r.3,
            created_at: ts(r.4),
        })
        .collect())
}
