//! Time away as use-cases: a therapist enters a holiday or illness once (the owner also the
//! practice's bank holidays); the sessions on those days are cancelled, each patient told once,
//! or kept for the therapist to move one by one. Those days cannot be booked, and a series leaves
//! them out.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::{Action, Decision};
use crate::App;
use domain::absence::{Absence, AbsenceInput, Sessions};
use domain::account::User;
use domain::attendance::Attendance;
use domain::audit::AuditAction;
use domain::ids::{CaseId, UserId};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::collections::BTreeMap;
use store::absences::Stored;
use store::{booking, Conn};

/// A session on a day away that is still booked: the therapist moves or cancels it.
#[derive(Clone, Debug)]
pub struct Kept {
    pub appointment: String,
    pub start: Timestamp,
    pub patient: String,
}

/// The time-away page: what is entered, and the sessions still booked on those days.
#[derive(Clone, Debug)]
pub struct AwayView {
    /// What is entered, each with whether this person may remove it.
    pub absences: Vec<(Stored, bool)>,
    pub kept: Vec<Kept>,
    /// The owner may enter bank holidays for the whole practice.
    pub may_close_practice: bool,
    /// The kinds this person may enter (a bank holiday only by the owner).
    pub kinds: Vec<domain::absence::Kind>,
}

/// Whether `actor` may remove `a`: their own time away, or the practice's as its owner.
fn may_remove(actor: &Actor, a: &Stored) -> bool {
    match &a.therapist {
        Some(t) => actor.user().is_some_and(|u| u.id == *t),
        None => crate::policy::can(actor, Action::ManagePractice) == Decision::Allow,
    }
}

/// What entering time away did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entered {
    pub cancelled: usize,
    pub kept: usize,
}

fn zone_of(user: &User) -> TimeZone {
    crate::series::zone_of(&user.time_zone)
}

/// The instants a run of whole days spans in `zone`.
fn span(zone: &TimeZone, first: Date, last: Date) -> (Timestamp, Timestamp) {
    let after = last.tomorrow().unwrap_or(last);
    (
        domain::series::instant(zone, first, Time::midnight()),
        domain::series::instant(zone, after, Time::midnight()),
    )
}

impl App {
    /// The days a therapist is away (their own and the practice's), from `since` on.
    pub(crate) async fn days_away(
        &self,
        c: &mut Conn,
        therapist: &UserId,
        since: Date,
    ) -> AppResult<Vec<Absence>> {
        Ok(store::absences::of_therapist(c, therapist, since)
            .await?
            .iter()
            .map(Stored::absence)
            .collect())
    }

    /// The therapist's booked sessions on their days away from now on.
    async fn still_booked(&self, c: &mut Conn, user: &User) -> AppResult<Vec<Kept>> {
        let zone = zone_of(user);
        let now = self.now();
        let today = now.to_zoned(zone.clone()).date();
        let mut kept = Vec::new();
        for a in self.days_away(c, &user.id, today).await? {
            let (from, to) = span(&zone, a.first, a.last);
            for s in store::absences::booked_between(c, &user.id, from.max(now), to).await? {
                let patient = store::cases::get(c, &s.case(), &user.id)
                    .await?
                    .map(|case| case.patient.name)
                    .unwrap_or_default();
                kept.push(Kept {
                    appointment: s.id.clone(),
                    start: s.start(),
                    patient,
                });
            }
        }
        kept.sort_by_key(|k| k.start);
        kept.dedup_by(|a, b| a.appointment == b.appointment);
        Ok(kept)
    }

