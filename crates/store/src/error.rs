//! The store's one error type.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key refused the write: the slug, email or slot is taken.
    #[error("already exists")]
    Conflict,
    #[error("not found")]
    NotFound,
    #[error("the database could not be reached: {0}")]
    Unreachable(String),
    #[error("migration {version} failed: {reason}")]
    Migration { version: i64, reason: String },
    #[error("a sealed field could not be opened ({0})")]
    Seal(&'static str),
    #[error("key file: {0}")]
    KeyFile(String),
    /// A stored value that does not read as its type (never user input: that is checked first).
    #[error("a stored value does not read: {0}")]
    Corrupt(String),
    /// The database was last migrated by a newer holdspace: this build must not touch it.
    #[error("the database is at schema version {found}, newer than this holdspace knows ({known}): run the newer holdspace, or restore a backup made with this version")]
    TooNew { found: i64, known: i64 },
    /// A backup file that cannot be read or restored, said plainly.
    #[error("{0}")]
    Backup(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => {
                StoreError::Unreachable(e.to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
