//! The practice's details and crisis contacts, edited by the owner.

use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::WebState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::practice::{Details, DetailsInput};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin_practice.html")]
struct PracticeTemplate {
    chrome: AdminChrome,
    form: Form,
    saved: bool,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn form_of(d: &Details) -> Form {
    let input = DetailsInput {
        name: d.name.clone(),
        tagline: d.tagline.clone(),
        owner_name: d.owner_name.clone(),
        email: d.email.clone(),
        phone: d.phone.clone(),
        time_zone: d.time_zone.clone(),
        crisis_contacts: d.crisis_contacts.clone(),
        home_intro: d.home_intro.clone(),
        message_policy: d.message_policy.clone(),
        support_contact: d.support_contact.clone(),
    };
    Form::from_input(&input, Default::default())
}

async fn page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Form,
    saved: bool,
    status: StatusCode,
) -> WebResult<Response> {
    let chrome = AdminChrome::new(state, actor, view::tr("admin-practice"), "practice", csrf).await;
    Ok((
        status,
        Html(render(PracticeTemplate {
            chrome,
            form,
            saved,
        })?),
    )
        .into_response())
}

pub async fn form(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<SavedQuery>,
) -> WebResult<Response> {
    let details = state.app.practice_for_editing(&actor).await?;
    page(
        &state,
        &actor,
        csrf,
        form_of(&details),
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<DetailsInput>,
) -> WebResult<Response> {
    match state.app.update_practice(&actor, &input).await {
        Ok(_) => Ok(Redirect::to("/admin/practice?saved=1").into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            page(
                &state,
                &actor,
                csrf,
                Form::from_input(&input, errors),
                false,
                status,
            )
            .await
        }
    }
}
