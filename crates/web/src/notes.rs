//! A session's note, for the case's therapist: written in a template, signed once complete, then
//! read-only with dated addenda; the private process notes beside it. And the therapist's own
//! headings, a template of their own.

use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm, Path, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::{i18n, WebState};
use app::notes::NoteView;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ids::AppointmentId;
use domain::notes::{NoteInput, OwnHeadingsInput, Template as NoteTemplate, SECTION_FIELDS};
use domain::FieldErrors;
use serde::Deserialize;

/// One section of the note: its field, its heading, its text.
struct Section {
    field: &'static str,
    heading: String,
    text: String,
}

struct AddendumLine {
    when: String,
    author: String,
    text: String,
}

#[derive(Template)]
#[template(path = "admin_note.html")]
struct NotePage {
    chrome: AdminChrome,
    v: NoteView,
    when: String,
    sections: Vec<Section>,
    signed_line: String,
    addenda: Vec<AddendumLine>,
    /// The templates to start an empty note with: (value, name, chosen).
    templates: Vec<(&'static str, String, bool)>,
    /// Whether the therapist has headings of their own (the page offers to define them if not).
    has_own: bool,
    form: Form,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct NoteQuery {
    /// The template an empty note starts with.
    template: Option<String>,
    saved: Option<String>,
}

async fn note_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    id: &AppointmentId,
    form: Option<Form>,
    q: NoteQuery,
    status: StatusCode,
) -> WebResult<Response> {
    let v = state.app.session_note(actor, id.as_str()).await?;
    let r = Viewer::of(actor);
    let when = format!(
        "{}, {}",
        r.weekday(v.start.to_zoned(r.zone().clone()).date()),
        r.range(&r.time(&v.start), &r.time(&v.end))
    );
    let template = match &v.note {
        Some(n) => n.body.template(),
        None => q
            .template
            .as_deref()
            .and_then(NoteTemplate::parse)
            .filter(|t| *t != NoteTemplate::Own || v.own.is_some())
            .unwrap_or_default(),
    };
    let headings = heading_texts(&v, template);
    let stored: Vec<String> = v
        .note
        .as_ref()
        .map(|n| n.body.sections.clone())
        .unwrap_or_default();
    let form = form.unwrap_or_else(|| {
        let mut f = Form::default().with("template", template.as_str());
        for (i, field) in SECTION_FIELDS.iter().enumerate() {
            f = f.with(field, stored.get(i).cloned().unwrap_or_default());
        }
        f.with(
            "process",
            v.note
                .as_ref()
                .map(|n| n.process.clone())
                .unwrap_or_default(),
        )
    });
    let sections = headings
        .into_iter()
        .zip(SECTION_FIELDS)
        .enumerate()
        .map(|(i, (heading, field))| Section {
            field,
            heading,
            text: stored.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    let signed_line = match v.note.as_ref().and_then(|n| n.signed_at.map(|at| (at, n))) {
        Some((at, n)) => i18n::t_with(
            "note-signed-by",
            &[
                ("name", n.signed_by.clone().unwrap_or_default()),
                ("when", r.date_time(&at)),
            ],
        ),
        None => String::new(),
    };
    let addenda = v
        .addenda
        .iter()
        .map(|a| AddendumLine {
            when: r.date_time(&a.created_at),
            author: a.author.clone(),
            text: a.text.clone(),
        })
        .collect();
    let mut templates: Vec<_> = NoteTemplate::ALL
        .iter()
        .map(|t| {
            (
                t.as_str(),
                view::tr(&format!("note-template-{}", t.as_str())),
                *t == template,
            )
        })
        .collect();
    if let Some(own) = &v.own {
        templates.push((
            NoteTemplate::Own.as_str(),
            i18n::t_with("note-template-own", &[("name", own.name.clone())]),
            template == NoteTemplate::Own,
        ));
    }
    let title = i18n::t_with(
        "note-title",
        &[
            ("name", v.case.patient.name.clone()),
            ("kind", v.kind.clone()),
        ],
    );
    let chrome = AdminChrome::new(state, actor, title, "calendar", csrf).await;
    let page = NotePage {
        chrome,
        when,
        sections,
        signed_line,
        addenda,
        templates,
        has_own: v.own.is_some(),
        form: labelled(form, template),
        saved: q.saved.is_some(),
        v,
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// The sections' headings in words: a built-in template's translated, the therapist's own as
/// the note keeps them (or, for a note not yet written, as the therapist has them now).
fn heading_texts(v: &NoteView, template: NoteTemplate) -> Vec<String> {
    if template != NoteTemplate::Own {
        return template.headings().iter().map(|k| view::tr(k)).collect();
    }
    match (&v.note, &v.own) {
        (Some(n), _) => n.body.headings.clone(),
        (None, Some(own)) => own.headings.clone(),
        (None, None) => Vec::new(),
    }
}

/// The form with each field named as its label says (for the error summary).
fn labelled(form: Form, template: NoteTemplate) -> Form {
    let form = template
        .headings()
        .iter()
        .zip(SECTION_FIELDS)
        .fold(form, |f, (key, field)| f.labelled(field, key));
    form.labelled("confirm", "field-note-confirm")
        .labelled("process", "field-process")
}

/// GET /admin/notes/{id}
pub async fn show(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<AppointmentId>,
    Query(q): Query<NoteQuery>,
) -> WebResult<Response> {
    note_page(&state, &actor, csrf, &id, None, q, StatusCode::OK).await
}

/// POST /admin/notes/{id}: a draft saved, or signed.
pub async fn save(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<AppointmentId>,
    CsrfForm(input): CsrfForm<NoteInput>,
) -> WebResult<Response> {
    match state
        .app
        .save_session_note(&actor, id.as_str(), &input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/notes/{id}?saved=1")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input, errors);
            let q = NoteQuery {
                template: Some(input.template.clone()),
                saved: None,
            };
            note_page(&state, &actor, csrf, &id, Some(form), q, status).await
        }
    }
}

#[derive(Deserialize, serde::Serialize)]
pub struct ProcessInput {
    #[serde(default)]
    process: String,
}

/// POST /admin/notes/{id}/process: the private process notes only.
pub async fn save_process(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<AppointmentId>,
    CsrfForm(input): CsrfForm<ProcessInput>,
) -> WebResult<Response> {
    match state
        .app
        .save_process_note(&actor, id.as_str(), &input.process)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/notes/{id}?saved=1#process-notes")).into_response())
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input, errors);
            note_page(
                &state,
                &actor,
                csrf,
                &id,
                Some(form),
                NoteQuery::default(),
                status,
            )
            .await
        }
    }
}

#[derive(Deserialize, serde::Serialize)]
pub struct AddendumInput {
    #[serde(default)]
    addendum: String,
}

/// POST /admin/notes/{id}/addendum: a dated addendum to a signed note.
pub async fn add_addendum(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<AppointmentId>,
    CsrfForm(input): CsrfForm<AddendumInput>,
) -> WebResult<Response> {
    match state
        .app
        .add_note_addendum(&actor, id.as_str(), &input.addendum)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/notes/{id}#addenda")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input, errors);
            note_page(
                &state,
                &actor,
                csrf,
                &id,
                Some(form),
                NoteQuery::default(),
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_note_headings.html")]
struct HeadingsPage {
    chrome: AdminChrome,
    form: Form,
    saved: bool,
    /// The session's note to go back to, when the page was opened from one.
    note: Option<AppointmentId>,
    hint: String,
}

#[derive(Deserialize, Default)]
pub struct HeadingsQuery {
    note: Option<String>,
    saved: Option<String>,
}

#[derive(Deserialize, serde::Serialize)]
pub struct HeadingsPost {
    #[serde(flatten)]
    input: OwnHeadingsInput,
    /// The note the page was opened from, to go back to.
    #[serde(default)]
    note: String,
}

async fn headings_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Form,
    note: Option<AppointmentId>,
    saved: bool,
    status: StatusCode,
) -> WebResult<Response> {
    let title = view::tr("own-headings-title");
    let chrome = AdminChrome::new(state, actor, title, "calendar", csrf).await;
    let page = HeadingsPage {
        chrome,
        form: form
            .labelled("name", "field-own-headings-name")
            .labelled("headings", "field-own-headings"),
        saved,
        note,
        hint: i18n::t_with(
            "hint-own-headings",
            &[("limit", domain::notes::HEADING_MAX.to_string())],
        ),
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /admin/notes/headings: the therapist's own headings, to define or change.
pub async fn headings(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<HeadingsQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let input = state
        .app
        .own_note_headings(&actor)
        .await?
        .map(|own| OwnHeadingsInput::from_kept(&own))
        .unwrap_or_default();
    let note = q.note.as_deref().and_then(AppointmentId::parse);
    let form = Form::from_input(&input, FieldErrors::default()).with(
        "note",
        note.as_ref().map(ToString::to_string).unwrap_or_default(),
    );
    let saved = q.saved.is_some();
    headings_page(&state, &actor, csrf, form, note, saved, StatusCode::OK).await
}

/// POST /admin/notes/headings: keeps them; back to the note it was opened from, if any.
pub async fn save_headings(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(post): CsrfForm<HeadingsPost>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let note = AppointmentId::parse(&post.note);
    match state.app.save_own_note_headings(&actor, &post.input).await {
        Ok(()) => {
            let to = match &note {
                Some(id) => format!("/admin/notes/headings?saved=1&note={id}"),
                None => "/admin/notes/headings?saved=1".to_string(),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&post, errors);
            headings_page(&state, &actor, csrf, form, note, false, status).await
        }
    }
}
