//! `holdspace demo --scale N`: fills the demo practice with ten years of records per therapist,
//! for measuring how cost grows. N = 1 is the demo's owner alone (about 400 patients and 15,000
//! sessions); N = 50 is a group practice.
//!
//! Everything is written through the store's own functions (cases, bookings and their cells,
//! attendance, notes, messages, questionnaires, invoices with their archived PDFs, payments,
//! endings), so sealed values are sealed under each case's key exactly as in use. Only the audit
//! log is written in bulk (`store::audit::append_many`, the same chain). The plan (who, when, what
//! became of each hour) follows from the seed; ids, keys and ciphertexts are random as always.

mod plan;
mod week;

use crate::accounts::hash_password;
use crate::demo::DEMO_PASSWORD;
use crate::error::{AppError, AppResult};
use crate::App;
use domain::account::Role;
use domain::booking::AppointmentType;
use domain::ids::{CaseId, UserId};
use jiff::civil::Date;
use jiff::Timestamp;
pub use plan::TEN_YEARS;
use plan::{Person, Plan, Rng, FUTURE_WEEKS};
use std::time::Instant;
use store::audit::Event;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    /// Therapists (the demo's owner is the first).
    pub therapists: u32,
    /// Weeks of history each ([`TEN_YEARS`] unless a test wants less).
    pub weeks: u32,
    /// The same seed gives the same practice.
    pub seed: u64,
}

/// What a fill wrote, and how fast.
#[derive(Clone, Debug, Default)]
pub struct Filled {
    pub therapists: u64,
    pub patients: u64,
    pub appointments: u64,
    pub notes: u64,
    pub messages: u64,
    pub responses: u64,
    pub invoices: u64,
    pub audit: u64,
    pub jobs: u64,
    /// Every row inserted, all tables (an appointment's time cells and an invoice's lines too).
    pub rows: u64,
    pub seconds: f64,
}

impl Filled {
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.seconds.max(0.001)
    }
}

/// Whom a benchmark signs in as: the owner, and the owner's patient with the longest history who
/// is in therapy now.
#[derive(Clone, Debug)]
pub struct Handles {
    pub therapist_email: String,
    pub patient_email: String,
    pub case: CaseId,
}

/// A therapist as the writer needs them.
struct Desk {
    id: UserId,
    zone: jiff::tz::TimeZone,
    first: AppointmentType,
    session: AppointmentType,
    user: domain::account::User,
}

/// A course under way: its case and what it has held so far.
struct Active {
    course: usize,
    case: CaseId,
    patient: UserId,
    held: u32,
    /// Whether a session has taken place (the case is in therapy).
    in_therapy: bool,
    /// Attended sessions not billed yet: (appointment, date).
    unbilled: Vec<(String, Date)>,
}

impl App {
    /// Fills the practice (set up by `load_demo`) with `scale` therapists' ten years. Refuses a
    /// practice that has cases already: a fill is for a fresh demo. `progress` hears after each
    /// committed month.
    pub async fn fill(
        &self,
        scale: Scale,
        mut progress: impl FnMut(&Filled),
    ) -> AppResult<(Filled, Handles)> {
        if !(1..=500).contains(&scale.therapists) {
            return Err(AppError::Config(
                "the scale is from 1 to 500 therapists".into(),
            ));
        }
        if !(1..=2_000).contains(&scale.weeks) {
            return Err(AppError::Config(
                "the history is from 1 to 2,000 weeks".into(),
            ));
        }
        let seed = scale.seed;
        let started = Instant::now();
        let now = self.now();
        let mut c = self.db().conn().await?;
        let details = store::practice::get(&mut c)
            .await?
            .ok_or_else(|| AppError::Config("load the demo practice first".into()))?;
        if store::cases::any(&mut c).await? {
            return Err(AppError::Config(
                "this practice has cases already: fill a fresh one".into(),
            ));
        }
        drop(c);
        let owner = Person {
            name: details.owner_name.clone(),
            email: details.email.clone(),
            time_zone: details.time_zone.clone(),
        };
        let plan = Plan::new(scale.therapists, scale.weeks, seed, owner);
        let mut filled = Filled::default();
        let desks = self.desks(&plan, now, &mut filled).await?;
        let base = monday(now)
            .checked_sub(jiff::Span::new().weeks(i64::from(plan.past_weeks)))
            .map_err(|e| AppError::internal("placing the first week", e))?;
        let mut writer = week::Writer {
            app: self,
            plan: &plan,
            desks: &desks,
            base,
            now,
            rng: Rng::new(seed).fork(0x5EED),
            filled: &mut filled,
            active: Vec::new(),
            events: Vec::new(),
            jobs: Vec::new(),
        };
        let mut next = 0;
        let weeks = plan.past_weeks + FUTURE_WEEKS;
        let mut w = 0;
        while w < weeks {
            let mut tx = self.db().begin().await?;
            // Four weeks a transaction: big enough to be fast, small enough to hold little.
            let until = (w + 4).min(weeks);
            while w < until {
                while next < plan.courses.len() && plan.courses[next].first_week == w {
                    writer.begin_course(&mut tx, next).await?;
                    next += 1;
                }
                writer.week(&mut tx, w).await?;
                w += 1;
            }
            writer.flush_audit(&mut tx).await?;
            tx.commit().await?;
            writer.filled.seconds = started.elapsed().as_secs_f64();
            progress(writer.filled);
        }
        let handles = writer.handles()?;
        // Ten years written at once: cleaned and measured now, as autovacuum would leave a
        // practice that grew them.
        self.db().analyze().await?;
        filled.seconds = started.elapsed().as_secs_f64();
        Ok((filled, handles))
    }

