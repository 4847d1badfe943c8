//! The therapist's day: what they want to be told at once, when they last marked the day's news
//! as seen, and the bounded lists the day's page reads (each with a LIMIT: the page shows what
//! needs the therapist now, never the history).

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::identity::PatientName;
use crate::seal::Keyring;
use crate::{ms, ts};
use domain::ids::{AgreementId, CaseId, ResponseId, UserId};
use jiff::Timestamp;

/// How many rows any one list of the day reads.
pub const LIMIT: i64 = 20;

/// A therapist's choices for being told, and their "seen" marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub tell_booking: bool,
    pub tell_cancellation: bool,
    pub tell_move: bool,
    pub daily_agenda: bool,
    pub seen_at: Option<Timestamp>,
}

impl Default for Settings {
    /// Told at once about each change; no agenda until asked for.
    fn default() -> Self {
        Settings {
            tell_booking: true,
            tell_cancellation: true,
            tell_move: true,
            daily_agenda: false,
            seen_at: None,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    tell_booking: i64,
    tell_cancellation: i64,
    tell_move: i64,
    daily_agenda: i64,
    seen_at: Option<i64>,
}

pub async fn settings(c: &mut Conn, therapist: &UserId) -> StoreResult<Settings> {
    let row: Option<SettingsRow> = sqlx::query_as(
        "SELECT tell_booking, tell_cancellation, tell_move, daily_agenda, seen_at FROM therapist_day WHERE therapist_id = $1",
    )
    .bind(therapist.as_str())
    .fetch_optional(c.ex())
    .await?;
    Ok(row
        .map(|r| Settings {
            tell_booking: r.tell_booking != 0,
            tell_cancellation: r.tell_cancellation != 0,
            tell_move: r.tell_move != 0,
            daily_agenda: r.daily_agenda != 0,
            seen_at: r.seen_at.map(ts),
        })
        .unwrap_or_default())
}

/// Saves the choices (the seen marker is kept).
pub async fn set_settings(c: &mut Conn, therapist: &UserId, s: &Settings) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO therapist_day (therapist_id, tell_booking, tell_cancellation, tell_move, daily_agenda, seen_at)
         VALUES ($1, $2, $3, $4, $5, NULL)
         ON CONFLICT (therapist_id) DO UPDATE SET tell_booking = $2, tell_cancellation = $3, tell_move = $4, daily_agenda = $5",
    )
    .bind(therapist.as_str())
    .bind(i64::from(s.tell_booking))
    .bind(i64::from(s.tell_cancellation))
    .bind(i64::from(s.tell_move))
    .bind(i64::from(s.daily_agenda))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// "I have seen today's news": bookings and cancellations before `now` are no longer new.
pub async fn mark_seen(c: &mut Conn, therapist: &UserId, now: Timestamp) -> StoreResult<()> {
    let d = Settings::default();
    sqlx::query(
        "INSERT INTO therapist_day (therapist_id, tell_booking, tell_cancellation, tell_move, daily_agenda, seen_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (therapist_id) DO UPDATE SET seen_at = $6",
    )
    .bind(therapist.as_str())
    .bind(i64::from(d.tell_booking))
    .bind(i64::from(d.tell_cancellation))
    .bind(i64::from(d.tell_move))
    .bind(i64::from(d.daily_agenda))
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// A booking or a cancellation since the marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub appointment: String,
    pub case: CaseId,
    pub patient: String,
    pub type_key: String,
    pub start: Timestamp,
    pub cancelled: bool,
    /// When it was booked, or cancelled.
    pub at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: String,
    case_id: String,
    #[sqlx(flatten)]
    patient: PatientName,
    type_key: String,
    starts_at: i64,
    status: String,
    created_at: i64,
    cancelled_at: Option<i64>,
}

/// Appointments with a case booked, or cancelled, after `since`: newest first. Two branches, one
/// on each time's index: an OR of the two reads every appointment the therapist ever had.
pub async fn changes(
    c: &mut Conn,
    therapist: &UserId,
    since: Timestamp,
) -> StoreResult<Vec<Change>> {
    let rows: Vec<ChangeRow> = sqlx::query_as(
        "SELECT a.id, a.case_id, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, a.type_key, a.starts_at, a.status, a.created_at, a.cancelled_at
         FROM (SELECT id FROM appointments WHERE therapist_id = $1 AND created_at > $2
               UNION
               SELECT id FROM appointments WHERE therapist_id = $1 AND cancelled_at > $2) recent
         JOIN appointments a ON a.id = recent.id
         JOIN cases c ON c.id = a.case_id JOIN users u ON u.id = c.patient_id
         ORDER BY a.updated_at DESC, a.id LIMIT $3",
    )
    .bind(therapist.as_str())
    .bind(ms(since))
    .bind(LIMIT)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            let cancelled =
                r.status == "cancelled" && r.cancelled_at.is_some_and(|t| t > ms(since));
            Ok(Change {
                appointment: r.id,
                case: CaseId(r.case_id),
                patient: r.patient.open(&c.keyring)?,
                type_key: r.type_key,
                start: ts(r.starts_at),
                cancelled,
                at: ts(if cancelled {
                    r.cancelled_at.unwrap_or(r.created_at)
                } else {
                    r.created_at
                }),
            })
        })
        .collect()
}

