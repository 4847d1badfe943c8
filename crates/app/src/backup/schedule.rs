//! Scheduled backups from `serve`: one a day into the backup directory, through the job runner
//! with one idempotency key per day (so several instances make one), pruned by the keep counts.

use super::keep::{self, Keep};
use super::{make, parse_recipient, BackupError, Protection};
use crate::jobs::{JobError, Task};
use crate::App;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::path::{Path, PathBuf};

/// Where scheduled backups go and how many stay.
#[derive(Clone, Debug)]
pub struct BackupSchedule {
    /// Not beside the master key: a backup and the key that opens it never share a disk.
    pub dir: PathBuf,
    /// The age public key (`age1…`) they are encrypted to.
    pub recipient: String,
    pub keep: Keep,
}

/// The hour (UTC) of the daily run after the first.
const DAILY_AT_HOUR: i8 = 2;

fn day_of(t: Timestamp) -> jiff::civil::Date {
    t.to_zoned(TimeZone::UTC).date()
}

impl App {
    /// Enqueues today's backup, due now. Every instance calls this at start; the day's key makes
    /// it one job.
    pub async fn schedule_backups(&self) -> Result<(), store::StoreError> {
        if self.config().backups.is_none() {
            return Ok(());
        }
        let now = self.now();
        self.enqueue_backup(day_of(now), now).await
    }

    async fn enqueue_backup(
        &self,
        day: jiff::civil::Date,
        run_at: Timestamp,
    ) -> Result<(), store::StoreError> {
        let task = Task::Backup {
            day: day.to_string(),
        };
        let job = task.job(format!("backup:{day}"), run_at);
        store::jobs::enqueue_alone(self.db(), job, self.now()).await?;
        Ok(())
    }

    /// The day's backup: written, the directory pruned, the next day's enqueued.
    pub(crate) async fn scheduled_backup(&self, day: &str) -> Result<(), JobError> {
        let Some(schedule) = self.config().backups.clone() else {
            return Ok(());
        };
        let recipient = parse_recipient(&schedule.recipient).map_err(JobError::Backup)?;
        create_private_dir(&schedule.dir).map_err(JobError::Backup)?;
        let now = self.now();
        let path = schedule.dir.join(keep::file_name(now));
        let made = make(self.db(), &path, &Protection::Recipient(recipient))
            .await
            .map_err(JobError::Backup)?;
        let pruned = prune(&schedule.dir, schedule.keep).map_err(JobError::Backup)?;
        tracing::info!(
            day,
            rows = made.header.rows(),
            bytes = made.file_bytes,
            pruned,
            took_ms = u64::try_from(made.took.as_millis()).unwrap_or(u64::MAX),
            "scheduled backup written"
        );
        let next = day
            .parse::<jiff::civil::Date>()
            .unwrap_or_else(|_| day_of(now))
            .tomorrow()
            .map_err(|e| JobError::Backup(BackupError::Plain(e.to_string())))?;
        let run_at = next
            .at(DAILY_AT_HOUR, 0, 0, 0)
            .to_zoned(TimeZone::UTC)
            .map_or(now, |z| z.timestamp());
        self.enqueue_backup(next, run_at).await?;
        Ok(())
    }
}

fn create_private_dir(dir: &Path) -> Result<(), BackupError> {
    let failed = |e: std::io::Error| {
        BackupError::Plain(format!(
            "cannot create the backup directory {}: {e}",
            dir.display()
        ))
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(failed)
}

/// Removes the scheduled backups in `dir` that `keep` does not keep; answers how many went.
fn prune(dir: &Path, keep: Keep) -> Result<usize, BackupError> {
    let failed = |e: std::io::Error| {
        BackupError::Plain(format!(
            "cannot read the backup directory {}: {e}",
            dir.display()
        ))
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(failed)? {
        let entry = entry.map_err(failed)?;
        if let Some(at) = entry.file_name().to_str().and_then(keep::parse_file_name) {
            found.push(at);
        }
    }
    let doomed = keep::to_prune(&found, keep);
    for at in &doomed {
        std::fs::remove_file(dir.join(keep::file_name(*at))).map_err(failed)?;
    }
    Ok(doomed.len())
}
