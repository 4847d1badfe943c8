//! A session's note, for the case's therapist: written in a template, signed once complete, then
//! read-only with dated addenda; the private process notes beside it.

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
use domain::notes::{NoteInput, Template as NoteTemplate, SECTION_FIELDS};
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
            .unwrap_or_default(),
    };
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
    let sections = template
        .headings()
        .iter()
        .zip(SECTION_FIELDS)
        .enumerate()
        .map(|(i, (key, field))| Section {
            field,
            heading: view::tr(key),
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
    let templates = NoteTemplate::ALL
        .iter()
        .map(|t| {
            (
                t.as_str(),
                view::tr(&format!("note-template-{}", t.as_str())),
                *t == template,
            )
        })
        .collect();
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
        form: labelled(form, template),
        saved: q.saved.is_some(),
        v,
    };
    Ok((status, Html(render(page)?)).into_response())
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
