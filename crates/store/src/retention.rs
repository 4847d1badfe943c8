//! Retention and erasure: the practice's retention period, the ended cases whose period may be
//! over, a patient's request to erase their records, and the erasure itself — every row of a case
//! in every table, found through the catalog, and the case's data keys with them.

use crate::catalog::{self, Table};
use crate::conn::Conn;
use crate::error::StoreResult;
use crate::identity::PatientName;
use crate::{ms, ts};
use domain::ids::CaseId;
use domain::retention::{ErasureReason, Jurisdiction, RequestAnswer, Retention};
use jiff::civil::Date;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Tables an erasure leaves alone although they name the case: the audit log (ids, never
/// content, and its chain must stay whole) and the record of erasures itself.
pub const KEPT_ON_ERASURE: &[&str] = &["audit_log", "erasures"];

/// The practice's retention period; `None` until the owner sets one.
pub async fn settings(c: &mut Conn) -> StoreResult<Option<Retention>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        retention_jurisdiction: Option<String>,
        retention_years: Option<i64>,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT retention_jurisdiction, retention_years FROM practice WHERE id = 'practice'",
    )
    .fetch_optional(c.ex())
    .await?;
    Ok(row.and_then(|r| {
        Some(Retention {
            jurisdiction: Jurisdiction::parse(r.retention_jurisdiction.as_deref()?)?,
            years: u32::try_from(r.retention_years?).ok()?,
        })
    }))
}

pub async fn set(c: &mut Conn, r: &Retention, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "UPDATE practice SET retention_jurisdiction = $1, retention_years = $2, updated_at = $3 \
         WHERE id = 'practice'",
    )
    .bind(r.jurisdiction.as_str())
    .bind(i64::from(r.years))
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// A case that was closed, as the list of records due for erasure shows it.
#[derive(Clone, Debug)]
pub struct Closed {
    pub case_id: CaseId,
    pub patient_name: String,
    pub closed_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ClosedRow {
    case_id: String,
    #[sqlx(flatten)]
    patient: PatientName,
    closed_at: i64,
}

/// Every closed case of `therapist`, the longest closed first.
pub async fn closed_cases_of(c: &mut Conn, therapist: &str) -> StoreResult<Vec<Closed>> {
    let rows: Vec<ClosedRow> = sqlx::query_as(
        "SELECT c.id AS case_id, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed, e.closed_at
         FROM cases c JOIN case_endings e ON e.case_id = c.id JOIN users u ON u.id = c.patient_id
         WHERE c.therapist_id = $1 AND e.closed_at IS NOT NULL
         ORDER BY e.closed_at, c.id",
    )
    .bind(therapist)
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Closed {
                case_id: CaseId::new(r.case_id),
                patient_name: r.patient.open(&c.keyring)?,
                closed_at: ts(r.closed_at),
            })
        })
        .collect()
}

/// When the case was closed, if it was.
pub async fn closed_at(c: &mut Conn, case: &CaseId) -> StoreResult<Option<Timestamp>> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT closed_at FROM case_endings WHERE case_id = $1")
            .bind(case.as_str())
            .fetch_optional(c.ex())
            .await?;
    Ok(at.flatten().map(ts))
}

/// A patient's request to erase their records, and its answer.
#[derive(Clone, Debug)]
pub struct Request {
    pub id: String,
    pub case_id: CaseId,
    pub requested_at: Timestamp,
    pub answer: RequestAnswer,
    pub answered_at: Option<Timestamp>,
    pub hold_until: Option<Date>,
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: String,
    case_id: String,
    requested_at: i64,
    answer: String,
    answered_at: Option<i64>,
    hold_until: Option<String>,
}

impl RequestRow {
    fn request(self) -> Request {
        Request {
            id: self.id,
            case_id: CaseId::new(self.case_id),
            requested_at: ts(self.requested_at),
            answer: RequestAnswer::parse(&self.answer).unwrap_or(RequestAnswer::Open),
            answered_at: self.answered_at.map(ts),
            hold_until: self.hold_until.and_then(|d| d.parse().ok()),
        }
    }
}

const REQUEST_COLUMNS: &str =
    "r.id, r.case_id, r.requested_at, r.answer, r.answered_at, r.hold_until";

