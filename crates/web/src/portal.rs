//! The patient's side: signing in by email link, the portal, messages, profile, data export.

use crate::error::{WebError, WebResult};
use crate::extract::Path;
use crate::extract::{csrf_matches, Caller, ClientInfo, Csrf, CsrfForm};
use crate::extract::{signed_in, signed_out, NoFields, Viewer};
use crate::site::render;
use crate::view::{self, Chrome, Form};
use crate::{i18n, WebState};
use app::messaging::Thread;
use app::AppError;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::account::ProfileInput;
use domain::case::Case;
use domain::ids::LinkToken;
use domain::ids::{AttachmentId, CaseId};
use domain::messaging::Upload;
use domain::FieldErrors;
use serde::{Deserialize, Serialize};

/// What the shared thread partial needs.
pub struct ThreadView {
    pub thread: Thread,
    pub viewer: String,
    pub attachment_base: &'static str,
    pub post_to: String,
    pub csrf: String,
    pub form: Form,
    pub time_zone: String,
}

impl ThreadView {
    /// Whether the case is over: its thread is read, no longer written.
    pub fn over(&self) -> bool {
        domain::ending::is_over(self.thread.case.stage)
    }

    pub fn when(&self, at: &jiff::Timestamp) -> String {
        view::date_time(at, &self.time_zone)
    }

    pub fn t(&self, key: &str) -> String {
        view::tr(key)
    }

    /// The crisis contacts for the case's patient, their country first.
    pub fn crisis_html(&self) -> String {
        view::crisis_html(&self.thread.crisis_contacts)
    }

    /// An attachment's size: "12 KB".
    pub fn kilobytes(&self, bytes: &u64) -> String {
        view::reader(&self.time_zone).kilobytes(*bytes)
    }
}

#[derive(Template)]
#[template(path = "patient_signin.html")]
struct SignInTemplate {
    chrome: Chrome,
    form: Form,
    csrf: String,
    sent: bool,
    passkeys: bool,
}

async fn sign_in_page(
    state: &WebState,
    form: Form,
    csrf: String,
    sent: bool,
    status: StatusCode,
) -> WebResult<Response> {
    let chrome = Chrome::public(
        state,
        view::tr("patient-signin-heading"),
        String::new(),
        None,
    )
    .await;
    Ok((
        status,
        Html(render(SignInTemplate {
            chrome,
            form,
            csrf,
            sent,
            passkeys: state.app.passkeys_available(),
        })?),
    )
        .into_response())
}

pub async fn sign_in_form(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    if actor.role() == Some(domain::account::Role::Patient) {
        return Ok(Redirect::to("/portal").into_response());
    }
    sign_in_page(&state, Form::default(), csrf, false, StatusCode::OK).await
}

#[derive(Deserialize, Serialize, Default)]
pub struct EmailInput {
    #[serde(default)]
    email: String,
}

