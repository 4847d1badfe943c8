//! Availability, appointment types and appointments. A booked appointment holds its five-minute
//! cells under a primary key: the database itself refuses a second booking of the same time.

use crate::conn::Conn;
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
    c: &mut Conn,
    therapist: &UserId,
    weekly: &[Weekly],
    types: &[AppointmentType],
    rules: &Rules,
    cancel_notice: SignedDuration,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM availability_windows WHERE therapist_id = $1")
        .bind(therapist.as_str())
        .execute(c.ex())
        .await?;
    for w in weekly {
        sqlx::query("INSERT INTO availability_windows (id, therapist_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4, $5)")
            .bind(new_id())
            .bind(therapist.as_str())
            .bind(weekday_number(w.weekday))
            .bind(minute_of(w.start))
            .bind(minute_of(w.end))
            .execute(c.ex())
            .await?;
    }
    let keys: Vec<&str> = types.iter().map(|t| t.key.as_str()).collect();
    let existing: Vec<String> =
        sqlx::query_scalar("SELECT type_key FROM appointment_types WHERE therapist_id = $1")
            .bind(therapist.as_str())
            .fetch_all(c.ex())
            .await?;
    for gone in existing.iter().filter(|k| !keys.contains(&k.as_str())) {
        sqlx::query("DELETE FROM appointment_types WHERE therapist_id = $1 AND type_key = $2")
            .bind(therapist.as_str())
            .bind(gone)
            .execute(c.ex())
            .await?;
    }
    for t in types {
        sqlx::query(
            "INSERT INTO appointment_types (id, therapist_id, type_key, name, minutes, buffer_minutes, price_cents, open_to_visitors) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (therapist_id, type_key) DO UPDATE SET name = $4, minutes = $5, buffer_minutes = $6, price_cents = $7, open_to_visitors = $8",
        )
        .bind(new_id())
        .bind(therapist.as_str())
        .bind(&t.key)
        .bind(&t.name)
        .bind(t.minutes)
        .bind(t.buffer_minutes)
        .bind(t.price_cents)
        .bind(i64::from(t.open_to_visitors))
        .execute(c.ex())
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
    .execute(c.ex())
    .await?;
    Ok(())
}

