//! Writing an export: one snapshot, every table in dependency order, each row one line of JSON
//! with its keys sorted, so the same data always gives the same bytes.

use super::files::{self, Out};
use super::{
    exported, file_stem, recomputed, row_id, sealed, ExportResult, FileEntry, Manifest, Summary,
    TableEntry, FORMAT, FORMAT_VERSION, MANIFEST,
};
use crate::catalog::{self, Kind, Table, Value};
use crate::db::Db;
use crate::seal::Keyring;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;

/// How one column appears in its table's file.
#[derive(Serialize)]
struct ColumnSpec<'a> {
    name: &'a str,
    kind: Kind,
    /// Stored sealed: written here in plain text (or as a plain file), sealed again by an import.
    sealed: bool,
}

/// The head of a table's file; its `rows` follow, one per line.
#[derive(Serialize)]
struct Head<'a> {
    table: &'a str,
    primary_key: &'a [String],
    columns: Vec<ColumnSpec<'a>>,
    /// Columns of the table left out because the importing installation computes them.
    recomputed: Vec<&'a str>,
}

/// Writes the practice into `dir` (new, or empty), as one snapshot taken at `now`. If it fails
/// part way, what it wrote is removed: no half export of plain clinical text is left behind.
pub async fn export(db: &Db, dir: &Path, now: jiff::Timestamp) -> ExportResult<Summary> {
    let created = !dir.exists();
    files::prepare(dir)?;
    let written = write_all(db, dir, now).await;
    if written.is_err() {
        files::clear(dir, created);
    }
    written
}

async fn write_all(db: &Db, dir: &Path, now: jiff::Timestamp) -> ExportResult<Summary> {
    let mut snap = db.snapshot().await?;
    let schema_version = catalog::schema_version(&mut snap).await?;
    let tables = catalog::tables(&mut snap).await?;
    let keyring = snap.keyring().clone();
    let mut out = Out::new(dir);
    let mut entries = Vec::new();
    let mut rows = 0;
    for table in tables.iter().filter(|t| exported(t)) {
        let file = format!("tables/{}.json", table.name);
        let n = write_table(&mut snap, &keyring, table, &file, &mut out).await?;
        rows += n;
        entries.push(TableEntry {
            name: table.name.clone(),
            file,
            rows: n,
        });
    }
    drop(snap);
    let mut listed: Vec<FileEntry> = out.written.clone();
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        schema_version,
        // Milliseconds, always three digits: two exports' manifests differ in this value only,
        // never in length.
        exported_at: format!("{now:.3}"),
        tables: entries,
        files: listed,
    };
    let mut text = serde_json::to_vec_pretty(&manifest).map_err(json)?;
    text.push(b'\n');
    let bytes = text.len() as u64 + manifest.files.iter().map(|f| f.size).sum::<u64>();
    out.write(MANIFEST, &text)?;
    Ok(Summary {
        tables: manifest.tables.len(),
        rows,
        files: manifest.files.len(),
        bytes,
    })
}

fn json(e: serde_json::Error) -> super::ExportError {
    super::ExportError::Invalid(format!("cannot write JSON: {e}"))
}

async fn write_table(
    snap: &mut crate::Conn,
    keyring: &Keyring,
    table: &Table,
    file: &str,
    out: &mut Out,
) -> ExportResult<u64> {
    let head = Head {
        table: &table.name,
        primary_key: &table.primary_key,
        columns: table
            .columns
            .iter()
            .filter(|c| !recomputed(&table.name, &c.name))
            .map(|c| ColumnSpec {
                name: &c.name,
                kind: c.kind,
                sealed: sealed(&c.name),
            })
            .collect(),
        recomputed: table
            .columns
            .iter()
            .filter(|c| recomputed(&table.name, &c.name))
            .map(|c| c.name.as_str())
            .collect(),
    };
    // The head as an object whose last member, `rows`, is opened here and closed after the rows.
    let mut head_text = serde_json::to_string_pretty(&head).map_err(json)?;
    head_text.truncate(head_text.trim_end().len() - 1);
    let head_text = format!("{},\n  \"rows\": [", head_text.trim_end());
    let mut w = out.create(file)?;
    w.put(head_text.as_bytes())?;
    let mut n = 0u64;
    catalog::for_each_row(snap, table, |row| {
        let line = row_json(keyring, table, row, out)?;
        w.put(if n == 0 { b"\n    " } else { b",\n    " })?;
        w.put(line.as_bytes())?;
        n += 1;
        Ok::<(), super::ExportError>(())
    })
    .await?;
    w.put(if n == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    out.finish(w)?;
    Ok(n)
}

/// One row as compact JSON, its keys sorted: sealed values opened, blobs written as files and
/// named by path and SHA-256.
fn row_json(
    keyring: &Keyring,
    table: &Table,
    row: Vec<Value>,
    out: &mut Out,
) -> ExportResult<String> {
    let id = row_id(table, &row);
    let mut fields: BTreeMap<&str, Json> = BTreeMap::new();
    for (column, value) in table.columns.iter().zip(row) {
        let name = column.name.as_str();
        if recomputed(&table.name, name) {
            continue;
        }
        let opened = |e| {
            super::ExportError::Store(crate::StoreError::Corrupt(format!(
                "{}.{name} of row {id} does not open ({e})",
                table.name
            )))
        };
        let v = match value {
            Value::Null => Json::Null,
            Value::Int(i) => Json::from(i),
            Value::Text(t) if sealed(name) => {
                Json::String(keyring.open(&table.name, name, &id, &t).map_err(opened)?)
            }
            Value::Text(t) => Json::String(t),
            Value::Bytes(b) => {
                let plain = if sealed(name) {
                    keyring
                        .open_bytes(&table.name, name, &id, &b)
                        .map_err(opened)?
                } else {
                    b
                };
                let path = format!("files/{}/{}.{name}", table.name, file_stem(&id));
                let sha = out.write(&path, &plain)?;
                serde_json::json!({ "file": path, "sha256": sha, "size": plain.len() })
            }
        };
        fields.insert(name, v);
    }
    serde_json::to_string(&fields).map_err(json)
}
