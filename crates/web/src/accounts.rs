//! Signing in and out, the first-run setup page, and the admin's front page.

use crate::error::{WebError, WebResult};
use crate::extract::Path;
use crate::extract::{signed_in, signed_out, NoFields};
use crate::extract::{Caller, ClientInfo, Csrf, CsrfForm};
use crate::site::render;
use crate::view::{self, Chrome, Form};
use crate::WebState;
use app::accounts::SessionToken;
use app::AppError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ids::SetupToken;
use domain::practice::SetupInput;
use serde::{Deserialize, Serialize};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInTemplate {
    chrome: Chrome,
    form: Form,
    csrf: String,
}

#[derive(Deserialize, Serialize, Default)]
pub struct SignInInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path inside the admin is a place to return to after signing in (no open redirect).
fn safe_next(next: &str) -> &str {
    if next.starts_with("/admin") && !next.starts_with("//") && !next.contains(['\\', '\r', '\n']) {
        next
    } else {
        "/admin"
    }
}

async fn sign_in_page(
    state: &WebState,
    form: Form,
    csrf: String,
    status: StatusCode,
) -> WebResult<Response> {
    let chrome = Chrome::public(state, view::tr("sign-in-heading"), String::new(), None).await;
    Ok((status, Html(render(SignInTemplate { chrome, form, csrf })?)).into_response())
}

pub async fn sign_in_form(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<NextQuery>,
) -> WebResult<Response> {
    if actor
        .role()
        .is_some_and(domain::account::Role::is_therapist)
    {
        return Ok(Redirect::to("/admin").into_response());
    }
    let form = Form::default().with("next", q.next.unwrap_or_default());
    sign_in_page(&state, form, csrf, StatusCode::OK).await
}

fn signed_in_response(state: &WebState, token: &SessionToken, to: &str) -> Response {
    signed_in(state, token, to)
}

pub async fn sign_in(
    State(state): State<WebState>,
    ClientInfo(client): ClientInfo,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<SignInInput>,
) -> WebResult<Response> {
    match state
        .app
        .sign_in(&input.email, &input.password, &client)
        .await
    {
        Ok((token, _)) => {
            let next = safe_next(&input.next);
            let to = if next == "/admin" {
                "/admin/two-factor".to_string()
            } else {
                format!("/admin/two-factor?next={}", view::url_encode(next))
            };
            Ok(signed_in_response(&state, &token, &to))
        }
        Err(e) => {
            let (status, errors) = view::refused(e, Some("email"))?;
            sign_in_page(&state, Form::from_input(&input, errors), csrf, status).await
        }
    }
}

pub async fn sign_out(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.sign_out(&actor).await?;
    Ok(signed_out(&state, "/"))
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupTemplate {
    chrome: Chrome,
    form: Form,
    csrf: String,
    token: SetupToken,
}

async fn setup_page(
    state: &WebState,
    token: SetupToken,
    form: Form,
    csrf: String,
    status: StatusCode,
) -> WebResult<Response> {
    let chrome = Chrome::public(state, view::tr("setup-heading"), String::new(), None).await;
    Ok((
        status,
        Html(render(SetupTemplate {
            chrome,
            form,
            csrf,
            token,
        })?),
    )
        .into_response())
}

pub async fn setup_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    Path(token): Path<SetupToken>,
) -> WebResult<Response> {
    if !state.app.setup_link_usable(&token).await? {
        return Err(WebError(AppError::NotFound));
    }
    setup_page(
        &state,
        token,
        Form::default().with("time_zone", "Europe/London"),
        csrf,
        StatusCode::OK,
    )
    .await
}

