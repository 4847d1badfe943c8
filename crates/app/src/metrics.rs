//! What the practice counts for Prometheus: requests by route template, jobs by kind, mail, the
//! rooms of this instance, the database pool, the process. Labels are code constants or bounded
//! values (a method, a route template, a status code, a job kind): never a path, an id, a name,
//! an address or anything a person typed.

pub mod exposition;

use crate::App;
use exposition::{Counter, Exposition, Family, Histogram};
use std::time::SystemTime;

/// Latency buckets in seconds: Prometheus's usual ones, which straddle our budgets (10 ms for a
/// page, 50 ms for a daily page at p99) and catch the slow tail up to ten seconds.
pub const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The series this process keeps between scrapes; gauges are read when scraped.
pub struct Metrics {
    /// Seconds since the Unix epoch when the process started.
    started: f64,
    http_requests: Family<Counter>,
    http_duration: Family<Histogram>,
    jobs_run: Family<Counter>,
    jobs_failed: Family<Counter>,
    jobs_retried: Family<Counter>,
    mail_sent: Counter,
    mail_failed: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
            http_requests: Family::new(&["method", "route", "status"], Counter::default),
            http_duration: Family::new(&["method", "route"], || Histogram::new(&LATENCY_BUCKETS)),
            jobs_run: Family::new(&["kind"], Counter::default),
            jobs_failed: Family::new(&["kind"], Counter::default),
            jobs_retried: Family::new(&["kind"], Counter::default),
            mail_sent: Counter::default(),
            mail_failed: Counter::default(),
        }
    }
}

/// How a job's attempt ended, for its counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JobOutcome {
    Done,
    /// Failed; another attempt is scheduled.
    Retry,
    /// Failed for the last time.
    GaveUp,
}

impl Metrics {
    /// One answered request. `method` is one of the usual methods or "other"; `route` is the
    /// router's template or "(no route)".
    pub fn request(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        self.http_requests.with(&[method, route, &status]).inc();
        self.http_duration.with(&[method, route]).observe(seconds);
    }

    /// One attempt of a job of `kind` (a `Task`'s constant name, or "unknown").
    pub(crate) fn job(&self, kind: &'static str, outcome: JobOutcome) {
        self.jobs_run.with(&[kind]).inc();
        match outcome {
            JobOutcome::Done => {}
            JobOutcome::Retry => self.jobs_retried.with(&[kind]).inc(),
            JobOutcome::GaveUp => self.jobs_failed.with(&[kind]).inc(),
        }
    }

    pub(crate) fn mail(&self, sent: bool) {
        if sent {
            self.mail_sent.inc();
        } else {
            self.mail_failed.inc();
        }
    }
}

impl App {
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The whole scrape: the kept series, then the gauges read now (the job table in one bounded
    /// query; the rooms and the pool from memory). A database that does not answer leaves out
    /// the queue and says so in `holdspace_database_up`.
    pub async fn metrics_text(&self) -> String {
        let m = self.metrics();
        let mut e = Exposition::default();
        e.counters(
            "http_requests_total",
            "Requests answered, by method, route template and status.",
            &m.http_requests,
        );
        e.histograms(
            "http_request_duration_seconds",
            "Time to answer a request, by method and route template.",
            &m.http_duration,
        );
        let queued = match self.db().conn().await {
            Ok(mut c) => store::jobs::queued(&mut c, self.now()).await.ok(),
            Err(_) => None,
        };
        e.gauge(
            "holdspace_database_up",
            "Whether the database answered this scrape's query (1) or not (0).",
            &[(&[], if queued.is_some() { 1.0 } else { 0.0 })],
        );
        if let Some(q) = queued {
            #[allow(clippy::cast_precision_loss)] // at most QUEUED_CAP
            let samples: [(&[(&str, &str)], f64); 3] = [
                (&[("state", "due")], q.due as f64),
                (&[("state", "scheduled")], q.scheduled as f64),
                (&[("state", "running")], q.running as f64),
            ];
            e.gauge(
                "holdspace_jobs_queued",
                "Jobs in the job table: due now, scheduled for later, running (each counted up to 10000).",
                &samples,
            );
        }
        e.counters(
            "holdspace_jobs_run_total",
            "Job attempts, by kind.",
            &m.jobs_run,
        );
        e.counters(
            "holdspace_jobs_retried_total",
            "Job attempts that failed and will be tried again, by kind.",
            &m.jobs_retried,
        );
        e.counters(
            "holdspace_jobs_failed_total",
            "Jobs that failed for the last time (given up), by kind.",
            &m.jobs_failed,
        );
        e.gauge(
            "holdspace_job_runner_heartbeat_age_seconds",
            "Seconds since the job runner's last round (-1 before its first).",
            &[(
                &[],
                self.runner_beat_age().map_or(-1.0, |d| d.as_secs_f64()),
            )],
        );
        e.counter(
            "holdspace_mail_sent_total",
            "Mail handed to the SMTP server (or kept in the dev mailbox).",
            m.mail_sent.get(),
        );
        e.counter(
            "holdspace_mail_failed_total",
            "Mail that could not be composed or sent (each attempt).",
            m.mail_failed.get(),
        );
        let rooms = self.broker().occupancy();
        #[allow(clippy::cast_precision_loss)]
        let (open, people) = (rooms.rooms as f64, rooms.connections as f64);
        e.gauge(
            "holdspace_rooms_open",
            "Video rooms with someone connected to this instance.",
            &[(&[], open)],
        );
        e.gauge(
            "holdspace_room_connections",
            "People connected to a video room through this instance.",
            &[(&[], people)],
        );
        let pool = self.db().pool_use();
        e.gauge(
            "holdspace_db_pool_size",
            "Database connections open in the pool, idle or in use.",
            &[(&[], f64::from(pool.size))],
        );
        e.gauge(
            "holdspace_db_pool_connections",
            "Database connections open in the pool, by use.",
            &[
                (&[("state", "idle")], f64::from(pool.idle)),
                (&[("state", "in_use")], f64::from(pool.in_use())),
            ],
        );
        e.gauge(
            "holdspace_db_pool_max_connections",
            "The most connections the pool opens.",
            &[(&[], f64::from(pool.max))],
        );
        e.gauge(
            "process_start_time_seconds",
            "When the process started, in seconds since the Unix epoch.",
            &[(&[], m.started)],
        );
        e.gauge(
            "holdspace_build_info",
            "The running build (always 1; the version is the label).",
            &[(&[("version", env!("CARGO_PKG_VERSION"))], 1.0)],
        );
        e.finish()
    }
}