/// A case with something for the therapist: unread messages, a risk mark, a returned
/// questionnaire, an agreement to countersign, a consultation without notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseItem {
    pub case: CaseId,
    pub patient: String,
    /// How many (unread messages), else 1.
    pub count: i64,
    pub at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct CaseItemRow {
    case_id: String,
    #[sqlx(flatten)]
    patient: PatientName,
    n: i64,
    at: i64,
}

impl CaseItemRow {
    fn item(self, keyring: &Keyring) -> StoreResult<CaseItem> {
        Ok(CaseItem {
            case: CaseId(self.case_id),
            patient: self.patient.open(keyring)?,
            count: self.n,
            at: ts(self.at),
        })
    }
}

async fn case_items(c: &mut Conn, sql: &str, therapist: &UserId) -> StoreResult<Vec<CaseItem>> {
    let rows: Vec<CaseItemRow> = sqlx::query_as(sql)
        .bind(therapist.as_str())
        .bind(LIMIT)
        .fetch_all(c.ex())
        .await?;
    rows.into_iter().map(|r| r.item(&c.keyring)).collect()
}

/// Cases whose patient (or a guest) wrote something the therapist has not read, newest first.
pub async fn unread_messages(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<CaseItem>> {
    case_items(
        c,
        "SELECT m.case_id, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, COUNT(*) AS n, MAX(m.created_at) AS at
         FROM messages m JOIN cases c ON c.id = m.case_id JOIN users u ON u.id = c.patient_id
         WHERE c.therapist_id = $1 AND m.author_id <> $1 AND m.read_at IS NULL
         GROUP BY m.case_id, u.id, u.name, u.name_sealed ORDER BY MAX(m.created_at) DESC LIMIT $2",
        therapist,
    )
    .await
}

/// Cases with a risk mark the therapist has not seen, oldest first (it waited longest).
pub async fn risk_marks(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<CaseItem>> {
    case_items(
        c,
        "SELECT a.case_id, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, 1 AS n, a.raised_at AS at
         FROM case_attention a JOIN cases c ON c.id = a.case_id JOIN users u ON u.id = c.patient_id
         WHERE c.therapist_id = $1 AND a.seen_at IS NULL ORDER BY a.raised_at, a.case_id LIMIT $2",
        therapist,
    )
    .await
}

/// A returned questionnaire not yet opened by the therapist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Returned {
    pub response: ResponseId,
    pub case: CaseId,
    pub patient: String,
    pub questionnaire_key: String,
    pub at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ReturnedRow {
    id: String,
    case_id: String,
    #[sqlx(flatten)]
    patient: PatientName,
    questionnaire_key: String,
    submitted_at: i64,
}

pub async fn returned_questionnaires(
    c: &mut Conn,
    therapist: &UserId,
) -> StoreResult<Vec<Returned>> {
    let rows: Vec<ReturnedRow> = sqlx::query_as(
        "SELECT r.id, r.case_id, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, r.questionnaire_key, r.submitted_at
         FROM responses r JOIN cases c ON c.id = r.case_id JOIN users u ON u.id = c.patient_id
         WHERE c.therapist_id = $1 AND r.submitted_at IS NOT NULL AND r.reviewed_at IS NULL
         ORDER BY r.submitted_at DESC, r.id LIMIT $2",
    )
    .bind(therapist.as_str())
    .bind(LIMIT)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Returned {
                response: ResponseId(r.id),
                case: CaseId(r.case_id),
                patient: r.patient.open(&c.keyring)?,
                questionnaire_key: r.questionnaire_key,
                at: ts(r.submitted_at),
            })
        })
        .collect()
}

