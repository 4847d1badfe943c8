//! Time away, and the sessions it falls on.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, ts};
use domain::absence::{Absence, Kind, Sessions};
use domain::ids::{CaseId, UserId};
use jiff::civil::Date;
use jiff::Timestamp;

/// Time away as stored: whose (`None`: the whole practice's) and when.
#[derive(Clone, Debug)]
pub struct Stored {
    pub id: String,
    pub therapist: Option<UserId>,
    pub first: Date,
    pub last: Date,
    pub kind: Kind,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    therapist_id: Option<String>,
    first_date: String,
    last_date: String,
    kind: String,
}

impl TryFrom<Row> for Stored {
    type Error = StoreError;

    fn try_from(r: Row) -> StoreResult<Stored> {
        let corrupt = || StoreError::Corrupt(format!("absence {}", r.id));
        Ok(Stored {
            therapist: r.therapist_id.map(UserId::new),
            first: r.first_date.parse().map_err(|_| corrupt())?,
            last: r.last_date.parse().map_err(|_| corrupt())?,
            kind: Kind::parse(&r.kind).ok_or_else(corrupt)?,
            id: r.id,
        })
    }
}

impl Stored {
    /// As the domain sees it (what became of the sessions is not kept).
    pub fn absence(&self) -> Absence {
        Absence {
            first: self.first,
            last: self.last,
            kind: self.kind,
            sessions: Sessions::Keep,
        }
    }
}

pub async fn insert(
    c: &mut Conn,
    therapist: Option<&UserId>,
    a: &Absence,
    by: &UserId,
    now: Timestamp,
) -> StoreResult<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO absences (id, therapist_id, first_date, last_date, kind, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(therapist.map(UserId::as_str))
    .bind(a.first.to_string())
    .bind(a.last.to_string())
    .bind(a.kind.as_str())
    .bind(by.as_str())
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(id)
}

/// A therapist's time away and the practice's bank holidays that end on `since` or later.
pub async fn of_therapist(
    c: &mut Conn,
    therapist: &UserId,
    since: Date,
) -> StoreResult<Vec<Stored>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, therapist_id, first_date, last_date, kind FROM absences
         WHERE (therapist_id = $1 OR therapist_id IS NULL) AND last_date >= $2 ORDER BY first_date, id",
    )
    .bind(therapist.as_str())
    .bind(since.to_string())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(Stored::try_from).collect()
}

pub async fn get(c: &mut Conn, id: &str) -> StoreResult<Option<Stored>> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, therapist_id, first_date, last_date, kind FROM absences WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c.ex())
    .await?;
    row.map(Stored::try_from).transpose()
}

pub async fn remove(c: &mut Conn, id: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM absences WHERE id = $1")
        .bind(id)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// A booked session of a case between two instants.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Affected {
    pub id: String,
    pub case_id: String,
    pub starts_at: i64,
}

impl Affected {
    pub fn case(&self) -> CaseId {
        CaseId::new(self.case_id.clone())
    }

    pub fn start(&self) -> Timestamp {
        ts(self.starts_at)
    }
}

/// A therapist's booked sessions (of cases; not blocked time) starting in `[from, to)`.
pub async fn booked_between(
    c: &mut Conn,
    therapist: &UserId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<Affected>> {
    Ok(sqlx::query_as(
        "SELECT id, case_id, starts_at FROM appointments
         WHERE therapist_id = $1 AND status = 'booked' AND case_id IS NOT NULL AND starts_at >= $2 AND starts_at < $3
         ORDER BY starts_at, id",
    )
    .bind(therapist.as_str())
    .bind(ms(from))
    .bind(ms(to))
    .fetch_all(c.ex())
    .await?)
}
