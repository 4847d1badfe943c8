//! The therapy agreement's pages: the therapist's template (preview, versions), sending and
//! countersigning on the case page, the patient's reading and signing in the portal, and a
//! printable copy for both.

use crate::error::WebResult;
use crate::extract::Path;
use crate::extract::{Caller, ClientInfo, Csrf, CsrfForm, NoFields, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Chrome, Form};
use crate::{i18n, WebState};
use app::agreements::Opened;
use app::i18n::Reader;
use app::AppError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::agreement::{self as rules, SendInput, SignInput, Standing, Status, TemplateInput};
use domain::ids::AgreementId;
use domain::ids::CaseId;
use domain::FieldErrors;
use serde::Deserialize;

/// "2 March 2026, 14:05 (Europe/Athens)": when something happened to an agreement.
fn when(at: &jiff::Timestamp, viewer: &Reader) -> String {
    viewer.with_zone_name(&viewer.date_time(at))
}

/// The agreement's text as HTML, its headings one level down: the page's own title is the `h1`.
fn text_html(text: &str) -> String {
    let mut html = domain::markdown::to_html(text);
    for level in (1..=5).rev() {
        html = html
            .replace(&format!("<h{level}>"), &format!("<h{}>", level + 1))
            .replace(&format!("</h{level}>"), &format!("</h{}>", level + 1));
    }
    html
}

fn status_text(status: Status) -> String {
    view::tr(&format!("agreement-status-{}", status.as_str()))
}

// ---- The therapist's template ----

#[derive(Template)]
#[template(path = "admin_agreement.html")]
struct EditorTemplate {
    chrome: AdminChrome,
    form: Form,
    /// The message next to the text field (it names unknown placeholders).
    body_error: String,
    placeholders: String,
    preview: Option<String>,
    /// (version, saved at, text)
    versions: Vec<(i64, String, String)>,
    notice: Option<String>,
}

async fn editor_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Form,
    preview: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let editor = state.app.agreement_editor(actor).await?;
    let chrome =
        AdminChrome::new(state, actor, view::tr("agreement-title"), "agreement", csrf).await;
    let unknown = rules::unknown_placeholders(form.value("body"));
    let body_error = if form.has_error("body") && !unknown.is_empty() {
        i18n::t_with(
            "agreement-unknown-placeholders",
            &[("names", braced(unknown.iter().map(String::as_str)))],
        )
    } else {
        form.error("body")
    };
    let versions = editor
        .versions
        .iter()
        .map(|v| {
            (
                v.version,
                chrome.when(&v.created_at),
                v.template.body.clone(),
            )
        })
        .collect();
    let page = EditorTemplate {
        placeholders: braced(rules::known_placeholders().into_iter()),
        chrome,
        form,
        body_error,
        preview,
        versions,
        notice,
    };
    Ok((status, Html(render(page)?)).into_response())
}