/// POST /signin: the answer is the same whether or not the address belongs to a patient.
pub async fn request_link(
    State(state): State<WebState>,
    ClientInfo(client): ClientInfo,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<EmailInput>,
) -> WebResult<Response> {
    match state.app.request_magic_link(&input.email, &client).await {
        Ok(()) => sign_in_page(&state, Form::default(), csrf, true, StatusCode::OK).await,
        Err(e) => {
            let (status, errors) = view::refused(e, Some("email"))?;
            sign_in_page(
                &state,
                Form::from_input(&input, errors),
                csrf,
                false,
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "patient_landing.html")]
struct LandingTemplate {
    chrome: Chrome,
    heading: String,
    token: LinkToken,
    csrf: String,
}

/// GET /signin/{token}: asks to confirm, so that a mail scanner following the link does not use it.
pub async fn landing(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    Path(token): Path<LinkToken>,
) -> WebResult<Response> {
    let user = state.app.magic_link_owner(&token).await?;
    let heading = i18n::t_with("landing-heading", &[("name", user.name)]);
    let chrome = Chrome::public(&state, heading.clone(), String::new(), None).await;
    Ok(Html(render(LandingTemplate {
        chrome,
        heading,
        token,
        csrf,
    })?)
    .into_response())
}

pub async fn use_link(
    State(state): State<WebState>,
    ClientInfo(client): ClientInfo,
    Path(token): Path<LinkToken>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    let session = state.app.use_magic_link(&token, &client).await?;
    Ok(signed_in(&state, &session, "/portal"))
}

pub async fn sign_out(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.sign_out(&actor).await?;
    Ok(signed_out(&state, "/signin"))
}

#[derive(Template)]
#[template(path = "portal_home.html")]
struct HomeTemplate {
    chrome: Chrome,
    heading: String,
    cases: Vec<Case>,
    /// (room address, when in the patient's zone, with whom, appointment id)
    appointments: Vec<(String, String, String, String)>,
    /// "From 29 March your session is at 19:00 your time."
    time_changes: Vec<String>,
    csrf: String,
    section: &'static str,
    documents: crate::agreements::PortalDocuments,
    questionnaires: Vec<crate::intake::PortalItem>,
    /// (therapist, the summary they shared after the first session)
    summaries: Vec<(String, String)>,
    /// "3 sessions left before our ending on 12 March 2027", one line per planned ending.
    endings: Vec<String>,
    /// "An invoice is open: 90.00 EUR", when something is owed.
    owed: String,
}

impl HomeTemplate {
    fn unread_label(&self, n: &u64) -> String {
        i18n::t_with("portal-unread", &[("count", n.to_string())])
    }
}

pub async fn home(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let cases = state.app.my_cases(&actor).await?;
    let viewer = Viewer::of(&actor);
    let appointments = state
        .app
        .my_appointments(&actor)
        .await?
        .into_iter()
        .take(8)
        .map(|a| {
            (
                format!("/rooms/{}", a.appointment),
                viewer.with_zone_name(&viewer.date_time(&a.start)),
                a.therapist,
                a.appointment,
            )
        })
        .collect();
    let time_changes = state
        .app
        .series_time_changes(&actor)
        .await?
        .into_iter()
        .map(|c| {
            i18n::t_with(
                "portal-time-change",
                &[
                    ("date", viewer.civil_date(c.local.date())),
                    ("time", c.local.time().strftime("%H:%M").to_string()),
                ],
            )
        })
        .collect();
    let billing = state.app.portal_billing(&actor).await?;
    let owed = if billing.balance > 0 {
        i18n::t_with(
            "portal-owed",
            &[("amount", viewer.money(billing.balance, &billing.currency))],
        )
    } else {
        String::new()
    };
    let name = actor.user().map(|u| u.name.clone()).unwrap_or_default();
    let heading = i18n::t_with("portal-welcome", &[("name", name)]);
    let chrome = Chrome::public(&state, view::tr("portal-title"), String::new(), None).await;
    let documents = crate::agreements::portal_documents(&state, &actor).await?;
    let questionnaires = crate::intake::portal_items(&state, &actor).await?;
    let mut summaries = Vec::new();
    let mut endings = Vec::new();
    for c in &cases {
        if let Some(text) = state.app.shared_summary(&actor, &c.id).await? {
            summaries.push((c.therapist.name.clone(), text));
        }
        if let Some(e) = state.app.my_planned_ending(&actor, &c.id).await? {
            endings.push(i18n::t_with(
                "portal-ending",
                &[
                    ("count", e.sessions_left.to_string()),
                    ("date", viewer.civil_date(e.last_day)),
                    ("name", c.therapist.name.clone()),
                ],
            ));
        }
    }
    Ok(Html(render(HomeTemplate {
        summaries,
        endings,
        owed,
        chrome,
        heading,
        cases,
        appointments,
        time_changes,
        csrf,
        section: "home",
        documents,
        questionnaires,
    })?)
    .into_response())
}

#[derive(Template)]
#[template(path = "portal_messages.html")]
struct MessagesTemplate {
    chrome: Chrome,
    heading: String,
    tv: Option<ThreadView>,
    csrf: String,
    section: &'static str,
}

#[derive(Deserialize)]
pub struct CaseQuery {
    case: Option<String>,
}

async fn messages_page(
    state: &WebState,
    actor: &app::Actor,
    case: Option<CaseId>,
    csrf: String,
    form: Form,
    status: StatusCode,
) -> WebResult<Response> {
    let cases = state.app.my_cases(actor).await?;
    let chosen = match case {
        Some(id) => Some(id),
        None => cases.first().map(|c| c.id.clone()),
    };
    let tv = match chosen {
        Some(id) => {
            let thread = state.app.thread(actor, &id).await?;
            let post_to = format!("/portal/messages?case={id}");
            Some(ThreadView {
                viewer: actor.user().map(|u| u.id.to_string()).unwrap_or_default(),
                attachment_base: "/portal/attachments/",
                post_to,
                csrf: csrf.clone(),
                form,
                time_zone: actor
                    .user()
                    .map(|u| u.time_zone.clone())
                    .unwrap_or_default(),
                thread,
            })
        }
        None => None,
    };
    let heading = match &tv {
        Some(tv) => i18n::t_with(
            "messages-with",
            &[("name", tv.thread.case.therapist.name.clone())],
        ),
        None => view::tr("portal-messages"),
    };
    let chrome = Chrome::public(state, view::tr("portal-messages"), String::new(), None).await;
    Ok((
        status,
        Html(render(MessagesTemplate {
            chrome,
            heading,
            tv,
            csrf,
            section: "messages",
        })?),
    )
        .into_response())
}

pub async fn messages(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<CaseQuery>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let case = q
        .case
        .as_deref()
        .map(|raw| CaseId::parse(raw).ok_or(WebError(AppError::NotFound)))
        .transpose()?;
    messages_page(&state, &actor, case, csrf, Form::default(), StatusCode::OK).await
}

/// A message form as posted: its text and at most one file, after the CSRF token was checked.
pub(crate) struct Posted {
    pub body: String,
    pub upload: Option<Upload>,
    /// The file was larger than the upload limit, so it was not read.
    pub too_large: bool,
}

impl Posted {
    /// The text as typed, with the error for a file that was too large to read.
    pub fn refused_file(&self) -> Form {
        let mut errors = FieldErrors::default();
        errors.add("attachment", "error-attachment-too-large");
        Form::from_input(&serde_json::json!({ "body": self.body }), errors)
    }
}

/// Reads a multipart message form; `csrf` must come first.
pub(crate) async fn read_message_form(
    multipart: Result<Multipart, MultipartRejection>,
    csrf: &Csrf,
) -> WebResult<Posted> {
    let Ok(mut multipart) = multipart else {
        return Err(WebError(AppError::Forbidden));
    };
    let mut token_ok = false;
    let mut posted = Posted {
        body: String::new(),
        upload: None,
        too_large: false,
    };
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf") => token_ok = csrf_matches(field.text().await.ok().as_deref(), csrf),
            Some("body") if token_ok => posted.body = field.text().await.unwrap_or_default(),
            Some("attachment") if token_ok => {
                let file_name = field.file_name().unwrap_or("attachment").to_string();
                // Past the upload limit the body stops here; what was typed is kept for the form.
                let Ok(bytes) = field.bytes().await else {
                    posted.too_large = true;
                    break;
                };
                posted.upload = Some(Upload {
                    file_name,
                    bytes: bytes.to_vec(),
                });
            }
            _ => {}
        }
    }
    if !token_ok {
        return Err(WebError(AppError::Forbidden));
    }
    Ok(posted)
}

