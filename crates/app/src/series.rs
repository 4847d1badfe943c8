//! The regular hour as use-cases. The case's therapist sets a series (weekly, fortnightly, twice
//! weekly) at a wall-clock time in their zone; its sessions are booked as ordinary appointments
//! over a rolling horizon, extended each day by a job. An occurrence whose time is already taken
//! is recorded as skipped, never double-booked. Changing a series from a date on ends it the day
//! before and begins another; ending it cancels the sessions after its last date. The patient
//! gets the whole series as one calendar event, sent again whenever it changes.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::audit::AuditAction;
use domain::booking::AppointmentType;
use domain::ids::CaseId;
use domain::series::{time_changes, Rule, SeriesInput, TimeChange};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use store::series::Series;
use store::{booking, Conn};

/// The least a series is booked ahead: half a year. Never less than the public booking horizon
/// and four weeks, so a visitor can never be offered a future week's regular hour.
const HORIZON_WEEKS: i64 = 26;

/// A series as the case page shows it.
#[derive(Clone, Debug)]
pub struct SeriesView {
    pub id: String,
    pub rule: Rule,
    pub zone: String,
    pub kind_name: String,
    pub minutes: i64,
    /// Still running on the therapist's today.
    pub running: bool,
    /// Occurrences that will not take place, from today on.
    pub skipped: Vec<Date>,
    /// Booked sessions from now on (all of them within the horizon).
    pub upcoming: usize,
}

/// What setting or changing a series did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Booked {
    pub booked: usize,
    /// Occurrences whose time was taken, recorded as skipped.
    pub clashed: usize,
}