fn braced<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("{{{n}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Deserialize)]
pub struct EditorQuery {
    saved: Option<String>,
    sent: Option<String>,
    unchanged: Option<String>,
}

/// GET /admin/agreement: the template, its terms, and every saved version.
pub async fn editor(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<EditorQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let input = state.app.agreement_editor(&actor).await?.input;
    let saved = q.saved.and_then(|v| v.parse::<i64>().ok());
    let notice = match (saved, q.unchanged) {
        (_, Some(_)) => Some(view::tr("agreement-unchanged")),
        (Some(version), None) => {
            let count: usize = q.sent.and_then(|n| n.parse().ok()).unwrap_or(0);
            let key = match count {
                0 => "agreement-saved-none",
                1 => "agreement-saved-one",
                _ => "agreement-saved-many",
            };
            let args = [
                ("version", version.to_string()),
                ("count", count.to_string()),
            ];
            Some(i18n::t_with(key, &args))
        }
        _ => None,
    };
    let form = Form::from_input(&input, FieldErrors::default());
    editor_page(&state, &actor, csrf, form, None, notice, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct EditorPost {
    #[serde(flatten)]
    input: TemplateInput,
    #[serde(default)]
    intent: String,
}

/// POST /admin/agreement: a preview of what was typed, or a new version.
pub async fn save(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(post): CsrfForm<EditorPost>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let outcome = if post.intent == "preview" {
        let patient = view::tr("agreement-preview-patient");
        match state
            .app
            .preview_agreement(&actor, &post.input, &patient)
            .await
        {
            Ok(text) => {
                let form = Form::from_input(&post.input, FieldErrors::default());
                let html = text_html(&text);
                return editor_page(&state, &actor, csrf, form, Some(html), None, StatusCode::OK)
                    .await;
            }
            Err(e) => e,
        }
    } else {
        match state.app.save_agreement_template(&actor, &post.input).await {
            Ok(saved) if saved.unchanged => {
                return Ok(Redirect::to("/admin/agreement?unchanged=1").into_response())
            }
            Ok(saved) => {
                let to = format!(
                    "/admin/agreement?saved={}&sent={}",
                    saved.version, saved.sent
                );
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => e,
        }
    };
    match outcome {
        AppError::Invalid(errors) => {
            let form = Form::from_input(&post.input, errors);
            editor_page(
                &state,
                &actor,
                csrf,
                form,
                None,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        e => Err(e.into()),
    }
}

// ---- The case page's section ----

/// One agreement of a case, as its table row shows it.
pub struct CaseRow {
    pub id: String,
    pub version: i64,
    pub status: String,
    pub sent: String,
    pub signed: String,
    pub countersigned: String,
    pub can_countersign: bool,
}

/// The agreement section of the therapist's case page.
pub struct CaseSection {
    pub standing: String,
    pub rows: Vec<CaseRow>,
    pub sent_before: bool,
    pub fee_hint: String,
    pub frequency_hint: String,
    /// The sending form filled with this person's own terms; `None` when the page shows what
    /// was just typed (with its errors) in the page's form instead.
    pub form: Option<Form>,
}

impl CaseSection {
    pub fn form_or<'a>(&'a self, page: &'a Form) -> &'a Form {
        self.form.as_ref().unwrap_or(page)
    }
}

pub(crate) async fn case_section(
    state: &WebState,
    actor: &app::Actor,
    id: &domain::ids::CaseId,
    page: &Form,
) -> WebResult<CaseSection> {
    let c = state.app.case_agreements(actor, id).await?;
    let viewer = Viewer::of(actor);
    let version = |key: &str, v: i64| i18n::t_with(key, &[("version", v.to_string())]);
    let standing = match c.standing {
        Standing::None => view::tr("agreement-standing-none"),
        Standing::AskedToSign {
            version: v,
            renewal,
        } => version(
            if renewal {
                "agreement-standing-renewal"
            } else {
                "agreement-standing-sent"
            },
            v,
        ),
        Standing::Signed {
            version: v,
            countersigned,
        } => version(
            if countersigned {
                "agreement-standing-countersigned"
            } else {
                "agreement-standing-signed"
            },
            v,
        ),
    };
    let rows = c
        .agreements
        .iter()
        .map(|a| CaseRow {
            id: a.id.to_string(),
            version: a.version,
            status: status_text(a.status()),
            sent: when(&a.sent_at, &viewer),
            signed: a.signed_at.map(|t| when(&t, &viewer)).unwrap_or_default(),
            countersigned: a
                .countersigned_at
                .map(|t| when(&t, &viewer))
                .unwrap_or_default(),
            can_countersign: a.status() == Status::Signed,
        })
        .collect::<Vec<_>>();
    let typed = page.has_error("agreement_fee") || page.has_error("agreement_frequency");
    let form = (!typed).then(|| {
        let own = SendInput {
            agreement_fee: c.overrides.fee.clone().unwrap_or_default(),
            agreement_frequency: c.overrides.frequency.clone().unwrap_or_default(),
        };
        Form::from_input(&own, FieldErrors::default())
    });
    Ok(CaseSection {
        form,
        standing,
        sent_before: !rows.is_empty(),
        rows,
        fee_hint: i18n::t_with("hint-agreement-fee", &[("fee", c.terms.fee)]),
        frequency_hint: i18n::t_with(
            "hint-agreement-frequency",
            &[("frequency", c.terms.frequency)],
        ),
    })
}

/// POST /admin/cases/{id}/agreement: sends the newest version to this patient.
pub async fn send(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(input): CsrfForm<SendInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.send_agreement(&actor, &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/cases/{id}#agreement")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            crate::cases::case_page(
                &state,
                &actor,
                &id,
                csrf,
                Form::from_input(&input, errors),
                status,
            )
            .await
        }
    }
}

/// POST /admin/agreements/{id}/countersign
pub async fn countersign(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<AgreementId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let case = state.app.countersign_agreement(&actor, &id).await?;
    Ok(Redirect::to(&format!("/admin/cases/{case}#agreement")).into_response())
}

// ---- The printable copy ----

#[derive(Template)]
#[template(path = "agreement_print.html")]
struct PrintTemplate {
    lang: &'static str,
    css: &'static str,
    title: String,
    back: String,
    facts: Vec<(String, String)>,
    html: String,
    sha256: String,
}

impl PrintTemplate {
    fn t(&self, key: &str) -> String {
        view::tr(key)
    }
}

fn print_page(opened: &Opened, viewer: &Reader, back: String) -> WebResult<Response> {
    let a = &opened.agreement;
    let info = &a.info;
    let mut facts = vec![
        (
            view::tr("agreement-between"),
            opened.case.patient.name.clone(),
        ),
        (
            view::tr("agreement-and"),
            opened.case.therapist.name.clone(),
        ),
        (view::tr("agreement-version"), info.version.to_string()),
        (view::tr("agreement-state"), status_text(info.status())),
        (view::tr("agreement-sent"), when(&info.sent_at, viewer)),
    ];
    if let Some(at) = info.signed_at {
        facts.push((view::tr("agreement-signed"), when(&at, viewer)));
        let typed = a.signer_name.clone().unwrap_or_default();
        facts.push((view::tr("agreement-signed-as"), typed));
        let from = format!(
            "{} · {}",
            a.signer_address.clone().unwrap_or_default(),
            a.signer_agent.clone().unwrap_or_default()
        );
        facts.push((view::tr("agreement-signed-from"), from));
    }
    if let Some(at) = info.countersigned_at {
        let by = a.countersigned_by.clone().unwrap_or_default();
        facts.push((
            view::tr("agreement-countersigned"),
            format!("{} · {by}", when(&at, viewer)),
        ));
    }
    if let Some(at) = info.withdrawn_at {
        facts.push((view::tr("agreement-withdrawn"), when(&at, viewer)));
    }
    let page = PrintTemplate {
        lang: i18n::lang().tag(),
        css: crate::assets::stylesheet(),
        title: i18n::t_with(
            "agreement-print-title",
            &[("version", info.version.to_string())],
        ),
        back,
        facts,
        html: text_html(&a.text),
        sha256: info.sha256.clone(),
    };
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        Html(render(page)?),
    )
        .into_response())
}

/// GET /admin/agreements/{id}/print: the therapist's copy.
pub async fn admin_print(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<AgreementId>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let opened = state.app.agreement(&actor, &id).await?;
    let back = format!("/admin/cases/{}#agreement", opened.case.id);
    print_page(&opened, &Viewer::of(&actor), back)
}

/// GET /portal/agreements/{id}/print: the patient's copy.
pub async fn portal_print(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<AgreementId>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let opened = state.app.agreement(&actor, &id).await?;
    print_page(
        &opened,
        &Viewer::of(&actor),
        format!("/portal/agreements/{id}"),
    )
}

// ---- The patient's side ----

/// The portal's list of documents.
pub struct DocumentLink {
    pub href: String,
    pub title: String,
    pub state: String,
    pub to_sign: bool,
}

/// What the portal's front page shows of the patient's agreements.
pub struct PortalDocuments {
    pub items: Vec<DocumentLink>,
    /// "A new version of our agreement is ready to sign", or "an agreement is ready to sign".
    /// With the address of the agreement to sign.
    pub notice: Option<(String, String)>,
}

pub(crate) async fn portal_documents(
    state: &WebState,
    actor: &app::Actor,
) -> WebResult<PortalDocuments> {
    let viewer = Viewer::of(actor);
    let documents = state.app.my_agreements(actor).await?;
    let notice = documents
        .iter()
        .find(|d| d.info.status() == Status::Open)
        .map(|d| {
            let text = view::tr(if d.renewal {
                "agreement-renewal-ready"
            } else {
                "agreement-ready"
            });
            (text, format!("/portal/agreements/{}", d.info.id))
        });
    let items = documents
        .iter()
        .filter(|d| d.info.status() != Status::Withdrawn)
        .map(|d| {
            let version = d.info.version.to_string();
            let state = match (d.info.status(), d.info.signed_at) {
                (Status::Open, _) => view::tr("agreement-to-sign"),
                (_, Some(at)) => {
                    i18n::t_with("agreement-signed-on", &[("date", when(&at, &viewer))])
                }
                _ => status_text(d.info.status()),
            };
            DocumentLink {
                href: format!("/portal/agreements/{}", d.info.id),
                title: i18n::t_with(
                    "agreement-document",
                    &[("version", version), ("name", d.therapist.clone())],
                ),
                state,
                to_sign: d.info.status() == Status::Open,
            }
        })
        .collect();
    Ok(PortalDocuments { items, notice })
}

#[derive(Template)]
#[template(path = "portal_agreement.html")]
struct ReadTemplate {
    chrome: Chrome,
    csrf: String,
    section: &'static str,
    heading: String,
    id: String,
    html: String,
    sha256: String,
    /// Open for signing.
    open: bool,
    /// Set when the agreement was signed (who and when, in the patient's words).
    signed_note: Option<String>,
    just_signed: bool,
    /// The agreement that replaced this unsigned one.
    newer: Option<String>,
    name_hint: String,
    form: Form,
}

async fn read_page(
    state: &WebState,
    actor: &app::Actor,
    id: &AgreementId,
    csrf: String,
    form: Form,
    just_signed: bool,
    status: StatusCode,
) -> WebResult<Response> {
    let opened = state.app.agreement(actor, id).await?;
    let a = &opened.agreement;
    let viewer = Viewer::of(actor);
    let heading = i18n::t_with(
        "agreement-heading-version",
        &[("version", a.info.version.to_string())],
    );
    let signed_note = a.info.signed_at.map(|at| {
        i18n::t_with(
            "agreement-you-signed",
            &[
                ("date", when(&at, &viewer)),
                ("name", a.signer_name.clone().unwrap_or_default()),
            ],
        )
    });
    let chrome = Chrome::public(state, heading.clone(), String::new(), None).await;
    let page = ReadTemplate {
        chrome,
        csrf,
        section: "home",
        heading,
        id: id.to_string(),
        html: text_html(&a.text),
        sha256: a.info.sha256.clone(),
        open: a.info.status() == Status::Open,
        signed_note,
        just_signed,
        newer: opened
            .newer
            .as_ref()
            .map(|n| format!("/portal/agreements/{n}")),
        name_hint: i18n::t_with(
            "hint-agreement-name",
            &[("name", opened.case.patient.name.clone())],
        ),
        form,
    };
    Ok((
        status,
        [(header::CACHE_CONTROL, "private, no-store")],
        Html(render(page)?),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ReadQuery {
    signed: Option<String>,
}

/// GET /portal/agreements/{id}: the text, and the signing form while it is open.
pub async fn read(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<AgreementId>,
    Query(q): Query<ReadQuery>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    read_page(
        &state,
        &actor,
        &id,
        csrf,
        Form::default(),
        q.signed.is_some(),
        StatusCode::OK,
    )
    .await
}

/// POST /portal/agreements/{id}: signs exactly the text whose hash the page carried.
pub async fn sign(
    State(state): State<WebState>,
    Caller(actor): Caller,
    ClientInfo(client): ClientInfo,
    Csrf(csrf): Csrf,
    Path(id): Path<AgreementId>,
    CsrfForm(input): CsrfForm<SignInput>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    match state.app.sign_agreement(&actor, &id, &input, &client).await {
        Ok(()) => Ok(Redirect::to(&format!("/portal/agreements/{id}?signed=1")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let kept = SignInput {
                sha256: String::new(),
                ..input
            };
            let form = Form::from_input(&kept, errors);
            read_page(&state, &actor, &id, csrf, form, false, status).await
        }
    }
}
