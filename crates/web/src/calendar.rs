//! The therapist's side of booking: hours and rules, the week (add, move, cancel, block), and
//! the private calendar feed.

use crate::error::{WebError, WebResult};
use crate::extract::Path;
use crate::extract::{Caller, Csrf, CsrfForm, Viewer};
use crate::site::render;
use crate::view::{self, Form};
use crate::{i18n, WebState};
use app::calendar::CalendarInput;
use app::AppError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ids::{AppointmentId, FeedToken};
use serde::Deserialize;
#[derive(Template)]
#[template(path = "admin_booking.html")]
struct SettingsTemplate {
    chrome: crate::view::AdminChrome,
    form: Form,
    saved: bool,
    notices: app::day::Settings,
    notices_saved: bool,
}

async fn settings_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Form,
    saved: Option<&str>,
    status: StatusCode,
) -> WebResult<Response> {
    let notices = state.app.notice_settings(actor).await?;
    let chrome =
        crate::view::AdminChrome::new(state, actor, view::tr("admin-booking"), "booking", csrf)
            .await;
    Ok((
        status,
        Html(render(SettingsTemplate {
            chrome,
            form,
            saved: saved.is_some_and(|s| s != "notices"),
            notices,
            notices_saved: saved == Some("notices"),
        })?),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// GET /admin/booking: the therapist's hours, exceptions, appointment types and rules.
pub async fn settings(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<SavedQuery>,
) -> WebResult<Response> {
    let s = state.app.booking_settings(&actor).await?;
    let form = Form::from_input(&domain::booking::settings_input(&s), Default::default());
    settings_page(
        &state,
        &actor,
        csrf,
        form,
        q.saved.as_deref(),
        StatusCode::OK,
    )
    .await
}

pub async fn save_settings(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<domain::booking::SettingsInput>,
) -> WebResult<Response> {
    match state.app.update_booking_settings(&actor, &input).await {
        Ok(()) => Ok(Redirect::to("/admin/booking?saved=1").into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            settings_page(
                &state,
                &actor,
                csrf,
                Form::from_input(&input, errors),
                None,
                status,
            )
            .await
        }
    }
}

/// One day of the week's list.
struct CalendarDay {
    heading: String,
    entries: Vec<CalendarLine>,
}

/// One appointment or blocked time on the list.
struct CalendarLine {
    range: String,
    /// The patient's name, or "blocked".
    who: String,
    id: String,
    /// "cancelled" or "cancelled late"; empty for a booked one.
    badge: String,
    booked: bool,
    has_room: bool,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarTemplate {
    chrome: crate::view::AdminChrome,
    days: Vec<CalendarDay>,
    cases: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    prev: String,
    next: String,
    zone_note: String,
    form: Form,
    feed_on: bool,
    new_feed: Option<String>,
}

#[derive(Deserialize)]
pub struct DayQuery {
    day: Option<String>,
}

async fn calendar_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    day: Option<jiff::civil::Date>,
    form: Form,
    status: StatusCode,
) -> WebResult<Response> {
    calendar_page_with(state, actor, csrf, day, form, status, None).await
}

async fn calendar_page_with(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    day: Option<jiff::civil::Date>,
    form: Form,
    status: StatusCode,
    new_feed: Option<String>,
) -> WebResult<Response> {
    let feed_on = state.app.feed_setting(actor).await?.is_some();
    let week = state.app.calendar_week(actor, day).await?;
    let viewer = Viewer::of(actor).in_zone(week.zone.clone());
    let days = week
        .days
        .iter()
        .map(|(date, entries)| {
            let lines = entries
                .iter()
                .map(|e| {
                    let range = viewer.range(&viewer.time(&e.start), &viewer.time(&e.end));
                    let who = if e.type_key == app::calendar::BLOCK {
                        view::tr("calendar-blocked")
                    } else {
                        e.patient.clone().unwrap_or_default()
                    };
                    let badge = match (e.status.as_str(), e.late) {
                        ("cancelled", true) => view::tr("calendar-cancelled-late"),
                        ("cancelled", false) => view::tr("calendar-cancelled"),
                        _ => String::new(),
                    };
                    let booked = e.status == "booked";
                    CalendarLine {
                        range,
                        who,
                        id: e.id.clone(),
                        badge,
                        booked,
                        has_room: booked && e.type_key != app::calendar::BLOCK,
                    }
                })
                .collect();
            CalendarDay {
                heading: viewer.weekday(*date),
                entries: lines,
            }
        })
        .collect();
    let cases = week
        .cases
        .iter()
        .map(|c| (c.id.to_string(), c.patient.name.clone()))
        .collect();
    let kinds = week
        .types
        .iter()
        .map(|t| (t.key.clone(), t.name.clone()))
        .collect();
    let prev = week
        .monday
        .checked_sub(jiff::Span::new().days(7))
        .map(|d| d.to_string())
        .unwrap_or_default();
    let next = week
        .monday
        .checked_add(jiff::Span::new().days(7))
        .map(|d| d.to_string())
        .unwrap_or_default();
    let zone_note = i18n::t_with("calendar-zone", &[("zone", viewer.zone_name().to_string())]);
    let title = i18n::t_with(
        "calendar-title",
        &[("date", viewer.civil_date(week.monday))],
    );
    let chrome = crate::view::AdminChrome::new(state, actor, title, "calendar", csrf).await;
    Ok((
        status,
        Html(render(CalendarTemplate {
            chrome,
            days,
            cases,
            kinds,
            prev,
            next,
            zone_note,
            form,
            feed_on,
            new_feed,
        })?),
    )
        .into_response())
}

/// GET /admin/calendar?day=: a week of the therapist's calendar in their own zone.
pub async fn calendar(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<DayQuery>,
) -> WebResult<Response> {
    let day = q.day.as_deref().and_then(|d| d.parse().ok());
    calendar_page(&state, &actor, csrf, day, Form::default(), StatusCode::OK).await
}

async fn after_calendar_write(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    input: &CalendarInput,
    result: Result<(), AppError>,
) -> WebResult<Response> {
    let day = input.date.parse::<jiff::civil::Date>().ok();
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/calendar?day={}", input.date.trim())).into_response())
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            calendar_page(
                state,
                actor,
                csrf,
                day,
                Form::from_input(input, errors),
                status,
            )
            .await
        }
    }
}

pub async fn add_appointment(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<CalendarInput>,
) -> WebResult<Response> {
    let result = state.app.add_appointment(&actor, &input).await;
    after_calendar_write(&state, &actor, csrf, &input, result).await
}

pub async fn block(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<CalendarInput>,
) -> WebResult<Response> {
    let result = state.app.block_time(&actor, &input).await;
    after_calendar_write(&state, &actor, csrf, &input, result).await
}

#[derive(Deserialize, serde::Serialize)]
pub struct GuestInput {
    #[serde(default)]
    email: String,
}

/// POST /admin/calendar/{id}/guests: invites another patient into an appointment's room.
pub async fn add_guest(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<AppointmentId>,
    CsrfForm(input): CsrfForm<GuestInput>,
) -> WebResult<Response> {
    match state
        .app
        .invite_to_room(&actor, id.as_str(), &input.email)
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/calendar").into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            // The week of that appointment, so the message stands next to its field.
            let day = state.app.appointment_day(&actor, id.as_str()).await?;
            let form = Form::from_input(&input, errors)
                .with("guest", input.email.clone())
                .with("guest_for", id.to_string());
            calendar_page(&state, &actor, csrf, day, form, status).await
        }
    }
}

