//! The therapy agreement: each therapist's template versions (saved, never changed), and the
//! agreements sent to cases. An agreement's exact text, the person's own terms and the signature
//! (typed name, address, browser) are sealed under the case's key; the text's SHA-256 is kept in
//! the clear, since it proves which text was signed and reveals nothing of it.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, ts};
use domain::agreement::{Agreement, AgreementInfo, Overrides, Template, Terms};
use domain::ids::{AgreementId, CaseId, UserId};
use jiff::Timestamp;
use sqlx::Connection;

/// One saved version of a therapist's template.
#[derive(Clone, Debug)]
pub struct TemplateVersion {
    pub id: String,
    pub version: i64,
    pub template: Template,
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct TemplateRow {
    id: String,
    version: i64,
    body: String,
    terms: String,
    created_at: i64,
}

fn template_version(r: TemplateRow) -> StoreResult<TemplateVersion> {
    let terms: Terms =
        serde_json::from_str(&r.terms).map_err(|_| StoreError::Seal("agreement terms"))?;
    Ok(TemplateVersion {
        id: r.id,
        version: r.version,
        template: Template {
            body: r.body,
            terms,
        },
        created_at: ts(r.created_at),
    })
}

/// Every version of `therapist`'s template, newest first.
pub async fn templates(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<TemplateVersion>> {
    let rows: Vec<TemplateRow> = sqlx::query_as(
        "SELECT id, version, body, terms, created_at FROM agreement_templates WHERE therapist_id = $1 ORDER BY version DESC",
    )
    .bind(therapist.as_str())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter().map(template_version).collect()
}

/// The newest version of `therapist`'s template, if they ever saved or sent one.
pub async fn latest_template(
    c: &mut Conn,
    therapist: &UserId,
) -> StoreResult<Option<TemplateVersion>> {
    let row: Option<TemplateRow> = sqlx::query_as(
        "SELECT id, version, body, terms, created_at FROM agreement_templates WHERE therapist_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(therapist.as_str())
    .fetch_optional(c.ex())
    .await?;
    row.map(template_version).transpose()
}

/// An agreement to send: rendered and hashed by the caller, for one case.
pub struct Outgoing {
    pub case: CaseId,
    pub text: String,
    pub sha256: String,
    pub overrides: Overrides,
}

/// Saves `template` as `therapist`'s next version, inside the caller's transaction.
pub async fn save_template(
    c: &mut Conn,
    therapist: &UserId,
    template: &Template,
    now: Timestamp,
) -> StoreResult<TemplateVersion> {
    let terms =
        serde_json::to_string(&template.terms).map_err(|_| StoreError::Seal("agreement terms"))?;
    // Two saves at the same moment compute the same next version; the unique key refuses the
    // second, which then tries again (from a savepoint) with the version after.
    for _ in 0..3 {
        let mut attempt = c.ex().begin().await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM agreement_templates WHERE therapist_id = $1",
        )
        .bind(therapist.as_str())
        .fetch_one(&mut *attempt)
        .await?;
        let id = new_id();
        let inserted = sqlx::query("INSERT INTO agreement_templates (id, therapist_id, version, body, terms, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id)
            .bind(therapist.as_str())
            .bind(version)
            .bind(&template.body)
            .bind(&terms)
            .bind(ms(now))
            .execute(&mut *attempt)
            .await;
        match inserted.map_err(StoreError::from) {
            Err(StoreError::Conflict) => continue,
            other => other?,
        };
        attempt.commit().await?;
        return Ok(TemplateVersion {
            id,
            version,
            template: template.clone(),
            created_at: now,
        });
    }
    Err(StoreError::Conflict)
}

/// Sends one agreement on the saved template `template`, withdrawing the case's open one, inside
/// the caller's transaction (the caller enqueues the patient's mail in it).
pub async fn send(
    c: &mut Conn,
    template: &TemplateVersion,
    sent_by: &UserId,
    o: &Outgoing,
    now: Timestamp,
) -> StoreResult<AgreementId> {
    let id = AgreementId(new_id());
    let key = c.case_key(o.case.as_str()).await?;
    let overrides =
        serde_json::to_string(&o.overrides).map_err(|_| StoreError::Seal("agreement terms"))?;
    let seal = |column: &str, plain: &str| {
        c.keyring
            .seal_with_key(&key, "agreements", column, id.as_str(), plain)
    };
    let (text, overrides) = (
        seal("text_sealed", &o.text),
        seal("overrides_sealed", &overrides),
    );
    sqlx::query("UPDATE agreements SET withdrawn_at = $1 WHERE case_id = $2 AND signed_at IS NULL AND withdrawn_at IS NULL")
        .bind(ms(now))
        .bind(o.case.as_str())
        .execute(c.ex())
        .await?;
    sqlx::query("INSERT INTO agreements (id, case_id, template_id, version, text_sealed, sha256, overrides_sealed, sent_at, sent_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(id.as_str())
        .bind(o.case.as_str())
        .bind(&template.id)
        .bind(template.version)
        .bind(text)
        .bind(&o.sha256)
        .bind(overrides)
        .bind(ms(now))
        .bind(sent_by.as_str())
        .execute(c.ex())
        .await?;
    sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
        .bind(ms(now))
        .bind(o.case.as_str())
        .execute(c.ex())
        .await?;
    Ok(id)
}

const INFO: &str = "a.id, a.case_id, a.version, a.sha256, a.sent_at, a.signed_at, a.countersigned_at, a.withdrawn_at";

#[derive(sqlx::FromRow)]
struct InfoRow {
    id: String,
    case_id: String,
    version: i64,
    sha256: String,
    sent_at: i64,
    signed_at: Option<i64>,
    countersigned_at: Option<i64>,
    withdrawn_at: Option<i64>,
}

fn info(r: InfoRow) -> AgreementInfo {
    AgreementInfo {
        id: AgreementId(r.id),
        case_id: CaseId(r.case_id),
        version: r.version,
        sha256: r.sha256,
        sent_at: ts(r.sent_at),
        signed_at: r.signed_at.map(ts),
        countersigned_at: r.countersigned_at.map(ts),
        withdrawn_at: r.withdrawn_at.map(ts),
    }
}

/// A case's agreements, newest first, without their sealed parts.
pub async fn of_case(c: &mut Conn, case: &CaseId) -> StoreResult<Vec<AgreementInfo>> {
    let rows: Vec<InfoRow> = sqlx::query_as(&format!(
        "SELECT {INFO} FROM agreements a WHERE a.case_id = $1 ORDER BY a.sent_at DESC, a.version DESC"
    ))
    .bind(case.as_str())
    .fetch_all(c.ex())
    .await?;
    Ok(rows.into_iter().map(info).collect())
}

/// An agreement in a patient's list, with the name of the therapist who sent it.
#[derive(Clone, Debug)]
pub struct PatientAgreement {
    pub info: AgreementInfo,
    pub therapist: String,
}

#[derive(sqlx::FromRow)]
struct PatientRow {
    #[sqlx(flatten)]
    info: InfoRow,
    therapist_name: String,
}

/// The agreements of every case of `patient`, newest first, with the therapist's name.
pub async fn of_patient(c: &mut Conn, patient: &UserId) -> StoreResult<Vec<PatientAgreement>> {
    let rows: Vec<PatientRow> =
        sqlx::query_as(&format!(
            "SELECT {INFO}, t.name AS therapist_name FROM agreements a JOIN cases c ON c.id = a.case_id JOIN users t ON t.id = c.therapist_id WHERE c.patient_id = $1 ORDER BY a.sent_at DESC, a.version DESC"
        ))
        .bind(patient.as_str())
        .fetch_all(c.ex())
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| PatientAgreement {
            info: info(r.info),
            therapist: r.therapist_name,
        })
        .collect())
}

/// The person's own terms of an agreement (fee, frequency), opened.
pub async fn overrides(c: &mut Conn, id: &AgreementId) -> StoreResult<Option<Overrides>> {
    let sealed: Option<String> =
        sqlx::query_scalar("SELECT overrides_sealed FROM agreements WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(c.ex())
            .await?;
    sealed
        .map(|s| {
            let json = c
                .keyring
                .open("agreements", "overrides_sealed", id.as_str(), &s)?;
            serde_json::from_str(&json).map_err(|_| StoreError::Seal("agreement terms"))
        })
        .transpose()
}

/// The case an agreement belongs to (to decide who may open it before opening anything).
pub async fn case_of(c: &mut Conn, id: &AgreementId) -> StoreResult<Option<CaseId>> {
    let case: Option<String> = sqlx::query_scalar("SELECT case_id FROM agreements WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(c.ex())
        .await?;
    Ok(case.map(CaseId))
}

#[derive(sqlx::FromRow)]
struct AgreementRow {
    #[sqlx(flatten)]
    info: InfoRow,
    text_sealed: String,
    overrides_sealed: String,
    signer_name_sealed: Option<String>,
    signer_address_sealed: Option<String>,
    signer_agent_sealed: Option<String>,
    countersigner_name: Option<String>,
}

/// An agreement, opened: the exact text, the person's terms and the signatures.
pub async fn get(c: &mut Conn, id: &AgreementId) -> StoreResult<Option<Agreement>> {
    let row: Option<AgreementRow> = sqlx::query_as(&format!(
        "SELECT {INFO}, a.text_sealed, a.overrides_sealed, a.signer_name_sealed, a.signer_address_sealed, a.signer_agent_sealed, u.name AS countersigner_name
         FROM agreements a LEFT JOIN users u ON u.id = a.countersigned_by WHERE a.id = $1"
    ))
    .bind(id.as_str())
    .fetch_optional(c.ex())
    .await?;
    let Some(r) = row else { return Ok(None) };
    let open =
        |column: &str, sealed: &str| c.keyring.open("agreements", column, id.as_str(), sealed);
    let open_some = |column: &str, sealed: &Option<String>| {
        sealed.as_deref().map(|s| open(column, s)).transpose()
    };
    let overrides: Overrides =
        serde_json::from_str(&open("overrides_sealed", &r.overrides_sealed)?)
            .map_err(|_| StoreError::Seal("agreement terms"))?;
    Ok(Some(Agreement {
        text: open("text_sealed", &r.text_sealed)?,
        overrides,
        signer_name: open_some("signer_name_sealed", &r.signer_name_sealed)?,
        signer_address: open_some("signer_address_sealed", &r.signer_address_sealed)?,
        signer_agent: open_some("signer_agent_sealed", &r.signer_agent_sealed)?,
        countersigned_by: r.countersigner_name,
        info: info(r.info),
    }))
}

/// Who signed and from where.
pub struct Signature<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub user_agent: &'a str,
}

/// Signs the agreement if it is still open and its text is the one whose hash the signer saw,
/// inside the caller's transaction (the caller enqueues the therapist's notification in it).
/// Answers whether it signed.
pub async fn sign(
    c: &mut Conn,
    id: &AgreementId,
    case: &CaseId,
    sha256: &str,
    signature: &Signature<'_>,
    now: Timestamp,
) -> StoreResult<bool> {
    let key = c.case_key(case.as_str()).await?;
    let seal = |column: &str, plain: &str| {
        c.keyring
            .seal_with_key(&key, "agreements", column, id.as_str(), plain)
    };
    let (name, address, agent) = (
        seal("signer_name_sealed", signature.name),
        seal("signer_address_sealed", signature.address),
        seal("signer_agent_sealed", signature.user_agent),
    );
    let done = sqlx::query("UPDATE agreements SET signed_at = $1, signer_name_sealed = $2, signer_address_sealed = $3, signer_agent_sealed = $4
         WHERE id = $5 AND case_id = $6 AND sha256 = $7 AND signed_at IS NULL AND withdrawn_at IS NULL")
        .bind(ms(now))
        .bind(name)
        .bind(address)
        .bind(agent)
        .bind(id.as_str())
        .bind(case.as_str())
        .bind(sha256)
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The therapist's countersignature on a signed agreement. Answers whether it was added.
pub async fn countersign(
    c: &mut Conn,
    id: &AgreementId,
    by: &UserId,
    now: Timestamp,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE agreements SET countersigned_at = $1, countersigned_by = $2 WHERE id = $3 AND signed_at IS NOT NULL AND countersigned_at IS NULL")
        .bind(ms(now))
        .bind(by.as_str())
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An open case that was sent an agreement, with the terms of its newest one.
#[derive(Clone, Debug)]
pub struct Renewable {
    pub case: CaseId,
    pub overrides: Overrides,
}

#[derive(sqlx::FromRow)]
struct RenewableRow {
    case_id: String,
    id: String,
    overrides_sealed: String,
}

/// The cases of `therapist` that were ever sent an agreement and are still open (not ended,
/// referred or closed), with the terms of their newest agreement: they receive each new version.
pub async fn renewable_cases(c: &mut Conn, therapist: &UserId) -> StoreResult<Vec<Renewable>> {
    let rows: Vec<RenewableRow> = sqlx::query_as(
        "SELECT a.case_id, a.id, a.overrides_sealed FROM agreements a JOIN cases c ON c.id = a.case_id
         WHERE c.therapist_id = $1 AND c.stage NOT IN ('ended', 'referred', 'closed')
           AND a.sent_at = (SELECT MAX(b.sent_at) FROM agreements b WHERE b.case_id = a.case_id)
         ORDER BY a.case_id, a.version DESC",
    )
    .bind(therapist.as_str())
    .fetch_all(c.ex())
    .await?;
    let mut out: Vec<Renewable> = Vec::new();
    for r in rows {
        if out.last().is_some_and(|l| l.case.as_str() == r.case_id) {
            continue;
        }
        let overrides = serde_json::from_str(&c.keyring.open(
            "agreements",
            "overrides_sealed",
            &r.id,
            &r.overrides_sealed,
        )?)
        .map_err(|_| StoreError::Seal("agreement terms"))?;
        out.push(Renewable {
            case: CaseId(r.case_id),
            overrides,
        });
    }
    Ok(out)
}
