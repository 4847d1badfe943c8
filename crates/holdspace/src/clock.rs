//! Which clock the server runs on: the system's, or (debug builds only) one a test starts at a chosen instant.

use app::clock::{Clock, SystemClock};
use std::sync::Arc;

/// Names the instant a debug build believes it is at start (RFC 3339, e.g. `2027-03-28T00:30:00Z`).
pub const TEST_NOW: &str = "HOLDSPACE_TEST_NOW";

/// The system clock, or in a debug build with `HOLDSPACE_TEST_NOW` set (read with the other
/// settings), a clock that starts there and runs on in real time.
#[cfg(debug_assertions)]
pub fn from_setting(test_now: Option<&str>) -> Result<Arc<dyn Clock>, String> {
    let Some(value) = test_now else {
        return Ok(Arc::new(SystemClock));
    };
    let start: jiff::Timestamp = value
        .trim()
        .parse()
        .map_err(|_| format!("{TEST_NOW} is not an instant such as 2027-03-28T00:30:00Z"))?;
    tracing::warn!(start = %start, "test clock: this server believes it started at another time");
    Ok(Arc::new(app::clock::OffsetClock::starting_at(start)))
}

/// A release build has no test clock at all, so a binary that ships cannot be started with a false one.
#[cfg(not(debug_assertions))]
pub fn from_setting(test_now: Option<&str>) -> Result<Arc<dyn Clock>, String> {
    if test_now.is_some() {
        tracing::warn!("{TEST_NOW} is ignored: only debug builds take a test clock");
    }
    Ok(Arc::new(SystemClock))
}
