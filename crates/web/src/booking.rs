//! Booking the first consultation: slots in the visitor's own zone, the form, the confirmation.

use crate::error::{WebError, WebResult};
use crate::extract::Path;
use crate::extract::{Caller, ClientInfo, Csrf, CsrfForm, Viewer};
use crate::site::render;
use crate::view::{self, Chrome, Form};
use crate::{i18n, WebState};
use app::booking::{slot_ref, BookingInput, Offer};
use app::i18n::Reader;
use app::AppError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::booking::Slot;
use domain::ids::LinkToken;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct BookQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    tz: Option<String>,
    at: Option<i64>,
    reschedule: Option<String>,
    /// Which week of free times (0: the one starting today); none: the first with a free time.
    week: Option<i64>,
}

/// "Monday 2 March 2026, 14:05 (Europe/Athens)": a slot as the visitor reads it.
fn when(slot: &Slot, viewer: &Reader) -> String {
    viewer.with_zone_name(&viewer.day_time(&slot.start))
}

#[derive(Template)]
#[template(path = "book.html")]
struct BookTemplate {
    chrome: Chrome,
    /// A manage-link token when the patient is choosing a new time.
    reschedule: String,
    offer: Option<Offer>,
    zone: String,
    zones: Vec<ZoneGroup>,
    /// Set when `?tz=` named no zone we know: said next to the chooser.
    zone_error: String,
    /// "30 Nov – 6 Dec": the week shown.
    week_label: String,
    /// Links to the nearest earlier and later weeks with free times.
    earlier: Option<String>,
    later: Option<String>,
    days: Vec<(String, Vec<(String, String)>)>,
    viewer: Reader,
    currency: String,
}

impl BookTemplate {
    fn price(&self, cents: &i64) -> String {
        self.viewer.money(*cents, &self.currency)
    }

    fn minutes(&self, minutes: &i64) -> String {
        self.viewer.minutes(*minutes)
    }
}

/// One `<optgroup>` of the zone chooser: a region and its zones as (value, "Berlin (UTC+01:00)").
pub struct ZoneGroup {
    pub label: String,
    pub zones: Vec<(String, String)>,
}

