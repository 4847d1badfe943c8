//! Several instances of a newer build starting at once on one PostgreSQL database (a rolling
//! upgrade, or a service manager starting them together): each finds the last migration pending,
//! one applies it, the others wait on the advisory lock and find nothing left to do. SQLite
//! serves one instance only, so this holds for PostgreSQL alone.

use sqlx::{Connection, Executor};
use std::time::Duration;
use store::{testing, Backend, Db};

/// How many instances start together.
const INSTANCES: usize = 3;

#[tokio::test]
async fn instances_starting_together_apply_each_migration_once() {
    let config = testing::fresh_config(Backend::Postgres)
        .await
        .expect("a PostgreSQL configuration");
    // As the previous build left it: every migration but the last, and its data keys.
    let older = store::SCHEMA_VERSION - 1;
    if let Err(e) = testing::migrate_to(&config, older).await {
        assert!(
            std::env::var_os("CI").is_none(),
            "cannot prepare the test database: {e}"
        );
        eprintln!("notice: PostgreSQL not reachable ({e}); skipping the several-instances test");
        return;
    }
    // The lock is held while the instances start, so every one of them is past connecting and
    // waits, with the last migration pending, before any may apply it.
    let mut holder = sqlx::PgConnection::connect(&testing::postgres_url())
        .await
        .expect("a connection to hold the lock");
    holder
        .execute(format!("SELECT pg_advisory_lock({})", testing::MIGRATION_LOCK).as_str())
        .await
        .expect("the migration lock");
    let starts: Vec<_> = (0..INSTANCES)
        .map(|_| {
            let config = config.clone();
            tokio::spawn(async move { Db::open(&config, vec![testing::test_master_key()]).await })
        })
        .collect();
    let waiting = waiting_on_the_lock(&mut holder, INSTANCES).await;
    // Other tests' databases on the same server may be starting too: at least ours wait.
    assert!(
        waiting >= INSTANCES,
        "every instance waits on the lock ({waiting} waiting)"
    );
    holder
        .execute(format!("SELECT pg_advisory_unlock({})", testing::MIGRATION_LOCK).as_str())
        .await
        .expect("the lock given back");

    let mut dbs = Vec::new();
    for start in starts {
        let opened = tokio::time::timeout(Duration::from_secs(60), start)
            .await
            .expect("an instance starts within a minute")
            .expect("the start task");
        dbs.push(opened.expect("every instance opens the database"));
    }
    let db = &dbs[0];
    // Each version once, and the newest is there.
    let versions: Vec<(i64, i64)> = testing::raw_pairs(
        db,
        "SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version",
    )
    .await;
    assert_eq!(
        versions.len(),
        usize::try_from(store::SCHEMA_VERSION).unwrap()
    );
    for (version, times) in &versions {
        assert_eq!(*times, 1, "migration {version} recorded {times} times");
    }
    // The last migration renames a column: run twice it would have failed (and that start with
    // it); run once, the old name is gone and the new one is there.
    let columns: Vec<(String, i64)> = testing::raw_pairs(
        db,
        "SELECT column_name::text, 0::bigint FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users' AND column_name IN ('email_key', 'email_blind')",
    )
    .await;
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["email_blind"]);
    for db in dbs {
        db.close().await;
    }
}

/// How many sessions wait on the migration lock, once `expected` do (or after ten seconds).
async fn waiting_on_the_lock(holder: &mut sqlx::PgConnection, expected: usize) -> usize {
    let sql = format!(
        "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = {}",
        testing::MIGRATION_LOCK
    );
    let mut waiting = 0;
    for _ in 0..200 {
        let n: i64 = sqlx::query_scalar(&sql)
            .fetch_one(&mut *holder)
            .await
            .expect("pg_locks");
        waiting = usize::try_from(n).unwrap_or(0);
        if waiting >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    waiting
}
