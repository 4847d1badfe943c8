//! A case's treatment focus and its reviews. The focus (text and goals) is sealed as one JSON
//! under the case's key, bound to the case id; each review is sealed bound to its own id, and is
//! only ever inserted: nothing here updates or deletes one.

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::{ms, new_id, ts};
use domain::focus::Focus;
use domain::ids::{CaseId, UserId};
use jiff::civil::Date;
use jiff::Timestamp;

const TABLE: &str = "treatment_focus";
const REVIEWS: &str = "focus_reviews";

/// A focus as stored, opened.
#[derive(Clone, Debug)]
pub struct Kept {
    pub focus: Focus,
    pub review_on: Option<Date>,
    pub started_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct FocusRow {
    focus_sealed: String,
    review_on: Option<String>,
    started_at: i64,
    updated_at: i64,
}

/// The case's focus, opened; `None` before it was first saved.
pub async fn load(c: &mut Conn, case: &CaseId) -> StoreResult<Option<Kept>> {
    let row: Option<FocusRow> = sqlx::query_as(
        "SELECT focus_sealed, review_on, started_at, updated_at FROM treatment_focus WHERE case_id = $1",
    )
    .bind(case.as_str())
    .fetch_optional(c.ex())
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let text = c
        .keyring
        .open(TABLE, "focus_sealed", case.as_str(), &r.focus_sealed)?;
    Ok(Some(Kept {
        focus: serde_json::from_str(&text).unwrap_or_default(),
        review_on: r.review_on.as_deref().and_then(|d| d.parse().ok()),
        started_at: ts(r.started_at),
        updated_at: ts(r.updated_at),
    }))
}

/// Writes the case's focus; the first save is when the focus started.
pub async fn save(
    c: &mut Conn,
    case: &CaseId,
    focus: &Focus,
    review_on: Option<Date>,
    now: Timestamp,
) -> StoreResult<()> {
    let key = c.case_key(case.as_str()).await?;
    let text = serde_json::to_string(focus).expect("a focus serialises");
    let sealed = c
        .keyring
        .seal_with_key(&key, TABLE, "focus_sealed", case.as_str(), &text);
    sqlx::query(
        "INSERT INTO treatment_focus (case_id, focus_sealed, review_on, started_at, updated_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (case_id) DO UPDATE SET focus_sealed = excluded.focus_sealed,
           review_on = excluded.review_on, updated_at = excluded.updated_at",
    )
    .bind(case.as_str())
    .bind(sealed)
    .bind(review_on.map(|d| d.to_string()))
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// One dated review.
#[derive(Clone, Debug)]
pub struct Review {
    pub text: String,
    pub author: String,
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: String,
    body_sealed: String,
    author: String,
    created_at: i64,
}

/// Adds a review: the only write reviews know.
pub async fn add_review(
    c: &mut Conn,
    case: &CaseId,
    text: &str,
    author: &UserId,
    now: Timestamp,
) -> StoreResult<()> {
    let id = new_id();
    let key = c.case_key(case.as_str()).await?;
    let sealed = c
        .keyring
        .seal_with_key(&key, REVIEWS, "body_sealed", &id, text);
    sqlx::query(
        "INSERT INTO focus_reviews (id, case_id, body_sealed, author_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(case.as_str())
    .bind(sealed)
    .bind(author.as_str())
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// The case's reviews, newest first, opened.
pub async fn reviews(c: &mut Conn, case: &CaseId) -> StoreResult<Vec<Review>> {
    let rows: Vec<ReviewRow> = sqlx::query_as(
        "SELECT r.id, r.body_sealed, u.name AS author, r.created_at FROM focus_reviews r
         JOIN users u ON u.id = r.author_id WHERE r.case_id = $1 ORDER BY r.created_at DESC, r.id",
    )
    .bind(case.as_str())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Review {
                text: c
                    .keyring
                    .open(REVIEWS, "body_sealed", &r.id, &r.body_sealed)?,
                author: r.author,
                created_at: ts(r.created_at),
            })
        })
        .collect()
}
