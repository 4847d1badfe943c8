//! The first-session workspace of a case, and the board's view of every case's stage.

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::{ms, ts};
use domain::case::{Decision, Stage};
use domain::ids::{CaseId, UserId};
use domain::workspace::{Content, Workspace};
use jiff::Timestamp;

/// A workspace as stored, opened.
#[derive(Clone, Debug)]
pub struct Saved {
    pub workspace: Workspace,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct WorkspaceRow {
    guide: String,
    content_sealed: String,
    decision: Option<String>,
    summary_shared: i64,
    updated_at: i64,
}

/// The case's workspace, opened; `None` before the therapist wrote anything.
pub async fn load(c: &mut Conn, case: &CaseId) -> StoreResult<Option<Saved>> {
    let row: Option<WorkspaceRow> = sqlx::query_as(
        "SELECT guide, content_sealed, decision, summary_shared, updated_at FROM workspaces WHERE case_id = $1",
    )
    .bind(case.as_str())
    .fetch_optional(c.ex())
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let text = c.keyring.open(
        "workspaces",
        "content_sealed",
        case.as_str(),
        &r.content_sealed,
    )?;
    let content: Content = serde_json::from_str(&text).unwrap_or_default();
    Ok(Some(Saved {
        workspace: Workspace {
            guide: r
                .guide
                .split(',')
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect(),
            content,
            decision: r.decision.as_deref().and_then(Decision::parse),
            share_summary: r.summary_shared == 1,
        },
        updated_at: ts(r.updated_at),
    }))
}

/// Writes the whole workspace, inside the caller's transaction.
pub async fn save(c: &mut Conn, case: &CaseId, w: &Workspace, now: Timestamp) -> StoreResult<()> {
    let key = c.case_key(case.as_str()).await?;
    let text = serde_json::to_string(&w.content).expect("the workspace serialises");
    let sealed =
        c.keyring
            .seal_with_key(&key, "workspaces", "content_sealed", case.as_str(), &text);
    sqlx::query("DELETE FROM workspaces WHERE case_id = $1")
        .bind(case.as_str())
        .execute(c.ex())
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
    .execute(c.ex())
    .await?;
    Ok(())
}

/// When a case entered its present stage.
#[derive(Clone, Debug)]
pub struct StageSince {
    pub case: CaseId,
    pub stage: Stage,
    pub since: Timestamp,
}

#[derive(sqlx::FromRow)]
struct StageRow {
    id: String,
    stage: String,
    stage_since: Option<i64>,
    created_at: i64,
}

/// When each of a therapist's cases entered its present stage.
pub async fn stage_since(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<StageSince>> {
    let rows: Vec<StageRow> = sqlx::query_as(
        "SELECT id, stage, stage_since, created_at FROM cases WHERE therapist_id = $1",
    )
    .bind(therapist.as_str())
    .fetch_all(c.ex())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StageSince {
            case: CaseId(r.id),
            stage: Stage::parse(&r.stage).unwrap_or(Stage::Inquiry),
            since: ts(r.stage_since.unwrap_or(r.created_at)),
        })
        .collect())
}
