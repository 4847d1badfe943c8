//! Cases: a patient and their therapist. Access to everything clinical goes through a case.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::identity::opened;
use crate::seal::Keyring;
use crate::users::{self, NewUser};
use crate::{ms, new_id, ts};
use domain::account::{Role, User};
use domain::case::{Case, Stage};
use domain::ids::{CaseId, UserId};
use jiff::Timestamp;

/// Creates a patient account (or finds the existing one by email) and opens a case with `therapist`,
/// inside the caller's transaction.
pub async fn open_for_patient(
    c: &mut Conn,
    therapist: &UserId,
    name: &str,
    email: &str,
    time_zone: &str,
    stage: Stage,
    now: Timestamp,
) -> StoreResult<(CaseId, User)> {
    let opened = open_case(c, therapist, name, email, time_zone, stage, now).await?;
    Ok((opened.case, opened.patient))
}

/// What `open_case` found or made.
pub struct Opened {
    pub case: CaseId,
    pub patient: User,
    /// The case's stage: the one asked for when the case is new.
    pub stage: Stage,
    /// Whether the case was made now (inside the caller's transaction).
    pub new: bool,
}

/// `open_for_patient`, telling also the case's stage and whether it is new. A person who has no
/// account yet has no case either: only an existing account's open case is looked for.
pub async fn open_case(
    c: &mut Conn,
    therapist: &UserId,
    name: &str,
    email: &str,
    time_zone: &str,
    stage: Stage,
    now: Timestamp,
) -> StoreResult<Opened> {
    let (patient, existed) = match users::find_by_email(c, email).await? {
        Some((u, _)) if u.role == Role::Patient => (u, true),
        Some(_) => return Err(StoreError::Conflict),
        None => (
            users::create(
                c,
                NewUser {
                    role: Role::Patient,
                    email,
                    name,
                    time_zone,
                    password_hash: None,
                },
                now,
            )
            .await?,
            false,
        ),
    };
    if existed {
        let existing: Option<(String, String)> = sqlx::query_as("SELECT id, stage FROM cases WHERE patient_id = $1 AND therapist_id = $2 AND stage NOT IN ('ended', 'referred', 'closed')")
            .bind(patient.id.as_str())
            .bind(therapist.as_str())
            .fetch_optional(c.ex())
            .await?;
        if let Some((id, stage)) = existing {
            return Ok(Opened {
                case: CaseId(id),
                patient,
                // As a case row reads it.
                stage: Stage::parse(&stage).unwrap_or(Stage::Inquiry),
                new: false,
            });
        }
    }
    let id = new_id();
    sqlx::query("INSERT INTO cases (id, patient_id, therapist_id, stage, created_at, updated_at, stage_since) VALUES ($1, $2, $3, $4, $5, $5, $5)")
        .bind(&id)
        .bind(patient.id.as_str())
        .bind(therapist.as_str())
        .bind(stage.as_str())
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    Ok(Opened {
        case: CaseId(id),
        patient,
        stage,
        new: true,
    })
}

const SELECT: &str = "SELECT c.id, c.stage, c.created_at,
    p.id AS patient_id, p.role AS patient_role, p.email AS patient_email, p.name AS patient_name,
    p.email_sealed AS patient_email_sealed, p.name_sealed AS patient_name_sealed,
    p.time_zone AS patient_time_zone,
    t.id AS therapist_id, t.role AS therapist_role, t.email AS therapist_email,
    t.name AS therapist_name, t.time_zone AS therapist_time_zone,
    (SELECT COUNT(*) FROM messages m WHERE m.case_id = c.id AND m.read_at IS NULL AND m.author_id <> $1) AS unread
    FROM cases c JOIN users p ON p.id = c.patient_id JOIN users t ON t.id = c.therapist_id";

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: String,
    stage: String,
    created_at: i64,
    patient_id: String,
    patient_role: String,
    patient_email: String,
    patient_name: String,
    patient_email_sealed: Option<String>,
    patient_name_sealed: Option<String>,
    patient_time_zone: String,
    therapist_id: String,
    therapist_role: String,
    therapist_email: String,
    therapist_name: String,
    therapist_time_zone: String,
    unread: i64,
}

impl CaseRow {
    /// The case, with its patient's name and address opened.
    fn case(self, keyring: &Keyring) -> StoreResult<Case> {
        let r = self;
        let patient_email = opened(
            keyring,
            "users",
            "email_sealed",
            &r.patient_id,
            r.patient_email,
            r.patient_email_sealed.as_deref(),
        )?;
        let patient_name = opened(
            keyring,
            "users",
            "name_sealed",
            &r.patient_id,
            r.patient_name,
            r.patient_name_sealed.as_deref(),
        )?;
        Ok(Case {
            id: CaseId(r.id),
            stage: Stage::parse(&r.stage).unwrap_or(Stage::Inquiry),
            created_at: ts(r.created_at),
            patient: User {
                id: UserId(r.patient_id),
                role: Role::parse(&r.patient_role).unwrap_or(Role::Patient),
                email: patient_email,
                name: patient_name,
                time_zone: r.patient_time_zone,
            },
            therapist: User {
                id: UserId(r.therapist_id),
                role: Role::parse(&r.therapist_role).unwrap_or(Role::Patient),
                email: r.therapist_email,
                name: r.therapist_name,
                time_zone: r.therapist_time_zone,
            },
            unread: u64::try_from(r.unread).unwrap_or(0),
        })
    }
}

