//! Session notes and their addenda. A note is sealed under its case's key, bound to the
//! appointment's id; once signed, no write here touches its body again (every update says
//! `WHERE signed_at IS NULL`), so a signed note changes through no route at all.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, ts};
use domain::ids::{CaseId, UserId};
use domain::notes::Body;
use jiff::Timestamp;

const TABLE: &str = "session_notes";

/// A note as stored, opened.
#[derive(Clone, Debug)]
pub struct Note {
    pub body: Body,
    pub process: String,
    pub updated_at: Timestamp,
    pub signed_at: Option<Timestamp>,
    pub signed_by: Option<String>,
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    body_sealed: String,
    process_sealed: Option<String>,
    updated_at: i64,
    signed_at: Option<i64>,
    signed_by: Option<String>,
}

/// The note of a session, opened; `None` before anything was written.
pub async fn load(c: &mut Conn, appointment: &str) -> StoreResult<Option<Note>> {
    let row: Option<NoteRow> = sqlx::query_as(
        "SELECT n.body_sealed, n.process_sealed, n.updated_at, n.signed_at, u.name AS signed_by
         FROM session_notes n LEFT JOIN users u ON u.id = n.signed_by WHERE n.appointment_id = $1",
    )
    .bind(appointment)
    .fetch_optional(c.ex())
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let text = c
        .keyring
        .open(TABLE, "body_sealed", appointment, &r.body_sealed)?;
    let process = match &r.process_sealed {
        Some(sealed) => c
            .keyring
            .open(TABLE, "process_sealed", appointment, sealed)?,
        None => String::new(),
    };
    Ok(Some(Note {
        body: serde_json::from_str(&text).unwrap_or_default(),
        process,
        updated_at: ts(r.updated_at),
        signed_at: r.signed_at.map(ts),
        signed_by: r.signed_by,
    }))
}

/// Writes a draft's body and process notes. `Conflict` when the note is signed already: nothing
/// is written then.
pub async fn save_draft(
    c: &mut Conn,
    case: &CaseId,
    appointment: &str,
    body: &Body,
    process: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let key = c.case_key(case.as_str()).await?;
    let text = serde_json::to_string(body).expect("a note serialises");
    let body_sealed = c
        .keyring
        .seal_with_key(&key, TABLE, "body_sealed", appointment, &text);
    let process_sealed =
        c.keyring
            .seal_with_key(&key, TABLE, "process_sealed", appointment, process);
    let done = sqlx::query(
        "INSERT INTO session_notes (appointment_id, case_id, template, body_sealed, process_sealed, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (appointment_id) DO UPDATE SET template = excluded.template,
           body_sealed = excluded.body_sealed, process_sealed = excluded.process_sealed,
           updated_at = excluded.updated_at
         WHERE session_notes.signed_at IS NULL",
    )
    .bind(appointment)
    .bind(case.as_str())
    .bind(&body.template)
    .bind(body_sealed)
    .bind(process_sealed)
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// Signs a draft. `Conflict` when it was signed already (or does not exist).
pub async fn sign(c: &mut Conn, appointment: &str, by: &UserId, now: Timestamp) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE session_notes SET signed_at = $1, signed_by = $2 WHERE appointment_id = $3 AND signed_at IS NULL",
    )
    .bind(ms(now))
    .bind(by.as_str())
    .bind(appointment)
    .execute(c.ex())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// Changes only the private process notes (a signed note's too: they are not the record).
pub async fn save_process(
    c: &mut Conn,
    case: &CaseId,
    appointment: &str,
    process: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let key = c.case_key(case.as_str()).await?;
    let sealed = c
        .keyring
        .seal_with_key(&key, TABLE, "process_sealed", appointment, process);
    sqlx::query(
        "UPDATE session_notes SET process_sealed = $1, updated_at = $2 WHERE appointment_id = $3",
    )
    .bind(sealed)
    .bind(ms(now))
    .bind(appointment)
    .execute(c.ex())
    .await?;
    Ok(())
}

/// One dated addendum to a signed note.
#[derive(Clone, Debug)]
pub struct Addendum {
    pub text: String,
    pub author: String,
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct AddendumRow {
    id: String,
    body_sealed: String,
    author: String,
    created_at: i64,
}

/// Adds an addendum to a signed note.
pub async fn add_addendum(
    c: &mut Conn,
    case: &CaseId,
    appointment: &str,
    text: &str,
    author: &UserId,
    now: Timestamp,
) -> StoreResult<()> {
    let id = new_id();
    let key = c.case_key(case.as_str()).await?;
    let sealed = c
        .keyring
        .seal_with_key(&key, "session_note_addenda", "body_sealed", &id, text);
    sqlx::query("INSERT INTO session_note_addenda (id, appointment_id, body_sealed, author_id, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(appointment)
        .bind(sealed)
        .bind(author.as_str())
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    Ok(())
}

/// A note's addenda, oldest first, opened.
pub async fn addenda(c: &mut Conn, appointment: &str) -> StoreResult<Vec<Addendum>> {
    let rows: Vec<AddendumRow> = sqlx::query_as(
        "SELECT a.id, a.body_sealed, u.name AS author, a.created_at FROM session_note_addenda a
         JOIN users u ON u.id = a.author_id WHERE a.appointment_id = $1 ORDER BY a.created_at, a.id",
    )
    .bind(appointment)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Addendum {
                text: c.keyring.open(
                    "session_note_addenda",
                    "body_sealed",
                    &r.id,
                    &r.body_sealed,
                )?,
                author: r.author,
                created_at: ts(r.created_at),
            })
        })
        .collect()
}

