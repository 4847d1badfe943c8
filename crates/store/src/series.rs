//! Series: the regular hour's rule, and the appointments it has produced so far. The rule names
//! nothing clinical, so it is not sealed; its sessions are appointments like any other.

use crate::booking::{self, NewAppointment};
use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, ts};
use domain::booking::AppointmentType;
use domain::ids::{CaseId, UserId};
use domain::series::{weekday_of, Frequency, Rule};
use jiff::civil::{Date, Time};
use jiff::Timestamp;

/// A series as stored.
#[derive(Clone, Debug)]
pub struct Series {
    pub id: String,
    pub case: CaseId,
    pub therapist: UserId,
    pub type_key: String,
    pub rule: Rule,
    /// The zone the hour is kept in (the therapist's when it was set).
    pub zone: String,
    /// The series this one continues (a change from a date on).
    pub follows: Option<String>,
    pub sequence: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct SeriesRow {
    id: String,
    case_id: String,
    therapist_id: String,
    type_key: String,
    frequency: String,
    first_date: String,
    local_time: String,
    second_day: Option<i64>,
    until_date: Option<String>,
    zone: String,
    follows: Option<String>,
    sequence: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<SeriesRow> for Series {
    type Error = StoreError;

    fn try_from(r: SeriesRow) -> StoreResult<Series> {
        let corrupt = || StoreError::Corrupt(format!("series {}", r.id));
        let rule = Rule {
            frequency: Frequency::parse(&r.frequency).ok_or_else(corrupt)?,
            first: r.first_date.parse::<Date>().map_err(|_| corrupt())?,
            time: r.local_time.parse::<Time>().map_err(|_| corrupt())?,
            second_day: r
                .second_day
                .and_then(|d| i8::try_from(d).ok())
                .and_then(weekday_of),
            until: match &r.until_date {
                Some(d) => Some(d.parse::<Date>().map_err(|_| corrupt())?),
                None => None,
            },
        };
        Ok(Series {
            id: r.id,
            case: CaseId::new(r.case_id),
            therapist: UserId::new(r.therapist_id),
            type_key: r.type_key,
            rule,
            zone: r.zone,
            follows: r.follows,
            sequence: r.sequence,
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
        })
    }
}

const SELECT: &str = "SELECT id, case_id, therapist_id, type_key, frequency, first_date, local_time, second_day, until_date, zone, follows, sequence, created_at, updated_at FROM series";

fn time_text(t: Time) -> String {
    t.strftime("%H:%M").to_string()
}

/// Keeps a new series (its sessions are booked by [`book_occurrence`]).
pub async fn insert(
    c: &mut Conn,
    case: &CaseId,
    therapist: &UserId,
    type_key: &str,
    rule: &Rule,
    zone: &str,
    follows: Option<&str>,
    now: Timestamp,
) -> StoreResult<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO series (id, case_id, therapist_id, type_key, frequency, first_date, local_time, second_day, until_date, zone, follows, sequence, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $12)",
    )
    .bind(&id)
    .bind(case.as_str())
    .bind(therapist.as_str())
    .bind(type_key)
    .bind(rule.frequency.as_str())
    .bind(rule.first.to_string())
    .bind(time_text(rule.time))
    .bind(rule.second_day.map(|d| i64::from(d.to_monday_one_offset())))
    .bind(rule.until.map(|d| d.to_string()))
    .bind(zone)
    .bind(follows)
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(id)
}

pub async fn get(c: &mut Conn, id: &str) -> StoreResult<Option<Series>> {
    let row: Option<SeriesRow> = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(c.ex())
        .await?;
    row.map(Series::try_from).transpose()
}

/// A case's series, oldest first.
pub async fn of_case(c: &mut Conn, case: &CaseId) -> StoreResult<Vec<Series>> {
    let rows: Vec<SeriesRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE case_id = $1 ORDER BY first_date, created_at"
    ))
    .bind(case.as_str())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(Series::try_from).collect()
}

/// Ends a series on `until` (its last possible date); the calendar event's sequence moves on.
pub async fn set_until(c: &mut Conn, id: &str, until: Date, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "UPDATE series SET until_date = $1, sequence = sequence + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(until.to_string())
    .bind(ms(now))
    .bind(id)
    .execute(c.ex())
    .await?;
    Ok(())
}

