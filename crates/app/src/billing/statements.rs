//! Bank statements: a CAMT.053 file or a CSV export read once, its credits matched to the
//! therapist's open invoices by reference and amount, each match confirmed by the therapist.
//! A file read before, a file that is not a statement, one in another currency: a message next
//! to the upload, and nothing changes.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::CaseSide;
use crate::App;
use domain::audit::AuditAction;
use domain::bank::{ColumnRef, CsvMapping, DateFormat, Match, Statement};
use domain::invoice::{Kind, Method};
use sha2::Digest;
use store::billing::StoredCredit;

/// The upload form: the format and, for CSV, where the bank keeps what a credit needs.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct StatementInput {
    /// `camt` or `csv`.
    #[serde(default)]
    pub format: String,
    /// `;`, `,` or `tab`.
    #[serde(default)]
    pub delimiter: String,
    #[serde(default)]
    pub date_column: String,
    #[serde(default)]
    pub amount_column: String,
    #[serde(default)]
    pub text_column: String,
    #[serde(default)]
    pub counterparty_column: String,
    /// `iso`, `dmy` or `mdy`.
    #[serde(default)]
    pub date_format: String,
    #[serde(default)]
    pub decimal_comma: String,
}

/// A column named by its heading, or by its number counted from 1.
fn column(text: &str) -> ColumnRef {
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => ColumnRef::Position(n),
        _ => ColumnRef::Header(text.trim().to_string()),
    }
}

impl StatementInput {
    fn mapping(&self) -> AppResult<CsvMapping> {
        let mut e = domain::FieldErrors::default();
        for (field, value) in [
            ("date_column", &self.date_column),
            ("amount_column", &self.amount_column),
            ("text_column", &self.text_column),
        ] {
            if value.trim().is_empty() {
                e.add(field, "error-required");
            }
        }
        let delimiter = match self.delimiter.trim() {
            ";" | "" => b';',
            "," => b',',
            "tab" => b'\t',
            _ => {
                e.add("delimiter", "error-choose");
                b';'
            }
        };
        let date_format = match self.date_format.trim() {
            "iso" => DateFormat::Iso,
            "dmy" | "" => DateFormat::DayMonthYear,
            "mdy" => DateFormat::MonthDayYear,
            _ => {
                e.add("date_format", "error-choose");
                DateFormat::Iso
            }
        };
        if !e.is_empty() {
            return Err(AppError::Invalid(e));
        }
        Ok(CsvMapping {
            delimiter,
            date_column: column(&self.date_column),
            amount_column: column(&self.amount_column),
            currency_column: None,
            text_column: column(&self.text_column),
            counterparty_column: (!self.counterparty_column.trim().is_empty())
                .then(|| column(&self.counterparty_column)),
            date_format,
            decimal_comma: self.decimal_comma == "on",
            has_header: true,
        })
    }
}

/// A statement's page: its credits, each with the invoice it was matched to.
#[derive(Clone, Debug)]
pub struct StatementView {
    pub id: String,
    /// (credit, the matched invoice's number and patient)
    pub credits: Vec<(StoredCredit, Option<(String, String)>)>,
    /// The therapist's open invoices, for choosing another match: (id, number, patient, owed).
    pub open: Vec<(String, String, String, i64)>,
    pub currency: String,
}

/// What an import read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub credits: usize,
    pub matched: usize,
    /// Entries an earlier statement already brought.
    pub seen: usize,
}

fn refusal(e: &domain::bank::StatementError) -> AppError {
    AppError::field("file", e.key())
}

impl App {
    /// Reads a statement file and proposes matches. Nothing is paid until the therapist confirms.
    pub async fn import_statement(
        &self,
        actor: &Actor,
        input: &StatementInput,
        bytes: &[u8],
    ) -> AppResult<(String, Imported)> {
        let user = self.therapist_of(actor).await?;
        let currency = self.currency().await?;
        let statement: Statement = match input.format.as_str() {
            "camt" => domain::bank::parse_camt053(bytes).map_err(|e| refusal(&e))?,
            "csv" => {
                let mapping = input.mapping()?;
                domain::bank::parse_csv(bytes, &mapping, &currency).map_err(|e| refusal(&e))?
            }
            _ => return Err(AppError::field("format", "error-choose")),
        };
        if statement.credits.is_empty() {
            return Err(AppError::field("file", "statement-error-no-credits"));
        }
        if statement
            .currency
            .as_deref()
            .is_some_and(|c| !c.eq_ignore_ascii_case(&currency))
            || statement.credits.iter().all(|c| c.currency != currency)
        {
            return Err(AppError::field("file", "statement-error-currency"));
        }
        let sha = hex::encode(sha2::Sha256::digest(bytes));
        let mut tx = self.db().begin().await?;
        let open: Vec<domain::bank::OpenInvoice> =
            store::billing::open_of_therapist(&mut tx, &user.id)
                .await?
                .into_iter()
                .map(|i| domain::bank::OpenInvoice {
                    outstanding_minor: i.outstanding(),
                    number: i.number.clone().unwrap_or_default(),
                    reference: i.reference.clone().unwrap_or_default(),
                    currency: i.currency.clone(),
                    payer_name: i.recipient.lines().next().unwrap_or_default().to_string(),
                    id: i.id,
                })
                .collect();
        let mut fresh = Vec::new();
        let mut done = Imported::default();
        for credit in statement.credits {
            if store::billing::entry_seen(&mut tx, &user.id, &credit.entry_key).await? {
                done.seen += 1;
            } else {
                fresh.push(credit);
            }
        }
        let import = match store::billing::insert_import(
            &mut tx,
            &user.id,
            &sha,
            input.format.as_str(),
            fresh.len(),
            self.now(),
        )
        .await
        {
            Err(store::StoreError::Conflict) => {
                return Err(AppError::field("file", "statement-error-duplicate"))
            }
            other => other?,
        };
        let proposals = domain::bank::propose(&fresh, &open);
        for (i, credit) in fresh.iter().enumerate() {
            let matched = proposals
                .iter()
                .find(|p| p.credit == i)
                .map_or(&Match::None, |p| &p.matched);
            let (invoice, proposal) = match matched {
                Match::Reference { invoice, .. } => (Some(invoice.as_str()), "reference"),
                Match::Amount { invoice } => (Some(invoice.as_str()), "amount"),
                Match::OtherCurrency => (None, "currency"),
                Match::None => (None, "none"),
            };
            if invoice.is_some() {
                done.matched += 1;
            }
            store::billing::insert_credit(&mut tx, &import, i, credit, invoice, proposal).await?;
        }
        done.credits = fresh.len();
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::StatementImport,
            "",
            &import,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok((import, done))
    }

