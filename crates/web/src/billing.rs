//! Billing's pages: the therapist's overview and run, the billing profile, a draft's lines and
//! its issue, an issued invoice's payments and credit note, bank statements, the accountant's
//! file, a case's fee; the patient's invoices in the portal; the payment provider's webhook.

use crate::error::{WebError, WebResult};
use crate::extract::{Caller, Csrf, CsrfForm, NoFields, Path, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Chrome, Form};
use crate::{i18n, WebState};
use app::billing::statements::StatementInput;
use app::billing::Invoice;
use app::policy::CaseSide;
use app::AppError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ids::CaseId;
use domain::invoice::{Kind, LineInput, PaymentInput, ProfileInput};
use jiff::civil::Date;
use serde::Deserialize;

/// A draft's or invoice's line as the page shows it: (line id, date, description, minutes,
/// quantity, unit, amount, creditable).
type LineRow = (String, String, String, String, String, String, String, bool);
/// A statement's credit: (credit id, date, payer, text, amount, proposal, state, matched invoice).
type CreditRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);
/// A portal document: (id, title, date, amount, standing, pdf, receipts, how to pay what is still
/// owed — empty when nothing is).
type PortalRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Vec<(String, String)>,
    String,
);

/// One document as a list shows it: (page, number or "draft", patient, date, amount, standing).
type Row = (String, String, String, String, String, String);

fn standing_text(i: &Invoice) -> String {
    if i.is_draft() {
        return view::tr("billing-standing-draft");
    }
    if i.kind == Kind::CreditNote {
        return view::tr("billing-standing-credit-note");
    }
    view::tr(&format!(
        "billing-standing-{}",
        domain::invoice::standing(i.total, i.credited, i.paid).as_str()
    ))
}

fn row(r: &app::i18n::format::Reader, i: &Invoice, patient: &str, base: &str) -> Row {
    (
        format!("{base}/{}", i.id),
        i.number
            .clone()
            .unwrap_or_else(|| view::tr("billing-draft")),
        patient.to_string(),
        r.civil_date(i.issued_on.unwrap_or(i.period.0)),
        r.money(
            if i.kind == Kind::CreditNote {
                -i.total
            } else {
                i.total
            },
            &i.currency,
        ),
        standing_text(i),
    )
}

