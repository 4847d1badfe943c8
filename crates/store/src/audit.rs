//! The audit log: appended, never updated; each row chained to the one before by SHA-256.

use crate::conn::Conn;
use crate::db::{Backend, Db};
use crate::error::{StoreError, StoreResult};
use crate::{ms, ts};
use domain::ids::UserId;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
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

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn chain_hash(prev: &str, seq: i64, at: i64, e: &Event) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        &at.to_string(),
        &e.actor_id,
        &e.action,
        &e.case_id,
        &e.subject,
        &e.outcome,
        &e.source,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends `event` inside the caller's transaction, so it commits with the action it records.
/// Appends are serialised (an advisory lock held to the end of the transaction on PostgreSQL, the
/// write lock on SQLite); a lost race on the sequence number is retried from a savepoint.
pub async fn append(c: &mut Conn, event: &Event, now: Timestamp) -> StoreResult<i64> {
    for _ in 0..20 {
        let backend = c.backend();
        let mut savepoint = c.ex().begin().await?;
        match try_append(&mut savepoint, backend, event, now).await {
            Err(StoreError::Conflict) => continue,
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

async fn try_append(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    event: &Event,
    now: Timestamp,
) -> StoreResult<i64> {
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
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    let (seq, prev) = head.map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
    write_linked(tx, seq, &prev, ms(now), event).await?;
    Ok(seq)
}

/// The columns that link a row to the chain: recomputed by whoever appends, so an export leaves
/// them out and an import has `append_at` compute them again.
pub const CHAIN_COLUMNS: &[&str] = &["prev_hash", "hash"];

/// Appends an entry that was written elsewhere (an imported practice's log) with its own
/// sequence number and instant, chained to the current head as `append` chains a new one. The
/// sequence must follow the head's, so the chain an import rebuilds has no gap `verify` would see.
pub async fn append_at(c: &mut Conn, entry: &Entry) -> StoreResult<()> {
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(c.ex())
            .await?;
    let (next, prev) = head.map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
    if entry.seq != next {
        return Err(StoreError::Corrupt(format!(
            "audit entry {} does not follow entry {}",
            entry.seq,
            next - 1
        )));
    }
    write_linked(c.ex(), entry.seq, &prev, ms(entry.at), &entry.event).await
}

/// Writes one row with its link to `prev` and its own hash.
async fn write_linked(
    tx: &mut sqlx::AnyConnection,
    seq: i64,
    prev: &str,
    at: i64,
    event: &Event,
) -> StoreResult<()> {
    let hash = chain_hash(prev, seq, at, event);
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
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
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

fn entry(r: &Row) -> Entry {
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

const COLUMNS: &str =
    "seq, at, actor_id, action, case_id, subject, outcome, source, prev_hash, hash";

/// The newest entries, optionally for one case only.
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

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        rows: u64,
    },
    /// The first row that does not fit the chain (by its position, and its stored sequence number).
    Broken {
        position: u64,
        seq: i64,
        reason: &'static str,
    },
}

/// Walks the whole chain in order and names the first row that does not fit.
pub async fn verify(c: &mut Conn) -> StoreResult<Verdict> {
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    let mut position = 0u64;
    let mut last_seq = 0;
    loop {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000"
        ))
        .bind(last_seq)
        .fetch_all(c.ex())
        .await?;
        if rows.is_empty() {
            return Ok(Verdict::Intact { rows: position });
        }
        for r in &rows {
            position += 1;
            let e = entry(r);
            let broken = |reason| {
                Ok(Verdict::Broken {
                    position,
                    seq: r.seq,
                    reason,
                })
            };
            if r.seq != expected_seq {
                return broken("a row is missing before this one");
            }
            if r.prev_hash != prev {
                return broken("the link to the previous row does not match");
            }
            if chain_hash(&prev, r.seq, r.at, &e.event) != r.hash {
                return broken("the row was changed after it was written");
            }
            prev = r.hash.clone();
            expected_seq += 1;
            last_seq = r.seq;
        }
    }
}
