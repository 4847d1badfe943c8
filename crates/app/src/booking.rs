//! Booking the first consultation: the open slots in the visitor's own zone, and the booking
//! itself, which makes (or finds) the person's patient account and case.

use crate::accounts::Client;
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::Action;
use crate::ratelimit::Bucket;
use crate::App;
use domain::account::User;
use domain::audit::AuditAction;
use domain::booking::{self as rules, AppointmentType, Availability, Slot};
use domain::case::Stage;
use domain::ids::CaseId;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use store::booking::{self, NewAppointment};
use store::{cases, users, Conn, StoreError};

/// What the booking page shows.
pub struct Offer {
    pub therapist: User,
    pub types: Vec<AppointmentType>,
    pub kind: AppointmentType,
    pub slots: Vec<Slot>,
}

/// A slot as a visitor names it: therapist, type and start, in one opaque-looking string.
pub fn slot_ref(therapist: &User, kind: &AppointmentType, slot: &Slot) -> String {
    rules::SlotRef {
        therapist: therapist.id.to_string(),
        key: kind.key.clone(),
        start: slot.start,
    }
    .to_string()
}

fn parse_ref(raw: &str) -> Option<(String, String, Timestamp)> {
    rules::SlotRef::parse(raw).map(|r| (r.therapist, r.key, r.start))
}

/// The visitor's booking form, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct BookingInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub consent: String,
    #[serde(default)]
    pub time_zone: String,
    /// Where the person will be during sessions (ISO 3166-1 alpha-2), for the crisis contacts they
    /// see; empty: guessed from the time zone.
    #[serde(default)]
    pub country: String,
}

/// A booking made.
pub struct Booked {
    pub appointment: String,
    pub case: CaseId,
    pub slot: Slot,
    pub therapist: User,
    pub kind: AppointmentType,
}

/// Refused because the time was just taken: the nearest free times.
pub struct Taken {
    pub nearest: Vec<Slot>,
}

/// Whether `actor` may book `kind` themselves: a patient any type, anyone else only the types open
/// to new visitors.
fn offered_to(actor: &Actor, kind: &AppointmentType) -> bool {
    kind.open_to_visitors || actor.role() == Some(domain::account::Role::Patient)
}

/// A therapist who takes bookings, with what they offer.
struct Bookable {
    therapist: User,
    availability: Availability,
    types: Vec<AppointmentType>,
}

impl Bookable {
    /// The open slots of `kind` from `now` to the horizon, given what holds the calendar.
    async fn open_slots(
        &self,
        c: &mut Conn,
        kind: &AppointmentType,
        now: Timestamp,
    ) -> AppResult<Vec<Slot>> {
        let until =
            now + SignedDuration::from_hours(24 * (self.availability.rules.horizon_days + 1));
        let busy = booking::busy(c, &self.therapist.id, now, until).await?;
        Ok(rules::open_slots(&self.availability, kind, &busy, now))
    }
}

impl App {
    /// The practice's therapists, read before a use-case takes its connection: a use-case never
    /// holds one connection while it waits for a second (a busy pool would wait on itself).
    async fn therapists(&self) -> AppResult<Vec<User>> {
        Ok(users::therapists(&mut self.db().conn().await?).await?)
    }

    /// The first of `therapists` who takes bookings (the owner first unless only a colleague
    /// does), or with `only` the one of that id if they take bookings. Only that therapist's
    /// hours, exceptions and days away are read, however many colleagues the practice has.
    async fn bookable(
        &self,
        c: &mut Conn,
        therapists: Vec<User>,
        only: Option<&str>,
    ) -> AppResult<Option<Bookable>> {
        for therapist in therapists {
            if only.is_some_and(|id| id != therapist.id.as_str()) {
                continue;
            }
            let Some(hours) = booking::availability(c, &therapist.id).await? else {
                continue;
            };
            let zone = TimeZone::get(&therapist.time_zone).unwrap_or(TimeZone::UTC);
            let mut exceptions = booking::exceptions(c, &therapist.id).await?;
            // Days away cannot be booked.
            let today = self.now().to_zoned(zone.clone()).date();
            for away in self.days_away(c, &therapist.id, today).await? {
                exceptions.extend(away.days_from(today).map(rules::Exception::DayOff));
            }
            return Ok(Some(Bookable {
                therapist,
                availability: Availability {
                    zone,
                    weekly: hours.weekly,
                    exceptions,
                    rules: hours.rules,
                },
                types: hours.types,
            }));
        }
        Ok(None)
    }

