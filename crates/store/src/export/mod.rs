//! The whole practice as documented, versioned JSON (docs/export-format.md): one file per table
//! in key order, sealed fields opened into plain text, blobs as files beside it, and a manifest
//! with counts and checksums. An import reads it back into an empty installation, sealing again
//! under that installation's keys. Tables and columns come from `catalog`, so a table added by a
//! later migration travels without being named here.

mod files;
mod import;
mod manifest;
mod write;

pub use import::import;
pub use manifest::{FileEntry, Manifest, TableEntry};
pub use write::export;

use crate::catalog::{self, Table, Value};
use crate::error::StoreError;

/// The manifest's `format`: what kind of directory this is.
pub const FORMAT: &str = "holdspace-export";
/// Raised when a reader of the previous version would misread the new one (docs/export-format.md).
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's own name; every other file is listed in it.
pub const MANIFEST: &str = "manifest.json";
/// No file of an export is read past this size (an attachment is capped far lower when uploaded;
/// the largest table file of a decade-old group practice is well under it).
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// The manifest is read whole before anything else is trusted.
pub const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// Tables the migrations fill with their starting state (the invoice sequence's one row): an
/// empty installation has these rows, and an import replaces them with the exported ones.
const SEEDED: &[&str] = &["invoice_sequence"];

/// What an export wrote or an import read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub tables: usize,
    pub rows: u64,
    /// Every file, the manifest's list (table files and blobs).
    pub files: usize,
    /// Their total size in bytes, the manifest included.
    pub bytes: u64,
}

/// Why an export or an import stopped. Each message names the file, table or row it is about and
/// never a value from it.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The directory or the installation is not what the command needs; nothing was written.
    #[error("{0}")]
    Refused(String),
    /// The export does not read as the format says (missing, extra, altered or malformed file).
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type ExportResult<T> = Result<T, ExportError>;

fn invalid(message: impl Into<String>) -> ExportError {
    ExportError::Invalid(message.into())
}

/// Tables that describe this installation, not the practice: the data keys (wrapped by its master
/// key) and the audit chain's scheme (an import's chain is keyed from its first entry).
const INSTALLATION_STATE: &[&str] = &["data_keys", "audit_chain"];

/// Whether `table` is part of the practice's records (not this instance's running state, and not
/// the data keys, which belong to the installation that wrapped them).
fn exported(table: &Table) -> bool {
    !catalog::TRANSIENT.contains(&table.name.as_str())
        && !INSTALLATION_STATE.contains(&table.name.as_str())
}

/// Columns whose values belong to one installation and are recomputed by the import: the audit
/// chain's links, and blind index columns (keyed by a key derived from the installation's own).
fn recomputed(table: &str, column: &str) -> bool {
    (table == "audit_log" && crate::audit::CHAIN_COLUMNS.contains(&column))
        || column.ends_with("_blind")
}

fn sealed(column: &str) -> bool {
    column.ends_with("_sealed")
}

/// The row id a sealed value's associated data names: the primary key's value (its parts joined
/// by `/` for a key of several columns).
fn row_id(table: &Table, row: &[Value]) -> String {
    catalog::key_of(table, row)
        .iter()
        .map(|v| match v {
            Value::Null => String::new(),
            Value::Int(i) => i.to_string(),
            Value::Text(t) => t.clone(),
            Value::Bytes(b) => hex::encode(b),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A file name for a row's key: the key itself when it is made of safe characters, otherwise
/// the start of its SHA-256, so no id can reach outside `files/`.
fn file_stem(key: &str) -> String {
    let plain = !key.is_empty()
        && key.len() <= 100
        && !key.starts_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if plain {
        key.to_string()
    } else {
        use sha2::Digest;
        format!(
            "k-{}",
            &hex::encode(sha2::Sha256::digest(key.as_bytes()))[..32]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_never_leave_their_folder() {
        assert_eq!(file_stem("0af3"), "0af3");
        for hostile in ["../x", "a/b", "", ".hidden", "a\\b", "ä", &"x".repeat(200)] {
            let stem = file_stem(hostile);
            assert!(stem.starts_with("k-") && stem.len() == 34, "{hostile}");
        }
        assert_ne!(file_stem("a/b"), file_stem("a\\b"));
    }

    #[test]
    fn the_export_instant_is_always_as_long() {
        for t in [
            "2026-12-05T01:00:00Z",
            "2026-12-05T01:00:00.1Z",
            "2026-12-05T01:00:00.123456789Z",
        ] {
            let t: jiff::Timestamp = t.parse().unwrap();
            assert_eq!(
                format!("{t:.3}").len(),
                "2026-12-05T01:00:00.000Z".len(),
                "{t}"
            );
        }
    }

    #[test]
    fn only_the_chain_and_blind_indexes_are_recomputed() {
        assert!(recomputed("audit_log", "hash"));
        assert!(recomputed("audit_log", "prev_hash"));
        assert!(!recomputed("audit_log", "action"));
        assert!(!recomputed("other", "hash"));
        assert!(recomputed("users", "email_blind"));
    }
}
