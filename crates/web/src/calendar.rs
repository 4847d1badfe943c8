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
use domain::booking::Exception;
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

/// One appointment (or blocked time) placed in the week's grid.
pub struct GridItem {
    pub id: String,
    pub time: String,
    pub label: String,
    pub block: bool,
    /// The grid's row (`r-N`) and how many rows it spans (`s-N`): 15 minutes each.
    pub row: i64,
    pub span: i64,
}

/// One day of the grid.
pub struct GridDay {
    pub date: String,
    pub heading: String,
    pub short: String,
    pub today: bool,
    pub focus: bool,
    pub items: Vec<GridItem>,
    /// The hours offered that day, as (row, span): the weekly hours, changed by the day's
    /// exceptions.
    pub windows: Vec<(i64, i64)>,
    /// A day off (an exception): nothing offered, said in the day's heading.
    pub off: bool,
    /// Cancelled this day (listed under the grid, not drawn in it).
    pub cancelled: Vec<Cancelled>,
}

/// A cancelled appointment of the week.
pub struct Cancelled {
    pub range: String,
    pub who: String,
    pub id: String,
    /// "cancelled" or "cancelled late".
    pub badge: String,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarTemplate {
    chrome: crate::view::AdminChrome,
    days: Vec<GridDay>,
    /// The hour labels down the side: (row, "09:00").
    hours: Vec<(i64, String)>,
    /// The row after the last one (each column ends there).
    last_row: i64,
    any_cancelled: bool,
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

/// Rows are quarter hours; the grid shows 08:00 to 20:00, or more when something lies outside.
const ROW_MINUTES: i64 = 15;

fn minute_of_day(z: &jiff::Zoned) -> i64 {
    i64::from(z.hour()) * 60 + i64::from(z.minute())
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
    let today = state.app.now().to_zoned(week.zone.clone()).date();
    let in_week = |d: jiff::civil::Date| week.days.iter().any(|(date, _)| *date == d);
    let focus = day
        .filter(|d| in_week(*d))
        .or(Some(today).filter(|d| in_week(*d)))
        .unwrap_or(week.monday);
    // The hours shown: 08 to 20, widened to whatever is booked or offered outside them.
    let (mut first, mut last) = (8 * 60, 20 * 60);
    for (_, entries) in &week.days {
        for e in entries.iter().filter(|e| e.status == "booked") {
            let s = e.start.to_zoned(week.zone.clone());
            let en = e.end.to_zoned(week.zone.clone());
            first = first.min(minute_of_day(&s));
            last = last.max(if en.date() > s.date() {
                24 * 60
            } else {
                minute_of_day(&en)
            });
        }
    }
    let minutes = |t: jiff::civil::Time| i64::from(t.hour()) * 60 + i64::from(t.minute());
    // The hours offered on a date, in minutes of the day: the weekly hours unless the date is a
    // day off, and any extra hours of that date.
    let offered = |date: jiff::civil::Date| -> (bool, Vec<(i64, i64)>) {
        let off = week
            .exceptions
            .iter()
            .any(|x| matches!(x, Exception::DayOff(d) if *d == date));
        let mut hours: Vec<(i64, i64)> = if off {
            Vec::new()
        } else {
            week.windows
                .iter()
                .filter(|w| w.weekday == date.weekday())
                .map(|w| (minutes(w.start), minutes(w.end)))
                .collect()
        };
        hours.extend(week.exceptions.iter().filter_map(|x| match x {
            Exception::Extra {
                date: d,
                start,
                end,
            } if *d == date => Some((minutes(*start), minutes(*end))),
            _ => None,
        }));
        (off, hours)
    };
    for (date, _) in &week.days {
        for (from, to) in offered(*date).1 {
            first = first.min(from);
            last = last.max(to);
        }
    }
    let first = first / 60 * 60;
    let last = (last + 59) / 60 * 60;
    let row_of = |minute: i64| (minute.clamp(first, last) - first) / ROW_MINUTES + 2;
    let span_of = |from: i64, to: i64| {
        ((to.min(last) - from.max(first) + ROW_MINUTES - 1) / ROW_MINUTES).max(1)
    };
    let days = week
        .days
        .iter()
        .map(|(date, entries)| {
            let mut items = Vec::new();
            let mut cancelled = Vec::new();
            for e in entries {
                let range = viewer.range(&viewer.time(&e.start), &viewer.time(&e.end));
                let block = e.type_key == app::calendar::BLOCK;
                let who = if block {
                    view::tr("calendar-blocked")
                } else {
                    e.patient.clone().unwrap_or_default()
                };
                if e.status != "booked" {
                    let badge = if e.late {
                        view::tr("calendar-cancelled-late")
                    } else {
                        view::tr("calendar-cancelled")
                    };
                    cancelled.push(Cancelled {
                        range,
                        who,
                        id: e.id.clone(),
                        badge,
                    });
                    continue;
                }
                let s = e.start.to_zoned(week.zone.clone());
                let en = e.end.to_zoned(week.zone.clone());
                let from = minute_of_day(&s);
                let to = if en.date() > s.date() {
                    24 * 60
                } else {
                    minute_of_day(&en)
                };
                let kind = week
                    .types
                    .iter()
                    .find(|t| t.key == e.type_key)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                items.push(GridItem {
                    id: e.id.clone(),
                    time: range,
                    label: if block {
                        who
                    } else {
                        format!("{who} · {kind}")
                    },
                    block,
                    row: row_of(from),
                    span: span_of(from, to),
                });
            }
            let (off, hours) = offered(*date);
            let windows = hours
                .into_iter()
                .map(|(from, to)| (row_of(from), span_of(from, to)))
                .collect();
            GridDay {
                date: date.to_string(),
                heading: viewer.weekday(*date),
                short: format!(
                    "{} {}",
                    viewer.t(&format!(
                        "weekday-short-{}",
                        date.weekday().to_monday_one_offset()
                    )),
                    date.day()
                ),
                today: *date == today,
                focus: *date == focus,
                items,
                windows,
                off,
                cancelled,
            }
        })
        .collect();
    let days: Vec<GridDay> = days;
    let any_cancelled = days.iter().any(|d| !d.cancelled.is_empty());
    let hours = (first / 60..last / 60)
        .map(|h| (row_of(h * 60), format!("{h:02}:00")))
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
            hours,
            last_row: row_of(last),
            any_cancelled,
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

#[derive(Template)]
#[template(path = "admin_appointment.html")]
struct AppointmentTemplate {
    chrome: crate::view::AdminChrome,
    a: app::calendar::AppointmentDetail,
    when: String,
    range: String,
    week: String,
    form: Form,
    /// What became of the session (none for blocked time).
    attendance: Option<crate::attendance::Section>,
}

pub(crate) async fn appointment_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    id: &AppointmentId,
    form: Form,
    status: StatusCode,
) -> WebResult<Response> {
    let a = state.app.appointment_detail(actor, id.as_str()).await?;
    let attendance = state
        .app
        .session_attendance(actor, id.as_str())
        .await?
        .map(crate::attendance::Section::new);
    let form = match &attendance {
        Some(section) => section.fill(form),
        None => form,
    };
    let viewer = Viewer::of(actor).in_zone(a.zone.clone());
    let start = a.start.to_zoned(a.zone.clone());
    let when = viewer.weekday(start.date());
    let range = viewer.range(&viewer.time(&a.start), &viewer.time(&a.end));
    let title = match &a.patient {
        Some(name) => i18n::t_with(
            "appointment-title",
            &[("kind", a.kind.clone()), ("name", name.clone())],
        ),
        None => view::tr("calendar-blocked"),
    };
    // The move form starts from the appointment's own date and time.
    let form = if form.value("date").is_empty() && form.value("time").is_empty() {
        form.with("date", start.date().to_string())
            .with("time", format!("{:02}:{:02}", start.hour(), start.minute()))
    } else {
        form
    };
    let chrome = crate::view::AdminChrome::new(state, actor, title, "calendar", csrf).await;
    Ok((
        status,
        Html(render(AppointmentTemplate {
            chrome,
            week: start.date().to_string(),
            when,
            range,
            a,
            form,
            attendance,
        })?),
    )
        .into_response())
}

/// GET /admin/calendar/{id}: one appointment, with its room, and cancel, move and invite.
pub async fn appointment(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<AppointmentId>,
) -> WebResult<Response> {
    appointment_page(&state, &actor, csrf, &id, Form::default(), StatusCode::OK).await
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
        Ok(()) => Ok(Redirect::to(&format!("/admin/calendar/{id}?invited=1")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input, errors).with("guest", input.email.clone());
            appointment_page(&state, &actor, csrf, &id, form, status).await
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
    Ok(Redirect::to(&format!("/admin/calendar/{id}")).into_response())
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
    match state
        .app
        .move_appointment(&actor, id.as_str(), &input)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/calendar/{id}")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            appointment_page(
                &state,
                &actor,
                csrf,
                &id,
                Form::from_input(&input, errors),
                status,
            )
            .await
        }
    }
}
