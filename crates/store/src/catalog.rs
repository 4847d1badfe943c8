//! The schema as the database itself describes it: every table, its columns and their kinds, its
//! primary key and what it references, read from SQLite's pragmas or PostgreSQL's `pg_catalog`
//! (not `information_schema`, whose views read every schema and grow slow where many exist).
//! Backup, restore, export, import and erasure walk the practice through this one description,
//! so a table added by a later migration is carried by all of them without being named here.

use crate::conn::Conn;
use crate::db::Backend;
use crate::error::{StoreError, StoreResult};
use sqlx::{Column as _, Row as _};
use std::collections::{BTreeMap, BTreeSet};

/// How a column's values are stored: the three kinds the portable schema uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Int,
    Text,
    Bytes,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub name: String,
    /// In the order the table declares them.
    pub columns: Vec<Column>,
    /// The primary key's columns, in key order.
    pub primary_key: Vec<String>,
    /// `(column, referenced table)` for every foreign key.
    pub references: Vec<(String, String)>,
}

impl Table {
    /// The columns that reference this same table (a credit note names its invoice): rows must be
    /// inserted after the rows they name.
    pub fn self_references(&self) -> Vec<&str> {
        self.references
            .iter()
            .filter(|(_, t)| *t == self.name)
            .map(|(c, _)| c.as_str())
            .collect()
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One stored value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// Tables that hold only the running state of this instance, never the practice's records:
/// sign-in sessions, one-time tokens, signalling and presence in rooms. They are left out of
/// backups and exports (a restored practice asks everyone to sign in again).
pub const TRANSIENT: &[&str] = &[
    "sessions",
    "login_tokens",
    "setup_tokens",
    "webauthn_challenges",
    "room_presence",
    "room_signals",
    "site_version",
];

/// The table that records which migrations ran; not part of the practice's records.
pub const MIGRATIONS_TABLE: &str = "schema_migrations";

/// Every table of the practice (the migrations' own table excluded), ordered so that each comes
/// after every table it references.
pub async fn tables(c: &mut Conn) -> StoreResult<Vec<Table>> {
    let names = table_names(c).await?;
    let mut found = BTreeMap::new();
    for name in names {
        if name == MIGRATIONS_TABLE {
            continue;
        }
        let table = describe(c, &name).await?;
        found.insert(name, table);
    }
    Ok(dependency_order(found))
}

/// The version of the newest migration applied (0 on an empty database).
pub async fn schema_version(c: &mut Conn) -> StoreResult<i64> {
    let exists = table_names(c).await?.iter().any(|n| n == MIGRATIONS_TABLE);
    if !exists {
        return Ok(0);
    }
    let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(c.ex())
        .await?;
    Ok(v.unwrap_or(0))
}

/// How many rows `table` holds.
pub async fn count(c: &mut Conn, table: &Table) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quoted(&table.name)))
        .fetch_one(c.ex())
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The primary key's columns for `ORDER BY`: text keys in byte order on both databases
/// (PostgreSQL's default collation follows the locale), so a backup's and an export's rows come in
/// the same order from either.
fn key_order(backend: Backend, table: &Table) -> String {
    let bytewise = backend == Backend::Postgres;
    table
        .primary_key
        .iter()
        .map(|k| match table.column(k) {
            Some(col) if bytewise && col.kind == Kind::Text => {
                format!("{} COLLATE \"C\"", quoted(k))
            }
            _ => quoted(k),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The primary key of `row` (a row as `for_each_row` hands it over).
pub fn key_of(table: &Table, row: &[Value]) -> Vec<Value> {
    table
        .primary_key
        .iter()
        .filter_map(|k| table.columns.iter().position(|c| &c.name == k))
        .map(|i| row[i].clone())
        .collect()
}

/// Every row of `table`, in key order, handed to `each` as it arrives: one query, streamed.
/// (Keyset pages in byte order cannot use the key's index on a PostgreSQL database whose
/// collation is not "C", so each page sorted the rest of the table: a backup of ten therapists'
/// years spent minutes a table. One ordered query sorts once, or walks the index where it can.)
pub async fn for_each_row<F, E>(c: &mut Conn, table: &Table, mut each: F) -> Result<u64, E>
where
    F: FnMut(Vec<Value>) -> Result<(), E>,
    E: From<StoreError>,
{
    use futures_util::TryStreamExt;
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        column_list(table),
        quoted(&table.name),
        key_order(c.backend(), table)
    );
    let mut rows = sqlx::query(&sql).fetch(c.ex());
    let mut n = 0u64;
    while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
        n += 1;
        each(decode_row(table, &row)?)?;
    }
    Ok(n)
}

/// Inserts one row (its values in `table`'s column order).
pub async fn insert(c: &mut Conn, table: &Table, row: &[Value]) -> StoreResult<()> {
    if row.len() != table.columns.len() {
        return Err(StoreError::Corrupt(format!(
            "a row of {} has {} values for {} columns",
            table.name,
            row.len(),
            table.columns.len()
        )));
    }
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quoted(&table.name),
        column_list(table),
        crate::placeholders(1, row.len())
    );
    let mut query = sqlx::query(&sql);
    for (v, column) in row.iter().zip(&table.columns) {
        query = match v {
            // PostgreSQL types a parameter: a null goes in as its column's kind.
            Value::Null => match column.kind {
                Kind::Int => query.bind(None::<i64>),
                Kind::Text => query.bind(None::<String>),
                Kind::Bytes => query.bind(None::<Vec<u8>>),
            },
            v => bind(query, v),
        };
    }
    query.execute(c.ex()).await?;
    Ok(())
}

