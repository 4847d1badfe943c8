//! Retention and erasure in the browser: the owner's retention period (on the practice page), an
//! ended case's retention line (on the case page), the therapist's "Records due for erasure", the
//! confirmation page of one erasure (typed reference), and the patient's request in the portal.

use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm, NoFields, Path, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Chrome, Form};
use crate::{i18n, WebState};
use app::retention::CaseRetention;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ids::CaseId;
use domain::retention::{EraseInput, Jurisdiction, RequestAnswer, RetentionInput};
use domain::FieldErrors;
use jiff::civil::Date;
use serde::Deserialize;

/// The retention section of the owner's practice page.
pub struct PracticeSection {
    pub form: Form,
    pub saved: bool,
    pub jurisdictions: Vec<(String, String)>,
    /// One line per preset, saying what it rests on.
    pub presets: Vec<String>,
}

impl PracticeSection {
    /// The section with `form` (a refused one, input kept) or the stored period.
    pub async fn load(
        state: &WebState,
        actor: &app::Actor,
        form: Option<Form>,
        saved: bool,
    ) -> WebResult<PracticeSection> {
        let form = match form {
            Some(f) => f,
            None => {
                let stored = state.app.retention_for_editing(actor).await?;
                Form::from_input(
                    &RetentionInput {
                        jurisdiction: stored
                            .map(|r| r.jurisdiction.as_str().to_string())
                            .unwrap_or_default(),
                        years: stored.map(|r| r.years.to_string()).unwrap_or_default(),
                    },
                    FieldErrors::default(),
                )
            }
        };
        let jurisdictions = Jurisdiction::ALL
            .iter()
            .map(|j| {
                (
                    j.as_str().to_string(),
                    view::tr(&format!("retention-jurisdiction-{}", j.as_str())),
                )
            })
            .collect();
        let presets = Jurisdiction::ALL
            .iter()
            .filter(|j| j.preset_years().is_some())
            .map(|j| view::tr(&format!("retention-preset-{}", j.as_str())))
            .collect();
        Ok(PracticeSection {
            form: form.labelled("years", "field-retention-years"),
            saved,
            jurisdictions,
            presets,
        })
    }
}

/// POST /admin/practice/retention
pub async fn save(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<RetentionInput>,
) -> WebResult<Response> {
    match state.app.set_retention(&actor, &input).await {
        Ok(_) => Ok(Redirect::to("/admin/practice?retention=1#retention").into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            crate::practice::page_with_retention(
                &state,
                &actor,
                csrf,
                Form::from_input(&input, errors),
                status,
            )
            .await
        }
    }
}

/// The case page's line about retention: the date, or that it is past, or that none is set.
pub struct CaseLine {
    pub text: String,
    pub due: bool,
}

pub(crate) async fn case_line(
    state: &WebState,
    actor: &app::Actor,
    id: &CaseId,
) -> WebResult<Option<CaseLine>> {
    let Some(r) = state.app.case_retention(actor, id).await? else {
        return Ok(None);
    };
    Ok(Some(CaseLine {
        text: retention_text(&r, &Viewer::of(actor)),
        due: r.due,
    }))
}

fn retention_text(r: &CaseRetention, reader: &app::i18n::format::Reader) -> String {
    match r.kept_until {
        None => view::tr("retention-case-unset"),
        Some(until) if r.due => {
            i18n::t_with("retention-case-due", &[("date", reader.civil_date(until))])
        }
        Some(until) => i18n::t_with(
            "retention-case-until",
            &[
                ("date", reader.civil_date(until)),
                ("ended", reader.civil_date(r.ended_on)),
            ],
        ),
    }
}

struct DueLine {
    href: String,
    who: String,
    reference: String,
    ended: String,
    until: String,
}

struct RequestLine {
    href: String,
    who: String,
    when: String,
}

#[derive(Template)]
#[template(path = "admin_erasure.html")]
struct DueTemplate {
    chrome: AdminChrome,
    period: String,
    is_owner: bool,
    due: Vec<DueLine>,
    requests: Vec<RequestLine>,
    erased: Option<String>,
    held: bool,
}

#[derive(Deserialize)]
pub struct DueQuery {
    /// How many rows the erasure just done removed.
    erased: Option<u64>,
    held: Option<String>,
}

/// GET /admin/erasure: the therapist's records past retention, and patients' open requests.
pub async fn due(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<DueQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let view = state.app.records_due(&actor).await?;
    let r = Viewer::of(&actor);
    let chrome =
        AdminChrome::new(&state, &actor, view::tr("erasure-title"), "patients", csrf).await;
    let period = match view.retention {
        Some(p) => i18n::t_with(
            "erasure-period",
            &[
                ("years", p.years.to_string()),
                (
                    "where",
                    view::tr(&format!(
                        "retention-jurisdiction-{}",
                        p.jurisdiction.as_str()
                    )),
                ),
            ],
        ),
        None => String::new(),
    };
    let page = DueTemplate {
        is_owner: app::policy::can(&actor, app::policy::Action::ManagePractice)
            == app::policy::Decision::Allow,
        period,
        due: view
            .due
            .into_iter()
            .map(|d| DueLine {
                href: format!("/admin/cases/{}/erase", d.case_id),
                who: d.patient_name,
                reference: d.reference,
                ended: r.civil_date(d.ended_on),
                until: r.civil_date(d.kept_until),
            })
            .collect(),
        requests: view
            .requests
            .into_iter()
            .map(|q| RequestLine {
                href: format!("/admin/cases/{}/erase", q.case_id),
                who: q.patient_name,
                when: r.date(&q.requested_at),
            })
            .collect(),
        erased: q.erased.map(|n| n.to_string()),
        held: q.held.is_some(),
        chrome,
    };
    Ok(Html(render(page)?).into_response())
}

