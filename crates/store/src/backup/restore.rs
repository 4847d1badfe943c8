//! Restoring a backup into an empty database: the migrations up to the backup's schema version,
//! every row in one transaction, then the migrations since. Nothing is left half-restored: a
//! stream that fails anywhere rolls the rows back and the tables made for them are dropped.

use super::{Header, Reader, TableEntry};
use crate::catalog::{self, Table, Value};
use crate::conn::Conn;
use crate::db::{self, Backend, DbConfig};
use crate::error::{StoreError, StoreResult};
use crate::migrations;
use crate::seal::Keyring;
use sqlx::AnyPool;
use std::collections::{BTreeMap, HashSet};
use std::io::BufRead;

/// What a restore wrote.
#[derive(Clone, Debug)]
pub struct Restored {
    pub header: Header,
    /// The schema version the database is at now (the backup's, migrated forward).
    pub schema_version: i64,
}

/// Restores the backup read from `input` into the empty database of `config` (refused when it
/// holds any table). The keys are not loaded: the restored rows bring the practice's data keys,
/// and the database is opened with the master key afterwards, as any other.
pub async fn restore(config: &DbConfig, input: &mut (dyn BufRead + Send)) -> StoreResult<Restored> {
    let mut reader = Reader::open(input)?;
    let header = reader.header().clone();
    if header.schema_version > migrations::LATEST {
        return Err(StoreError::Backup(format!(
            "the backup is at schema version {}, newer than this holdspace knows ({}): restore it with a newer holdspace",
            header.schema_version,
            migrations::LATEST
        )));
    }
    let (pool, backend) = db::connect(config).await?;
    let result = restore_into(&pool, backend, &mut reader).await;
    let result = match result {
        Ok(()) => Ok(Restored {
            header,
            schema_version: migrations::LATEST,
        }),
        Err(Failure::Refused(e)) => Err(e),
        Err(Failure::Written(e)) => {
            // The tables were made by this restore on a database that had none.
            if let Err(cleanup) = drop_everything(&pool, backend).await {
                tracing::error!(error = %cleanup, "cannot remove the tables of a failed restore");
            }
            Err(e)
        }
    };
    pool.close().await;
    result
}

enum Failure {
    /// Before anything was written.
    Refused(StoreError),
    /// After the migrations made tables.
    Written(StoreError),
}

async fn restore_into(
    pool: &AnyPool,
    backend: Backend,
    reader: &mut Reader<'_>,
) -> Result<(), Failure> {
    let mut c = Conn::pooled(
        pool.acquire()
            .await
            .map_err(|e| Failure::Refused(e.into()))?,
        Keyring::without_keys(),
        backend,
    );
    let existing = catalog::table_names(&mut c)
        .await
        .map_err(Failure::Refused)?;
    if !existing.is_empty() {
        return Err(Failure::Refused(StoreError::Backup(
            "the database is not empty: a backup restores only into an empty data directory or an empty PostgreSQL database or schema".into(),
        )));
    }
    drop(c);
    let written = Failure::Written;
    let version = reader.header().schema_version;
    migrations::apply_up_to(pool, backend, version)
        .await
        .map_err(written)?;
    let mut c = Conn::pooled(
        pool.acquire().await.map_err(|e| written(e.into()))?,
        Keyring::without_keys(),
        backend,
    );
    let ordered = catalog::tables(&mut c).await.map_err(written)?;
    let here: BTreeMap<String, Table> = ordered
        .iter()
        .map(|t| (t.name.clone(), t.clone()))
        .collect();
    drop(c);
    let tx = match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
    .map_err(|e| written(e.into()))?;
    let mut c = Conn::tx(tx, Keyring::without_keys(), backend);
    // Some migrations seed rows (crisis lines, defaults); the backup holds them as they were.
    for table in ordered.iter().rev() {
        sqlx::query(&format!("DELETE FROM \"{}\"", table.name))
            .execute(c.ex())
            .await
            .map_err(|e| written(e.into()))?;
    }
    let entries = reader.header().tables.clone();
    for entry in &entries {
        let table = here.get(&entry.table.name).ok_or_else(|| {
            written(StoreError::Backup(format!(
                "the backup holds a table {} that schema version {version} does not have",
                entry.table.name
            )))
        })?;
        copy_table(&mut c, reader, entry, table)
            .await
            .map_err(written)?;
    }
    // Only a stream whose checksum holds is committed.
    reader.finish().map_err(written)?;
    c.commit().await.map_err(written)?;
    migrations::apply(pool, backend).await.map_err(written)?;
    // The rows arrived in one bulk load: plan the first pages on real statistics.
    db::analyze(pool, backend).await.map_err(written)?;
    Ok(())
}

/// Copies one table's rows from the stream, its columns matched by name to the table as this
/// schema version has it.
async fn copy_table(
    c: &mut Conn,
    reader: &mut Reader<'_>,
    entry: &TableEntry,
    table: &Table,
) -> StoreResult<()> {
    let from = &entry.table;
    let mismatch = || {
        StoreError::Backup(format!(
            "the backup's table {} does not have the columns of this schema version",
            from.name
        ))
    };
    if from.columns.len() != table.columns.len() {
        return Err(mismatch());
    }
    let positions: Vec<usize> = table
        .columns
        .iter()
        .map(|col| from.columns.iter().position(|f| f.name == col.name))
        .collect::<Option<_>>()
        .ok_or_else(mismatch)?;
    reader.start_table(&from.name, entry.rows)?;
    let self_refs: Vec<usize> = table
        .self_references()
        .iter()
        .filter_map(|r| table.columns.iter().position(|c| c.name == *r))
        .collect();
    let mut held = Vec::new();
    for _ in 0..entry.rows {
        let row = reader.row(from)?;
        let row: Vec<Value> = positions.iter().map(|&i| row[i].clone()).collect();
        if self_refs.is_empty() {
            catalog::insert(c, table, &row).await?;
        } else {
            held.push(row);
        }
    }
    insert_in_reference_order(c, table, &self_refs, held).await
}

/// Rows that name other rows of their own table (a credit note its invoice) go in after the rows
/// they name.
async fn insert_in_reference_order(
    c: &mut Conn,
    table: &Table,
    self_refs: &[usize],
    mut pending: Vec<Vec<Value>>,
) -> StoreResult<()> {
    let mut done: HashSet<Vec<Value>> = HashSet::new();
    while !pending.is_empty() {
        let (ready, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(|row| {
            self_refs.iter().all(|&i| match &row[i] {
                Value::Null => true,
                v => done.contains(&vec![v.clone()]),
            })
        });
        if ready.is_empty() {
            return Err(StoreError::Backup(format!(
                "rows of {} name rows the backup does not hold",
                table.name
            )));
        }
        for row in ready {
            catalog::insert(c, table, &row).await?;
            done.insert(catalog::key_of(table, &row));
        }
        pending = waiting;
    }
    Ok(())
}

/// Drops every table (children first), the migrations' own last: the database is empty again.
async fn drop_everything(pool: &AnyPool, backend: Backend) -> StoreResult<()> {
    let mut c = Conn::pooled(pool.acquire().await?, Keyring::without_keys(), backend);
    let tables = catalog::tables(&mut c).await?;
    for table in tables.iter().rev() {
        sqlx::query(&format!("DROP TABLE IF EXISTS \"{}\"", table.name))
            .execute(c.ex())
            .await?;
    }
    sqlx::query(&format!(
        "DROP TABLE IF EXISTS {}",
        catalog::MIGRATIONS_TABLE
    ))
    .execute(c.ex())
    .await?;
    Ok(())
}
