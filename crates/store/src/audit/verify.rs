//! Walking the chain: page by page in seq order, naming the first row that does not fit, and
//! holding it against the checkpoints written outside the database.

use super::chain::{self, Linker, Scheme, GENESIS};
use super::checkpoint::Checkpoint;
use super::{entry, Row, COLUMNS};
use crate::conn::Conn;
use crate::error::StoreResult;
use jiff::Timestamp;

/// Rows read per page: the walk holds one page at a time, whatever the log's length.
const PAGE: i64 = 1000;

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        rows: u64,
    },
    /// The first row that does not fit the chain (by its position, and its stored sequence number).
    Broken {
        position: u64,
        seq: i64,
        reason: &'static str,
    },
    /// The rows fit, but only under the old unkeyed hash that anyone could recompute: the log was
    /// never re-chained under the key (it was broken at the upgrade), or was set back since.
    Unkeyed {
        rows: u64,
    },
    /// The chain fits, but not what checkpoint `number` (1 for the file's first line) recorded.
    Contradicted {
        number: usize,
        at: Timestamp,
        seq: i64,
        reason: &'static str,
    },
}

impl Verdict {
    pub fn is_intact(&self) -> bool {
        matches!(self, Verdict::Intact { .. })
    }

    /// One line for the operator.
    pub fn describe(&self) -> String {
        match self {
            Verdict::Intact { rows } => format!("audit log intact: {rows} rows"),
            Verdict::Broken {
                position,
                seq,
                reason,
            } => format!("audit log broken at row {position} (seq {seq}): {reason}"),
            Verdict::Unkeyed { rows } => format!(
                "audit log of {rows} rows is linked by the old unkeyed hash only, which anyone \
                 with write access to the database can recompute: it was not re-chained under \
                 the key (see the log of the first start after the upgrade)"
            ),
            Verdict::Contradicted {
                number,
                at,
                seq,
                reason,
            } => format!(
                "the log was cut or rewritten after checkpoint {number} of {at} (seq {seq}): {reason}"
            ),
        }
    }
}

/// The chain's last row: what a checkpoint records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub rows: u64,
    pub seq: i64,
    pub mac: String,
}

impl Head {
    pub fn checkpoint(&self, at: Timestamp) -> Checkpoint {
        Checkpoint {
            at,
            rows: self.rows,
            seq: self.seq,
            mac: self.mac.clone(),
        }
    }
}

/// What a walk found, and the head it walked to (its checkpoint, when the verdict is intact).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    pub verdict: Verdict,
    pub head: Head,
}

/// Walks the whole chain in order and names the first row that does not fit.
pub async fn verify(c: &mut Conn) -> StoreResult<Verdict> {
    Ok(walk(c, &[]).await?.verdict)
}

/// `verify`, and each of `checkpoints` must still hold: the row at its seq carries its MAC (a
/// rewrite, even with the key, changes every MAC from the rewritten row on), and the chain
/// reaches its seq (a cut tail does not).
pub async fn walk(c: &mut Conn, checkpoints: &[Checkpoint]) -> StoreResult<Walk> {
    let scheme = chain::scheme(c.ex()).await?;
    let linker = Linker::new(scheme, c.keyring());
    let mut walk = walk_with(c, &linker, checkpoints).await?;
    if let (Scheme::Sha256, Verdict::Intact { rows }) = (scheme, &walk.verdict) {
        walk.verdict = Verdict::Unkeyed { rows: *rows };
    }
    Ok(walk)
}

pub(crate) async fn walk_with(
    c: &mut Conn,
    linker: &Linker,
    checkpoints: &[Checkpoint],
) -> StoreResult<Walk> {
    let mut head = Head {
        rows: 0,
        seq: 0,
        mac: GENESIS.to_string(),
    };
    loop {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(head.seq)
        .bind(PAGE)
        .fetch_all(c.ex())
        .await?;
        if rows.is_empty() {
            let verdict = cut(checkpoints, &head).unwrap_or(Verdict::Intact { rows: head.rows });
            return Ok(Walk { verdict, head });
        }
        for r in &rows {
            let position = head.rows + 1;
            if let Some(reason) = misfit(linker, &head, r) {
                let verdict = Verdict::Broken {
                    position,
                    seq: r.seq,
                    reason,
                };
                return Ok(Walk { verdict, head });
            }
            head = Head {
                rows: position,
                seq: r.seq,
                mac: r.hash.clone(),
            };
            if let Some(verdict) = rewritten(checkpoints, &head) {
                return Ok(Walk { verdict, head });
            }
        }
    }
}

/// Why row `r` does not follow `head`, if it does not.
fn misfit(linker: &Linker, head: &Head, r: &Row) -> Option<&'static str> {
    if r.seq != head.seq + 1 {
        return Some("a row is missing before this one");
    }
    if r.prev_hash != head.mac {
        return Some("the link to the previous row does not match");
    }
    if linker.link(&head.mac, r.seq, r.at, &entry(r).event) != r.hash {
        return Some("the row was changed after it was written");
    }
    None
}

/// The first checkpoint at `head`'s seq that recorded another MAC or count.
fn rewritten(checkpoints: &[Checkpoint], head: &Head) -> Option<Verdict> {
    checkpoints
        .iter()
        .enumerate()
        .find(|(_, cp)| cp.seq == head.seq && (cp.mac != head.mac || cp.rows != head.rows))
        .map(|(i, cp)| Verdict::Contradicted {
            number: i + 1,
            at: cp.at,
            seq: cp.seq,
            reason: "the row at the checkpoint's seq is not the one it recorded",
        })
}

/// The first checkpoint past the end of the chain.
fn cut(checkpoints: &[Checkpoint], head: &Head) -> Option<Verdict> {
    checkpoints
        .iter()
        .enumerate()
        .find(|(_, cp)| cp.seq > head.seq || cp.rows > head.rows)
        .map(|(i, cp)| Verdict::Contradicted {
            number: i + 1,
            at: cp.at,
            seq: cp.seq,
            reason: "the log ends before the checkpoint's seq",
        })
}
