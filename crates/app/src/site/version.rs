//! How fresh this instance's copy of the public site is. A local generation moves on at every
//! change: at once for a write through this instance, and within `CHECK_EVERY` for a write through
//! another one, which this instance learns from the database's site version (one small query per
//! interval, made by whichever request finds it due; never one per request).

use crate::error::AppError;
use crate::App;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The bound on how long another instance's change takes to reach this one's pages (plus the
/// one version query in flight).
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

#[derive(Default)]
pub(crate) struct SiteVersion {
    /// Moves on whenever what a visitor reads may have changed; a cached page or view made under
    /// an older generation is never served.
    generation: AtomicU64,
    /// When this instance last asked the database (milliseconds, by the app's clock); 0: never.
    checked_ms: AtomicI64,
    /// The database's version at the last look.
    seen: Mutex<Option<i64>>,
    /// One look at a time: the requests that find another looking serve what they have.
    looking: tokio::sync::Mutex<()>,
}

impl SiteVersion {
    pub(crate) fn current(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(crate) fn advance(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether the last look is older than `CHECK_EVERY` (or in the future: the clock went back).
    fn due(&self, now_ms: i64) -> bool {
        let last = self.checked_ms.load(Ordering::Acquire);
        let every = i64::try_from(CHECK_EVERY.as_millis()).unwrap_or(i64::MAX);
        last == 0 || now_ms < last || now_ms.saturating_sub(last) >= every
    }
}

impl App {
    /// The site's generation when this instance's last look at the database's version is recent
    /// (within `CHECK_EVERY`), or `None` when a look is due (`site_generation` makes it). Never
    /// waits: the page cache's front answers from it before the router.
    pub fn site_generation_fresh(&self) -> Option<u64> {
        let version = &self.inner.site_version;
        (!version.due(self.now().as_millisecond())).then(|| version.current())
    }

    /// The site's generation now, after asking the database whether another instance changed
    /// the site when the last look is older than `CHECK_EVERY`. A page cached under another
    /// generation is out of date.
    pub async fn site_generation(&self) -> u64 {
        let version = &self.inner.site_version;
        let now_ms = self.now().as_millisecond();
        if !version.due(now_ms) {
            return version.current();
        }
        let Ok(_looking) = version.looking.try_lock() else {
            return version.current();
        };
        if !version.due(now_ms) {
            return version.current();
        }
        let found = match self.db().conn().await {
            Ok(mut c) => store::site::version(&mut c).await.map_err(AppError::from),
            Err(e) => Err(AppError::from(e)),
        };
        // Looked at, answered or not: while the database does not answer, the pages already made
        // are served, and the next look waits its interval rather than adding to the load.
        version.checked_ms.store(now_ms, Ordering::Release);
        match found {
            Ok(db_version) => {
                let changed = {
                    let mut seen = version
                        .seen
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    // The first look counts as a change too: a page made while it was under way
                    // may predate a write that the version it reads already counts.
                    let changed = *seen != Some(db_version);
                    *seen = Some(db_version);
                    changed
                };
                if changed {
                    tracing::debug!("the site changed on another instance");
                    self.site_changed();
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the site's version"),
        }
        version.current()
    }
}
