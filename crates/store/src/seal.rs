//! Sealed fields: clinical text encrypted with XChaCha20-Poly1305 under a data key, which is itself
//! stored wrapped by a master key kept outside the database.
//!
//! A sealed value reads `hs1:<data key id>:<base64(nonce ‖ ciphertext)>`. Its associated data is
//! `table/column/row`, so a ciphertext copied into another row or column fails to open.

use crate::error::{StoreError, StoreResult};
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

const PREFIX: &str = "hs1";
const HEX: &[u8; 16] = b"0123456789abcdef";

/// The master key: 32 bytes from the key file (created 0600 at first start) or the environment.
/// Every copy (clones included) is wiped when it is dropped.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl Zeroize for MasterKey {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for MasterKey {}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id())
    }
}

/// One unwrapped data key, wiped when dropped.
#[derive(Clone)]
struct DataKey([u8; 32]);

impl Zeroize for DataKey {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for DataKey {}

impl DataKey {
    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }
}

impl MasterKey {
    /// A short public name for this key, stored beside every data key it wraps.
    pub fn id(&self) -> String {
        hex::encode(&Sha256::digest(self.0)[..6])
    }

    /// Parses 64 hex characters (as `HOLDSPACE_MASTER_KEY` carries them).
    pub fn from_hex(text: &str) -> StoreResult<Self> {
        // Decoded straight into the key, so no stray copy of its bytes is left on the heap.
        let mut key = MasterKey([0u8; 32]);
        hex::decode_to_slice(text.trim(), &mut key.0)
            .map_err(|_| StoreError::KeyFile("the master key must be 64 hex characters".into()))?;
        Ok(key)
    }

    /// A fresh random key (tests, and the first start).
    pub fn generate() -> Self {
        let mut key = MasterKey([0u8; 32]);
        getrandom::fill(&mut key.0).expect("the operating system's random source failed");
        key
    }