/// The case's latest request, answered or not.
pub async fn latest_request(c: &mut Conn, case: &CaseId) -> StoreResult<Option<Request>> {
    let row: Option<RequestRow> = sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS} FROM erasure_requests r WHERE r.case_id = $1
         ORDER BY r.requested_at DESC, r.id DESC LIMIT 1"
    ))
    .bind(case.as_str())
    .fetch_optional(c.ex())
    .await?;
    Ok(row.map(RequestRow::request))
}

/// Records a request; `false` when the case has one open already (nothing is written then).
pub async fn ask(c: &mut Conn, case: &CaseId, now: Timestamp) -> StoreResult<bool> {
    let latest = latest_request(c, case).await?;
    if latest
        .as_ref()
        .is_some_and(|r| r.answer == RequestAnswer::Open)
    {
        return Ok(false);
    }
    // Strictly after the one before, so that "latest" is one request even within a millisecond.
    let now = latest.map_or(now, |r| {
        now.max(r.requested_at + jiff::SignedDuration::from_millis(1))
    });
    sqlx::query(
        "INSERT INTO erasure_requests (id, case_id, requested_at, answer) VALUES ($1, $2, $3, $4)",
    )
    .bind(crate::new_id())
    .bind(case.as_str())
    .bind(ms(now))
    .bind(RequestAnswer::Open.as_str())
    .execute(c.ex())
    .await?;
    Ok(true)
}

/// Answers the case's open request with the retention hold until `until`; `false` when none is
/// open.
pub async fn hold(c: &mut Conn, case: &CaseId, until: Date, now: Timestamp) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE erasure_requests SET answer = $1, answered_at = $2, hold_until = $3
         WHERE case_id = $4 AND answer = $5",
    )
    .bind(RequestAnswer::Held.as_str())
    .bind(ms(now))
    .bind(until.to_string())
    .bind(case.as_str())
    .bind(RequestAnswer::Open.as_str())
    .execute(c.ex())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The open requests in `therapist`'s cases, oldest first, with the patient's name.
pub async fn open_requests_of(
    c: &mut Conn,
    therapist: &str,
) -> StoreResult<Vec<(Request, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        request: RequestRow,
        #[sqlx(flatten)]
        patient: PatientName,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS}, u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed FROM erasure_requests r
         JOIN cases c ON c.id = r.case_id JOIN users u ON u.id = c.patient_id
         WHERE c.therapist_id = $1 AND r.answer = $2 ORDER BY r.requested_at, r.id"
    ))
    .bind(therapist)
    .bind(RequestAnswer::Open.as_str())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| Ok((r.request.request(), r.patient.open(&c.keyring)?)))
        .collect()
}

/// What an erasure removed: rows per table (tables with none left out), and whether the
/// patient's own account went too (they had no other case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub rows: BTreeMap<String, u64>,
    pub patient_removed: bool,
}

impl Erased {
    pub fn total(&self) -> u64 {
        self.rows.values().sum()
    }
}

