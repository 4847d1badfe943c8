//! The restore drill's checks on a restored database: every table's rows against the header's
//! counts, every sealed value opened with its own table, column and row, and the audit chain.

use super::Header;
use crate::audit::{self, Verdict};
use crate::catalog::{self, Kind, Value};
use crate::db::Db;
use crate::error::{StoreError, StoreResult};

/// What the drill found. Names tables and columns, never a value.
#[derive(Clone, Debug)]
pub struct Checked {
    pub tables: usize,
    pub rows: u64,
    /// `table: expected N, found M` for every table whose count differs from the header's.
    pub count_mismatches: Vec<String>,
    pub sealed_opened: u64,
    /// `table.column: N values do not open`.
    pub sealed_failed: Vec<String>,
    pub audit: Verdict,
}

impl Checked {
    pub fn passed(&self) -> bool {
        self.count_mismatches.is_empty()
            && self.sealed_failed.is_empty()
            && matches!(self.audit, Verdict::Intact { .. })
    }
}

/// Runs the checks on `db` (a restore of the backup `header` describes).
pub async fn check(db: &Db, header: &Header) -> StoreResult<Checked> {
    // A backup from before the keyed chain restores with its old SHA-256 links: it is re-chained
    // under the key as the first start after an upgrade does (a restored copy has no checkpoints
    // of its own), and only if it verifies under the old links first.
    audit::upgrade(db, &[], jiff::Timestamp::now()).await?;
    let mut c = db.snapshot().await?;
    let tables = catalog::tables(&mut c).await?;
    let mut count_mismatches = Vec::new();
    let mut rows = 0;
    for entry in &header.tables {
        let found = match tables.iter().find(|t| t.name == entry.table.name) {
            Some(t) => catalog::count(&mut c, t).await?,
            None => 0,
        };
        rows += found;
        if found != entry.rows {
            count_mismatches.push(format!(
                "{}: expected {}, found {found}",
                entry.table.name, entry.rows
            ));
        }
    }
    let keyring = db.keyring().clone();
    let mut sealed_opened = 0;
    let mut sealed_failed = Vec::new();
    for table in &tables {
        let sealed: Vec<(usize, &str, Kind)> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, col)| col.name.ends_with("_sealed"))
            .map(|(i, col)| (i, col.name.as_str(), col.kind))
            .collect();
        if sealed.is_empty() {
            continue;
        }
        let mut failed = vec![0u64; sealed.len()];
        catalog::for_each_row(&mut c, table, |row| {
            let id = row_id(&catalog::key_of(table, &row));
            for (n, &(i, column, kind)) in sealed.iter().enumerate() {
                let opened = match (&row[i], kind) {
                    (Value::Null, _) => continue,
                    (Value::Text(v), _) => keyring.open(&table.name, column, &id, v).is_ok(),
                    (Value::Bytes(v), Kind::Bytes) => {
                        keyring.open_bytes(&table.name, column, &id, v).is_ok()
                    }
                    _ => false,
                };
                if opened {
                    sealed_opened += 1;
                } else {
                    failed[n] += 1;
                }
            }
            Ok::<(), StoreError>(())
        })
        .await?;
        for (n, &(_, column, _)) in sealed.iter().enumerate() {
            if failed[n] > 0 {
                sealed_failed.push(format!(
                    "{}.{column}: {} values do not open",
                    table.name, failed[n]
                ));
            }
        }
    }
    let audit = audit::verify(&mut c).await?;
    Ok(Checked {
        tables: header.tables.len(),
        rows,
        count_mismatches,
        sealed_opened,
        sealed_failed,
        audit,
    })
}

/// The row part of a sealed value's associated data: its primary key's value.
fn row_id(key: &[Value]) -> String {
    key.iter()
        .map(|v| match v {
            Value::Text(t) => t.clone(),
            Value::Int(i) => i.to_string(),
            Value::Null | Value::Bytes(_) => String::new(),
        })
        .collect::<Vec<_>>()
        .join("/")
}
