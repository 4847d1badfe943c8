//! The group practice's therapists, invitations to join, and everyone's own sessions.

use crate::error::WebResult;
use crate::extract::Path;
use crate::extract::{signed_in, signed_out, NoFields};
use crate::extract::{Caller, ClientInfo, Csrf, CsrfForm};
use crate::site::render;
use crate::view::{self, AdminChrome, Chrome, Form};
use crate::{i18n, WebState};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::account::{InviteInput, User};
use domain::ids::LinkToken;
use serde::{Deserialize, Serialize};

#[derive(Template)]
#[template(path = "admin_team.html")]
struct TeamTemplate {
    chrome: AdminChrome,
    team: Vec<User>,
    form: Form,
    invited: bool,
}

async fn team_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Form,
    invited: bool,
    status: StatusCode,
) -> WebResult<Response> {
    let team = state.app.team(actor).await?;
    let chrome = AdminChrome::new(state, actor, view::tr("admin-team"), "team", csrf).await;
    Ok((
        status,
        Html(render(TeamTemplate {
            chrome,
            team,
            form,
            invited,
        })?),
    )
        .into_response())
}

pub async fn team(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    team_page(&state, &actor, csrf, Form::default(), false, StatusCode::OK).await
}

pub async fn invite(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<InviteInput>,
) -> WebResult<Response> {
    match state.app.invite_therapist(&actor, &input).await {
        Ok(_) => team_page(&state, &actor, csrf, Form::default(), true, StatusCode::OK).await,
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            team_page(
                &state,
                &actor,
                csrf,
                Form::from_input(&input, errors).labelled("name", "field-name-colleague"),
                false,
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "join.html")]
struct JoinTemplate {
    chrome: Chrome,
    form: Form,
    csrf: String,
    token: LinkToken,
    heading: String,
}

async fn join_page(
    state: &WebState,
    token: LinkToken,
    csrf: String,
    form: Form,
    status: StatusCode,
) -> WebResult<Response> {
    let user = state.app.invitation_for(&token).await?;
    let heading = i18n::t_with("join-heading", &[("name", user.name)]);
    let chrome = Chrome::public(state, heading.clone(), String::new(), None).await;
    Ok((
        status,
        Html(render(JoinTemplate {
            chrome,
            form,
            csrf,
            token,
            heading,
        })?),
    )
        .into_response())
}

pub async fn join_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    Path(token): Path<LinkToken>,
) -> WebResult<Response> {
    join_page(&state, token, csrf, Form::default(), StatusCode::OK).await
}

#[derive(Deserialize, Serialize, Default)]
pub struct JoinInput {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

pub async fn join(
    State(state): State<WebState>,
    ClientInfo(client): ClientInfo,
    Csrf(csrf): Csrf,
    Path(token): Path<LinkToken>,
    CsrfForm(input): CsrfForm<JoinInput>,
) -> WebResult<Response> {
    match state
        .app
        .accept_invitation(&token, &input.password, &input.password_again, &client)
        .await
    {
        Ok(session) => Ok(signed_in(&state, &session, "/admin/two-factor/setup")),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            join_page(
                &state,
                token,
                csrf,
                Form::from_input(&input, errors),
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct PortalSessionsTemplate {
    chrome: Chrome,
    sessions: Vec<(app::SessionRow, bool)>,
    csrf: String,
    end_all: &'static str,
    section: &'static str,
    passkeys: bool,
    passkey_text: String,
}

#[derive(Template)]
#[template(path = "admin_sessions.html")]
struct AdminSessionsTemplate {
    chrome: AdminChrome,
    sessions: Vec<(app::SessionRow, bool)>,
    csrf: String,
    end_all: &'static str,
    passkeys: bool,
    passkey_text: String,
}

async fn passkey_text(state: &WebState, actor: &app::Actor) -> WebResult<String> {
    let count = state.app.passkey_count(actor).await?;
    Ok(i18n::t_with(
        "passkeys-count",
        &[("count", count.to_string())],
    ))
}

pub async fn admin_sessions(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let sessions = state.app.my_sessions(&actor).await?;
    let passkey_text = passkey_text(&state, &actor).await?;
    let chrome = AdminChrome::new(
        &state,
        &actor,
        view::tr("sessions-title"),
        "sessions",
        csrf.clone(),
    )
    .await;
    let page = AdminSessionsTemplate {
        chrome,
        sessions,
        csrf,
        end_all: "/admin/sessions/end-all",
        passkeys: state.app.passkeys_available(),
        passkey_text,
    };
    Ok(Html(render(page)?).into_response())
}

pub async fn portal_sessions(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let sessions = state.app.my_sessions(&actor).await?;
    let passkey_text = passkey_text(&state, &actor).await?;
    let chrome = Chrome::public(&state, view::tr("sessions-title"), String::new(), None).await;
    let page = PortalSessionsTemplate {
        chrome,
        sessions,
        csrf,
        end_all: "/portal/sessions/end-all",
        section: "sessions",
        passkeys: state.app.passkeys_available(),
        passkey_text,
    };
    Ok(Html(render(page)?).into_response())
}

/// POST …/sessions/end-all: every session of this person ends, this one too.
pub async fn end_all(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    let patient = actor.role() == Some(domain::account::Role::Patient);
    state.app.sign_out_everywhere(&actor).await?;
    Ok(signed_out(
        &state,
        if patient { "/signin" } else { "/admin/signin" },
    ))
}
