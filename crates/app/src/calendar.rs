//! The therapist's side of booking: their hours and rules, their week (add, move, cancel,
//! block time), and the private calendar feed.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::Action;
use crate::App;
use domain::audit::AuditAction;
use domain::booking::{self as rules, AppointmentType};
use domain::ids::CaseId;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use store::booking::{self, NewAppointment};
use store::{cases, StoreError};

/// The type key of blocked time in the calendar (it holds time but is no appointment).
pub use store::booking::BLOCK;
impl App {
    /// The signed-in therapist's booking settings (sensible defaults before they set any).
    #[tracing::instrument(skip_all)]
    pub async fn booking_settings(&self, actor: &Actor) -> AppResult<rules::Settings> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        let exceptions = booking::exceptions(&mut c, &user.id).await?;
        let cancel_notice = booking::cancel_notice_setting(&mut c, &user.id)
            .await?
            .unwrap_or(SignedDuration::from_hours(48));
        let late_charge = store::attendance::late_charge(&mut c, &user.id).await?;
        Ok(match booking::availability(&mut c, &user.id).await? {
            Some(hours) => rules::Settings {
                weekly: hours.weekly,
                exceptions,
                types: hours.types,
                rules: hours.rules,
                cancel_notice,
                late_charge,
            },
            None => rules::Settings {
                weekly: Vec::new(),
                exceptions,
                types: default_types(),
                rules: rules::Rules::default(),
                cancel_notice,
                late_charge,
            },
        })
    }

    /// Hours, types, rules and exceptions change together, with their audit row.
    #[tracing::instrument(skip_all)]
    pub async fn update_booking_settings(
        &self,
        actor: &Actor,
        input: &rules::SettingsInput,
    ) -> AppResult<()> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let s = input.validate()?;
        let mut tx = self.db().begin().await?;
        booking::set_availability(
            &mut tx,
            &user.id,
            &s.weekly,
            &s.types,
            &s.rules,
            s.cancel_notice,
        )
        .await?;
        booking::set_exceptions(&mut tx, &user.id, &s.exceptions).await?;
        store::attendance::set_late_charge(&mut tx, &user.id, s.late_charge).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::BookingSettings,
            "",
            user.id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A week of the therapist's calendar in their zone, Monday first.
pub struct Week {
    pub monday: jiff::civil::Date,
    pub zone: TimeZone,
    pub days: Vec<(jiff::civil::Date, Vec<booking::CalendarEntry>)>,
    pub cases: Vec<domain::case::Case>,
    pub types: Vec<AppointmentType>,
    /// The weekly hours the therapist offers (shaded in the grid).
    pub windows: Vec<rules::Weekly>,
    /// The days off and extra hours that change those hours on a date.
    pub exceptions: Vec<domain::booking::Exception>,
}

/// One appointment as the therapist's own page for it shows it.
pub struct AppointmentDetail {
    pub id: String,
    pub case: Option<CaseId>,
    pub patient: Option<String>,
    pub kind: String,
    pub block: bool,
    pub start: Timestamp,
    pub end: Timestamp,
    pub cancelled: bool,
    pub cancelled_late: bool,
    pub zone: TimeZone,
}

/// What the therapist types to add an appointment or to block time (local to their zone).
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct CalendarInput {
    #[serde(default)]
    pub case: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub clash: String,
}

impl App {
    fn my_zone(actor: &Actor) -> TimeZone {
        actor
            .user()
            .and_then(|u| TimeZone::get(&u.time_zone).ok())
            .unwrap_or(TimeZone::UTC)
    }

