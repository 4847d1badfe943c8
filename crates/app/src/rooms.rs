//! The video room of each appointment: who may enter (the policy), the room's whole state as each
//! person sees it, the therapist's admit / send back / end, and the signaling between browsers.
//!
//! Media never passes through here: the browsers connect to each other (or through a TURN relay,
//! still encrypted end to end by DTLS-SRTP). Nothing is recorded, and the chat is not stored.

mod broker;

pub use broker::{Broker, Event, Events, Missed};

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::ratelimit::Bucket;
use crate::turn::{self, IceServer};
use crate::App;
use domain::audit::AuditAction;
use domain::ids::UserId;
use domain::room::{self, HostAction, Hours, NotNow, Person, Phase};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use store::rooms::{self as rows, RoomRows};

/// The longest chat line.
pub const CHAT_MAX: usize = 2_000;
/// How long the tech check's relay credentials last.
const TECH_CHECK_TTL: SignedDuration = SignedDuration::from_mins(10);

/// Someone allowed into a room, for the life of one connection.
#[derive(Clone, Debug)]
pub struct Entry {
    pub appointment: String,
    pub user: UserId,
    pub name: String,
    pub host: bool,
    pub hours: Hours,
    case: String,
}

/// The room's page, before any connection.
#[derive(Clone, Debug)]
pub struct RoomPage {
    pub appointment: String,
    pub host: bool,
    pub start: Timestamp,
    pub end: Timestamp,
    pub opens_at: Timestamp,
    /// `Err` when the room is not open now: not yet, or no more.
    pub open: Result<(), NotNow>,
    /// The other people of the appointment, by name.
    pub others: Vec<String>,
}

/// The whole state, as one connection sees it.
#[derive(Clone, Debug, Serialize)]
pub struct View {
    pub phase: Phase,
    pub start: Timestamp,
    pub end: Timestamp,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
    pub me: Me,
    pub people: Vec<PersonView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Me {
    pub user: String,
    pub host: bool,
    pub admitted: bool,
    /// Whether this connection is the one in the room (a newer one replaces it).
    pub current: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct PersonView {
    pub user: String,
    pub name: String,
    pub host: bool,
    pub admitted: bool,
    pub here: bool,
    pub waiting: bool,
    /// The connection to negotiate with: only for people in the call, and only told to people
    /// in the call.
    pub connection: Option<String>,
}

/// What a connection asks of the room.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Signal { to: String, data: serde_json::Value },
    Chat { text: String },
    Admit { user: String },
    SendBack { user: String },
    End,
}

fn people(r: &RoomRows) -> Vec<Person> {
    r.members
        .iter()
        .map(|m| Person {
            user: m.user.0.clone(),
            host: m.host,
            admitted: m.admitted,
            connection: m.connection.clone(),
        })
        .collect()
}

fn hours(r: &RoomRows) -> Hours {
    Hours {
        start: r.start,
        end: r.end,
        ended_at: r.ended_at,
    }
}

impl App {
    /// The appointment's room rows, if the actor is one of its people; otherwise it does not
    /// exist for them (and the refusal is audited).
    async fn room_rows(&self, actor: &Actor, appointment: &str) -> AppResult<RoomRows> {
        if !actor.is_signed_in() {
            return Err(AppError::Unauthenticated);
        }
        let found = rows::load(&mut self.db().conn().await?, appointment, self.now()).await?;
        let Some(r) = found.filter(|r| !r.cancelled) else {
            self.audit(
                actor,
                AuditAction::PolicyRefused,
                "",
                "room",
                Outcome::Refused,
            )
            .await?;
            return Err(AppError::NotFound);
        };
        let members: Vec<UserId> = r.members.iter().map(|m| m.user.clone()).collect();
        if let Err(e) = policy::require_room(actor, &members) {
            let case = r.case.as_ref().map_or("", domain::ids::CaseId::as_str);
            self.audit(
                actor,
                AuditAction::PolicyRefused,
                case,
                "room",
                Outcome::Refused,
            )
            .await?;
            return Err(e);
        }
        Ok(r)
    }