/// "The therapist has opened this response": it leaves the day's list.
pub async fn mark_reviewed(c: &mut Conn, response: &ResponseId, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE responses SET reviewed_at = $1 WHERE id = $2 AND submitted_at IS NOT NULL AND reviewed_at IS NULL")
        .bind(ms(now))
        .bind(response.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

/// An agreement the patient signed that waits for the therapist's countersignature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToCountersign {
    pub agreement: AgreementId,
    pub case: CaseId,
    pub patient: String,
    pub at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct CountersignRow {
    id: String,
    case_id: String,
    #[sqlx(flatten)]
    patient: PatientName,
    signed_at: i64,
}

pub async fn to_countersign(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<ToCountersign>> {
    let rows: Vec<CountersignRow> = sqlx::query_as(
        "SELECT g.id, g.case_id, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, g.signed_at
         FROM agreements g JOIN cases c ON c.id = g.case_id JOIN users u ON u.id = c.patient_id
         WHERE c.therapist_id = $1 AND g.signed_at IS NOT NULL AND g.countersigned_at IS NULL AND g.withdrawn_at IS NULL
         ORDER BY g.signed_at, g.id LIMIT $2",
    )
    .bind(therapist.as_str())
    .bind(LIMIT)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ToCountersign {
                agreement: AgreementId(r.id),
                case: CaseId(r.case_id),
                patient: r.patient.open(&c.keyring)?,
                at: ts(r.signed_at),
            })
        })
        .collect()
}

/// Cases whose first consultation has been held (it ended before `now`, in the last four weeks)
/// and whose first-session notes are not yet written (no workspace saved since it began).
pub async fn notes_to_write(
    c: &mut Conn,
    therapist: &UserId,
    now: Timestamp,
) -> StoreResult<Vec<CaseItem>> {
    let rows: Vec<CaseItemRow> = sqlx::query_as(
        "SELECT a.case_id, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, 1 AS n, MAX(a.ends_at) AS at
         FROM appointments a JOIN cases c ON c.id = a.case_id JOIN users u ON u.id = c.patient_id
         LEFT JOIN workspaces w ON w.case_id = a.case_id
         WHERE a.therapist_id = $1 AND a.type_key = 'first' AND a.status = 'booked'
           AND a.ends_at <= $3 AND a.ends_at > $4
           AND (w.case_id IS NULL OR w.updated_at < a.starts_at)
         GROUP BY a.case_id, u.id, u.name, u.name_sealed ORDER BY MAX(a.ends_at) DESC LIMIT $2",
    )
    .bind(therapist.as_str())
    .bind(LIMIT)
    .bind(ms(now))
    .bind(ms(now) - 28 * 24 * 3_600_000)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(|r| r.item(&c.keyring)).collect()
}

/// Someone connected to one of the therapist's rooms right now (the therapist not among them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub appointment: String,
    pub name: String,
    pub since: Timestamp,
}

#[derive(sqlx::FromRow)]
struct WaitingRow {
    appointment_id: String,
    #[sqlx(flatten)]
    patient: PatientName,
    since: i64,
}

pub async fn waiting(
    c: &mut Conn,
    therapist: &UserId,
    now: Timestamp,
) -> StoreResult<Vec<Waiting>> {
    let rows: Vec<WaitingRow> = sqlx::query_as(
        "SELECT p.appointment_id, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, MIN(p.since) AS since
         FROM room_presence p JOIN appointments a ON a.id = p.appointment_id JOIN users u ON u.id = p.user_id
         WHERE a.therapist_id = $1 AND p.user_id <> $1 AND p.seen_at >= $3 AND a.status = 'booked'
         GROUP BY p.appointment_id, u.id, u.name, u.name_sealed ORDER BY MIN(p.since) LIMIT $2",
    )
    .bind(therapist.as_str())
    .bind(LIMIT)
    .bind(ms(now) - crate::rooms::FRESH_MS)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Waiting {
                appointment: r.appointment_id,
                name: r.patient.open(&c.keyring)?,
                since: ts(r.since),
            })
        })
        .collect()
}

/// What a visitor wrote before they were a patient (an inquiry's message), kept on their case.
pub async fn set_origin(
    c: &mut Conn,
    case: &CaseId,
    inquiry: &str,
    text: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let key = c.case_key(case.as_str()).await?;
    let sealed = c
        .keyring
        .seal_with_key(&key, "case_origins", "text_sealed", case.as_str(), text);
    sqlx::query(
        "INSERT INTO case_origins (case_id, inquiry_id, text_sealed, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (case_id) DO UPDATE SET inquiry_id = $2, text_sealed = $3, created_at = $4",
    )
    .bind(case.as_str())
    .bind(inquiry)
    .bind(sealed)
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// The inquiry's text kept on a case, opened.
pub async fn origin(c: &mut Conn, case: &CaseId) -> StoreResult<Option<String>> {
    let sealed: Option<String> =
        sqlx::query_scalar("SELECT text_sealed FROM case_origins WHERE case_id = $1")
            .bind(case.as_str())
            .fetch_optional(c.ex())
            .await?;
    sealed
        .map(|s| {
            c.keyring
                .open("case_origins", "text_sealed", case.as_str(), &s)
        })
        .transpose()
}
