//! Reading an export into an empty installation: the manifest and every file checked first, then
//! every table inserted in the catalog's order in one transaction, sealed values sealed again
//! under this installation's keys (a case's own key for a row of a case), the audit log chained
//! again by the audit module. Any refusal leaves the database as it was.

use super::files;
use super::manifest::{self, Manifest};
use super::{
    exported, invalid, recomputed, row_id, sealed, ExportError, ExportResult, Summary, SEEDED,
};
use crate::audit::{self, Entry, Event};
use crate::catalog::{self, Kind, Table, Value};
use crate::conn::Conn;
use crate::db::Db;
use serde::Deserialize;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    table: String,
    #[allow(dead_code)]
    primary_key: Vec<String>,
    columns: Vec<ColumnSpec>,
    #[serde(default)]
    recomputed: Vec<String>,
    rows: Vec<BTreeMap<String, Json>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnSpec {
    name: String,
    kind: Kind,
    sealed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRef {
    file: String,
    sha256: String,
    size: u64,
}

/// Which case each row of the tables other rows reach their case through belongs to
/// (`catalog::CASE_PARENTS`), filled as those tables are inserted.
type CaseOf = HashMap<String, HashMap<String, Option<String>>>;

/// Reads the export in `dir` into this installation, which must hold no practice yet.
pub async fn import(db: &Db, dir: &Path) -> ExportResult<Summary> {
    let manifest = manifest::read_and_check(dir)?;
    let mut tx = db.begin().await?;
    let version = catalog::schema_version(&mut tx).await?;
    if version != manifest.schema_version {
        return Err(ExportError::Refused(format!(
            "this export was made at schema version {}, this installation is at {version}: import it into holdspace of the same version",
            manifest.schema_version
        )));
    }
    let tables: Vec<Table> = catalog::tables(&mut tx)
        .await?
        .into_iter()
        .filter(exported)
        .collect();
    check_tables(&manifest, &tables)?;
    ensure_empty(&mut tx, &tables).await?;
    let mut case_of = CaseOf::new();
    let mut rows = 0;
    for table in &tables {
        let Some(entry) = manifest.tables.iter().find(|t| t.name == table.name) else {
            continue;
        };
        let bytes = files::read(dir, &entry.file)?;
        let file: TableFile = serde_json::from_slice(&bytes)
            .map_err(|e| invalid(format!("{} is not a valid table file: {e}", entry.file)))?;
        drop(bytes);
        check_columns(table, &file, &entry.file)?;
        if file.rows.len() as u64 != entry.rows {
            return Err(invalid(format!(
                "{} holds {} rows, the manifest says {}",
                entry.file,
                file.rows.len(),
                entry.rows
            )));
        }
        rows += insert_table(&mut tx, dir, &manifest, table, file, &mut case_of).await?;
    }
    tx.commit().await?;
    // The rows arrived in one bulk load: plan the first pages on real statistics.
    db.analyze().await?;
    Ok(Summary {
        tables: manifest.tables.len(),
        rows,
        files: manifest.files.len(),
        bytes: manifest_size(dir) + manifest.files.iter().map(|f| f.size).sum::<u64>(),
    })
}

/// The export's tables are this installation's (the same schema version promises it; a manifest
/// edited by hand may not).
fn check_tables(manifest: &Manifest, tables: &[Table]) -> ExportResult<()> {
    for t in &manifest.tables {
        if !tables.iter().any(|k| k.name == t.name) {
            return Err(invalid(format!(
                "the manifest names table {:?}, which this installation does not have or does not import",
                t.name
            )));
        }
    }
    for t in tables {
        if !manifest.tables.iter().any(|e| e.name == t.name) {
            return Err(invalid(format!(
                "the manifest has no entry for table {}",
                t.name
            )));
        }
    }
    Ok(())
}

async fn ensure_empty(tx: &mut Conn, tables: &[Table]) -> ExportResult<()> {
    for table in tables {
        if SEEDED.contains(&table.name.as_str()) {
            continue;
        }
        let n = catalog::count(tx, table).await?;
        if n > 0 {
            return Err(ExportError::Refused(format!(
                "this installation is not empty ({} holds {n} rows): an import goes into a new installation only",
                table.name
            )));
        }
    }
    Ok(())
}

fn check_columns(table: &Table, file: &TableFile, path: &str) -> ExportResult<()> {
    if file.table != table.name {
        return Err(invalid(format!(
            "{path} holds table {:?}, not {}",
            file.table, table.name
        )));
    }
    for c in &table.columns {
        let named = file.columns.iter().find(|s| s.name == c.name);
        match named {
            None if recomputed(&table.name, &c.name) => {}
            None => {
                return Err(invalid(format!("{path} has no column {}", c.name)));
            }
            Some(s) if s.kind != c.kind || s.sealed != sealed(&c.name) => {
                return Err(invalid(format!(
                    "{path} describes column {} unlike this installation",
                    c.name
                )));
            }
            Some(_) => {}
        }
    }
    for s in &file.columns {
        if table.column(&s.name).is_none() || recomputed(&table.name, &s.name) {
            return Err(invalid(format!(
                "{path} has a column {:?} this installation does not take",
                s.name
            )));
        }
    }
    for r in &file.recomputed {
        if !recomputed(&table.name, r) {
            return Err(invalid(format!(
                "{path} leaves out column {r:?}, which is not recomputed"
            )));
        }
    }
    Ok(())
}

async fn insert_table(
    tx: &mut Conn,
    dir: &Path,
    manifest: &Manifest,
    table: &Table,
    file: TableFile,
    case_of: &mut CaseOf,
) -> ExportResult<u64> {
    let path = format!("tables/{}.json", table.name);
    let mut rows = Vec::with_capacity(file.rows.len());
    for (i, fields) in file.rows.iter().enumerate() {
        let at = || format!("{path}, row {}", i + 1);
        rows.push(plain_row(table, fields, &at)?);
    }
    drop(file);
    if table.name == "audit_log" {
        for row in &rows {
            let entry = audit_entry(table, row)?;
            audit::append_at(tx, entry.seq, entry.at, &entry.event).await?;
        }
        return Ok(rows.len() as u64);
    }
    if SEEDED.contains(&table.name.as_str()) {
        sqlx::query(&format!("DELETE FROM \"{}\"", table.name))
            .execute(tx.ex())
            .await
            .map_err(crate::StoreError::from)?;
    }
    let remember = catalog::CASE_PARENTS
        .iter()
        .any(|(_, parent)| *parent == table.name);
    let n = rows.len() as u64;
    let blind = crate::identity::BLIND_COLUMNS
        .iter()
        .any(|b| b.table == table.name);
    for row in in_reference_order(table, rows) {
        let id = row_id(table, &row);
        let case = case_for(table, &row, case_of);
        if remember {
            case_of
                .entry(table.name.clone())
                .or_default()
                .insert(id.clone(), case.clone());
        }
        let row = seal_row(tx, dir, manifest, table, row, &id, case.as_deref()).await?;
        catalog::insert(tx, table, &row).await?;
        if blind {
            crate::identity::recompute_blind(tx, &table.name, &id).await?;
        }
    }
    Ok(n)
}

/// One row's values in column order, as they read in the file (sealed ones still plain, blobs
/// still references): every column there, each of its kind.
fn plain_row(
    table: &Table,
    fields: &BTreeMap<String, Json>,
    at: &dyn Fn() -> String,
) -> ExportResult<Vec<Value>> {
    if let Some(unknown) = fields.keys().find(|k| table.column(k).is_none()) {
        return Err(invalid(format!("{}: unknown column {unknown:?}", at())));
    }
    let mut row = Vec::with_capacity(table.columns.len());
    for c in &table.columns {
        if recomputed(&table.name, &c.name) {
            // A blind index column is NOT NULL and unique: a placeholder of its own until the
            // row is in and `identity::recompute_blind` computes it under this installation's key.
            row.push(if c.name.ends_with("_blind") {
                Value::Text(format!("import-{}", crate::random_hex(16)))
            } else {
                Value::Null
            });
            continue;
        }
        let wrong = || invalid(format!("{}: {} is not {:?}", at(), c.name, c.kind));
        let v = match (fields.get(&c.name), c.kind) {
            (None, _) => return Err(invalid(format!("{}: {} is missing", at(), c.name))),
            (Some(Json::Null), _) => Value::Null,
            (Some(Json::Number(n)), Kind::Int) => Value::Int(n.as_i64().ok_or_else(wrong)?),
            (Some(Json::String(s)), Kind::Text) => Value::Text(s.clone()),
            (Some(r @ Json::Object(_)), Kind::Bytes) => {
                Value::Text(serde_json::to_string(r).map_err(|_| wrong())?)
            }
            _ => return Err(wrong()),
        };
        row.push(v);
    }
    Ok(row)
}

fn column(table: &Table, row: &[Value], name: &str) -> Option<String> {
    let i = table.columns.iter().position(|c| c.name == name)?;
    row[i].as_text().map(str::to_string)
}

/// The case a row belongs to, as `catalog::case_scope` reaches it: the case itself, its
/// `case_id`, or the case of the row it names in a parent table.
fn case_for(table: &Table, row: &[Value], case_of: &CaseOf) -> Option<String> {
    if table.name == "cases" {
        return column(table, row, "id");
    }
    if table.column("case_id").is_some() {
        return column(table, row, "case_id").filter(|c| !c.is_empty());
    }
    let (col, parent) = catalog::CASE_PARENTS
        .iter()
        .find(|(col, _)| table.column(col).is_some())?;
    let parent_id = column(table, row, col)?;
    case_of.get(*parent)?.get(&parent_id)?.clone()
}

/// The rows with their self-references (a credit note names the invoice it corrects) after the
/// rows they name, otherwise in the file's order.
fn in_reference_order(table: &Table, rows: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    let refs: Vec<usize> = table
        .self_references()
        .iter()
        .filter_map(|c| table.columns.iter().position(|k| k.name == *c))
        .collect();
    if refs.is_empty() {
        return rows;
    }
    let mut placed = std::collections::HashSet::new();
    let mut pending = rows;
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|row| {
            refs.iter().all(|i| match &row[*i] {
                Value::Text(t) => placed.contains(t),
                _ => true,
            })
        });
        for row in &ready {
            placed.insert(row_id(table, row));
        }
        out.extend(ready);
        pending = rest;
        // A reference to a row that is not there (or a cycle): insert as is and let the
        // database's foreign key say so.
        if pending.len() == before {
            out.append(&mut pending);
        }
    }
    out
}

