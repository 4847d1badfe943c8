//! The caller's executor. A use-case opens one `Conn` (a transaction when it writes) and passes it to
//! every store function it calls, so its cause, its jobs, its stage change and its audit rows commit
//! together or not at all.

use crate::db::Backend;
use crate::error::StoreResult;
use crate::seal::Keyring;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Transaction, TransactionManager};

/// A connection from the pool, or a transaction on one, with the keys that seal inside it.
pub struct Conn {
    held: Held,
    pub(crate) keyring: Keyring,
    backend: Backend,
    /// Case keys written inside this transaction: the keyring hands them out to others only
    /// once the transaction commits, so a rolled-back key is never used again.
    fresh_case_keys: Vec<(String, String)>,
    /// Erased cases and their data keys: the keyring forgets them only once the erasure commits,
    /// so a rolled-back erasure leaves the case readable.
    forgotten_case_keys: Vec<(String, Vec<String>)>,
    /// A transaction that `roll_back` ended: each statement now stands alone.
    rolled_back: bool,
}

enum Held {
    Pooled(PoolConnection<Any>),
    Tx(Transaction<'static, Any>),
}

impl Conn {
    pub(crate) fn pooled(conn: PoolConnection<Any>, keyring: Keyring, backend: Backend) -> Conn {
        Conn {
            held: Held::Pooled(conn),
            keyring,
            backend,
            fresh_case_keys: Vec::new(),
            forgotten_case_keys: Vec::new(),
            rolled_back: false,
        }
    }

    pub(crate) fn tx(tx: Transaction<'static, Any>, keyring: Keyring, backend: Backend) -> Conn {
        Conn {
            held: Held::Tx(tx),
            keyring,
            backend,
            fresh_case_keys: Vec::new(),
            forgotten_case_keys: Vec::new(),
            rolled_back: false,
        }
    }

    /// The executor for one statement.
    pub(crate) fn ex(&mut self) -> &mut AnyConnection {
        match &mut self.held {
            Held::Pooled(c) => c,
            Held::Tx(t) => t,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// Whether this is a transaction (writes wait for `commit`) or a plain connection.
    pub fn in_transaction(&self) -> bool {
        matches!(self.held, Held::Tx(_)) && !self.rolled_back
    }

    /// Commits the transaction (a plain connection has nothing to commit). Dropping a `Conn`
    /// without committing rolls everything back.
    pub async fn commit(self) -> StoreResult<()> {
        if let (Held::Tx(tx), false) = (self.held, self.rolled_back) {
            tx.commit().await?;
        }
        for (case, key) in self.fresh_case_keys {
            self.keyring.publish_case_key(&case, &key);
        }
        for (case, keys) in self.forgotten_case_keys {
            self.keyring.forget_case(&case, &keys);
        }
        Ok(())
    }

    /// Rolls back everything written so far and goes on as a plain connection. A use-case refused
    /// inside its transaction calls this before it records the refusal, so that the refusal is kept
    /// while nothing else is (on SQLite, another connection could not write while this one holds
    /// the write lock).
    pub async fn roll_back(&mut self) -> StoreResult<()> {
        if let Held::Tx(tx) = &mut self.held {
            // The transaction's depth on the connection drops to zero, so the `Transaction` has
            // nothing left to commit or roll back when it is dropped.
            <Any as sqlx::Database>::TransactionManager::rollback(tx).await?;
            self.rolled_back = true;
            self.fresh_case_keys.clear();
            self.forgotten_case_keys.clear();
        }
        Ok(())
    }

    /// Forgets `case`'s data keys `keys` in the keyring once this transaction commits.
    pub(crate) fn forget_after_commit(&mut self, case: &str, keys: Vec<String>) {
        if self.in_transaction() {
            self.forgotten_case_keys.push((case.to_string(), keys));
        } else {
            self.keyring.forget_case(case, &keys);
        }
    }

    /// The data key of `case`, made (and wrapped by the master key) inside this transaction at
    /// the case's first sealed value.
    pub(crate) async fn case_key(&mut self, case: &str) -> StoreResult<String> {
        if let Some(id) = self.keyring.case_key_known(case) {
            return Ok(id);
        }
        if let Some((_, id)) = self.fresh_case_keys.iter().find(|(c, _)| c == case) {
            return Ok(id.clone());
        }
        let keyring = self.keyring.clone();
        let id = keyring.new_case_key(self.ex(), case).await?;
        if self.in_transaction() {
            self.fresh_case_keys.push((case.to_string(), id.clone()));
        } else {
            self.keyring.publish_case_key(case, &id);
        }
        Ok(id)
    }
}