    /// Open slots of one type (the first consultation unless another is asked for). A visitor is
    /// offered only the types open to new visitors; a patient every type. A type asked for that
    /// is not offered to this person is not found.
    #[tracing::instrument(skip_all)]
    pub async fn offer(&self, actor: &Actor, type_key: Option<&str>) -> AppResult<Option<Offer>> {
        self.require(actor, Action::ReadPublicSite).await?;
        let therapists = self.therapists().await?;
        let mut c = self.db().conn().await?;
        let Some(mut bookable) = self.bookable(&mut c, therapists, None).await? else {
            return Ok(None);
        };
        bookable.types.retain(|t| offered_to(actor, t));
        let kind = match type_key {
            Some(k) => Some(
                bookable
                    .types
                    .iter()
                    .find(|t| t.key == k)
                    .ok_or(AppError::NotFound)?,
            ),
            None => bookable.types.first(),
        };
        let Some(kind) = kind.cloned() else {
            return Ok(None);
        };
        let slots = bookable.open_slots(&mut c, &kind, self.now()).await?;
        Ok(Some(Offer {
            therapist: bookable.therapist,
            types: bookable.types,
            kind,
            slots,
        }))
    }

    /// The open times to move the appointment behind a manage link to: its own therapist's, for
    /// its own type (a regular session is moved within its therapist's hours like a first
    /// consultation). `None` when the link names nothing that can be moved.
    pub async fn reschedule_offer(&self, token: &str) -> AppResult<Option<Offer>> {
        let therapists = self.therapists().await?;
        let mut c = self.db().conn().await?;
        let Some(a) = booking::by_manage_token(&mut c, &crate::accounts::hash_token(token))
            .await?
            .filter(|a| !a.cancelled)
        else {
            return Ok(None);
        };
        let Some(bookable) = self
            .bookable(&mut c, therapists, Some(a.therapist.as_str()))
            .await?
        else {
            return Ok(None);
        };
        let Some(kind) = bookable.types.iter().find(|t| t.key == a.type_key).cloned() else {
            return Ok(None);
        };
        let slots = bookable.open_slots(&mut c, &kind, self.now()).await?;
        Ok(Some(Offer {
            therapist: bookable.therapist,
            types: vec![kind.clone()],
            kind,
            slots,
        }))
    }

