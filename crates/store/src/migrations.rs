//! Append-only migrations, applied at start in one transaction each.
//!
//! Each file is portable SQL with one token, `{blob}`, that becomes BLOB on SQLite and BYTEA on
//! PostgreSQL. A released migration is never edited: add the next file instead.

use crate::db::Backend;
use crate::error::{StoreError, StoreResult};
use sqlx::{AnyPool, Executor};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/0001_foundation.sql"),
    ),
    (2, "audit", include_str!("../migrations/0002_audit.sql")),
    (
        3,
        "accounts",
        include_str!("../migrations/0003_accounts.sql"),
    ),
    (
        4,
        "passkeys",
        include_str!("../migrations/0004_passkeys.sql"),
    ),
    (
        5,
        "case_keys",
        include_str!("../migrations/0005_case_keys.sql"),
    ),
    (6, "booking", include_str!("../migrations/0006_booking.sql")),
    (
        7,
        "manage_bookings",
        include_str!("../migrations/0007_manage_bookings.sql"),
    ),
    (
        8,
        "exceptions",
        include_str!("../migrations/0008_exceptions.sql"),
    ),
    (
        9,
        "calendar_feed",
        include_str!("../migrations/0009_calendar_feed.sql"),
    ),
    (10, "rooms", include_str!("../migrations/0010_rooms.sql")),
    (11, "intake", include_str!("../migrations/0011_intake.sql")),
    (
        12,
        "agreements",
        include_str!("../migrations/0012_agreements.sql"),
    ),
    (
        13,
        "workspace",
        include_str!("../migrations/0013_workspace.sql"),
    ),
    (
        14,
        "measure_schedules",
        include_str!("../migrations/0014_measure_schedules.sql"),
    ),
    (
        15,
        "measure_schedule_unit",
        include_str!("../migrations/0015_measure_schedule_unit.sql"),
    ),
    (
        16,
        "practice_currency",
        include_str!("../migrations/0016_practice_currency.sql"),
    ),
    (
        17,
        "open_to_visitors",
        include_str!("../migrations/0017_open_to_visitors.sql"),
    ),
    (
        18,
        "the_day",
        include_str!("../migrations/0018_the_day.sql"),
    ),
    (
        19,
        "crisis_by_country",
        include_str!("../migrations/0019_crisis_by_country.sql"),
    ),
    (
        20,
        "session_notes",
        include_str!("../migrations/0020_session_notes.sql"),
    ),
    (21, "series", include_str!("../migrations/0021_series.sql")),
    (
        22,
        "attendance",
        include_str!("../migrations/0022_attendance.sql"),
    ),
    (
        23,
        "focus_and_ending",
        include_str!("../migrations/0023_focus_and_ending.sql"),
    ),
    (
        24,
        "own_note_headings",
        include_str!("../migrations/0024_own_note_headings.sql"),
    ),
    (
        25,
        "absences",
        include_str!("../migrations/0025_absences.sql"),
    ),
    (
        26,
        "billing",
        include_str!("../migrations/0026_billing.sql"),
    ),
    (27, "claims", include_str!("../migrations/0027_claims.sql")),
    (
        28,
        "audit_mac",
        include_str!("../migrations/0028_audit_mac.sql"),
    ),
    (
        29,
        "retention",
        include_str!("../migrations/0029_retention.sql"),
    ),
    (
        30,
        "sealed_identities",
        include_str!("../migrations/0030_sealed_identities.sql"),
    ),
    (
        31,
        "hot_indexes",
        include_str!("../migrations/0031_hot_indexes.sql"),
    ),
    (
        32,
        "site_version",
        include_str!("../migrations/0032_site_version.sql"),
    ),
    (
        33,
        "bounded_reads",
        include_str!("../migrations/0033_bounded_reads.sql"),
    ),
    (
        34,
        "inbox_keyset",
        include_str!("../migrations/0034_inbox_keyset.sql"),
    ),
];

/// An arbitrary constant: the advisory lock that keeps two starting instances from migrating at once.
pub(crate) const PG_MIGRATION_LOCK: i64 = 0x686f_6c64;

/// The schema version of this build: its newest migration.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Applies every pending migration; refuses a database migrated by a newer build.
pub async fn apply(pool: &AnyPool, backend: Backend) -> StoreResult<()> {
    apply_up_to(pool, backend, LATEST).await
}

/// Applies the pending migrations up to `target` (a restore stops at its backup's version, writes
/// the rows, then applies the rest).
pub(crate) async fn apply_up_to(pool: &AnyPool, backend: Backend, target: i64) -> StoreResult<()> {
    let mut conn = pool.acquire().await?;
    if backend == Backend::Postgres {
        conn.execute(format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})").as_str())
            .await?;
    }
    let result = apply_pending(&mut conn, backend, target).await;
    if backend == Backend::Postgres {
        conn.execute(format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})").as_str())
            .await?;
    }
    result
}

async fn apply_pending(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    backend: Backend,
    target: i64,
) -> StoreResult<()> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut **conn)
        .await?;
    // A newer build may have changed what the rows mean: running this one on it could corrupt
    // them quietly, so it stops before touching anything.
    if let Some(&found) = applied.iter().max() {
        if found > LATEST {
            return Err(StoreError::TooNew {
                found,
                known: LATEST,
            });
        }
    }
    let pending = MIGRATIONS
        .iter()
        .filter(|(v, _, _)| *v <= target && !applied.contains(v));
    for &(version, name, sql) in pending {
        let fail = |e: sqlx::Error| StoreError::Migration {
            version,
            reason: e.to_string(),
        };
        let mut tx = sqlx::Connection::begin(&mut **conn).await.map_err(fail)?;
        for statement in statements(sql, backend) {
            tx.execute(statement.as_str()).await.map_err(fail)?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(name)
        .bind(jiff::Timestamp::now().as_millisecond())
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(())
}

/// The statements of one file, in the dialect of `backend`. Statements end with `;` at a line's end.
fn statements(sql: &str, backend: Backend) -> Vec<String> {
    let blob = match backend {
        Backend::Sqlite => "BLOB",
        Backend::Postgres => "BYTEA",
    };
    let without_comments: String = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    without_comments
        .replace("{blob}", blob)
        .split(";\n")
        .map(|s| s.trim().trim_end_matches(';').trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_becomes_the_dialects_type_and_comments_go() {
        let sql = "-- a comment\nCREATE TABLE a (b {blob});\nCREATE TABLE c (d TEXT);\n";
        assert_eq!(
            statements(sql, Backend::Postgres),
            ["CREATE TABLE a (b BYTEA)", "CREATE TABLE c (d TEXT)"]
        );
        assert_eq!(
            statements(sql, Backend::Sqlite)[0],
            "CREATE TABLE a (b BLOB)"
        );
    }

    #[test]
    fn migrations_are_numbered_in_order_without_gaps() {
        for (i, (v, _, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
        }
    }
}
