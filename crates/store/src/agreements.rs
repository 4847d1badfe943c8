//! The therapy agreement: each therapist's template versions (saved, never changed), and the
//! agreements sent to cases. An agreement's exact text, the person's own terms and the signature
//! (typed name, address, browser) are sealed under the case's key; the text's SHA-256 is kept in
//! the clear, since it proves which text was signed and reveals nothing of it.

use crate::conn::Conn;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use crate::jobs::{self, NewJob};
use crate::{ms, new_id, ts};
use domain::agreement::{Agreement, AgreementInfo, Overrides, Template, Terms};
use domain::ids::{AgreementId, CaseId, UserId};
use jiff::Timestamp;

/// One saved version of a therapist's template.
#[derive(Clone, Debug)]
pub struct TemplateVersion {
    pub id: String,
    pub version: i64,
    pub template: Template,
    pub created_at: Timestamp,
}

type TemplateRow = (String, i64, String, String, i64);

fn template_version(r: TemplateRow) -> StoreResult<TemplateVersion> {
    let terms: Terms =
        serde_json::from_str(&r.3).map_err(|_| StoreError::Seal("agreement terms"))?;
    Ok(TemplateVersion {
        id: r.0,
        version: r.1,
        template: Template { body: r.2, terms },
        created_at: ts(r.4),
    })
}

/// Every version of `therapist`'s template, newest first.
pub async fn templates(db: &Db, therapist: &UserId) -> StoreResult<Vec<TemplateVersion>> {
    let rows: Vec<TemplateRow> = sqlx::query_as(
        "SELECT id, version, body, terms, created_at FROM agreement_templates WHERE therapist_id = $1 ORDER BY version DESC",
    )
    .bind(therapist.as_str())
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(template_version).collect()
}

