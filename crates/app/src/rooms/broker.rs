//! Passes a room's events to every connection in it, whichever instance holds the connection: in
//! process when there is one instance (SQLite), through PostgreSQL's LISTEN/NOTIFY when several
//! share a database. On PostgreSQL every event takes the same path, this instance's own included,
//! so the order is the same for everyone.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use store::{Backend, Db};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, OnceCell};

const CHANNEL: &str = "holdspace_rooms";
/// Per connection: enough for a burst of candidates while a socket is busy sending. A queue takes
/// its memory as it fills (blocks of 32), so a connection that waits holds less than a kilobyte.
const BACKLOG: usize = 256;

/// What passes between the connections of a room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// Something about the room changed: every connection re-reads the whole state.
    Changed,
    /// An offer, an answer or a candidate from one connection to another.
    Signal {
        from: String,
        to: String,
        data: serde_json::Value,
    },
    /// A line of the call's chat. It passes through and is never stored.
    Chat {
        from: String,
        name: String,
        text: String,
    },
    /// These connections were replaced by a newer one of the same person (a reload, a second tab).
    Replaced { connections: Vec<String> },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    room: String,
    event: Event,
}

/// One connection's queue of its room's events, as the broker holds it.
struct Subscriber {
    events: mpsc::Sender<Arc<Event>>,
    /// Set when an event found the queue full and was dropped.
    lagged: Arc<AtomicBool>,
}

/// Why no event came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missed {
    /// Events were dropped because the connection fell too far behind: what it missed cannot be
    /// trusted, so it reads the room's whole state again.
    Lagged,
    /// The broker let go of the room.
    Closed,
}

/// One connection's events of its room, in the order the broker delivered them.
#[derive(Debug)]
pub struct Events {
    events: mpsc::Receiver<Arc<Event>>,
    lagged: Arc<AtomicBool>,
}

impl Events {
    /// The next event; `Lagged` once after events were dropped (the queue is then emptied, since
    /// what is in it is older than what was lost). Cancel-safe, as `select!` needs.
    pub async fn recv(&mut self) -> Result<Arc<Event>, Missed> {
        if self.lagged.swap(false, Ordering::AcqRel) {
            while self.events.try_recv().is_ok() {}
            return Err(Missed::Lagged);
        }
        self.events.recv().await.ok_or(Missed::Closed)
    }
}

/// How many rooms and connections this instance holds now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Occupancy {
    pub rooms: usize,
    pub connections: usize,
}

pub struct Broker {
    /// Per room, the queues of the connections in it on this instance. A queue per connection
    /// rather than one ring per room: a ring is allocated whole when it is made (8 kB for 256
    /// events), and every patient waiting alone has a room of their own.
    rooms: Mutex<HashMap<String, Vec<Subscriber>>>,
    /// This instance's live connections, refreshed in the store so other instances see them.
    live: Mutex<HashSet<String>>,
    started: OnceCell<()>,
}

impl Broker {
    pub fn new() -> Broker {
        Broker {
            rooms: Mutex::new(HashMap::new()),
            live: Mutex::new(HashSet::new()),
            started: OnceCell::new(),
        }
    }

    pub fn subscribe(&self, room: &str) -> Events {
        let (sender, events) = mpsc::channel(BACKLOG);
        let lagged = Arc::new(AtomicBool::new(false));
        let mut rooms = self.rooms.lock().expect("room table");
        let subscribers = rooms.entry(room.to_string()).or_default();
        subscribers.retain(|s| !s.events.is_closed());
        subscribers.push(Subscriber {
            events: sender,
            lagged: lagged.clone(),
        });
        Events { events, lagged }
    }

