//! A fresh database for each test: a SQLite file of its own, or a PostgreSQL schema of its own.
//!
//! PostgreSQL comes from `HOLDSPACE_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//! Where none answers, PostgreSQL tests print a notice and pass, unless `CI` is set: CI always has one.

use crate::db::{Backend, Db, DbConfig};
use crate::seal::MasterKey;
use std::path::PathBuf;

pub fn postgres_url() -> String {
    std::env::var("HOLDSPACE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The configuration of a new, empty database, or `None` when PostgreSQL is wanted but absent.
pub async fn fresh_config(backend: Backend) -> Option<DbConfig> {
    match backend {
        Backend::Sqlite => {
            let dir: PathBuf =
                std::env::temp_dir().join(format!("holdspace-test-{}", crate::random_hex(8)));
            std::fs::create_dir_all(&dir).expect("temp dir");
            Some(DbConfig::sqlite_in(&dir))
        }
        Backend::Postgres => {
            let mut config = DbConfig::url(postgres_url());
            config.schema = Some(format!("t_{}", crate::random_hex(8)));
            config.max_connections = 8;
            Some(config)
        }
    }
}

/// The master key of every test database (`fresh`): fixed, so that a test can open a restored
/// backup of one, and a committed fixture backup opens in later builds. Test data only.
pub const TEST_MASTER_KEY: &str =
    "7465737420646174612c206e6f742061207365637265743a20686f6c64737061";

pub fn test_master_key() -> MasterKey {
    MasterKey::from_hex(TEST_MASTER_KEY).expect("a valid key")
}

/// A migrated, empty database under the test master key.
pub async fn fresh(backend: Backend) -> Option<Db> {
    let config = fresh_config(backend).await?;
    match Db::open(&config, vec![test_master_key()]).await {
        Ok(db) => Some(db),
        Err(e) if backend == Backend::Postgres && std::env::var_os("CI").is_none() => {
            eprintln!(
                "notice: PostgreSQL not reachable ({e}); skipping the PostgreSQL half of this test"
            );
            None
        }
        Err(e) => panic!("cannot open the test database: {e}"),
    }
}

/// The advisory lock every start takes while it migrates (a test holds it to line starts up).
pub const MIGRATION_LOCK: i64 = crate::migrations::PG_MIGRATION_LOCK;

/// Migrates the database of `config` to `version` only, and makes its data keys, as an older
/// build would have left it: a test then opens it with this build's `Db::open`, as a newer build
/// starting on it would (the upgrade and the several-instances tests).
pub async fn migrate_to(config: &DbConfig, version: i64) -> crate::StoreResult<()> {
    let (pool, backend) = crate::db::connect(config).await?;
    crate::migrations::apply_up_to(&pool, backend, version).await?;
    crate::seal::Keyring::load(&pool, vec![test_master_key()]).await?;
    pool.close().await;
    Ok(())
}

/// Runs `test` once per backend.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            use super::*;
            async fn run($db: $crate::Db) $body
            #[tokio::test]
            async fn sqlite() {
                run($crate::testing::fresh($crate::Backend::Sqlite).await.expect("sqlite")).await
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(db) = $crate::testing::fresh($crate::Backend::Postgres).await {
                    run(db).await
                }
            }
        }
    };
}

/// One text value read with raw SQL (tests that look at what is really stored).
pub async fn raw_text(db: &Db, sql: &str, param: &str) -> String {
    sqlx::query_scalar(sql)
        .bind(param)
        .fetch_one(&db.pool)
        .await
        .expect("raw query")
}

/// Rows of three columns (text, number, text) read with raw SQL.
pub async fn raw_triples(db: &Db, sql: &str, param: &str) -> Vec<(String, i64, String)> {
    sqlx::query_as(sql)
        .bind(param)
        .fetch_all(&db.pool)
        .await
        .expect("raw query")
}

/// Rows of two columns read with raw SQL, without parameters.
pub async fn raw_pairs<A, B>(db: &Db, sql: &str) -> Vec<(A, B)>
where
    (A, B): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    sqlx::query_as(sql)
        .fetch_all(&db.pool)
        .await
        .expect("raw query")
}