/// One appointment of a series, as the calendar file needs it.
#[derive(Clone, Debug)]
pub struct Instance {
    pub appointment: String,
    pub occurrence: Date,
    pub start: Timestamp,
    pub end: Timestamp,
    pub booked: bool,
    pub sequence: i64,
}

#[derive(sqlx::FromRow)]
struct InstanceRow {
    id: String,
    occurrence: String,
    starts_at: i64,
    ends_at: i64,
    status: String,
    sequence: i64,
}

/// Every appointment a series has produced, by occurrence.
pub async fn instances(c: &mut Conn, series: &str) -> StoreResult<Vec<Instance>> {
    let rows: Vec<InstanceRow> = sqlx::query_as(
        "SELECT id, occurrence, starts_at, ends_at, status, sequence FROM appointments WHERE series_id = $1 ORDER BY occurrence",
    )
    .bind(series)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Instance {
                occurrence: r
                    .occurrence
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("occurrence of {}", r.id)))?,
                appointment: r.id,
                start: ts(r.starts_at),
                end: ts(r.ends_at),
                booked: r.status == "booked",
                sequence: r.sequence,
            })
        })
        .collect()
}

/// Books one occurrence of a series, holding its cells like any appointment. `Conflict` when its
/// time is taken or the occurrence exists already (on PostgreSQL the transaction is then spoilt).
pub async fn book_occurrence(
    c: &mut Conn,
    series: &Series,
    kind: &AppointmentType,
    occurrence: Date,
    start: Timestamp,
    now: Timestamp,
) -> StoreResult<String> {
    let id = booking::book(
        c,
        NewAppointment {
            therapist: &series.therapist,
            case: Some(&series.case),
            kind,
            start,
            override_clash: false,
        },
        now,
    )
    .await?;
    mark(c, &id, &series.id, occurrence).await?;
    Ok(id)
}

/// An occurrence that will not take place, recorded so that it is never booked again (the
/// calendar's `EXDATE`): a cancelled appointment that holds no time.
pub async fn skip_occurrence(
    c: &mut Conn,
    series: &Series,
    kind: &AppointmentType,
    occurrence: Date,
    start: Timestamp,
    now: Timestamp,
) -> StoreResult<String> {
    let id = booking::book(
        c,
        NewAppointment {
            therapist: &series.therapist,
            case: Some(&series.case),
            kind,
            start,
            override_clash: true,
        },
        now,
    )
    .await?;
    mark(c, &id, &series.id, occurrence).await?;
    booking::cancel(c, &id, false, now).await?;
    Ok(id)
}

async fn mark(c: &mut Conn, appointment: &str, series: &str, occurrence: Date) -> StoreResult<()> {
    sqlx::query("UPDATE appointments SET series_id = $1, occurrence = $2 WHERE id = $3")
        .bind(series)
        .bind(occurrence.to_string())
        .bind(appointment)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// The booked appointments of a series from `from` on (to cancel when it ends or changes).
pub async fn booked_from(c: &mut Conn, series: &str, from: Date) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM appointments WHERE series_id = $1 AND occurrence >= $2 AND status = 'booked' ORDER BY occurrence",
    )
    .bind(series)
    .bind(from.to_string())
    .fetch_all(c.ex())
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The series an appointment belongs to.
pub async fn of_appointment(c: &mut Conn, appointment: &str) -> StoreResult<Option<String>> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT series_id FROM appointments WHERE id = $1")
            .bind(appointment)
            .fetch_optional(c.ex())
            .await?;
    Ok(row.and_then(|(s,)| s))
}

/// Series still running on `today` (the horizon job's work list).
pub async fn running(c: &mut Conn, today: Date) -> StoreResult<Vec<Series>> {
    let rows: Vec<SeriesRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE until_date IS NULL OR until_date >= $1 ORDER BY id"
    ))
    .bind(today.to_string())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(Series::try_from).collect()
}

/// A therapist's series that have not ended before `since` (for their calendar feed).
pub async fn of_therapist(
    c: &mut Conn,
    therapist: &UserId,
    since: Date,
) -> StoreResult<Vec<Series>> {
    let rows: Vec<SeriesRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE therapist_id = $1 AND (until_date IS NULL OR until_date >= $2) ORDER BY id"
    ))
    .bind(therapist.as_str())
    .bind(since.to_string())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(Series::try_from).collect()
}