    pub(crate) fn deliver(&self, room: &str, event: Event) {
        let mut rooms = self.rooms.lock().expect("room table");
        if let Some(subscribers) = rooms.get_mut(room) {
            let event = Arc::new(event);
            subscribers.retain(|s| match s.events.try_send(event.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    s.lagged.store(true, Ordering::Release);
                    true
                }
                // That connection is gone.
                Err(TrySendError::Closed(_)) => false,
            });
            if subscribers.is_empty() {
                // Nobody of this room is connected here any more.
                rooms.remove(room);
            }
        }
    }

    pub(crate) fn live_connections(&self) -> Vec<String> {
        self.live
            .lock()
            .expect("live set")
            .iter()
            .cloned()
            .collect()
    }

    pub(crate) fn live_count(&self) -> usize {
        self.live.lock().expect("live set").len()
    }

    pub(crate) fn connected(&self, connection: &str) {
        self.live
            .lock()
            .expect("live set")
            .insert(connection.to_string());
    }

    pub(crate) fn disconnected(&self, connection: &str) {
        self.live.lock().expect("live set").remove(connection);
    }

    /// Rooms with a connection on this instance, and the connections, for the metrics.
    pub(crate) fn occupancy(&self) -> Occupancy {
        let rooms = self
            .rooms
            .lock()
            .expect("room table")
            .values()
            .filter(|subscribers| subscribers.iter().any(|s| !s.events.is_closed()))
            .count();
        Occupancy {
            rooms,
            connections: self.live.lock().expect("live set").len(),
        }
    }

    /// Starts listening on PostgreSQL, once; answers whether events go through it.
    pub(crate) async fn start(self: &Arc<Self>, db: &Db) -> store::StoreResult<bool> {
        if db.backend() != Backend::Postgres {
            return Ok(false);
        }
        self.started
            .get_or_try_init(|| async {
                let mut payloads = store::notify::listen(db, CHANNEL).await?;
                let db = db.clone();
                let me = self.clone();
                tokio::spawn(async move {
                    while let Some(payload) = payloads.recv().await {
                        let text = match payload.strip_prefix('@') {
                            Some(id) => match Self::stored_signal(&db, id).await {
                                Ok(Some(text)) => text,
                                _ => continue,
                            },
                            None => payload,
                        };
                        if let Ok(e) = serde_json::from_str::<Envelope>(&text) {
                            me.deliver(&e.room, e.event);
                        }
                    }
                });
                Ok::<(), store::StoreError>(())
            })
            .await?;
        Ok(true)
    }

    /// Sends `event` to every connection of `room`, on every instance.
    pub(crate) async fn publish(
        self: &Arc<Self>,
        db: &Db,
        room: &str,
        event: Event,
        now: jiff::Timestamp,
    ) -> store::StoreResult<()> {
        if !self.start(db).await? {
            self.deliver(room, event);
            return Ok(());
        }
        let text = serde_json::to_string(&Envelope {
            room: room.to_string(),
            event,
        })
        .expect("events serialise");
        // Each statement stands alone: a stored signal is there before its notification.
        let mut c = db.conn().await?;
        if text.len() <= store::notify::MAX_PAYLOAD {
            store::notify::notify(&mut c, CHANNEL, &text).await
        } else {
            // An offer with many codecs can outgrow a notification: it waits in a table.
            let id = store::new_id();
            store::rooms::put_signal(&mut c, &id, &text, now).await?;
            store::notify::notify(&mut c, CHANNEL, &format!("@{id}")).await
        }
    }

    async fn stored_signal(db: &Db, id: &str) -> store::StoreResult<Option<String>> {
        store::rooms::signal(&mut db.conn().await?, id).await
    }
}

impl Default for Broker {
    fn default() -> Self {
        Broker::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_event_reaches_the_rooms_subscribers_and_no_other_room() {
        let broker = Broker::new();
        let mut a = broker.subscribe("a");
        let mut a2 = broker.subscribe("a");
        let mut b = broker.subscribe("b");
        broker.deliver("a", Event::Changed);
        assert_eq!(*a.recv().await.unwrap(), Event::Changed);
        assert_eq!(*a2.recv().await.unwrap(), Event::Changed);
        assert!(b.events.try_recv().is_err());
    }

    #[tokio::test]
    async fn events_arrive_in_the_order_delivered() {
        let broker = Broker::new();
        let mut a = broker.subscribe("a");
        for i in 0..BACKLOG {
            broker.deliver("a", chat(i));
        }
        for i in 0..BACKLOG {
            assert_eq!(*a.recv().await.unwrap(), chat(i));
        }
    }

    fn chat(i: usize) -> Event {
        Event::Chat {
            from: "c1".into(),
            name: String::new(),
            text: i.to_string(),
        }
    }

    #[tokio::test]
    async fn a_connection_too_far_behind_is_told_once_and_then_hears_what_comes_next() {
        let broker = Broker::new();
        let mut slow = broker.subscribe("a");
        let mut quick = broker.subscribe("a");
        // One more than the queue holds: the last is dropped for the slow one only.
        for i in 0..=BACKLOG {
            broker.deliver("a", chat(i));
            assert_eq!(*quick.recv().await.unwrap(), chat(i));
        }
        assert_eq!(slow.recv().await.unwrap_err(), Missed::Lagged);
        broker.deliver("a", Event::Changed);
        assert_eq!(*slow.recv().await.unwrap(), Event::Changed);
        // A huge burst does not grow the queue past its bound.
        for i in 0..10 * BACKLOG {
            broker.deliver("a", chat(i));
        }
        assert_eq!(slow.recv().await.unwrap_err(), Missed::Lagged);
        assert!(slow.events.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_closed_connection_is_let_go_and_an_empty_room_forgotten() {
        let broker = Broker::new();
        let a = broker.subscribe("a");
        let mut b = broker.subscribe("a");
        assert_eq!(broker.occupancy().rooms, 1);
        drop(a);
        broker.deliver("a", Event::Changed);
        assert_eq!(broker.rooms.lock().unwrap()["a"].len(), 1);
        assert_eq!(*b.recv().await.unwrap(), Event::Changed);
        drop(b);
        assert_eq!(broker.occupancy().rooms, 0);
        broker.deliver("a", Event::Changed);
        assert!(broker.rooms.lock().unwrap().is_empty());
        // Delivering to a room nobody subscribed to does nothing.
        broker.deliver("nobody", Event::Changed);
        assert!(broker.rooms.lock().unwrap().is_empty());
    }

    #[test]
    fn events_read_back_from_their_wire_form() {
        let e = Event::Signal {
            from: "c1".into(),
            to: "c2".into(),
            data: serde_json::json!({"sdp": {"type": "offer", "sdp": "v=0"}}),
        };
        let text = serde_json::to_string(&Envelope {
            room: "r".into(),
            event: e.clone(),
        })
        .unwrap();
        let back: Envelope = serde_json::from_str(&text).unwrap();
        assert_eq!(back.event, e);
        assert_eq!(back.room, "r");
    }
}
