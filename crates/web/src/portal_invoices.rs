//! The patient's invoices in the portal (PDFs, receipts, what is still to pay, paying online) and
//! the payment provider's webhook.

use crate::billing::standing_text;
use crate::error::{WebError, WebResult};
use crate::extract::{Caller, Csrf, CsrfForm, NoFields, Path, Viewer};
use crate::invoices::pdf_response;
use crate::site::render;
use crate::view::{self, Chrome};
use crate::{i18n, WebState};
use app::policy::CaseSide;
use app::AppError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::invoice::Kind;
use serde::Deserialize;

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
            let owes = if i.kind == Kind::Invoice
                && domain::invoice::standing(i.total, i.credited, i.paid).owes()
            {
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
