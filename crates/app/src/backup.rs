//! Backups as files: the store's backup stream (store::backup) encrypted with age, to the
//! operator's X25519 recipient (whose private key never is on the server) or to a key derived
//! from the master key; restored and verified from such a file. The age part lives here, not in
//! the store, so that the store knows nothing of the operator's keys and the scheduled backups of
//! the job runner and the commands of the binary share one implementation.

pub mod keep;
mod schedule;

pub use schedule::BackupSchedule;

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use store::backup::{Checked, Header, Restored};
use store::{Db, DbConfig, MasterKey, StoreError};

/// The operator's age public key, and (for tests and tools) its private half.
pub use age::x25519::{Identity, Recipient};

/// Why a backup, a restore or a drill failed, said so the operator knows what to do.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Plain(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

fn plain(text: impl Into<String>) -> BackupError {
    BackupError::Plain(text.into())
}

/// Whom a backup is encrypted to.
pub enum Protection {
    /// The operator's age public key (`age1…`).
    Recipient(age::x25519::Recipient),
    /// A key derived from the master key: such a backup is only as safe as the place of the
    /// master key, and opens only with it.
    MasterKey(MasterKey),
}

/// The purpose a master-key backup's passphrase is derived for.
const MASTER_KEY_PURPOSE: &str = "backup";
/// The passphrase is 256 random bits already: scrypt's work adds nothing but time.
const MASTER_KEY_WORK_FACTOR: u8 = 10;

/// Parses an age recipient (`age1…`), as the `backup_recipient` setting gives it.
pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient, BackupError> {
    text.trim().parse().map_err(|_| {
        plain("the backup recipient must be an age public key (age1…, as age-keygen prints it)")
    })
}

fn master_passphrase(key: &MasterKey) -> age::secrecy::SecretString {
    age::secrecy::SecretString::from(hex::encode(*key.derived(MASTER_KEY_PURPOSE)))
}

/// What a backup wrote.
#[derive(Clone, Debug)]
pub struct Made {
    pub header: Header,
    pub path: PathBuf,
    /// The plaintext stream's size and the encrypted file's.
    pub stream_bytes: u64,
    pub file_bytes: u64,
    pub took: Duration,
}

/// Writes a backup of `db` to `path` (refused if it exists). The file appears only when whole:
/// it is written beside its place and renamed, readable by its owner only.
pub async fn make(db: &Db, path: &Path, protection: &Protection) -> Result<Made, BackupError> {
    let started = Instant::now();
    if path.exists() {
        return Err(plain(format!("{} exists already", path.display())));
    }
    let partial = partial_path(path);
    let result = write_file(db, &partial, protection).await;
    let written = match result {
        Ok(written) => written,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, path).map_err(|e| {
        plain(format!(
            "cannot move the backup into {}: {e}",
            path.display()
        ))
    })?;
    let file_bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    Ok(Made {
        header: written.header,
        path: path.to_path_buf(),
        stream_bytes: written.bytes,
        file_bytes,
        took: started.elapsed(),
    })
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

async fn write_file(
    db: &Db,
    path: &Path,
    protection: &Protection,
) -> Result<store::backup::Written, BackupError> {
    let file = create_private(path)
        .map_err(|e| plain(format!("cannot create {}: {e}", path.display())))?;
    let encryptor = match protection {
        Protection::Recipient(r) => age::Encryptor::with_recipients(std::iter::once(r as _)),
        Protection::MasterKey(key) => {
            let mut r = age::scrypt::Recipient::new(master_passphrase(key));
            r.set_work_factor(MASTER_KEY_WORK_FACTOR);
            age::Encryptor::with_recipients(std::iter::once(&r as _))
        }
    }
    .map_err(|e| plain(format!("cannot encrypt: {e}")))?;
    let failed = |e: std::io::Error| plain(format!("cannot write {}: {e}", path.display()));
    let mut out = encryptor
        .wrap_output(BufWriter::new(file))
        .map_err(failed)?;
    let written = store::backup::write(db, &mut out).await?;
    let mut inner = out.finish().map_err(failed)?;
    inner.flush().map_err(failed)?;
    inner
        .into_inner()
        .map_err(|e| failed(e.into_error()))?
        .sync_all()
        .map_err(failed)?;
    Ok(written)
}

fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// What opens a backup: the operator's age identities (from their key file), or the master keys
/// for a backup made with `--to-master-key`.
pub enum Unlock {
    Identities(Vec<Box<dyn age::Identity + Send + Sync>>),
    MasterKeys(Vec<MasterKey>),
}

/// Reads an age identity file (as age-keygen writes it).
pub fn identities_from_file(path: &Path) -> Result<Unlock, BackupError> {
    let bad = |why: String| {
        plain(format!(
            "cannot read the identity {}: {why}",
            path.display()
        ))
    };
    let file =
        age::IdentityFile::from_file(path.display().to_string()).map_err(|e| bad(e.to_string()))?;
    let identities = file.into_identities().map_err(|e| bad(e.to_string()))?;
    if identities.is_empty() {
        return Err(bad("it holds no age identity".into()));
    }
    Ok(Unlock::Identities(identities))
}

/// The decrypted stream of the backup at `path`: fails before anything else is touched when the
/// file is not an age file or the key does not open it.
pub fn open_stream(path: &Path, unlock: &Unlock) -> Result<impl BufRead + Send, BackupError> {
    let file =
        File::open(path).map_err(|e| plain(format!("cannot open {}: {e}", path.display())))?;
    let decryptor = age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| match e {
        age::DecryptError::Io(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
            plain(format!("cannot read {}: {e}", path.display()))
        }
        _ => plain(format!(
            "{} is not a holdspace backup (not an age-encrypted file)",
            path.display()
        )),
    })?;
    let reader = match (decryptor.is_scrypt(), unlock) {
        (false, Unlock::Identities(ids)) => decryptor.decrypt(ids.iter().map(|i| i.as_ref() as _)),
        (true, Unlock::MasterKeys(keys)) => {
            let mut last = Err(age::DecryptError::NoMatchingKeys);
            // During a rotation the key file holds two keys: the backup may be under either.
            for key in keys.iter().rev() {
                let identity = age::scrypt::Identity::new(master_passphrase(key));
                let file = File::open(path)
                    .map_err(|e| plain(format!("cannot open {}: {e}", path.display())))?;
                let d = age::Decryptor::new_buffered(BufReader::new(file))
                    .map_err(|_| plain("the backup changed while it was read"))?;
                last = d.decrypt(std::iter::once(&identity as _));
                if last.is_ok() {
                    break;
                }
            }
            last
        }
        (true, Unlock::Identities(_)) => {
            return Err(plain(
                "this backup is encrypted to the master key, not to an age key: restore it without --identity, with the practice's master key in place",
            ))
        }
        (false, Unlock::MasterKeys(_)) => {
            return Err(plain(
                "this backup is encrypted to an age key: give its identity file with --identity",
            ))
        }
    }
    .map_err(|e| match e {
        age::DecryptError::NoMatchingKeys
        | age::DecryptError::KeyDecryptionFailed
        | age::DecryptError::DecryptionFailed => {
            plain("the key given does not open this backup (a different key, or a damaged file)")
        }
        age::DecryptError::InvalidMac | age::DecryptError::InvalidHeader => {
            plain("the backup's header is damaged or was changed")
        }
        other => plain(format!("the backup cannot be decrypted: {other}")),
    })?;
    Ok(BufReader::with_capacity(1 << 16, Damage(reader)))
}