    /// Books a first consultation for a visitor. The slot must be open now; the database refuses
    /// a second booking of the same time however the requests race.
    #[tracing::instrument(skip_all, fields(case = tracing::field::Empty, appointment = tracing::field::Empty))]
    pub async fn book_consultation(
        &self,
        actor: &Actor,
        slot: &str,
        input: &BookingInput,
        client: &Client,
    ) -> AppResult<Result<Booked, Taken>> {
        self.require(actor, Action::SendInquiry).await?;
        let (therapist_id, key, start) = parse_ref(slot).ok_or(AppError::NotFound)?;
        let mut errors = domain::FieldErrors::default();
        let name =
            domain::validation::line(&mut errors, "name", &input.name, true, rules::NAME_MAX);
        let email = domain::validation::email(&mut errors, "email", &input.email);
        let phone =
            domain::validation::line(&mut errors, "phone", &input.phone, false, rules::PHONE_MAX);
        let note =
            domain::validation::text(&mut errors, "note", &input.note, false, rules::NOTE_MAX);
        let zone = if input.time_zone.trim().is_empty() {
            "UTC".to_string()
        } else {
            domain::practice::time_zone(&mut errors, "time_zone", &input.time_zone)
        };
        let country = domain::crisis::given_country(&mut errors, "country", &input.country);
        if !matches!(input.consent.as_str(), "on" | "true" | "yes") {
            errors.add("consent", "error-consent-booking");
        }
        errors.finish(())?;
        let now = self.now();
        if !self
            .limits()
            .allow(Bucket::InquiryByAddress, &client.ip, now)
        {
            return Err(AppError::RateLimited);
        }
        // One transaction: the patient, the case, the appointment, its note, its mails, the stage
        // and the audit row commit together; a time taken meanwhile leaves none of them behind.
        let therapists = self.therapists().await?;
        let mut tx = self.db().begin().await?;
        let bookable = self
            .bookable(&mut tx, therapists, Some(therapist_id.as_str()))
            .await?
            .ok_or(AppError::NotFound)?;
        let kind = bookable
            .types
            .iter()
            .find(|t| t.key == key && offered_to(actor, t))
            .cloned()
            .ok_or(AppError::NotFound)?;
        let open = bookable.open_slots(&mut tx, &kind, now).await?;
        let Some(chosen) = open.iter().find(|s| s.start == start).copied() else {
            return Ok(Err(Taken {
                nearest: rules::nearest(&open, start, rules::NEAREST_OFFERED),
            }));
        };
        let therapist = &bookable.therapist;
        // A new case starts as booked: it would be made an inquiry and moved on at once, in
        // this same transaction, one statement later.
        let opened = cases::open_case(
            &mut tx,
            &therapist.id,
            &name,
            &email,
            &zone,
            Stage::ConsultationBooked,
            now,
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict => AppError::field("email", "error-email-taken"),
            e => e.into(),
        })?;
        let (case, patient) = (opened.case, opened.patient);
        if let Some(country) = &country {
            store::users::set_country_if_unset(&mut tx, &patient.id, country).await?;
        }
        let booked = booking::book(
            &mut tx,
            NewAppointment {
                therapist: &therapist.id,
                case: Some(&case),
                kind: &kind,
                start: chosen.start,
                override_clash: false,
            },
            now,
        )
        .await;
        let appointment = match booked {
            Ok(id) => id,
            Err(StoreError::Conflict) => {
                // The refused insert spoils the transaction on PostgreSQL: roll it back, then
                // read what is open now.
                drop(tx);
                let open = bookable
                    .open_slots(&mut self.db().conn().await?, &kind, now)
                    .await?;
                return Ok(Err(Taken {
                    nearest: rules::nearest(&open, start, rules::NEAREST_OFFERED),
                }));
            }
            Err(e) => return Err(e.into()),
        };
        let span = tracing::Span::current();
        span.record("case", case.as_str());
        span.record("appointment", appointment.as_str());
        if !note.is_empty() || !phone.is_empty() {
            booking::set_note(&mut tx, &case, &appointment, &note, &phone).await?;
        }
        // The mails' jobs in one statement: the confirmation, the reminders, the therapist's.
        let mut jobs = vec![Task::BookingConfirmation {
            appointment: appointment.clone(),
        }
        .job(format!("booking-confirmation:{appointment}"), now)];
        jobs.extend(self.reminder_jobs(&appointment, chosen.start, 0));
        jobs.extend(
            self.therapist_notice(
                &mut tx,
                &therapist.id,
                &appointment,
                crate::mail::Change::Booked,
                now,
            )
            .await?,
        );
        store::jobs::enqueue_many(&mut tx, &jobs, now).await?;
        // An existing inquiry moves on; a case further along (someone in therapy booking again)
        // stays.
        if !opened.new
            && opened
                .stage
                .can_move_to(Stage::ConsultationBooked, None)
                .is_ok()
        {
            cases::set_stage(&mut tx, &case, Stage::ConsultationBooked, now).await?;
        }
        self.audit_as_in(
            &mut tx,
            patient.id.as_str(),
            &client.ip,
            AuditAction::BookingCreate,
            case.as_str(),
            &appointment,
            Outcome::Ok,
        )
        .await?;
        // A case made in this transaction has no measure schedules yet.
        if !opened.new {
            self.reschedule_session_measures(&mut tx, &case).await?;
        }
        tx.commit().await?;
        self.wake_jobs();
        Ok(Ok(Booked {
            appointment,
            case,
            slot: chosen,
            therapist: bookable.therapist,
            kind,
        }))
    }
}

/// Which mail about an appointment.
pub(crate) enum Notice {
    Confirmation,
    /// The same appointment at a new time (the patient's manage link stays as it was).
    Moved,
    Cancellation,
    Reminder {
        sequence: i64,
    },
}

/// What the patient's manage link shows.
pub struct Manage {
    pub when: Timestamp,
    pub zone: String,
    pub therapist_name: String,
    pub kind_name: String,
    pub cancelled: bool,
    /// Cancelling now would be inside the notice period.
    pub late: bool,
    pub notice_hours: i64,
}

