//! The audit log: appended, never updated; each row chained to the one before by an HMAC-SHA256
//! under a key derived from the master key (`chain`), walked by `verify`, anchored outside the
//! database by `checkpoint`s, and moved from the old unkeyed SHA-256 once by `upgrade`.

mod chain;
pub mod checkpoint;
mod upgrade;
mod verify;

pub use chain::Scheme;
use chain::{Linker, GENESIS};
pub use checkpoint::Checkpoint;
pub use upgrade::{upgrade, Upgrade};
pub use verify::{verify, walk, Head, Verdict, Walk};

use crate::conn::Conn;
use crate::db::{Backend, Db};
use crate::error::{StoreError, StoreResult};
use crate::{ms, ts};
use domain::ids::UserId;
use jiff::Timestamp;
use sqlx::Connection;

/// One event, as it is appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// A user id, or "anonymous", or "system".
    pub actor_id: String,
    /// What was done, e.g. `inquiry.read`, `sign_in.failed`, `policy.refused`.
    pub action: String,
    /// The case (or inquiry) it concerns; empty when none.
    pub case_id: String,
    /// Which record, by id: never its content.
    pub subject: String,
    /// `ok`, `refused`, `failed`.
    pub outcome: String,
    /// The client's address.
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub at: Timestamp,
    pub event: Event,
}

/// Appends `event` inside the caller's transaction, so it commits with the action it records.
/// Appends are serialised (an advisory lock held to the end of the transaction on PostgreSQL, the
/// write lock on SQLite); a lost race on the sequence number is retried from a savepoint.
pub async fn append(c: &mut Conn, event: &Event, now: Timestamp) -> StoreResult<i64> {
    append_checked(c, event, now, None).await
}

/// The columns that link a row to the chain: recomputed by whoever appends, so an export leaves
/// them out and an import has `append_at` compute them again.
pub const CHAIN_COLUMNS: &[&str] = &["prev_hash", "hash"];

/// Appends an entry with its own `seq` and instant (an import replaying another installation's
/// log), through the same chaining, so the result verifies under this installation's key. `seq`
/// must follow the chain's head (`Conflict` otherwise: a gap or a repeat would break the chain).
pub async fn append_at(c: &mut Conn, seq: i64, at: Timestamp, event: &Event) -> StoreResult<i64> {
    append_checked(c, event, at, Some(seq)).await
}

async fn append_checked(
    c: &mut Conn,
    event: &Event,
    at: Timestamp,
    seq: Option<i64>,
) -> StoreResult<i64> {
    if c.in_transaction() {
        // The caller's transaction holds the chain's lock from `lock` to its end, and every
        // writer of the chain takes it first: nobody can take the next number meanwhile, so
        // there is no race to retry and no savepoint to retry from (two round trips fewer).
        let backend = c.backend();
        let keyring = c.keyring().clone();
        return try_append(c.ex(), backend, &keyring, event, at, seq).await;
    }
    for _ in 0..20 {
        let backend = c.backend();
        let keyring = c.keyring().clone();
        let mut savepoint = c.ex().begin().await?;
        match try_append(&mut savepoint, backend, &keyring, event, at, seq).await {
            Err(StoreError::Conflict) if seq.is_none() => continue,
            Err(e) => return Err(e),
            Ok(seq) => {
                savepoint.commit().await?;
                return Ok(seq);
            }
        }
    }
    Err(StoreError::Conflict)
}

/// Appends `event` on its own, for an event that is the whole of what happened (a refusal, a
/// failed sign-in).
pub async fn append_alone(db: &Db, event: &Event, now: Timestamp) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    let seq = append(&mut tx, event, now).await?;
    tx.commit().await?;
    Ok(seq)
}

