//! What `holdspace doctor` asks of the database without changing it: the schema version it was
//! migrated to, the database's clock, and whether the master keys open its data keys. Unlike
//! `Db::open` it applies no migration, creates no file and no data key: a check must not repair.

use crate::db::{connect, Backend, DbConfig};
use crate::error::{StoreError, StoreResult};
use crate::seal::MasterKey;
use sqlx::AnyPool;

/// The database as found.
#[derive(Debug)]
pub struct Inspection {
    pub backend: Backend,
    /// The newest migration applied; `None` where no holdspace has migrated it yet.
    pub version: Option<i64>,
    /// PostgreSQL's clock; `None` on SQLite, whose clock is this machine's.
    pub clock: Option<jiff::Timestamp>,
    /// How many data keys the master keys given open, or why they do not.
    pub keys: Result<usize, String>,
}

/// Connects (an existing SQLite file only), reads the version, the clock and the data keys.
pub async fn inspect(config: &DbConfig, masters: &[MasterKey]) -> StoreResult<Inspection> {
    let mut config = config.clone();
    // `mode=rwc` would create a missing file; the doctor reports it missing instead.
    config.url = config.url.replace("mode=rwc", "mode=rw");
    config.max_connections = 1;
    let (pool, backend) = connect(&config).await?;
    let found = read(&pool, backend, masters).await;
    pool.close().await;
    found
}

async fn read(pool: &AnyPool, backend: Backend, masters: &[MasterKey]) -> StoreResult<Inspection> {
    let version = if has_table(pool, backend, "schema_migrations").await? {
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(pool)
            .await?
    } else {
        None
    };
    let clock = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let ms: i64 = sqlx::query_scalar(
                "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
            )
            .fetch_one(pool)
            .await?;
            jiff::Timestamp::from_millisecond(ms).ok()
        }
    };
    let keys = if has_table(pool, backend, "data_keys").await? {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT id, master_key_id, wrapped FROM data_keys ORDER BY created_at, id",
        )
        .fetch_all(pool)
        .await?;
        open_all(&rows, masters)
    } else {
        Err("the database holds no data keys yet".into())
    };
    Ok(Inspection {
        backend,
        version,
        clock,
        keys,
    })
}

/// Every data key opened by the master key whose id it names; the first that is not, named.
fn open_all(rows: &[(String, String, String)], masters: &[MasterKey]) -> Result<usize, String> {
    let given = || {
        masters
            .iter()
            .map(MasterKey::id)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (id, master_id, wrapped) in rows {
        let Some(master) = masters.iter().find(|m| &m.id() == master_id) else {
            return Err(format!(
                "data key {id} is wrapped by master key {master_id}, but the key given is {}",
                given()
            ));
        };
        if !master.unwraps(id, wrapped) {
            return Err(format!(
                "master key {master_id} does not open data key {id}: the stored key is damaged"
            ));
        }
    }
    Ok(rows.len())
}

async fn has_table(pool: &AnyPool, backend: Backend, name: &str) -> StoreResult<bool> {
    let sql = match backend {
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
        Backend::Postgres => {
            "SELECT COUNT(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = $1"
        }
    };
    let n: i64 = sqlx::query_scalar(sql)
        .bind(name)
        .fetch_one(pool)
        .await
        .map_err(StoreError::from)?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[tokio::test]
    async fn a_fresh_database_is_this_builds_version_and_its_keys_open_on_both_backends() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let Some(config) = testing::fresh_config(backend).await else {
                continue;
            };
            let db = match crate::Db::open(&config, vec![testing::test_master_key()]).await {
                Ok(db) => db,
                Err(e) if backend == Backend::Postgres && std::env::var_os("CI").is_none() => {
                    eprintln!("notice: PostgreSQL not reachable ({e}); skipping its half");
                    continue;
                }
                Err(e) => panic!("{e}"),
            };
            db.close().await;
            let found = inspect(&config, &[testing::test_master_key()])
                .await
                .unwrap();
            assert_eq!(found.version, Some(crate::SCHEMA_VERSION));
            assert_eq!(found.keys, Ok(1));
            assert_eq!(found.clock.is_some(), backend == Backend::Postgres);
            let other = MasterKey::generate();
            let wrong = inspect(&config, std::slice::from_ref(&other))
                .await
                .unwrap();
            let said = wrong.keys.unwrap_err();
            assert!(said.contains(&other.id()), "{said}");
        }
    }

    #[tokio::test]
    async fn a_missing_sqlite_file_is_not_created() {
        let config = testing::fresh_config(Backend::Sqlite).await.unwrap();
        let file = config
            .url
            .trim_start_matches("sqlite://")
            .trim_end_matches("?mode=rwc")
            .to_string();
        assert!(inspect(&config, &[]).await.is_err());
        assert!(!std::path::Path::new(&file).exists());
    }
}