#[derive(Template)]
#[template(path = "admin_billing.html")]
struct OverviewPage {
    chrome: AdminChrome,
    notice: String,
    profile_complete: bool,
    form: Form,
    drafts: Vec<Row>,
    issued: Vec<Row>,
    /// (month, invoiced, received)
    months: Vec<(String, String, String)>,
    totals: (String, String, String, String),
    /// (case billing page, patient, balance)
    balances: Vec<(String, String, String)>,
    year: i16,
    export_from: String,
    export_to: String,
    /// (statement page, when, credits)
    imports: Vec<(String, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct OverviewQuery {
    year: Option<i16>,
    drafts: Option<usize>,
    sessions: Option<usize>,
    nofee: Option<usize>,
}

async fn overview_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    q: OverviewQuery,
    form: Option<Form>,
    status: StatusCode,
) -> WebResult<Response> {
    let o = state.app.billing_overview(actor, q.year).await?;
    let r = Viewer::of(actor);
    let money = |v: i64| r.money(v, &o.currency);
    let notice = match (q.drafts, q.sessions) {
        (Some(d), Some(s)) => {
            let mut text = i18n::t_with(
                "billing-prepared",
                &[("drafts", d.to_string()), ("sessions", s.to_string())],
            );
            if q.nofee.unwrap_or(0) > 0 {
                text.push(' ');
                text.push_str(&view::tr("billing-prepared-nofee"));
            }
            text
        }
        _ => String::new(),
    };
    let months = o
        .months
        .iter()
        .filter(|(_, i, p)| *i != 0 || *p != 0)
        .map(|(m, i, p)| (view::tr(&format!("month-{m}")), money(*i), money(*p)))
        .collect();
    let imports = state
        .app
        .statement_imports(actor)
        .await?
        .into_iter()
        .map(|(id, _, n, at)| {
            (
                format!("/admin/billing/statements/{id}"),
                r.date(&at),
                n.to_string(),
            )
        })
        .collect();
    let run_month = o.run_month.strftime("%Y-%m").to_string();
    let page = OverviewPage {
        chrome: AdminChrome::new(state, actor, view::tr("billing-title"), "billing", csrf).await,
        notice,
        profile_complete: o.profile_complete,
        form: form
            .unwrap_or_else(|| Form::default().with("month", run_month))
            .labelled("month", "field-billing-month"),
        drafts: o
            .drafts
            .iter()
            .map(|(i, n)| row(&r, i, n, "/admin/billing/invoices"))
            .collect(),
        issued: o
            .issued
            .iter()
            .map(|(i, n)| row(&r, i, n, "/admin/billing/invoices"))
            .collect(),
        months,
        totals: (
            money(o.invoiced_year),
            money(o.received_year),
            money(o.outstanding),
            money(o.overdue),
        ),
        balances: o
            .balances
            .iter()
            .map(|(c, n, b)| (format!("/admin/cases/{c}/billing"), n.clone(), money(*b)))
            .collect(),
        year: o.year,
        export_from: format!("{}-01-01", o.year),
        export_to: format!("{}-12-31", o.year),
        imports,
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /admin/billing
pub async fn overview(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<OverviewQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    overview_page(&state, &actor, csrf, q, None, StatusCode::OK).await
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct RunForm {
    #[serde(default)]
    month: String,
}

/// POST /admin/billing/run: drafts for a month's sessions.
pub async fn run(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(form): CsrfForm<RunForm>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let month = format!("{}-01", form.month.trim()).parse::<Date>();
    let result = match month {
        Ok(m) => state.app.prepare_invoices(&actor, m).await,
        Err(_) => Err(AppError::field("month", "error-billing-month")),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!(
            "/admin/billing?drafts={}&sessions={}&nofee={}",
            p.drafts, p.sessions, p.without_fee
        ))
        .into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let typed = Form::from_input(&form, errors);
            overview_page(
                &state,
                &actor,
                csrf,
                OverviewQuery::default(),
                Some(typed),
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_billing_profile.html")]
struct ProfilePage {
    chrome: AdminChrome,
    form: Form,
    /// The practice's currency, for its owner to change (`None`: not the owner).
    currency: Option<Form>,
    papers: Vec<(String, String)>,
    cadences: Vec<(String, String)>,
    saved: bool,
}

async fn profile_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Option<Form>,
    currency: Option<Form>,
    saved: bool,
    status: StatusCode,
) -> WebResult<Response> {
    let currency = if app::policy::can(actor, app::policy::Action::ManagePractice)
        == app::policy::Decision::Allow
    {
        let current = state.app.currency().await?;
        Some(
            currency
                .unwrap_or_else(|| Form::default().with("currency", current))
                .labelled("currency", "field-currency"),
        )
    } else {
        None
    };
    let form = match form {
        Some(f) => f,
        None => {
            let input = state.app.billing_profile(actor).await?.map_or_else(
                || ProfileInput {
                    payment_days: "14".into(),
                    paper: "a4".into(),
                    cadence: "monthly".into(),
                    ..ProfileInput::default()
                },
                |p| ProfileInput::from(&p),
            );
            Form::from_input(&input, domain::FieldErrors::default())
        }
    };
    let form = [
        "issuer",
        "address",
        "tax_id",
        "registration",
        "country",
        "account_holder",
        "iban",
        "bic",
        "exemption",
        "payment_days",
        "paper",
        "cadence",
        "reminder_days",
        "number_prefix",
    ]
    .into_iter()
    .fold(form, |f, name| {
        f.labelled(name, &format!("field-billing-{name}"))
    });
    let page = ProfilePage {
        chrome: AdminChrome::new(
            state,
            actor,
            view::tr("billing-profile-title"),
            "billing",
            csrf,
        )
        .await,
        form,
        currency,
        papers: ["a4", "letter"]
            .into_iter()
            .map(|p| (p.to_string(), view::tr(&format!("billing-paper-{p}"))))
            .collect(),
        cadences: ["monthly", "per_session"]
            .into_iter()
            .map(|p| (p.to_string(), view::tr(&format!("billing-cadence-{p}"))))
            .collect(),
        saved,
    };
    Ok((status, Html(render(page)?)).into_response())
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<u8>,
}

/// GET /admin/billing/profile
pub async fn profile(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<SavedQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    profile_page(
        &state,
        &actor,
        csrf,
        None,
        None,
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

/// POST /admin/billing/profile
pub async fn save_profile(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<ProfileInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.save_billing_profile(&actor, &input).await {
        Ok(()) => Ok(Redirect::to("/admin/billing/profile?saved=1").into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            profile_page(
                &state,
                &actor,
                csrf,
                Some(Form::from_input(&input, errors)),
                None,
                false,
                status,
            )
            .await
        }
    }
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct CurrencyForm {
    #[serde(default)]
    currency: String,
}

/// POST /admin/billing/currency: the practice's currency (the owner's).
pub async fn set_currency(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<CurrencyForm>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.set_currency(&actor, &input.currency).await {
        Ok(()) => Ok(Redirect::to("/admin/billing/profile?saved=1").into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let typed = Form::from_input(&input, errors);
            profile_page(&state, &actor, csrf, None, Some(typed), false, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_invoice.html")]
struct InvoicePage {
    chrome: AdminChrome,
    id: String,
    draft: bool,
    is_invoice: bool,
    case_link: String,
    patient: String,
    facts: Vec<(String, String)>,
    /// (line id, date, description, minutes, quantity, unit, amount, creditable)
    lines: Vec<LineRow>,
    total: String,
    recipient: String,
    /// (when, method, amount, receipt link)
    payments: Vec<(String, String, String, String)>,
    /// (page, number, kind)
    related: Vec<(String, String, String)>,
    may_issue: bool,
    may_credit: bool,
    /// A US practice's issued invoice: the superbill link.
    superbill: bool,
    /// The form with errors and which one it is (`line:{id}`, `add`, `recipient`, `issue`,
    /// `payment`, `credit`), or none.
    form: Form,
    which: String,
    methods: Vec<(String, String)>,
}

impl InvoicePage {
    fn form_for(&self, which: &str) -> &Form {
        static EMPTY: std::sync::OnceLock<Form> = std::sync::OnceLock::new();
        if self.which == which {
            &self.form
        } else {
            EMPTY.get_or_init(Form::default)
        }
    }
}

async fn invoice_page(
    state: &WebState,
    actor: &app::Actor,
    id: &str,
    csrf: String,
    which: &str,
    form: Form,
    status: StatusCode,
) -> WebResult<Response> {
    let v = state.app.invoice(actor, id, CaseSide::Therapist).await?;
    let r = Viewer::of(actor);
    let i = &v.invoice;
    let money = |x: i64| r.money(x, &i.currency);
    let mut facts = Vec::new();
    if let Some(n) = &i.number {
        facts.push((view::tr("billing-pdf-number"), n.clone()));
    }
    if let Some(d) = i.issued_on {
        facts.push((view::tr("billing-pdf-date"), r.civil_date(d)));
    }
    if let Some(d) = i.due_on {
        if i.kind == Kind::Invoice {
            facts.push((view::tr("billing-pdf-due"), r.civil_date(d)));
        }
    }
    if let Some(reference) = &i.reference {
        facts.push((
            view::tr("billing-pdf-reference"),
            domain::bank::print_groups(reference),
        ));
    }
    facts.push((
        view::tr("billing-pdf-period"),
        r.range(&r.civil_date(i.period.0), &r.civil_date(i.period.1)),
    ));
    if let Some(s) = v.standing {
        facts.push((view::tr("billing-standing"), standing_text(i)));
        if s.owes() {
            facts.push((view::tr("billing-outstanding"), money(i.outstanding())));
        }
    }
    let lines = i
        .lines
        .iter()
        .map(|(lid, l)| {
            (
                lid.clone(),
                // A draft's line is edited in a date field; an issued one is read.
                if i.is_draft() {
                    l.service_date.to_string()
                } else {
                    r.civil_date(l.service_date)
                },
                l.description.clone(),
                if l.minutes == 0 {
                    String::new()
                } else {
                    l.minutes.to_string()
                },
                l.quantity.to_string(),
                domain::money::plain(l.unit_minor, domain::money::minor_digits(&i.currency)),
                money(l.amount().unwrap_or(0)),
                v.creditable.contains(lid),
            )
        })
        .collect();
    let payments = v
        .payments
        .iter()
        .map(|p| {
            (
                r.civil_date(p.received_on),
                view::tr(&format!("billing-method-{}", p.method.as_str())),
                money(p.amount),
                if p.has_receipt {
                    format!("/admin/billing/receipts/{}", p.id)
                } else {
                    String::new()
                },
            )
        })
        .collect();
    let related = v
        .related
        .iter()
        .map(|o| {
            (
                format!("/admin/billing/invoices/{}", o.id),
                o.number
                    .clone()
                    .unwrap_or_else(|| view::tr("billing-draft")),
                view::tr(&format!("billing-kind-{}", o.kind.as_str())),
            )
        })
        .collect();
    let title = match (i.kind, &i.number) {
        (Kind::Invoice, Some(n)) => i18n::t_with("billing-invoice-title", &[("number", n.clone())]),
        (Kind::CreditNote, Some(n)) => {
            i18n::t_with("billing-credit-note-title", &[("number", n.clone())])
        }
        _ => view::tr("billing-draft-title"),
    };
    let form = [
        "date",
        "description",
        "minutes",
        "quantity",
        "unit",
        "recipient",
        "amount",
        "received_on",
        "method",
    ]
    .into_iter()
    .fold(form, |f, name| {
        f.labelled(name, &format!("field-invoice-{name}"))
    });
    // A line's fields are `unit-{line}`: the summary must lead there, not to the new line's form.
    let form = match which.strip_prefix("line:") {
        Some(line) => form.anchored(&format!("-{line}")),
        None => form,
    };
    let page = InvoicePage {
        chrome: AdminChrome::new(state, actor, title, "billing", csrf).await,
        id: i.id.clone(),
        draft: i.is_draft(),
        is_invoice: i.kind == Kind::Invoice,
        case_link: format!("/admin/cases/{}/billing", v.case.id),
        patient: v.case.patient.name.clone(),
        facts,
        lines,
        total: money(i.total),
        recipient: i.recipient.clone(),
        payments,
        related,
        may_issue: v.may_issue,
        may_credit: !v.creditable.is_empty(),
        superbill: v.superbill,
        form,
        which: which.to_string(),
        methods: domain::invoice::Method::BY_HAND
            .iter()
            .map(|m| {
                (
                    m.as_str().to_string(),
                    view::tr(&format!("billing-method-{}", m.as_str())),
                )
            })
            .collect(),
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /admin/billing/invoices/{id}
pub async fn invoice(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<String>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    invoice_page(
        &state,
        &actor,
        &id,
        csrf,
        "",
        Form::default(),
        StatusCode::OK,
    )
    .await
}

/// Answers a form on the invoice page: back to the page, or the page with the form's errors.
async fn after(
    state: &WebState,
    actor: &app::Actor,
    id: &str,
    csrf: String,
    which: &str,
    typed: Form,
    result: Result<(), AppError>,
) -> WebResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/billing/invoices/{id}")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            invoice_page(
                state,
                actor,
                id,
                csrf,
                which,
                typed.with_errors(errors),
                status,
            )
            .await
        }
    }
}

/// POST /admin/billing/invoices/{id}/lines/{line}
pub async fn edit_line(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path((id, line)): Path<(String, String)>,
    CsrfForm(input): CsrfForm<LineInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let result = state
        .app
        .edit_invoice_line(&actor, &id, &line, &input)
        .await;
    let typed = Form::from_input(&input, domain::FieldErrors::default());
    after(
        &state,
        &actor,
        &id,
        csrf,
        &format!("line:{line}"),
        typed,
        result,
    )
    .await
}

/// POST /admin/billing/invoices/{id}/lines/{line}/remove
pub async fn remove_line(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path((id, line)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    state.app.remove_invoice_line(&actor, &id, &line).await?;
    Ok(Redirect::to(&format!("/admin/billing/invoices/{id}")).into_response())
}

/// POST /admin/billing/invoices/{id}/lines
pub async fn add_line(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<LineInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let result = state.app.add_invoice_line(&actor, &id, &input).await;
    let typed = Form::from_input(&input, domain::FieldErrors::default());
    after(&state, &actor, &id, csrf, "add", typed, result).await
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct RecipientForm {
    #[serde(default)]
    recipient: String,
}

/// POST /admin/billing/invoices/{id}/recipient
pub async fn recipient(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<RecipientForm>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let result = state
        .app
        .set_invoice_recipient(&actor, &id, &input.recipient)
        .await;
    let typed = Form::from_input(&input, domain::FieldErrors::default());
    after(&state, &actor, &id, csrf, "recipient", typed, result).await
}

/// POST /admin/billing/invoices/{id}/issue
pub async fn issue(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let result = state.app.issue_invoice(&actor, &id).await.map(|_| ());
    after(&state, &actor, &id, csrf, "issue", Form::default(), result).await
}

/// POST /admin/billing/invoices/{id}/discard
pub async fn discard(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    state.app.discard_invoice(&actor, &id).await?;
    Ok(Redirect::to("/admin/billing").into_response())
}

/// POST /admin/billing/invoices/{id}/payments
pub async fn payment(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<PaymentInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let result = state.app.record_payment(&actor, &id, &input).await;
    let typed = Form::from_input(&input, domain::FieldErrors::default());
    after(&state, &actor, &id, csrf, "payment", typed, result).await
}

/// POST /admin/billing/invoices/{id}/credit: the lines ticked (`line` repeated).
pub async fn credit(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let lines: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k == "line")
        .map(|(_, v)| v)
        .collect();
    if lines.is_empty() {
        return after(
            &state,
            &actor,
            &id,
            csrf,
            "credit",
            Form::default(),
            Err(AppError::field("lines", "error-credit-lines")),
        )
        .await;
    }
    match state.app.credit_invoice(&actor, &id, &lines).await {
        Ok(note) => Ok(Redirect::to(&format!("/admin/billing/invoices/{note}")).into_response()),
        Err(e) => after(&state, &actor, &id, csrf, "credit", Form::default(), Err(e)).await,
    }
}

pub(crate) fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// GET /admin/billing/invoices/{id}/pdf
pub async fn pdf(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let (name, bytes) = state
        .app
        .invoice_pdf(&actor, &id, CaseSide::Therapist)
        .await?;
    Ok(pdf_response(&name, bytes))
}

/// GET /admin/billing/receipts/{id}
pub async fn receipt(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let (name, bytes) = state
        .app
        .receipt_pdf(&actor, &id, CaseSide::Therapist)
        .await?;
    Ok(pdf_response(&name, bytes))
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// GET /admin/billing/export.csv?from=…&to=…
pub async fn export(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Query(q): Query<ExportQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let today = Viewer::of(&actor).local_date(&state.app.now());
    let from = q
        .from
        .parse::<Date>()
        .unwrap_or_else(|_| Date::new(today.year(), 1, 1).unwrap_or(today));
    let to = q.to.parse::<Date>().unwrap_or(today);
    let csv = state.app.accountant_csv(&actor, from, to).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"billing-{from}-{to}.csv\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        csv,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "admin_case_billing.html")]
struct CaseBillingPage {
    chrome: AdminChrome,
    case_id: String,
    form: Form,
    fee_hint: String,
    documents: Vec<Row>,
    balance: String,
    /// The "For insurers" section, for a practice in the United States only.
    us: Option<UsSection>,
    /// (code, text) of the places of service.
    places: Vec<(String, String)>,
}

/// The case page's "For insurers" section: the details form, the estimate form, the estimates.
struct UsSection {
    claims: Form,
    estimate: Form,
    /// (link, date, total) of the estimates given, newest first.
    estimates: Vec<(String, String, String)>,
}

/// Which of the case billing page's forms comes back with what was typed.
pub(crate) enum Typed {
    Nothing,
    Terms(Form),
    Claims(Form),
    Estimate(Form),
}

fn us_section(
    r: &app::i18n::format::Reader,
    c: app::billing::claims::CaseClaims,
    fee: Option<i64>,
    typed: &mut Typed,
) -> UsSection {
    let digits = domain::money::minor_digits(&c.currency);
    let claims = match std::mem::replace(typed, Typed::Nothing) {
        Typed::Claims(f) => f,
        other => {
            *typed = other;
            Form::from_input(
                &domain::claims::ClaimsInput::from(&c.claims),
                domain::FieldErrors::default(),
            )
        }
    };
    let estimate = match std::mem::replace(typed, Typed::Nothing) {
        Typed::Estimate(f) => f,
        other => {
            *typed = other;
            let fee = fee
                .map(|f| domain::money::plain(f, digits))
                .unwrap_or_default();
            Form::default()
                .with("code_1", "90791")
                .with("fee_1", fee.clone())
                .with("sessions_1", "1")
                .with("code_2", "90837")
                .with("fee_2", fee)
                .with("period_from", c.today.to_string())
                .with(
                    "period_to",
                    domain::claims::longest_period_end(c.today).to_string(),
                )
        }
    };
    let estimate = (1..=domain::claims::SERVICES_MAX).fold(estimate, |f, n| {
        f.labelled(&format!("code_{n}"), "field-estimate-code")
            .labelled(&format!("fee_{n}"), "field-estimate-fee")
            .labelled(&format!("sessions_{n}"), "field-estimate-sessions")
    });
    UsSection {
        claims,
        estimate,
        estimates: c
            .estimates
            .iter()
            .map(|e| {
                (
                    format!("/admin/billing/estimates/{}", e.id),
                    r.date(&e.created_at),
                    r.money(e.total, &c.currency),
                )
            })
            .collect(),
    }
}

/// The places of service a US superbill may name: (code, text).
fn place_options() -> Vec<(String, String)> {
    domain::claims::Place::ALL
        .iter()
        .map(|p| {
            (
                p.code().to_string(),
                view::tr(&format!("claims-place-{}", p.code())),
            )
        })
        .collect()
}

pub(crate) async fn case_billing_page(
    state: &WebState,
    actor: &app::Actor,
    id: &CaseId,
    csrf: String,
    mut typed: Typed,
    status: StatusCode,
) -> WebResult<Response> {
    let b = state.app.case_billing(actor, id).await?;
    let r = Viewer::of(actor);
    let us = state
        .app
        .case_claims(actor, id)
        .await?
        .map(|c| us_section(&r, c, b.terms.fee.or(b.type_fee), &mut typed));
    let form = match typed {
        Typed::Terms(f) => Some(f),
        _ => None,
    };
    let digits = domain::money::minor_digits(&b.currency);
    let form = form
        .unwrap_or_else(|| {
            Form::default()
                .with(
                    "fee",
                    b.terms
                        .fee
                        .map(|f| domain::money::plain(f, digits))
                        .unwrap_or_default(),
                )
                .with("recipient", b.terms.recipient.clone())
        })
        .labelled("fee", "field-case-fee")
        .labelled("recipient", "field-case-recipient");
    let fee_hint = match (b.agreed_fee, b.type_fee) {
        (Some(f), _) => i18n::t_with("hint-case-fee-agreed", &[("fee", r.money(f, &b.currency))]),
        (None, Some(f)) => i18n::t_with("hint-case-fee", &[("fee", r.money(f, &b.currency))]),
        (None, None) => view::tr("hint-case-fee-none"),
    };
    let page = CaseBillingPage {
        chrome: AdminChrome::new(
            state,
            actor,
            i18n::t_with("billing-case-title", &[("name", b.patient.clone())]),
            "billing",
            csrf,
        )
        .await,
        case_id: id.to_string(),
        form,
        fee_hint,
        documents: b
            .invoices
            .iter()
            .map(|i| row(&r, i, &b.patient, "/admin/billing/invoices"))
            .collect(),
        balance: r.money(b.balance, &b.currency),
        us,
        places: place_options(),
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /admin/cases/{id}/billing
pub async fn case_billing(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    case_billing_page(&state, &actor, &id, csrf, Typed::Nothing, StatusCode::OK).await
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct TermsForm {
    #[serde(default)]
    fee: String,
    #[serde(default)]
    recipient: String,
}

/// POST /admin/cases/{id}/billing
pub async fn save_terms(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(form): CsrfForm<TermsForm>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state
        .app
        .save_case_terms(&actor, &id, &form.fee, &form.recipient)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/cases/{id}/billing")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            case_billing_page(
                &state,
                &actor,
                &id,
                csrf,
                Typed::Terms(Form::from_input(&form, errors)),
                status,
            )
            .await
        }
    }
}

/// POST /admin/cases/{id}/billing/new: an empty draft for this case.
pub async fn new_invoice(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<CaseId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let invoice = state.app.new_invoice(&actor, &id).await?;
    Ok(Redirect::to(&format!("/admin/billing/invoices/{invoice}")).into_response())
}

#[derive(Template)]
#[template(path = "admin_statement.html")]
struct StatementPage {
    chrome: AdminChrome,
    /// The upload form (when no statement is shown).
    form: Form,
    formats: Vec<(String, String)>,
    date_formats: Vec<(String, String)>,
    delimiters: Vec<(String, String)>,
    /// (credit id, date, payer, text, amount, proposal text, state, matched invoice id)
    credits: Vec<CreditRow>,
    /// (invoice id, "0007 · Mara J. · 90.00 EUR")
    open: Vec<(String, String)>,
    summary: String,
}

/// GET /admin/billing/statements: the upload form.
pub async fn statements(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let form = Form::default()
        .with("format", "camt")
        .with("delimiter", ";")
        .with("date_format", "dmy");
    upload_page(&state, &actor, csrf, form, StatusCode::OK).await
}

async fn upload_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Form,
    status: StatusCode,
) -> WebResult<Response> {
    let form = [
        "file",
        "format",
        "delimiter",
        "date_column",
        "amount_column",
        "text_column",
        "counterparty_column",
        "date_format",
    ]
    .into_iter()
    .fold(form, |f, n| f.labelled(n, &format!("field-statement-{n}")));
    let opts = |list: &[&str], prefix: &str| {
        list.iter()
            .map(|k| {
                (
                    k.to_string(),
                    view::tr(&format!(
                        "{prefix}-{}",
                        if *k == ";" {
                            "semicolon"
                        } else if *k == "," {
                            "comma"
                        } else {
                            k
                        }
                    )),
                )
            })
            .collect()
    };
    let page = StatementPage {
        chrome: AdminChrome::new(state, actor, view::tr("statement-title"), "billing", csrf).await,
        form,
        formats: opts(&["camt", "csv"], "statement-format"),
        date_formats: opts(&["dmy", "iso", "mdy"], "statement-date"),
        delimiters: opts(&[";", ",", "tab"], "statement-delimiter"),
        credits: Vec::new(),
        open: Vec::new(),
        summary: String::new(),
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// POST /admin/billing/statements (multipart: the file and the mapping).
pub async fn import(
    State(state): State<WebState>,
    Caller(actor): Caller,
    csrf: Csrf,
    multipart: Result<Multipart, MultipartRejection>,
) -> WebResult<Response> {
    let Ok(mut multipart) = multipart else {
        return Err(WebError(AppError::Forbidden));
    };
    let mut token_ok = false;
    let mut input = StatementInput::default();
    let mut bytes: Option<Vec<u8>> = None;
    let mut too_large = false;
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        if name == "csrf" {
            token_ok = crate::extract::csrf_matches(field.text().await.ok().as_deref(), &csrf);
            continue;
        }
        if !token_ok {
            continue;
        }
        if name == "file" {
            match field.bytes().await {
                Ok(b) => bytes = Some(b.to_vec()),
                Err(_) => {
                    too_large = true;
                    break;
                }
            }
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "format" => input.format = value,
            "delimiter" => input.delimiter = value,
            "date_column" => input.date_column = value,
            "amount_column" => input.amount_column = value,
            "text_column" => input.text_column = value,
            "counterparty_column" => input.counterparty_column = value,
            "date_format" => input.date_format = value,
            "decimal_comma" => input.decimal_comma = value,
            _ => {}
        }
    }
    if !token_ok {
        return Err(WebError(AppError::Forbidden));
    }
    state.app.enter_admin(&actor).await?;
    let result = match (too_large, bytes) {
        (true, _) => Err(AppError::field("file", "statement-error-too-large")),
        (false, Some(b)) if !b.is_empty() => state.app.import_statement(&actor, &input, &b).await,
        _ => Err(AppError::field("file", "statement-error-no-file")),
    };
    match result {
        Ok((id, done)) => Ok(Redirect::to(&format!(
            "/admin/billing/statements/{id}?credits={}&matched={}&seen={}",
            done.credits, done.matched, done.seen
        ))
        .into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            upload_page(
                &state,
                &actor,
                csrf.0,
                Form::from_input(&input, errors),
                status,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct StatementQuery {
    credits: Option<usize>,
    matched: Option<usize>,
    seen: Option<usize>,
}

/// GET /admin/billing/statements/{id}
pub async fn statement(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<String>,
    Query(q): Query<StatementQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let v = state.app.statement(&actor, &id).await?;
    let r = Viewer::of(&actor);
    let credits = v
        .credits
        .iter()
        .map(|(c, matched)| {
            let proposal = match (c.proposal.as_str(), matched) {
                ("reference", Some((n, p))) => i18n::t_with(
                    "statement-proposal-reference",
                    &[("number", n.clone()), ("name", p.clone())],
                ),
                ("amount", Some((n, p))) => i18n::t_with(
                    "statement-proposal-amount",
                    &[("number", n.clone()), ("name", p.clone())],
                ),
                ("currency", _) => view::tr("statement-proposal-currency"),
                _ => view::tr("statement-proposal-none"),
            };
            (
                c.id.clone(),
                r.civil_date(c.booked_on),
                c.counterparty.clone(),
                c.remittance.clone(),
                r.money(c.amount, &c.currency),
                proposal,
                c.state.clone(),
                c.invoice.clone().unwrap_or_default(),
            )
        })
        .collect();
    let open = v
        .open
        .iter()
        .map(|(id, n, p, owed)| {
            (
                id.clone(),
                format!("{n} · {p} · {}", r.money(*owed, &v.currency)),
            )
        })
        .collect();
    let summary = match (q.credits, q.matched) {
        (Some(c), Some(m)) => i18n::t_with(
            "statement-summary",
            &[
                ("credits", c.to_string()),
                ("matched", m.to_string()),
                ("seen", q.seen.unwrap_or(0).to_string()),
            ],
        ),
        _ => String::new(),
    };
    let page = StatementPage {
        chrome: AdminChrome::new(
            &state,
            &actor,
            view::tr("statement-review-title"),
            "billing",
            csrf,
        )
        .await,
        form: Form::default(),
        formats: Vec::new(),
        date_formats: Vec::new(),
        delimiters: Vec::new(),
        credits,
        open,
        summary,
    };
    Ok(Html(render(page)?).into_response())
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    invoice: String,
}

/// POST /admin/billing/credits/{id}/confirm
pub async fn confirm_credit(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let import = state.app.confirm_credit(&actor, &id, &form.invoice).await?;
    Ok(Redirect::to(&format!("/admin/billing/statements/{import}")).into_response())
}

/// POST /admin/billing/credits/{id}/dismiss
pub async fn dismiss_credit(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let import = state.app.dismiss_credit(&actor, &id).await?;
    Ok(Redirect::to(&format!("/admin/billing/statements/{import}")).into_response())
}

#[derive(Template)]
#[template(path = "portal_invoices.html")]
struct PortalInvoicesPage {
    chrome: Chrome,
    csrf: String,
    section: &'static str,
    /// (id, title, date, amount, standing, pdf link, receipts, owes)
    documents: Vec<PortalRow>,
    balance: String,
    online: bool,
    notice: String,
    error: String,
    /// The invoices that have a superbill (a US practice's).
    superbills: Vec<String>,
    /// (link, date, total) of the Good Faith Estimates given.
    estimates: Vec<(String, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct PortalQuery {
    paid: Option<u8>,
}

async fn portal_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    notice: String,
    error: String,
    status: StatusCode,
) -> WebResult<Response> {
    let b = state.app.portal_billing(actor).await?;
    let claims = state.app.portal_claims(actor).await?;
    let r = Viewer::of(actor);
    let documents = b
        .documents
        .iter()
        .map(|(i, payments)| {
            let kind = view::tr(&format!("billing-kind-{}", i.kind.as_str()));
            let owes = if i.kind == Kind::Invoice && i.outstanding() > 0 {
                i18n::t_with(
                    "portal-invoice-to-pay",
                    &[
                        ("amount", r.money(i.outstanding(), &i.currency)),
                        ("due", i.due_on.map(|d| r.civil_date(d)).unwrap_or_default()),
                        (
                            "reference",
                            domain::bank::print_groups(i.reference.as_deref().unwrap_or_default()),
                        ),
                    ],
                )
            } else {
                String::new()
            };
            (
                i.id.clone(),
                format!("{kind} {}", i.number.clone().unwrap_or_default()),
                r.civil_date(i.issued_on.unwrap_or(i.period.0)),
                r.money(i.total, &i.currency),
                standing_text(i),
                format!("/portal/invoices/{}/pdf", i.id),
                payments
                    .iter()
                    .filter(|p| p.has_receipt)
                    .map(|p| {
                        (
                            format!("/portal/receipts/{}", p.id),
                            i18n::t_with(
                                "billing-receipt-link",
                                &[
                                    ("date", r.civil_date(p.received_on)),
                                    ("amount", r.money(p.amount, &p.currency)),
                                ],
                            ),
                        )
                    })
                    .collect(),
                owes,
            )
        })
        .collect();
    let page = PortalInvoicesPage {
        chrome: Chrome::public(state, view::tr("portal-invoices"), String::new(), None).await,
        csrf,
        section: "invoices",
        documents,
        balance: match b.balance {
            0 => view::tr("portal-invoices-settled"),
            owed if owed > 0 => i18n::t_with(
                "portal-invoices-balance",
                &[("amount", r.money(owed, &b.currency))],
            ),
            credit => i18n::t_with(
                "portal-invoices-credit",
                &[("amount", r.money(-credit, &b.currency))],
            ),
        },
        online: b.online,
        notice,
        error,
        superbills: claims.superbills,
        estimates: claims
            .estimates
            .iter()
            .map(|e| {
                (
                    format!("/portal/estimates/{}", e.id),
                    r.date(&e.created_at),
                    r.money(e.total, &claims.currency),
                )
            })
            .collect(),
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /portal/invoices
pub async fn portal(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<PortalQuery>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let notice = if q.paid.is_some() {
        view::tr("billing-online-thanks")
    } else {
        String::new()
    };
    portal_page(&state, &actor, csrf, notice, String::new(), StatusCode::OK).await
}

/// GET /portal/invoices/{id}/pdf
pub async fn portal_pdf(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let (name, bytes) = state
        .app
        .invoice_pdf(&actor, &id, CaseSide::Patient)
        .await?;
    Ok(pdf_response(&name, bytes))
}

/// GET /portal/receipts/{id}
pub async fn portal_receipt(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let (name, bytes) = state
        .app
        .receipt_pdf(&actor, &id, CaseSide::Patient)
        .await?;
    Ok(pdf_response(&name, bytes))
}

/// POST /portal/invoices/{id}/pay: to the payment provider's checkout.
pub async fn pay(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    match state.app.pay_online(&actor, &id).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(AppError::Invalid(e)) => {
            let key = e
                .iter()
                .next()
                .map_or("billing-online-unavailable", |f| f.message);
            portal_page(
                &state,
                &actor,
                csrf,
                String::new(),
                view::tr(key),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(WebError(e)),
    }
}

/// POST /payments/stripe/webhook: the provider's signed event, read as raw bytes. A refused
/// signature answers 400; a delivery seen before, 200 (the provider stops retrying); a failure to
/// record it, 500 (the provider retries).
pub async fn stripe_webhook(
    State(state): State<WebState>,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<Response> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match state.app.stripe_webhook(signature, &body).await {
        Ok(_) => Ok(StatusCode::OK.into_response()),
        Err(AppError::Invalid(_)) => Ok(StatusCode::BAD_REQUEST.into_response()),
        Err(e) => Err(WebError(e)),
    }
}
