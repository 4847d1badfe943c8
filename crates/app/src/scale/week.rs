//! One week of a generated practice at a time: every chair's session that week, what became of
//! it, its note, the week's messages and questionnaires, and at the turn of a month the invoices.

use super::plan::{Plan, Rng, MESSAGE_LINES, NOTE_LINES};
use super::{event, Active, Desk, Filled, Handles};
use crate::error::{AppError, AppResult};
use crate::App;
use domain::attendance::Attendance;
use domain::audit::AuditAction as A;
use domain::case::Stage;
use domain::ending::{Closing, ClosingKind};
use domain::ids::{CaseId, UserId};
use domain::intake::{Answer, Answers};
use domain::invoice::{Kind, Line, Method};
use domain::notes::{Body, Template};
use jiff::civil::Date;
use jiff::{SignedDuration, Span, Timestamp};
use store::audit::Event;
use store::Conn;

pub(super) struct Writer<'a> {
    pub app: &'a App,
    pub plan: &'a Plan,
    pub desks: &'a [Desk],
    /// The Monday of week 0.
    pub base: Date,
    pub now: Timestamp,
    pub rng: Rng,
    pub filled: &'a mut Filled,
    pub active: Vec<Active>,
    pub events: Vec<(Timestamp, Event)>,
    /// Jobs the weeks caused (reminders, message notices): done once their time has passed.
    pub jobs: Vec<(store::jobs::NewJob, Timestamp, Option<Timestamp>)>,
}

const HOUR: SignedDuration = SignedDuration::from_hours(1);

