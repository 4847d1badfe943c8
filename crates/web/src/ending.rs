//! Ending well, for the case's therapist: the planned last day on the case page (with the
//! sessions left), the closing page (summary, referral, letter), and its clean print page.

use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm, NoFields, Path, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::{i18n, WebState};
use app::ending::EndingView;
use app::i18n::Reader;
use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ending::{CloseInput, ClosingKind, PlanInput};
use domain::ids::CaseId;

/// What the case page shows of the ending.
pub struct CaseSection {
    pub case_id: String,
    over: bool,
    /// "This case ended on …; its record is read-only."
    pub over_line: String,
    /// "Ending planned for 12 March 2027 · 3 sessions left", when one is planned.
    pub planned_line: String,
    pub planned: bool,
    /// Only a case in therapy plans an ending.
    pub can_plan: bool,
    pub booked_ahead: usize,
    pub plan_hint: String,
    /// The planned day as stored, unless the page's form is a plan just refused.
    form: Option<Form>,
}

impl CaseSection {
    pub fn over(&self) -> bool {
        self.over
    }

    pub fn form_or<'a>(&'a self, page: &'a Form) -> &'a Form {
        self.form.as_ref().unwrap_or(page)
    }
}

/// "This case ended on …" (or was referred on …); its record is read-only.
fn over_line(v: &EndingView, r: &Reader) -> String {
    let key = match (v.case.stage, v.closed_at) {
        (domain::case::Stage::Referred, Some(_)) => "ending-over-referred",
        (_, Some(_)) => "ending-over-ended",
        _ => "ending-over",
    };
    let date = v.closed_at.map(|at| r.date(&at)).unwrap_or_default();
    i18n::t_with(key, &[("date", date)])
}

/// The case page's ending section.
pub(crate) async fn case_section(
    state: &WebState,
    actor: &app::Actor,
    case: &CaseId,
    page: &Form,
) -> WebResult<CaseSection> {
    let v = state.app.case_ending_standing(actor, case).await?;
    let r = Viewer::of(actor);
    let planned_line = match v.planned_on {
        Some(day) => i18n::t_with(
            "ending-planned",
            &[
                ("date", r.civil_date(day)),
                ("count", v.sessions_left.to_string()),
            ],
        ),
        None => String::new(),
    };
    let posted = !page.value("ending_on").is_empty()
        || page.has_error("ending_on")
        || page.has_error("confirm");
    let stored = Form::default().with(
        "ending_on",
        v.planned_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    Ok(CaseSection {
        case_id: case.to_string(),
        over: v.over(),
        over_line: over_line(&v, &r),
        planned_line,
        planned: v.planned_on.is_some(),
        can_plan: v.case.stage == domain::case::Stage::InTherapy,
        booked_ahead: v.booked_ahead,
        plan_hint: i18n::t_with("hint-ending-on", &[("count", v.booked_ahead.to_string())]),
        form: (!posted).then_some(stored),
    })
}

/// POST /admin/cases/{id}/ending/plan: plans or moves the last day.
pub async fn plan(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(input): CsrfForm<PlanInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.plan_ending(&actor, &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/cases/{id}#ending")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input, errors)
                .labelled("ending_on", "field-ending-on")
                .labelled("confirm", "field-ending-confirm");
            crate::cases::case_page(&state, &actor, &id, csrf, form, status).await
        }
    }
}

/// POST /admin/cases/{id}/ending/withdraw: the planned ending is withdrawn.
pub async fn withdraw(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.withdraw_ending(&actor, &id).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/cases/{id}#ending")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::default().with_errors(errors);
            crate::cases::case_page(&state, &actor, &id, csrf, form, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_ending.html")]
struct EndingPage {
    chrome: AdminChrome,
    v: EndingView,
    over_line: String,
    closed_line: String,
    cancel_hint: String,
    /// The two ways to close: (value, label).
    kinds: Vec<(&'static str, String)>,
    form: Form,
}

impl EndingPage {
    fn kind_is(&self, kind: &str) -> bool {
        match self.form.value("kind") {
            "" => kind == ClosingKind::Ended.as_str(),
            chosen => chosen == kind,
        }
    }
}

async fn ending_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    id: &CaseId,
    form: Form,
    status: StatusCode,
) -> WebResult<Response> {
    let v = state.app.case_ending(actor, id).await?;
    let r = Viewer::of(actor);
    let closed_line = match (v.closed_at, &v.closed_by) {
        (Some(at), Some(by)) => i18n::t_with(
            "ending-closed-by",
            &[("name", by.clone()), ("when", r.date_time(&at))],
        ),
        _ => String::new(),
    };
    let title = i18n::t_with("ending-title", &[("name", v.case.patient.name.clone())]);
    let chrome = AdminChrome::new(state, actor, title, "patients", csrf).await;
    let page = EndingPage {
        chrome,
        over_line: over_line(&v, &r),
        closed_line,
        cancel_hint: i18n::t_with(
            "ending-close-cancels",
            &[("count", v.booked_ahead.to_string())],
        ),
        kinds: vec![
            (ClosingKind::Ended.as_str(), view::tr("ending-kind-ended")),
            (
                ClosingKind::Referred.as_str(),
                view::tr("ending-kind-referred"),
            ),
        ],
        form: form
            .labelled("kind", "field-closing-kind")
            .labelled("summary", "field-closing-summary")
            .labelled("referred_to", "field-referred-to")
            .labelled("referral_why", "field-referral-why")
            .labelled("letter_to", "field-letter-to")
            .labelled("letter_body", "field-letter-body")
            .labelled("confirm", "field-closing-confirm"),
        v,
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /admin/cases/{id}/ending: the closing form, or the closing once the case is over.
pub async fn show(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    ending_page(&state, &actor, csrf, &id, Form::default(), StatusCode::OK).await
}

/// POST /admin/cases/{id}/ending: closes the case (ended, or referred on).
pub async fn close(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(input): CsrfForm<CloseInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.close_case(&actor, &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/cases/{id}/ending")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input, errors);
            ending_page(&state, &actor, csrf, &id, form, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "ending_print.html")]
struct PrintTemplate {
    lang: &'static str,
    css: &'static str,
    title: String,
    back: String,
    facts: Vec<(String, String)>,
    v: EndingView,
}

impl PrintTemplate {
    fn t(&self, key: &str) -> String {
        view::tr(key)
    }
}

/// GET /admin/cases/{id}/ending/print: the closing (and its letter, on a page of its own).
pub async fn print(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let v = state.app.case_ending(&actor, &id).await?;
    if v.closing.is_none() {
        return Err(app::AppError::NotFound.into());
    }
    let r = Viewer::of(&actor);
    let mut facts = vec![
        (
            view::tr("ending-print-patient"),
            v.case.patient.name.clone(),
        ),
        (
            view::tr("ending-print-therapist"),
            v.case.therapist.name.clone(),
        ),
    ];
    if let Some(at) = v.closed_at {
        facts.push((view::tr("ending-print-closed"), r.date(&at)));
    }
    let page = PrintTemplate {
        lang: i18n::lang().tag(),
        css: crate::assets::stylesheet(),
        title: i18n::t_with(
            "ending-print-title",
            &[("name", v.case.patient.name.clone())],
        ),
        back: format!("/admin/cases/{id}/ending"),
        facts,
        v,
    };
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        Html(render(page)?),
    )
        .into_response())
}
