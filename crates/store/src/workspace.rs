//! The first-session workspace of a case, and the board's view of every case's stage.

use crate::db::Db;
use crate::error::StoreResult;
use crate::{ms, ts};
use domain::case::{Decision, Stage};
use domain::ids::{CaseId, UserId};
use domain::workspace::{Content, Workspace};
use jiff::Timestamp;

/// The case's workspace, opened; `None` before the therapist wrote anything.
pub async fn load(db: &Db, case: &CaseId) -> StoreResult<Option<(Workspace, Timestamp)>> {
    let row: Option<(String, String, Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT guide, content_sealed, decision, summary_shared, updated_at FROM workspaces WHERE case_id = $1",
    )
    .bind(case.as_str())
    .fetch_optional(&db.pool)
    .await?;
    let Some((guide, sealed, decision, shared, updated)) = row else {
        return Ok(None);
    };
    let text = db
        .keyring
        .open("workspaces", "content_sealed", case.as_str(), &sealed)?;
    let content: Content = serde_json::from_str(&text).unwrap_or_default();
    Ok(Some((
        Workspace {
            guide: guide
                .split(',')
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect(),
            content,
            decision: decision.as_deref().and_then(Decision::parse),
            share_summary: shared == 1,
        },
        ts(updated),
    )))
}

pub async fn save(db: &Db, case: &CaseId, w: &Workspace, now: Timestamp) -> StoreResult<()> {
    let key = db.case_key_now(case.as_str()).await?;
    let text = serde_json::to_string(&w.content).expect("the workspace serialises");
    let sealed =
        db.keyring
            .seal_with_key(&key, "workspaces", "content_sealed", case.as_str(), &text);
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM workspaces WHERE case_id = $1")
        .bind(case.as_str())
        .execute(tx.ex())
        .await?;
    sqlx::query(
        "INSERT INTO workspaces (case_id, guide, content_sealed, decision, summary_shared, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(case.as_str())
    .bind(w.guide.join(","))
    .bind(sealed)
    .bind(w.decision.map(Decision::as_str))
    .bind(i64::from(w.share_summary))
    .bind(ms(now))
    .execute(tx.ex())
    .await?;
    tx.commit().await?;
    Ok(())
}

/// When each of a therapist's cases entered its present stage.
pub async fn stage_since(
    db: &Db,
    therapist: &UserId,
) -> StoreResult<Vec<(CaseId, Stage, Timestamp)>> {
    let rows: Vec<(String, String, Option<i64>, i64)> = sqlx::query_as(
        "SELECT id, stage, stage_since, created_at FROM cases WHERE therapist_id = $1",
    )
    .bind(therapist.as_str())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, stage, since, created)| {
            (
                CaseId(id),
                Stage::parse(&stage).unwrap_or(Stage::Inquiry),
                ts(since.unwrap_or(created)),
            )
        })
        .collect())
}