/// "UTC+05:30", "UTC−03:00", "UTC": a zone's offset from UTC at `now`.
fn offset_label(zone: &jiff::tz::TimeZone, now: jiff::Timestamp) -> String {
    let seconds = zone.to_offset(now).seconds();
    if seconds == 0 {
        return "UTC".into();
    }
    let sign = if seconds < 0 { '\u{2212}' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The canonical zones grouped by region, each with its offset now. A zone that works but is not
/// canonical (an old alias someone's link carries) is listed first, so the chooser shows it chosen.
pub fn zone_groups(current: &str, now: jiff::Timestamp) -> Vec<ZoneGroup> {
    let label = |name: &str, place: String| match jiff::tz::TimeZone::get(name) {
        Ok(zone) => Some(format!("{place} ({})", offset_label(&zone, now))),
        Err(_) => None,
    };
    let mut groups: Vec<ZoneGroup> = Vec::new();
    if !domain::zones::is_canonical(current) {
        if let Some(l) = label(current, current.replace('_', " ")) {
            groups.push(ZoneGroup {
                label: view::tr("zone-region-current"),
                zones: vec![(current.to_string(), l)],
            });
        }
    }
    for z in domain::zones::all() {
        let Some(l) = label(z.name, z.place()) else {
            continue;
        };
        let region = view::tr(&format!("zone-region-{}", z.region().to_lowercase()));
        match groups.last_mut() {
            Some(g) if g.label == region => g.zones.push((z.name.to_string(), l)),
            _ => groups.push(ZoneGroup {
                label: region,
                zones: vec![(z.name.to_string(), l)],
            }),
        }
    }
    groups.push(ZoneGroup {
        label: view::tr("zone-region-utc"),
        zones: vec![("UTC".into(), "UTC".into())],
    });
    groups
}

/// GET /book: open times for the chosen type, in the visitor's zone, one week at a time (the first
/// with a free time unless `?week=` asks for another), grouped by their local day.
pub async fn page(
    State(state): State<WebState>,
    Caller(actor): Caller,
    viewer: Viewer,
    Query(q): Query<BookQuery>,
) -> WebResult<Response> {
    let asked_zone = q.tz.as_deref().map(str::trim).filter(|z| !z.is_empty());
    let zone_error = match asked_zone {
        Some(z) if app::i18n::format::zone(z).is_none() => i18n::t_with(
            "book-zone-unknown",
            &[("zone", z.chars().take(64).collect::<String>())],
        ),
        _ => String::new(),
    };
    let viewer = viewer.with_zone(asked_zone).0;
    // Moving a booking offers its own therapist's times for its own type.
    let moving = q
        .reschedule
        .as_deref()
        .filter(|t| domain::ids::is_link_token(t));
    let offer = match moving {
        Some(token) => state.app.reschedule_offer(token).await?,
        None => state.app.offer(&actor, q.kind.as_deref()).await?,
    };
    let now = state.app.now();
    let week = domain::booking::week_of(
        offer.as_ref().map_or(&[][..], |o| &o.slots[..]),
        viewer.zone(),
        viewer.local_date(&now),
        q.week,
    );
    let mut days: Vec<(String, Vec<(String, String)>)> = Vec::new();
    if let Some(o) = &offer {
        for s in &week.slots {
            let day = viewer.day(&s.start);
            let entry = (viewer.time(&s.start), slot_ref(&o.therapist, &o.kind, s));
            match days.last_mut() {
                Some((d, list)) if *d == day => list.push(entry),
                _ => days.push((day, vec![entry])),
            }
        }
    }
    let zone = viewer.zone_name().to_string();
    let reschedule = q
        .reschedule
        .clone()
        .filter(|t| domain::ids::is_link_token(t))
        .unwrap_or_default();
    let week_href = |n: i64| {
        let mut href = format!("/book?tz={}&week={n}", view::url_encode(&zone));
        if let Some(o) = &offer {
            href.push_str(&format!("&type={}", view::url_encode(&o.kind.key)));
        }
        if !reschedule.is_empty() {
            href.push_str(&format!("&reschedule={reschedule}"));
        }
        href
    };
    let chrome = Chrome::public(
        &state,
        view::tr("book-heading"),
        view::tr("book-intro"),
        Some("/book"),
    )
    .await;
    let earlier = week.earlier.map(week_href);
    let later = week.later.map(week_href);
    Ok((
        StatusCode::OK,
        Html(render(BookTemplate {
            chrome,
            offer,
            zones: zone_groups(&zone, now),
            zone_error,
            week_label: i18n::t_with(
                "format-range",
                &[
                    ("from", viewer.date_day_month(week.from)),
                    ("to", viewer.date_day_month(week.to)),
                ],
            ),
            earlier,
            later,
            reschedule,
            zone,
            days,
            currency: state.app.currency().await?,
            viewer,
        })?),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "book_form.html")]
struct FormTemplate {
    chrome: Chrome,
    heading: String,
    when: String,
    slot_ref: String,
    zone: String,
    form: Form,
    csrf: String,
    consent_label: String,
    /// Set when the time was just taken: the nearest free times, each a button that books it.
    nearest: Option<Vec<(String, String)>>,
    kept: Vec<(String, String)>,
    /// Every country by name: where the person will be, for the crisis services they are shown.
    countries: Vec<(String, String)>,
}

impl FormTemplate {
    fn book_at(&self, label: &str) -> String {
        i18n::t_with("book-at", &[("time", label.to_string())])
    }
}

fn slot_of(raw: &str) -> WebResult<(String, Slot)> {
    let start = raw
        .rsplit('-')
        .next()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .ok_or(WebError(AppError::NotFound))?;
    Ok((raw.to_string(), Slot { start, end: start }))
}

struct FormPage {
    slot_ref: String,
    slot: Slot,
    viewer: Reader,
    form: Form,
    nearest: Option<Vec<(String, String)>>,
    kept: Vec<(String, String)>,
    status: StatusCode,
}

async fn form_page(state: &WebState, csrf: String, p: FormPage) -> WebResult<Response> {
    let chrome = Chrome::public(state, view::tr("book-form-heading"), String::new(), None).await;
    let page = FormTemplate {
        chrome,
        heading: view::tr(if p.nearest.is_some() {
            "book-taken-heading"
        } else {
            "book-form-heading"
        }),
        when: when(&p.slot, &p.viewer),
        slot_ref: p.slot_ref,
        zone: p.viewer.zone_name().to_string(),
        form: p.form,
        csrf,
        consent_label: view::tr("field-consent-booking"),
        nearest: p.nearest,
        kept: p.kept,
        countries: crate::practice::country_options(),
    };
    Ok((p.status, Html(render(page)?)).into_response())
}

pub async fn form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(q): Query<BookQuery>,
) -> WebResult<Response> {
    let (slot_ref, slot) = slot_of(&raw)?;
    let viewer = viewer.with_zone(q.tz.as_deref()).0;
    // Where they are is guessed from the zone they chose; they may say otherwise.
    let country = domain::zones::country_of(viewer.zone_name()).unwrap_or_default();
    form_page(
        &state,
        csrf,
        FormPage {
            slot_ref,
            slot,
            viewer,
            form: Form::default().with("country", country),
            nearest: None,
            kept: Vec::new(),
            status: StatusCode::OK,
        },
    )
    .await
}

/// POST /book/{slot}: booked → the confirmation; the time was just taken → the nearest free times,
/// each a button that books it with what was typed.
pub async fn book(
    State(state): State<WebState>,
    Caller(actor): Caller,
    ClientInfo(client): ClientInfo,
    Csrf(csrf): Csrf,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(input): CsrfForm<BookingInput>,
) -> WebResult<Response> {
    let (slot_ref_text, slot) = slot_of(&raw)?;
    let viewer = viewer.with_zone(Some(&input.time_zone)).0;
    let zone_name = viewer.zone_name().to_string();
    match state
        .app
        .book_consultation(&actor, &slot_ref_text, &input, &client)
        .await
    {
        Ok(Ok(booked)) => Ok(Redirect::to(&format!(
            "/book/confirmed?at={}&tz={}",
            booked.slot.start.as_second(),
            view::url_encode(&zone_name)
        ))
        .into_response()),
        Ok(Err(taken)) => {
            let offer = state.app.offer(&actor, None).await?;
            let nearest = taken
                .nearest
                .iter()
                .filter_map(|s| {
                    offer
                        .as_ref()
                        .map(|o| (when(s, &viewer), slot_ref(&o.therapist, &o.kind, s)))
                })
                .collect();
            let kept = vec![
                ("name".into(), input.name.clone()),
                ("email".into(), input.email.clone()),
                ("phone".into(), input.phone.clone()),
                ("note".into(), input.note.clone()),
                ("consent".into(), input.consent.clone()),
                ("time_zone".into(), zone_name.clone()),
                ("country".into(), input.country.clone()),
            ];
            form_page(
                &state,
                csrf,
                FormPage {
                    slot_ref: slot_ref_text,
                    slot,
                    viewer,
                    form: Form::default(),
                    nearest: Some(nearest),
                    kept,
                    status: StatusCode::CONFLICT,
                },
            )
            .await
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            form_page(
                &state,
                csrf,
                FormPage {
                    slot_ref: slot_ref_text,
                    slot,
                    viewer,
                    form: Form::from_input(&input, errors),
                    nearest: None,
                    kept: Vec::new(),
                    status,
                },
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "book_confirmed.html")]
struct ConfirmedTemplate {
    chrome: Chrome,
    when: String,
}

pub async fn confirmed(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<BookQuery>,
) -> WebResult<Response> {
    let viewer = viewer.with_zone(q.tz.as_deref());
    let start =
        q.at.and_then(|s| jiff::Timestamp::from_second(s).ok())
            .ok_or(WebError(AppError::NotFound))?;
    let chrome = Chrome::public(
        &state,
        view::tr("book-confirmed-heading"),
        String::new(),
        None,
    )
    .await;
    Ok(Html(render(ConfirmedTemplate {
        chrome,
        when: when(&Slot { start, end: start }, &viewer),
    })?)
    .into_response())
}

#[derive(Template)]
#[template(path = "manage_booking.html")]
struct ManageTemplate {
    chrome: Chrome,
    heading: String,
    when: String,
    m: app::booking::Manage,
    token: LinkToken,
    csrf: String,
    late_text: String,
    error: String,
}

async fn manage_page(
    state: &WebState,
    viewer: Viewer,
    token: LinkToken,
    csrf: String,
    error: String,
    status: StatusCode,
) -> WebResult<Response> {
    let m = state.app.managed_booking(&token).await?;
    let viewer = viewer.with_zone(Some(&m.zone));
    let heading = i18n::t_with(
        "manage-heading",
        &[
            ("kind", app::i18n::mid_sentence(&m.kind_name)),
            ("name", m.therapist_name.clone()),
        ],
    );
    let when = when(
        &Slot {
            start: m.when,
            end: m.when,
        },
        &viewer,
    );
    let late_text = i18n::t_with("manage-late", &[("hours", m.notice_hours.to_string())]);
    let chrome = Chrome::public(state, heading.clone(), String::new(), None).await;
    Ok((
        status,
        Html(render(ManageTemplate {
            chrome,
            heading,
            when,
            m,
            token,
            csrf,
            late_text,
            error,
        })?),
    )
        .into_response())
}

/// GET /booking/{token}: the patient's own booking, reached from the confirmation mail.
pub async fn manage(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    viewer: Viewer,
    Path(token): Path<LinkToken>,
) -> WebResult<Response> {
    manage_page(&state, viewer, token, csrf, String::new(), StatusCode::OK).await
}

pub async fn cancel(
    State(state): State<WebState>,
    ClientInfo(client): ClientInfo,
    Csrf(csrf): Csrf,
    viewer: Viewer,
    Path(token): Path<LinkToken>,
    CsrfForm(_): CsrfForm<crate::extract::NoFields>,
) -> WebResult<Response> {
    match state.app.cancel_booking(&token, &client).await {
        Ok(()) => Ok(Redirect::to(&format!("/booking/{token}")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let message = errors
                .iter()
                .next()
                .map(view::error_text)
                .unwrap_or_default();
            manage_page(&state, viewer, token, csrf, message, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "move_booking.html")]
struct MoveTemplate {
    chrome: Chrome,
    when: String,
    token: LinkToken,
    slot_ref: String,
    csrf: String,
    error: String,
}

async fn move_page(
    state: &WebState,
    viewer: Reader,
    token: LinkToken,
    raw: String,
    csrf: String,
    error: String,
    status: StatusCode,
) -> WebResult<Response> {
    let (_, slot) = slot_of(&raw)?;
    let chrome = Chrome::public(state, view::tr("move-heading"), String::new(), None).await;
    Ok((
        status,
        Html(render(MoveTemplate {
            chrome,
            when: when(&slot, &viewer),
            token,
            slot_ref: raw,
            csrf,
            error,
        })?),
    )
        .into_response())
}

/// GET /booking/{token}/move/{slot}: confirm moving the booking to this time.
pub async fn move_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    viewer: Viewer,
    Path((token, raw)): Path<(LinkToken, String)>,
    Query(q): Query<BookQuery>,
) -> WebResult<Response> {
    let m = state.app.managed_booking(&token).await?;
    let viewer = viewer.with_zone(Some(&m.zone)).with_zone(q.tz.as_deref()).0;
    move_page(
        &state,
        viewer,
        token,
        raw,
        csrf,
        String::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn move_booking(
    State(state): State<WebState>,
    ClientInfo(client): ClientInfo,
    Csrf(csrf): Csrf,
    viewer: Viewer,
    Path((token, raw)): Path<(LinkToken, String)>,
    CsrfForm(_): CsrfForm<crate::extract::NoFields>,
) -> WebResult<Response> {
    let m = state.app.managed_booking(&token).await?;
    let viewer = viewer.with_zone(Some(&m.zone)).0;
    match state.app.reschedule_booking(&token, &raw, &client).await {
        Ok(Ok(_)) => Ok(Redirect::to(&format!("/booking/{token}")).into_response()),
        Ok(Err(_)) => {
            move_page(
                &state,
                viewer.clone(),
                token,
                raw,
                csrf,
                view::tr("book-taken-text"),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let message = errors
                .iter()
                .next()
                .map(view::error_text)
                .unwrap_or_default();
            move_page(&state, viewer.clone(), token, raw, csrf, message, status).await
        }
    }
}