/// Where a case's sessions stand with their notes (no text is opened for this).
#[derive(Clone, Debug)]
pub struct SessionLine {
    pub appointment: String,
    pub start: Timestamp,
    pub type_key: String,
    /// None: nothing written; Some(None): a draft; Some(Some(at)): signed at.
    pub note: Option<Option<Timestamp>>,
    /// What became of it (`None`: not recorded yet).
    pub attendance: Option<domain::attendance::Attendance>,
    /// The charge decision on a late cancellation or a no-show (`None`: not decided).
    pub charge: Option<domain::attendance::Charge>,
    /// Cancelled (late by the patient, or by the therapist): it has no note.
    pub cancelled: bool,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    starts_at: i64,
    type_key: String,
    has_note: i64,
    signed_at: Option<i64>,
    status: String,
    attendance: Option<String>,
    charge: Option<i64>,
}

/// The case's sessions that start by `now` (newest first, at most `limit`), each with its
/// note's state and its attendance: the booked ones, and the cancelled ones that have an
/// attendance record (late, or by the therapist; a cancellation in time is no session).
pub async fn sessions_of_case(
    c: &mut Conn,
    case: &CaseId,
    now: Timestamp,
    limit: i64,
) -> StoreResult<Vec<SessionLine>> {
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT a.id, a.starts_at, a.type_key,
           CASE WHEN n.appointment_id IS NULL THEN 0 ELSE 1 END AS has_note, n.signed_at,
           a.status, a.attendance, a.charge
         FROM appointments a LEFT JOIN session_notes n ON n.appointment_id = a.id
         WHERE a.case_id = $1 AND (a.status = 'booked' OR a.attendance IS NOT NULL)
           AND a.starts_at <= $2
         ORDER BY a.starts_at DESC LIMIT $3",
    )
    .bind(case.as_str())
    .bind(ms(now))
    .bind(limit)
    .fetch_all(c.ex())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionLine {
            appointment: r.id,
            start: ts(r.starts_at),
            type_key: r.type_key,
            note: (r.has_note == 1).then(|| r.signed_at.map(ts)),
            attendance: r
                .attendance
                .as_deref()
                .and_then(domain::attendance::Attendance::parse),
            charge: r.charge.map(domain::attendance::Charge::from_flag),
            cancelled: r.status == "cancelled",
        })
        .collect())
}

/// A session whose note is not signed a while after it ended: for the therapist's day.
#[derive(Clone, Debug)]
pub struct Unsigned {
    pub appointment: String,
    pub case: CaseId,
    pub patient_name: String,
    pub start: Timestamp,
    pub drafted: bool,
}

#[derive(sqlx::FromRow)]
struct UnsignedRow {
    id: String,
    case_id: String,
    #[sqlx(flatten)]
    patient: crate::identity::PatientName,
    starts_at: i64,
    has_note: i64,
}

/// The therapist's sessions (not first consultations: their notes are the workspace) that ended
/// between `since` and `before` without a signed note, oldest first, at most `limit`. Cancelled
/// sessions and no-shows ask for no note.
pub async fn unsigned(
    c: &mut Conn,
    therapist: &UserId,
    since: Timestamp,
    before: Timestamp,
    limit: i64,
) -> StoreResult<Vec<Unsigned>> {
    let rows: Vec<UnsignedRow> = sqlx::query_as(
        "SELECT a.id, a.case_id, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, a.starts_at,
           CASE WHEN n.appointment_id IS NULL THEN 0 ELSE 1 END AS has_note
         FROM appointments a JOIN cases c ON c.id = a.case_id JOIN users u ON u.id = c.patient_id
         LEFT JOIN session_notes n ON n.appointment_id = a.id
         WHERE a.therapist_id = $1 AND a.status = 'booked' AND a.type_key <> 'first'
           AND a.ends_at > $2 AND a.ends_at <= $3 AND n.signed_at IS NULL
           AND (a.attendance IS NULL OR a.attendance <> 'no_show')
         ORDER BY a.starts_at LIMIT $4",
    )
    .bind(therapist.as_str())
    .bind(ms(since))
    .bind(ms(before))
    .bind(limit)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Unsigned {
                appointment: r.id,
                case: CaseId(r.case_id),
                patient_name: r.patient.open(&c.keyring)?,
                start: ts(r.starts_at),
                drafted: r.has_note == 1,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct OwnHeadingsRow {
    name: String,
    headings: String,
}

/// A therapist's own note headings, if they have defined them.
pub async fn own_headings(
    c: &mut Conn,
    therapist: &UserId,
) -> StoreResult<Option<domain::notes::OwnHeadings>> {
    let row: Option<OwnHeadingsRow> =
        sqlx::query_as("SELECT name, headings FROM own_note_headings WHERE therapist_id = $1")
            .bind(therapist.as_str())
            .fetch_optional(c.ex())
            .await?;
    Ok(row.map(|r| domain::notes::OwnHeadings {
        name: r.name,
        headings: serde_json::from_str(&r.headings).unwrap_or_default(),
    }))
}

/// Keeps a therapist's own note headings in place of the ones they had (no note changes with
/// them: each note keeps its own copy).
pub async fn save_own_headings(
    c: &mut Conn,
    therapist: &UserId,
    own: &domain::notes::OwnHeadings,
    now: Timestamp,
) -> StoreResult<()> {
    let headings = serde_json::to_string(&own.headings).expect("headings serialise");
    sqlx::query(
        "INSERT INTO own_note_headings (therapist_id, name, headings, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (therapist_id) DO UPDATE SET name = excluded.name,
           headings = excluded.headings, updated_at = excluded.updated_at",
    )
    .bind(therapist.as_str())
    .bind(&own.name)
    .bind(headings)
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}
