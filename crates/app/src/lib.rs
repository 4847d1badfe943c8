//! The practice's use-cases, one module per capability; the one policy module that decides every
//! access; mail composition; the job runner.

pub mod absences;
pub mod accounts;
pub mod actor;
pub mod agreements;
pub mod attendance;
pub mod audit;
pub mod backup;
pub mod billing;
pub mod booking;
pub mod calendar;
pub mod cases;
pub mod clock;
pub mod content;
pub mod day;
pub mod demo;
pub mod ending;
pub mod error;
pub mod export;
pub mod focus;
pub mod health;
pub mod i18n;
pub mod images;
pub mod inquiries;
pub mod intake;
pub mod jobs;
pub mod key_copy;
pub mod mail;
pub mod messaging;
pub mod metrics;
pub mod notes;
pub mod passkeys;
pub mod policy;
pub mod portal;
pub mod practice;
pub mod ratelimit;
pub mod record;
pub mod retention;
pub mod rooms;
pub mod scale;
pub mod series;
pub mod site;
pub mod stripe;
pub mod team;
pub mod turn;
pub mod two_factor;
pub mod workspace;

pub use actor::Actor;
pub use error::{AppError, AppResult};
pub use store::users::SessionRow;

use clock::Clock;
use std::sync::Arc;
use store::Db;

/// What the operator configures; everything else has a sensible default. Its `Debug` shows
/// `[REDACTED]` for the secrets (the SMTP address, which may carry a password, the TURN secret,
/// the Stripe keys).
#[derive(Clone, Debug)]
pub struct Config {
    /// The address the practice is reached at, for links in mail, canonical links and the feed.
    pub public_url: String,
    /// `smtp://host:port` or `smtps://user:pass@host`; `None` keeps mail in the dev mailbox.
    pub smtp_url: Option<secrecy::SecretString>,
    /// The sender of the practice's mail.
    pub mail_from: String,
    /// The first retry delay of a failed job; it doubles on each further failure.
    pub job_retry_base_ms: u64,
    pub session_policy: domain::account::SessionPolicy,
    /// When appointment reminders go out, before the start.
    pub reminders: Vec<jiff::SignedDuration>,
    /// STUN and TURN for the video room and the tech check.
    pub ice: turn::IceConfig,
    /// Online card payment through Stripe Checkout; `None` leaves it off (its keys redacted).
    pub stripe: Option<stripe::Config>,
    /// Where the audit log's checkpoints are appended (outside the database); `None` writes none.
    pub audit_checkpoint_file: Option<std::path::PathBuf>,
    /// Whether the daily checkpoint is also mailed to the owner (its count and MAC only).
    pub audit_checkpoint_mail: bool,
    /// The master key file, for the owner's reminder to keep a copy of it; `None` when the key is
    /// given by `HOLDSPACE_MASTER_KEY`.
    pub master_key_file: Option<std::path::PathBuf>,
    /// Daily backups from the job runner; `None` leaves them to the operator's own schedule.
    pub backups: Option<backup::BackupSchedule>,
    /// How long the job runner may go without a round before `/readyz` answers 503.
    pub runner_stale_after: std::time::Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_url: "http://127.0.0.1:8080".into(),
            smtp_url: None,
            mail_from: "holdspace@localhost".into(),
            job_retry_base_ms: 30_000,
            session_policy: Default::default(),
            reminders: vec![
                jiff::SignedDuration::from_hours(24),
                jiff::SignedDuration::from_hours(1),
            ],
            ice: Default::default(),
            stripe: None,
            audit_checkpoint_file: None,
            audit_checkpoint_mail: false,
            master_key_file: None,
            backups: None,
            runner_stale_after: health::RUNNER_STALE_AFTER,
        }
    }
}

/// The application: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    config: Config,
    clock: Arc<dyn Clock>,
    mailer: mail::Mailer,
    limits: ratelimit::Limits,
    jobs_wake: tokio::sync::Notify,
    views: site::ViewCache,
    site_version: site::SiteVersion,
    broker: Arc<rooms::Broker>,
    refresh_started: std::sync::Once,
    /// Set once, when the process is asked to stop (see `drain`).
    draining: tokio::sync::watch::Sender<bool>,
    metrics: metrics::Metrics,
    /// When the process started (a monotonic clock), for the job runner's heartbeat.
    started: std::time::Instant,
    /// Milliseconds after `started` of the job runner's last round; 0 before its first.
    runner_beat_ms: std::sync::atomic::AtomicU64,
}

impl App {
    pub fn new(db: Db, config: Config, clock: Arc<dyn Clock>) -> Result<App, AppError> {
        let mailer = mail::Mailer::from_config(&config)?;
        Ok(App {
            inner: Arc::new(Inner {
                db,
                config,
                clock,
                mailer,
                limits: ratelimit::Limits::default(),
                jobs_wake: tokio::sync::Notify::new(),
                views: Default::default(),
                site_version: Default::default(),
                broker: Arc::new(rooms::Broker::new()),
                refresh_started: std::sync::Once::new(),
                draining: tokio::sync::watch::Sender::new(false),
                metrics: metrics::Metrics::default(),
                started: std::time::Instant::now(),
                runner_beat_ms: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.inner.clock.now()
    }

    pub(crate) fn broker(&self) -> &Arc<rooms::Broker> {
        &self.inner.broker
    }

    pub(crate) fn inner_refresh_started(&self) -> &std::sync::Once {
        &self.inner.refresh_started
    }

    pub(crate) fn limits(&self) -> &ratelimit::Limits {
        &self.inner.limits
    }

    /// An absolute link for mail and feeds.
    pub fn link(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.inner.config.public_url.trim_end_matches('/'),
            path
        )
    }

    /// Whether the store answers (for `/readyz`).
    pub async fn healthy(&self) -> bool {
        self.inner.db.ping().await.is_ok()
    }

    pub fn backend(&self) -> store::Backend {
        self.inner.db.backend()
    }

    /// The process is stopping: the job runner claims no new job (it finishes the one it holds),
    /// every room socket asks its browser to reconnect elsewhere, and readiness says "draining" so
    /// a load balancer sends nothing new here. There is no way back: a drained process exits.
    pub fn drain(&self) {
        self.inner.draining.send_replace(true);
        self.inner.jobs_wake.notify_one();
    }

    /// Whether `drain` was called.
    pub fn is_draining(&self) -> bool {
        *self.inner.draining.borrow()
    }

    /// Resolves once `drain` is called (at once if it was already).
    pub async fn draining(&self) {
        let mut watch = self.inner.draining.subscribe();
        // The sender lives as long as `self`: the wait ends only by the flag.
        let _ = watch.wait_for(|draining| *draining).await;
    }
}