/// A stored zone name's zone (UTC for a name the tz database no longer knows).
pub(crate) fn zone_of(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// The first consultation is booked once, never as a series.
fn regular(t: &AppointmentType) -> bool {
    t.key != "first"
}

impl App {
    /// The kinds of session a therapist may hold as a series.
    pub async fn series_kinds(&self, actor: &Actor) -> AppResult<Vec<AppointmentType>> {
        Ok(self
            .booking_settings(actor)
            .await?
            .types
            .into_iter()
            .filter(regular)
            .collect())
    }

    /// The appointment type `key` of a therapist (theirs, or the defaults).
    async fn kind_of(
        &self,
        c: &mut Conn,
        therapist: &domain::ids::UserId,
        key: &str,
    ) -> AppResult<Option<AppointmentType>> {
        let types = booking::availability(c, therapist)
            .await?
            .map_or_else(crate::calendar::default_types, |hours| hours.types);
        Ok(types.into_iter().find(|t| t.key == key))
    }

    /// The last date (in the series' zone) sessions are booked up to, from `now`.
    async fn horizon(&self, c: &mut Conn, s: &Series, now: Timestamp) -> AppResult<Date> {
        let booking_days = booking::availability(c, &s.therapist)
            .await?
            .map_or(56, |h| h.rules.horizon_days);
        let days = (HORIZON_WEEKS * 7).max(booking_days + 28);
        let today = now.to_zoned(zone_of(&s.zone)).date();
        Ok(today.saturating_add(days.days()))
    }

    /// Books a series' occurrences that are not there yet, from now to its horizon, inside the
    /// caller's transaction. Checks each one's time first, so that a taken time becomes a
    /// skipped occurrence rather than a failed transaction.
    async fn fill_series(&self, tx: &mut Conn, s: &Series, now: Timestamp) -> AppResult<Booked> {
        let Some(kind) = self.kind_of(tx, &s.therapist, &s.type_key).await? else {
            return Ok(Booked::default());
        };
        let zone = zone_of(&s.zone);
        let today = now.to_zoned(zone.clone()).date();
        let until = self.horizon(tx, s, now).await?;
        let known: std::collections::HashSet<Date> = store::series::instances(tx, &s.id)
            .await?
            .into_iter()
            .map(|i| i.occurrence)
            .collect();
        let away = self.days_away(tx, &s.therapist, today).await?;
        let mut done = Booked::default();
        for o in s.rule.occurrences(&zone, today, until) {
            if known.contains(&o.date) || o.start <= now {
                continue;
            }
            // A day away is left out (the therapist's own absence; not a clash).
            if away.iter().any(|a| a.covers(o.date)) {
                store::series::skip_occurrence(tx, s, &kind, o.date, o.start, now).await?;
                continue;
            }
            let taken = !booking::busy(tx, &s.therapist, o.start, o.start + kind.occupies())
                .await?
                .is_empty();
            if taken {
                store::series::skip_occurrence(tx, s, &kind, o.date, o.start, now).await?;
                done.clashed += 1;
            } else {
                let id = store::series::book_occurrence(tx, s, &kind, o.date, o.start, now).await?;
                self.schedule_reminders(tx, &id, o.start, 0).await?;
                done.booked += 1;
            }
        }
        if done.booked > 0 {
            self.reschedule_session_measures(tx, &s.case).await?;
        }
        Ok(done)
    }

    /// Enqueues tomorrow's extension of a series (keyed by day: never twice).
    async fn schedule_extension(&self, tx: &mut Conn, s: &Series, now: Timestamp) -> AppResult<()> {
        let at = now + SignedDuration::from_hours(24);
        let day = at.to_zoned(zone_of(&s.zone)).date();
        store::jobs::enqueue(
            tx,
            Task::SeriesHorizon {
                series: s.id.clone(),
            }
            .job(format!("series-horizon:{}:{day}", s.id), at),
            now,
        )
        .await?;
        Ok(())
    }

    /// Tells the patient of the series as it now stands (one mail, the whole series attached).
    async fn announce_series(&self, tx: &mut Conn, s: &str, now: Timestamp) -> AppResult<()> {
        store::jobs::enqueue(
            tx,
            Task::SeriesInvitation {
                series: s.to_string(),
            }
            .job(
                format!("series-invitation:{s}:{}", now.as_millisecond()),
                now,
            ),
            now,
        )
        .await?;
        Ok(())
    }

    /// The case whose series page this is, as its therapist sees it (the page names the patient).
    /// Not `thread`: that opens every message of the case and marks them read.
    pub async fn series_case(&self, actor: &Actor, id: &CaseId) -> AppResult<domain::case::Case> {
        let mut c = self.db().conn().await?;
        self.case_as(&mut c, actor, id, CaseSide::Therapist).await
    }

    /// A case's series as its therapist sees them.
    pub async fn case_series(&self, actor: &Actor, id: &CaseId) -> AppResult<Vec<SeriesView>> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Therapist).await?;
        let now = self.now();
        let mut out = Vec::new();
        for s in store::series::of_case(&mut c, &case.id).await? {
            let kind = self.kind_of(&mut c, &s.therapist, &s.type_key).await?;
            let today = now.to_zoned(zone_of(&s.zone)).date();
            let instances = store::series::instances(&mut c, &s.id).await?;
            out.push(SeriesView {
                running: s.rule.until.is_none_or(|u| u >= today),
                // Left out: cancelled within the series' own dates (those after its last date
                // went with its ending).
                skipped: instances
                    .iter()
                    .filter(|i| {
                        !i.booked
                            && i.occurrence >= today
                            && s.rule.until.is_none_or(|u| i.occurrence <= u)
                    })
                    .map(|i| i.occurrence)
                    .collect(),
                upcoming: instances
                    .iter()
                    .filter(|i| i.booked && i.start > now)
                    .count(),
                kind_name: kind
                    .as_ref()
                    .map_or_else(|| s.type_key.clone(), |k| k.name.clone()),
                minutes: kind.as_ref().map_or(50, |k| k.minutes),
                id: s.id,
                rule: s.rule,
                zone: s.zone,
            });
        }
        Ok(out)
    }

    /// The therapist sets a regular hour for one of their cases. The series, its first half
    /// year of sessions, their reminders, the patient's invitation and the audit row commit
    /// together.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn set_series(
        &self,
        actor: &Actor,
        id: &CaseId,
        input: &SeriesInput,
    ) -> AppResult<Booked> {
        self.begin_series(actor, id, input, None).await
    }

    async fn begin_series(
        &self,
        actor: &Actor,
        id: &CaseId,
        input: &SeriesInput,
        replacing: Option<&Series>,
    ) -> AppResult<Booked> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let case = self
            .case_to_write(
                &mut self.db().conn().await?,
                actor,
                id,
                CaseSide::Therapist,
                "series",
            )
            .await?;
        let zone_name = user.time_zone.clone();
        let now = self.now();
        let today = now.to_zoned(zone_of(&zone_name)).date();
        let mut tx = self.db().begin().await?;
        let kind = self
            .kind_of(&mut tx, &user.id, input.kind.trim())
            .await?
            .filter(regular);
        let rule = input.validate(today);
        let (rule, kind) = match (rule, kind) {
            (Ok(rule), Some(kind)) => (rule, kind),
            (rule, kind) => {
                let mut errors = rule.err().unwrap_or_default();
                if kind.is_none() {
                    errors.add("kind", "error-type");
                }
                return Err(AppError::Invalid(errors));
            }
        };
        if let Some(old) = replacing {
            if rule.first <= old.rule.first {
                return Err(AppError::field("first", "error-series-change-date"));
            }
            self.stop_series(
                &mut tx,
                old,
                rule.first.yesterday().unwrap_or(rule.first),
                now,
            )
            .await?;
        }
        let series_id = store::series::insert(
            &mut tx,
            store::series::NewSeries {
                case: &case.id,
                therapist: &user.id,
                type_key: &kind.key,
                rule: &rule,
                zone: &zone_name,
                follows: replacing.map(|s| s.id.as_str()),
            },
            now,
        )
        .await?;
        tracing::Span::current().record("series", series_id.as_str());
        let s = store::series::get(&mut tx, &series_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let done = self.fill_series(&mut tx, &s, now).await?;
        self.schedule_extension(&mut tx, &s, now).await?;
        self.announce_series(&mut tx, &s.id, now).await?;
        self.audit_in(
            &mut tx,
            actor,
            if replacing.is_some() {
                AuditAction::SeriesChange
            } else {
                AuditAction::SeriesSet
            },
            case.id.as_str(),
            &s.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(done)
    }

    /// Ends a series on `last` and cancels its booked sessions after that date (therapist-
    /// cancelled; the patient hears of it in the one series mail, not once per session).
    pub(crate) async fn stop_series(
        &self,
        tx: &mut Conn,
        s: &Series,
        last: Date,
        now: Timestamp,
    ) -> AppResult<usize> {
        store::series::set_until(tx, &s.id, last, now).await?;
        let after = last.tomorrow().unwrap_or(last);
        let gone = store::series::booked_from(tx, &s.id, after).await?;
        for appointment in &gone {
            booking::cancel(tx, appointment, false, now).await?;
        }
        if !gone.is_empty() {
            self.reschedule_session_measures(tx, &s.case).await?;
        }
        self.announce_series(tx, &s.id, now).await?;
        Ok(gone.len())
    }

    /// A series of the actor's own case (refused, and audited, otherwise).
    async fn own_series(&self, actor: &Actor, series: &str) -> AppResult<Series> {
        let mut c = self.db().conn().await?;
        let s = store::series::get(&mut c, series)
            .await?
            .ok_or(AppError::NotFound)?;
        self.case_to_write(&mut c, actor, &s.case, CaseSide::Therapist, "series")
            .await?;
        Ok(s)
    }

    /// Changes a series from a date on (its time, frequency or type): the series ends the day
    /// before and a new one, following it, begins on that date.
    #[tracing::instrument(skip_all, fields(series = %series))]
    pub async fn change_series(
        &self,
        actor: &Actor,
        series: &str,
        input: &SeriesInput,
    ) -> AppResult<Booked> {
        let s = self.own_series(actor, series).await?;
        let today = self.now().to_zoned(zone_of(&s.zone)).date();
        if s.rule.until.is_some_and(|u| u < today) {
            return Err(AppError::field("first", "error-series-ended"));
        }
        self.begin_series(actor, &s.case.clone(), input, Some(&s))
            .await
    }

    /// Ends a series after `last` (a date in the series' zone, from today on).
    #[tracing::instrument(skip_all, fields(series = %series))]
    pub async fn end_series(&self, actor: &Actor, series: &str, last: &str) -> AppResult<usize> {
        self.require(actor, Action::KeepCaseload).await?;
        let s = self.own_series(actor, series).await?;
        let now = self.now();
        let today = now.to_zoned(zone_of(&s.zone)).date();
        let last = match last.trim().parse::<Date>() {
            Ok(d) if last.trim().len() == 10 && d >= today.yesterday().unwrap_or(today) => d,
            Ok(_) => return Err(AppError::field("last", "error-series-past")),
            Err(_) => return Err(AppError::field("last", "error-series-date")),
        };
        if s.rule.until.is_some_and(|u| u < last) || last < s.rule.first.yesterday().unwrap_or(last)
        {
            return Err(AppError::field("last", "error-series-end-range"));
        }
        let mut tx = self.db().begin().await?;
        let cancelled = self.stop_series(&mut tx, &s, last, now).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::SeriesEnd,
            s.case.as_str(),
            &s.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(cancelled)
    }

    /// The job: books the series' sessions up to its horizon and schedules tomorrow's run,
    /// until the series has ended.
    pub(crate) async fn extend_series(&self, series: &str) -> AppResult<()> {
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let Some(s) = store::series::get(&mut tx, series).await? else {
            return Ok(());
        };
        let today = now.to_zoned(zone_of(&s.zone)).date();
        if s.rule.until.is_some_and(|u| u < today) {
            return Ok(());
        }
        self.fill_series(&mut tx, &s, now).await?;
        self.schedule_extension(&mut tx, &s, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The series' calendar file as its patient receives it (in their language), and the
    /// patient and therapist it is for.
    pub(crate) async fn series_mail(
        &self,
        practice: &domain::practice::Details,
        series: &str,
    ) -> AppResult<Option<crate::mail::Outgoing>> {
        let mut c = self.db().conn().await?;
        let Some(s) = store::series::get(&mut c, series).await? else {
            return Ok(None);
        };
        let Some(case) = self.case_for_system(&mut c, &s.case).await? else {
            return Ok(None);
        };
        let lang = self.language_of(&case.patient).await?.unwrap_or_default();
        let kind_name = self
            .kind_of(&mut c, &s.therapist, &s.type_key)
            .await?
            .map_or_else(|| crate::i18n::t(lang, "ics-appointment"), |k| k.name);
        let ics = self
            .series_ics(&mut c, &s, practice, Some(&case), &kind_name, lang)
            .await?;
        let zone = zone_of(&s.zone);
        let first = domain::series::instant(&zone, s.rule.first, s.rule.time);
        Ok(Some(crate::mail::series_invitation(
            &practice.name,
            &case.patient,
            &case.therapist,
            &kind_name,
            first,
            &self.link("/portal"),
            ics,
        )))
    }

    /// A series as a calendar's lines: the whole rule, its skipped occurrences and moved ones.
    /// The sequence is the series' own plus each of its sessions': any change raises it.
    pub(crate) async fn series_ics(
        &self,
        c: &mut Conn,
        s: &Series,
        practice: &domain::practice::Details,
        case: Option<&domain::case::Case>,
        summary: &str,
        lang: crate::i18n::Lang,
    ) -> AppResult<String> {
        let event = self.series_event_parts(c, s).await?;
        let zone = zone_of(&s.zone);
        let uid = format!("{}@{}", s.id, self.host());
        let description =
            crate::i18n::t_with(lang, "ics-description", &[("portal", self.link("/portal"))]);
        let location = self.link("/portal");
        Ok(domain::calendar::render_series(
            &domain::calendar::SeriesEvent {
                uid: &uid,
                sequence: event.sequence,
                stamp: event.stamp,
                zone: &zone,
                rule: &s.rule,
                minutes: event.minutes,
                skipped: &event.skipped,
                moved: &event.moved,
                summary,
                description: &description,
                location: &location,
                organizer: Some((&practice.name, &practice.email)),
                attendee: case.map(|c| (c.patient.name.as_str(), c.patient.email.as_str())),
            },
        ))
    }

    /// The host name calendar UIDs end in.
    pub(crate) fn host(&self) -> String {
        url::Url::parse(&self.config().public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "holdspace".into())
    }

    /// What a series' event holds beyond its rule.
    pub(crate) async fn series_event_parts(
        &self,
        c: &mut Conn,
        s: &Series,
    ) -> AppResult<EventParts> {
        let zone = zone_of(&s.zone);
        let instances = store::series::instances(c, &s.id).await?;
        let kind = self.kind_of(c, &s.therapist, &s.type_key).await?;
        let mut parts = EventParts {
            sequence: s.sequence + instances.iter().map(|i| i.sequence).sum::<i64>(),
            stamp: self.now(),
            minutes: kind.map_or(50, |k| k.minutes),
            skipped: Vec::new(),
            moved: Vec::new(),
        };
        for i in instances {
            if !i.booked {
                parts.skipped.push(i.occurrence);
            } else if i.start != domain::series::instant(&zone, i.occurrence, s.rule.time) {
                parts.moved.push((i.occurrence, i.start, i.end));
            }
        }
        Ok(parts)
    }

    /// Where the patient's own time of their series moves in the coming weeks (their zone and
    /// the therapist's change on different dates): "from 29 March your session is at 19:00".
    pub async fn series_time_changes(&self, actor: &Actor) -> AppResult<Vec<TimeChange>> {
        let Some(user) = actor.user() else {
            return Ok(Vec::new());
        };
        let mut c = self.db().conn().await?;
        let patient = zone_of(&user.time_zone);
        let now = self.now();
        let mut out = Vec::new();
        let mut series = Vec::new();
        for case in store::cases::of_patient(&mut c, &user.id).await? {
            series.extend(store::series::of_case(&mut c, &case.id).await?);
        }
        for s in series {
            let zone = zone_of(&s.zone);
            let today = now.to_zoned(zone.clone()).date();
            // Told up to eight weeks ahead, and the week before the change to compare with.
            let from = today.saturating_sub(14.days());
            let occurrences = s
                .rule
                .occurrences(&zone, from, today.saturating_add(56.days()));
            out.extend(
                time_changes(&occurrences, &patient)
                    .into_iter()
                    .filter(|c| c.start > now),
            );
        }
        out.sort_by_key(|c| c.start);
        Ok(out)
    }
}

/// The parts of a series' event that come from its sessions.
pub(crate) struct EventParts {
    pub sequence: i64,
    pub stamp: Timestamp,
    pub minutes: i64,
    pub skipped: Vec<Date>,
    pub moved: Vec<(Date, Timestamp, Timestamp)>,
}
