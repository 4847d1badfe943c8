//! The rows behind each appointment's video room: guests, admissions, the ending, live connections
//! and signals too large for a notification. What the room *is* at any moment is the domain's
//! `room::phase` over these rows.

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::identity::{MaybePatientName, PatientName};
use crate::{ms, placeholders, ts};
use domain::ids::{CaseId, UserId};
use jiff::Timestamp;

/// A connection not refreshed for this long belongs to an instance that is gone.
pub const FRESH_MS: i64 = 45_000;

/// One person who may enter the room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub user: UserId,
    pub name: String,
    pub host: bool,
    pub admitted: bool,
    /// The live connection, if any (the newest, should there be two for a moment).
    pub connection: Option<String>,
}

/// Everything the room's state is made of.
#[derive(Clone, Debug)]
pub struct RoomRows {
    pub appointment: String,
    pub case: Option<CaseId>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub cancelled: bool,
    pub ended_at: Option<Timestamp>,
    /// The therapist first, then the case's patient, then the guests.
    pub members: Vec<Member>,
}

#[derive(sqlx::FromRow)]
struct AppointmentRow {
    therapist_id: String,
    case_id: Option<String>,
    starts_at: i64,
    ends_at: i64,
    status: String,
    therapist_name: String,
    #[sqlx(flatten)]
    patient: MaybePatientName,
    ended_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct GuestRow {
    #[sqlx(flatten)]
    guest: PatientName,
}

#[derive(sqlx::FromRow)]
struct PresenceRow {
    user_id: String,
    connection_id: String,
}

pub async fn load(
    c: &mut Conn,
    appointment: &str,
    now: Timestamp,
) -> StoreResult<Option<RoomRows>> {
    let row: Option<AppointmentRow> = sqlx::query_as(
        "SELECT a.therapist_id, a.case_id, a.starts_at, a.ends_at, a.status, t.name AS therapist_name,
                c.patient_id, p.name AS patient_name, p.name_sealed AS patient_name_sealed, e.ended_at
         FROM appointments a JOIN users t ON t.id = a.therapist_id
         LEFT JOIN cases c ON c.id = a.case_id LEFT JOIN users p ON p.id = c.patient_id
         LEFT JOIN room_endings e ON e.appointment_id = a.id
         WHERE a.id = $1",
    )
    .bind(appointment)
    .fetch_optional(c.ex())
    .await?;
    let Some(r) = row else { return Ok(None) };
    let mut members = vec![Member {
        user: UserId(r.therapist_id),
        name: r.therapist_name,
        host: true,
        admitted: true,
        connection: None,
    }];
    let patient_id = r.patient.id().map(str::to_string);
    if let (Some(id), Some(name)) = (patient_id, r.patient.open(&c.keyring)?) {
        members.push(Member {
            user: UserId(id),
            name,
            host: false,
            admitted: false,
            connection: None,
        });
    }
    let guests: Vec<GuestRow> = sqlx::query_as(
        "SELECT u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed FROM appointment_guests g JOIN users u ON u.id = g.user_id
         WHERE g.appointment_id = $1 ORDER BY g.added_at, u.id",
    )
    .bind(appointment)
    .fetch_all(c.ex())
    .await?;
    for g in guests {
        let id = g.guest.id().to_string();
        if !members.iter().any(|m| m.user.0 == id) {
            members.push(Member {
                user: UserId(id),
                name: g.guest.open(&c.keyring)?,
                host: false,
                admitted: false,
                connection: None,
            });
        }
    }
    let admitted: Vec<String> =
        sqlx::query_scalar("SELECT user_id FROM room_admissions WHERE appointment_id = $1")
            .bind(appointment)
            .fetch_all(c.ex())
            .await?;
    let live: Vec<PresenceRow> = sqlx::query_as(
        "SELECT user_id, connection_id FROM room_presence WHERE appointment_id = $1 AND seen_at >= $2
         ORDER BY since, connection_id",
    )
    .bind(appointment)
    .bind(ms(now) - FRESH_MS)
    .fetch_all(c.ex())
    .await?;
    for m in &mut members {
        m.admitted |= admitted.contains(&m.user.0);
        // The newest connection wins: an older one is about to be told it was replaced.
        m.connection = live
            .iter()
            .rev()
            .find(|p| p.user_id == m.user.0)
            .map(|p| p.connection_id.clone());
    }
    Ok(Some(RoomRows {
        appointment: appointment.to_string(),
        case: r.case_id.map(CaseId),
        start: ts(r.starts_at),
        end: ts(r.ends_at),
        cancelled: r.status == "cancelled",
        ended_at: r.ended_at.map(ts),
        members,
    }))
}

/// Records a live connection; answers the same person's earlier connections to this room, which
/// the caller closes (a reload, or a second tab, replaces the first).
pub async fn join(
    c: &mut Conn,
    connection: &str,
    appointment: &str,
    user: &UserId,
    now: Timestamp,
) -> StoreResult<Vec<String>> {
    let earlier: Vec<String> = sqlx::query_scalar(
        "SELECT connection_id FROM room_presence WHERE appointment_id = $1 AND user_id = $2",
    )
    .bind(appointment)
    .bind(user.as_str())
    .fetch_all(c.ex())
    .await?;
    sqlx::query("DELETE FROM room_presence WHERE appointment_id = $1 AND user_id = $2")
        .bind(appointment)
        .bind(user.as_str())
        .execute(c.ex())
        .await?;
    sqlx::query(
        "INSERT INTO room_presence (connection_id, appointment_id, user_id, since, seen_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(connection)
    .bind(appointment)
    .bind(user.as_str())
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(earlier)
}

/// Whether `connection` is recorded as `user`'s in `appointment` (a browser that was asked to
/// reconnect by a stopping instance takes its connection back, so its peers' calls go on).
pub async fn holds(
    c: &mut Conn,
    connection: &str,
    appointment: &str,
    user: &UserId,
) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM room_presence WHERE connection_id = $1 AND appointment_id = $2 AND user_id = $3",
    )
    .bind(connection)
    .bind(appointment)
    .bind(user.as_str())
    .fetch_one(c.ex())
    .await?;
    Ok(n > 0)
}

