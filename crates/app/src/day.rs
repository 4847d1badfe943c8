//! The therapist's day (`/admin`): today's and tomorrow's sessions, who waits in a room, and
//! everything that needs them, risk first; being told at once of bookings, cancellations and
//! moves; the daily agenda; and what a visitor told the practice before they were a patient.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::mail::Change;
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::audit::AuditAction;
use domain::booking::AppointmentType;
use domain::ids::{CaseId, InquiryId, UserId};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use store::booking::CalendarEntry;
use store::day::{self as rows, Returned, ToCountersign, Waiting};
pub use store::day::{CaseItem, Settings};
use store::Conn;

/// How long before its start a session becomes the one to join.
pub const JOIN_LEAD: SignedDuration = SignedDuration::from_mins(15);

/// A session on the day's list.
pub struct Session {
    pub entry: CalendarEntry,
    /// What the therapist calls this kind of appointment.
    pub kind: String,
    /// The next session, from 15 minutes before its start until its end: shown first, large.
    pub now: bool,
    pub tomorrow: bool,
}

/// Everything the day's page shows.
/// A session's note not signed this long after the session ended is shown on the day.
pub const UNSIGNED_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
/// How far back the day looks for unsigned notes (older ones are on the case's page).
pub const UNSIGNED_LOOKBACK: jiff::SignedDuration = jiff::SignedDuration::from_hours(24 * 90);
/// How far back (from the start of today) the day looks for attendance not recorded.
pub const ATTENDANCE_LOOKBACK: jiff::SignedDuration = jiff::SignedDuration::from_hours(24 * 90);

pub struct Day {
    pub zone: TimeZone,
    pub sessions: Vec<Session>,
    pub waiting: Vec<Waiting>,
    pub risks: Vec<CaseItem>,
    /// Bookings and cancellations since the therapist last marked the news as seen.
    pub changes: Vec<rows::Change>,
    pub since: Option<Timestamp>,
    pub unread: Vec<CaseItem>,
    /// New inquiries (for whoever handles them: the owner), newest first.
    pub inquiries: Option<Vec<domain::inquiry::InquirySummary>>,
    pub returned: Vec<Returned>,
    pub countersign: Vec<ToCountersign>,
    pub notes: Vec<CaseItem>,
    /// Sessions that ended a day or more ago without a signed note.
    pub unsigned: Vec<store::notes::Unsigned>,
    /// Sessions before today whose attendance is not recorded, and late cancellations and
    /// no-shows that wait for the charge decision.
    pub attendance: Vec<store::attendance::ToRecord>,
    pub types: Vec<AppointmentType>,
}

impl Day {
    /// Nothing needs the therapist (the sessions aside).
    pub fn is_clear(&self) -> bool {
        self.waiting.is_empty()
            && self.risks.is_empty()
            && self.changes.is_empty()
            && self.unread.is_empty()
            && self.inquiries.as_ref().is_none_or(Vec::is_empty)
            && self.returned.is_empty()
            && self.countersign.is_empty()
            && self.notes.is_empty()
            && self.unsigned.is_empty()
            && self.attendance.is_empty()
    }
}

/// What the therapist ticks in "Tell me at once".
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct NoticeInput {
    #[serde(default)]
    pub tell_booking: String,
    #[serde(default)]
    pub tell_cancellation: String,
    #[serde(default)]
    pub tell_move: String,
    #[serde(default)]
    pub daily_agenda: String,
}

fn ticked(v: &str) -> bool {
    matches!(v, "on" | "true" | "yes")
}

/// What the visitor told the practice: the phone number and note given at booking, and the
/// message of the inquiry the case began with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VisitorWords {
    pub phone: String,
    pub note: String,
    pub inquiry: String,
}

impl VisitorWords {
    pub fn is_empty(&self) -> bool {
        self.phone.is_empty() && self.note.is_empty() && self.inquiry.is_empty()
    }
}

/// The hour (the therapist's) at which the daily agenda is sent.
const AGENDA_HOUR: i8 = 7;