/// Deletes every row of `case` in every table (children before parents: the catalog's order
/// reversed), the inquiry it began from, and — when they have no other case — the patient's own
/// rows (account, sign-in sessions, tokens, passkeys). The case's data key rows go with the rest;
/// the keyring forgets the keys once the caller's transaction commits, so a rolled-back erasure
/// leaves everything readable.
pub async fn erase_case(c: &mut Conn, case: &CaseId) -> StoreResult<Erased> {
    let id = case.as_str();
    let patient: Option<String> = sqlx::query_scalar("SELECT patient_id FROM cases WHERE id = $1")
        .bind(id)
        .fetch_optional(c.ex())
        .await?;
    let Some(patient) = patient else {
        return Err(crate::StoreError::NotFound);
    };
    let others: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE patient_id = $1 AND id <> $2")
            .bind(&patient)
            .bind(id)
            .fetch_one(c.ex())
            .await?;
    let inquiries: Vec<Option<String>> =
        sqlx::query_scalar("SELECT inquiry_id FROM case_origins WHERE case_id = $1")
            .bind(id)
            .fetch_all(c.ex())
            .await?;
    let keys: Vec<String> = sqlx::query_scalar("SELECT id FROM data_keys WHERE case_id = $1")
        .bind(id)
        .fetch_all(c.ex())
        .await?;
    let mut tables = catalog::tables(c).await?;
    tables.reverse();
    tables.retain(|t| !KEPT_ON_ERASURE.contains(&t.name.as_str()));
    let mut erased = Erased::default();
    for table in &tables {
        if let Some(scope) = catalog::case_scope(table) {
            let n = delete_where(c, table, &scope, id).await?;
            erased.add(&table.name, n);
        }
    }
    for inquiry in inquiries.into_iter().flatten() {
        erase_rows_naming(c, &tables, "inquiries", &inquiry, &mut erased).await?;
    }
    if others == 0 {
        let email = crate::identity::email_of(c, &patient).await?;
        erase_rows_naming(c, &tables, "users", &patient, &mut erased).await?;
        // The dev mailbox keeps copies of mails by address (sealed): the patient's go with them.
        if let (Some(email), Some(mailbox)) = (email, tables.iter().find(|t| t.name == "mailbox")) {
            for id in crate::mailbox::ids_sent_to(c, &email).await? {
                let n = delete_where(c, mailbox, "id = $1", &id).await?;
                erased.add(&mailbox.name, n);
            }
        }
        erased.patient_removed = true;
    }
    c.forget_after_commit(id, keys);
    Ok(erased)
}

impl Erased {
    fn add(&mut self, table: &str, n: u64) {
        if n > 0 {
            *self.rows.entry(table.to_string()).or_default() += n;
        }
    }
}

/// Deletes the rows of every table that reference `parent`'s row `key` (children first), then
/// that row itself.
async fn erase_rows_naming(
    c: &mut Conn,
    tables: &[Table],
    parent: &str,
    key: &str,
    erased: &mut Erased,
) -> StoreResult<()> {
    for table in tables {
        let columns: Vec<&str> = table
            .references
            .iter()
            .filter(|(_, t)| t == parent)
            .map(|(col, _)| col.as_str())
            .collect();
        for column in columns {
            let n = delete_where(c, table, &format!("\"{column}\" = $1"), key).await?;
            erased.add(&table.name, n);
        }
    }
    if let Some(table) = tables.iter().find(|t| t.name == parent) {
        let n = delete_where(c, table, "id = $1", key).await?;
        erased.add(&table.name, n);
    }
    Ok(())
}

async fn delete_where(c: &mut Conn, table: &Table, scope: &str, key: &str) -> StoreResult<u64> {
    let done = sqlx::query(&format!("DELETE FROM \"{}\" WHERE {scope}", table.name))
        .bind(key)
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected())
}

/// Records an erasure: ids, when, by whom, why (a code) and the rows removed per table.
pub async fn record(
    c: &mut Conn,
    case: &CaseId,
    by: &str,
    reason: ErasureReason,
    erased: &Erased,
    now: Timestamp,
) -> StoreResult<String> {
    let id = crate::new_id();
    let counts = serde_json::to_string(&erased.rows).expect("a map of counts serialises");
    sqlx::query(&format!(
        "INSERT INTO erasures (id, case_id, erased_at, erased_by, reason, row_counts, installation_key)
         VALUES ($1, $2, $3, $4, $5, $6, ({NEWEST_INSTALLATION_KEY}))"
    ))
    .bind(&id)
    .bind(case.as_str())
    .bind(ms(now))
    .bind(by)
    .bind(reason.as_str())
    .bind(counts)
    .execute(c.ex())
    .await?;
    Ok(id)
}

/// The installation's newest data key: each master key rotation makes a new one, so its
/// `created_at` is the instant of the last rotation.
const NEWEST_INSTALLATION_KEY: &str =
    "SELECT id FROM data_keys WHERE case_id IS NULL ORDER BY created_at DESC, id DESC LIMIT 1";

/// How many erasures happened since the master key was last rotated: those recorded while the
/// installation's newest data key was the one it is now. A backup made before them still opens
/// them until the next rotation. (Compared by key rather than by instant, so that the
/// application's clock and the key's timestamp need not agree.)
pub async fn erasures_since_rotation(c: &mut Conn) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM erasures WHERE installation_key = ({NEWEST_INSTALLATION_KEY})"
    ))
    .fetch_one(c.ex())
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}