    /// The day (in the therapist's zone) of one of their appointments, for showing its week.
    pub async fn appointment_day(
        &self,
        actor: &Actor,
        id: &str,
    ) -> AppResult<Option<jiff::civil::Date>> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        Ok(booking::get(&mut self.db().conn().await?, id)
            .await?
            .filter(|a| a.therapist == user.id)
            .map(|a| a.start.to_zoned(Self::my_zone(actor)).date()))
    }

    /// One of the therapist's own appointments (or blocked times), for its page.
    #[tracing::instrument(skip_all, fields(appointment = %id))]
    pub async fn appointment_detail(
        &self,
        actor: &Actor,
        id: &str,
    ) -> AppResult<AppointmentDetail> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        let a = booking::get(&mut c, id)
            .await?
            .filter(|a| a.therapist == user.id)
            .ok_or(AppError::NotFound)?;
        let patient = match &a.case {
            Some(case) => Some(
                self.case_as(&mut c, actor, case, crate::policy::CaseSide::Therapist)
                    .await?
                    .patient
                    .name,
            ),
            None => None,
        };
        let block = a.type_key == booking::BLOCK;
        let kind = booking::availability(&mut c, &user.id)
            .await?
            .map_or_else(default_types, |hours| hours.types)
            .into_iter()
            .find(|t| t.key == a.type_key)
            .map_or_else(|| a.type_key.clone(), |t| t.name);
        Ok(AppointmentDetail {
            id: a.id,
            case: a.case,
            patient,
            kind,
            block,
            start: a.start,
            end: a.end,
            cancelled: a.cancelled,
            cancelled_late: a.cancelled_late,
            zone: Self::my_zone(actor),
        })
    }

    /// The week containing `day` (today when `None`).
    #[tracing::instrument(skip_all)]
    pub async fn calendar_week(
        &self,
        actor: &Actor,
        day: Option<jiff::civil::Date>,
    ) -> AppResult<Week> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let zone = Self::my_zone(actor);
        let day = day.unwrap_or_else(|| self.now().to_zoned(zone.clone()).date());
        let monday = day
            .checked_sub(jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())))
            .map_err(|_| AppError::NotFound)?;
        let start = monday
            .to_zoned(zone.clone())
            .map_err(|_| AppError::NotFound)?
            .timestamp();
        let end = monday
            .checked_add(jiff::Span::new().days(7))
            .and_then(|d| d.to_zoned(zone.clone()))
            .map_err(|_| AppError::NotFound)?
            .timestamp();
        let mut c = self.db().conn().await?;
        let entries = booking::calendar(&mut c, &user.id, start, end).await?;
        let mut days = Vec::new();
        for offset in 0..7 {
            let date = monday
                .checked_add(jiff::Span::new().days(offset))
                .map_err(|_| AppError::NotFound)?;
            let of_day = entries
                .iter()
                .filter(|e| e.start.to_zoned(zone.clone()).date() == date)
                .cloned()
                .collect();
            days.push((date, of_day));
        }
        // Before the therapist saves any settings, the defaults their settings page shows.
        let (types, windows) = booking::availability(&mut c, &user.id).await?.map_or_else(
            || (default_types(), Vec::new()),
            |hours| (hours.types, hours.weekly),
        );
        let mut exceptions = booking::exceptions(&mut c, &user.id).await?;
        // Days away are drawn as days off.
        for away in self.days_away(&mut c, &user.id, monday).await? {
            exceptions.extend(away.days_from(monday).take(7).map(rules::Exception::DayOff));
        }
        Ok(Week {
            windows,
            exceptions,
            monday,
            zone,
            days,
            // An appointment is added for a case under way: the ended ones are left out.
            cases: cases::caseload(&mut c, &user.id, 0).await?.0,
            types,
        })
    }

    fn local_instant(
        zone: &TimeZone,
        date: &str,
        time: &str,
        field: &'static str,
        errors: &mut domain::FieldErrors,
    ) -> Option<Timestamp> {
        let date = date.trim().parse::<jiff::civil::Date>().ok();
        let time = time.trim().parse::<jiff::civil::Time>().ok();
        match (date, time) {
            (Some(d), Some(t)) if t.minute() % 5 == 0 => d
                .to_datetime(t)
                .to_zoned(zone.clone())
                .ok()
                .map(|z| z.timestamp()),
            _ => {
                errors.add(field, "error-date-time");
                None
            }
        }
    }

    /// The therapist adds an appointment for one of their cases. A clash is refused unless they
    /// tick that they book over it knowingly. The appointment, its mails and its audit row
    /// commit together.
    #[tracing::instrument(skip_all, fields(case = tracing::field::Empty, appointment = tracing::field::Empty))]
    pub async fn add_appointment(&self, actor: &Actor, input: &CalendarInput) -> AppResult<()> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let zone = Self::my_zone(actor);
        let mut errors = domain::FieldErrors::default();
        let start = Self::local_instant(&zone, &input.date, &input.time, "time", &mut errors);
        // Whose case it is is decided (and a refusal audited) before the transaction begins;
        // a case that is over takes no more appointments.
        let mut c = self.db().conn().await?;
        let case = self
            .case_as(
                &mut c,
                actor,
                &CaseId::new(input.case.clone()),
                crate::policy::CaseSide::Therapist,
            )
            .await
            .ok();
        if let Some(case) = &case {
            self.require_open(&mut c, actor, case, "appointment")
                .await?;
        }
        drop(c);
        let mut tx = self.db().begin().await?;
        let types = booking::availability(&mut tx, &user.id)
            .await?
            .map_or_else(default_types, |hours| hours.types);
        let kind = types.into_iter().find(|t| t.key == input.kind);
        if kind.is_none() {
            errors.add("kind", "error-type");
        }
        if case.is_none() {
            errors.add("case", "error-case");
        }
        let (Some(start), Some(kind), Some(case)) = (start, kind, case) else {
            return Err(AppError::Invalid(errors));
        };
        tracing::Span::current().record("case", case.id.as_str());
        let now = self.now();
        let id = match booking::book(
            &mut tx,
            NewAppointment {
                therapist: &user.id,
                case: Some(&case.id),
                kind: &kind,
                start,
                override_clash: input.clash == "on",
            },
            now,
        )
        .await
        {
            Ok(id) => id,
            Err(StoreError::Conflict) => return Err(AppError::field("clash", "error-clash")),
            Err(e) => return Err(e.into()),
        };
        tracing::Span::current().record("appointment", id.as_str());
        store::jobs::enqueue(
            &mut tx,
            Task::BookingConfirmation {
                appointment: id.clone(),
            }
            .job(format!("booking-confirmation:{id}"), now),
            now,
        )
        .await?;
        self.schedule_reminders(&mut tx, &id, start, 0).await?;
        self.reschedule_session_measures(&mut tx, &case.id).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::AppointmentAdd,
            case.id.as_str(),
            &id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(())
    }

    /// Blocks time in the therapist's calendar: nobody can book it.
    #[tracing::instrument(skip_all, fields(appointment = tracing::field::Empty))]
    pub async fn block_time(&self, actor: &Actor, input: &CalendarInput) -> AppResult<()> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let zone = Self::my_zone(actor);
        let mut errors = domain::FieldErrors::default();
        let start = Self::local_instant(&zone, &input.date, &input.time, "time", &mut errors);
        let end = Self::local_instant(&zone, &input.date, &input.until, "until", &mut errors);
        let (Some(start), Some(end)) = (start, end) else {
            return Err(AppError::Invalid(errors));
        };
        if end <= start {
            return Err(AppError::field("until", "error-until"));
        }
        let minutes = end.duration_since(start).as_mins();
        let block = AppointmentType {
            key: booking::BLOCK.into(),
            name: "Blocked".into(),
            minutes,
            buffer_minutes: 0,
            price_cents: None,
            open_to_visitors: false,
        };
        let mut tx = self.db().begin().await?;
        let booked = booking::book(
            &mut tx,
            NewAppointment {
                therapist: &user.id,
                case: None,
                kind: &block,
                start,
                override_clash: input.clash == "on",
            },
            self.now(),
        )
        .await;
        let id = match booked {
            Ok(id) => id,
            Err(StoreError::Conflict) => return Err(AppError::field("clash", "error-clash")),
            Err(e) => return Err(e.into()),
        };
        tracing::Span::current().record("appointment", id.as_str());
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::CalendarBlock,
            "",
            &id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The therapist cancels an appointment (or frees blocked time); the patient gets a CANCEL.
    /// The cancellation, its mail and its audit row commit together.
    #[tracing::instrument(skip_all, fields(appointment = %id))]
    pub async fn cancel_appointment(&self, actor: &Actor, id: &str) -> AppResult<()> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let a = booking::get(&mut tx, id)
            .await?
            .filter(|a| a.therapist == user.id)
            .ok_or(AppError::NotFound)?;
        self.cancel_in(&mut tx, actor, &a, self.now()).await?;
        if let Some(case) = &a.case {
            self.reschedule_session_measures(&mut tx, case).await?;
        }
        tx.commit().await?;
        if a.case.is_some() {
            self.wake_jobs();
        }
        Ok(())
    }
}