/// How a table without a `case_id` of its own reaches its case: through the row it names in
/// `(column, parent table)`, first match wins. `case_scope` and an import's choice of sealing key
/// read this one list.
pub const CASE_PARENTS: &[(&str, &str)] = &[
    ("appointment_id", "appointments"),
    ("invoice_id", "invoices"),
    ("message_id", "messages"),
    ("response_id", "responses"),
];

/// The rows of one case in `table`, as a condition on the table's own columns with `$1` for the
/// case's id: directly by `case_id`, or through the appointment, invoice or message a row belongs
/// to. `None` for a table that holds nothing of any one case.
pub fn case_scope(table: &Table) -> Option<String> {
    let has = |c: &str| table.column(c).is_some();
    if table.name == "cases" {
        return Some("id = $1".into());
    }
    if has("case_id") {
        return Some("case_id = $1".into());
    }
    for (column, parent) in CASE_PARENTS {
        if has(column) {
            return Some(format!(
                "{column} IN (SELECT id FROM {parent} WHERE case_id = $1)"
            ));
        }
    }
    None
}

fn column_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|c| quoted(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Names come from the database's own catalog; quoting keeps any of them a name.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind<'q>(query: AnyQuery<'q>, v: &Value) -> AnyQuery<'q> {
    match v {
        Value::Null => query.bind(None::<String>),
        Value::Int(i) => query.bind(*i),
        Value::Text(t) => query.bind(t.clone()),
        Value::Bytes(b) => query.bind(b.clone()),
    }
}

fn decode_row(table: &Table, row: &sqlx::any::AnyRow) -> StoreResult<Vec<Value>> {
    let mut out = Vec::with_capacity(table.columns.len());
    for (i, column) in table.columns.iter().enumerate() {
        let bad = |e: sqlx::Error| {
            StoreError::Corrupt(format!(
                "{}.{} ({}) does not read as {:?}: {e}",
                table.name,
                column.name,
                row.columns()[i].name(),
                column.kind
            ))
        };
        let v = match column.kind {
            Kind::Int => row
                .try_get::<Option<i64>, _>(i)
                .map_err(bad)?
                .map_or(Value::Null, Value::Int),
            Kind::Text => row
                .try_get::<Option<String>, _>(i)
                .map_err(bad)?
                .map_or(Value::Null, Value::Text),
            Kind::Bytes => row
                .try_get::<Option<Vec<u8>>, _>(i)
                .map_err(bad)?
                .map_or(Value::Null, Value::Bytes),
        };
        out.push(v);
    }
    Ok(out)
}

/// Every table in the database (or the PostgreSQL schema), sorted by name.
pub(crate) async fn table_names(c: &mut Conn) -> StoreResult<Vec<String>> {
    let sql = match c.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 1"
        }
    };
    Ok(sqlx::query_scalar(sql).fetch_all(c.ex()).await?)
}

fn kind_of(declared: &str) -> Kind {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") {
        Kind::Int
    } else if t.contains("blob") || t.contains("bytea") {
        Kind::Bytes
    } else {
        Kind::Text
    }
}

