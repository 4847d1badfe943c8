//! The move from the unkeyed SHA-256 chain to the MAC: once, at the first start after the
//! upgrade, in one transaction, and only over a chain that verifies. A broken chain is left as
//! it is (re-chaining it would bless whatever broke it), so `audit verify` still names its row.

use super::chain::{self, Linker, Scheme};
use super::checkpoint::Checkpoint;
use super::verify::{walk_with, Verdict};
use super::{entry, lock, Row, COLUMNS};
use crate::db::Db;
use crate::error::StoreResult;
use crate::ms;
use jiff::Timestamp;

/// What `upgrade` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upgrade {
    /// The chain is keyed already: nothing to do.
    Keyed,
    /// The intact SHA-256 chain of `rows` rows is now linked by the MAC.
    Rechained { rows: u64 },
    /// The SHA-256 chain does not verify: left unkeyed, as found.
    Broken(Verdict),
    /// The chain says "unkeyed" but checkpoints of a keyed chain exist: someone set it back
    /// (perhaps to rewrite it with the plain hash); left as found.
    SetBack,
}

/// Re-chains an intact SHA-256 log under the MAC. `checkpoints` are those written so far: any
/// means the log was keyed once already, and it is not re-chained again.
pub async fn upgrade(db: &Db, checkpoints: &[Checkpoint], now: Timestamp) -> StoreResult<Upgrade> {
    let mut tx = db.begin().await?;
    let backend = tx.backend();
    lock(tx.ex(), backend).await?;
    if chain::scheme(tx.ex()).await? == Scheme::Mac {
        return Ok(Upgrade::Keyed);
    }
    if !checkpoints.is_empty() {
        return Ok(Upgrade::SetBack);
    }
    let walk = walk_with(&mut tx, &Linker::Sha256, &[]).await?;
    if !walk.verdict.is_intact() {
        return Ok(Upgrade::Broken(walk.verdict));
    }
    let mac = Linker::new(Scheme::Mac, tx.keyring());
    let mut prev = chain::GENESIS.to_string();
    let mut last = 0i64;
    loop {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000"
        ))
        .bind(last)
        .fetch_all(tx.ex())
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let link = mac.link(&prev, r.seq, r.at, &entry(r).event);
            sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
                .bind(&prev)
                .bind(&link)
                .bind(r.seq)
                .execute(tx.ex())
                .await?;
            prev = link;
            last = r.seq;
        }
    }
    sqlx::query("UPDATE audit_chain SET scheme = $1, since = $2 WHERE id = 1")
        .bind(Scheme::Mac.as_str())
        .bind(ms(now))
        .execute(tx.ex())
        .await?;
    tx.commit().await?;
    Ok(Upgrade::Rechained {
        rows: walk.head.rows,
    })
}