impl App {
    /// Composes a mail about an appointment, with its calendar file; `None` when there is nothing
    /// to send (the appointment is gone, or a reminder is stale).
    pub(crate) async fn booking_mail(
        &self,
        practice: &domain::practice::Details,
        appointment: &str,
        notice: Notice,
    ) -> AppResult<Option<crate::mail::Outgoing>> {
        // Only the confirmation writes (its manage link); it commits before the mail goes out.
        let mut c = match notice {
            Notice::Confirmation => self.db().begin().await,
            _ => self.db().conn().await,
        }?;
        let Some(a) = booking::get(&mut c, appointment).await? else {
            return Ok(None);
        };
        let Some(case_id) = a.case.clone() else {
            return Ok(None);
        };
        let Some(case) = self.case_for_system(&mut c, &case_id).await? else {
            return Ok(None);
        };
        // The calendar file is read by the patient, in their language.
        let lang = self.language_of(&case.patient).await?.unwrap_or_default();
        let kind_name = booking::availability(&mut c, &a.therapist)
            .await?
            .and_then(|hours| {
                hours
                    .types
                    .into_iter()
                    .find(|t| t.key == a.type_key)
                    .map(|t| t.name)
            })
            .unwrap_or_else(|| crate::i18n::t(lang, "ics-appointment"));
        let host = self.host();
        let uid = format!("{}@{host}", a.id);
        let summary = crate::i18n::t_with(
            lang,
            "ics-summary",
            &[
                ("kind", kind_name.clone()),
                ("therapist", case.therapist.name.clone()),
            ],
        );
        let method = match notice {
            Notice::Cancellation => domain::calendar::Method::Cancel,
            _ => domain::calendar::Method::Request,
        };
        let ics = domain::calendar::render(
            method,
            &domain::calendar::Event {
                uid: &uid,
                sequence: a.sequence,
                stamp: a.updated_at,
                start: a.start,
                end: a.end,
                summary: &summary,
                description: &crate::i18n::t_with(
                    lang,
                    "ics-description",
                    &[("portal", self.link("/portal"))],
                ),
                location: &self.link("/portal"),
                organizer: (&practice.name, &practice.email),
                attendee: (&case.patient.name, &case.patient.email),
            },
        );
        let about = crate::mail::AppointmentMail {
            practice_name: &practice.name,
            patient: &case.patient,
            therapist: &case.therapist,
            kind_name: &kind_name,
            start: a.start,
        };
        // A session of a series changes the series' one event: its calendar file is the whole
        // series again, with this session moved or excepted and the sequence raised.
        let series = match store::series::of_appointment(&mut c, &a.id).await? {
            Some(id) => store::series::get(&mut c, &id).await?,
            None => None,
        };
        let series_ics = match &series {
            Some(s) => Some(
                self.series_ics(&mut c, s, practice, Some(&case), &kind_name, lang)
                    .await?,
            ),
            None => None,
        };
        let mut mail = match notice {
            Notice::Confirmation => {
                let token = store::random_hex(32);
                booking::set_manage_token(&mut c, &a.id, &crate::accounts::hash_token(&token))
                    .await?;
                c.commit().await?;
                crate::mail::booking_confirmation(crate::mail::Confirmation {
                    practice_name: &practice.name,
                    patient: &case.patient,
                    therapist: &case.therapist,
                    kind_name: &kind_name,
                    start: a.start,
                    sign_in_link: self.link("/signin"),
                    manage_link: self.link(&format!("/booking/{token}")),
                    tech_check_link: self.link("/tech-check"),
                    ics,
                })
            }
            Notice::Moved => about.moved(ics),
            Notice::Cancellation => about.cancelled(ics),
            Notice::Reminder { sequence } => {
                if a.cancelled || a.sequence != sequence || a.start <= self.now() {
                    return Ok(None);
                }
                about.reminder(&self.link("/signin"))
            }
        };
        if let (Some(ics), Some(_)) = (series_ics, &mail.calendar) {
            mail.calendar = Some(("REQUEST", ics));
        }
        Ok(Some(mail))
    }

    /// Enqueues the reminders of an appointment (24 h and 1 h before, those still ahead).
    pub(crate) async fn schedule_reminders(
        &self,
        tx: &mut Conn,
        appointment: &str,
        start: Timestamp,
        sequence: i64,
    ) -> AppResult<()> {
        let jobs = self.reminder_jobs(appointment, start, sequence);
        if !jobs.is_empty() {
            store::jobs::enqueue_many(tx, &jobs, self.now()).await?;
        }
        Ok(())
    }

