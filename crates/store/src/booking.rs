//! Availability, appointment types and appointments. A booked appointment holds its five-minute
//! cells under a primary key: the database itself refuses a second booking of the same time.

use crate::conn::Conn;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, ts};
use domain::booking::{AppointmentType, Busy, Exception, Rules, Weekly};
use domain::ids::{CaseId, UserId};
use jiff::civil::{Time, Weekday};
use jiff::{SignedDuration, Timestamp};

/// The type key of blocked time: it holds the calendar but is no appointment.
pub const BLOCK: &str = "block";

/// The grid of the no-double-booking constraint.
pub const CELL_MS: i64 = 5 * 60 * 1000;

fn weekday_number(w: Weekday) -> i64 {
    i64::from(w.to_monday_one_offset())
}

fn minute_of(t: Time) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

fn time_of(minute: i64) -> Option<Time> {
    Time::new(
        i8::try_from(minute / 60).ok()?,
        i8::try_from(minute % 60).ok()?,
        0,
        0,
    )
    .ok()
}

/// Replaces a therapist's weekly windows, appointment types and rules.
pub async fn set_availability(
    db: &Db,
    therapist: &UserId,
    weekly: &[Weekly],
    types: &[AppointmentType],
    rules: &Rules,
    cancel_notice: SignedDuration,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM availability_windows WHERE therapist_id = $1")
        .bind(therapist.as_str())
        .execute(tx.ex())
        .await?;
    for w in weekly {
        sqlx::query("INSERT INTO availability_windows (id, therapist_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4, $5)")
            .bind(new_id())
            .bind(therapist.as_str())
            .bind(weekday_number(w.weekday))
            .bind(minute_of(w.start))
            .bind(minute_of(w.end))
            .execute(tx.ex())
            .await?;
    }
    let keys: Vec<&str> = types.iter().map(|t| t.key.as_str()).collect();
    let existing: Vec<String> =
        sqlx::query_scalar("SELECT type_key FROM appointment_types WHERE therapist_id = $1")
            .bind(therapist.as_str())
            .fetch_all(tx.ex())
            .await?;
    for gone in existing.iter().filter(|k| !keys.contains(&k.as_str())) {
        sqlx::query("DELETE FROM appointment_types WHERE therapist_id = $1 AND type_key = $2")
            .bind(therapist.as_str())
            .bind(gone)
            .execute(tx.ex())
            .await?;
    }
    for t in types {
        sqlx::query(
            "INSERT INTO appointment_types (id, therapist_id, type_key, name, minutes, buffer_minutes, price_cents) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (therapist_id, type_key) DO UPDATE SET name = $4, minutes = $5, buffer_minutes = $6, price_cents = $7",
        )
        .bind(new_id())
        .bind(therapist.as_str())
        .bind(&t.key)
        .bind(&t.name)
        .bind(t.minutes)
        .bind(t.buffer_minutes)
        .bind(t.price_cents)
        .execute(tx.ex())
        .await?;
    }
    sqlx::query(
        "INSERT INTO booking_rules (therapist_id, notice_minutes, horizon_days, daily_cap, cancel_notice_minutes) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (therapist_id) DO UPDATE SET notice_minutes = $2, horizon_days = $3, daily_cap = $4, cancel_notice_minutes = $5",
    )
    .bind(therapist.as_str())
    .bind(rules.notice.as_mins())
    .bind(rules.horizon_days)
    .bind(rules.daily_cap.map(i64::from))
    .bind(cancel_notice.as_mins())
    .execute(tx.ex())
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces a therapist's date exceptions.
pub async fn set_exceptions(
    db: &Db,
    therapist: &UserId,
    exceptions: &[Exception],
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM availability_exceptions WHERE therapist_id = $1")
        .bind(therapist.as_str())
        .execute(tx.ex())
        .await?;
    for e in exceptions {
        let (day, start, end) = match e {
            Exception::DayOff(d) => (d.to_string(), None, None),
            Exception::Extra { date, start, end } => (
                date.to_string(),
                Some(minute_of(*start)),
                Some(minute_of(*end)),
            ),
        };
        sqlx::query("INSERT INTO availability_exceptions (id, therapist_id, day, start_minute, end_minute) VALUES ($1, $2, $3, $4, $5)")
            .bind(new_id())
            .bind(therapist.as_str())
            .bind(day)
            .bind(start)
            .bind(end)
            .execute(tx.ex())
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn exceptions(db: &Db, therapist: &UserId) -> StoreResult<Vec<Exception>> {
    let rows: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as("SELECT day, start_minute, end_minute FROM availability_exceptions WHERE therapist_id = $1 ORDER BY day, start_minute")
        .bind(therapist.as_str())
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(day, s, e)| {
            let date = day.parse().ok()?;
            Some(match (s, e) {
                (Some(s), Some(e)) => Exception::Extra {
                    date,
                    start: time_of(s)?,
                    end: time_of(e)?,
                },
                _ => Exception::DayOff(date),
            })
        })
        .collect())
}

/// The notice a patient must give, as stored (for the settings page).
pub async fn cancel_notice_setting(
    db: &Db,
    therapist: &UserId,
) -> StoreResult<Option<SignedDuration>> {
    let m: Option<i64> = sqlx::query_scalar(
        "SELECT cancel_notice_minutes FROM booking_rules WHERE therapist_id = $1",
    )
    .bind(therapist.as_str())
    .fetch_optional(&db.pool)
    .await?;
    Ok(m.map(SignedDuration::from_mins))
}

/// A therapist's weekly windows, types and rules (`None` when they take no bookings).
pub async fn availability(
    db: &Db,
    therapist: &UserId,
) -> StoreResult<Option<(Vec<Weekly>, Vec<AppointmentType>, Rules)>> {
    let rules: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT notice_minutes, horizon_days, daily_cap FROM booking_rules WHERE therapist_id = $1",
    )
    .bind(therapist.as_str())
    .fetch_optional(&db.pool)
    .await?;
    let Some((notice, horizon, cap)) = rules else {
        return Ok(None);
    };
    let windows: Vec<(i64, i64, i64)> = sqlx::query_as("SELECT weekday, start_minute, end_minute FROM availability_windows WHERE therapist_id = $1 ORDER BY weekday, start_minute")
        .bind(therapist.as_str())
        .fetch_all(&db.pool)
        .await?;
    let weekly = windows
        .into_iter()
        .filter_map(|(d, s, e)| {
            Some(Weekly {
                weekday: Weekday::from_monday_one_offset(i8::try_from(d).ok()?).ok()?,
                start: time_of(s)?,
                end: time_of(e)?,
            })
        })
        .collect();
    let types: Vec<(String, String, i64, i64, Option<i64>)> = sqlx::query_as("SELECT type_key, name, minutes, buffer_minutes, price_cents FROM appointment_types WHERE therapist_id = $1 ORDER BY minutes, type_key")
        .bind(therapist.as_str())
        .fetch_all(&db.pool)
        .await?;
    let types = types
        .into_iter()
        .map(
            |(key, name, minutes, buffer_minutes, price_cents)| AppointmentType {
                key,
                name,
                minutes,
                buffer_minutes,
                price_cents,
            },
        )
        .collect();
    let rules = Rules {
        notice: SignedDuration::from_mins(notice),
        horizon_days: horizon,
        daily_cap: cap.and_then(|c| u32::try_from(c).ok()),
    };
    Ok(Some((weekly, types, rules)))
}

