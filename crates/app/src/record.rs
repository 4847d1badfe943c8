//! A patient's record as one whole, for the patient (GDPR art. 15 and 20, the HIPAA right of
//! access) or their therapist: gathered once, then written as a FHIR R4 bundle (`fhir`, for
//! another clinic's system) or as a PDF to read (`pdf`). Process notes are never part of it: they
//! are the therapist's working notes, apart from the record by design (see `domain::notes`).

pub mod fhir;
mod pdf;

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::i18n::format::Reader;
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::account::User;
use domain::audit::AuditAction;
use domain::case::Case;
use domain::ids::CaseId;
use domain::intake::{self, Answers, Definition, ReadSection, Status};
use jiff::civil::Date;
use jiff::Timestamp;
use store::attendance::Visit;
use store::Conn;

/// Everything a record holds, opened, in the reader's language where words are the practice's.
#[derive(Clone, Debug)]
pub struct Record {
    pub made_at: Timestamp,
    /// The practice's name, as its documents carry it.
    pub practice: String,
    pub patient: User,
    pub cases: Vec<CaseRecord>,
}

/// One case of the patient's: with one therapist.
#[derive(Clone, Debug)]
pub struct CaseRecord {
    pub case: Case,
    /// Every appointment, oldest first, cancelled ones too.
    pub visits: Vec<Visit>,
    /// Signed session notes with their addenda (drafts are not yet part of the record).
    pub notes: Vec<SessionNote>,
    /// Questionnaires the patient sent (drafts are theirs until sent).
    pub answered: Vec<Answered>,
    /// Agreements the patient signed.
    pub agreements: Vec<SignedAgreement>,
    /// Invoices, credit notes, receipts and estimates, as the PDFs archived when issued.
    pub documents: Vec<Filed>,
}

#[derive(Clone, Debug)]
pub struct SessionNote {
    pub appointment: String,
    pub signed_at: Timestamp,
    pub signed_by: String,
    /// (heading, text) in order; empty sections are left out.
    pub sections: Vec<(String, String)>,
    pub addenda: Vec<Addendum>,
}

#[derive(Clone, Debug)]
pub struct Addendum {
    pub at: Timestamp,
    pub author: String,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct Answered {
    pub id: String,
    pub key: String,
    pub version: u32,
    pub title: String,
    pub submitted_at: Timestamp,
    pub definition: Definition,
    pub answers: Answers,
    /// The answers in words, as the therapist reads them.
    pub read: Vec<ReadSection>,
}

#[derive(Clone, Debug)]
pub struct SignedAgreement {
    pub id: String,
    pub version: i64,
    pub signed_at: Timestamp,
    pub signed_as: String,
    pub countersigned_at: Option<Timestamp>,
    /// The SHA-256 of the text as signed (hex), as stored when it was sent.
    pub sha256: String,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FiledKind {
    Invoice,
    CreditNote,
    Receipt,
    Estimate,
}

impl FiledKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FiledKind::Invoice => "invoice",
            FiledKind::CreditNote => "credit_note",
            FiledKind::Receipt => "receipt",
            FiledKind::Estimate => "estimate",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Filed {
    pub id: String,
    pub kind: FiledKind,
    pub number: Option<String>,
    pub on: Option<Date>,
    pub pdf: Vec<u8>,
}

/// The two ways a record is handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Fhir,
    Pdf,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Fhir => "fhir",
            Format::Pdf => "pdf",
        }
    }
}