/// The row as stored: sealed columns sealed again (under the case's key when the row is of a
/// case), blobs read from their files.
async fn seal_row(
    tx: &mut Conn,
    dir: &Path,
    manifest: &Manifest,
    table: &Table,
    mut row: Vec<Value>,
    id: &str,
    case: Option<&str>,
) -> ExportResult<Vec<Value>> {
    let key = match case {
        Some(case) if table.columns.iter().any(|c| sealed(&c.name)) => {
            Some(tx.case_key(case).await?)
        }
        _ => None,
    };
    for (i, c) in table.columns.iter().enumerate() {
        let name = c.name.as_str();
        if c.kind == Kind::Bytes {
            let Value::Text(reference) = &row[i] else {
                continue;
            };
            let plain = blob(dir, manifest, reference, table, id, name)?;
            row[i] = Value::Bytes(match (sealed(name), &key) {
                (false, _) => plain,
                (true, Some(k)) => tx
                    .keyring
                    .seal_bytes_with_key(k, &table.name, name, id, &plain),
                (true, None) => tx.keyring.seal_bytes(&table.name, name, id, &plain),
            });
        } else if let (true, Value::Text(plain)) = (sealed(name), &row[i]) {
            row[i] = Value::Text(match &key {
                Some(k) => tx.keyring.seal_with_key(k, &table.name, name, id, plain),
                None => tx.keyring.seal(&table.name, name, id, plain),
            });
        }
    }
    Ok(row)
}