/// What holds a therapist's calendar between `from` and `to`.
pub async fn busy(
    db: &Db,
    therapist: &UserId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<Busy>> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as("SELECT starts_at, held_until, type_key FROM appointments WHERE therapist_id = $1 AND status = 'booked' AND held_until > $2 AND starts_at < $3")
        .bind(therapist.as_str())
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(s, e, kind)| Busy {
            start: ts(s),
            end: ts(e),
            is_appointment: kind != BLOCK,
        })
        .collect())
}

pub struct NewAppointment<'a> {
    pub therapist: &'a UserId,
    pub case: Option<&'a CaseId>,
    pub kind: &'a AppointmentType,
    pub start: Timestamp,
    /// The therapist books over a clash knowingly: no cells are held.
    pub override_clash: bool,
}

/// The cells an appointment from `start` held until `until` occupies.
fn cells(start: Timestamp, until: Timestamp) -> std::ops::Range<i64> {
    let first = ms(start).div_euclid(CELL_MS);
    let last = (ms(until) + CELL_MS - 1).div_euclid(CELL_MS);
    first..last
}

/// Books an appointment inside the caller's transaction. `Conflict` when any of its time is taken.
pub async fn book_in(tx: &mut Conn, a: NewAppointment<'_>, now: Timestamp) -> StoreResult<String> {
    let id = new_id();
    let end = a.start + a.kind.length();
    let held = a.start + a.kind.occupies();
    sqlx::query(
        "INSERT INTO appointments (id, therapist_id, case_id, type_key, starts_at, ends_at, held_until, status, sequence, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'booked', 0, $8, $8)",
    )
    .bind(&id)
    .bind(a.therapist.as_str())
    .bind(a.case.map(|c| c.as_str()))
    .bind(&a.kind.key)
    .bind(ms(a.start))
    .bind(ms(end))
    .bind(ms(held))
    .bind(ms(now))
    .execute(tx.ex())
    .await?;
    if !a.override_clash {
        // One statement for all of the appointment's cells: any one already held refuses it.
        let cells: Vec<i64> = cells(a.start, held).collect();
        let values = (0..cells.len())
            .map(|i| format!("($1, $2, ${})", i + 3))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO appointment_cells (therapist_id, appointment_id, cell) VALUES {values}"
        );
        let mut query = sqlx::query(&sql).bind(a.therapist.as_str()).bind(&id);
        for cell in cells {
            query = query.bind(cell);
        }
        query.execute(tx.ex()).await?;
    }
    Ok(id)
}