    /// The room's page for one of its people.
    #[tracing::instrument(skip_all, fields(appointment = %appointment))]
    pub async fn room_page(&self, actor: &Actor, appointment: &str) -> AppResult<RoomPage> {
        let r = self.room_rows(actor, appointment).await?;
        let me = actor.user().map(|u| u.id.clone());
        let h = hours(&r);
        Ok(RoomPage {
            appointment: r.appointment.clone(),
            host: r
                .members
                .iter()
                .any(|m| m.host && Some(&m.user) == me.as_ref()),
            start: r.start,
            end: r.end,
            opens_at: h.opens_at(),
            open: h.admits_at(self.now()),
            others: r
                .members
                .iter()
                .filter(|m| Some(&m.user) != me.as_ref())
                .map(|m| m.name.clone())
                .collect(),
        })
    }

    /// Lets one of the room's people in, while it is open. The inner `Err` says why not now.
    #[tracing::instrument(skip_all, fields(appointment = %appointment))]
    pub async fn enter_room(
        &self,
        actor: &Actor,
        appointment: &str,
    ) -> AppResult<Result<Entry, NotNow>> {
        let r = self.room_rows(actor, appointment).await?;
        let h = hours(&r);
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let case = r
            .case
            .as_ref()
            .map_or("", domain::ids::CaseId::as_str)
            .to_string();
        if let Err(not_now) = h.admits_at(self.now()) {
            self.audit(
                actor,
                AuditAction::RoomEnter,
                &case,
                "not open",
                Outcome::Refused,
            )
            .await?;
            return Ok(Err(not_now));
        }
        let member = r
            .members
            .iter()
            .find(|m| m.user == user.id)
            .ok_or(AppError::NotFound)?;
        Ok(Ok(Entry {
            appointment: r.appointment.clone(),
            user: user.id.clone(),
            name: member.name.clone(),
            host: member.host,
            hours: h,
            case,
        }))
    }

    /// The ICE servers for this person, valid until the room closes (and an hour more).
    pub fn room_ice(&self, entry: &Entry) -> Vec<IceServer> {
        turn::ice_servers(
            &self.config().ice,
            entry.user.as_str(),
            entry.hours.closes_at() + SignedDuration::from_hours(1),
        )
    }

    /// Short-lived ICE servers for the public tech check, limited per address.
    pub fn tech_check_ice(&self, actor: &Actor) -> AppResult<Vec<IceServer>> {
        if !self
            .limits()
            .allow(Bucket::TechCheckByAddress, &actor.source, self.now())
        {
            return Err(AppError::RateLimited);
        }
        Ok(turn::ice_servers(
            &self.config().ice,
            "tech-check",
            self.now() + TECH_CHECK_TTL,
        ))
    }

    /// Whether a relay is configured (the tech check says so rather than failing).
    pub fn has_relay(&self) -> bool {
        self.config().ice.has_relay()
    }

    /// Subscribe before joining, so that nothing between the two is missed.
    pub fn room_events(&self, entry: &Entry) -> Events {
        self.broker().subscribe(&entry.appointment)
    }

    async fn publish(&self, appointment: &str, event: Event) -> AppResult<()> {
        self.broker()
            .publish(self.db(), appointment, event, self.now())
            .await?;
        Ok(())
    }