pub async fn send(
    State(state): State<WebState>,
    Caller(actor): Caller,
    csrf: Csrf,
    Query(q): Query<CaseQuery>,
    multipart: Result<Multipart, MultipartRejection>,
) -> WebResult<Response> {
    let posted = read_message_form(multipart, &csrf).await?;
    state.app.enter_portal(&actor).await?;
    let case = match q.case.as_deref() {
        Some(raw) => CaseId::parse(raw).ok_or(WebError(AppError::NotFound))?,
        None => state
            .app
            .my_cases(&actor)
            .await?
            .first()
            .map(|c| c.id.clone())
            .ok_or(WebError(AppError::NotFound))?,
    };
    if posted.too_large {
        let form = posted.refused_file();
        return messages_page(
            &state,
            &actor,
            Some(case),
            csrf.0,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state
        .app
        .send_message(&actor, &case, &posted.body, posted.upload)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/portal/messages?case={case}")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&serde_json::json!({ "body": posted.body }), errors);
            messages_page(&state, &actor, Some(case), csrf.0, form, status).await
        }
    }
}

/// An attachment, as a download (never shown inline: its bytes are the sender's).
pub(crate) async fn attachment_response(
    state: &WebState,
    actor: &app::Actor,
    id: &AttachmentId,
) -> WebResult<Response> {
    let app::messaging::Attachment {
        file_name: name,
        content_type: kind,
        bytes,
    } = state.app.attachment(actor, id).await?;
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_ ".contains(*c))
        .collect();
    let disposition = format!(
        "attachment; filename=\"{}\"",
        if safe.is_empty() { "attachment" } else { &safe }
    );
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".into()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn attachment(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<AttachmentId>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    attachment_response(&state, &actor, &id).await
}