/// A blob's bytes, from the file its reference names: a file the manifest checked, whose
/// checksum is the one the row records.
fn blob(
    dir: &Path,
    manifest: &Manifest,
    reference: &str,
    table: &Table,
    id: &str,
    column: &str,
) -> ExportResult<Vec<u8>> {
    let bad = || {
        invalid(format!(
            "tables/{}.json: {column} of row {id} does not name a file of the export by its SHA-256",
            table.name
        ))
    };
    let r: FileRef = serde_json::from_str(reference).map_err(|_| bad())?;
    let entry = manifest.entry(&r.file).ok_or_else(bad)?;
    if entry.sha256 != r.sha256 || entry.size != r.size {
        return Err(bad());
    }
    files::read(dir, &entry.path)
}

fn manifest_size(dir: &Path) -> u64 {
    std::fs::metadata(dir.join(super::MANIFEST)).map_or(0, |m| m.len())
}

fn audit_entry(table: &Table, row: &[Value]) -> ExportResult<Entry> {
    let text = |name: &str| column(table, row, name).unwrap_or_default();
    let int = |name: &str| {
        table
            .columns
            .iter()
            .position(|c| c.name == name)
            .and_then(|i| match row[i] {
                Value::Int(n) => Some(n),
                _ => None,
            })
            .ok_or_else(|| invalid(format!("tables/audit_log.json: a row has no {name}")))
    };
    Ok(Entry {
        seq: int("seq")?,
        at: jiff::Timestamp::from_millisecond(int("at")?)
            .map_err(|_| invalid("tables/audit_log.json: an instant is out of range"))?,
        event: Event {
            actor_id: text("actor_id"),
            action: text("action"),
            case_id: text("case_id"),
            subject: text("subject"),
            outcome: text("outcome"),
            source: text("source"),
        },
    })
}
