//! Passes a room's events to every connection in it, whichever instance holds the connection: in
//! process when there is one instance (SQLite), through PostgreSQL's LISTEN/NOTIFY when several
//! share a database. On PostgreSQL every event takes the same path, this instance's own included,
//! so the order is the same for everyone.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use store::{Backend, Db};
use tokio::sync::{broadcast, OnceCell};

const CHANNEL: &str = "holdspace_rooms";
/// Per room: enough for a burst of candidates while a socket is busy sending.
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

/// How many rooms and connections this instance holds now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Occupancy {
    pub rooms: usize,
    pub connections: usize,
}

pub struct Broker {
    rooms: Mutex<HashMap<String, broadcast::Sender<Arc<Event>>>>,
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

    pub fn subscribe(&self, room: &str) -> broadcast::Receiver<Arc<Event>> {
        let mut rooms = self.rooms.lock().expect("room table");
        rooms
            .entry(room.to_string())
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe()
    }

    pub(crate) fn deliver(&self, room: &str, event: Event) {
        let mut rooms = self.rooms.lock().expect("room table");
        if let Some(sender) = rooms.get(room) {
            if sender.send(Arc::new(event)).is_err() {
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
            .filter(|sender| sender.receiver_count() > 0)
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
        let mut b = broker.subscribe("b");
        broker.deliver("a", Event::Changed);
        assert_eq!(*a.recv().await.unwrap(), Event::Changed);
        assert!(b.try_recv().is_err());
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
