//! The practice's details and crisis contacts (for anywhere, and by country), edited by the owner.

use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::WebState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::crisis::{Line, LineInput};
use domain::practice::{Details, DetailsInput};
use serde::Deserialize;

/// One country's services as the owner's list shows them.
struct LineView {
    code: String,
    name: &'static str,
    contacts: String,
}

#[derive(Template)]
#[template(path = "admin_practice.html")]
struct PracticeTemplate {
    chrome: AdminChrome,
    form: Form,
    saved: bool,
    lines: Vec<LineView>,
    /// The add-or-change form for one country's services.
    line_form: Form,
    editing: bool,
    line_saved: Option<&'static str>,
    countries: Vec<(String, String)>,
    retention: crate::retention::PracticeSection,
}

#[derive(Deserialize)]
pub struct PracticeQuery {
    saved: Option<String>,
    /// A country's code: its services are put into the form to be changed.
    edit: Option<String>,
    /// A country's code whose services were just saved.
    line: Option<String>,
    /// The retention period was just saved.
    retention: Option<String>,
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

/// Every country by name, for the select.
pub(crate) fn country_options() -> Vec<(String, String)> {
    domain::crisis::countries()
        .into_iter()
        .map(|(code, name)| (code.to_string(), name.to_string()))
        .collect()
}

/// What the page shows besides the details form: the countries' services and their form.
struct Lines {
    form: Form,
    editing: bool,
    saved: Option<&'static str>,
    /// The retention form as refused (input kept), or `None` for the stored period; and whether
    /// it was just saved.
    retention: Option<Form>,
    retention_saved: bool,
}

impl Lines {
    /// The country form as `form` left it: empty, or refused with what was typed.
    fn with(form: Form) -> Lines {
        Lines {
            form,
            editing: false,
            saved: None,
            retention: None,
            retention_saved: false,
        }
    }
}

async fn page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Form,
    saved: bool,
    lines: Lines,
    status: StatusCode,
) -> WebResult<Response> {
    let chrome = AdminChrome::new(state, actor, view::tr("admin-practice"), "practice", csrf).await;
    let kept = state.app.crisis_lines_for_editing(actor).await?;
    let mut shown: Vec<LineView> = kept
        .into_iter()
        .filter_map(|l: Line| {
            let name = domain::crisis::country_name(&l.country)?;
            Some(LineView {
                code: l.country,
                name,
                contacts: l.contacts,
            })
        })
        .collect();
    shown.sort_by(|a, b| a.name.cmp(b.name));
    let retention = crate::retention::PracticeSection::load(
        state,
        actor,
        lines.retention,
        lines.retention_saved,
    )
    .await?;
    Ok((
        status,
        Html(render(PracticeTemplate {
            chrome,
            form,
            saved,
            lines: shown,
            line_form: lines.form.labelled("contacts", "field-crisis-line"),
            editing: lines.editing,
            line_saved: lines.saved,
            countries: country_options(),
            retention,
        })?),
    )
        .into_response())
}

pub async fn form(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<PracticeQuery>,
) -> WebResult<Response> {
    let details = state.app.practice_for_editing(&actor).await?;
    let kept = state.app.crisis_lines_for_editing(&actor).await?;
    let edited = q
        .edit
        .as_deref()
        .and_then(domain::crisis::country_code)
        .and_then(|code| kept.iter().find(|l| l.country == code));
    // A new country's form starts at the practice's own country when it has no services yet.
    let home = domain::zones::country_of(&details.time_zone)
        .filter(|code| !kept.iter().any(|l| l.country == *code))
        .unwrap_or_default();
    let line_form = match edited {
        Some(l) => Form::from_input(
            &LineInput {
                country: l.country.clone(),
                contacts: l.contacts.clone(),
            },
            Default::default(),
        ),
        None => Form::default().with("country", home),
    };
    let lines = Lines {
        form: line_form,
        editing: edited.is_some(),
        saved: q.line.as_deref().and_then(domain::crisis::country_name),
        retention: None,
        retention_saved: q.retention.is_some(),
    };
    page(
        &state,
        &actor,
        csrf,
        form_of(&details),
        q.saved.is_some(),
        lines,
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
                Lines::with(Form::default()),
                status,
            )
            .await
        }
    }
}

/// The page with the retention form as refused (what was typed kept, the errors beside it).
pub(crate) async fn page_with_retention(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    retention: Form,
    status: StatusCode,
) -> WebResult<Response> {
    let details = state.app.practice_for_editing(actor).await?;
    let mut lines = Lines::with(Form::default());
    lines.retention = Some(retention);
    page(state, actor, csrf, form_of(&details), false, lines, status).await
}

/// Adds or changes one country's crisis services.
pub async fn save_line(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<LineInput>,
) -> WebResult<Response> {
    match state.app.save_crisis_line(&actor, &input).await {
        Ok(line) => Ok(Redirect::to(&format!(
            "/admin/practice?line={}#crisis-countries-heading",
            line.country
        ))
        .into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let details = state.app.practice_for_editing(&actor).await?;
            page(
                &state,
                &actor,
                csrf,
                form_of(&details),
                false,
                Lines::with(Form::from_input(&input, errors)),
                status,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct RemoveLine {
    #[serde(default)]
    country: String,
}

/// Removes one country's crisis services.
pub async fn remove_line(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfForm(input): CsrfForm<RemoveLine>,
) -> WebResult<Response> {
    state.app.remove_crisis_line(&actor, &input.country).await?;
    Ok(Redirect::to("/admin/practice#crisis-countries-heading").into_response())
}
