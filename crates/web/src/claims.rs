//! The pages of billing in the United States: a case's details for insurers and its Good Faith
//! Estimates (on the case's billing page), the superbill of an issued invoice, and both in the
//! portal. The app answers "not found" outside the US, so these routes do too.

use crate::billing::{case_billing_page, Typed};
use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm, Path};
use crate::invoices::pdf_response;
use crate::view::{self, Form};
use crate::WebState;
use app::policy::CaseSide;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use domain::claims::{ClaimsInput, EstimateInput};
use domain::ids::CaseId;

/// POST /admin/cases/{id}/billing/claims
pub async fn save_claims(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(form): CsrfForm<ClaimsInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.save_case_claims(&actor, &id, &form).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/cases/{id}/billing#claims-heading")).into_response())
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let typed = Typed::Claims(Form::from_input(&form, errors));
            case_billing_page(&state, &actor, &id, csrf, typed, status).await
        }
    }
}

/// POST /admin/cases/{id}/billing/estimates
pub async fn issue_estimate(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(form): CsrfForm<EstimateInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.issue_estimate(&actor, &id, &form).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/admin/cases/{id}/billing#estimates-heading")).into_response(),
        ),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let typed = Typed::Estimate(Form::from_input(&form, errors));
            case_billing_page(&state, &actor, &id, csrf, typed, status).await
        }
    }
}

/// GET /admin/billing/invoices/{id}/superbill
pub async fn superbill(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let (name, bytes) = state
        .app
        .superbill_pdf(&actor, &id, CaseSide::Therapist)
        .await?;
    Ok(pdf_response(&name, bytes))
}

/// GET /admin/billing/estimates/{id}
pub async fn estimate(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let (name, bytes) = state
        .app
        .estimate_pdf(&actor, &id, CaseSide::Therapist)
        .await?;
    Ok(pdf_response(&name, bytes))
}

/// GET /portal/invoices/{id}/superbill
pub async fn portal_superbill(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let (name, bytes) = state
        .app
        .superbill_pdf(&actor, &id, CaseSide::Patient)
        .await?;
    Ok(pdf_response(&name, bytes))
}

/// GET /portal/estimates/{id}
pub async fn portal_estimate(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let (name, bytes) = state
        .app
        .estimate_pdf(&actor, &id, CaseSide::Patient)
        .await?;
    Ok(pdf_response(&name, bytes))
}