pub async fn cancel_appointment(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<AppointmentId>,
    CsrfForm(_): CsrfForm<crate::extract::NoFields>,
) -> WebResult<Response> {
    state.app.cancel_appointment(&actor, id.as_str()).await?;
    Ok(Redirect::to("/admin/calendar").into_response())
}

#[derive(Deserialize)]
pub struct FeedInput {
    #[serde(default)]
    names: String,
}

/// POST /admin/calendar/feed: a new private feed address (the old stops working), shown once.
pub async fn new_feed(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<FeedInput>,
) -> WebResult<Response> {
    let url = state.app.new_feed(&actor, input.names == "on").await?;
    calendar_page_with(
        &state,
        &actor,
        csrf,
        None,
        Form::default(),
        StatusCode::OK,
        Some(url),
    )
    .await
}

pub async fn remove_feed(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfForm(_): CsrfForm<crate::extract::NoFields>,
) -> WebResult<Response> {
    state.app.remove_feed(&actor).await?;
    Ok(Redirect::to("/admin/calendar").into_response())
}

/// GET /calendar/{token}.ics: the subscribed feed (initials only, unless names were chosen).
pub async fn feed(State(state): State<WebState>, Path(file): Path<String>) -> WebResult<Response> {
    let token = file
        .strip_suffix(".ics")
        .and_then(FeedToken::parse)
        .ok_or(WebError(AppError::NotFound))?;
    let ics = state.app.calendar_feed(token.as_str()).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "private, max-age=300"),
        ],
        ics,
    )
        .into_response())
}

/// POST /admin/calendar/{id}/move: the therapist moves an appointment (a clash is refused).
pub async fn move_appointment(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<AppointmentId>,
    CsrfForm(input): CsrfForm<CalendarInput>,
) -> WebResult<Response> {
    let result = state
        .app
        .move_appointment(&actor, id.as_str(), &input)
        .await;
    after_calendar_write(&state, &actor, csrf, &input, result).await
}
