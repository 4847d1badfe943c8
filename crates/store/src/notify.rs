//! PostgreSQL's LISTEN/NOTIFY, so that instances sharing one database can tell each other things
//! at once (the video room's signaling). Not available on SQLite, where there is one instance.

use crate::conn::Conn;
use crate::db::{Backend, Db};
use crate::error::{StoreError, StoreResult};
use std::time::Duration;
use tokio::sync::mpsc;

/// The largest payload PostgreSQL accepts in a notification is 8,000 bytes; stay below it.
pub const MAX_PAYLOAD: usize = 7_900;

/// Sends `payload` to every listener on `channel`, this instance's included.
/// Inside a transaction, PostgreSQL delivers it when the transaction commits.
pub async fn notify(c: &mut Conn, channel: &str, payload: &str) -> StoreResult<()> {
    if c.backend() != Backend::Postgres {
        return Err(StoreError::Unreachable(
            "notifications need PostgreSQL".into(),
        ));
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// Listens on `channel` on a connection of its own, and hands each payload to the returned
/// receiver. A lost connection is re-opened (with a pause that grows to 5 s); what was sent
/// meanwhile is lost, which the room's clients survive because they re-read the whole state.
pub async fn listen(db: &Db, channel: &str) -> StoreResult<mpsc::UnboundedReceiver<String>> {
    let Some(url) = db.url.clone() else {
        return Err(StoreError::Unreachable(
            "notifications need PostgreSQL".into(),
        ));
    };
    let mut listener = sqlx::postgres::PgListener::connect(&url).await?;
    listener.listen(channel).await?;
    let (tx, rx) = mpsc::unbounded_channel();
    let channel = channel.to_string();
    tokio::spawn(async move {
        let mut pause = Duration::from_millis(100);
        loop {
            match listener.recv().await {
                Ok(n) => {
                    pause = Duration::from_millis(100);
                    if tx.send(n.payload().to_string()).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, channel, "listening for notifications failed; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                    if tx.is_closed() {
                        return;
                    }
                }
            }
        }
    });
    Ok(rx)
}