/// Appends many entries in the order given, inside the caller's transaction, through the same
/// chaining as `append`, in multi-row statements: for writing years of history at once (the
/// scale generator). Returns the last seq written (the head's when `events` is empty).
pub async fn append_many(c: &mut Conn, events: &[(Timestamp, Event)]) -> StoreResult<i64> {
    // Ten columns a row: 90 rows stay under every SQLite build's 999-parameter limit.
    const ROWS: usize = 90;
    let backend = c.backend();
    let keyring = c.keyring().clone();
    let tx = c.ex();
    lock(tx, backend).await?;
    let linker = Linker::new(chain::scheme(tx).await?, &keyring);
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    let (mut seq, mut prev) = head.unwrap_or((0, GENESIS.to_string()));
    for batch in events.chunks(ROWS) {
        let values = (0..batch.len())
            .map(|i| format!("({})", crate::placeholders(i * 10 + 1, 10)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO audit_log (seq, at, actor_id, action, case_id, subject, outcome, source, prev_hash, hash) VALUES {values}");
        let mut query = sqlx::query(&sql);
        for (at, event) in batch {
            seq += 1;
            let at = ms(*at);
            let hash = linker.link(&prev, seq, at, event);
            query = query
                .bind(seq)
                .bind(at)
                .bind(event.actor_id.clone())
                .bind(event.action.clone())
                .bind(event.case_id.clone())
                .bind(event.subject.clone())
                .bind(event.outcome.clone())
                .bind(event.source.clone())
                .bind(std::mem::replace(&mut prev, hash.clone()))
                .bind(hash);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(seq)
}

/// Serialises writers of the chain until the transaction ends.
pub(crate) async fn lock(tx: &mut sqlx::AnyConnection, backend: Backend) -> StoreResult<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7406)")
            .execute(&mut *tx)
            .await?;
    } else {
        // Take SQLite's write lock before reading the chain's head.
        sqlx::query("UPDATE audit_log SET seq = seq WHERE seq = -1")
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

async fn try_append(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    keyring: &crate::seal::Keyring,
    event: &Event,
    now: Timestamp,
    want: Option<i64>,
) -> StoreResult<i64> {
    lock(tx, backend).await?;
    // The scheme and the head in one statement, read after the lock is held (on PostgreSQL a
    // statement sees what was committed before it began: the lock's statement must come first).
    let (scheme, head_seq, head_hash): (String, Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT c.scheme, h.seq, h.hash FROM audit_chain c \
         LEFT JOIN (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) h ON 1 = 1 \
         WHERE c.id = 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    let linker = Linker::new(chain::parse_scheme(&scheme)?, keyring);
    let (seq, prev) = match (head_seq, head_hash) {
        (Some(s), Some(h)) => (s + 1, h),
        _ => (1, GENESIS.to_string()),
    };
    if want.is_some_and(|w| w != seq) {
        return Err(StoreError::Conflict);
    }
    let at = ms(now);
    let hash = linker.link(&prev, seq, at, event);
    sqlx::query("INSERT INTO audit_log (seq, at, actor_id, action, case_id, subject, outcome, source, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(seq)
        .bind(at)
        .bind(&event.actor_id)
        .bind(&event.action)
        .bind(&event.case_id)
        .bind(&event.subject)
        .bind(&event.outcome)
        .bind(&event.source)
        .bind(prev)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    Ok(seq)
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    seq: i64,
    at: i64,
    actor_id: String,
    action: String,
    case_id: String,
    subject: String,
    outcome: String,
    source: String,
    prev_hash: String,
    hash: String,
}

pub(crate) fn entry(r: &Row) -> Entry {
    Entry {
        seq: r.seq,
        at: ts(r.at),
        event: Event {
            actor_id: r.actor_id.clone(),
            action: r.action.clone(),
            case_id: r.case_id.clone(),
            subject: r.subject.clone(),
            outcome: r.outcome.clone(),
            source: r.source.clone(),
        },
    }
}

pub(crate) const COLUMNS: &str =
    "seq, at, actor_id, action, case_id, subject, outcome, source, prev_hash, hash";

/// The newest entries, all of them (practice-wide, or of one case or message when `case_id` is
/// given): for the operator's tools and the tests. People read `recent_for`.
pub async fn recent(c: &mut Conn, case_id: Option<&str>, limit: u32) -> StoreResult<Vec<Entry>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE ($1 = '' OR case_id = $1) ORDER BY seq DESC LIMIT $2"
    ))
    .bind(case_id.unwrap_or(""))
    .bind(i64::from(limit))
    .fetch_all(c.ex())
    .await?;
    Ok(rows.iter().map(entry).collect())
}

/// The newest entries (practice-wide, or of one case or message when `case_id` is given), as
/// `reader` may see them: nothing that belongs to a case of another therapist (the case's id, what
/// was done in it, its patient's own actions), because only a case's patient and therapist may
/// know that it exists.
pub async fn recent_for(
    c: &mut Conn,
    case_id: Option<&str>,
    reader: &UserId,
    limit: u32,
) -> StoreResult<Vec<Entry>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log a WHERE ($1 = '' OR a.case_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.therapist_id <> $2 \
             AND (k.id = a.case_id OR k.patient_id = a.actor_id)) \
         ORDER BY a.seq DESC LIMIT $3"
    ))
    .bind(case_id.unwrap_or(""))
    .bind(reader.as_str())
    .bind(i64::from(limit))
    .fetch_all(c.ex())
    .await?;
    Ok(rows.iter().map(entry).collect())
}
