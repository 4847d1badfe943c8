//! The log: readable text by default, or one JSON object per line for a log collector; and the
//! few lines `serve` prints for the operator, written in the log's format so that a collector
//! reading JSON never meets a line that is not.

use crate::config::check::LogFormat;

/// Starts the log in `format` (once; a second call changes nothing). JSON lines carry the event's
/// fields at the top level and the spans it happened in: `span` (the innermost) and `spans` (all
/// of them), so a request's `id` is on every line written while it is handled, however deep.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
    };
}

/// A line for the operator's eyes (the setup link, the demo's login), printed whatever the log
/// level: as it is in text, as an object with a `message` in JSON.
pub fn announce(format: LogFormat, text: &str) {
    match format {
        LogFormat::Text => println!("{text}"),
        LogFormat::Json => println!(
            "{}",
            serde_json::json!({
                "timestamp": jiff::Timestamp::now().to_string(),
                "level": "INFO",
                "message": text,
            })
        ),
    }
}
