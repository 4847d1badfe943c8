//! Attendance, kept on the appointment it records: what became of a session, the therapist's
//! charge decision, and the therapist's default for late cancellations and no-shows (kept with
//! their booking rules). What billing reads: `billable_of_case`.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, ts};
use domain::attendance::{billable, Attendance, Charge};
use domain::ids::{CaseId, UserId};
use jiff::Timestamp;

/// A session's attendance as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub attendance: Option<Attendance>,
    /// The therapist's decision on a late cancellation or a no-show (`None`: not decided).
    pub charge: Option<Charge>,
    pub at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    attendance: Option<String>,
    charge: Option<i64>,
    attendance_at: Option<i64>,
}

/// The attendance of an appointment (`None` when there is no such appointment).
pub async fn get(c: &mut Conn, appointment: &str) -> StoreResult<Option<Record>> {
    let row: Option<RecordRow> =
        sqlx::query_as("SELECT attendance, charge, attendance_at FROM appointments WHERE id = $1")
            .bind(appointment)
            .fetch_optional(c.ex())
            .await?;
    Ok(row.map(|r| Record {
        attendance: r.attendance.as_deref().and_then(Attendance::parse),
        charge: r.charge.map(Charge::from_flag),
        at: r.attendance_at.map(ts),
    }))
}

/// Records (or corrects) what became of a session, with the charge decision (`None`: none).
/// `by` is `None` when the patient's own cancellation recorded it. `NotFound` without the
/// appointment.
pub async fn record(
    c: &mut Conn,
    appointment: &str,
    attendance: Attendance,
    charge: Option<Charge>,
    by: Option<&UserId>,
    now: Timestamp,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE appointments SET attendance = $1, charge = $2, attendance_at = $3, attendance_by = $4 WHERE id = $5",
    )
    .bind(attendance.as_str())
    .bind(charge.map(Charge::flag))
    .bind(ms(now))
    .bind(by.map(UserId::as_str))
    .bind(appointment)
    .execute(c.ex())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The therapist's default for late cancellations and no-shows (charged before they say).
pub async fn late_charge(c: &mut Conn, therapist: &UserId) -> StoreResult<Charge> {
    let flag: Option<i64> =
        sqlx::query_scalar("SELECT late_charge FROM booking_rules WHERE therapist_id = $1")
            .bind(therapist.as_str())
            .fetch_optional(c.ex())
            .await?;
    Ok(flag.map_or_else(Charge::default, Charge::from_flag))
}

/// Saves the default; the booking rules' row must exist (the settings write it first).
pub async fn set_late_charge(c: &mut Conn, therapist: &UserId, charge: Charge) -> StoreResult<()> {
    sqlx::query("UPDATE booking_rules SET late_charge = $1 WHERE therapist_id = $2")
        .bind(charge.flag())
        .bind(therapist.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

/// A session billing counts: its attendance, and whether it is charged by decision or default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillableSession {
    pub appointment: String,
    pub type_key: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub attendance: Attendance,
    /// `None`: the therapist has not decided, their default made it billable.
    pub charge: Option<Charge>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    type_key: String,
    starts_at: i64,
    ends_at: i64,
    attendance: Option<String>,
    charge: Option<i64>,
    late_charge: Option<i64>,
}

/// The billable sessions of a case that start in `[from, to)`, oldest first: the rule is
/// `domain::attendance::billable`, with the therapist's default as it stands now.
pub async fn billable_of_case(
    c: &mut Conn,
    case: &CaseId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<BillableSession>> {
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT a.id, a.type_key, a.starts_at, a.ends_at, a.attendance, a.charge, r.late_charge
         FROM appointments a LEFT JOIN booking_rules r ON r.therapist_id = a.therapist_id
         WHERE a.case_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 AND a.attendance IS NOT NULL
         ORDER BY a.starts_at, a.id",
    )
    .bind(case.as_str())
    .bind(ms(from))
    .bind(ms(to))
    .fetch_all(c.ex())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let attendance = r.attendance.as_deref().and_then(Attendance::parse)?;
            let charge = r.charge.map(Charge::from_flag);
            let default = r
                .late_charge
                .map_or_else(Charge::default, Charge::from_flag);
            billable(Some(attendance), charge, default).then(|| BillableSession {
                appointment: r.id,
                type_key: r.type_key,
                start: ts(r.starts_at),
                end: ts(r.ends_at),
                attendance,
                charge,
            })
        })
        .collect())
}

/// A session on the therapist's day: its attendance is not recorded yet, or (a late
/// cancellation, a no-show) it waits for the charge decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToRecord {
    pub appointment: String,
    pub case: CaseId,
    pub patient_name: String,
    pub start: Timestamp,
    /// `None`: not recorded; otherwise the record that waits for a decision.
    pub attendance: Option<Attendance>,
}

#[derive(sqlx::FromRow)]
struct ToRecordRow {
    id: String,
    case_id: String,
    #[sqlx(flatten)]
    patient: crate::identity::PatientName,
    starts_at: i64,
    attendance: Option<String>,
}

/// The therapist's sessions that started in `[since, before)` and are booked with no attendance
/// recorded, and their late cancellations and no-shows since `since` that wait for a charge
/// decision; oldest first, at most `limit`.
pub async fn to_record(
    c: &mut Conn,
    therapist: &UserId,
    since: Timestamp,
    before: Timestamp,
    limit: i64,
) -> StoreResult<Vec<ToRecord>> {
    let rows: Vec<ToRecordRow> = sqlx::query_as(
        "SELECT a.id, a.case_id, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, a.starts_at, a.attendance
         FROM appointments a JOIN cases c ON c.id = a.case_id JOIN users u ON u.id = c.patient_id
         WHERE a.therapist_id = $1 AND a.starts_at >= $2
           AND ((a.status = 'booked' AND a.attendance IS NULL AND a.starts_at < $3)
             OR (a.attendance IN ('late_cancelled', 'no_show') AND a.charge IS NULL))
         ORDER BY a.starts_at, a.id LIMIT $4",
    )
    .bind(therapist.as_str())
    .bind(ms(since))
    .bind(ms(before))
    .bind(limit)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ToRecord {
                appointment: r.id,
                case: CaseId(r.case_id),
                patient_name: r.patient.open(&c.keyring)?,
                start: ts(r.starts_at),
                attendance: r.attendance.as_deref().and_then(Attendance::parse),
            })
        })
        .collect()
}

/// One of a case's appointments with what became of it, for the patient's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub id: String,
    pub type_key: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub cancelled: bool,
    pub attendance: Option<Attendance>,
}

#[derive(sqlx::FromRow)]
struct VisitRow {
    id: String,
    type_key: String,
    starts_at: i64,
    ends_at: i64,
    status: String,
    attendance: Option<String>,
}

/// Every appointment of a case, oldest first, cancelled ones included (a record says what was
/// arranged as well as what took place).
pub async fn of_case(c: &mut Conn, case: &CaseId) -> StoreResult<Vec<Visit>> {
    let rows: Vec<VisitRow> = sqlx::query_as(
        "SELECT id, type_key, starts_at, ends_at, status, attendance FROM appointments
         WHERE case_id = $1 ORDER BY starts_at, id",
    )
    .bind(case.as_str())
    .fetch_all(c.ex())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Visit {
            id: r.id,
            type_key: r.type_key,
            start: ts(r.starts_at),
            end: ts(r.ends_at),
            cancelled: r.status == "cancelled",
            attendance: r.attendance.as_deref().and_then(Attendance::parse),
        })
        .collect())
}