/// The decrypted stream, its failures said in the operator's terms: age authenticates every
/// chunk and the last, so a changed byte or a cut file fails here, before a row is committed.
struct Damage<R>(R);

impl<R: std::io::Read> std::io::Read for Damage<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("the file is damaged, changed or cut short ({e})"),
            )
        })
    }
}

/// Restores the backup at `path` into the empty database of `config`.
pub async fn restore(
    config: &DbConfig,
    path: &Path,
    unlock: &Unlock,
) -> Result<Restored, BackupError> {
    let mut stream = open_stream(path, unlock)?;
    Ok(store::backup::restore(config, &mut stream).await?)
}

/// The monthly drill's findings.
#[derive(Clone, Debug)]
pub struct Drill {
    pub header: Header,
    pub checked: Checked,
    pub file_bytes: u64,
    pub took: Duration,
}

/// Restores the backup at `path` into a temporary SQLite database, opens it with `masters`,
/// and checks it (row counts, every sealed value, the audit chain). The temporary copy is
/// removed whatever happens.
pub async fn verify(
    path: &Path,
    unlock: &Unlock,
    masters: Vec<MasterKey>,
) -> Result<Drill, BackupError> {
    let started = Instant::now();
    let file_bytes = std::fs::metadata(path)
        .map_err(|e| plain(format!("cannot open {}: {e}", path.display())))?
        .len();
    let dir = std::env::temp_dir().join(format!("holdspace-verify-{}", store::random_hex(8)));
    std::fs::create_dir_all(&dir)
        .map_err(|e| plain(format!("cannot create {}: {e}", dir.display())))?;
    let result = drill_in(&dir, path, unlock, masters).await;
    let _ = std::fs::remove_dir_all(&dir);
    let (header, checked) = result?;
    Ok(Drill {
        header,
        checked,
        file_bytes,
        took: started.elapsed(),
    })
}

async fn drill_in(
    dir: &Path,
    path: &Path,
    unlock: &Unlock,
    masters: Vec<MasterKey>,
) -> Result<(Header, Checked), BackupError> {
    let config = DbConfig::sqlite_in(dir);
    let restored = restore(&config, path, unlock).await?;
    let db = Db::open(&config, masters).await.map_err(|e| match e {
        StoreError::KeyFile(_) | StoreError::Seal(_) => plain(format!(
            "the backup restored, but the master key given does not open its data keys ({e})"
        )),
        other => other.into(),
    })?;
    let checked = store::backup::check(&db, &restored.header).await;
    db.close().await;
    Ok((restored.header, checked?))
}