impl App {
    /// The therapist cancels one booked appointment inside the caller's transaction: its time
    /// is free again, the patient's cancellation mail is queued, the audit row written. The
    /// caller reschedules the case's session-counted measures once it has cancelled all it will.
    pub(crate) async fn cancel_in(
        &self,
        tx: &mut store::Conn,
        actor: &Actor,
        a: &booking::AppointmentView,
        now: jiff::Timestamp,
    ) -> AppResult<()> {
        booking::cancel(tx, &a.id, false, now)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AppError::NotFound,
                e => e.into(),
            })?;
        if a.case.is_some() {
            let user = actor.user().ok_or(AppError::Unauthenticated)?;
            // A session the therapist cancels is recorded as theirs at once: never charged.
            store::attendance::record(
                tx,
                &a.id,
                domain::attendance::Attendance::TherapistCancelled,
                None,
                Some(&user.id),
                now,
            )
            .await?;
            store::jobs::enqueue(
                tx,
                Task::BookingCancelled {
                    appointment: a.id.clone(),
                }
                .job(format!("booking-cancelled:{}", a.id), now),
                now,
            )
            .await?;
        }
        self.audit_in(
            tx,
            actor,
            AuditAction::AppointmentCancel,
            a.case.as_ref().map_or("", domain::ids::CaseId::as_str),
            &a.id,
            Outcome::Ok,
        )
        .await
    }
}

