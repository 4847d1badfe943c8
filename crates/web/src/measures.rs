//! Measures over time: on the case page, the therapist's schedule of each measure and its chart
//! with the same numbers as a table; in the portal, the charts a therapist chose to share.

use crate::error::{WebError, WebResult};
use crate::extract::Path;
use crate::extract::{Caller, Csrf, CsrfForm, Viewer};
use crate::site::render;
use crate::view::{self, Chrome, Form};
use crate::{i18n, WebState};
use app::i18n::{names, Reader};
use app::intake::schedules::{every_weeks_field, unit_field};
use app::intake::MeasureResult;
use app::AppError;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ids::CaseId;
use domain::measures::schedule::Unit;
use domain::measures::{self, chart, Measure};
use std::collections::BTreeMap;

/// One measure's scores: the chart, and the same numbers as rows (date, total, severity).
pub struct ChartView {
    pub title: &'static str,
    pub svg: String,
    pub rows: Vec<(String, u8, String)>,
}

/// The charts of every measure with results; `id` keeps the charts' ids unique on the page.
pub(crate) fn charts(results: &[MeasureResult], viewer: &Reader, id: &str) -> Vec<ChartView> {
    charts_marked(results, viewer, id, &[])
}

/// The charts with dated events marked across them (the treatment focus set, its reviews).
pub(crate) fn charts_marked(
    results: &[MeasureResult],
    viewer: &Reader,
    id: &str,
    marks: &[(jiff::Timestamp, String)],
) -> Vec<ChartView> {
    measures::ALL
        .iter()
        .filter_map(|measure| {
            let mine: Vec<_> = results
                .iter()
                .filter(|r| r.measure.id == measure.id)
                .collect();
            if mine.is_empty() {
                return None;
            }
            let points: Vec<chart::Point> = mine
                .iter()
                .map(|r| chart::Point {
                    label: viewer.day_month(&r.at),
                    total: r.total,
                })
                .collect();
            let marked: Vec<chart::Mark> = marks
                .iter()
                .map(|(at, label)| chart::Mark {
                    before: mine.iter().filter(|r| r.at < *at).count(),
                    label: label.clone(),
                })
                .collect();
            Some(ChartView {
                title: measure.title,
                svg: chart::render_marked(
                    measure,
                    &points,
                    &format!("{id}-{}", measure.id),
                    &chart::Words {
                        title: &viewer
                            .t_with("chart-title", &[("measure", measure.title.to_string())]),
                        scores: &viewer
                            .t_with("chart-scores", &[("measure", measure.id.to_uppercase())]),
                        none_yet: &viewer.t("chart-none-yet"),
                        severity: &|s| names::severity(viewer.lang, s),
                    },
                    &marked,
                ),
                rows: mine
                    .iter()
                    .map(|r| {
                        (
                            viewer.date(&r.at),
                            r.total,
                            names::severity(viewer.lang, r.severity),
                        )
                    })
                    .collect(),
            })
        })
        .collect()
}

