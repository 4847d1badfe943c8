//! The backup format (docs/backup-format.md): the whole practice as one plaintext stream of JSON
//! lines, written from one snapshot and read back row by row. Encryption is the caller's: this
//! module writes to and reads from any byte stream, so the store stays free of the operator's keys.
//!
//! Line 1 is the header (format, versions, instants, every table as the catalog describes it, with
//! its row count); then each table's marker line and its rows, in dependency order; last a trailer
//! with a SHA-256 over every byte before it.

mod read;
mod restore;
mod verify;

pub use read::Reader;
pub use restore::{restore, Restored};
pub use verify::{check, Checked};

use crate::catalog::{self, Kind, Table, Value};
use crate::db::{Backend, Db};
use crate::error::{StoreError, StoreResult};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;

/// The format's name, first in every header.
pub const FORMAT: &str = "holdspace-backup";
/// Raised when a reader of the previous version could misread a new file.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub format_version: u32,
    /// The newest migration of the database the backup came from.
    pub schema_version: i64,
    pub created_at: Timestamp,
    /// Every write acknowledged before this instant is in the backup.
    pub snapshot_at: Timestamp,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// In the order their rows follow (each after the tables it references).
    pub tables: Vec<TableEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TableEntry {
    #[serde(flatten)]
    pub table: Table,
    pub rows: u64,
}

impl Header {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// The line before each table's rows.
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    table: String,
    rows: u64,
}

/// The last line.
#[derive(Debug, Serialize, Deserialize)]
struct Trailer {
    rows: u64,
    sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct TrailerLine {
    trailer: Trailer,
}

/// What `write` wrote.
#[derive(Clone, Debug)]
pub struct Written {
    pub header: Header,
    /// Bytes of the plaintext stream.
    pub bytes: u64,
}

/// Writes the whole practice (transient tables left out) to `out`, from one snapshot that does
/// not stop anyone writing meanwhile.
pub async fn write(db: &Db, out: &mut (dyn Write + Send)) -> StoreResult<Written> {
    let mut c = db.snapshot().await?;
    // Taken before the snapshot's first read: whatever was committed before it is visible.
    let snapshot_at = Timestamp::now();
    let schema_version = catalog::schema_version(&mut c).await?;
    let mut tables = Vec::new();
    for table in catalog::tables(&mut c).await? {
        if catalog::TRANSIENT.contains(&table.name.as_str()) {
            continue;
        }
        let rows = catalog::count(&mut c, &table).await?;
        tables.push(TableEntry { table, rows });
    }
    let header = Header {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        schema_version,
        created_at: Timestamp::now(),
        snapshot_at,
        backend: match db.backend() {
            Backend::Sqlite => "sqlite".into(),
            Backend::Postgres => "postgres".into(),
        },
        tables,
    };
    let mut w = Hashing {
        out,
        sha: Sha256::new(),
        bytes: 0,
    };
    w.line(&json(&header)?)?;
    for entry in &header.tables {
        w.line(&json(&Marker {
            table: entry.table.name.clone(),
            rows: entry.rows,
        })?)?;
        let n = catalog::for_each_row(&mut c, &entry.table, |row| {
            w.line(&encode_row(&row).to_string())
        })
        .await?;
        if n != entry.rows {
            // Cannot happen inside one snapshot; a backup that says otherwise must not be written.
            return Err(StoreError::Backup(format!(
                "{} changed while it was read ({} rows counted, {n} read)",
                entry.table.name, entry.rows
            )));
        }
    }
    let sha256 = hex::encode(w.sha.clone().finalize());
    let trailer = json(&TrailerLine {
        trailer: Trailer {
            rows: header.rows(),
            sha256,
        },
    })?;
    let bytes = w.bytes + trailer.len() as u64 + 1;
    w.raw(&trailer)?;
    w.out.flush().map_err(write_failed)?;
    Ok(Written { header, bytes })
}

struct Hashing<'a> {
    out: &'a mut (dyn Write + Send),
    sha: Sha256,
    bytes: u64,
}

impl Hashing<'_> {
    fn line(&mut self, text: &str) -> StoreResult<()> {
        self.sha.update(text.as_bytes());
        self.sha.update(b"\n");
        self.bytes += text.len() as u64 + 1;
        self.raw(text)
    }

    fn raw(&mut self, text: &str) -> StoreResult<()> {
        self.out.write_all(text.as_bytes()).map_err(write_failed)?;
        self.out.write_all(b"\n").map_err(write_failed)
    }
}

fn write_failed(e: std::io::Error) -> StoreError {
    StoreError::Backup(format!("cannot write the backup: {e}"))
}

fn json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Backup(format!("cannot encode: {e}")))
}

/// A row as a JSON array: null, a number, a string, or `{"bytes": base64}`.
fn encode_row(row: &[Value]) -> serde_json::Value {
    serde_json::Value::Array(
        row.iter()
            .map(|v| match v {
                Value::Null => serde_json::Value::Null,
                Value::Int(i) => serde_json::Value::from(*i),
                Value::Text(t) => serde_json::Value::String(t.clone()),
                Value::Bytes(b) => serde_json::json!({ "bytes": B64.encode(b) }),
            })
            .collect(),
    )
}

/// One value of a row read back, checked against its column's kind.
fn decode_value(v: &serde_json::Value, kind: Kind) -> Option<Value> {
    match (v, kind) {
        (serde_json::Value::Null, _) => Some(Value::Null),
        (serde_json::Value::Number(n), Kind::Int) => n.as_i64().map(Value::Int),
        (serde_json::Value::String(s), Kind::Text) => Some(Value::Text(s.clone())),
        (serde_json::Value::Object(o), Kind::Bytes) if o.len() == 1 => o
            .get("bytes")
            .and_then(serde_json::Value::as_str)
            .and_then(|s| B64.decode(s).ok())
            .map(Value::Bytes),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_kind_through_a_line() {
        let row = vec![
            Value::Null,
            Value::Int(i64::MIN),
            Value::Text("Ängste \"quoted\"\n".into()),
            Value::Bytes(vec![0, 255, 10]),
        ];
        let line = encode_row(&row).to_string();
        assert!(!line.contains('\n'), "one row is one line");
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        let kinds = [Kind::Text, Kind::Int, Kind::Text, Kind::Bytes];
        let back: Vec<Value> = parsed
            .as_array()
            .unwrap()
            .iter()
            .zip(kinds)
            .map(|(v, k)| decode_value(v, k).unwrap())
            .collect();
        assert_eq!(back, row);
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_refused() {
        assert_eq!(decode_value(&serde_json::json!("1"), Kind::Int), None);
        assert_eq!(decode_value(&serde_json::json!(1), Kind::Text), None);
        assert_eq!(decode_value(&serde_json::json!(1.5), Kind::Int), None);
        assert_eq!(
            decode_value(&serde_json::json!({"bytes": "!!"}), Kind::Bytes),
            None
        );
        assert_eq!(
            decode_value(&serde_json::json!({"bytes": "", "x": 1}), Kind::Bytes),
            None
        );
    }
}