/// Answers whether the connection was still recorded.
pub async fn leave(c: &mut Conn, connection: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM room_presence WHERE connection_id = $1")
        .bind(connection)
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Marks this instance's connections as alive.
pub async fn refresh(c: &mut Conn, connections: &[String], now: Timestamp) -> StoreResult<()> {
    for chunk in connections.chunks(500) {
        let sql = format!(
            "UPDATE room_presence SET seen_at = $1 WHERE connection_id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(ms(now));
        for c in chunk {
            q = q.bind(c.as_str());
        }
        q.execute(c.ex()).await?;
    }
    Ok(())
}

/// Removes connections nobody has refreshed (an instance that stopped without saying goodbye).
pub async fn sweep(c: &mut Conn, now: Timestamp) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM room_presence WHERE seen_at < $1")
        .bind(ms(now) - FRESH_MS)
        .execute(c.ex())
        .await?;
    sqlx::query("DELETE FROM room_signals WHERE created_at < $1")
        .bind(ms(now) - 120_000)
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected())
}

pub async fn admit(
    c: &mut Conn,
    appointment: &str,
    user: &UserId,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM room_admissions WHERE appointment_id = $1 AND user_id = $2")
        .bind(appointment)
        .bind(user.as_str())
        .execute(c.ex())
        .await?;
    sqlx::query(
        "INSERT INTO room_admissions (appointment_id, user_id, admitted_at) VALUES ($1, $2, $3)",
    )
    .bind(appointment)
    .bind(user.as_str())
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

pub async fn send_back(c: &mut Conn, appointment: &str, user: &UserId) -> StoreResult<()> {
    sqlx::query("DELETE FROM room_admissions WHERE appointment_id = $1 AND user_id = $2")
        .bind(appointment)
        .bind(user.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

pub async fn end(c: &mut Conn, appointment: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query("DELETE FROM room_endings WHERE appointment_id = $1")
        .bind(appointment)
        .execute(c.ex())
        .await?;
    sqlx::query("INSERT INTO room_endings (appointment_id, ended_at) VALUES ($1, $2)")
        .bind(appointment)
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    sqlx::query("DELETE FROM room_admissions WHERE appointment_id = $1")
        .bind(appointment)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// Invites another patient of the practice into an appointment (a partner, a family member).
pub async fn add_guest(
    c: &mut Conn,
    appointment: &str,
    user: &UserId,
    now: Timestamp,
) -> StoreResult<()> {
    let exists: Option<String> = sqlx::query_scalar(
        "SELECT user_id FROM appointment_guests WHERE appointment_id = $1 AND user_id = $2",
    )
    .bind(appointment)
    .bind(user.as_str())
    .fetch_optional(c.ex())
    .await?;
    if exists.is_none() {
        sqlx::query(
            "INSERT INTO appointment_guests (appointment_id, user_id, added_at) VALUES ($1, $2, $3)",
        )
        .bind(appointment)
        .bind(user.as_str())
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    }
    Ok(())
}

pub async fn remove_guest(c: &mut Conn, appointment: &str, user: &UserId) -> StoreResult<()> {
    sqlx::query("DELETE FROM appointment_guests WHERE appointment_id = $1 AND user_id = $2")
        .bind(appointment)
        .bind(user.as_str())
        .execute(c.ex())
        .await?;
    send_back(c, appointment, user).await
}

/// A booked appointment someone takes part in, for their list of sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upcoming {
    pub appointment: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub therapist: String,
}

#[derive(sqlx::FromRow)]
struct UpcomingRow {
    id: String,
    starts_at: i64,
    ends_at: i64,
    therapist_name: String,
}

/// `user`'s booked appointments (as the case's patient or as a guest) that end after `from`.
pub async fn upcoming_for(
    c: &mut Conn,
    user: &UserId,
    from: Timestamp,
) -> StoreResult<Vec<Upcoming>> {
    let rows: Vec<UpcomingRow> = sqlx::query_as(
        // One branch per way of taking part, each on its own index and reading only what has
        // not ended yet: an OR across them reads every appointment the practice ever had. The
        // outer time test (for the guest's branch) is `+ 0` so that no index on the time alone
        // tempts the planner to start from every coming appointment of the practice.
        "SELECT a.id, a.starts_at, a.ends_at, t.name AS therapist_name FROM (
               SELECT own.id FROM cases c JOIN appointments own ON own.case_id = c.id
                WHERE c.patient_id = $1 AND own.ends_at > $2
               UNION
               SELECT id FROM appointments WHERE therapist_id = $1 AND ends_at > $2
               UNION
               SELECT appointment_id FROM appointment_guests WHERE user_id = $1) mine
         JOIN appointments a ON a.id = mine.id
         JOIN users t ON t.id = a.therapist_id
         WHERE a.status = 'booked' AND a.ends_at + 0 > $2
         ORDER BY a.starts_at, a.id LIMIT 20",
    )
    .bind(user.as_str())
    .bind(ms(from))
    .fetch_all(c.ex())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Upcoming {
            appointment: r.id,
            start: ts(r.starts_at),
            end: ts(r.ends_at),
            therapist: r.therapist_name,
        })
        .collect())
}

/// Keeps a signal for a moment, for instances that are told its id.
pub async fn put_signal(c: &mut Conn, id: &str, payload: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query("INSERT INTO room_signals (id, payload, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(payload)
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    Ok(())
}

pub async fn signal(c: &mut Conn, id: &str) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT payload FROM room_signals WHERE id = $1")
            .bind(id)
            .fetch_optional(c.ex())
            .await?,
    )
}