    /// The reminders' jobs of an appointment (24 h and 1 h before, those still ahead).
    pub(crate) fn reminder_jobs(
        &self,
        appointment: &str,
        start: Timestamp,
        sequence: i64,
    ) -> Vec<store::jobs::NewJob> {
        let now = self.now();
        self.config()
            .reminders
            .iter()
            .filter(|before| start - **before > now)
            .map(|before| {
                Task::Reminder {
                    appointment: appointment.to_string(),
                    sequence,
                }
                .job(
                    format!("reminder:{appointment}:{sequence}:{}", before.as_mins()),
                    start - *before,
                )
            })
            .collect()
    }

    /// A patient opens the manage page of one of their own sessions from the portal: a fresh
    /// manage link is minted for them (the newest link is the one that works), so that moving and
    /// cancelling follow the same notice rules wherever they start.
    #[tracing::instrument(skip_all)]
    pub async fn manage_own(&self, actor: &Actor, appointment: &str) -> AppResult<String> {
        let mut c = self.db().conn().await?;
        let a = booking::get(&mut c, appointment)
            .await?
            .filter(|a| !a.cancelled)
            .ok_or(AppError::NotFound)?;
        let case = a.case.clone().ok_or(AppError::NotFound)?;
        self.case_as(&mut c, actor, &case, crate::policy::CaseSide::Patient)
            .await?;
        let token = store::random_hex(32);
        booking::set_manage_token(&mut c, &a.id, &crate::accounts::hash_token(&token)).await?;
        Ok(token)
    }

    /// The appointment behind a manage link.
    #[tracing::instrument(skip_all)]
    pub async fn managed_booking(&self, token: &str) -> AppResult<Manage> {
        let mut c = self.db().conn().await?;
        let a = booking::by_manage_token(&mut c, &crate::accounts::hash_token(token))
            .await?
            .ok_or(AppError::NotFound)?;
        let case = match &a.case {
            Some(case) => self
                .case_for_system(&mut c, case)
                .await?
                .ok_or(AppError::NotFound)?,
            None => return Err(AppError::NotFound),
        };
        let notice = booking::cancel_notice(&mut c, &a.therapist).await?;
        let kind_name = booking::availability(&mut c, &a.therapist)
            .await?
            .and_then(|hours| {
                hours
                    .types
                    .into_iter()
                    .find(|t| t.key == a.type_key)
                    .map(|t| t.name)
            })
            .unwrap_or_default();
        Ok(Manage {
            when: a.start,
            zone: case.patient.time_zone.clone(),
            therapist_name: case.therapist.name.clone(),
            kind_name,
            cancelled: a.cancelled,
            late: self.now() > a.start - notice,
            notice_hours: notice.as_hours(),
        })
    }

    /// The patient cancels through their link. Inside the notice period it is recorded as late;
    /// the therapist decides about a fee, nothing is charged here. The time is free again at once.
    /// The cancellation, its mail and its audit row commit together.
    #[tracing::instrument(skip_all, fields(appointment = tracing::field::Empty))]
    pub async fn cancel_booking(&self, token: &str, client: &Client) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let a = booking::by_manage_token(&mut tx, &crate::accounts::hash_token(token))
            .await?
            .ok_or(AppError::NotFound)?;
        tracing::Span::current().record("appointment", a.id.as_str());
        if a.cancelled {
            return Ok(());
        }
        let now = self.now();
        if a.start <= now {
            return Err(AppError::field("cancel", "error-booking-past"));
        }
        let late = now > a.start - booking::cancel_notice(&mut tx, &a.therapist).await?;
        booking::cancel(&mut tx, &a.id, late, now).await?;
        if late && a.case.is_some() {
            // Recorded at once; the therapist decides whether it is charged (their default
            // stands until then). A cancellation in time is no session and has no record.
            store::attendance::record(
                &mut tx,
                &a.id,
                domain::attendance::Attendance::LateCancelled,
                None,
                None,
                now,
            )
            .await?;
        }
        store::jobs::enqueue(
            &mut tx,
            Task::BookingCancelled {
                appointment: a.id.clone(),
            }
            .job(format!("booking-cancelled:{}", a.id), now),
            now,
        )
        .await?;
        self.tell_therapist(
            &mut tx,
            &a.therapist,
            &a.id,
            crate::mail::Change::Cancelled,
            now,
        )
        .await?;
        if let Some(case) = &a.case {
            self.reschedule_session_measures(&mut tx, case).await?;
        }
        let case = a
            .case
            .as_ref()
            .map(std::string::ToString::to_string)
            .unwrap_or_default();
        self.audit_as_in(
            &mut tx,
            "patient-link",
            &client.ip,
            if late {
                AuditAction::BookingCancelLate
            } else {
                AuditAction::BookingCancel
            },
            &case,
            &a.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(())
    }
}

