//! Questionnaires (versioned, never changed once written), responses with their answers sealed
//! under the case's key, and the case's "needs attention" mark with the job that tells the
//! therapist, written in the same transaction as the answer that raised it.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, ts};
use domain::ids::{CaseId, UserId};
use domain::intake::{
    Answers, Attention, Definition, Questionnaire, QuestionnaireId, Response, ResponseId,
    ResponseInfo, Status,
};
use jiff::Timestamp;

pub mod schedules;

fn decode(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(format!("{what}: {e}").into()))
}

fn definition_json(definition: &Definition) -> String {
    serde_json::to_string(definition).expect("a definition always serialises")
}

fn answers_json(answers: &Answers) -> String {
    serde_json::to_string(answers).expect("answers always serialise")
}

#[derive(sqlx::FromRow)]
struct QuestionnaireRow {
    id: String,
    therapist_id: Option<String>,
    questionnaire_key: String,
    version: i64,
    definition: String,
    created_at: i64,
}

const QUESTIONNAIRE: &str =
    "SELECT id, therapist_id, questionnaire_key, version, definition, created_at FROM questionnaires";

fn questionnaire_of(r: QuestionnaireRow) -> StoreResult<Questionnaire> {
    Ok(Questionnaire {
        definition: serde_json::from_str::<Definition>(&r.definition)
            .map_err(|e| decode("questionnaire definition", e))?,
        id: QuestionnaireId(r.id),
        therapist: r.therapist_id.map(UserId),
        key: r.questionnaire_key,
        version: u32::try_from(r.version).unwrap_or(0),
        created_at: ts(r.created_at),
    })
}

/// A built-in questionnaire, by its fixed id.
pub struct Builtin<'a> {
    pub id: String,
    pub key: &'a str,
    pub version: u32,
    pub definition: &'a Definition,
}