    /// The owner, and the other therapists created with the demo's hours, fees and billing.
    async fn desks(
        &self,
        plan: &Plan,
        now: Timestamp,
        filled: &mut Filled,
    ) -> AppResult<Vec<Desk>> {
        let hash = hash_password(DEMO_PASSWORD.into()).await?;
        let mut desks = Vec::new();
        let mut c = self.db().conn().await?;
        self.ensure_builtin(&mut c).await?;
        let (owner, _) = store::users::find_by_email(&mut c, &plan.therapists[0].person.email)
            .await?
            .ok_or(AppError::NotFound)?;
        let profile = store::billing::profile(&mut c, &owner.id).await?;
        drop(c);
        for (i, t) in plan.therapists.iter().enumerate() {
            let user = if i == 0 {
                owner.clone()
            } else {
                let mut tx = self.db().begin().await?;
                let user = store::users::create(
                    &mut tx,
                    store::users::NewUser {
                        role: Role::Therapist,
                        email: &t.person.email,
                        name: &t.person.name,
                        time_zone: &t.person.time_zone,
                        password_hash: Some(&hash),
                    },
                    now,
                )
                .await?;
                if let Some(p) = &profile {
                    let mut own = p.clone();
                    own.issuer = format!("{}, Psychotherapeut:in", t.person.name);
                    store::billing::save_profile(&mut tx, &user.id, &own, now).await?;
                }
                tx.commit().await?;
                self.set_demo_availability(&user.id).await?;
                filled.therapists += 1;
                filled.rows += 1;
                user
            };
            let hours = store::booking::availability(&mut self.db().conn().await?, &user.id)
                .await?
                .ok_or(AppError::NotFound)?;
            let kind = |key: &str| {
                hours
                    .types
                    .iter()
                    .find(|k| k.key == key)
                    .cloned()
                    .ok_or_else(|| AppError::Config(format!("no appointment type {key:?}")))
            };
            desks.push(Desk {
                id: user.id.clone(),
                zone: crate::series::zone_of(&user.time_zone),
                first: kind("first")?,
                session: kind("session")?,
                user,
            });
        }
        Ok(desks)
    }
}

/// The Monday of `now`'s week (UTC).
fn monday(now: Timestamp) -> Date {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let back = i64::from(today.weekday().to_monday_zero_offset());
    today
        .checked_sub(jiff::Span::new().days(back))
        .unwrap_or(today)
}

/// An audit entry as the app writes it: who, what, which case and record, from where.
fn event(
    actor: &UserId,
    action: domain::audit::AuditAction,
    case: &CaseId,
    subject: &str,
) -> Event {
    Event {
        actor_id: actor.as_str().to_string(),
        action: action.as_str().to_string(),
        case_id: case.as_str().to_string(),
        subject: subject.to_string(),
        outcome: "ok".to_string(),
        // A documentation address (RFC 5737): generated, never anyone's.
        source: "192.0.2.10".to_string(),
    }
}
