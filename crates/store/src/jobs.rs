//! The durable job table (outbox). Written in the same transaction as the fact that causes a job;
//! claimed with a lease so a crashed runner's job is picked up again; de-duplicated by key.

use crate::conn::Conn;
use crate::db::Db;
use crate::error::StoreResult;
use crate::{ms, new_id, ts};
use domain::ids::JobId;
use jiff::Timestamp;

pub struct NewJob {
    pub kind: &'static str,
    /// Two jobs with the same key are one job: the second enqueue does nothing.
    pub idempotency_key: String,
    /// Ids and flags only, never clinical text.
    pub payload: String,
    pub run_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    /// Including the one now under way.
    pub attempts: u32,
}

pub use domain::outbox::JobView;

/// Enqueues inside the caller's transaction. Returns false when the key was enqueued before.
pub async fn enqueue(tx: &mut Conn, job: NewJob, now: Timestamp) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO jobs (id, kind, idempotency_key, payload, state, attempts, run_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(job.kind)
    .bind(&job.idempotency_key)
    .bind(&job.payload)
    .bind(ms(job.run_at))
    .bind(ms(now))
    .execute(tx.ex())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Enqueues several jobs inside the caller's transaction in one statement (one round trip where
/// `enqueue` takes one each); a key enqueued before is skipped, as `enqueue` skips it.
pub async fn enqueue_many(tx: &mut Conn, jobs: &[NewJob], now: Timestamp) -> StoreResult<()> {
    // Six parameters a row: 150 rows stay under every SQLite build's 999-parameter limit.
    for batch in jobs.chunks(150) {
        let values = (0..batch.len())
            .map(|i| {
                let p = i * 6;
                format!(
                    "(${}, ${}, ${}, ${}, 'pending', 0, ${}, ${})",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 5,
                    p + 6
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO jobs (id, kind, idempotency_key, payload, state, attempts, run_at, created_at) VALUES {values} ON CONFLICT (idempotency_key) DO NOTHING");
        let mut query = sqlx::query(&sql);
        for job in batch {
            query = query
                .bind(new_id())
                .bind(job.kind)
                .bind(job.idempotency_key.clone())
                .bind(job.payload.clone())
                .bind(ms(job.run_at))
                .bind(ms(now));
        }
        query.execute(tx.ex()).await?;
    }
    Ok(())
}

/// Writes jobs with their history at once: each enqueued at its `created` instant, and done at
/// `finished` when that is given (else pending). For writing years of history in bulk (the scale
/// generator); a key written before is skipped, as `enqueue` skips it.
pub async fn record_many(
    tx: &mut Conn,
    jobs: &[(NewJob, Timestamp, Option<Timestamp>)],
) -> StoreResult<()> {
    // Nine columns a row: 100 rows stay under every SQLite build's 999-parameter limit.
    for batch in jobs.chunks(100) {
        let values = (0..batch.len())
            .map(|i| format!("({})", crate::placeholders(i * 9 + 1, 9)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO jobs (id, kind, idempotency_key, payload, state, attempts, run_at, created_at, finished_at) VALUES {values} ON CONFLICT (idempotency_key) DO NOTHING");
        let mut query = sqlx::query(&sql);
        for (job, created, finished) in batch {
            query = query
                .bind(new_id())
                .bind(job.kind)
                .bind(job.idempotency_key.clone())
                .bind(job.payload.clone())
                .bind(if finished.is_some() {
                    "done"
                } else {
                    "pending"
                })
                .bind(i64::from(finished.is_some()))
                .bind(ms(job.run_at))
                .bind(ms(*created))
                .bind(finished.map(ms));
        }
        query.execute(tx.ex()).await?;
    }
    Ok(())
}

/// Enqueues on its own (for jobs no other write causes).
pub async fn enqueue_alone(db: &Db, job: NewJob, now: Timestamp) -> StoreResult<bool> {
    let mut tx = db.begin().await?;
    let added = enqueue(&mut tx, job, now).await?;
    tx.commit().await?;
    Ok(added)
}

/// Claims up to `limit` due jobs for `lease`. A job whose lease ran out (its runner died) is due again.
/// Each claim is one conditional UPDATE, so two runners never hold the same job.
pub async fn claim_due(
    db: &Db,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> StoreResult<Vec<Job>> {
    let candidates: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT id, kind, payload, attempts FROM jobs
         WHERE (state = 'pending' AND run_at <= $1) OR (state = 'running' AND locked_until < $1)
         ORDER BY run_at LIMIT $2",
    )
    .bind(ms(now))
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await?;
    let mut claimed = Vec::new();
    for (id, kind, payload, attempts) in candidates {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'running', locked_until = $1, attempts = attempts + 1
             WHERE id = $2 AND ((state = 'pending' AND run_at <= $3) OR (state = 'running' AND locked_until < $3))",
        )
        .bind(ms(lease_until))
        .bind(&id)
        .bind(ms(now))
        .execute(&db.pool)
        .await?;
        if done.rows_affected() == 1 {
            claimed.push(Job {
                id: JobId(id),
                kind,
                payload,
                attempts: u32::try_from(attempts + 1).unwrap_or(u32::MAX),
            });
        }
    }
    Ok(claimed)
}

pub async fn complete(db: &Db, id: &JobId, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE jobs SET state = 'done', locked_until = NULL, last_error = NULL, finished_at = $1 WHERE id = $2")
        .bind(ms(now))
        .bind(id.as_str())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Records a failure: retried at `retry_at`, or given up (`None`).
pub async fn fail(
    db: &Db,
    id: &JobId,
    error: &str,
    retry_at: Option<Timestamp>,
    now: Timestamp,
) -> StoreResult<()> {
    let error: String = error.chars().take(500).collect();
    match retry_at {
        Some(at) => {
            sqlx::query("UPDATE jobs SET state = 'pending', locked_until = NULL, last_error = $1, run_at = $2 WHERE id = $3")
                .bind(error)
                .bind(ms(at))
                .bind(id.as_str())
                .execute(&db.pool)
                .await?
        }
        None => {
            sqlx::query("UPDATE jobs SET state = 'failed', locked_until = NULL, last_error = $1, finished_at = $2 WHERE id = $3")
                .bind(error)
                .bind(ms(now))
                .bind(id.as_str())
                .execute(&db.pool)
                .await?
        }
    };
    Ok(())
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    kind: String,
    state: String,
    attempts: i64,
    run_at: i64,
    last_error: Option<String>,
    created_at: i64,
}

/// The most recent jobs, for the admin's view of what the practice sent.
pub async fn recent(c: &mut Conn, limit: u32) -> StoreResult<Vec<JobView>> {
    let rows: Vec<JobRow> = sqlx::query_as(
        "SELECT id, kind, state, attempts, run_at, last_error, created_at FROM jobs ORDER BY created_at DESC, id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(c.ex())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| JobView {
            id: JobId(r.id),
            kind: r.kind,
            state: r.state,
            attempts: u32::try_from(r.attempts).unwrap_or(0),
            run_at: ts(r.run_at),
            last_error: r.last_error,
            created_at: ts(r.created_at),
        })
        .collect())
}

/// The most jobs of one state a count reads: past it the metrics say "at least this many", so a
/// scrape stays one short index read however long a queue has grown.
pub const QUEUED_CAP: i64 = 10_000;

/// Jobs waiting, by state, each count at most `QUEUED_CAP`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Queued {
    /// Pending and due now (or overdue): the backlog.
    pub due: i64,
    /// Pending for later (reminders, tomorrow's agenda, retries waiting out their backoff).
    pub scheduled: i64,
    /// Claimed by a runner.
    pub running: i64,
}

#[derive(sqlx::FromRow)]
struct QueuedRow {
    state: String,
    n: i64,
}

/// One query over the `jobs_due (state, run_at)` index; each branch stops at `QUEUED_CAP` rows.
pub async fn queued(c: &mut Conn, now: Timestamp) -> StoreResult<Queued> {
    let rows: Vec<QueuedRow> = sqlx::query_as(
        "SELECT 'due' AS state, COUNT(*) AS n FROM (SELECT 1 AS one FROM jobs WHERE state = 'pending' AND run_at <= $1 LIMIT $2) AS d
         UNION ALL
         SELECT 'scheduled' AS state, COUNT(*) AS n FROM (SELECT 1 AS one FROM jobs WHERE state = 'pending' AND run_at > $1 LIMIT $2) AS s
         UNION ALL
         SELECT 'running' AS state, COUNT(*) AS n FROM (SELECT 1 AS one FROM jobs WHERE state = 'running' LIMIT $2) AS r",
    )
    .bind(ms(now))
    .bind(QUEUED_CAP)
    .fetch_all(c.ex())
    .await?;
    let mut queued = Queued::default();
    for row in rows {
        match row.state.as_str() {
            "due" => queued.due = row.n,
            "scheduled" => queued.scheduled = row.n,
            _ => queued.running = row.n,
        }
    }
    Ok(queued)
}
