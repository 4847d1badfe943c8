//! Billing in the United States: a case's details for insurers, the superbill of an issued
//! invoice (rendered on request — it states what the archived invoice says), and the Good Faith
//! Estimate given to a self-pay patient (archived like an invoice, the patient told only that a
//! document is waiting). All of it exists only for a therapist whose billing profile says "US";
//! for anyone else every use-case here answers "not found".

use super::document;
use super::plausible_id;
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::i18n::format::Reader;
use crate::jobs::Task;
use crate::policy::{Action, CaseSide};
use crate::App;
use documents::{Align, Column, Table, Total};
use domain::audit::AuditAction;
use domain::case::Case;
use domain::claims::{Claims, ClaimsInput, Estimate, EstimateInput};
use domain::ids::{CaseId, UserId};
use domain::invoice::{Kind, Profile};
use domain::practice::Details;
use jiff::civil::Date;
use store::billing::Invoice;
pub use store::claims::EstimateRecord;
use store::Conn;

/// A US case's details for insurers and its estimates, for the case's billing page.
#[derive(Clone, Debug)]
pub struct CaseClaims {
    pub claims: Claims,
    pub estimates: Vec<EstimateRecord>,
    pub currency: String,
    /// The therapist's today (the estimate form's default period starts on it).
    pub today: Date,
}

/// What the patient's invoices page offers in the United States.
#[derive(Clone, Debug, Default)]
pub struct PortalClaims {
    /// The issued invoices that have a superbill.
    pub superbills: Vec<String>,
    pub estimates: Vec<EstimateRecord>,
    pub currency: String,
}

/// The PDF words of the CPT codes an estimate or superbill is likely to carry.
const KNOWN_CODES: [&str; 4] = ["90791", "90832", "90834", "90837"];

impl App {
    /// The billing profile of `therapist` if it is a US one.
    async fn us_profile(&self, c: &mut Conn, therapist: &UserId) -> AppResult<Option<Profile>> {
        Ok(store::billing::profile(c, therapist)
            .await?
            .filter(|p| domain::claims::applies(&p.country)))
    }

