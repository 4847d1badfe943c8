//! A patient's record as files: FHIR R4 JSON and a PDF, for the case's therapist on the case page
//! and for the patient in the portal. The file names carry no name and no clinical word.

use crate::error::WebResult;
use crate::extract::{Caller, Path};
use crate::WebState;
use app::record::{Format, Written};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::ids::CaseId;

fn attachment(w: Written) -> Response {
    (
        [
            (header::CONTENT_TYPE, w.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", w.file_name),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        w.bytes,
    )
        .into_response()
}

async fn case(
    state: WebState,
    actor: app::Actor,
    id: CaseId,
    format: Format,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    Ok(attachment(
        state.app.case_record(&actor, &id, format).await?,
    ))
}

/// GET /admin/cases/{id}/record/fhir
pub async fn case_fhir(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    case(state, actor, id, Format::Fhir).await
}

/// GET /admin/cases/{id}/record/pdf
pub async fn case_pdf(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    case(state, actor, id, Format::Pdf).await
}

/// GET /portal/record/fhir
pub async fn mine_fhir(
    State(state): State<WebState>,
    Caller(actor): Caller,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    Ok(attachment(state.app.my_record(&actor, Format::Fhir).await?))
}

/// GET /portal/record/pdf
pub async fn mine_pdf(State(state): State<WebState>, Caller(actor): Caller) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    Ok(attachment(state.app.my_record(&actor, Format::Pdf).await?))
}
