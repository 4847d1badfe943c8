//! Whether this instance is ready for traffic: it is not stopping, the database answers and the
//! job runner goes round. `/readyz` reports it; a load balancer stops sending requests to an
//! instance that is not.

use crate::App;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How long the job runner may go without a round before the instance is not ready. A round
/// waits at most two seconds for work, and a job holds its lease for thirty.
pub const RUNNER_STALE_AFTER: Duration = Duration::from_secs(30);

/// How long `/readyz` waits for the database: a load balancer's check gives up after a few
/// seconds, and a database that takes longer than this to say `SELECT 1` is not serving anyone.
const DATABASE_WAIT: Duration = Duration::from_secs(2);

impl App {
    /// Called by the job runner at each round (and before each job): "still going".
    pub(crate) fn runner_beat(&self) {
        let since_start =
            u64::try_from(self.inner.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        // 0 means "never": a beat in the first millisecond counts as 1.
        self.inner
            .runner_beat_ms
            .store(since_start.max(1), Ordering::Relaxed);
    }

    /// Time since the job runner's last round; `None` before its first.
    pub fn runner_beat_age(&self) -> Option<Duration> {
        match self.inner.runner_beat_ms.load(Ordering::Relaxed) {
            0 => None,
            at => Some(
                self.inner
                    .started
                    .elapsed()
                    .saturating_sub(Duration::from_millis(at)),
            ),
        }
    }

    /// The parts that are not ready, named for `/readyz`'s answer; empty when ready: draining
    /// (the process is stopping), the database, the job runner.
    pub async fn not_ready(&self) -> Vec<&'static str> {
        let mut not_ready = Vec::new();
        if self.is_draining() {
            not_ready.push("draining");
        }
        let answers = tokio::time::timeout(DATABASE_WAIT, self.healthy()).await;
        if answers != Ok(true) {
            not_ready.push("database");
        }
        if self
            .runner_beat_age()
            .is_none_or(|age| age > self.config().runner_stale_after)
        {
            not_ready.push("job runner");
        }
        not_ready
    }
}
