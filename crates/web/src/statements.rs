//! Bank statements: the upload with its column mapping, the credits and their matches, confirmed
//! or set aside one by one.

use crate::error::{WebError, WebResult};
use crate::extract::{Caller, Csrf, CsrfForm, NoFields, Path, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::{i18n, WebState};
use app::billing::statements::StatementInput;
use app::AppError;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

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
