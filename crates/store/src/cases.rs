//! Cases: a patient and their therapist. Access to everything clinical goes through a case.

use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use crate::users::{self, NewUser};
use crate::{ms, new_id, ts};
use domain::account::{Role, User};
use domain::case::{Case, Stage};
use domain::ids::{CaseId, UserId};
use jiff::Timestamp;

/// Creates a patient account (or finds the existing one by email) and opens a case with `therapist`.
pub async fn open_for_patient(
    db: &Db,
    therapist: &UserId,
    name: &str,
    email: &str,
    time_zone: &str,
    stage: Stage,
    now: Timestamp,
) -> StoreResult<(CaseId, User)> {
    let patient = match users::by_email(db, email).await? {
        Some((u, _)) if u.role == Role::Patient => u,
        Some(_) => return Err(StoreError::Conflict),
        None => {
            let mut tx = db.pool.begin().await?;
            let u = users::insert(
                &mut tx,
                NewUser {
                    role: Role::Patient,
                    email,
                    name,
                    time_zone,
                    password_hash: None,
                },
                now,
            )
            .await?;
            tx.commit().await?;
            u
        }
    };
    let existing: Option<String> = sqlx::query_scalar("SELECT id FROM cases WHERE patient_id = $1 AND therapist_id = $2 AND stage NOT IN ('ended', 'referred', 'closed')")
        .bind(patient.id.as_str())
        .bind(therapist.as_str())
        .fetch_optional(&db.pool)
        .await?;
    if let Some(id) = existing {
        return Ok((CaseId(id), patient));
    }
    let id = new_id();
    sqlx::query("INSERT INTO cases (id, patient_id, therapist_id, stage, created_at, updated_at, stage_since) VALUES ($1, $2, $3, $4, $5, $5, $5)")
        .bind(&id)
        .bind(patient.id.as_str())
        .bind(therapist.as_str())
        .bind(stage.as_str())
        .bind(ms(now))
        .execute(&db.pool)
        .await?;
    Ok((CaseId(id), patient))
}

const SELECT: &str = "SELECT c.id, c.stage, c.created_at,
    p.id, p.role, p.email, p.name, p.time_zone,
    t.id, t.role, t.email, t.name, t.time_zone,
    (SELECT COUNT(*) FROM messages m WHERE m.case_id = c.id AND m.read_at IS NULL AND m.author_id <> $1)
    FROM cases c JOIN users p ON p.id = c.patient_id JOIN users t ON t.id = c.therapist_id";

type Row = (
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
);

fn case(r: Row) -> Case {
    let u = |id: String, role: String, email: String, name: String, time_zone: String| User {
        id: UserId(id),
        role: Role::parse(&role).unwrap_or(Role::Patient),
        email,
        name,
        time_zone,
    };
    Case {
        id: CaseId(r.0),
        stage: Stage::parse(&r.1).unwrap_or(Stage::Inquiry),
        created_at: ts(r.2),
        patient: u(r.3, r.4, r.5, r.6, r.7),
        therapist: u(r.8, r.9, r.10, r.11, r.12),
        unread: r.13 as u64,
    }
}

/// A case, with the unread count as `viewer` sees it.
pub async fn get(db: &Db, id: &CaseId, viewer: &UserId) -> StoreResult<Option<Case>> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE c.id = $2"))
        .bind(viewer.as_str())
        .bind(id.as_str())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(case))
}

/// A therapist's cases, the most recently active first.
pub async fn of_therapist(db: &Db, therapist: &UserId) -> StoreResult<Vec<Case>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE c.therapist_id = $1 ORDER BY c.updated_at DESC, c.id"
    ))
    .bind(therapist.as_str())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(case).collect())
}

/// A patient's cases (usually one).
pub async fn of_patient(db: &Db, patient: &UserId) -> StoreResult<Vec<Case>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE c.patient_id = $1 ORDER BY c.updated_at DESC, c.id"
    ))
    .bind(patient.as_str())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(case).collect())
}

pub async fn touch(db: &Db, id: &CaseId, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
        .bind(ms(now))
        .bind(id.as_str())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Moves a case to `stage` (the lifecycle's rules are the caller's).
pub async fn set_stage(db: &Db, id: &CaseId, stage: Stage, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE cases SET stage = $1, updated_at = $2, stage_since = $2 WHERE id = $3")
        .bind(stage.as_str())
        .bind(ms(now))
        .bind(id.as_str())
        .execute(&db.pool)
        .await?;
    Ok(())
}
