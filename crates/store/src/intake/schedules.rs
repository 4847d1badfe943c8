//! Measures asked every few weeks or sessions: the schedule of each case and measure, the case's
//! sessions counted, and the step that sends one when it falls due (the caller writes the next
//! step's job and the patient's mail in the same transaction).

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::{ms, new_id, ts};
use domain::ids::CaseId;
use domain::intake::{Questionnaire, ResponseId};
use domain::measures::schedule::{Schedule, Unit};
use jiff::Timestamp;

#[derive(sqlx::FromRow)]
struct Row {
    case_id: String,
    measure_key: String,
    every_weeks: i64,
    unit: String,
    next_at: i64,
    shared_at: Option<i64>,
}

const SELECT: &str =
    "SELECT case_id, measure_key, every_weeks, unit, next_at, shared_at FROM measure_schedules";

fn schedule(r: Row) -> Schedule {
    Schedule {
        case: CaseId(r.case_id),
        key: r.measure_key,
        every: u32::try_from(r.every_weeks).unwrap_or(0),
        unit: Unit::parse(&r.unit).unwrap_or(Unit::Weeks),
        next_at: ts(r.next_at),
        shared: r.shared_at.is_some(),
    }
}

/// The ends of the case's booked (not cancelled) appointments that end after `after`, in order:
/// the sessions a schedule by sessions counts, ended or still to come.
pub async fn session_ends(
    c: &mut Conn,
    case: &CaseId,
    after: Timestamp,
) -> StoreResult<Vec<Timestamp>> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT ends_at FROM appointments WHERE case_id = $1 AND status = 'booked' AND ends_at > $2 ORDER BY ends_at",
    )
    .bind(case.as_str())
    .bind(ms(after))
    .fetch_all(c.ex())
    .await?;
    Ok(rows.into_iter().map(ts).collect())
}

/// The case's schedules, by measure key.
pub async fn of_case(c: &mut Conn, case: &CaseId) -> StoreResult<Vec<Schedule>> {
    let rows: Vec<Row> =
        sqlx::query_as(&format!("{SELECT} WHERE case_id = $1 ORDER BY measure_key"))
            .bind(case.as_str())
            .fetch_all(c.ex())
            .await?;
    Ok(rows.into_iter().map(schedule).collect())
}

pub async fn get(c: &mut Conn, case: &CaseId, key: &str) -> StoreResult<Option<Schedule>> {
    let row: Option<Row> =
        sqlx::query_as(&format!("{SELECT} WHERE case_id = $1 AND measure_key = $2"))
            .bind(case.as_str())
            .bind(key)
            .fetch_optional(c.ex())
            .await?;
    Ok(row.map(schedule))
}

/// Writes (or replaces) a schedule; the caller enqueues the job for when it falls due.
pub async fn set(c: &mut Conn, s: &Schedule, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO measure_schedules (case_id, measure_key, every_weeks, unit, next_at, shared_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (case_id, measure_key) DO UPDATE SET every_weeks = $3, unit = $4, next_at = $5, shared_at = $6, updated_at = $7",
    )
    .bind(s.case.as_str())
    .bind(&s.key)
    .bind(i64::from(s.every))
    .bind(s.unit.as_str())
    .bind(ms(s.next_at))
    .bind(s.shared.then(|| ms(now)))
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// Stops a schedule: nothing more is sent, and the chart is no longer shared.
pub async fn stop(c: &mut Conn, case: &CaseId, key: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM measure_schedules WHERE case_id = $1 AND measure_key = $2")
        .bind(case.as_str())
        .bind(key)
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// What one due step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fired {
    /// The schedule was stopped, changed, or already moved on by another run.
    Stale,
    /// Moved on; `sent` is the new response, `None` when one is still open.
    Moved { sent: Option<ResponseId> },
}

/// Sends the measure due at `s.next_at` and moves the schedule to `next_at`, inside the caller's
/// transaction (the caller enqueues the next step's job and, when a response was made, the
/// patient's mail). Only the run that finds the schedule still at `s.next_at` does anything.
pub async fn fire(
    c: &mut Conn,
    s: &Schedule,
    questionnaire: &Questionnaire,
    next_at: Timestamp,
    now: Timestamp,
) -> StoreResult<Fired> {
    let moved = sqlx::query(
        "UPDATE measure_schedules SET next_at = $1, updated_at = $2
         WHERE case_id = $3 AND measure_key = $4 AND next_at = $5",
    )
    .bind(ms(next_at))
    .bind(ms(now))
    .bind(s.case.as_str())
    .bind(&s.key)
    .bind(ms(s.next_at))
    .execute(c.ex())
    .await?
    .rows_affected()
        == 1;
    if !moved {
        return Ok(Fired::Stale);
    }
    let id = new_id();
    let made = sqlx::query("INSERT INTO responses (id, case_id, questionnaire_id, questionnaire_key, version, status, assigned_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'draft', NULL, $6, $6) ON CONFLICT DO NOTHING")
        .bind(&id)
        .bind(s.case.as_str())
        .bind(questionnaire.id.as_str())
        .bind(&questionnaire.key)
        .bind(i64::from(questionnaire.version))
        .bind(ms(now))
        .execute(c.ex())
        .await?
        .rows_affected()
        == 1;
    Ok(Fired::Moved {
        sent: made.then_some(ResponseId(id)),
    })
}