async fn describe(c: &mut Conn, name: &str) -> StoreResult<Table> {
    let mut columns = Vec::new();
    let mut primary_key: Vec<(i64, String)> = Vec::new();
    let mut references: Vec<(String, String)>;
    match c.backend() {
        Backend::Sqlite => {
            let rows: Vec<(String, String, i64)> =
                sqlx::query_as("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
                    .bind(name)
                    .fetch_all(c.ex())
                    .await?;
            for (column, declared, pk) in rows {
                if pk > 0 {
                    primary_key.push((pk, column.clone()));
                }
                columns.push(Column {
                    name: column,
                    kind: kind_of(&declared),
                });
            }
            references =
                sqlx::query_as("SELECT \"from\", \"table\" FROM pragma_foreign_key_list($1)")
                    .bind(name)
                    .fetch_all(c.ex())
                    .await?;
        }
        // PostgreSQL's own catalog, not `information_schema`: its views read every schema's
        // privileges and took seconds per table in a database with many schemas.
        Backend::Postgres => {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)::text FROM pg_catalog.pg_attribute a \
                 WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
                 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            )
            .bind(name)
            .fetch_all(c.ex())
            .await?;
            columns = rows
                .into_iter()
                .map(|(column, declared)| Column {
                    name: column,
                    kind: kind_of(&declared),
                })
                .collect();
            let keys: Vec<(String, i64)> = sqlx::query_as(
                "SELECT a.attname::text, CAST(array_position(i.indkey::int2[], a.attnum) AS BIGINT) \
                 FROM pg_catalog.pg_index i \
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                 WHERE i.indrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) AND i.indisprimary",
            )
            .bind(name)
            .fetch_all(c.ex())
            .await?;
            primary_key = keys.into_iter().map(|(c, p)| (p, c)).collect();
            references = sqlx::query_as(
                "SELECT a.attname::text, f.relname::text \
                 FROM pg_catalog.pg_constraint k \
                 JOIN pg_catalog.pg_class f ON f.oid = k.confrelid \
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey) \
                 WHERE k.conrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) AND k.contype = 'f'",
            )
            .bind(name)
            .fetch_all(c.ex())
            .await?;
        }
    }
    primary_key.sort();
    let mut primary_key: Vec<String> = primary_key.into_iter().map(|(_, c)| c).collect();
    if primary_key.is_empty() {
        // Every table of the schema has a primary key; a table without one is paged by all its
        // columns, which still gives a total order.
        primary_key = columns.iter().map(|c| c.name.clone()).collect();
    }
    references.sort();
    references.dedup();
    Ok(Table {
        name: name.to_string(),
        columns,
        primary_key,
        references,
    })
}

/// Orders tables so that each follows the tables it references (by name among equals, so the
/// order is the same on both databases).
fn dependency_order(mut pending: BTreeMap<String, Table>) -> Vec<Table> {
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready: Vec<String> = pending
            .values()
            .filter(|t| {
                t.references
                    .iter()
                    .all(|(_, r)| r == &t.name || placed.contains(r) || !pending.contains_key(r))
            })
            .map(|t| t.name.clone())
            .collect();
        // A cycle between tables (none in the schema) would otherwise stop the walk: take the
        // first remaining table and go on.
        let ready = if ready.is_empty() {
            vec![pending.keys().next().cloned().unwrap_or_default()]
        } else {
            ready
        };
        for name in ready {
            if let Some(t) = pending.remove(&name) {
                placed.insert(name);
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, refs: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: vec![],
            primary_key: vec!["id".into()],
            references: refs
                .iter()
                .map(|r| ("x".to_string(), r.to_string()))
                .collect(),
        }
    }

    #[test]
    fn every_table_follows_what_it_references() {
        let mut all = BTreeMap::new();
        for t in [
            table("appointments", &["series", "cases"]),
            table("series", &["cases"]),
            table("cases", &["users"]),
            table("users", &[]),
            table("invoices", &["invoices", "cases"]),
        ] {
            all.insert(t.name.clone(), t);
        }
        let order: Vec<String> = dependency_order(all).into_iter().map(|t| t.name).collect();
        let at = |n: &str| order.iter().position(|o| o == n).unwrap();
        assert!(at("users") < at("cases"));
        assert!(at("cases") < at("series"));
        assert!(at("series") < at("appointments"));
        assert!(at("cases") < at("invoices"));
        assert_eq!(order.len(), 5);
    }

    #[test]
    fn declared_types_map_to_three_kinds() {
        assert_eq!(kind_of("BIGINT"), Kind::Int);
        assert_eq!(kind_of("integer"), Kind::Int);
        assert_eq!(kind_of("bytea"), Kind::Bytes);
        assert_eq!(kind_of("BLOB"), Kind::Bytes);
        assert_eq!(kind_of("text"), Kind::Text);
        assert_eq!(kind_of("character varying"), Kind::Text);
    }
}
