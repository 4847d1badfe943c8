//! A case's ending: the planned last day while it runs, and the closing (summary, referral and
//! letter, sealed as one JSON under the case's key, bound to the case id) once it is over.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, ts};
use domain::ending::Closing;
use domain::ids::{CaseId, UserId};
use jiff::civil::Date;
use jiff::Timestamp;

const TABLE: &str = "case_endings";

/// A case's ending as stored; the closing opened.
#[derive(Clone, Debug, Default)]
pub struct Ending {
    pub planned_on: Option<Date>,
    pub closing: Option<Closing>,
    pub closed_at: Option<Timestamp>,
    /// The name of who closed the case.
    pub closed_by: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EndingRow {
    planned_on: Option<String>,
    closing_sealed: Option<String>,
    closed_at: Option<i64>,
    closed_by: Option<String>,
}

/// The case's ending; `None` when none was planned or written. The closing's text is opened only
/// when `open` (the case page needs no more than the dates).
pub async fn load(c: &mut Conn, case: &CaseId, open: bool) -> StoreResult<Option<Ending>> {
    let row: Option<EndingRow> = sqlx::query_as(
        "SELECT e.planned_on, e.closing_sealed, e.closed_at, u.name AS closed_by
         FROM case_endings e LEFT JOIN users u ON u.id = e.closed_by WHERE e.case_id = $1",
    )
    .bind(case.as_str())
    .fetch_optional(c.ex())
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let closing = match &r.closing_sealed {
        Some(sealed) if open => {
            let text = c
                .keyring
                .open(TABLE, "closing_sealed", case.as_str(), sealed)?;
            serde_json::from_str(&text).ok()
        }
        _ => None,
    };
    Ok(Some(Ending {
        planned_on: r.planned_on.as_deref().and_then(|d| d.parse().ok()),
        closing,
        closed_at: r.closed_at.map(ts),
        closed_by: r.closed_by,
    }))
}

/// The planned last day only (no text opened): for the series and the portal.
pub async fn planned_on(c: &mut Conn, case: &CaseId) -> StoreResult<Option<Date>> {
    let day: Option<Option<String>> =
        sqlx::query_scalar("SELECT planned_on FROM case_endings WHERE case_id = $1")
            .bind(case.as_str())
            .fetch_optional(c.ex())
            .await?;
    Ok(day.flatten().and_then(|d| d.parse().ok()))
}

/// Plans (or moves) the last day of a case that is not closed.
pub async fn plan(c: &mut Conn, case: &CaseId, day: Date, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO case_endings (case_id, planned_on, planned_at) VALUES ($1, $2, $3)
         ON CONFLICT (case_id) DO UPDATE SET planned_on = excluded.planned_on,
           planned_at = excluded.planned_at WHERE case_endings.closed_at IS NULL",
    )
    .bind(case.as_str())
    .bind(day.to_string())
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// Withdraws a planned ending (of a case not closed); `NotFound` when none was planned.
pub async fn withdraw(c: &mut Conn, case: &CaseId) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE case_endings SET planned_on = NULL, planned_at = NULL
         WHERE case_id = $1 AND closed_at IS NULL AND planned_on IS NOT NULL",
    )
    .bind(case.as_str())
    .execute(c.ex())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Writes the closing; `Conflict` when the case was closed already (nothing is written then).
pub async fn close(
    c: &mut Conn,
    case: &CaseId,
    closing: &Closing,
    by: &UserId,
    now: Timestamp,
) -> StoreResult<()> {
    let key = c.case_key(case.as_str()).await?;
    let text = serde_json::to_string(closing).expect("a closing serialises");
    let sealed = c
        .keyring
        .seal_with_key(&key, TABLE, "closing_sealed", case.as_str(), &text);
    let done = sqlx::query(
        "INSERT INTO case_endings (case_id, kind, closing_sealed, closed_at, closed_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (case_id) DO UPDATE SET kind = excluded.kind,
           closing_sealed = excluded.closing_sealed, closed_at = excluded.closed_at,
           closed_by = excluded.closed_by
         WHERE case_endings.closed_at IS NULL",
    )
    .bind(case.as_str())
    .bind(closing.kind.as_str())
    .bind(sealed)
    .bind(ms(now))
    .bind(by.as_str())
    .execute(c.ex())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// The ids of the case's booked appointments starting at or after `from` and before `until`
/// (no bound when `None`), earliest first.
pub async fn booked_between(
    c: &mut Conn,
    case: &CaseId,
    from: Timestamp,
    until: Option<Timestamp>,
) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM appointments WHERE case_id = $1 AND status = 'booked'
           AND starts_at >= $2 AND starts_at < $3 ORDER BY starts_at, id",
    )
    .bind(case.as_str())
    .bind(ms(from))
    .bind(until.map_or(i64::MAX, ms))
    .fetch_all(c.ex())
    .await?)
}