/// The appointment types a therapist has before choosing their own: the first consultation and
/// the regular session, 50 minutes with 10 to breathe after.
pub(crate) fn default_types() -> Vec<AppointmentType> {
    vec![
        AppointmentType {
            key: "first".into(),
            name: "First consultation".into(),
            minutes: 50,
            buffer_minutes: 10,
            price_cents: None,
            open_to_visitors: true,
        },
        AppointmentType {
            key: "session".into(),
            name: "Session".into(),
            minutes: 50,
            buffer_minutes: 10,
            price_cents: None,
            open_to_visitors: false,
        },
    ]
}

/// "Karin Vogel" → "K. V.": what the feed shows unless the therapist chose names.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

impl App {
    /// Whether the signed-in therapist has a feed (and whether it shows names).
    pub async fn feed_setting(&self, actor: &Actor) -> AppResult<Option<bool>> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        Ok(booking::feed_of(&mut self.db().conn().await?, &user.id).await?)
    }

    /// Makes a new feed address (the old one stops working); answers it, to be shown once.
    pub async fn new_feed(&self, actor: &Actor, show_names: bool) -> AppResult<String> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let token = store::random_hex(24);
        let mut tx = self.db().begin().await?;
        booking::set_feed(
            &mut tx,
            &user.id,
            &crate::accounts::hash_token(&token),
            show_names,
            self.now(),
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::CalendarFeedNew,
            "",
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(self.link(&format!("/calendar/{token}.ics")))
    }

    pub async fn remove_feed(&self, actor: &Actor) -> AppResult<()> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        booking::remove_feed(&mut tx, &user.id).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::CalendarFeedRemove,
            "",
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The feed: the therapist's appointments from four weeks back to the horizon.
    #[tracing::instrument(skip_all)]
    pub async fn calendar_feed(&self, token: &str) -> AppResult<String> {
        let mut c = self.db().conn().await?;
        let owner = booking::feed_owner(&mut c, &crate::accounts::hash_token(token))
            .await?
            .ok_or(AppError::NotFound)?;
        let names = owner.show_names;
        let now = self.now();
        let entries = booking::calendar(
            &mut c,
            &owner.therapist,
            now - SignedDuration::from_hours(24 * 28),
            now + SignedDuration::from_hours(24 * 7 * 53),
        )
        .await?;
        let host = self.host();
        // A series is one recurring event; its sessions are not listed again one by one.
        let since = (now - SignedDuration::from_hours(24 * 28))
            .to_zoned(TimeZone::UTC)
            .date();
        let mut in_series = std::collections::HashSet::new();
        let mut zones = std::collections::BTreeMap::new();
        let mut series_lines = Vec::new();
        for s in store::series::of_therapist(&mut c, &owner.therapist, since).await? {
            let zone = TimeZone::get(&s.zone).unwrap_or(TimeZone::UTC);
            let parts = self.series_event_parts(&mut c, &s).await?;
            for i in store::series::instances(&mut c, &s.id).await? {
                in_series.insert(i.appointment);
            }
            let name = store::cases::get(&mut c, &s.case, &owner.therapist)
                .await?
                .map(|case| case.patient.name)
                .unwrap_or_default();
            let summary = if names { name } else { initials(&name) };
            let (from, to) = domain::calendar::series_span(&zone, &s.rule);
            let span = zones
                .entry(s.zone.clone())
                .or_insert((zone.clone(), from, to));
            span.1 = span.1.min(from);
            span.2 = span.2.max(to);
            series_lines.extend(domain::calendar::series_events(
                &domain::calendar::SeriesEvent {
                    uid: &format!("{}@{host}", s.id),
                    sequence: parts.sequence,
                    stamp: now,
                    zone: &zone,
                    rule: &s.rule,
                    minutes: parts.minutes,
                    skipped: &parts.skipped,
                    moved: &parts.moved,
                    summary: &summary,
                    description: "",
                    location: "",
                    organizer: None,
                    attendee: None,
                },
            ));
        }
        let mut extra: Vec<String> = zones
            .iter()
            .flat_map(|(name, (zone, from, to))| {
                domain::calendar::vtimezone(name, zone, *from, *to)
            })
            .collect();
        extra.extend(series_lines);
        let events: Vec<(String, domain::calendar::FeedEvent)> = entries
            .into_iter()
            .filter(|e| e.status == "booked" && !in_series.contains(&e.id))
            .map(|e| {
                let who = if e.type_key == booking::BLOCK {
                    "Blocked".to_string()
                } else {
                    let name = e.patient.clone().unwrap_or_default();
                    if names {
                        name
                    } else {
                        initials(&name)
                    }
                };
                (
                    format!("{}@{host}", e.id),
                    domain::calendar::FeedEvent {
                        start: e.start,
                        end: e.end,
                        summary: who,
                    },
                )
            })
            .collect();
        Ok(domain::calendar::feed(now, &events, &extra))
    }
}