/// A case, with the unread count as `viewer` sees it.
pub async fn get(c: &mut Conn, id: &CaseId, viewer: &UserId) -> StoreResult<Option<Case>> {
    let row: Option<CaseRow> = sqlx::query_as(&format!("{SELECT} WHERE c.id = $2"))
        .bind(viewer.as_str())
        .bind(id.as_str())
        .fetch_optional(c.ex())
        .await?;
    row.map(|r| r.case(&c.keyring)).transpose()
}

/// A therapist's cases, the most recently active first.
pub async fn of_therapist(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<Case>> {
    let rows: Vec<CaseRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE c.therapist_id = $1 ORDER BY c.updated_at DESC, c.id"
    ))
    .bind(therapist.as_str())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(|r| r.case(&c.keyring)).collect()
}

/// The stages a case has left the path in: ended, referred elsewhere, closed.
const CLOSED: &str = "('ended', 'referred', 'closed')";

/// A therapist's caseload: every open case, and the `closed` most recently active of those that
/// have ended (a practice of ten years has hundreds), most recently active first; with how many
/// ended cases were left out. A page that shows the caseload reads what it shows.
pub async fn caseload(
    c: &mut Conn,
    therapist: &UserId,
    closed: u32,
) -> StoreResult<(Vec<Case>, u64)> {
    let mut rows: Vec<CaseRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE c.therapist_id = $1 AND c.stage NOT IN {CLOSED} ORDER BY c.updated_at DESC, c.id"
    ))
    .bind(therapist.as_str())
    .fetch_all(c.ex())
    .await?;
    let ended: Vec<CaseRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE c.therapist_id = $1 AND c.stage IN {CLOSED} ORDER BY c.updated_at DESC, c.id LIMIT $2"
    ))
    .bind(therapist.as_str())
    .bind(i64::from(closed))
    .fetch_all(c.ex())
    .await?;
    let all_ended: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM cases WHERE therapist_id = $1 AND stage IN {CLOSED}"
    ))
    .bind(therapist.as_str())
    .fetch_one(c.ex())
    .await?;
    let left_out = u64::try_from(all_ended)
        .unwrap_or(0)
        .saturating_sub(ended.len() as u64);
    rows.extend(ended);
    let cases = rows
        .into_iter()
        .map(|r| r.case(&c.keyring))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((cases, left_out))
}

/// How many of a therapist's cases are in each stage.
pub async fn stage_counts(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<(Stage, u64)>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT stage, COUNT(*) FROM cases WHERE therapist_id = $1 GROUP BY stage")
            .bind(therapist.as_str())
            .fetch_all(c.ex())
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(stage, n)| Some((Stage::parse(&stage)?, u64::try_from(n).unwrap_or(0))))
        .collect())
}

/// A patient's cases (usually one).
pub async fn of_patient(c: &mut Conn, patient: &UserId) -> StoreResult<Vec<Case>> {
    let rows: Vec<CaseRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE c.patient_id = $1 ORDER BY c.updated_at DESC, c.id"
    ))
    .bind(patient.as_str())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(|r| r.case(&c.keyring)).collect()
}

pub async fn touch(c: &mut Conn, id: &CaseId, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
        .bind(ms(now))
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

/// Moves a case to `stage` (the lifecycle's rules are the caller's).
pub async fn set_stage(c: &mut Conn, id: &CaseId, stage: Stage, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE cases SET stage = $1, updated_at = $2, stage_since = $2 WHERE id = $3")
        .bind(stage.as_str())
        .bind(ms(now))
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

/// The start of the case's earliest booked appointment since it entered its stage: the
/// consultation a move to "consultation held" waits for.
pub async fn booked_in_stage(c: &mut Conn, id: &CaseId) -> StoreResult<Option<Timestamp>> {
    let start: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(a.starts_at) FROM appointments a JOIN cases k ON k.id = a.case_id
         WHERE a.case_id = $1 AND a.status = 'booked' AND a.starts_at >= COALESCE(k.stage_since, 0)",
    )
    .bind(id.as_str())
    .fetch_one(c.ex())
    .await?;
    Ok(start.map(ts))
}

/// Whether any case exists (a fresh practice has none).
pub async fn any(c: &mut Conn) -> StoreResult<bool> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM cases LIMIT 1")
        .fetch_optional(c.ex())
        .await?;
    Ok(found.is_some())
}

/// The patients' names of `ids` (opened), in one query: for lists that show a name beside a few
/// records, without reading every case of the therapist.
pub async fn patient_names(
    c: &mut Conn,
    ids: &[&CaseId],
) -> StoreResult<std::collections::HashMap<CaseId, String>> {
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT c.id, p.id, p.name, p.name_sealed FROM cases c JOIN users p ON p.id = c.patient_id WHERE c.id IN ({})",
            crate::placeholders(1, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, String, String, Option<String>)>(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for (case, patient, plain, sealed) in query.fetch_all(c.ex()).await? {
            let name = opened(
                &c.keyring,
                "users",
                "name_sealed",
                &patient,
                plain,
                sealed.as_deref(),
            )?;
            names.insert(CaseId(case), name);
        }
    }
    Ok(names)
}