    /// A statement's credits and the open invoices they may be matched to.
    pub async fn statement(&self, actor: &Actor, id: &str) -> AppResult<StatementView> {
        let user = self.therapist_of(actor).await?;
        super::plausible_id(id)?;
        let mut c = self.db().conn().await?;
        let credits = store::billing::credits_of(&mut c, &user.id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        // Payers' names and texts are sealed: reading them is recorded.
        self.audit_in(
            &mut c,
            actor,
            AuditAction::StatementRead,
            "",
            id,
            Outcome::Ok,
        )
        .await?;
        let cases = store::cases::of_therapist(&mut c, &user.id).await?;
        let name = |case: &domain::ids::CaseId| {
            cases
                .iter()
                .find(|k| k.id == *case)
                .map(|k| k.patient.name.clone())
                .unwrap_or_default()
        };
        let mut out = Vec::new();
        for credit in credits {
            let matched = match &credit.invoice {
                Some(i) => store::billing::get(&mut c, i)
                    .await?
                    .map(|i| (i.number.clone().unwrap_or_default(), name(&i.case))),
                None => None,
            };
            out.push((credit, matched));
        }
        let open = store::billing::open_of_therapist(&mut c, &user.id)
            .await?
            .into_iter()
            .map(|i| {
                (
                    i.id.clone(),
                    i.number.clone().unwrap_or_default(),
                    name(&i.case),
                    i.outstanding(),
                )
            })
            .collect();
        Ok(StatementView {
            id: id.to_string(),
            credits: out,
            open,
            currency: self.currency().await?,
        })
    }

    /// Confirms a credit as a payment on `invoice` (the proposed one or another the therapist
    /// chose): the whole amount is recorded, a part payment leaves the rest owing, an
    /// overpayment stays as the patient's credit. Confirming twice pays once.
    pub async fn confirm_credit(
        &self,
        actor: &Actor,
        credit: &str,
        invoice: &str,
    ) -> AppResult<String> {
        let user = self.therapist_of(actor).await?;
        super::plausible_id(credit)?;
        let mut tx = self.db().begin().await?;
        let c = store::billing::credit(&mut tx, &user.id, credit)
            .await?
            .ok_or(AppError::NotFound)?;
        let (target, _) = self
            .invoice_as(&mut tx, actor, invoice, CaseSide::Therapist)
            .await?;
        if target.is_draft() || target.kind != Kind::Invoice {
            return Err(AppError::field("invoice", "error-payment-not-issued"));
        }
        if target.currency != c.currency {
            return Err(AppError::field("invoice", "statement-error-currency"));
        }
        if !store::billing::settle_credit(&mut tx, &c.id, "confirmed", Some(&target.id)).await? {
            return Ok(c.import);
        }
        self.pay_in(
            &mut tx,
            &target,
            c.amount,
            c.booked_on,
            Method::Transfer,
            Some(&format!("statement:{}", c.entry_key)),
            Some(&user),
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::StatementConfirm,
            target.case.as_str(),
            &c.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(c.import)
    }

    /// Sets a credit aside: not a patient's payment.
    pub async fn dismiss_credit(&self, actor: &Actor, credit: &str) -> AppResult<String> {
        let user = self.therapist_of(actor).await?;
        super::plausible_id(credit)?;
        let mut tx = self.db().begin().await?;
        let c = store::billing::credit(&mut tx, &user.id, credit)
            .await?
            .ok_or(AppError::NotFound)?;
        if store::billing::settle_credit(&mut tx, &c.id, "dismissed", None).await? {
            self.audit_in(
                &mut tx,
                actor,
                AuditAction::StatementDismiss,
                "",
                &c.id,
                Outcome::Ok,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(c.import)
    }

    /// The therapist's recent imports: (id, format, credits, when).
    pub async fn statement_imports(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(String, String, i64, jiff::Timestamp)>> {
        let user = self.therapist_of(actor).await?;
        let mut c = self.db().conn().await?;
        Ok(store::billing::imports_of(&mut c, &user.id).await?)
    }
}
