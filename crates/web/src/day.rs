//! The therapist's day (`/admin`): the first page of their morning. Risk first, then the session
//! to join now, who waits in a room, today and tomorrow, and each thing that needs them, each
//! linking to where it is handled.

use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm};
use crate::site::render;
use crate::view::{self, AdminChrome};
use crate::WebState;
use app::day::{Day, NoticeInput};
use app::i18n::format::Reader;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};

/// One line of a list on the day's page.
pub struct Line {
    pub href: String,
    pub who: String,
    /// What it is, in the reader's words (may be empty).
    pub what: String,
    pub when: String,
}

/// One session of today or tomorrow.
pub struct SessionLine {
    pub id: String,
    pub range: String,
    pub kind: String,
    pub who: String,
    pub now: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DayTemplate {
    chrome: AdminChrome,
    date: String,
    now: Option<SessionLine>,
    today: Vec<SessionLine>,
    tomorrow: Vec<SessionLine>,
    waiting: Vec<Line>,
    risks: Vec<Line>,
    changes: Vec<Line>,
    since: String,
    unread: Vec<Line>,
    inquiries: Option<Vec<Line>>,
    returned: Vec<Line>,
    countersign: Vec<Line>,
    notes: Vec<Line>,
    /// Sessions whose attendance is not recorded, or whose charge is not decided.
    attendance: Vec<Line>,
    /// Records past retention and patients' requests waiting for the therapist's decision.
    erasure_due: usize,
    /// Erasures since the master key was last rotated (the owner's notice).
    unrotated: u64,
    clear: bool,
    /// The owner's reminder to keep a copy of the master key, until they confirm one.
    key_copy: Option<KeyCopy>,
}

/// Where the master key is, for the reminder: its file's path, or `None` for the variable.
pub struct KeyCopy {
    pub file: Option<String>,
}

fn sessions(day: &Day, r: &Reader, tomorrow: bool) -> Vec<SessionLine> {
    day.sessions
        .iter()
        .filter(|s| s.tomorrow == tomorrow)
        .map(|s| SessionLine {
            id: s.entry.id.clone(),
            range: r.range(&r.time(&s.entry.start), &r.time(&s.entry.end)),
            kind: s.kind.clone(),
            who: s.entry.patient.clone().unwrap_or_default(),
            now: s.now,
        })
        .collect()
}

fn case_lines(items: &[app::day::CaseItem], r: &Reader, what: &str, href: &str) -> Vec<Line> {
    items
        .iter()
        .map(|i| Line {
            href: href.replace("{case}", i.case.as_str()),
            who: i.patient.clone(),
            what: if what.is_empty() {
                String::new()
            } else {
                crate::i18n::t_with(what, &[("count", i.count.to_string())])
            },
            when: r.weekday_time(&i.at),
        })
        .collect()
}

/// GET /admin: the day.
pub async fn page(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    let day = state.app.day(&actor).await?;
    let r = crate::extract::Viewer::of(&actor).in_zone(day.zone.clone());
    let today_date = state.app.now().to_zoned(day.zone.clone()).date();
    let now = sessions(&day, &r, false)
        .into_iter()
        .chain(sessions(&day, &r, true))
        .find(|s| s.now);
    let waiting = day
        .waiting
        .iter()
        .map(|w| Line {
            href: format!("/rooms/{}", w.appointment),
            who: w.name.clone(),
            what: String::new(),
            when: r.time(&w.since),
        })
        .collect();
    let changes = day
        .changes
        .iter()
        .map(|c| {
            let kind = day
                .types
                .iter()
                .find(|t| t.key == c.type_key)
                .map_or_else(|| c.type_key.clone(), |t| t.name.clone());
            Line {
                href: format!("/admin/calendar/{}", c.appointment),
                who: c.patient.clone(),
                what: crate::i18n::t_with(
                    if c.cancelled {
                        "day-change-cancelled"
                    } else {
                        "day-change-booked"
                    },
                    &[("kind", kind), ("when", r.weekday_time(&c.start))],
                ),
                when: r.weekday_time(&c.at),
            }
        })
        .collect();
    let inquiries = day.inquiries.as_ref().map(|list| {
        list.iter()
            .map(|i| Line {
                href: format!("/admin/inquiries/{}", i.id),
                who: i.name.clone(),
                what: String::new(),
                when: r.weekday_time(&i.created_at),
            })
            .collect()
    });
    let returned = day
        .returned
        .iter()
        .map(|q| Line {
            href: format!("/admin/responses/{}", q.response),
            who: q.patient.clone(),
            what: view::tr("day-returned-what"),
            when: r.weekday_time(&q.at),
        })
        .collect();
    let countersign = day
        .countersign
        .iter()
        .map(|a| Line {
            href: format!("/admin/cases/{}#agreement", a.case),
            who: a.patient.clone(),
            what: view::tr("day-countersign-what"),
            when: r.weekday_time(&a.at),
        })
        .collect();
    let since = day.since.map(|t| r.weekday_time(&t)).unwrap_or_default();
    let key_copy = state
        .app
        .master_key_reminder(&actor)
        .await?
        .map(|k| KeyCopy {
            file: match k.location {
                app::key_copy::KeyLocation::File(path) => Some(path),
                app::key_copy::KeyLocation::Variable => None,
            },
        });
    let erasure_due = state.app.records_due_count(&actor).await?;
    let unrotated = state.app.erasures_since_rotation(&actor).await?;
    let chrome = AdminChrome::new(
        &state,
        &actor,
        view::tr("admin-dashboard"),
        "dashboard",
        csrf,
    )
    .await;
    let page = DayTemplate {
        date: r.weekday(today_date),
        today: sessions(&day, &r, false),
        tomorrow: sessions(&day, &r, true),
        now,
        waiting,
        risks: case_lines(&day.risks, &r, "day-risk-what", "/admin/cases/{case}"),
        changes,
        since,
        unread: case_lines(
            &day.unread,
            &r,
            "day-unread-what",
            "/admin/cases/{case}#messages",
        ),
        inquiries,
        returned,
        countersign,
        notes: case_lines(
            &day.notes,
            &r,
            "day-notes-what",
            "/admin/cases/{case}/workspace",
        )
        .into_iter()
        .chain(day.unsigned.iter().map(|u| Line {
            href: format!("/admin/notes/{}", u.appointment),
            who: u.patient_name.clone(),
            what: view::tr(if u.drafted {
                "day-note-unsigned-what"
            } else {
                "day-note-unwritten-what"
            }),
            when: r.weekday_time(&u.start),
        }))
        .collect(),
        attendance: day
            .attendance
            .iter()
            .map(|s| Line {
                href: format!("/admin/calendar/{}#attendance-heading", s.appointment),
                who: s.patient_name.clone(),
                what: view::tr(match s.attendance {
                    None => "day-attendance-unrecorded-what",
                    Some(domain::attendance::Attendance::NoShow) => "day-attendance-no-show-what",
                    Some(_) => "day-attendance-late-what",
                }),
                when: r.weekday_time(&s.start),
            })
            .collect(),
        clear: day.is_clear() && erasure_due == 0,
        key_copy,
        erasure_due,
        unrotated,
        chrome,
    };
    Ok(Html(render(page)?).into_response())
}

/// POST /admin/seen: the bookings and cancellations shown are seen.
pub async fn seen(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfForm(_): CsrfForm<crate::extract::NoFields>,
) -> WebResult<Response> {
    state.app.mark_day_seen(&actor).await?;
    Ok(Redirect::to("/admin").into_response())
}

/// POST /admin/master-key-copy: the owner has a copy of the master key away from the server.
pub async fn master_key_copy(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfForm(_): CsrfForm<crate::extract::NoFields>,
) -> WebResult<Response> {
    state.app.confirm_master_key_copy(&actor).await?;
    Ok(Redirect::to("/admin").into_response())
}

/// POST /admin/notices: what the therapist wants to be told at once.
pub async fn save_notices(
    State(state): State<WebState>,
    Caller(actor): Caller,
    CsrfForm(input): CsrfForm<NoticeInput>,
) -> WebResult<Response> {
    state.app.save_notice_settings(&actor, &input).await?;
    Ok(Redirect::to("/admin/booking?saved=notices#notices").into_response())
}
