//! Billing in the United States: a case's details for insurers (sealed under the case's key, like
//! its fee), which appointment type each billed session was (the CPT code follows from it), and
//! the Good Faith Estimates given to the patient, archived exactly as given.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, ts};
use domain::claims::{Claims, Place};
use domain::ids::CaseId;
use jiff::Timestamp;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct ClaimsRow {
    diagnoses_sealed: String,
    place_sealed: String,
    birth_date_sealed: String,
    address_sealed: String,
}

/// A case's details for insurers (the defaults before the therapist saved any).
pub async fn case_claims(c: &mut Conn, case: &CaseId) -> StoreResult<Claims> {
    let row: Option<ClaimsRow> = sqlx::query_as(
        "SELECT diagnoses_sealed, place_sealed, birth_date_sealed, address_sealed FROM case_claims WHERE case_id = $1",
    )
    .bind(case.as_str())
    .fetch_optional(c.ex())
    .await?;
    let Some(row) = row else {
        return Ok(Claims::default());
    };
    let open =
        |column: &str, sealed: &str| c.keyring.open("case_claims", column, case.as_str(), sealed);
    let diagnoses = open("diagnoses_sealed", &row.diagnoses_sealed)?;
    let place = open("place_sealed", &row.place_sealed)?;
    let birth_date = open("birth_date_sealed", &row.birth_date_sealed)?;
    Ok(Claims {
        diagnoses: diagnoses
            .split(',')
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect(),
        place: Place::parse(&place).ok_or(StoreError::Seal("place of service"))?,
        birth_date: if birth_date.is_empty() {
            None
        } else {
            Some(
                birth_date
                    .parse()
                    .map_err(|_| StoreError::Seal("date of birth"))?,
            )
        },
        address: open("address_sealed", &row.address_sealed)?,
    })
}

pub async fn save_case_claims(
    c: &mut Conn,
    case: &CaseId,
    claims: &Claims,
    now: Timestamp,
) -> StoreResult<()> {
    let key = c.case_key(case.as_str()).await?;
    let seal = |column: &str, plain: &str| {
        c.keyring
            .seal_with_key(&key, "case_claims", column, case.as_str(), plain)
    };
    let birth_date = claims.birth_date.map(|d| d.to_string()).unwrap_or_default();
    sqlx::query(
        "INSERT INTO case_claims (case_id, diagnoses_sealed, place_sealed, birth_date_sealed, address_sealed, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (case_id) DO UPDATE SET diagnoses_sealed = $2, place_sealed = $3, birth_date_sealed = $4, address_sealed = $5, updated_at = $6",
    )
    .bind(case.as_str())
    .bind(seal("diagnoses_sealed", &claims.diagnoses.join(",")))
    .bind(seal("place_sealed", claims.place.code()))
    .bind(seal("birth_date_sealed", &birth_date))
    .bind(seal("address_sealed", &claims.address))
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// The appointment type key of each session an invoice bills: appointment id → type key.
pub async fn session_types(c: &mut Conn, invoice: &str) -> StoreResult<HashMap<String, String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.id, a.type_key FROM invoice_lines l JOIN appointments a ON a.id = l.appointment_id WHERE l.invoice_id = $1",
    )
    .bind(invoice)
    .fetch_all(c.ex())
    .await?;
    Ok(rows.into_iter().collect())
}

/// A Good Faith Estimate as given (its PDF read separately).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EstimateRecord {
    pub id: String,
    pub case: CaseId,
    pub created_at: Timestamp,
    pub total: i64,
    pub pdf_sha256: String,
}

#[derive(sqlx::FromRow)]
struct EstimateRow {
    id: String,
    case_id: String,
    created_at: i64,
    total_minor: i64,
    pdf_sha256: String,
}

impl From<EstimateRow> for EstimateRecord {
    fn from(r: EstimateRow) -> EstimateRecord {
        EstimateRecord {
            id: r.id,
            case: CaseId(r.case_id),
            created_at: ts(r.created_at),
            total: r.total_minor,
            pdf_sha256: r.pdf_sha256,
        }
    }
}

/// Archives an estimate's PDF, sealed under the case's key, its SHA-256 kept in the clear.
pub async fn insert_estimate(
    c: &mut Conn,
    case: &CaseId,
    total: i64,
    pdf: &[u8],
    now: Timestamp,
) -> StoreResult<String> {
    use sha2::Digest;
    let id = new_id();
    let key = c.case_key(case.as_str()).await?;
    let sealed =
        c.keyring
            .seal_bytes_with_key(&key, "good_faith_estimates", "pdf_sealed", &id, pdf);
    sqlx::query(
        "INSERT INTO good_faith_estimates (id, case_id, created_at, total_minor, pdf_sealed, pdf_sha256) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(case.as_str())
    .bind(ms(now))
    .bind(total)
    .bind(sealed)
    .bind(hex::encode(sha2::Sha256::digest(pdf)))
    .execute(c.ex())
    .await?;
    Ok(id)
}

/// A case's estimates, newest first.
pub async fn estimates_of(c: &mut Conn, case: &CaseId) -> StoreResult<Vec<EstimateRecord>> {
    let rows: Vec<EstimateRow> = sqlx::query_as(
        "SELECT id, case_id, created_at, total_minor, pdf_sha256 FROM good_faith_estimates WHERE case_id = $1 ORDER BY created_at DESC, id",
    )
    .bind(case.as_str())
    .fetch_all(c.ex())
    .await?;
    Ok(rows.into_iter().map(EstimateRecord::from).collect())
}

pub async fn estimate(c: &mut Conn, id: &str) -> StoreResult<Option<EstimateRecord>> {
    let row: Option<EstimateRow> = sqlx::query_as(
        "SELECT id, case_id, created_at, total_minor, pdf_sha256 FROM good_faith_estimates WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c.ex())
    .await?;
    Ok(row.map(EstimateRecord::from))
}

/// An estimate's archived PDF, exactly as given.
pub async fn estimate_pdf(c: &mut Conn, id: &str) -> StoreResult<Option<Vec<u8>>> {
    let sealed: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT pdf_sealed FROM good_faith_estimates WHERE id = $1")
            .bind(id)
            .fetch_optional(c.ex())
            .await?;
    sealed
        .map(|s| {
            c.keyring
                .open_bytes("good_faith_estimates", "pdf_sealed", id, &s)
        })
        .transpose()
}
