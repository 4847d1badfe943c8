//! Every SQL statement the app runs, as sqlx reports it: sqlx logs each one through `tracing` under
//! the target `sqlx::query` (the store asks for that at trace level), with the first words as
//! `summary` and, when the statement is longer than those words, its whole text as `db.statement`.

use std::sync::{Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

static STATEMENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INSTALLED: OnceLock<()> = OnceLock::new();

/// Starts recording (once per test binary: the subscriber is the process's).
pub fn install() {
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(Statements);
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
    });
}

/// The statements run since the last call, in order.
pub fn take() -> Vec<String> {
    std::mem::take(&mut *STATEMENTS.lock().unwrap())
}

struct Statements;

const TARGET: &str = "sqlx::query";

impl<S: Subscriber> Layer<S> for Statements {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target() == TARGET {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        metadata.target() == TARGET
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != TARGET {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        // A short statement is its own summary, and sqlx then leaves `db.statement` empty.
        let sql = if fields.statement.trim().is_empty() {
            fields.summary
        } else {
            fields.statement.trim().to_string()
        };
        if !sql.is_empty() {
            STATEMENTS.lock().unwrap().push(sql);
        }
    }
}

#[derive(Default)]
struct Fields {
    summary: String,
    statement: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_string(),
            "db.statement" => self.statement = value.to_string(),
            _ => {}
        }
    }

    // sqlx hands both fields over as strings; the numbers and durations are not wanted.
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}