/// A record written out: its file name (no name or clinical word in it) and bytes.
pub struct Written {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl App {
    /// "Download the record" on the case page: the case's therapist only; anyone else is refused
    /// as the case page refuses them (and the refusal is recorded).
    #[tracing::instrument(skip_all, fields(case = %case, format = ?format))]
    pub async fn case_record(
        &self,
        actor: &Actor,
        case: &CaseId,
        format: Format,
    ) -> AppResult<Written> {
        // Read before the transaction begins: a use-case never holds one connection while it
        // waits for a second.
        let reader = self
            .reader_for(actor.user().ok_or(AppError::Unauthenticated)?)
            .await?;
        let practice = self.practice_name().await?;
        let mut tx = self.db().begin().await?;
        let case = self
            .case_as(&mut tx, actor, case, CaseSide::Therapist)
            .await?;
        let patient = case.patient.clone();
        let one = self
            .case_record_in(&mut tx, actor, &reader, case, format)
            .await?;
        let record = self.record_of(practice, patient, vec![one]);
        // Written before the audit row commits: a row says the record was handed out.
        let written = write(&record, &reader, format, "case-record")?;
        tx.commit().await?;
        Ok(written)
    }

    /// "Your record" in the portal: every case of the signed-in patient.
    #[tracing::instrument(skip_all, fields(format = ?format))]
    pub async fn my_record(&self, actor: &Actor, format: Format) -> AppResult<Written> {
        self.require(actor, Action::UsePortal).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let reader = self.reader_for(user).await?;
        let practice = self.practice_name().await?;
        let mut tx = self.db().begin().await?;
        let mut cases = Vec::new();
        for case in store::cases::of_patient(&mut tx, &user.id).await? {
            cases.push(
                self.case_record_in(&mut tx, actor, &reader, case, format)
                    .await?,
            );
        }
        let record = self.record_of(practice, user.clone(), cases);
        let written = write(&record, &reader, format, "my-record")?;
        tx.commit().await?;
        Ok(written)
    }

    fn record_of(&self, practice: String, patient: User, cases: Vec<CaseRecord>) -> Record {
        Record {
            made_at: self.now(),
            practice,
            patient,
            cases,
        }
    }

    /// One case's part of the record (the caller has checked the actor may have it), and the
    /// audit row that says it was handed out, in which format.
    async fn case_record_in(
        &self,
        c: &mut Conn,
        actor: &Actor,
        reader: &Reader,
        case: Case,
        format: Format,
    ) -> AppResult<CaseRecord> {
        let visits = store::attendance::of_case(c, &case.id).await?;
        let mut notes = Vec::new();
        for visit in &visits {
            if let Some(note) = signed_note(c, reader, &visit.id).await? {
                notes.push(note);
            }
        }
        let answered = self.sent_questionnaires(c, &case).await?;
        let agreements = signed_agreements(c, &case.id).await?;
        let documents = filed(c, &case.id).await?;
        self.audit_in(
            c,
            actor,
            AuditAction::RecordExport,
            case.id.as_str(),
            format.as_str(),
            Outcome::Ok,
        )
        .await?;
        Ok(CaseRecord {
            case,
            visits,
            notes,
            answered,
            agreements,
            documents,
        })
    }

