//! How a row is linked to the one before: the HMAC-SHA256 under a key derived from the master key,
//! or the unkeyed SHA-256 that installations used before (kept to verify and re-chain their logs).

use super::Event;
use crate::error::{StoreError, StoreResult};
use crate::seal::Keyring;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The link the first row follows.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What `Keyring::derived_key` is asked for: the key never lives in the database, so whoever
/// can write to it but has no master key cannot compute a consistent chain.
const PURPOSE: &str = "audit log";

/// Which function links the rows (the one row of `audit_chain`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain SHA-256: anyone who can write to the database can recompute it.
    Sha256,
    /// HMAC-SHA256 under the derived key.
    Mac,
}

impl Scheme {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scheme::Sha256 => "sha256",
            Scheme::Mac => "mac",
        }
    }
}

/// The chain's scheme as stored.
pub(crate) async fn scheme(tx: &mut sqlx::AnyConnection) -> StoreResult<Scheme> {
    let s: String = sqlx::query_scalar("SELECT scheme FROM audit_chain WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    parse_scheme(&s)
}

/// The chain's scheme from its stored name.
pub(crate) fn parse_scheme(s: &str) -> StoreResult<Scheme> {
    match s {
        "sha256" => Ok(Scheme::Sha256),
        "mac" => Ok(Scheme::Mac),
        other => Err(StoreError::Corrupt(format!(
            "the audit chain's scheme {other:?} is unknown"
        ))),
    }
}

/// Computes links under one scheme (the key is derived once per walk or append).
pub(crate) enum Linker {
    Sha256,
    Mac(Zeroizing<[u8; 32]>),
}

impl Linker {
    pub(crate) fn new(scheme: Scheme, keyring: &Keyring) -> Linker {
        match scheme {
            Scheme::Sha256 => Linker::Sha256,
            Scheme::Mac => Linker::Mac(keyring.derived_key(PURPOSE)),
        }
    }

    /// The link of a row: the previous link and every field, each prefixed by its length so that
    /// no two different rows read as the same bytes.
    pub(crate) fn link(&self, prev: &str, seq: i64, at: i64, e: &Event) -> String {
        let seq = seq.to_string();
        let at = at.to_string();
        let parts = [
            prev,
            &seq,
            &at,
            &e.actor_id,
            &e.action,
            &e.case_id,
            &e.subject,
            &e.outcome,
            &e.source,
        ];
        match self {
            Linker::Sha256 => {
                let mut h = Sha256::new();
                for part in parts {
                    h.update((part.len() as u64).to_be_bytes());
                    h.update(part.as_bytes());
                }
                hex::encode(h.finalize())
            }
            Linker::Mac(key) => {
                let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key[..])
                    .expect("HMAC takes a key of any length");
                for part in parts {
                    m.update(&(part.len() as u64).to_be_bytes());
                    m.update(part.as_bytes());
                }
                hex::encode(m.finalize().into_bytes())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        Event {
            actor_id: "u".into(),
            action: "inquiry.read".into(),
            case_id: String::new(),
            subject: "s".into(),
            outcome: "ok".into(),
            source: "127.0.0.1".into(),
        }
    }

    #[test]
    fn the_mac_depends_on_the_key_and_differs_from_the_plain_hash() {
        let a = Linker::Mac(Zeroizing::new([1u8; 32])).link(GENESIS, 1, 5, &event());
        let b = Linker::Mac(Zeroizing::new([2u8; 32])).link(GENESIS, 1, 5, &event());
        let plain = Linker::Sha256.link(GENESIS, 1, 5, &event());
        assert_ne!(a, b);
        assert_ne!(a, plain);
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn moving_a_byte_between_fields_changes_the_link() {
        let mut one = event();
        one.actor_id = "ab".into();
        one.action = "c".into();
        let mut two = event();
        two.actor_id = "a".into();
        two.action = "bc".into();
        let l = Linker::Mac(Zeroizing::new([1u8; 32]));
        assert_ne!(l.link(GENESIS, 1, 5, &one), l.link(GENESIS, 1, 5, &two));
    }
}