    /// The case `id` seen by its therapist, with their US profile; "not found" outside the US.
    async fn us_case(
        &self,
        c: &mut Conn,
        actor: &Actor,
        id: &CaseId,
    ) -> AppResult<(Case, Profile)> {
        let case = self.case_as(c, actor, id, CaseSide::Therapist).await?;
        let profile = self
            .us_profile(c, &case.therapist.id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((case, profile))
    }

    /// A case's details for insurers and its estimates; `None` when the therapist does not
    /// practise in the United States (the page then shows nothing of it).
    pub async fn case_claims(&self, actor: &Actor, case: &CaseId) -> AppResult<Option<CaseClaims>> {
        let mut c = self.db().conn().await?;
        let case = self
            .case_as(&mut c, actor, case, CaseSide::Therapist)
            .await?;
        if self.us_profile(&mut c, &case.therapist.id).await?.is_none() {
            return Ok(None);
        }
        Ok(Some(CaseClaims {
            claims: store::claims::case_claims(&mut c, &case.id).await?,
            estimates: store::claims::estimates_of(&mut c, &case.id).await?,
            currency: self.currency().await?,
            today: self.billing_today(&case.therapist),
        }))
    }

    /// Saves a case's diagnoses, place of service, date of birth and address.
    pub async fn save_case_claims(
        &self,
        actor: &Actor,
        case: &CaseId,
        input: &ClaimsInput,
    ) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let (case, _) = self.us_case(&mut tx, actor, case).await?;
        let claims = input
            .validate(self.billing_today(&case.therapist))
            .map_err(AppError::Invalid)?;
        store::claims::save_case_claims(&mut tx, &case.id, &claims, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::ClaimsSave,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives the patient a Good Faith Estimate: rendered, archived sealed with its SHA-256, and
    /// announced by the content-free "a document is waiting" mail. Returns its id.
    pub async fn issue_estimate(
        &self,
        actor: &Actor,
        case: &CaseId,
        input: &EstimateInput,
    ) -> AppResult<String> {
        self.require(actor, Action::KeepCaseload).await?;
        let currency = self.currency().await?;
        let mut tx = self.db().begin().await?;
        let (case, profile) = self.us_case(&mut tx, actor, case).await?;
        let estimate = input
            .validate(domain::money::minor_digits(&currency))
            .map_err(AppError::Invalid)?;
        let total = estimate
            .total()
            .ok_or(AppError::field("fee_1", "error-amount-large"))?;
        let claims = store::claims::case_claims(&mut tx, &case.id).await?;
        let practice = self.practice_details_in(&mut tx).await?;
        let today = self.billing_today(&case.therapist);
        let pdf = estimate_document(
            &self.billing_reader(&case.therapist),
            &practice,
            &profile,
            &Patient::of(&case, &claims),
            &estimate,
            (today, &currency),
        )?;
        let id = store::claims::insert_estimate(&mut tx, &case.id, total, &pdf, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::EstimateIssue,
            case.id.as_str(),
            &id,
            Outcome::Ok,
        )
        .await?;
        let now = self.now();
        store::jobs::enqueue(
            &mut tx,
            Task::DocumentWaiting {
                case: case.id.clone(),
            }
            .job(format!("document-waiting:{id}"), now),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The superbill of an issued invoice, rendered now from what the invoice says: (file name,
    /// bytes). Not for a draft or a credit note; reading it is audited.
    pub async fn superbill_pdf(
        &self,
        actor: &Actor,
        id: &str,
        side: CaseSide,
    ) -> AppResult<(String, Vec<u8>)> {
        let mut c = self.db().conn().await?;
        let (invoice, case) = self.invoice_as(&mut c, actor, id, side).await?;
        if invoice.is_draft() || invoice.kind != Kind::Invoice {
            return Err(AppError::NotFound);
        }
        let profile = self
            .us_profile(&mut c, &case.therapist.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let claims = store::claims::case_claims(&mut c, &case.id).await?;
        let types = store::claims::session_types(&mut c, &invoice.id).await?;
        let practice = self.practice_details_in(&mut c).await?;
        drop(c);
        let pdf = superbill_document(
            &self.billing_reader(&case.therapist),
            &practice,
            &profile,
            &Patient::of(&case, &claims),
            &invoice,
            &|appointment: &str| {
                types.get(appointment).map(String::as_str)
                    == Some(domain::claims::FIRST_CONSULTATION)
            },
        )?;
        self.audit(
            actor,
            AuditAction::SuperbillRead,
            invoice.case.as_str(),
            id,
            Outcome::Ok,
        )
        .await?;
        Ok((
            format!(
                "superbill-{}.pdf",
                safe(invoice.number.as_deref().unwrap_or(""))
            ),
            pdf,
        ))
    }

    /// A Good Faith Estimate's archived PDF, exactly as given: (file name, bytes). Audited.
    pub async fn estimate_pdf(
        &self,
        actor: &Actor,
        id: &str,
        side: CaseSide,
    ) -> AppResult<(String, Vec<u8>)> {
        plausible_id(id)?;
        let mut c = self.db().conn().await?;
        let Some(record) = store::claims::estimate(&mut c, id).await? else {
            return Err(if actor.is_signed_in() {
                AppError::NotFound
            } else {
                AppError::Unauthenticated
            });
        };
        let case = self.case_as(&mut c, actor, &record.case, side).await?;
        self.us_profile(&mut c, &case.therapist.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let pdf = store::claims::estimate_pdf(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        drop(c);
        self.audit(
            actor,
            AuditAction::EstimateRead,
            case.id.as_str(),
            id,
            Outcome::Ok,
        )
        .await?;
        let day = self
            .billing_reader(&case.therapist)
            .local_date(&record.created_at);
        Ok((format!("good-faith-estimate-{day}.pdf"), pdf))
    }

    /// The superbills and estimates the patient's invoices page offers (from US therapists only).
    pub async fn portal_claims(&self, actor: &Actor) -> AppResult<PortalClaims> {
        self.require(actor, Action::UsePortal).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        let mut out = PortalClaims {
            currency: self.currency().await?,
            ..PortalClaims::default()
        };
        for case in store::cases::of_patient(&mut c, &user.id).await? {
            if self.us_profile(&mut c, &case.therapist.id).await?.is_none() {
                continue;
            }
            out.superbills.extend(
                store::billing::of_case(&mut c, &case.id)
                    .await?
                    .into_iter()
                    .filter(|i| !i.is_draft() && i.kind == Kind::Invoice)
                    .map(|i| i.id),
            );
            out.estimates
                .extend(store::claims::estimates_of(&mut c, &case.id).await?);
        }
        Ok(out)
    }
}

/// A file name's safe part: letters, digits and dashes.
fn safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Who the document is about, as insurers ask: name, date of birth, address.
struct Patient<'a> {
    name: &'a str,
    claims: &'a Claims,
}

impl<'a> Patient<'a> {
    fn of(case: &'a Case, claims: &'a Claims) -> Patient<'a> {
        Patient {
            name: &case.patient.name,
            claims,
        }
    }

    fn block(&self, r: &Reader) -> Vec<String> {
        let mut lines = vec![self.name.to_string()];
        lines.extend(self.claims.address.lines().map(str::to_string));
        if let Some(born) = self.claims.birth_date {
            lines.push(r.t_with("claims-pdf-born", &[("date", r.civil_date(born))]));
        }
        lines
    }
}

/// "NPI: 0123456789": an identifier after its label. Not a Fluent argument: Fluent would read
/// it as a number and drop its leading zeros.
fn labelled(r: &Reader, key: &str, id: &str) -> String {
    format!("{}: {id}", r.t(key))
}

/// The provider's block: name, address, NPI and tax id (what a claim names the provider by).
fn provider(r: &Reader, practice: &Details, profile: &Profile) -> Vec<String> {
    let mut lines = vec![profile.issuer.clone()];
    lines.extend(profile.address.lines().map(str::to_string));
    if !profile.registration.is_empty() {
        lines.push(labelled(r, "claims-pdf-npi", &profile.registration));
    }
    if !profile.tax_id.is_empty() {
        lines.push(labelled(r, "claims-pdf-tin", &profile.tax_id));
    }
    if !practice.email.is_empty() {
        lines.push(practice.email.clone());
    }
    lines
}

/// "A: F41.1 · B: F32.A": the diagnoses with the letters a claim points to them by.
fn diagnoses_text(codes: &[String]) -> String {
    codes
        .iter()
        .zip('A'..)
        .map(|(code, letter)| format!("{letter}: {code}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn column(heading: String, align: Align, weight: u16) -> Column {
    Column {
        heading,
        align,
        weight,
    }
}

fn code_words(r: &Reader, code: &str) -> String {
    if KNOWN_CODES.contains(&code) {
        r.t(&format!("claims-cpt-{code}"))
    } else {
        String::new()
    }
}

/// The superbill of `invoice`: its lines with date of service, place of service, CPT code, units,
/// fee and charge; the diagnoses; what was paid and what is left.
fn superbill_document(
    r: &Reader,
    practice: &Details,
    profile: &Profile,
    patient: &Patient<'_>,
    invoice: &Invoice,
    first_consultation: &dyn Fn(&str) -> bool,
) -> AppResult<Vec<u8>> {
    let mut doc = document::base(r, practice, profile, r.t("claims-pdf-superbill"));
    doc.issuer = provider(r, practice, profile);
    doc.number = invoice.number.clone();
    doc.recipient = patient.block(r);
    let money = |v: i64| r.money(v, &invoice.currency);
    let place = patient.claims.place;
    if let Some(d) = invoice.issued_on {
        doc.facts.push((r.t("billing-pdf-date"), r.civil_date(d)));
    }
    doc.facts.push((
        r.t("claims-pdf-place"),
        r.t(&format!("claims-place-{}", place.code())),
    ));
    if !patient.claims.diagnoses.is_empty() {
        doc.facts.push((
            r.t("claims-pdf-diagnoses"),
            diagnoses_text(&patient.claims.diagnoses),
        ));
    }
    let pointer: String = ('A'..).take(patient.claims.diagnoses.len()).collect();
    doc.table = Table {
        columns: vec![
            column(r.t("claims-pdf-col-date"), Align::Left, 13),
            column(r.t("claims-pdf-col-service"), Align::Left, 25),
            column(r.t("claims-pdf-col-cpt"), Align::Left, 9),
            column(r.t("claims-pdf-col-pos"), Align::Left, 8),
            column(r.t("claims-pdf-col-pointer"), Align::Left, 7),
            column(r.t("claims-pdf-col-units"), Align::Right, 8),
            column(r.t("claims-pdf-col-fee"), Align::Right, 15),
            column(r.t("claims-pdf-col-charge"), Align::Right, 15),
        ],
        rows: invoice
            .lines
            .iter()
            .map(|(_, l)| {
                let first = l.appointment.as_deref().is_some_and(first_consultation);
                let code = domain::claims::cpt_code(first, l.minutes).unwrap_or_default();
                vec![
                    r.civil_date(l.service_date),
                    l.description.clone(),
                    code.to_string(),
                    place.code().to_string(),
                    if code.is_empty() {
                        String::new()
                    } else {
                        pointer.clone()
                    },
                    l.quantity.to_string(),
                    money(l.unit_minor),
                    money(l.amount().unwrap_or(0)),
                ]
            })
            .collect(),
    };
    doc.totals.push(Total {
        label: r.t("claims-pdf-charges"),
        value: money(invoice.total),
        emphasised: false,
    });
    if invoice.credited > 0 {
        doc.totals.push(Total {
            label: r.t("billing-pdf-credited"),
            value: money(invoice.credited),
            emphasised: false,
        });
    }
    doc.totals.push(Total {
        label: r.t("billing-pdf-paid"),
        value: money(invoice.paid),
        emphasised: false,
    });
    doc.totals.push(Total {
        label: r.t("claims-pdf-balance"),
        value: money(invoice.outstanding().max(0)),
        emphasised: true,
    });
    doc.notes.push(r.t("claims-pdf-superbill-note"));
    document::render(&doc)
}

/// A Good Faith Estimate with the parts 45 CFR 149.610 requires of one for a self-pay patient.
fn estimate_document(
    r: &Reader,
    practice: &Details,
    profile: &Profile,
    patient: &Patient<'_>,
    estimate: &Estimate,
    (today, currency): (Date, &str),
) -> AppResult<Vec<u8>> {
    let mut doc = document::base(r, practice, profile, r.t("claims-pdf-estimate"));
    doc.issuer = provider(r, practice, profile);
    doc.recipient = patient.block(r);
    let money = |v: i64| r.money(v, currency);
    doc.facts
        .push((r.t("claims-pdf-estimate-date"), r.civil_date(today)));
    doc.facts.push((
        r.t("claims-pdf-estimate-period"),
        r.range(&r.civil_date(estimate.from), &r.civil_date(estimate.to)),
    ));
    let diagnoses = if estimate.diagnoses.is_empty() {
        &patient.claims.diagnoses
    } else {
        &estimate.diagnoses
    };
    if !diagnoses.is_empty() {
        doc.facts
            .push((r.t("claims-pdf-diagnoses"), diagnoses.join(", ")));
    }
    doc.table = Table {
        columns: vec![
            column(r.t("claims-pdf-col-cpt"), Align::Left, 10),
            column(r.t("claims-pdf-col-service"), Align::Left, 40),
            column(r.t("claims-pdf-col-fee"), Align::Right, 15),
            column(r.t("claims-pdf-col-sessions"), Align::Right, 12),
            column(r.t("claims-pdf-col-expected"), Align::Right, 18),
        ],
        rows: estimate
            .services
            .iter()
            .map(|s| {
                vec![
                    s.code.clone(),
                    code_words(r, &s.code),
                    money(s.fee_minor),
                    s.sessions.to_string(),
                    money(s.amount().unwrap_or(0)),
                ]
            })
            .collect(),
    };
    doc.totals.push(Total {
        label: r.t("claims-pdf-estimate-total"),
        value: money(estimate.total().unwrap_or(0)),
        emphasised: true,
    });
    for key in [
        "claims-gfe-estimate",
        "claims-gfe-differ",
        "claims-gfe-dispute",
        "claims-gfe-contract",
        "claims-gfe-more",
        "claims-gfe-keep",
    ] {
        doc.notes.push(r.t(key));
    }
    document::render(&doc)
}