    async fn sent_questionnaires(&self, c: &mut Conn, case: &Case) -> AppResult<Vec<Answered>> {
        let mut out = Vec::new();
        for info in store::intake::of_case(c, &case.id).await? {
            let (Status::Submitted, Some(at)) = (info.status, info.submitted_at) else {
                continue;
            };
            let Some(response) = store::intake::response(c, &info.id).await? else {
                continue;
            };
            let questionnaire = self.version_of(c, &response).await?;
            let read = intake::read_out(
                &questionnaire.definition,
                &response.answers,
                crate::intake::first_name(&case.patient.name),
            );
            out.push(Answered {
                id: info.id.to_string(),
                key: info.key.clone(),
                version: info.version,
                title: info.title.clone(),
                submitted_at: at,
                definition: questionnaire.definition,
                answers: response.answers,
                read,
            });
        }
        out.sort_by_key(|a| a.submitted_at);
        Ok(out)
    }
}

fn write(record: &Record, reader: &Reader, format: Format, stem: &str) -> AppResult<Written> {
    let day = record.made_at.strftime("%Y-%m-%d");
    Ok(match format {
        Format::Fhir => Written {
            file_name: format!("{stem}-{day}.fhir.json"),
            content_type: "application/fhir+json",
            bytes: serde_json::to_vec_pretty(&fhir::bundle(record))
                .map_err(|e| AppError::internal("writing the record", e))?,
        },
        Format::Pdf => Written {
            file_name: format!("{stem}-{day}.pdf"),
            content_type: "application/pdf",
            bytes: documents::render(&pdf::document(record, reader))
                .map_err(|e| AppError::internal("rendering the record", e))?,
        },
    })
}

/// A session's note, when it is signed: its sections under their headings, and its addenda.
async fn signed_note(
    c: &mut Conn,
    reader: &Reader,
    appointment: &str,
) -> AppResult<Option<SessionNote>> {
    let Some(note) = store::notes::load(c, appointment).await? else {
        return Ok(None);
    };
    let Some(signed_at) = note.signed_at else {
        return Ok(None);
    };
    let headings: Vec<String> = match note.body.template() {
        domain::notes::Template::Own => note.body.headings.clone(),
        t => t.headings().iter().map(|k| reader.t(k)).collect(),
    };
    let sections = note
        .body
        .sections
        .iter()
        .enumerate()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(i, text)| (headings.get(i).cloned().unwrap_or_default(), text.clone()))
        .collect();
    let addenda = store::notes::addenda(c, appointment)
        .await?
        .into_iter()
        .map(|a| Addendum {
            at: a.created_at,
            author: a.author,
            text: a.text,
        })
        .collect();
    Ok(Some(SessionNote {
        appointment: appointment.to_string(),
        signed_at,
        signed_by: note.signed_by.unwrap_or_default(),
        sections,
        addenda,
    }))
}

async fn signed_agreements(c: &mut Conn, case: &CaseId) -> AppResult<Vec<SignedAgreement>> {
    let mut out = Vec::new();
    for info in store::agreements::of_case(c, case).await? {
        let Some(signed_at) = info.signed_at else {
            continue;
        };
        let Some(a) = store::agreements::get(c, &info.id).await? else {
            continue;
        };
        out.push(SignedAgreement {
            id: info.id.to_string(),
            version: info.version,
            signed_at,
            signed_as: a.signer_name.unwrap_or_default(),
            countersigned_at: info.countersigned_at,
            sha256: info.sha256.clone(),
            text: a.text,
        });
    }
    Ok(out)
}

/// The case's issued documents with their archived PDFs (drafts are no document yet).
async fn filed(c: &mut Conn, case: &CaseId) -> AppResult<Vec<Filed>> {
    let mut out = Vec::new();
    for invoice in store::billing::of_case(c, case).await? {
        if invoice.is_draft() {
            continue;
        }
        if let Some(pdf) = store::billing::pdf(c, &invoice.id).await? {
            out.push(Filed {
                id: invoice.id.clone(),
                kind: match invoice.kind {
                    domain::invoice::Kind::Invoice => FiledKind::Invoice,
                    domain::invoice::Kind::CreditNote => FiledKind::CreditNote,
                },
                number: invoice.number.clone(),
                on: invoice.issued_on,
                pdf,
            });
        }
        for payment in store::billing::payments_of(c, &invoice.id).await? {
            if let Some((_, pdf)) = store::billing::receipt(c, &payment.id).await? {
                out.push(Filed {
                    id: payment.id.clone(),
                    kind: FiledKind::Receipt,
                    number: invoice.number.clone(),
                    on: Some(payment.received_on),
                    pdf,
                });
            }
        }
    }
    for estimate in store::claims::estimates_of(c, case).await? {
        if let Some(pdf) = store::claims::estimate_pdf(c, &estimate.id).await? {
            out.push(Filed {
                id: estimate.id.clone(),
                kind: FiledKind::Estimate,
                number: None,
                on: Some(estimate.created_at.to_zoned(jiff::tz::TimeZone::UTC).date()),
                pdf,
            });
        }
    }
    Ok(out)
}