    /// Reads `path` (one key per line: two during a rotation), or creates it with a new key,
    /// readable by its owner only.
    pub fn load_or_create(path: &Path) -> StoreResult<Vec<Self>> {
        match std::fs::read_to_string(path).map(Zeroizing::new) {
            Ok(text) => text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(Self::from_hex)
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                write_private(path, &key.to_hex()).map_err(|e| {
                    StoreError::KeyFile(format!("cannot create {}: {e}", path.display()))
                })?;
                Ok(vec![key])
            }
            Err(e) => Err(StoreError::KeyFile(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }

    /// Whether this key opens the data key `id`, stored wrapped as `wrapped` (a check that
    /// changes nothing, for `holdspace doctor`).
    pub(crate) fn unwraps(&self, id: &str, wrapped: &str) -> bool {
        open(&self.cipher(), wrapped, &wrap_context(id))
            .map(Zeroizing::new)
            .is_ok()
    }

    /// A 32-byte secret for one `purpose` (a backup encrypted to the master key), derived with
    /// HMAC-SHA256 from this key: it needs nothing from the database, so a backup opens on a new
    /// machine that has only the key file.
    pub fn derived(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        use hmac::{Hmac, Mac};
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(b"holdspace master derived/");
        mac.update(purpose.as_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&mac.finalize().into_bytes());
        out
    }
}

/// Replaces the key file with `keys` (one per line), atomically: written aside, then renamed.
pub fn write_key_file(path: &Path, keys: &[&MasterKey]) -> StoreResult<()> {
    let mut text = Zeroizing::new(String::with_capacity(keys.len() * 65));
    for key in keys {
        text.push_str(&key.to_hex());
        text.push('\n');
    }
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    write_private(&tmp, &text)
        .map_err(|e| StoreError::KeyFile(format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| StoreError::KeyFile(format!("cannot replace {}: {e}", path.display())))
}

impl MasterKey {
    /// The key as 64 hex characters (for `HOLDSPACE_MASTER_KEY` after a rotation), wiped when
    /// dropped.
    pub fn to_hex(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(64));
        for byte in self.0 {
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        text
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// One stored data key, wrapped by the master key named by `master_key_id`.
#[derive(sqlx::FromRow)]
struct DataKeyRow {
    id: String,
    master_key_id: String,
    wrapped: String,
    retired_at: Option<i64>,
    case_id: Option<String>,
}

/// The data keys, unwrapped in memory, and which one seals new values.
#[derive(Clone)]
pub struct Keyring {
    inner: Arc<RwLock<Keys>>,
}

struct Keys {
    /// The installation's key for values outside any case.
    active: String,
    keys: HashMap<String, XChaCha20Poly1305>,
    /// The unwrapped data keys, kept so that a master key rotation can wrap them again.
    raw: HashMap<String, DataKey>,
    /// Each case's own data key.
    cases: HashMap<String, String>,
    /// The master key that wraps new data keys.
    master: MasterKey,
    /// The installation's first data key: kept (retired, never erased) through every rotation,
    /// so keys derived from it (the audit log's MAC key, the blind index's key) stay the same.
    root: String,
}

impl Keyring {
    /// Unwraps every data key with whichever of `masters` wrapped it (during a rotation the key
    /// file holds the old and the new key); creates the first data key on a new database.
    pub(crate) async fn load(pool: &AnyPool, masters: Vec<MasterKey>) -> StoreResult<Keyring> {
        let rows: Vec<DataKeyRow> = sqlx::query_as(
            "SELECT id, master_key_id, wrapped, retired_at, case_id FROM data_keys ORDER BY created_at, id",
        )
        .fetch_all(pool)
        .await?;
        let newest = masters
            .last()
            .cloned()
            .ok_or_else(|| StoreError::KeyFile("no master key given".into()))?;
        let mut keys = HashMap::new();
        let mut raw_keys = HashMap::new();
        let mut active = None;
        let mut cases = HashMap::new();
        let mut in_use = newest.clone();
        let mut root = None;
        for DataKeyRow {
            id,
            master_key_id: master_id,
            wrapped,
            retired_at,
            case_id,
        } in rows
        {
            let Some(master) = masters.iter().find(|m| m.id() == master_id) else {
                let given: Vec<String> = masters.iter().map(MasterKey::id).collect();
                return Err(StoreError::KeyFile(format!(
                    "data key {id} is wrapped by master key {master_id}, but the keys given are {}",
                    given.join(", ")
                )));
            };
            let opened = Zeroizing::new(
                open(&master.cipher(), &wrapped, &wrap_context(&id))
                    .map_err(|_| StoreError::Seal("data key"))?,
            );
            let mut raw = DataKey([0u8; 32]);
            if opened.len() != raw.0.len() {
                return Err(StoreError::Seal("data key length"));
            }
            raw.0.copy_from_slice(&opened);
            in_use = master.clone();
            if root.is_none() && case_id.is_none() {
                root = Some(id.clone());
            }
            keys.insert(id.clone(), raw.cipher());
            raw_keys.insert(id.clone(), raw);
            match (retired_at, case_id) {
                (None, Some(case)) => {
                    cases.insert(case, id);
                }
                (None, None) => active = Some(id),
                _ => {}
            }
        }
        let active = match active {
            Some(id) => id,
            None => {
                let (id, raw) = new_data_key(pool, &in_use, None).await?;
                keys.insert(id.clone(), raw.cipher());
                raw_keys.insert(id.clone(), raw);
                id
            }
        };
        let root = root.unwrap_or_else(|| active.clone());
        Ok(Keyring {
            inner: Arc::new(RwLock::new(Keys {
                active,
                keys,
                raw: raw_keys,
                cases,
                master: in_use,
                root,
            })),
        })
    }

    /// A keyring that holds no key: for the connection a restore writes its rows through, which
    /// copies sealed values as they are and never seals or opens one.
    pub(crate) fn without_keys() -> Keyring {
        Keyring {
            inner: Arc::new(RwLock::new(Keys {
                active: String::new(),
                keys: HashMap::new(),
                raw: HashMap::new(),
                cases: HashMap::new(),
                master: MasterKey::generate(),
                root: String::new(),
            })),
        }
    }

    /// Wraps every data key with `next` instead, and starts a new data key for new values (old
    /// values keep opening with their own key). One transaction: a crash leaves the old state.
    pub(crate) async fn rotate(&self, pool: &AnyPool, next: &MasterKey) -> StoreResult<usize> {
        let raw: Vec<(String, DataKey)> = {
            let keys = self
                .inner
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            keys.raw
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let mut tx = pool.begin().await?;
        // The new key is strictly newer than every other, so the oldest (the root that derived
        // keys come from) stays the oldest even when a rotation follows within a millisecond.
        let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(created_at) FROM data_keys")
            .fetch_one(&mut *tx)
            .await?;
        let now = jiff::Timestamp::now()
            .as_millisecond()
            .max(newest.unwrap_or(0) + 1);
        for (id, bytes) in &raw {
            let wrapped = seal_with(&next.cipher(), &bytes.0, &wrap_context(id));
            sqlx::query("UPDATE data_keys SET master_key_id = $1, wrapped = $2, retired_at = CASE WHEN case_id IS NULL THEN COALESCE(retired_at, $3) ELSE retired_at END WHERE id = $4")
                .bind(next.id())
                .bind(wrapped)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let (new_id, new_raw) = fresh_data_key();
        sqlx::query("INSERT INTO data_keys (id, master_key_id, wrapped, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&new_id)
            .bind(next.id())
            .bind(seal_with(&next.cipher(), &new_raw.0, &wrap_context(&new_id)))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut keys = self
            .inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.keys.insert(new_id.clone(), new_raw.cipher());
        keys.raw.insert(new_id.clone(), new_raw);
        keys.active = new_id;
        keys.master = next.clone();
        Ok(raw.len())
    }

    /// A 32-byte key for one `purpose` (the audit log's MAC, the blind index of who is a patient),
    /// derived with HMAC-SHA256 from the installation's first data key. It is never stored: it
    /// opens only with the master key, survives master key rotations (the root is re-wrapped, not
    /// replaced), and travels with a backup, but not with an export (another installation derives
    /// its own and recomputes what depends on it).
    pub fn derived_key(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        use hmac::{Hmac, Mac};
        let keys = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let root = keys
            .raw
            .get(&keys.root)
            .expect("the root data key is loaded with the keyring");
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&root.0).expect("HMAC takes a key of any length");
        mac.update(b"holdspace derived key/");
        mac.update(purpose.as_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&mac.finalize().into_bytes());
        out
    }

    /// The data key of `case`, if it has one already.
    pub(crate) fn case_key_known(&self, case: &str) -> Option<String> {
        let keys = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.cases.get(case).cloned()
    }

    /// Makes a data key for `case` through `conn` (the caller's transaction). The key seals at
    /// once; it becomes the case's key for everyone only through `publish_case_key`, after commit.
    pub(crate) async fn new_case_key(
        &self,
        conn: &mut sqlx::AnyConnection,
        case: &str,
    ) -> StoreResult<String> {
        let master = {
            let keys = self
                .inner
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            keys.master.clone()
        };
        let (id, raw) = new_data_key(conn, &master, Some(case)).await?;
        let mut keys = self
            .inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.keys.insert(id.clone(), raw.cipher());
        keys.raw.insert(id.clone(), raw);
        Ok(id)
    }

    /// Makes `key` the data key of `case` (its row is committed).
    pub(crate) fn publish_case_key(&self, case: &str, key: &str) {
        let mut keys = self
            .inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.cases
            .entry(case.to_string())
            .or_insert_with(|| key.to_string());
    }

    /// Forgets an erased case's data keys: their rows are gone, and from now on nothing sealed
    /// under them opens here (and a master key rotation no longer re-wraps them). The unwrapped
    /// bytes are wiped as they are dropped.
    pub fn forget_case(&self, case: &str, key_ids: &[String]) {
        let mut keys = self
            .inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(id) = keys.cases.remove(case) {
            keys.keys.remove(&id);
            keys.raw.remove(&id);
        }
        for id in key_ids {
            // Never the installation's own keys, whatever a caller passes.
            if *id == keys.active || *id == keys.root {
                continue;
            }
            keys.keys.remove(id);
            keys.raw.remove(id);
        }
    }

    /// Seals `plain` under the data key `key_id` (a case's key).
    pub fn seal_with_key(
        &self,
        key_id: &str,
        table: &str,
        column: &str,
        row: &str,
        plain: &str,
    ) -> String {
        let keys = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let cipher = keys.keys.get(key_id).unwrap_or(&keys.keys[&keys.active]);
        let id = if keys.keys.contains_key(key_id) {
            key_id
        } else {
            keys.active.as_str()
        };
        format!(
            "{PREFIX}:{id}:{}",
            seal_with(cipher, plain.as_bytes(), &context(table, column, row))
        )
    }

    /// Seals `plain` for `table.column` of `row`.
    pub fn seal(&self, table: &str, column: &str, row: &str, plain: &str) -> String {
        let keys = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let cipher = &keys.keys[&keys.active];
        let sealed = seal_with(cipher, plain.as_bytes(), &context(table, column, row));
        format!("{PREFIX}:{}:{sealed}", keys.active)
    }

    /// Seals bytes (attachments) under the installation's key.
    pub fn seal_bytes(&self, table: &str, column: &str, row: &str, plain: &[u8]) -> Vec<u8> {
        let active = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .active
            .clone();
        self.seal_bytes_with_key(&active, table, column, row, plain)
    }

    /// Seals bytes under the data key `key_id`: `hs1:<key id>:` then nonce ‖ ciphertext, raw.
    pub fn seal_bytes_with_key(
        &self,
        key_id: &str,
        table: &str,
        column: &str,
        row: &str,
        plain: &[u8],
    ) -> Vec<u8> {
        let keys = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key_id = if keys.keys.contains_key(key_id) {
            key_id.to_string()
        } else {
            keys.active.clone()
        };
        let cipher = &keys.keys[&key_id];
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).expect("the operating system's random source failed");
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &context(table, column, row),
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory input");
        let mut out = format!("{PREFIX}:{key_id}:").into_bytes();
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open_bytes(
        &self,
        table: &str,
        column: &str,
        row: &str,
        sealed: &[u8],
    ) -> StoreResult<Vec<u8>> {
        let bad = StoreError::Seal("not sealed bytes");
        let rest = sealed
            .strip_prefix(format!("{PREFIX}:").as_bytes())
            .ok_or(bad)?;
        let colon = rest
            .iter()
            .position(|b| *b == b':')
            .ok_or(StoreError::Seal("not sealed bytes"))?;
        let key_id = std::str::from_utf8(&rest[..colon]).map_err(|_| StoreError::Seal("key id"))?;
        let body = &rest[colon + 1..];
        if body.len() < 24 + 16 {
            return Err(StoreError::Seal("too short"));
        }
        let keys = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let cipher = keys
            .keys
            .get(key_id)
            .ok_or(StoreError::Seal("unknown data key"))?;
        let (nonce, ct) = body.split_at(24);
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: &context(table, column, row),
                },
            )
            .map_err(|_| StoreError::Seal("authentication failed"))
    }

    /// Opens a value sealed for `table.column` of `row`.
    pub fn open(&self, table: &str, column: &str, row: &str, sealed: &str) -> StoreResult<String> {
        let mut parts = sealed.splitn(3, ':');
        let (Some(PREFIX), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(StoreError::Seal("not a sealed value"));
        };
        let keys = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let cipher = keys
            .keys
            .get(key_id)
            .ok_or(StoreError::Seal("unknown data key"))?;
        let plain = open(cipher, body, &context(table, column, row))
            .map_err(|_| StoreError::Seal("authentication failed"))?;
        String::from_utf8(plain).map_err(|_| StoreError::Seal("not text"))
    }
}

fn fresh_data_key() -> (String, DataKey) {
    let id = crate::random_hex(8);
    let mut raw = DataKey([0u8; 32]);
    getrandom::fill(&mut raw.0).expect("the operating system's random source failed");
    (id, raw)
}

async fn new_data_key<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    master: &MasterKey,
    case: Option<&str>,
) -> StoreResult<(String, DataKey)> {
    let (id, raw) = fresh_data_key();
    let wrapped = seal_with(&master.cipher(), &raw.0, &wrap_context(&id));
    sqlx::query("INSERT INTO data_keys (id, master_key_id, wrapped, created_at, case_id) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(master.id())
        .bind(wrapped)
        .bind(jiff::Timestamp::now().as_millisecond())
        .bind(case)
        .execute(executor)
        .await?;
    Ok((id, raw))
}

fn context(table: &str, column: &str, row: &str) -> Vec<u8> {
    format!("{table}/{column}/{row}").into_bytes()
}

fn wrap_context(key_id: &str) -> Vec<u8> {
    format!("data_keys/wrapped/{key_id}").into_bytes()
}

fn seal_with(cipher: &XChaCha20Poly1305, plain: &[u8], aad: &[u8]) -> String {
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce).expect("the operating system's random source failed");
    let ct = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
        .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory input");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    B64.encode(out)
}

fn open(cipher: &XChaCha20Poly1305, body: &str, aad: &[u8]) -> Result<Vec<u8>, ()> {
    let bytes = B64.decode(body).map_err(|_| ())?;
    if bytes.len() < 24 + 16 {
        return Err(());
    }
    let (nonce, ct) = bytes.split_at(24);
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
        .map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> Keyring {
        let mut keys = HashMap::new();
        keys.insert(
            "k1".to_string(),
            XChaCha20Poly1305::new((&[7u8; 32]).into()),
        );
        let mut raw = HashMap::new();
        raw.insert("k1".to_string(), DataKey([7u8; 32]));
        Keyring {
            inner: Arc::new(RwLock::new(Keys {
                active: "k1".into(),
                keys,
                raw,
                cases: HashMap::new(),
                master: MasterKey([1u8; 32]),
                root: "k1".into(),
            })),
        }
    }

    #[test]
    fn a_sealed_value_opens_only_in_its_own_place() {
        let k = ring();
        let sealed = k.seal(
            "inquiries",
            "message_sealed",
            "row1",
            "I have been feeling low",
        );
        assert!(!sealed.contains("feeling"));
        assert_eq!(
            k.open("inquiries", "message_sealed", "row1", &sealed)
                .unwrap(),
            "I have been feeling low"
        );
        assert!(k
            .open("inquiries", "message_sealed", "row2", &sealed)
            .is_err());
        assert!(k
            .open("mailbox", "message_sealed", "row1", &sealed)
            .is_err());
    }

    #[test]
    fn tampered_or_garbage_values_do_not_open() {
        let k = ring();
        let sealed = k.seal("t", "c", "r", "text");
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        for bad in [
            String::from_utf8(flipped).unwrap(),
            String::new(),
            "hs1:k1:".into(),
            "hs1:nokey:AAAA".into(),
            "plain text".into(),
        ] {
            assert!(k.open("t", "c", "r", &bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sealed_bytes_open_only_in_their_place() {
        let k = ring();
        let sealed = k.seal_bytes("attachments", "bytes_sealed", "a1", b"%PDF-1.7 private");
        assert!(!sealed.windows(7).any(|w| w == b"private"));
        assert_eq!(
            k.open_bytes("attachments", "bytes_sealed", "a1", &sealed)
                .unwrap(),
            b"%PDF-1.7 private"
        );
        assert!(k
            .open_bytes("attachments", "bytes_sealed", "a2", &sealed)
            .is_err());
        assert!(k
            .open_bytes("attachments", "bytes_sealed", "a1", b"hs1:k1:short")
            .is_err());
    }

    #[test]
    fn derived_keys_differ_by_purpose_and_repeat_for_the_same_one() {
        let k = ring();
        assert_eq!(*k.derived_key("audit"), *k.derived_key("audit"));
        assert_ne!(*k.derived_key("audit"), *k.derived_key("blind index"));
        assert_ne!(*k.derived_key("audit"), [7u8; 32]);
    }

    #[test]
    fn the_same_text_seals_differently_each_time() {
        let k = ring();
        assert_ne!(k.seal("t", "c", "r", "same"), k.seal("t", "c", "r", "same"));
    }

    #[test]
    fn master_key_parsing_refuses_wrong_lengths() {
        assert!(MasterKey::from_hex("abcd").is_err());
        assert!(MasterKey::from_hex(&"zz".repeat(32)).is_err());
        assert!(MasterKey::from_hex(&"ab".repeat(32)).is_ok());
    }

    #[test]
    fn a_master_key_shows_only_its_id_and_writes_the_hex_it_was_read_from() {
        let key = MasterKey::generate();
        assert_eq!(key.to_hex().as_str(), hex::encode(key.0));
        let again = MasterKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(again.id(), key.id());
        let shown = format!("{key:?}");
        assert!(shown.contains(&key.id()) && !shown.contains(key.to_hex().as_str()));
    }

    #[test]
    fn the_wipe_that_drop_runs_clears_every_byte() {
        let mut key = MasterKey([9u8; 32]);
        key.zeroize();
        assert_eq!(key.0, [0u8; 32]);
        let mut data = DataKey([9u8; 32]);
        data.zeroize();
        assert_eq!(data.0, [0u8; 32]);
    }
}