impl App {
    /// The patient moves their booking to another offered time, up to the notice period. The
    /// calendar gets the same event with a higher sequence; old reminders find a stale sequence.
    /// The move, its mail, its reminders and its audit row commit together.
    #[tracing::instrument(skip_all, fields(appointment = tracing::field::Empty))]
    pub async fn reschedule_booking(
        &self,
        token: &str,
        slot: &str,
        client: &Client,
    ) -> AppResult<Result<Slot, Taken>> {
        let therapists = self.therapists().await?;
        let mut tx = self.db().begin().await?;
        let a = booking::by_manage_token(&mut tx, &crate::accounts::hash_token(token))
            .await?
            .ok_or(AppError::NotFound)?;
        tracing::Span::current().record("appointment", a.id.as_str());
        let now = self.now();
        if a.cancelled {
            return Err(AppError::NotFound);
        }
        if now > a.start - booking::cancel_notice(&mut tx, &a.therapist).await? {
            return Err(AppError::field("slot", "error-reschedule-late"));
        }
        let (therapist_id, key, start) = parse_ref(slot).ok_or(AppError::NotFound)?;
        if therapist_id != a.therapist.as_str() || key != a.type_key {
            return Err(AppError::NotFound);
        }
        let bookable = self
            .bookable(&mut tx, therapists, Some(a.therapist.as_str()))
            .await?
            .ok_or(AppError::NotFound)?;
        let kind = bookable
            .types
            .iter()
            .find(|t| t.key == key)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let open = bookable.open_slots(&mut tx, &kind, now).await?;
        let Some(chosen) = open.iter().find(|s| s.start == start).copied() else {
            return Ok(Err(Taken {
                nearest: rules::nearest(&open, start, rules::NEAREST_OFFERED),
            }));
        };
        let sequence = match booking::reschedule(&mut tx, &a.id, &kind, chosen.start, now).await {
            Ok(seq) => seq,
            Err(StoreError::Conflict) => {
                return Ok(Err(Taken {
                    nearest: rules::nearest(&open, start, rules::NEAREST_OFFERED),
                }))
            }
            Err(e) => return Err(e.into()),
        };
        self.announce_move(&mut tx, &a.id, chosen.start, sequence, now)
            .await?;
        self.tell_therapist(
            &mut tx,
            &a.therapist,
            &a.id,
            crate::mail::Change::Moved,
            now,
        )
        .await?;
        if let Some(case) = &a.case {
            self.reschedule_session_measures(&mut tx, case).await?;
        }
        let case = a
            .case
            .as_ref()
            .map(std::string::ToString::to_string)
            .unwrap_or_default();
        self.audit_as_in(
            &mut tx,
            "patient-link",
            &client.ip,
            AuditAction::BookingReschedule,
            &case,
            &a.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(Ok(chosen))
    }
}

impl App {
    /// After an appointment moved, inside the move's transaction: the mail with the new time (and
    /// the calendar update at `sequence`), and reminders for the new start; the old reminders see
    /// the sequence and stay silent.
    pub(crate) async fn announce_move(
        &self,
        tx: &mut Conn,
        appointment: &str,
        start: jiff::Timestamp,
        sequence: i64,
        now: jiff::Timestamp,
    ) -> AppResult<()> {
        store::jobs::enqueue(
            tx,
            Task::BookingMoved {
                appointment: appointment.to_string(),
                sequence,
            }
            .job(format!("booking-moved:{appointment}:{sequence}"), now),
            now,
        )
        .await?;
        self.schedule_reminders(tx, appointment, start, sequence)
            .await
    }
}