/// Books on its own transaction.
pub async fn book(db: &Db, a: NewAppointment<'_>, now: Timestamp) -> StoreResult<String> {
    let mut tx = db.begin().await?;
    let id = book_in(&mut tx, a, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Cancels: the time is free again at once; the sequence number moves on (for calendar files).
/// `late` records a cancellation inside the notice period.
pub async fn cancel(db: &Db, appointment: &str, late: bool, now: Timestamp) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let done = sqlx::query("UPDATE appointments SET status = 'cancelled', sequence = sequence + 1, cancelled_at = $1, cancelled_late = $2, updated_at = $1 WHERE id = $3 AND status = 'booked'")
        .bind(ms(now))
        .bind(i64::from(late))
        .bind(appointment)
        .execute(tx.ex())
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    sqlx::query("DELETE FROM appointment_cells WHERE appointment_id = $1")
        .bind(appointment)
        .execute(tx.ex())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Keeps the hash of a new manage-link token for the appointment (the newest link works).
pub async fn set_manage_token(db: &Db, appointment: &str, token_hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE appointments SET manage_token_hash = $1 WHERE id = $2")
        .bind(token_hash)
        .bind(appointment)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The appointment a manage-link token belongs to.
pub async fn by_manage_token(db: &Db, token_hash: &str) -> StoreResult<Option<AppointmentView>> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT id FROM appointments WHERE manage_token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&db.pool)
            .await?;
    match id {
        Some(id) => get(db, &id).await,
        None => Ok(None),
    }
}

/// The notice a patient must give to cancel without it counting as late.
pub async fn cancel_notice(db: &Db, therapist: &UserId) -> StoreResult<SignedDuration> {
    let minutes: Option<i64> = sqlx::query_scalar(
        "SELECT cancel_notice_minutes FROM booking_rules WHERE therapist_id = $1",
    )
    .bind(therapist.as_str())
    .fetch_optional(&db.pool)
    .await?;
    Ok(SignedDuration::from_mins(minutes.unwrap_or(48 * 60)))
}

/// Keeps what the visitor wrote (sealed under the case's key) with the appointment.
pub async fn set_note_in(
    tx: &mut Conn,
    case: &CaseId,
    appointment: &str,
    note: &str,
    phone: &str,
) -> StoreResult<()> {
    let key = tx.case_key(case.as_str()).await?;
    let text = serde_json::json!({ "note": note, "phone": phone }).to_string();
    let sealed = tx
        .keyring
        .seal_with_key(&key, "appointments", "note_sealed", appointment, &text);
    sqlx::query("UPDATE appointments SET note_sealed = $1 WHERE id = $2")
        .bind(sealed)
        .bind(appointment)
        .execute(tx.ex())
        .await?;
    Ok(())
}

/// One appointment as mail and calendar files need it.
#[derive(Clone, Debug)]
pub struct AppointmentView {
    pub id: String,
    pub therapist: UserId,
    pub case: Option<CaseId>,
    pub type_key: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub cancelled: bool,
    pub cancelled_late: bool,
    pub sequence: i64,
    pub updated_at: Timestamp,
}

pub async fn get(db: &Db, id: &str) -> StoreResult<Option<AppointmentView>> {
    #[allow(clippy::type_complexity)]
    let row: Option<(String, String, Option<String>, String, i64, i64, String, i64, i64, Option<i64>)> =
        sqlx::query_as("SELECT id, therapist_id, case_id, type_key, starts_at, ends_at, status, sequence, updated_at, cancelled_late FROM appointments WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|r| AppointmentView {
        id: r.0,
        therapist: UserId(r.1),
        case: r.2.map(CaseId),
        type_key: r.3,
        start: ts(r.4),
        end: ts(r.5),
        cancelled: r.6 == "cancelled",
        cancelled_late: r.9 == Some(1),
        sequence: r.7,
        updated_at: ts(r.8),
    }))
}