impl App {
    /// The therapist moves an appointment to another time (a clash is refused); the patient gets
    /// the same event with a raised sequence. The move, its mail, its reminders and its audit row
    /// commit together.
    #[tracing::instrument(skip_all, fields(appointment = %id))]
    pub async fn move_appointment(
        &self,
        actor: &Actor,
        id: &str,
        input: &CalendarInput,
    ) -> AppResult<()> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let a = booking::get(&mut tx, id)
            .await?
            .filter(|a| a.therapist == user.id && !a.cancelled)
            .ok_or(AppError::NotFound)?;
        let mut errors = domain::FieldErrors::default();
        let Some(start) = Self::local_instant(
            &Self::my_zone(actor),
            &input.date,
            &input.time,
            "time",
            &mut errors,
        ) else {
            return Err(AppError::Invalid(errors));
        };
        let minutes = a.end.duration_since(a.start).as_mins();
        let buffer = booking::availability(&mut tx, &user.id)
            .await?
            .and_then(|hours| hours.types.into_iter().find(|t| t.key == a.type_key))
            .map_or(0, |t| t.buffer_minutes);
        let kind = AppointmentType {
            key: a.type_key.clone(),
            name: String::new(),
            minutes,
            buffer_minutes: buffer,
            price_cents: None,
            open_to_visitors: false,
        };
        let now = self.now();
        let sequence = match booking::reschedule(&mut tx, &a.id, &kind, start, now).await {
            Ok(seq) => seq,
            Err(StoreError::Conflict) => return Err(AppError::field("time", "error-clash-move")),
            Err(e) => return Err(e.into()),
        };
        if a.case.is_some() {
            self.announce_move(&mut tx, &a.id, start, sequence, now)
                .await?;
        }
        if let Some(case) = &a.case {
            self.reschedule_session_measures(&mut tx, case).await?;
        }
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::AppointmentMove,
            a.case.as_ref().map_or("", domain::ids::CaseId::as_str),
            &a.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        if a.case.is_some() {
            self.wake_jobs();
        }
        Ok(())
    }
}
