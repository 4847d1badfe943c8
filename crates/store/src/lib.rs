//! Persistence: one code path over SQLite and PostgreSQL (sqlx's `Any` driver over a portable schema),
//! migrations, sealed fields, and one repository module per capability.
//!
//! Portability rules that keep one code path honest: identifiers are TEXT, instants are BIGINT
//! milliseconds since the epoch (UTC), flags are nullable instants (`published_at`), bytes are the
//! dialect's blob type (the one token the migrations translate), placeholders are `$1, $2, …`.

pub mod absences;
pub mod agreements;
pub mod attendance;
pub mod audit;
pub mod backup;
pub mod billing;
pub mod booking;
pub mod cases;
pub mod catalog;
pub mod claims;
mod conn;
pub mod day;
pub mod db;
pub mod ending;
pub mod error;
pub mod export;
pub mod focus;
pub mod identity;
pub mod images;
pub mod inquiries;
pub mod inspect;
pub mod intake;
pub mod jobs;
pub mod mailbox;
pub mod messages;
mod migrations;
pub mod notes;
pub mod notify;
pub mod pages;
pub mod passkeys;
pub mod practice;
pub mod retention;
pub mod rooms;
pub mod seal;
pub mod series;
pub mod site;
pub mod testing;
pub mod users;
pub mod workspace;

pub use db::{Backend, Db, DbConfig, PoolUse};
pub use error::{StoreError, StoreResult};
/// The schema version of this build (its newest migration).
pub use migrations::LATEST as SCHEMA_VERSION;

pub use conn::Conn;
pub use seal::{Keyring, MasterKey};

/// A fresh random identifier: 128 bits, hex.
pub fn new_id() -> String {
    random_hex(16)
}

/// `n` random bytes from the operating system, hex-encoded.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}

/// Instants are stored as milliseconds since the epoch.
pub(crate) fn ms(t: jiff::Timestamp) -> i64 {
    t.as_millisecond()
}

pub(crate) fn ts(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// `$first, $first+1, …` for an `IN (…)` list of `n` values.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
