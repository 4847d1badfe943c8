//! Opening the database: SQLite in the data directory by default, or PostgreSQL by URL.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::migrations;
use crate::seal::Keyring;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::path::Path;
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How to reach the database.
#[derive(Clone)]
pub struct DbConfig {
    /// `sqlite://…` or `postgres://…`.
    pub url: String,
    /// PostgreSQL only: a schema to create and use (tests give each run its own).
    pub schema: Option<String>,
    pub max_connections: u32,
}

/// The URL may carry a password: `Debug` shows only the backend and the schema.
impl std::fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbConfig")
            .field("backend", &self.backend().ok())
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

impl DbConfig {
    /// The default: a SQLite file inside the data directory.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        let file = data_dir.join("holdspace.sqlite");
        DbConfig {
            url: format!("sqlite://{}?mode=rwc", file.display()),
            schema: None,
            max_connections: 8,
        }
    }

    pub fn url(url: impl Into<String>) -> Self {
        DbConfig {
            url: url.into(),
            schema: None,
            max_connections: 16,
        }
    }

    pub fn backend(&self) -> StoreResult<Backend> {
        if self.url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if self.url.starts_with("postgres://") || self.url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Unreachable(
                "the database URL must start with sqlite:// or postgres://".into(),
            ))
        }
    }
}

/// The open database and the keys that seal its clinical fields.
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    backend: Backend,
    pub(crate) keyring: Keyring,
    /// PostgreSQL only: where a listening connection (outside the pool) connects to.
    pub(crate) url: Option<std::sync::Arc<str>>,
}

impl Db {
    /// Connects, applies pending migrations, and loads (or creates) the data keys under whichever
    /// of `masters` wrapped them.
    pub async fn open(config: &DbConfig, masters: Vec<crate::seal::MasterKey>) -> StoreResult<Db> {
        let (pool, backend) = connect(config).await?;
        migrations::apply(&pool, backend).await?;
        let keyring = Keyring::load(&pool, masters).await?;
        let db = Db {
            pool,
            backend,
            keyring,
            url: (backend == Backend::Postgres).then(|| config.url.as_str().into()),
        };
        // Identities written before they were sealed are sealed now, before anyone reads them.
        crate::identity::seal_plaintext(&db).await?;
        Ok(db)
    }

    /// A transaction for one use-case: everything it writes commits together or not at all.
    /// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so a transaction that reads
    /// before it writes waits for another writer instead of failing when it tries to write.
    pub async fn begin(&self) -> StoreResult<Conn> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Conn::tx(tx, self.keyring.clone(), self.backend))
    }

    /// A read-only transaction whose reads all see one instant (a backup's or an export's
    /// snapshot) while others go on writing: SQLite's WAL gives a reader the database as of its
    /// first read; PostgreSQL's repeatable read, as of the first statement.
    pub async fn snapshot(&self) -> StoreResult<Conn> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN DEFERRED").await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        Ok(Conn::tx(tx, self.keyring.clone(), self.backend))
    }

    /// A connection for reads that need no transaction (each statement stands alone).
    pub async fn conn(&self) -> StoreResult<Conn> {
        Ok(Conn::pooled(
            self.pool.acquire().await?,
            self.keyring.clone(),
            self.backend,
        ))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Refreshes the planner's statistics after a bulk load (a fill, a restore, an import): see
    /// [`analyze`].
    pub async fn analyze(&self) -> StoreResult<()> {
        analyze(&self.pool, self.backend).await
    }

    /// Answers whether the database responds (for `/readyz`).
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Re-wraps every data key under `next` and starts a new data key; answers how many were
    /// re-wrapped. The owner's copy of the old master key opens nothing any more, so the admin's
    /// reminder to keep a copy comes back.
    pub async fn rotate_master_key(&self, next: &crate::seal::MasterKey) -> StoreResult<usize> {
        let n = self.keyring.rotate(&self.pool, next).await?;
        let mut c = self.begin().await?;
        crate::practice::set_master_key_copy_at(&mut c, None).await?;
        c.commit().await?;
        Ok(n)
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The pool's connections now, for the metrics: open, idle among them, and the most it opens.
    pub fn pool_use(&self) -> PoolUse {
        let size = self.pool.size();
        let idle = u32::try_from(self.pool.num_idle())
            .unwrap_or(u32::MAX)
            .min(size);
        PoolUse {
            size,
            idle,
            max: self.pool.options().get_max_connections(),
        }
    }
}

/// How the pool's connections are used at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUse {
    /// Open connections, idle or in use.
    pub size: u32,
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

impl PoolUse {
    pub fn in_use(&self) -> u32 {
        self.size - self.idle
    }
}

/// The pool alone: no migration, no keys (a restore writes its rows before the keyring loads, so
/// that no fresh data key is made on the empty database).
pub(crate) async fn connect(config: &DbConfig) -> StoreResult<(AnyPool, Backend)> {
    static DRIVERS: Once = Once::new();
    DRIVERS.call_once(sqlx::any::install_default_drivers);
    let backend = config.backend()?;
    let options = AnyConnectOptions::from_str(&config.url)
        .map_err(|e| StoreError::Unreachable(e.to_string()))?
        .log_statements(tracing::log::LevelFilter::Trace)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
    if let Some(schema) = &config.schema {
        create_schema(&options, schema).await?;
    }
    let schema = config.schema.clone();
    let pool = AnyPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                let schema = schema.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;").await?;
                        }
                        Backend::Postgres => {
                            if let Some(s) = schema {
                                conn.execute(format!("SET search_path TO \"{s}\"").as_str()).await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unreachable(e.to_string()))?;
    Ok((pool, backend))
}

async fn create_schema(options: &AnyConnectOptions, schema: &str) -> StoreResult<()> {
    if !schema
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(StoreError::Unreachable(format!(
            "invalid schema name {schema:?}"
        )));
    }
    let mut conn = options
        .connect()
        .await
        .map_err(|e| StoreError::Unreachable(e.to_string()))?;
    conn.execute(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"").as_str())
        .await?;
    Ok(())
}

/// Refreshes the planner's statistics of every table (`ANALYZE`); on PostgreSQL also clears the
/// dead row versions a bulk load's updates leave in tables and indexes (`VACUUM`). After a bulk
/// load, before autovacuum gets to it, a plan made on empty statistics can read a whole table to
/// find nothing, and an index can hold dozens of dead entries for each live row.
pub(crate) async fn analyze(pool: &AnyPool, backend: Backend) -> StoreResult<()> {
    let sql = match backend {
        Backend::Postgres => "VACUUM ANALYZE",
        Backend::Sqlite => "ANALYZE",
    };
    sqlx::query(sql).execute(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_password_never_prints() {
        let config = DbConfig::url("postgres://holdspace:s3cret-pass@db.example.org/practice");
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret-pass"), "{shown}");
        assert!(shown.contains("Postgres"), "{shown}");
    }
}