/// Writes the built-in questionnaires that are not stored yet (their ids are fixed, so this is
/// safe to run from several instances at once).
pub async fn ensure_builtin(
    c: &mut Conn,
    builtins: &[Builtin<'_>],
    now: Timestamp,
) -> StoreResult<()> {
    let sql = format!(
        "SELECT id FROM questionnaires WHERE id IN ({})",
        crate::placeholders(1, builtins.len())
    );
    let mut query = sqlx::query_scalar(&sql);
    for b in builtins {
        query = query.bind(b.id.as_str());
    }
    let stored: Vec<String> = query.fetch_all(c.ex()).await?;
    for b in builtins {
        if stored.contains(&b.id) {
            continue;
        }
        sqlx::query("INSERT INTO questionnaires (id, therapist_id, questionnaire_key, version, title, definition, created_at) VALUES ($1, NULL, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
            .bind(&b.id)
            .bind(b.key)
            .bind(i64::from(b.version))
            .bind(&b.definition.title)
            .bind(definition_json(b.definition))
            .bind(ms(now))
            .execute(c.ex())
            .await?;
    }
    Ok(())
}

pub async fn questionnaire(
    c: &mut Conn,
    id: &QuestionnaireId,
) -> StoreResult<Option<Questionnaire>> {
    let row: Option<QuestionnaireRow> = sqlx::query_as(&format!("{QUESTIONNAIRE} WHERE id = $1"))
        .bind(id.as_str())
        .fetch_optional(c.ex())
        .await?;
    row.map(questionnaire_of).transpose()
}

/// The version a new response to `key` answers: the therapist's own newest, else the built-in newest.
pub async fn current(
    c: &mut Conn,
    therapist: &UserId,
    key: &str,
) -> StoreResult<Option<Questionnaire>> {
    let row: Option<QuestionnaireRow> = sqlx::query_as(&format!(
        "{QUESTIONNAIRE} WHERE questionnaire_key = $1 AND (therapist_id = $2 OR therapist_id IS NULL)
         ORDER BY CASE WHEN therapist_id IS NULL THEN 1 ELSE 0 END, version DESC LIMIT 1"
    ))
    .bind(key)
    .bind(therapist.as_str())
    .fetch_optional(c.ex())
    .await?;
    row.map(questionnaire_of).transpose()
}

/// The newest version of every built-in questionnaire and of each of the therapist's own.
pub async fn newest_for(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<Questionnaire>> {
    let rows: Vec<QuestionnaireRow> = sqlx::query_as(&format!(
        "{QUESTIONNAIRE} q WHERE (therapist_id IS NULL OR therapist_id = $1)
         AND version = (SELECT MAX(o.version) FROM questionnaires o
             WHERE o.questionnaire_key = q.questionnaire_key
             AND COALESCE(o.therapist_id, '') = COALESCE(q.therapist_id, ''))
         ORDER BY CASE WHEN therapist_id IS NULL THEN 0 ELSE 1 END, questionnaire_key"
    ))
    .bind(therapist.as_str())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(questionnaire_of).collect()
}

/// Writes `definition` as the therapist's next version of `key` (their first is version 1).
pub async fn add_version(
    c: &mut Conn,
    therapist: &UserId,
    key: &str,
    definition: &Definition,
    now: Timestamp,
) -> StoreResult<Questionnaire> {
    let id = new_id();
    let newest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(version) FROM questionnaires WHERE therapist_id = $1 AND questionnaire_key = $2",
    )
    .bind(therapist.as_str())
    .bind(key)
    .fetch_one(c.ex())
    .await?;
    let version = newest.unwrap_or(0) + 1;
    sqlx::query("INSERT INTO questionnaires (id, therapist_id, questionnaire_key, version, title, definition, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&id)
        .bind(therapist.as_str())
        .bind(key)
        .bind(version)
        .bind(&definition.title)
        .bind(definition_json(definition))
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    Ok(Questionnaire {
        id: QuestionnaireId(id),
        therapist: Some(therapist.clone()),
        key: key.to_string(),
        version: u32::try_from(version).unwrap_or(0),
        definition: definition.clone(),
        created_at: now,
    })
}

const RESPONSE: &str =
    "SELECT r.id, r.case_id, r.questionnaire_id, r.questionnaire_key, r.version, q.title,
    r.status, r.answers_sealed, r.risk_at, r.created_at, r.updated_at, r.submitted_at
    FROM responses r JOIN questionnaires q ON q.id = r.questionnaire_id";

#[derive(sqlx::FromRow)]
struct ResponseRow {
    id: String,
    case_id: String,
    questionnaire_id: String,
    questionnaire_key: String,
    version: i64,
    title: String,
    status: String,
    answers_sealed: Option<String>,
    risk_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    submitted_at: Option<i64>,
}

fn info_of(r: &ResponseRow) -> ResponseInfo {
    ResponseInfo {
        id: ResponseId(r.id.clone()),
        case: CaseId(r.case_id.clone()),
        questionnaire: QuestionnaireId(r.questionnaire_id.clone()),
        key: r.questionnaire_key.clone(),
        version: u32::try_from(r.version).unwrap_or(0),
        title: r.title.clone(),
        status: Status::parse(&r.status),
        started: r.answers_sealed.is_some(),
        risk_raised: r.risk_at.is_some(),
        created_at: ts(r.created_at),
        updated_at: ts(r.updated_at),
        submitted_at: r.submitted_at.map(ts),
    }
}

/// A case's responses, oldest first, without opening their answers.
pub async fn of_case(c: &mut Conn, case: &CaseId) -> StoreResult<Vec<ResponseInfo>> {
    let rows: Vec<ResponseRow> = sqlx::query_as(&format!(
        "{RESPONSE} WHERE r.case_id = $1 ORDER BY r.created_at, r.id"
    ))
    .bind(case.as_str())
    .fetch_all(c.ex())
    .await?;
    Ok(rows.iter().map(info_of).collect())
}

/// A response with its answers opened.
pub async fn response(c: &mut Conn, id: &ResponseId) -> StoreResult<Option<Response>> {
    let row: Option<ResponseRow> = sqlx::query_as(&format!("{RESPONSE} WHERE r.id = $1"))
        .bind(id.as_str())
        .fetch_optional(c.ex())
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let answers = match &row.answers_sealed {
        None => Answers::default(),
        Some(sealed) => {
            let json = c
                .keyring
                .open("responses", "answers_sealed", &row.id, sealed)?;
            serde_json::from_str(&json).map_err(|e| decode("answers", e))?
        }
    };
    Ok(Some(Response {
        info: info_of(&row),
        answers,
    }))
}

/// A new, empty response of `case` to `questionnaire`; `None` when one to the same key is still
/// open (not sent), so that nothing is asked twice at once.
pub async fn assign(
    c: &mut Conn,
    case: &CaseId,
    questionnaire: &Questionnaire,
    assigned_by: Option<&UserId>,
    now: Timestamp,
) -> StoreResult<Option<ResponseId>> {
    let id = new_id();
    let done = sqlx::query("INSERT INTO responses (id, case_id, questionnaire_id, questionnaire_key, version, status, assigned_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $7) ON CONFLICT DO NOTHING")
        .bind(&id)
        .bind(case.as_str())
        .bind(questionnaire.id.as_str())
        .bind(&questionnaire.key)
        .bind(i64::from(questionnaire.version))
        .bind(assigned_by.map(UserId::as_str))
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    Ok((done.rows_affected() == 1).then_some(ResponseId(id)))
}

/// Binds a response nobody has started yet to a newer version of its questionnaire.
pub async fn rebind(
    c: &mut Conn,
    id: &ResponseId,
    questionnaire: &Questionnaire,
    now: Timestamp,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE responses SET questionnaire_id = $1, version = $2, updated_at = $3 WHERE id = $4 AND answers_sealed IS NULL AND status = 'draft'")
        .bind(questionnaire.id.as_str())
        .bind(i64::from(questionnaire.version))
        .bind(ms(now))
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// What a save did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Saved {
    /// False when the response was already sent (sent answers are never changed).
    pub written: bool,
    /// True when this save raised the case's "needs attention" (once per response).
    pub raised: bool,
}

/// Stores the answers (and, with `submit`, sends the response) inside the caller's transaction.
/// With `risk`, the first save that carries a risk answer marks the case (`raised`); the caller
/// enqueues the therapist's alert in the same transaction.
pub async fn save(
    c: &mut Conn,
    id: &ResponseId,
    case: &CaseId,
    answers: &Answers,
    submit: bool,
    risk: bool,
    now: Timestamp,
) -> StoreResult<Saved> {
    let key = c.case_key(case.as_str()).await?;
    let sealed = c.keyring.seal_with_key(
        &key,
        "responses",
        "answers_sealed",
        id.as_str(),
        &answers_json(answers),
    );
    let written = sqlx::query("UPDATE responses SET answers_sealed = $1, updated_at = $2, status = $3, submitted_at = $4 WHERE id = $5 AND case_id = $6 AND status = 'draft'")
        .bind(sealed)
        .bind(ms(now))
        .bind(if submit { Status::Submitted } else { Status::Draft }.as_str())
        .bind(submit.then(|| ms(now)))
        .bind(id.as_str())
        .bind(case.as_str())
        .execute(c.ex())
        .await?
        .rows_affected()
        == 1;
    let mut raised = false;
    if written && risk {
        raised = sqlx::query("UPDATE responses SET risk_at = $1 WHERE id = $2 AND risk_at IS NULL")
            .bind(ms(now))
            .bind(id.as_str())
            .execute(c.ex())
            .await?
            .rows_affected()
            == 1;
        if raised {
            sqlx::query("INSERT INTO case_attention (case_id, response_id, raised_at) VALUES ($1, $2, $3) ON CONFLICT (case_id) DO UPDATE SET response_id = excluded.response_id, raised_at = excluded.raised_at, seen_at = NULL, seen_by = NULL")
                .bind(case.as_str())
                .bind(id.as_str())
                .bind(ms(now))
                .execute(c.ex())
                .await?;
        }
    }
    if written {
        sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
            .bind(ms(now))
            .bind(case.as_str())
            .execute(c.ex())
            .await?;
    }
    Ok(Saved { written, raised })
}

/// The case's "needs attention" mark, while the therapist has not seen it.
pub async fn attention(c: &mut Conn, case: &CaseId) -> StoreResult<Option<Attention>> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT response_id, raised_at FROM case_attention WHERE case_id = $1 AND seen_at IS NULL",
    )
    .bind(case.as_str())
    .fetch_optional(c.ex())
    .await?;
    Ok(row.map(|(response, at)| Attention {
        case: case.clone(),
        response: ResponseId(response),
        raised_at: ts(at),
    }))
}

/// The therapist's cases with a mark not yet seen.
pub async fn attention_of_therapist(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<CaseId>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT a.case_id FROM case_attention a JOIN cases c ON c.id = a.case_id WHERE c.therapist_id = $1 AND a.seen_at IS NULL ORDER BY a.raised_at",
    )
    .bind(therapist.as_str())
    .fetch_all(c.ex())
    .await?;
    Ok(rows.into_iter().map(CaseId).collect())
}

/// "I have seen it": the mark stays on record, as seen by `by` at `now`.
pub async fn clear_attention(
    c: &mut Conn,
    case: &CaseId,
    by: &UserId,
    now: Timestamp,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE case_attention SET seen_at = $1, seen_by = $2 WHERE case_id = $3 AND seen_at IS NULL",
    )
    .bind(ms(now))
    .bind(by.as_str())
    .bind(case.as_str())
    .execute(c.ex())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The case a response belongs to (to ask the policy before anything is opened).
pub async fn case_of(c: &mut Conn, id: &ResponseId) -> StoreResult<Option<CaseId>> {
    let case: Option<String> = sqlx::query_scalar("SELECT case_id FROM responses WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(c.ex())
        .await?;
    Ok(case.map(CaseId))
}
