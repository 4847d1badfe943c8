//! What the binary's tests share: a free port, and a PostgreSQL database of their own.
// Each test file uses some of these, never all.
#![allow(dead_code)]

use std::process::{Command, Output};

/// A port nothing listens on now (the binary binds it a moment later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `sql` run by psql in `database` on the local server.
pub fn psql(database: &str, sql: &str) -> std::io::Result<Output> {
    Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            database,
            "-qc",
            sql,
        ])
        .output()
}

/// A new PostgreSQL database named `prefix_…` for the binary. Where none can be made: under CI a
/// failure; outside it `None`, with a loud notice that the PostgreSQL half did not run.
pub fn postgres_database(prefix: &str) -> Option<String> {
    let name = format!("{prefix}_{}", store::random_hex(6));
    match psql("test", &format!("CREATE DATABASE {name}")) {
        Ok(o) if o.status.success() => Some(format!("postgres://postgres@127.0.0.1:5432/{name}")),
        other if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("\n*** SKIPPED: cannot create a PostgreSQL database ({other:?}); the PostgreSQL half did NOT run ***\n");
            None
        }
        other => panic!("cannot create a PostgreSQL database: {other:?}"),
    }
}

/// Drops the database `postgres_database` made (and whoever is still connected to it).
pub fn drop_database(url: &str) {
    let name = url.rsplit('/').next().unwrap_or_default();
    let _ = psql(
        "test",
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
}