/// Runs raw SQL (tests that tamper with what is stored).
pub async fn raw_exec(db: &Db, sql: &str) {
    sqlx::query(sql)
        .execute(&db.pool)
        .await
        .expect("raw statement");
}

/// Everything stored, as text: the SQLite files' raw bytes, or `pg_dump` of the test schema.
pub async fn raw_dump(db: &Db) -> String {
    match db.backend() {
        Backend::Sqlite => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&db.pool)
                .await
                .expect("checkpoint");
            let path: String =
                sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_one(&db.pool)
                    .await
                    .expect("file");
            let mut bytes = std::fs::read(&path).expect("read the database file");
            if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                bytes.extend(wal);
            }
            String::from_utf8_lossy(&bytes).to_string()
        }
        Backend::Postgres => {
            let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
                .fetch_one(&db.pool)
                .await
                .expect("schema");
            let out = std::process::Command::new("pg_dump")
                .args(["--data-only", "--schema", &schema, &postgres_url()])
                .output()
                .expect("pg_dump (package postgresql-client) is needed for this test");
            assert!(
                out.status.success(),
                "pg_dump failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).to_string()
        }
    }
}

/// Makes every INSERT into `table` fail from now on, as a full disk or a lost connection would in
/// the middle of a use-case: the failure-injection tests show that nothing of the use-case's
/// cause remains. The failure is a real one, raised by the database, on both backends.
pub async fn fail_inserts_into(db: &Db, table: &str) {
    assert!(
        table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
        "a plain table name"
    );
    let statements = match db.backend() {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER injected_failure_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )],
        Backend::Postgres => vec![
            "CREATE OR REPLACE FUNCTION injected_failure() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql".to_string(),
            format!("CREATE TRIGGER injected_failure_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION injected_failure()"),
        ],
    };
    for sql in statements {
        raw_exec(db, &sql).await;
    }
}

/// Undoes `fail_inserts_into`.
pub async fn heal_inserts_into(db: &Db, table: &str) {
    let sql = match db.backend() {
        Backend::Sqlite => format!("DROP TRIGGER injected_failure_{table}"),
        Backend::Postgres => format!("DROP TRIGGER injected_failure_{table} ON {table}"),
    };
    raw_exec(db, &sql).await;
}

/// How many rows `table` holds (failure-injection tests count what a failed use-case left).
pub async fn count_rows(db: &Db, table: &str) -> i64 {
    assert!(
        table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
        "a plain table name"
    );
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&db.pool)
        .await
        .expect("count")
}

/// The generic plan PostgreSQL would use for `sql`, a statement the app ran, as `EXPLAIN` prints
/// it (the plans test). PostgreSQL 15 has no `EXPLAIN (GENERIC_PLAN)`, so the statement is
/// prepared under `force_generic_plan` and explained with a NULL for each of its parameters; with
/// sequential scans priced out, a tiny table still shows whether an index could serve the query.
/// The work happens on a connection taken out of the pool and closed after, so neither the
/// settings nor the prepared statement outlive it.
pub async fn generic_plan(db: &Db, sql: &str) -> Result<Vec<String>, String> {
    use sqlx::{Connection, Executor, Row};
    assert_eq!(db.backend(), Backend::Postgres, "plans are PostgreSQL's");
    let pooled = db.pool.acquire().await.map_err(|e| e.to_string())?;
    let mut conn = pooled.detach();
    let result = async {
        conn.execute("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off")
            .await?;
        conn.execute(format!("PREPARE holdspace_plan AS {sql}").as_str())
            .await?;
        let n: i32 = sqlx::query_scalar(
            "SELECT cardinality(parameter_types) FROM pg_prepared_statements WHERE name = 'holdspace_plan'",
        )
        .fetch_one(&mut conn)
        .await?;
        let nulls = vec!["NULL"; usize::try_from(n).unwrap_or(0)].join(", ");
        let explain = if nulls.is_empty() {
            "EXPLAIN EXECUTE holdspace_plan".to_string()
        } else {
            format!("EXPLAIN EXECUTE holdspace_plan({nulls})")
        };
        let rows = conn.fetch_all(explain.as_str()).await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()
    }
    .await
    .map_err(|e: sqlx::Error| e.to_string());
    let _ = conn.close().await;
    result
}