impl Writer<'_> {
    /// The start of `chair`'s hour in week `w`, in its therapist's zone.
    fn start(&self, therapist: usize, chair: usize, w: u32) -> AppResult<Timestamp> {
        let place = self.plan.therapists[therapist].chairs[chair];
        let day = self
            .base
            .checked_add(Span::new().days(i64::from(w) * 7 + i64::from(place.weekday)))
            .map_err(|e| AppError::internal("placing a session", e))?;
        Ok(day
            .at(place.hour, 0, 0, 0)
            .to_zoned(self.desks[therapist].zone.clone())
            .map_err(|e| AppError::internal("placing a session", e))?
            .timestamp())
    }

    /// A patient books their first consultation: their account, their case, and the intake.
    pub async fn begin_course(&mut self, tx: &mut Conn, course: usize) -> AppResult<()> {
        let c = &self.plan.courses[course];
        let desk = &self.desks[c.therapist];
        let start = self.start(c.therapist, c.chair, c.first_week)?;
        // Booked a few days ahead, through the booking page.
        // (A consultation in the weeks ahead was booked already: never later than now.)
        let booked =
            (start - SignedDuration::from_hours(60 + self.rng.below(60) as i64)).min(self.now);
        let (case, patient) = store::cases::open_for_patient(
            tx,
            &desk.id,
            &c.patient.name,
            &c.patient.email,
            &c.patient.time_zone,
            Stage::ConsultationBooked,
            booked,
        )
        .await?;
        self.filled.patients += 1;
        self.filled.rows += 2;
        self.events.push((
            booked,
            event(&patient.id, A::BookingCreate, &case, case.as_str()),
        ));
        self.active.push(Active {
            course,
            case,
            patient: patient.id,
            held: 0,
            in_therapy: false,
            unbilled: Vec::new(),
        });
        Ok(())
    }

    /// Every active chair's hour in week `w`; then the courses that ended, and the month's bills.
    pub async fn week(&mut self, tx: &mut Conn, w: u32) -> AppResult<()> {
        for i in 0..self.active.len() {
            self.session(tx, i, w).await?;
        }
        let mut i = 0;
        while i < self.active.len() {
            let c = &self.plan.courses[self.active[i].course];
            if c.first_week + c.weeks == w + 1 {
                let a = self.active.swap_remove(i);
                self.end(tx, a, w).await?;
            } else {
                i += 1;
            }
        }
        let monday = |w: u32| self.base.checked_add(Span::new().weeks(i64::from(w)));
        if let (Ok(this), Ok(next)) = (monday(w), monday(w + 1)) {
            if this.month() != next.month() {
                for i in 0..self.active.len() {
                    let a = &mut self.active[i];
                    let lines = std::mem::take(&mut a.unbilled);
                    let (case, course) = (a.case.clone(), a.course);
                    self.bill(tx, course, &case, lines, next).await?;
                }
            }
        }
        Ok(())
    }

    async fn session(&mut self, tx: &mut Conn, i: usize, w: u32) -> AppResult<()> {
        let (course, case, patient, held) = {
            let a = &self.active[i];
            (a.course, a.case.clone(), a.patient.clone(), a.held)
        };
        let c = &self.plan.courses[course];
        let desk = &self.desks[c.therapist];
        let therapist = desk.id.clone();
        let start = self.start(c.therapist, c.chair, w)?;
        let kind = if held == 0 {
            &desk.first
        } else {
            &desk.session
        };
        // Booked with the series, six days ahead (never later than now).
        let booked = (start - SignedDuration::from_hours(24 * 6)).min(self.now);
        let id = store::booking::book(
            tx,
            store::booking::NewAppointment {
                therapist: &therapist,
                case: Some(&case),
                kind,
                start,
                override_clash: false,
            },
            booked,
        )
        .await?;
        self.filled.appointments += 1;
        self.filled.rows += 13;
        for before in &self.app.config().reminders {
            let at = start - *before;
            let task = crate::jobs::Task::Reminder {
                appointment: id.clone(),
                sequence: 0,
            };
            let key = format!("reminder:{id}:0:{}", before.as_mins());
            self.job(task.job(key, at), booked);
        }
        if held > 0 {
            self.events
                .push((booked, event(&therapist, A::AppointmentAdd, &case, &id)));
        }
        if held % 6 == 0 {
            self.measures(tx, &case, &patient, held, start - HOUR * 30)
                .await?;
        }
        self.messages(tx, &case, &patient, &therapist, start)
            .await?;
        let end = start + SignedDuration::from_mins(kind.minutes);
        if end > self.now {
            return Ok(());
        }
        let roll = self.rng.below(100);
        let attendance = match roll {
            0..=89 => Attendance::Attended,
            90..=93 => Attendance::LateCancelled,
            94..=96 => Attendance::NoShow,
            _ => Attendance::TherapistCancelled,
        };
        let after = end + SignedDuration::from_mins(20);
        store::attendance::record(tx, &id, attendance, None, Some(&therapist), after).await?;
        self.events.push((
            after,
            event(&therapist, A::AppointmentAttendance, &case, &id),
        ));
        self.active[i].held += 1;
        if attendance != Attendance::Attended {
            return Ok(());
        }
        for (at, who, action) in [
            (start - HOUR / 2, &therapist, A::NoteRead),
            (start - SignedDuration::from_mins(3), &patient, A::RoomEnter),
            (
                start - SignedDuration::from_mins(1),
                &therapist,
                A::RoomEnter,
            ),
            (start, &therapist, A::RoomAdmit),
            (end, &therapist, A::RoomEnd),
        ] {
            self.events.push((at, event(who, action, &case, &id)));
        }
        let body = Body {
            template: Template::Free.as_str().to_string(),
            sections: vec![format!(
                "{} {}",
                self.rng.pick(NOTE_LINES),
                self.rng.pick(NOTE_LINES)
            )],
            headings: Vec::new(),
        };
        store::notes::save_draft(tx, &case, &id, &body, "", after).await?;
        store::notes::sign(tx, &id, &therapist, after + HOUR).await?;
        self.events
            .push((after, event(&therapist, A::NoteWrite, &case, &id)));
        self.events
            .push((after + HOUR, event(&therapist, A::NoteSign, &case, &id)));
        self.filled.notes += 1;
        self.filled.rows += 1;
        // The first session that took place moves the case on (a missed consultation does not).
        if !self.active[i].in_therapy && self.plan.courses[course].weeks > 1 {
            self.active[i].in_therapy = true;
            store::cases::set_stage(tx, &case, Stage::InTherapy, after + HOUR).await?;
            self.events.push((
                after + HOUR,
                event(&therapist, A::CaseStage, &case, case.as_str()),
            ));
        }
        let day = start.to_zoned(desk.zone.clone()).date();
        self.active[i].unbilled.push((id, day));
        Ok(())
    }

    /// The week's messages between the two, read by the other a few hours later (the newest may
    /// be unread still).
    async fn messages(
        &mut self,
        tx: &mut Conn,
        case: &CaseId,
        patient: &UserId,
        therapist: &UserId,
        session: Timestamp,
    ) -> AppResult<()> {
        let count = [0, 1, 1, 2, 2, 3][self.rng.below(6) as usize];
        for k in 0..count {
            let at = session
                - HOUR * (20 + 31 * k)
                - SignedDuration::from_mins(self.rng.below(50) as i64);
            if at > self.now {
                continue;
            }
            let (author, reader) = if k % 2 == 0 {
                (patient, therapist)
            } else {
                (therapist, patient)
            };
            let text = *self.rng.pick(MESSAGE_LINES);
            let id = store::messages::post(tx, case, author, text, None, at).await?;
            self.events
                .push((at, event(author, A::MessagesWrite, case, id.as_str())));
            self.filled.messages += 1;
            self.filled.rows += 1;
            let task = crate::jobs::Task::MessageNotification {
                message: id.clone(),
            };
            self.job(task.job(format!("message-notification:{id}"), at), at);
            let read = at + HOUR * 3;
            if read < self.now {
                store::messages::mark_read(tx, case, reader, read).await?;
                self.events
                    .push((read, event(reader, A::MessagesRead, case, case.as_str())));
            }
        }
        Ok(())
    }

    /// PHQ-9 and GAD-7 (and the intake before the first meeting), answered the day before.
    async fn measures(
        &mut self,
        tx: &mut Conn,
        case: &CaseId,
        patient: &UserId,
        held: u32,
        at: Timestamp,
    ) -> AppResult<()> {
        if at > self.now {
            return Ok(());
        }
        let therapist = self.desks[self.plan.courses[self.active_course(case)].therapist]
            .id
            .clone();
        let keys: &[&str] = if held == 0 {
            &["intake", "phq9", "gad7"]
        } else {
            &["phq9", "gad7"]
        };
        for key in keys {
            let Some(q) = store::intake::current(tx, &therapist, key).await? else {
                continue;
            };
            let Some(id) = store::intake::assign(tx, case, &q, Some(&therapist), at).await? else {
                continue;
            };
            let mut answers = Answers::default();
            if *key == "intake" {
                answers.0.insert(
                    "what_brings_you".into(),
                    Answer::Text("Worry that keeps me awake, and a move that went badly.".into()),
                );
            } else {
                // Scores ease as therapy goes on; the risk item stays at 0 (no alert raised).
                let items = if *key == "phq9" { 9 } else { 7 };
                let high = 3u64.saturating_sub(u64::from(held / 12)).max(1);
                let mut scored: Vec<Option<u8>> = (0..items)
                    .map(|_| Some(self.rng.below(high + 1) as u8))
                    .collect();
                if *key == "phq9" {
                    scored[8] = Some(0);
                }
                answers.0.insert(
                    (*key).to_string(),
                    Answer::Measure {
                        items: scored,
                        difficulty: Some(self.rng.below(3) as u8),
                    },
                );
            }
            store::intake::save(tx, &id, case, &answers, true, false, at).await?;
            // The therapist reads the answers before the session.
            store::day::mark_reviewed(tx, &id, at + HOUR * 12).await?;
            self.events
                .push((at, event(patient, A::ResponsesSubmit, case, id.as_str())));
            self.filled.responses += 1;
            self.filled.rows += 1;
        }
        Ok(())
    }

    fn active_course(&self, case: &CaseId) -> usize {
        self.active
            .iter()
            .find(|a| &a.case == case)
            .map_or(0, |a| a.course)
    }

    /// A course's last week has passed: its last sessions billed, the case closed.
    async fn end(&mut self, tx: &mut Conn, a: Active, w: u32) -> AppResult<()> {
        let therapist = self.plan.courses[a.course].therapist;
        let closed = self.start(therapist, self.plan.courses[a.course].chair, w)? + HOUR * 30;
        if closed > self.now {
            return Ok(());
        }
        let next = self
            .base
            .checked_add(Span::new().weeks(i64::from(w) + 1))
            .map_err(|e| AppError::internal("placing a bill", e))?;
        self.bill(tx, a.course, &a.case, a.unbilled, next).await?;
        let by = self.desks[therapist].id.clone();
        let closing = Closing {
            kind: ClosingKind::Ended,
            summary: "We ended as planned; the goals agreed at the start were reached.".into(),
            referral: None,
            letter: None,
        };
        store::ending::close(tx, &a.case, &closing, &by, closed).await?;
        store::cases::set_stage(tx, &a.case, Stage::Ended, closed).await?;
        self.events
            .push((closed, event(&by, A::CaseClose, &a.case, a.case.as_str())));
        self.filled.rows += 1;
        Ok(())
    }

    /// An invoice for `lines` (attended sessions), issued on `on` with its PDF, and paid.
    async fn bill(
        &mut self,
        tx: &mut Conn,
        course: usize,
        case: &CaseId,
        lines: Vec<(String, Date)>,
        on: Date,
    ) -> AppResult<()> {
        let desk = &self.desks[self.plan.courses[course].therapist];
        let issued_at = on
            .at(8, 0, 0, 0)
            .to_zoned(desk.zone.clone())
            .map_err(|e| AppError::internal("placing a bill", e))?
            .timestamp();
        if lines.is_empty() || issued_at > self.now {
            return Ok(());
        }
        let Some(profile) = store::billing::profile(tx, &desk.id).await? else {
            return Ok(());
        };
        let lines: Vec<Line> = lines
            .into_iter()
            .map(|(appointment, day)| Line {
                appointment: Some(appointment),
                service_date: day,
                description: "Psychotherapy session".into(),
                minutes: u32::try_from(desk.session.minutes).unwrap_or(50),
                quantity: 1,
                unit_minor: desk.session.price_cents.unwrap_or(9500),
            })
            .collect();
        let (first, last) = (lines[0].service_date, lines[lines.len() - 1].service_date);
        let name = &self.plan.courses[course].patient.name;
        let id = store::billing::create_draft(
            tx,
            &store::billing::NewInvoice {
                case,
                therapist: &desk.id,
                kind: Kind::Invoice,
                corrects: None,
                currency: "EUR",
                period: (first, last),
                lines: &lines,
                recipient: name,
            },
            issued_at,
        )
        .await?;
        let invoice = store::billing::get(tx, &id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.app
            .archive_issued(tx, &desk.user, &profile, &invoice, on, issued_at)
            .await?;
        let paid = issued_at + HOUR * (24 * (3 + self.rng.below(10) as i32));
        if paid < self.now {
            store::billing::add_payment(
                tx,
                &store::billing::NewPayment {
                    invoice: &id,
                    amount: invoice.total,
                    currency: "EUR",
                    received_on: paid.to_zoned(desk.zone.clone()).date(),
                    method: Method::Transfer,
                    source: None,
                    by: Some(&desk.id),
                },
                paid,
            )
            .await?;
            self.events
                .push((paid, event(&desk.id, A::PaymentRecord, case, &id)));
            self.filled.rows += 1;
        }
        self.events
            .push((issued_at, event(&desk.id, A::InvoiceIssue, case, &id)));
        self.filled.invoices += 1;
        self.filled.rows += 1 + lines.len() as u64;
        Ok(())
    }

    /// A job caused at `at`: done a moment after it was due, if that has passed.
    fn job(&mut self, job: store::jobs::NewJob, at: Timestamp) {
        let ran = job.run_at + SignedDuration::from_secs(2);
        let finished = (ran < self.now).then_some(ran);
        self.jobs.push((job, at, finished));
    }

    /// The weeks' audit entries, in the order they happened, onto the chain; and their jobs.
    pub async fn flush_audit(&mut self, tx: &mut Conn) -> AppResult<()> {
        store::jobs::record_many(tx, &self.jobs).await?;
        self.filled.rows += self.jobs.len() as u64;
        self.filled.jobs += self.jobs.len() as u64;
        self.jobs.clear();
        self.events.sort_by_key(|(at, _)| *at);
        store::audit::append_many(tx, &self.events).await?;
        self.filled.audit += self.events.len() as u64;
        self.filled.rows += self.events.len() as u64;
        self.events.clear();
        Ok(())
    }

    /// The owner's patient in therapy now with the most sessions behind them.
    pub fn handles(&self) -> AppResult<Handles> {
        let a = self
            .active
            .iter()
            .filter(|a| self.plan.courses[a.course].therapist == 0)
            .max_by_key(|a| a.held)
            .ok_or(AppError::NotFound)?;
        Ok(Handles {
            therapist_email: self.plan.therapists[0].person.email.clone(),
            patient_email: self.plan.courses[a.course].patient.email.clone(),
            case: a.case.clone(),
        })
    }
}