    /// A connection arrives: it replaces the same person's earlier one, and everyone re-reads.
    /// The presence and its audit row commit together, before anyone is told.
    #[tracing::instrument(skip_all, fields(appointment = %entry.appointment))]
    pub async fn room_joined(
        &self,
        actor: &Actor,
        entry: &Entry,
        connection: &str,
    ) -> AppResult<()> {
        self.broker().start(self.db()).await?;
        let mut tx = self.db().begin().await?;
        let earlier = rows::join(
            &mut tx,
            connection,
            &entry.appointment,
            &entry.user,
            self.now(),
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::RoomEnter,
            &entry.case,
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.broker().connected(connection);
        self.ensure_presence_refresh();
        // A connection taken back after a restart is not replaced by itself.
        let earlier: Vec<String> = earlier.into_iter().filter(|c| c != connection).collect();
        if !earlier.is_empty() {
            self.publish(
                &entry.appointment,
                Event::Replaced {
                    connections: earlier,
                },
            )
            .await?;
        }
        self.publish(&entry.appointment, Event::Changed).await
    }

    /// Whether a browser reconnecting after a restart may take back `connection`: only its own,
    /// in this room, while the presence is still recorded (a stopping instance leaves it there;
    /// the sweep clears it if nobody comes back).
    pub async fn may_resume(&self, entry: &Entry, connection: &str) -> AppResult<bool> {
        Ok(rows::holds(
            &mut self.db().conn().await?,
            connection,
            &entry.appointment,
            &entry.user,
        )
        .await?)
    }

    /// A connection closed because this instance is stopping: its presence stays for the
    /// browser to take back on another instance (or the new process), so the others in the call
    /// see nobody leave and their peer connections go on.
    pub fn room_paused(&self, connection: &str) {
        self.broker().disconnected(connection);
    }

    /// How many room sockets this instance still holds (a stopping process waits for none).
    pub fn rooms_open(&self) -> usize {
        self.broker().live_count()
    }

    /// A connection is gone (closed, replaced or dropped).
    pub async fn room_left(&self, entry: &Entry, connection: &str) -> AppResult<()> {
        self.broker().disconnected(connection);
        let gone = {
            let mut tx = self.db().begin().await?;
            let gone = rows::leave(&mut tx, connection).await?;
            tx.commit().await?;
            gone
        };
        if gone {
            self.publish(&entry.appointment, Event::Changed).await?;
        }
        Ok(())
    }

    /// The whole state as `connection` sees it.
    pub async fn room_view(&self, entry: &Entry, connection: &str) -> AppResult<View> {
        let r = rows::load(&mut self.db().conn().await?, &entry.appointment, self.now())
            .await?
            .ok_or(AppError::NotFound)?;
        let h = hours(&r);
        let all = people(&r);
        let phase = if r.cancelled {
            Phase::Ended
        } else {
            room::phase(&h, &all, self.now())
        };
        let me = all
            .iter()
            .find(|p| p.user == entry.user.as_str())
            .ok_or(AppError::NotFound)?;
        let current = me.connection.as_deref() == Some(connection);
        let i_am_in = current && me.in_call();
        Ok(View {
            phase,
            start: h.start,
            end: h.end,
            opens_at: h.opens_at(),
            closes_at: h.closes_at(),
            me: Me {
                user: me.user.clone(),
                host: me.host,
                admitted: me.admitted,
                current,
            },
            people: r
                .members
                .iter()
                .zip(&all)
                .map(|(m, p)| PersonView {
                    user: p.user.clone(),
                    name: m.name.clone(),
                    host: p.host,
                    admitted: p.admitted,
                    here: p.connection.is_some(),
                    waiting: p.waiting(),
                    connection: if i_am_in && p.in_call() {
                        p.connection.clone()
                    } else {
                        None
                    },
                })
                .collect(),
        })
    }

    /// Carries out one command of a connection. A command that changes the room reads it,
    /// changes it and audits the change in one transaction; everyone re-reads after the commit.
    #[tracing::instrument(skip_all, fields(appointment = %entry.appointment))]
    pub async fn room_command(
        &self,
        actor: &Actor,
        entry: &Entry,
        connection: &str,
        command: Command,
    ) -> AppResult<()> {
        match command {
            Command::Signal { to, data } => {
                let all = people(&self.room_now(&mut self.db().conn().await?, entry).await?);
                if !room::may_signal(&all, connection, &to) {
                    return Err(AppError::Forbidden);
                }
                self.publish(
                    &entry.appointment,
                    Event::Signal {
                        from: connection.to_string(),
                        to,
                        data,
                    },
                )
                .await
            }
            Command::Chat { text } => {
                let all = people(&self.room_now(&mut self.db().conn().await?, entry).await?);
                let text = text.trim();
                let in_call = all
                    .iter()
                    .any(|p| p.in_call() && p.connection.as_deref() == Some(connection));
                if !in_call || text.is_empty() || text.chars().count() > CHAT_MAX {
                    return Err(AppError::Forbidden);
                }
                self.publish(
                    &entry.appointment,
                    Event::Chat {
                        from: connection.to_string(),
                        name: entry.name.clone(),
                        text: text.to_string(),
                    },
                )
                .await
            }
            Command::Admit { user } | Command::SendBack { user } if user.is_empty() => {
                Err(AppError::NotFound)
            }
            Command::Admit { user } => {
                self.host_action(actor, entry, &user, HostAction::Admit)
                    .await
            }
            Command::SendBack { user } => {
                self.host_action(actor, entry, &user, HostAction::SendBack)
                    .await
            }
            Command::End => {
                if !entry.host {
                    return Err(AppError::Forbidden);
                }
                let mut tx = self.db().begin().await?;
                self.room_now(&mut tx, entry).await?;
                rows::end(&mut tx, &entry.appointment, self.now()).await?;
                self.audit_in(
                    &mut tx,
                    actor,
                    AuditAction::RoomEnd,
                    &entry.case,
                    "",
                    Outcome::Ok,
                )
                .await?;
                tx.commit().await?;
                self.publish(&entry.appointment, Event::Changed).await
            }
        }
    }

    /// The room's rows as they are now (`NotFound` when its appointment is gone).
    async fn room_now(&self, c: &mut store::Conn, entry: &Entry) -> AppResult<RoomRows> {
        rows::load(c, &entry.appointment, self.now())
            .await?
            .ok_or(AppError::NotFound)
    }

    async fn host_action(
        &self,
        actor: &Actor,
        entry: &Entry,
        guest: &str,
        action: HostAction,
    ) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let r = self.room_now(&mut tx, entry).await?;
        let now = self.now();
        if room::host_may(
            &hours(&r),
            &people(&r),
            entry.user.as_str(),
            guest,
            action,
            now,
        )
        .is_err()
        {
            return Err(AppError::Forbidden);
        }
        let guest_id = UserId::new(guest);
        let name = match action {
            HostAction::Admit => {
                rows::admit(&mut tx, &entry.appointment, &guest_id, now).await?;
                AuditAction::RoomAdmit
            }
            HostAction::SendBack => {
                rows::send_back(&mut tx, &entry.appointment, &guest_id).await?;
                AuditAction::RoomSendBack
            }
        };
        self.audit_in(&mut tx, actor, name, &entry.case, guest, Outcome::Ok)
            .await?;
        tx.commit().await?;
        self.publish(&entry.appointment, Event::Changed).await
    }

