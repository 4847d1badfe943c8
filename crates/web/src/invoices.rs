//! An invoice's page: a draft's lines, address and issue; an issued invoice's PDF, payments,
//! receipts and credit note.

use crate::billing::standing_text;
use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm, NoFields, Path, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::{i18n, WebState};
use app::policy::CaseSide;
use app::AppError;
use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::invoice::{Kind, LineInput, PaymentInput};
use serde::Deserialize;

/// A draft's or invoice's line as the page shows it: (line id, date, description, minutes,
/// quantity, unit, amount, creditable).
type LineRow = (String, String, String, String, String, String, String, bool);

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
