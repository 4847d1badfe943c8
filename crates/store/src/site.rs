//! The public site's version: one row that every change to what a visitor reads moves on, so each
//! instance can tell, with one small query now and then, that its cached pages are out of date.

use crate::conn::Conn;
use crate::error::StoreResult;

/// Moves the version on, inside the caller's transaction (it commits with the change it marks).
/// An upsert: a restore empties every table, this one's seeded row included.
pub async fn bump(c: &mut Conn) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO site_version (id, version) VALUES (1, 1) \
         ON CONFLICT (id) DO UPDATE SET version = site_version.version + 1",
    )
    .execute(c.ex())
    .await?;
    Ok(())
}

/// The version now; 0 where the row is missing (a database restored without it starts again).
pub async fn version(c: &mut Conn) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT version FROM site_version WHERE id = 1")
            .fetch_optional(c.ex())
            .await?
            .unwrap_or(0),
    )
}