/// The newest version of `therapist`'s template, if they ever saved or sent one.
pub async fn latest_template(db: &Db, therapist: &UserId) -> StoreResult<Option<TemplateVersion>> {
    let row: Option<TemplateRow> = sqlx::query_as(
        "SELECT id, version, body, terms, created_at FROM agreement_templates WHERE therapist_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(therapist.as_str())
    .fetch_optional(&db.pool)
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

/// An outgoing agreement sealed under its case's key (done before the transaction begins: making
/// a case's first key writes on a connection of its own).
struct Sealed {
    id: AgreementId,
    case: CaseId,
    text: String,
    sha256: String,
    overrides: String,
}

async fn seal(db: &Db, o: &Outgoing) -> StoreResult<Sealed> {
    let id = AgreementId(new_id());
    let key = db.case_key_now(o.case.as_str()).await?;
    let overrides =
        serde_json::to_string(&o.overrides).map_err(|_| StoreError::Seal("agreement terms"))?;
    let seal = |column: &str, plain: &str| {
        db.keyring
            .seal_with_key(&key, "agreements", column, id.as_str(), plain)
    };
    Ok(Sealed {
        text: seal("text_sealed", &o.text),
        overrides: seal("overrides_sealed", &overrides),
        case: o.case.clone(),
        sha256: o.sha256.clone(),
        id,
    })
}

/// Withdraws the case's open agreement (if any) and stores the new one with its mail job.
async fn insert(
    tx: &mut Conn,
    a: &Sealed,
    template: (&str, i64),
    sent_by: &UserId,
    job: NewJob,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE agreements SET withdrawn_at = $1 WHERE case_id = $2 AND signed_at IS NULL AND withdrawn_at IS NULL")
        .bind(ms(now))
        .bind(a.case.as_str())
        .execute(tx.ex())
        .await?;
    sqlx::query("INSERT INTO agreements (id, case_id, template_id, version, text_sealed, sha256, overrides_sealed, sent_at, sent_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(a.id.as_str())
        .bind(a.case.as_str())
        .bind(template.0)
        .bind(template.1)
        .bind(&a.text)
        .bind(&a.sha256)
        .bind(&a.overrides)
        .bind(ms(now))
        .bind(sent_by.as_str())
        .execute(tx.ex())
        .await?;
    sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
        .bind(ms(now))
        .bind(a.case.as_str())
        .execute(tx.ex())
        .await?;
    jobs::enqueue(tx, job, now).await?;
    Ok(())
}

/// Saves `template` as `therapist`'s next version and, in the same transaction, sends it to every
/// case in `renewals`. Answers the new version and the agreements sent.
pub async fn save_template(
    db: &Db,
    therapist: &UserId,
    template: &Template,
    renewals: &[Outgoing],
    notify: impl Fn(&AgreementId) -> NewJob,
    now: Timestamp,
) -> StoreResult<(TemplateVersion, Vec<AgreementId>)> {
    let mut sealed = Vec::with_capacity(renewals.len());
    for o in renewals {
        sealed.push(seal(db, o).await?);
    }
    let terms =
        serde_json::to_string(&template.terms).map_err(|_| StoreError::Seal("agreement terms"))?;
    // Two saves at the same moment compute the same next version; the unique key refuses the
    // second, which then tries again with the version after.
    for _ in 0..3 {
        let mut tx = db.begin().await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM agreement_templates WHERE therapist_id = $1",
        )
        .bind(therapist.as_str())
        .fetch_one(tx.ex())
        .await?;
        let id = new_id();
        let inserted = sqlx::query("INSERT INTO agreement_templates (id, therapist_id, version, body, terms, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id)
            .bind(therapist.as_str())
            .bind(version)
            .bind(&template.body)
            .bind(&terms)
            .bind(ms(now))
            .execute(tx.ex())
            .await;
        match inserted.map_err(StoreError::from) {
            Err(StoreError::Conflict) => continue,
            other => other?,
        };
        for a in &sealed {
            insert(&mut tx, a, (&id, version), therapist, notify(&a.id), now).await?;
        }
        tx.commit().await?;
        let saved = TemplateVersion {
            id,
            version,
            template: template.clone(),
            created_at: now,
        };
        return Ok((saved, sealed.into_iter().map(|a| a.id).collect()));
    }
    Err(StoreError::Conflict)
}

/// Sends one agreement on the saved template `template`, withdrawing the case's open one.
pub async fn send(
    db: &Db,
    template: &TemplateVersion,
    sent_by: &UserId,
    outgoing: &Outgoing,
    notify: impl FnOnce(&AgreementId) -> NewJob,
    now: Timestamp,
) -> StoreResult<AgreementId> {
    let sealed = seal(db, outgoing).await?;
    let mut tx = db.begin().await?;
    let job = notify(&sealed.id);
    insert(
        &mut tx,
        &sealed,
        (&template.id, template.version),
        sent_by,
        job,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(sealed.id)
}

const INFO: &str = "a.id, a.case_id, a.version, a.sha256, a.sent_at, a.signed_at, a.countersigned_at, a.withdrawn_at";

type InfoRow = (
    String,
    String,
    i64,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn info(r: InfoRow) -> AgreementInfo {
    AgreementInfo {
        id: AgreementId(r.0),
        case_id: CaseId(r.1),
        version: r.2,
        sha256: r.3,
        sent_at: ts(r.4),
        signed_at: r.5.map(ts),
        countersigned_at: r.6.map(ts),
        withdrawn_at: r.7.map(ts),
    }
}

/// A case's agreements, newest first, without their sealed parts.
pub async fn of_case(db: &Db, case: &CaseId) -> StoreResult<Vec<AgreementInfo>> {
    let rows: Vec<InfoRow> = sqlx::query_as(&format!(
        "SELECT {INFO} FROM agreements a WHERE a.case_id = $1 ORDER BY a.sent_at DESC, a.version DESC"
    ))
    .bind(case.as_str())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(info).collect())
}

/// The agreements of every case of `patient`, newest first, with the therapist's name.
pub async fn of_patient(db: &Db, patient: &UserId) -> StoreResult<Vec<(AgreementInfo, String)>> {
    type Row = (
        String,
        String,
        i64,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        String,
    );
    let rows: Vec<Row> =
        sqlx::query_as(&format!(
            "SELECT {INFO}, t.name FROM agreements a JOIN cases c ON c.id = a.case_id JOIN users t ON t.id = c.therapist_id WHERE c.patient_id = $1 ORDER BY a.sent_at DESC, a.version DESC"
        ))
        .bind(patient.as_str())
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (info((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7)), r.8))
        .collect())
}

/// The person's own terms of an agreement (fee, frequency), opened.
pub async fn overrides(db: &Db, id: &AgreementId) -> StoreResult<Option<Overrides>> {
    let sealed: Option<String> =
        sqlx::query_scalar("SELECT overrides_sealed FROM agreements WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&db.pool)
            .await?;
    sealed
        .map(|s| {
            let json = db
                .keyring
                .open("agreements", "overrides_sealed", id.as_str(), &s)?;
            serde_json::from_str(&json).map_err(|_| StoreError::Seal("agreement terms"))
        })
        .transpose()
}

/// The case an agreement belongs to (to decide who may open it before opening anything).
pub async fn case_of(db: &Db, id: &AgreementId) -> StoreResult<Option<CaseId>> {
    let case: Option<String> = sqlx::query_scalar("SELECT case_id FROM agreements WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&db.pool)
        .await?;
    Ok(case.map(CaseId))
}

/// An agreement, opened: the exact text, the person's terms and the signatures.
pub async fn get(db: &Db, id: &AgreementId) -> StoreResult<Option<Agreement>> {
    type Row = (
        String,
        String,
        i64,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {INFO}, a.text_sealed, a.overrides_sealed, a.signer_name_sealed, a.signer_address_sealed, a.signer_agent_sealed, u.name
         FROM agreements a LEFT JOIN users u ON u.id = a.countersigned_by WHERE a.id = $1"
    ))
    .bind(id.as_str())
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let open =
        |column: &str, sealed: &str| db.keyring.open("agreements", column, id.as_str(), sealed);
    let open_some = |column: &str, sealed: &Option<String>| {
        sealed.as_deref().map(|s| open(column, s)).transpose()
    };
    let overrides: Overrides = serde_json::from_str(&open("overrides_sealed", &r.9)?)
        .map_err(|_| StoreError::Seal("agreement terms"))?;
    Ok(Some(Agreement {
        text: open("text_sealed", &r.8)?,
        overrides,
        signer_name: open_some("signer_name_sealed", &r.10)?,
        signer_address: open_some("signer_address_sealed", &r.11)?,
        signer_agent: open_some("signer_agent_sealed", &r.12)?,
        countersigned_by: r.13,
        info: info((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7)),
    }))
}

/// Who signed and from where.
pub struct Signature<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub user_agent: &'a str,
}

/// Signs the agreement if it is still open and its text is the one whose hash the signer saw;
/// the therapist's notification is enqueued in the same transaction. Answers whether it signed.
pub async fn sign(
    db: &Db,
    id: &AgreementId,
    case: &CaseId,
    sha256: &str,
    signature: &Signature<'_>,
    notify: NewJob,
    now: Timestamp,
) -> StoreResult<bool> {
    let key = db.case_key_now(case.as_str()).await?;
    let seal = |column: &str, plain: &str| {
        db.keyring
            .seal_with_key(&key, "agreements", column, id.as_str(), plain)
    };
    let mut tx = db.begin().await?;
    let done = sqlx::query("UPDATE agreements SET signed_at = $1, signer_name_sealed = $2, signer_address_sealed = $3, signer_agent_sealed = $4
         WHERE id = $5 AND case_id = $6 AND sha256 = $7 AND signed_at IS NULL AND withdrawn_at IS NULL")
        .bind(ms(now))
        .bind(seal("signer_name_sealed", signature.name))
        .bind(seal("signer_address_sealed", signature.address))
        .bind(seal("signer_agent_sealed", signature.user_agent))
        .bind(id.as_str())
        .bind(case.as_str())
        .bind(sha256)
        .execute(tx.ex())
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    jobs::enqueue(&mut tx, notify, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The therapist's countersignature on a signed agreement. Answers whether it was added.
pub async fn countersign(
    db: &Db,
    id: &AgreementId,
    by: &UserId,
    now: Timestamp,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE agreements SET countersigned_at = $1, countersigned_by = $2 WHERE id = $3 AND signed_at IS NOT NULL AND countersigned_at IS NULL")
        .bind(ms(now))
        .bind(by.as_str())
        .bind(id.as_str())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The cases of `therapist` that were ever sent an agreement and are still open (not ended,
/// referred or closed), with the terms of their newest agreement: they receive each new version.
pub async fn renewable_cases(db: &Db, therapist: &UserId) -> StoreResult<Vec<(CaseId, Overrides)>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT a.case_id, a.id, a.overrides_sealed FROM agreements a JOIN cases c ON c.id = a.case_id
         WHERE c.therapist_id = $1 AND c.stage NOT IN ('ended', 'referred', 'closed')
           AND a.sent_at = (SELECT MAX(b.sent_at) FROM agreements b WHERE b.case_id = a.case_id)
         ORDER BY a.case_id, a.version DESC",
    )
    .bind(therapist.as_str())
    .fetch_all(&db.pool)
    .await?;
    let mut out: Vec<(CaseId, Overrides)> = Vec::new();
    for (case, id, sealed) in rows {
        if out.last().is_some_and(|(c, _)| c.as_str() == case) {
            continue;
        }
        let overrides = serde_json::from_str(&db.keyring.open(
            "agreements",
            "overrides_sealed",
            &id,
            &sealed,
        )?)
        .map_err(|_| StoreError::Seal("agreement terms"))?;
        out.push((CaseId(case), overrides));
    }
    Ok(out)
}

/// An agreement's case and version, and whether an older one of that case was signed (what the
/// mail job needs to say "our agreement" or "a new version of our agreement").
pub async fn header(db: &Db, id: &AgreementId) -> StoreResult<Option<(CaseId, i64, bool)>> {
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT a.case_id, a.version, (SELECT COUNT(*) FROM agreements b WHERE b.case_id = a.case_id AND b.signed_at IS NOT NULL AND b.version < a.version)
         FROM agreements a WHERE a.id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(case, version, signed_before)| (CaseId(case), version, signed_before > 0)))
}