pub async fn count_booked(db: &Db, therapist: &UserId) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments WHERE therapist_id = $1 AND status = 'booked'",
    )
    .bind(therapist.as_str())
    .fetch_one(&db.pool)
    .await?;
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_with_its_buffer_holds_its_cells_and_no_more() {
        let start: Timestamp = "2027-03-15T07:00:00Z".parse().unwrap();
        assert_eq!(
            cells(start, start + SignedDuration::from_mins(60)).count(),
            12
        );
        let next = cells(
            start + SignedDuration::from_mins(60),
            start + SignedDuration::from_mins(120),
        );
        assert!(
            cells(start, start + SignedDuration::from_mins(60)).all(|c| !next.contains(&c)),
            "back to back does not clash"
        );
        assert_eq!(
            cells(start, start + SignedDuration::from_mins(61)).count(),
            13,
            "a part cell is held whole"
        );
    }
}

/// One line of the therapist's calendar.
#[derive(Clone, Debug)]
pub struct CalendarEntry {
    pub id: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub type_key: String,
    pub status: String,
    pub late: bool,
    pub patient: Option<String>,
    pub case: Option<CaseId>,
}

/// Everything in a therapist's calendar between `from` and `to`, cancelled ones included.
pub async fn calendar(
    db: &Db,
    therapist: &UserId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<CalendarEntry>> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(String, i64, i64, String, String, Option<i64>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT a.id, a.starts_at, a.ends_at, a.type_key, a.status, a.cancelled_late, u.name, a.case_id
         FROM appointments a LEFT JOIN cases c ON c.id = a.case_id LEFT JOIN users u ON u.id = c.patient_id
         WHERE a.therapist_id = $1 AND a.starts_at < $3 AND a.ends_at > $2 ORDER BY a.starts_at, a.id",
    )
    .bind(therapist.as_str())
    .bind(ms(from))
    .bind(ms(to))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CalendarEntry {
            id: r.0,
            start: ts(r.1),
            end: ts(r.2),
            type_key: r.3,
            status: r.4,
            late: r.5 == Some(1),
            patient: r.6,
            case: r.7.map(CaseId),
        })
        .collect())
}

/// Sets (or replaces, revoking the old address) a therapist's feed.
pub async fn set_feed(
    db: &Db,
    therapist: &UserId,
    token_hash: &str,
    show_names: bool,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO calendar_feeds (therapist_id, token_hash, show_names, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (therapist_id) DO UPDATE SET token_hash = $2, show_names = $3, created_at = $4",
    )
    .bind(therapist.as_str())
    .bind(token_hash)
    .bind(i64::from(show_names))
    .bind(ms(now))
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn remove_feed(db: &Db, therapist: &UserId) -> StoreResult<()> {
    sqlx::query("DELETE FROM calendar_feeds WHERE therapist_id = $1")
        .bind(therapist.as_str())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Whether a therapist has a feed, and whether it shows names.
pub async fn feed_of(db: &Db, therapist: &UserId) -> StoreResult<Option<bool>> {
    let n: Option<i64> =
        sqlx::query_scalar("SELECT show_names FROM calendar_feeds WHERE therapist_id = $1")
            .bind(therapist.as_str())
            .fetch_optional(&db.pool)
            .await?;
    Ok(n.map(|n| n == 1))
}

/// The therapist behind a feed address, and whether it shows names.
pub async fn feed_owner(db: &Db, token_hash: &str) -> StoreResult<Option<(UserId, bool)>> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT therapist_id, show_names FROM calendar_feeds WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(t, n)| (UserId(t), n == 1)))
}

/// Moves a booked appointment to `start` in one transaction: its old cells are freed and its new
/// ones held (`Conflict` leaves it where it was); the sequence number moves on.
pub async fn reschedule(
    db: &Db,
    appointment: &str,
    kind: &AppointmentType,
    start: Timestamp,
    now: Timestamp,
) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT therapist_id, sequence FROM appointments WHERE id = $1 AND status = 'booked'",
    )
    .bind(appointment)
    .fetch_optional(tx.ex())
    .await?;
    let (therapist, sequence) = row.ok_or(StoreError::NotFound)?;
    let held = start + kind.occupies();
    sqlx::query("DELETE FROM appointment_cells WHERE appointment_id = $1")
        .bind(appointment)
        .execute(tx.ex())
        .await?;
    sqlx::query("UPDATE appointments SET starts_at = $1, ends_at = $2, held_until = $3, sequence = sequence + 1, updated_at = $4 WHERE id = $5")
        .bind(ms(start))
        .bind(ms(start + kind.length()))
        .bind(ms(held))
        .bind(ms(now))
        .bind(appointment)
        .execute(tx.ex())
        .await?;
    let cells: Vec<i64> = cells(start, held).collect();
    let values = (0..cells.len())
        .map(|i| format!("($1, $2, ${})", i + 3))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO appointment_cells (therapist_id, appointment_id, cell) VALUES {values}"
    );
    let mut query = sqlx::query(&sql).bind(&therapist).bind(appointment);
    for cell in cells {
        query = query.bind(cell);
    }
    query.execute(tx.ex()).await?;
    tx.commit().await?;
    Ok(sequence + 1)
}