#[derive(Template)]
#[template(path = "portal_profile.html")]
struct ProfileTemplate {
    chrome: Chrome,
    form: Form,
    csrf: String,
    saved: bool,
    section: &'static str,
    languages: &'static [(&'static str, &'static str)],
    countries: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn profile_page(
    state: &WebState,
    form: Form,
    csrf: String,
    saved: bool,
    status: StatusCode,
) -> WebResult<Response> {
    let chrome = Chrome::public(state, view::tr("portal-profile"), String::new(), None).await;
    Ok((
        status,
        Html(render(ProfileTemplate {
            chrome,
            form,
            csrf,
            saved,
            section: "profile",
            languages: domain::account::LANGUAGES,
            countries: crate::practice::country_options(),
        })?),
    )
        .into_response())
}

pub async fn profile(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<SavedQuery>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let p = state.app.profile(&actor).await?;
    profile_page(
        &state,
        Form::from_input(&p, FieldErrors::default()),
        csrf,
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

pub async fn update_profile(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<ProfileInput>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    match state.app.update_profile(&actor, &input).await {
        Ok(()) => Ok(Redirect::to("/portal/profile?saved=1").into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            profile_page(
                &state,
                Form::from_input(&input, errors),
                csrf,
                false,
                status,
            )
            .await
        }
    }
}

/// GET /portal/export: everything held about the patient that they may see, as one JSON file.
pub async fn export(State(state): State<WebState>, Caller(actor): Caller) -> WebResult<Response> {
    let data = state.app.export_my_data(&actor).await?;
    let body = serde_json::to_string_pretty(&data)
        .map_err(|e| WebError(AppError::internal("writing the export", e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"my-data.json\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response())
}

/// POST /portal/appointments/{id}/manage: the patient moves or cancels one of their sessions on
/// the same page (and under the same notice rules) as the link in their confirmation.
pub async fn manage(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<domain::ids::AppointmentId>,
    crate::extract::CsrfForm(_): crate::extract::CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let token = state.app.manage_own(&actor, id.as_str()).await?;
    Ok(axum::response::Redirect::to(&format!("/booking/{token}")).into_response())
}