    /// Keeps this instance's connections visible to the others, and clears those of instances
    /// that stopped without a goodbye.
    fn ensure_presence_refresh(&self) {
        let app = self.clone();
        self.inner_refresh_started().call_once(move || {
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
                loop {
                    tick.tick().await;
                    let live = app.broker().live_connections();
                    let now = app.now();
                    if let Err(e) = app.refresh_presence(&live, now).await {
                        tracing::warn!(error = %e, "refreshing room connections failed");
                    }
                }
            });
        });
    }

    /// Marks this instance's connections alive and clears those nobody refreshed, in one
    /// transaction.
    async fn refresh_presence(&self, live: &[String], now: Timestamp) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        rows::refresh(&mut tx, live, now).await?;
        rows::sweep(&mut tx, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The therapist invites another of their patients into an appointment (a partner, a family
    /// member): they may then enter its room like the case's patient. The guest and the audit
    /// row commit together; the room is told after.
    #[tracing::instrument(skip_all, fields(appointment = %appointment))]
    pub async fn invite_to_room(
        &self,
        actor: &Actor,
        appointment: &str,
        email: &str,
    ) -> AppResult<()> {
        self.require(actor, crate::policy::Action::KeepCaseload)
            .await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let a = store::booking::get(&mut tx, appointment)
            .await?
            .filter(|a| a.therapist == user.id && !a.cancelled)
            .ok_or(AppError::NotFound)?;
        let email = email.trim();
        let guest = store::cases::of_therapist(&mut tx, &user.id)
            .await?
            .into_iter()
            .find(|c| !email.is_empty() && c.patient.email.eq_ignore_ascii_case(email))
            .ok_or_else(|| AppError::field("guest", "error-guest-unknown"))?;
        rows::add_guest(&mut tx, &a.id, &guest.patient.id, self.now()).await?;
        let case = a.case.as_ref().map_or("", domain::ids::CaseId::as_str);
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::RoomInvite,
            case,
            guest.patient.id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.publish(&a.id, Event::Changed).await
    }

    /// Someone's booked appointments from now on, each with its room.
    pub async fn my_appointments(&self, actor: &Actor) -> AppResult<Vec<rows::Upcoming>> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        Ok(rows::upcoming_for(&mut self.db().conn().await?, &user.id, self.now()).await?)
    }
}