/// Replaces a therapist's date exceptions.
pub async fn set_exceptions(
    c: &mut Conn,
    therapist: &UserId,
    exceptions: &[Exception],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM availability_exceptions WHERE therapist_id = $1")
        .bind(therapist.as_str())
        .execute(c.ex())
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
            .execute(c.ex())
            .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ExceptionRow {
    day: String,
    start_minute: Option<i64>,
    end_minute: Option<i64>,
}

impl ExceptionRow {
    fn exception(self) -> Option<Exception> {
        let date = self.day.parse().ok()?;
        Some(match (self.start_minute, self.end_minute) {
            (Some(s), Some(e)) => Exception::Extra {
                date,
                start: time_of(s)?,
                end: time_of(e)?,
            },
            _ => Exception::DayOff(date),
        })
    }
}

pub async fn exceptions(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<Exception>> {
    let rows: Vec<ExceptionRow> = sqlx::query_as("SELECT day, start_minute, end_minute FROM availability_exceptions WHERE therapist_id = $1 ORDER BY day, start_minute")
        .bind(therapist.as_str())
        .fetch_all(c.ex())
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(ExceptionRow::exception)
        .collect())
}

/// The notice a patient must give, as stored (for the settings page).
pub async fn cancel_notice_setting(
    c: &mut Conn,
    therapist: &UserId,
) -> StoreResult<Option<SignedDuration>> {
    let m: Option<i64> = sqlx::query_scalar(
        "SELECT cancel_notice_minutes FROM booking_rules WHERE therapist_id = $1",
    )
    .bind(therapist.as_str())
    .fetch_optional(c.ex())
    .await?;
    Ok(m.map(SignedDuration::from_mins))
}

/// What a therapist offers: their weekly windows, their appointment types and their rules.
#[derive(Clone, Debug)]
pub struct Hours {
    pub weekly: Vec<Weekly>,
    pub types: Vec<AppointmentType>,
    pub rules: Rules,
}

#[derive(sqlx::FromRow)]
struct RulesRow {
    notice_minutes: i64,
    horizon_days: i64,
    daily_cap: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct WindowRow {
    weekday: i64,
    start_minute: i64,
    end_minute: i64,
}

impl WindowRow {
    fn weekly(self) -> Option<Weekly> {
        Some(Weekly {
            weekday: Weekday::from_monday_one_offset(i8::try_from(self.weekday).ok()?).ok()?,
            start: time_of(self.start_minute)?,
            end: time_of(self.end_minute)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TypeRow {
    type_key: String,
    name: String,
    minutes: i64,
    buffer_minutes: i64,
    price_cents: Option<i64>,
    open_to_visitors: i64,
}

impl From<TypeRow> for AppointmentType {
    fn from(r: TypeRow) -> AppointmentType {
        AppointmentType {
            key: r.type_key,
            name: r.name,
            minutes: r.minutes,
            buffer_minutes: r.buffer_minutes,
            price_cents: r.price_cents,
            open_to_visitors: r.open_to_visitors != 0,
        }
    }
}

/// A therapist's weekly windows, types and rules (`None` when they take no bookings).
pub async fn availability(c: &mut Conn, therapist: &UserId) -> StoreResult<Option<Hours>> {
    let rules: Option<RulesRow> = sqlx::query_as(
        "SELECT notice_minutes, horizon_days, daily_cap FROM booking_rules WHERE therapist_id = $1",
    )
    .bind(therapist.as_str())
    .fetch_optional(c.ex())
    .await?;
    let Some(rules) = rules else {
        return Ok(None);
    };
    let windows: Vec<WindowRow> = sqlx::query_as("SELECT weekday, start_minute, end_minute FROM availability_windows WHERE therapist_id = $1 ORDER BY weekday, start_minute")
        .bind(therapist.as_str())
        .fetch_all(c.ex())
        .await?;
    let types: Vec<TypeRow> = sqlx::query_as("SELECT type_key, name, minutes, buffer_minutes, price_cents, open_to_visitors FROM appointment_types WHERE therapist_id = $1 ORDER BY minutes, type_key")
        .bind(therapist.as_str())
        .fetch_all(c.ex())
        .await?;
    Ok(Some(Hours {
        weekly: windows.into_iter().filter_map(WindowRow::weekly).collect(),
        types: types.into_iter().map(AppointmentType::from).collect(),
        rules: Rules {
            notice: SignedDuration::from_mins(rules.notice_minutes),
            horizon_days: rules.horizon_days,
            daily_cap: rules.daily_cap.and_then(|c| u32::try_from(c).ok()),
        },
    }))
}

#[derive(sqlx::FromRow)]
struct BusyRow {
    starts_at: i64,
    held_until: i64,
    type_key: String,
}

/// What holds a therapist's calendar between `from` and `to`.
pub async fn busy(
    c: &mut Conn,
    therapist: &UserId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<Busy>> {
    let rows: Vec<BusyRow> = sqlx::query_as("SELECT starts_at, held_until, type_key FROM appointments WHERE therapist_id = $1 AND status = 'booked' AND held_until > $2 AND starts_at < $3")
        .bind(therapist.as_str())
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(c.ex())
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Busy {
            start: ts(r.starts_at),
            end: ts(r.held_until),
            is_appointment: r.type_key != BLOCK,
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

/// Holds the cells from `start` to `until` for an appointment, in one statement: any one of them
/// already held refuses them all (`Conflict`).
async fn hold_cells(
    c: &mut Conn,
    therapist: &str,
    appointment: &str,
    start: Timestamp,
    until: Timestamp,
) -> StoreResult<()> {
    let cells: Vec<i64> = cells(start, until).collect();
    let values = (0..cells.len())
        .map(|i| format!("($1, $2, ${})", i + 3))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO appointment_cells (therapist_id, appointment_id, cell) VALUES {values}"
    );
    let mut query = sqlx::query(&sql).bind(therapist).bind(appointment);
    for cell in cells {
        query = query.bind(cell);
    }
    query.execute(c.ex()).await?;
    Ok(())
}

/// Books an appointment, inside the caller's transaction (the appointment and its cells are one).
/// `Conflict` when any of its time is taken; on PostgreSQL the transaction is then spoilt and
/// must be dropped.
pub async fn book(c: &mut Conn, a: NewAppointment<'_>, now: Timestamp) -> StoreResult<String> {
    let id = new_id();
    let end = a.start + a.kind.length();
    let held = a.start + a.kind.occupies();
    sqlx::query(
        "INSERT INTO appointments (id, therapist_id, case_id, type_key, starts_at, ends_at, held_until, status, sequence, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'booked', 0, $8, $8)",
    )
    .bind(&id)
    .bind(a.therapist.as_str())
    .bind(a.case.map(domain::ids::CaseId::as_str))
    .bind(&a.kind.key)
    .bind(ms(a.start))
    .bind(ms(end))
    .bind(ms(held))
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    if !a.override_clash {
        hold_cells(c, a.therapist.as_str(), &id, a.start, held).await?;
    }
    Ok(id)
}

/// Cancels: the time is free again at once; the sequence number moves on (for calendar files).
/// `late` records a cancellation inside the notice period. `NotFound` unless it was booked.
pub async fn cancel(
    c: &mut Conn,
    appointment: &str,
    late: bool,
    now: Timestamp,
) -> StoreResult<()> {
    let done = sqlx::query("UPDATE appointments SET status = 'cancelled', sequence = sequence + 1, cancelled_at = $1, cancelled_late = $2, updated_at = $1 WHERE id = $3 AND status = 'booked'")
        .bind(ms(now))
        .bind(i64::from(late))
        .bind(appointment)
        .execute(c.ex())
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    sqlx::query("DELETE FROM appointment_cells WHERE appointment_id = $1")
        .bind(appointment)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// Keeps the hash of a new manage-link token for the appointment (the newest link works).
pub async fn set_manage_token(
    c: &mut Conn,
    appointment: &str,
    token_hash: &str,
) -> StoreResult<()> {
    sqlx::query("UPDATE appointments SET manage_token_hash = $1 WHERE id = $2")
        .bind(token_hash)
        .bind(appointment)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// The appointment a manage-link token belongs to.
pub async fn by_manage_token(
    c: &mut Conn,
    token_hash: &str,
) -> StoreResult<Option<AppointmentView>> {
    let row: Option<AppointmentRow> = sqlx::query_as(&format!(
        "{SELECT_APPOINTMENT} WHERE manage_token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(c.ex())
    .await?;
    Ok(row.map(AppointmentView::from))
}

/// The notice a patient must give to cancel without it counting as late.
pub async fn cancel_notice(c: &mut Conn, therapist: &UserId) -> StoreResult<SignedDuration> {
    Ok(cancel_notice_setting(c, therapist)
        .await?
        .unwrap_or(SignedDuration::from_hours(48)))
}

/// Keeps what the visitor wrote (sealed under the case's key) with the appointment.
pub async fn set_note(
    c: &mut Conn,
    case: &CaseId,
    appointment: &str,
    note: &str,
    phone: &str,
) -> StoreResult<()> {
    let key = c.case_key(case.as_str()).await?;
    let text = serde_json::json!({ "note": note, "phone": phone }).to_string();
    let sealed = c
        .keyring
        .seal_with_key(&key, "appointments", "note_sealed", appointment, &text);
    sqlx::query("UPDATE appointments SET note_sealed = $1 WHERE id = $2")
        .bind(sealed)
        .bind(appointment)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// What the visitor wrote when they booked (the newest booking of the case that carries a note
/// or a phone number), opened: `(note, phone)`.
pub async fn note_of_case(c: &mut Conn, case: &CaseId) -> StoreResult<Option<(String, String)>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT id, note_sealed FROM appointments WHERE case_id = $1 AND note_sealed IS NOT NULL
         ORDER BY created_at DESC, id LIMIT 1",
    )
    .bind(case.as_str())
    .fetch_optional(c.ex())
    .await?;
    let Some((id, sealed)) = row else {
        return Ok(None);
    };
    let text = c
        .keyring
        .open("appointments", "note_sealed", &id, &sealed)?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| StoreError::Seal("not a booking note"))?;
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    Ok(Some((field("note"), field("phone"))))
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

const SELECT_APPOINTMENT: &str = "SELECT id, therapist_id, case_id, type_key, starts_at, ends_at, status, sequence, updated_at, cancelled_late FROM appointments";

#[derive(sqlx::FromRow)]
struct AppointmentRow {
    id: String,
    therapist_id: String,
    case_id: Option<String>,
    type_key: String,
    starts_at: i64,
    ends_at: i64,
    status: String,
    sequence: i64,
    updated_at: i64,
    cancelled_late: Option<i64>,
}

impl From<AppointmentRow> for AppointmentView {
    fn from(r: AppointmentRow) -> AppointmentView {
        AppointmentView {
            id: r.id,
            therapist: UserId(r.therapist_id),
            case: r.case_id.map(CaseId),
            type_key: r.type_key,
            start: ts(r.starts_at),
            end: ts(r.ends_at),
            cancelled: r.status == "cancelled",
            cancelled_late: r.cancelled_late == Some(1),
            sequence: r.sequence,
            updated_at: ts(r.updated_at),
        }
    }
}

pub async fn get(c: &mut Conn, id: &str) -> StoreResult<Option<AppointmentView>> {
    let row: Option<AppointmentRow> =
        sqlx::query_as(&format!("{SELECT_APPOINTMENT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(c.ex())
            .await?;
    Ok(row.map(AppointmentView::from))
}

pub async fn count_booked(c: &mut Conn, therapist: &UserId) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments WHERE therapist_id = $1 AND status = 'booked'",
    )
    .bind(therapist.as_str())
    .fetch_one(c.ex())
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
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

#[derive(sqlx::FromRow)]
struct CalendarRow {
    id: String,
    starts_at: i64,
    ends_at: i64,
    type_key: String,
    status: String,
    cancelled_late: Option<i64>,
    #[sqlx(flatten)]
    patient: crate::identity::MaybePatientName,
    case_id: Option<String>,
}

impl CalendarRow {
    fn entry(self, keyring: &crate::seal::Keyring) -> StoreResult<CalendarEntry> {
        let r = self;
        Ok(CalendarEntry {
            id: r.id,
            start: ts(r.starts_at),
            end: ts(r.ends_at),
            type_key: r.type_key,
            status: r.status,
            late: r.cancelled_late == Some(1),
            patient: r.patient.open(keyring)?,
            case: r.case_id.map(CaseId),
        })
    }
}

/// Everything in a therapist's calendar between `from` and `to`, cancelled ones included.
pub async fn calendar(
    c: &mut Conn,
    therapist: &UserId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<CalendarEntry>> {
    let rows: Vec<CalendarRow> = sqlx::query_as(
        "SELECT a.id, a.starts_at, a.ends_at, a.type_key, a.status, a.cancelled_late, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, a.case_id
         FROM appointments a LEFT JOIN cases c ON c.id = a.case_id LEFT JOIN users u ON u.id = c.patient_id
         WHERE a.therapist_id = $1 AND a.starts_at < $3 AND a.ends_at > $2 ORDER BY a.starts_at, a.id",
    )
    .bind(therapist.as_str())
    .bind(ms(from))
    .bind(ms(to))
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(|r| r.entry(&c.keyring)).collect()
}

/// Sets (or replaces, revoking the old address) a therapist's feed.
pub async fn set_feed(
    c: &mut Conn,
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
    .execute(c.ex())
    .await?;
    Ok(())
}

pub async fn remove_feed(c: &mut Conn, therapist: &UserId) -> StoreResult<()> {
    sqlx::query("DELETE FROM calendar_feeds WHERE therapist_id = $1")
        .bind(therapist.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

/// Whether a therapist has a feed, and whether it shows names.
pub async fn feed_of(c: &mut Conn, therapist: &UserId) -> StoreResult<Option<bool>> {
    let n: Option<i64> =
        sqlx::query_scalar("SELECT show_names FROM calendar_feeds WHERE therapist_id = $1")
            .bind(therapist.as_str())
            .fetch_optional(c.ex())
            .await?;
    Ok(n.map(|n| n == 1))
}

/// Whose a feed address is, and whether it shows names.
#[derive(Clone, Debug)]
pub struct FeedOwner {
    pub therapist: UserId,
    pub show_names: bool,
}

#[derive(sqlx::FromRow)]
struct FeedRow {
    therapist_id: String,
    show_names: i64,
}

/// The therapist behind a feed address.
pub async fn feed_owner(c: &mut Conn, token_hash: &str) -> StoreResult<Option<FeedOwner>> {
    let row: Option<FeedRow> =
        sqlx::query_as("SELECT therapist_id, show_names FROM calendar_feeds WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(c.ex())
            .await?;
    Ok(row.map(|r| FeedOwner {
        therapist: UserId(r.therapist_id),
        show_names: r.show_names == 1,
    }))
}

#[derive(sqlx::FromRow)]
struct BookedRow {
    therapist_id: String,
    sequence: i64,
}

/// Moves a booked appointment to `start`: its old cells are freed and its new ones held; the
/// sequence number moves on and is answered. `Conflict` when the new time is taken (the caller
/// drops its transaction, and the appointment stays where it was).
pub async fn reschedule(
    c: &mut Conn,
    appointment: &str,
    kind: &AppointmentType,
    start: Timestamp,
    now: Timestamp,
) -> StoreResult<i64> {
    let row: Option<BookedRow> = sqlx::query_as(
        "SELECT therapist_id, sequence FROM appointments WHERE id = $1 AND status = 'booked'",
    )
    .bind(appointment)
    .fetch_optional(c.ex())
    .await?;
    let booked = row.ok_or(StoreError::NotFound)?;
    let held = start + kind.occupies();
    sqlx::query("DELETE FROM appointment_cells WHERE appointment_id = $1")
        .bind(appointment)
        .execute(c.ex())
        .await?;
    sqlx::query("UPDATE appointments SET starts_at = $1, ends_at = $2, held_until = $3, sequence = sequence + 1, updated_at = $4 WHERE id = $5")
        .bind(ms(start))
        .bind(ms(start + kind.length()))
        .bind(ms(held))
        .bind(ms(now))
        .bind(appointment)
        .execute(c.ex())
        .await?;
    hold_cells(c, &booked.therapist_id, appointment, start, held).await?;
    Ok(booked.sequence + 1)
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