#[derive(Template)]
#[template(path = "admin_erase.html")]
struct EraseTemplate {
    chrome: AdminChrome,
    case_id: String,
    reference: String,
    ended: String,
    retention: String,
    over: bool,
    due: bool,
    /// "… asked on 3 March to erase their records", while the request is open.
    request: String,
    /// What the hold answer would name as its end.
    hold_until: String,
    /// What the last answer was, when the request was answered.
    answered: String,
    form: Form,
    reasons: Vec<(String, String)>,
}

async fn erase_page(
    state: &WebState,
    actor: &app::Actor,
    id: &CaseId,
    csrf: String,
    form: Form,
    status: StatusCode,
) -> WebResult<Response> {
    let v = state.app.erasure_of(actor, id).await?;
    let r = Viewer::of(actor);
    let name = v.case.patient.name.clone();
    let title = i18n::t_with("erase-title", &[("name", name.clone())]);
    let chrome = AdminChrome::new(state, actor, title, "patients", csrf).await;
    let due = v.retention.as_ref().is_some_and(|x| x.due);
    let open = v
        .request
        .as_ref()
        .filter(|q| q.answer == RequestAnswer::Open);
    let answered = v
        .request
        .as_ref()
        .filter(|q| q.answer == RequestAnswer::Held)
        .map(|q| hold_text(q.hold_until, None, &r))
        .unwrap_or_default();
    let hold_until = v
        .retention
        .as_ref()
        .and_then(|x| x.kept_until)
        .map_or_else(|| view::tr("erase-hold-after-end"), |d| r.civil_date(d));
    let page = EraseTemplate {
        case_id: v.case.id.to_string(),
        reference: v.reference,
        ended: v
            .retention
            .as_ref()
            .map(|x| r.civil_date(x.ended_on))
            .unwrap_or_default(),
        retention: v
            .retention
            .as_ref()
            .map(|x| retention_text(x, &r))
            .unwrap_or_default(),
        over: v.over,
        due,
        request: open
            .map(|q| {
                i18n::t_with(
                    "erase-request-open",
                    &[("name", name.clone()), ("date", r.date(&q.requested_at))],
                )
            })
            .unwrap_or_default(),
        hold_until,
        answered,
        form: form
            .labelled("reference", "field-erase-reference")
            .labelled("reason", "field-erase-reason"),
        reasons: app::retention::early_reasons()
            .iter()
            .map(|x| {
                (
                    x.as_str().to_string(),
                    view::tr(&format!("erase-reason-{}", x.as_str().replace('_', "-"))),
                )
            })
            .collect(),
        chrome,
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// What the hold answer says: until a date, or for the period after the end of treatment.
fn hold_text(until: Option<Date>, years: Option<u32>, r: &app::i18n::format::Reader) -> String {
    match until.filter(|d| *d != Date::MAX) {
        Some(d) => i18n::t_with("erasure-held-until", &[("date", r.civil_date(d))]),
        None => i18n::t_with(
            "erasure-held-after-end",
            &[("years", years.map(|y| y.to_string()).unwrap_or_default())],
        ),
    }
}

/// GET /admin/cases/{id}/erase: what erasing the case does, and the confirmation.
pub async fn confirm(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    erase_page(&state, &actor, &id, csrf, Form::default(), StatusCode::OK).await
}

/// POST /admin/cases/{id}/erase
pub async fn erase(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(input): CsrfForm<EraseInput>,
) -> WebResult<Response> {
    match state.app.erase_case(&actor, &id, &input).await {
        Ok(erased) => {
            Ok(Redirect::to(&format!("/admin/erasure?erased={}", erased.total())).into_response())
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            erase_page(
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

/// POST /admin/cases/{id}/erase/hold: the request is answered with the retention hold.
pub async fn hold(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    match state.app.hold_erasure_request(&actor, &id).await {
        Ok(()) => Ok(Redirect::to("/admin/erasure?held=1").into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            erase_page(
                &state,
                &actor,
                &id,
                csrf,
                Form::default().with_errors(errors),
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "portal_erasure.html")]
struct PortalTemplate {
    chrome: Chrome,
    csrf: String,
    section: &'static str,
    retention: String,
    /// The request's state in words; empty when none was made.
    status: String,
    can_ask: bool,
    sent: bool,
}

#[derive(Deserialize)]
pub struct SentQuery {
    sent: Option<String>,
}

/// GET /portal/erasure: what retention means, and the request (or its answer).
pub async fn portal(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<SentQuery>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let v = state.app.my_erasure(&actor).await?;
    let r = Viewer::of(&actor);
    let retention = match v.years {
        Some(y) => i18n::t_with("portal-erasure-retention", &[("years", y.to_string())]),
        None => view::tr("portal-erasure-retention-unset"),
    };
    let (status, can_ask) = match &v.request {
        None => (String::new(), true),
        Some(q) if q.answer == RequestAnswer::Open => (
            i18n::t_with("portal-erasure-open", &[("date", r.date(&q.requested_at))]),
            false,
        ),
        Some(q) => (hold_text(q.hold_until, v.years, &r), false),
    };
    let chrome = Chrome::public(
        &state,
        view::tr("portal-erasure-title"),
        String::new(),
        None,
    )
    .await;
    Ok(Html(render(PortalTemplate {
        chrome,
        csrf,
        section: "erasure",
        retention,
        status,
        can_ask,
        sent: q.sent.is_some(),
    })?)
    .into_response())
}

/// POST /portal/erasure: the patient asks.
pub async fn ask(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    state.app.ask_erasure(&actor).await?;
    Ok(Redirect::to("/portal/erasure?sent=1").into_response())
}