    pub async fn time_away(&self, actor: &Actor) -> AppResult<AwayView> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        let today = self.now().to_zoned(zone_of(user)).date();
        let may_close_practice =
            crate::policy::can(actor, Action::ManagePractice) == Decision::Allow;
        Ok(AwayView {
            absences: store::absences::of_therapist(&mut c, &user.id, today)
                .await?
                .into_iter()
                .map(|a| {
                    let removable = may_remove(actor, &a);
                    (a, removable)
                })
                .collect(),
            kept: self.still_booked(&mut c, user).await?,
            kinds: domain::absence::Kind::ALL
                .into_iter()
                .filter(|k| *k != domain::absence::Kind::BankHoliday || may_close_practice)
                .collect(),
            may_close_practice,
        })
    }

    /// Enters time away (for the practice when `practice` and the actor is its owner). The
    /// absence, the cancellations, one mail per patient and the audit row commit together.
    #[tracing::instrument(skip_all)]
    pub async fn enter_time_away(
        &self,
        actor: &Actor,
        input: &AbsenceInput,
        practice: bool,
    ) -> AppResult<Entered> {
        self.require(actor, Action::KeepCaseload).await?;
        if practice {
            self.require(actor, Action::ManagePractice).await?;
        }
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let now = self.now();
        let today = now.to_zoned(zone_of(user)).date();
        let absence = input.validate(today, practice).map_err(AppError::Invalid)?;
        let whose: Vec<User> = if practice {
            store::users::therapists(&mut self.db().conn().await?).await?
        } else {
            vec![user.clone()]
        };
        let mut tx = self.db().begin().await?;
        let id = store::absences::insert(
            &mut tx,
            (!practice).then_some(&user.id),
            &absence,
            &user.id,
            now,
        )
        .await?;
        let mut done = Entered::default();
        let mut by_case: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for therapist in &whose {
            let (from, to) = span(&zone_of(therapist), absence.first, absence.last);
            let affected =
                store::absences::booked_between(&mut tx, &therapist.id, from.max(now), to).await?;
            for s in affected {
                if absence.sessions == Sessions::Keep {
                    done.kept += 1;
                    continue;
                }
                booking::cancel(&mut tx, &s.id, false, now).await?;
                store::attendance::record(
                    &mut tx,
                    &s.id,
                    Attendance::TherapistCancelled,
                    None,
                    Some(&user.id),
                    now,
                )
                .await?;
                by_case.entry(s.case_id.clone()).or_default().push(s.id);
                done.cancelled += 1;
            }
        }
        for (case, appointments) in by_case {
            let case = CaseId::new(case);
            self.reschedule_session_measures(&mut tx, &case).await?;
            store::jobs::enqueue(
                &mut tx,
                Task::AwayNotice {
                    case: case.clone(),
                    appointments,
                }
                .job(format!("away-notice:{id}:{case}"), now),
                now,
            )
            .await?;
        }
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::AbsenceAdd,
            "",
            &id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(done)
    }

    /// Removes time away (sessions already cancelled stay cancelled). The practice's bank
    /// holidays only by its owner; a therapist's own only by them.
    pub async fn remove_time_away(&self, actor: &Actor, id: &str) -> AppResult<()> {
        self.require(actor, Action::KeepCaseload).await?;
        let mut tx = self.db().begin().await?;
        let a = store::absences::get(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !may_remove(actor, &a) {
            return Err(AppError::NotFound);
        }
        store::absences::remove(&mut tx, id).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::AbsenceRemove,
            "",
            id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// "Some of your sessions are cancelled: your therapist is away", listing them in the
    /// patient's own time; with the series' calendar when they all belong to one series.
    pub(crate) async fn away_notice_mail(
        &self,
        practice: &domain::practice::Details,
        case: &CaseId,
        appointments: &[String],
    ) -> AppResult<Option<crate::mail::Outgoing>> {
        let mut c = self.db().conn().await?;
        let Some(case) = self.case_for_system(&mut c, case).await? else {
            return Ok(None);
        };
        let mut starts = Vec::new();
        let mut series = std::collections::BTreeSet::new();
        let mut in_series = 0;
        for id in appointments {
            if let Some(a) = booking::get(&mut c, id).await? {
                starts.push(a.start);
            }
            if let Some(s) = store::series::of_appointment(&mut c, id).await? {
                series.insert(s);
                in_series += 1;
            }
        }
        starts.sort();
        // The calendar file updates the one series they all belong to; otherwise none is sent.
        let only = (series.len() == 1 && in_series == appointments.len())
            .then(|| series.into_iter().next())
            .flatten();
        let ics = match only {
            Some(id) => match store::series::get(&mut c, &id).await? {
                Some(s) => {
                    let lang = self.language_of(&case.patient).await?.unwrap_or_default();
                    let name = crate::i18n::t(lang, "ics-appointment");
                    Some(
                        self.series_ics(&mut c, &s, practice, Some(&case), &name, lang)
                            .await?,
                    )
                }
                None => None,
            },
            None => None,
        };
        Ok(Some(crate::mail::away_notice(
            &practice.name,
            &case.patient,
            &case.therapist,
            &starts,
            &self.link("/portal"),
            ics,
        )))
    }
}