/// One measure's schedule form on the case page.
pub struct ScheduleView {
    pub key: &'static str,
    pub title: &'static str,
    pub field: &'static str,
    /// The radio group of what the interval counts: (value, label), weeks first.
    pub unit_field: &'static str,
    pub units: Vec<(&'static str, String)>,
    pub share_field: String,
    pub standing: String,
    pub scheduled: bool,
}

impl ScheduleView {
    /// Whether the radio for `unit` is the one chosen (weeks when nothing is).
    pub fn unit_is(&self, form: &Form, unit: &str) -> bool {
        match form.value(self.unit_field) {
            "" => unit == Unit::Weeks.as_str(),
            chosen => chosen == unit,
        }
    }
}

pub struct CaseSection {
    pub case_id: String,
    pub schedules: Vec<ScheduleView>,
    pub charts: Vec<ChartView>,
    /// The schedules as stored, unless the page's form is a schedule just refused.
    form: Option<Form>,
}

impl CaseSection {
    pub fn form_or<'a>(&'a self, page: &'a Form) -> &'a Form {
        self.form.as_ref().unwrap_or(page)
    }
}

fn share_field(measure: &Measure) -> String {
    format!("share_{}", measure.id)
}

/// What the case page shows of the measures over time (its therapist only).
pub(crate) async fn case_section(
    state: &WebState,
    actor: &app::Actor,
    case: &CaseId,
    page: &Form,
) -> WebResult<CaseSection> {
    let stored = state.app.measure_schedules(actor, case).await?;
    let results = state.app.case_measures(actor, case).await?;
    let viewer = Viewer::of(actor);
    let mut form = Form::default();
    let mut schedules = Vec::new();
    let mut posted = false;
    for measure in measures::ALL {
        let field = every_weeks_field(measure);
        let unit = unit_field(measure);
        posted |= !page.value(field).is_empty()
            || page.has_error(field)
            || !page.value(unit).is_empty()
            || page.has_error(unit);
        let s = stored.iter().find(|s| s.key == measure.id);
        if let Some(s) = s {
            form = form
                .with(field, s.every.to_string())
                .with(unit, s.unit.as_str());
            if s.shared {
                form = form.with(&share_field(measure), "on");
            }
        }
        schedules.push(ScheduleView {
            key: measure.id,
            title: measure.title,
            field,
            unit_field: unit,
            units: vec![
                (Unit::Weeks.as_str(), view::tr("measures-unit-weeks")),
                (Unit::Sessions.as_str(), view::tr("measures-unit-sessions")),
            ],
            share_field: share_field(measure),
            standing: match s {
                Some(s) if s.unit == Unit::Sessions => i18n::t_with(
                    "measures-standing-sessions",
                    &[
                        ("sessions", s.every.to_string()),
                        ("date", viewer.date(&s.next_at)),
                    ],
                ),
                Some(s) => i18n::t_with(
                    "measures-standing",
                    &[
                        ("weeks", s.every.to_string()),
                        ("date", viewer.date(&s.next_at)),
                    ],
                ),
                None => view::tr("measures-standing-none"),
            },
            scheduled: s.is_some(),
        });
    }
    Ok(CaseSection {
        case_id: case.to_string(),
        schedules,
        charts: charts(&results, &viewer, "chart"),
        form: (!posted).then_some(form),
    })
}

fn measure_key(raw: &str) -> WebResult<&'static str> {
    measures::by_id(raw)
        .map(|m| m.id)
        .ok_or(WebError(AppError::NotFound))
}

/// POST /admin/cases/{id}/measures/{key}: asks the measure every so many weeks or sessions.
pub async fn schedule(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path((id, key)): Path<(CaseId, String)>,
    CsrfForm(mut input): CsrfForm<BTreeMap<String, String>>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let measure = measures::by_id(measure_key(&key)?).ok_or(WebError(AppError::NotFound))?;
    input.remove("csrf");
    let weeks = input
        .get(every_weeks_field(measure))
        .cloned()
        .unwrap_or_default();
    let unit = input.get(unit_field(measure)).cloned().unwrap_or_default();
    let share = input
        .get(&share_field(measure))
        .is_some_and(|v| v == "on" || v == "true");
    match state
        .app
        .set_measure_schedule(&actor, &id, measure.id, &weeks, &unit, share)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/cases/{id}#measures")).into_response()),
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

/// POST /admin/cases/{id}/measures/{key}/stop: asks it no more and stops sharing its chart.
pub async fn stop(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path((id, key)): Path<(CaseId, String)>,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let key = measure_key(&key)?;
    state.app.stop_measure_schedule(&actor, &id, key).await?;
    Ok(Redirect::to(&format!("/admin/cases/{id}#measures")).into_response())
}

#[derive(Template)]
#[template(path = "portal_measures.html")]
struct PortalTemplate {
    chrome: Chrome,
    csrf: String,
    section: &'static str,
    /// (therapist, their charts)
    shared: Vec<(String, Vec<ChartView>)>,
}

/// GET /portal/measures: the charts the patient's therapists share with them.
pub async fn portal(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    state.app.enter_portal(&actor).await?;
    let viewer = Viewer::of(&actor);
    let shared = state
        .app
        .my_shared_measures(&actor)
        .await?
        .into_iter()
        .map(|s| {
            let id = format!("chart-{}", s.case.id);
            (
                s.case.therapist.name.clone(),
                charts(&s.results, &viewer, &id),
            )
        })
        .collect();
    let chrome = Chrome::public(
        &state,
        view::tr("measures-portal-title"),
        String::new(),
        None,
    )
    .await;
    Ok(Html(render(PortalTemplate {
        chrome,
        csrf,
        section: "measures",
        shared,
    })?)
    .into_response())
}