impl App {
    /// The therapist's day. Reads only: lists, names and times, no clinical text.
    #[tracing::instrument(skip_all)]
    pub async fn day(&self, actor: &Actor) -> AppResult<Day> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let zone = TimeZone::get(&user.time_zone).unwrap_or(TimeZone::UTC);
        let now = self.now();
        let today = now.to_zoned(zone.clone()).date();
        let start = today
            .to_zoned(zone.clone())
            .map_err(|_| AppError::NotFound)?;
        let tomorrow = start
            .checked_add(jiff::Span::new().days(1))
            .map_err(|_| AppError::NotFound)?;
        let end = start
            .checked_add(jiff::Span::new().days(2))
            .map_err(|_| AppError::NotFound)?;
        let mut c = self.db().conn().await?;
        let types = store::booking::availability(&mut c, &user.id)
            .await?
            .map_or_else(crate::calendar::default_types, |h| h.types);
        let entries =
            store::booking::calendar(&mut c, &user.id, start.timestamp(), end.timestamp()).await?;
        let mut next_marked = false;
        let sessions = entries
            .into_iter()
            .filter(|e| e.status == "booked" && e.type_key != crate::calendar::BLOCK)
            .filter(|e| e.end > now || e.start >= start.timestamp())
            .map(|e| {
                let current = !next_marked && e.end > now && e.start - JOIN_LEAD <= now;
                next_marked |= e.end > now;
                Session {
                    kind: types
                        .iter()
                        .find(|t| t.key == e.type_key)
                        .map_or_else(|| e.type_key.clone(), |t| t.name.clone()),
                    tomorrow: e.start >= tomorrow.timestamp(),
                    now: current,
                    entry: e,
                }
            })
            .collect();
        let settings = rows::settings(&mut c, &user.id).await?;
        // Before the first "seen", the last week's news.
        let since = settings
            .seen_at
            .unwrap_or(now - SignedDuration::from_hours(24 * 7));
        let inquiries = if crate::policy::can(actor, Action::HandleInquiries)
            == crate::policy::Decision::Allow
        {
            Some(
                store::inquiries::list(
                    &mut c,
                    Some(domain::inquiry::InquiryStatus::New),
                    &domain::content::Window::Newest,
                    10,
                )
                .await?
                .0,
            )
        } else {
            None
        };
        Ok(Day {
            sessions,
            waiting: rows::waiting(&mut c, &user.id, now).await?,
            risks: rows::risk_marks(&mut c, &user.id).await?,
            changes: rows::changes(&mut c, &user.id, since).await?,
            since: settings.seen_at,
            unread: rows::unread_messages(&mut c, &user.id).await?,
            inquiries,
            returned: rows::returned_questionnaires(&mut c, &user.id).await?,
            countersign: rows::to_countersign(&mut c, &user.id).await?,
            notes: rows::notes_to_write(&mut c, &user.id, now).await?,
            unsigned: store::notes::unsigned(
                &mut c,
                &user.id,
                now - UNSIGNED_LOOKBACK,
                now - UNSIGNED_AFTER,
                rows::LIMIT,
            )
            .await?,
            attendance: store::attendance::to_record(
                &mut c,
                &user.id,
                start.timestamp() - ATTENDANCE_LOOKBACK,
                start.timestamp(),
                rows::LIMIT,
            )
            .await?,
            types,
            zone,
        })
    }

    /// "I have seen these": bookings and cancellations so far leave the day's list.
    #[tracing::instrument(skip_all)]
    pub async fn mark_day_seen(&self, actor: &Actor) -> AppResult<()> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        rows::mark_seen(&mut tx, &user.id, self.now()).await?;
        self.audit_in(&mut tx, actor, AuditAction::DaySeen, "", "", Outcome::Ok)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The therapist's choices for being told.
    pub async fn notice_settings(&self, actor: &Actor) -> AppResult<Settings> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        Ok(rows::settings(&mut self.db().conn().await?, &user.id).await?)
    }

    /// Saves the choices; turning the agenda on schedules its first mail (the next 07:00 in the
    /// therapist's zone), in the same transaction.
    #[tracing::instrument(skip_all)]
    pub async fn save_notice_settings(&self, actor: &Actor, input: &NoticeInput) -> AppResult<()> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let s = Settings {
            tell_booking: ticked(&input.tell_booking),
            tell_cancellation: ticked(&input.tell_cancellation),
            tell_move: ticked(&input.tell_move),
            daily_agenda: ticked(&input.daily_agenda),
            seen_at: None,
        };
        let now = self.now();
        let mut tx = self.db().begin().await?;
        rows::set_settings(&mut tx, &user.id, &s).await?;
        if s.daily_agenda {
            self.schedule_agenda(&mut tx, &user.id, &user.time_zone, now)
                .await?;
        }
        self.audit_in(&mut tx, actor, AuditAction::DayNotices, "", "", Outcome::Ok)
            .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(())
    }

    /// Enqueues the next agenda (keyed by day, so it is never there twice).
    async fn schedule_agenda(
        &self,
        tx: &mut Conn,
        therapist: &UserId,
        zone: &str,
        now: Timestamp,
    ) -> AppResult<()> {
        let at = next_agenda_at(now, zone);
        let day = at
            .to_zoned(TimeZone::get(zone).unwrap_or(TimeZone::UTC))
            .date();
        store::jobs::enqueue(
            tx,
            Task::DailyAgenda {
                therapist: therapist.clone(),
            }
            .job(format!("daily-agenda:{therapist}:{day}"), at),
            now,
        )
        .await?;
        Ok(())
    }

    /// Inside a booking's, cancellation's or move's transaction: tells the therapist at once if
    /// they asked to be told of this kind of change.
    pub(crate) async fn tell_therapist(
        &self,
        tx: &mut Conn,
        therapist: &UserId,
        appointment: &str,
        change: Change,
        now: Timestamp,
    ) -> AppResult<()> {
        if let Some(job) = self
            .therapist_notice(tx, therapist, appointment, change, now)
            .await?
        {
            store::jobs::enqueue(tx, job, now).await?;
        }
        Ok(())
    }

    /// The job of `tell_therapist`, for a caller that enqueues it with others; `None` when the
    /// therapist does not want to be told of this change.
    pub(crate) async fn therapist_notice(
        &self,
        tx: &mut Conn,
        therapist: &UserId,
        appointment: &str,
        change: Change,
        now: Timestamp,
    ) -> AppResult<Option<store::jobs::NewJob>> {
        let s = rows::settings(tx, therapist).await?;
        let wanted = match change {
            Change::Booked => s.tell_booking,
            Change::Cancelled => s.tell_cancellation,
            Change::Moved => s.tell_move,
        };
        Ok(wanted.then(|| {
            Task::CalendarChange {
                therapist: therapist.clone(),
                change,
            }
            .job(
                format!(
                    "calendar-change:{appointment}:{}:{}",
                    change.as_str(),
                    now.as_millisecond()
                ),
                now,
            )
        }))
    }

    /// The job: the agenda of the day it runs on, then the next day's job (while still wanted).
    pub(crate) async fn daily_agenda(
        &self,
        practice: &domain::practice::Details,
        therapist: &UserId,
    ) -> AppResult<Option<crate::mail::Outgoing>> {
        let mut tx = self.db().begin().await?;
        let Some(user) = store::users::get(&mut tx, therapist).await? else {
            return Ok(None);
        };
        if !rows::settings(&mut tx, therapist).await?.daily_agenda {
            return Ok(None);
        }
        let now = self.now();
        let zone = TimeZone::get(&user.time_zone).unwrap_or(TimeZone::UTC);
        let start = now
            .to_zoned(zone.clone())
            .date()
            .to_zoned(zone.clone())
            .map_err(|_| AppError::NotFound)?;
        let end = start
            .checked_add(jiff::Span::new().days(1))
            .map_err(|_| AppError::NotFound)?;
        let types = store::booking::availability(&mut tx, therapist)
            .await?
            .map_or_else(crate::calendar::default_types, |h| h.types);
        let lines =
            store::booking::calendar(&mut tx, therapist, start.timestamp(), end.timestamp())
                .await?
                .into_iter()
                .filter(|e| e.status == "booked" && e.type_key != crate::calendar::BLOCK)
                .map(|e| {
                    let kind = types
                        .iter()
                        .find(|t| t.key == e.type_key)
                        .map(|t| t.name.clone())
                        .unwrap_or(e.type_key.clone());
                    let who = crate::calendar::initials(e.patient.as_deref().unwrap_or(""));
                    (e.start, format!("{kind} {who}").trim().to_string())
                })
                .collect();
        self.schedule_agenda(
            &mut tx,
            therapist,
            &user.time_zone,
            now + SignedDuration::from_hours(1),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(crate::mail::daily_agenda(
            &practice.name,
            &user,
            &now,
            lines,
            &self.link("/admin"),
        )))
    }

    /// The phone number and note the visitor gave at booking, and the inquiry the case began
    /// with, for the case's therapist; the reading is audited when there is anything to read.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn visitor_words(&self, actor: &Actor, id: &CaseId) -> AppResult<VisitorWords> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Therapist).await?;
        let (note, phone) = store::booking::note_of_case(&mut c, &case.id)
            .await?
            .unwrap_or_default();
        let origin: serde_json::Value = rows::origin(&mut c, &case.id)
            .await?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        let field = |k: &str| {
            origin
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let words = VisitorWords {
            phone: if phone.trim().is_empty() {
                field("phone")
            } else {
                phone
            },
            note,
            inquiry: field("message"),
        };
        if !words.is_empty() {
            self.audit_in(
                &mut c,
                actor,
                AuditAction::CaseVisitorWordsRead,
                case.id.as_str(),
                case.id.as_str(),
                Outcome::Ok,
            )
            .await?;
        }
        Ok(words)
    }

    /// An inquiry becomes an invited patient in one step: the patient and their case (with the
    /// inquiry's message and phone kept on it, sealed), the invitation's mail, the inquiry marked
    /// handled and the audit row commit together.
    #[tracing::instrument(skip_all, fields(inquiry = %id, case = tracing::field::Empty))]
    pub async fn invite_from_inquiry(&self, actor: &Actor, id: &InquiryId) -> AppResult<CaseId> {
        self.require(actor, Action::HandleInquiries).await?;
        self.require(actor, Action::KeepCaseload).await?;
        let therapist = actor.user().ok_or(AppError::Unauthenticated)?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let inquiry = store::inquiries::get(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let zone = store::practice::get(&mut tx)
            .await?
            .map_or_else(|| therapist.time_zone.clone(), |p| p.time_zone);
        let (case, patient) = store::cases::open_for_patient(
            &mut tx,
            &therapist.id,
            &inquiry.name,
            &inquiry.email,
            &zone,
            domain::case::Stage::Inquiry,
            now,
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict => AppError::field("invite", "error-email-taken"),
            e => e.into(),
        })?;
        tracing::Span::current().record("case", case.as_str());
        let text = serde_json::json!({
            "message": inquiry.message,
            "phone": inquiry.phone.as_deref().unwrap_or(""),
        })
        .to_string();
        rows::set_origin(&mut tx, &case, id.as_str(), &text, now).await?;
        store::inquiries::set_status(&mut tx, id, domain::inquiry::InquiryStatus::Handled, now)
            .await?;
        store::jobs::enqueue(
            &mut tx,
            Task::PatientInvitation {
                patient: patient.id.clone(),
                therapist: therapist.id.clone(),
            }
            .job(format!("patient-invitation:{case}:inquiry"), now),
            now,
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::InquiryInvite,
            case.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(case)
    }
}

/// The next 07:00 in `zone` after `now`.
fn next_agenda_at(now: Timestamp, zone: &str) -> Timestamp {
    let zone = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let here = now.to_zoned(zone.clone());
    let at = |d: jiff::civil::Date| {
        d.at(AGENDA_HOUR, 0, 0, 0)
            .to_zoned(zone.clone())
            .map(|z| z.timestamp())
            .ok()
    };
    match at(here.date()) {
        Some(t) if t > now => t,
        _ => here
            .date()
            .tomorrow()
            .ok()
            .and_then(at)
            .unwrap_or(now + SignedDuration::from_hours(24)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agenda_goes_at_seven_in_the_therapists_zone() {
        let before: Timestamp = "2026-11-30T05:00:00Z".parse().unwrap();
        assert_eq!(
            next_agenda_at(before, "Europe/Berlin").to_string(),
            "2026-11-30T06:00:00Z"
        );
        let after: Timestamp = "2026-11-30T06:00:00Z".parse().unwrap();
        assert_eq!(
            next_agenda_at(after, "Europe/Berlin").to_string(),
            "2026-12-01T06:00:00Z"
        );
    }
}