pub async fn setup(
    State(state): State<WebState>,
    ClientInfo(client): ClientInfo,
    Csrf(csrf): Csrf,
    Path(token): Path<SetupToken>,
    CsrfForm(input): CsrfForm<SetupInput>,
) -> WebResult<Response> {
    match state.app.complete_setup(&token, &input, &client).await {
        Ok(session) => Ok(signed_in_response(&state, &session, "/admin")),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            setup_page(
                &state,
                token,
                Form::from_input(&input, errors),
                csrf,
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "two_factor.html")]
struct TwoFactorTemplate {
    chrome: Chrome,
    form: Form,
    csrf: String,
    passkeys: bool,
}

#[derive(Deserialize, Serialize, Default)]
pub struct CodeInput {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

async fn two_factor_page(
    state: &WebState,
    actor: &app::Actor,
    form: Form,
    csrf: String,
    status: StatusCode,
) -> WebResult<Response> {
    let chrome = Chrome::public(state, view::tr("two-factor-heading"), String::new(), None).await;
    let passkeys = state.app.passkeys_available() && state.app.passkey_count(actor).await? > 0;
    Ok((
        status,
        Html(render(TwoFactorTemplate {
            chrome,
            form,
            csrf,
            passkeys,
        })?),
    )
        .into_response())
}

/// GET /admin/two-factor: the code page, or the enrolment for someone who has no second factor yet.
pub async fn two_factor_form(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<NextQuery>,
) -> WebResult<Response> {
    if !state.app.totp_enabled(&actor).await? {
        return Ok(Redirect::to("/admin/two-factor/setup").into_response());
    }
    if !actor.needs_second_factor() {
        return Ok(Redirect::to("/admin").into_response());
    }
    two_factor_page(
        &state,
        &actor,
        Form::default().with("next", q.next.unwrap_or_default()),
        csrf,
        StatusCode::OK,
    )
    .await
}

pub async fn two_factor(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<CodeInput>,
) -> WebResult<Response> {
    match state.app.verify_second_factor(&actor, &input.code).await {
        Ok(()) => Ok(Redirect::to(safe_next(&input.next)).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, Some("code"))?;
            two_factor_page(
                &state,
                &actor,
                Form::from_input(
                    &CodeInput {
                        code: String::new(),
                        next: input.next,
                    },
                    errors,
                ),
                csrf,
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "two_factor_setup.html")]
struct EnrolTemplate {
    chrome: Chrome,
    form: Form,
    csrf: String,
    secret: String,
    qr_svg: String,
    codes: Vec<String>,
}

async fn enrol_page(
    state: &WebState,
    actor: &app::Actor,
    form: Form,
    csrf: String,
    status: StatusCode,
) -> WebResult<Response> {
    let enrolment = state.app.totp_enrolment(actor).await?;
    let chrome = Chrome::public(state, view::tr("enrol-heading"), String::new(), None).await;
    let html = render(EnrolTemplate {
        chrome,
        form,
        csrf,
        secret: enrolment.secret,
        qr_svg: enrolment.qr_svg,
        codes: Vec::new(),
    })?;
    Ok((status, Html(html)).into_response())
}

pub async fn enrol_form(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    if state.app.totp_enabled(&actor).await? {
        return Ok(Redirect::to("/admin/two-factor").into_response());
    }
    enrol_page(&state, &actor, Form::default(), csrf, StatusCode::OK).await
}

/// POST /admin/two-factor/setup: the first code confirms the app; the recovery codes are shown once.
pub async fn enrol(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<CodeInput>,
) -> WebResult<Response> {
    match state.app.confirm_totp(&actor, &input.code).await {
        Ok(codes) => {
            let chrome =
                Chrome::public(&state, view::tr("enrol-done-heading"), String::new(), None).await;
            Ok(Html(render(EnrolTemplate {
                chrome,
                form: Form::default(),
                csrf,
                secret: String::new(),
                qr_svg: String::new(),
                codes,
            })?)
            .into_response())
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            enrol_page(
                &state,
                &actor,
                Form::from_input(&CodeInput::default(), errors),
                csrf,
                status,
            )
            .await
        }
    }
}
