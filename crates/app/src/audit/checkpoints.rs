//! The audit log's anchor outside the database: at the upgrade, after `audit verify` and once a
//! day, the verified head (count, last seq, last MAC, instant) is appended to the checkpoint file,
//! and, if the operator asked for it, mailed to the owner (the count and the MAC, nothing else).

use crate::jobs::Task;
use crate::mail::Outgoing;
use crate::{App, AppResult};
use domain::account::Role;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use store::audit::{self, checkpoint, Checkpoint, Head, Upgrade, Verdict};

/// When the daily checkpoint is written: the small hours (UTC), when the practice is quiet.
const DAILY_AT: SignedDuration = SignedDuration::from_hours(2);

impl App {
    /// At start: re-chains a log from before the MAC under the key, once, and says so in the
    /// log; a broken one is left as found and named, so `audit verify` still finds its row.
    pub async fn upgrade_audit(&self) -> AppResult<()> {
        let checkpoints = self.audit_checkpoints()?;
        match audit::upgrade(self.db(), &checkpoints, self.now()).await? {
            Upgrade::Keyed => {}
            Upgrade::Rechained { rows } => {
                tracing::info!(
                    rows,
                    "the audit log verified under its old unkeyed hash and is now re-chained under the key derived from the master key"
                );
                self.verify_audit().await?;
            }
            Upgrade::Broken(verdict) => tracing::warn!(
                verdict = %verdict.describe(),
                "the audit log does not verify under its old hash, so it was NOT re-chained under the key; the practice keeps serving; run `holdspace audit verify` and keep a copy of the database as it is"
            ),
            Upgrade::SetBack => tracing::warn!(
                "the audit log is marked as unkeyed although checkpoints of a keyed log exist: it was set back, and is NOT re-chained again; run `holdspace audit verify`"
            ),
        }
        Ok(())
    }

    /// Walks the whole chain (the operator's `holdspace audit verify`) against the checkpoints;
    /// when it holds, its head becomes the newest checkpoint.
    pub async fn verify_audit(&self) -> AppResult<Verdict> {
        let checkpoints = self.audit_checkpoints()?;
        let walk = audit::walk(&mut self.db().conn().await?, &checkpoints).await?;
        if walk.verdict.is_intact() {
            self.record_checkpoint(&walk.head, &checkpoints)?;
        }
        Ok(walk.verdict)
    }

    fn audit_checkpoints(&self) -> AppResult<Vec<Checkpoint>> {
        match &self.config().audit_checkpoint_file {
            Some(path) => Ok(checkpoint::read(path)?),
            None => Ok(Vec::new()),
        }
    }

    /// Appends `head` unless the newest checkpoint already says the same (a quiet day), or the
    /// log is empty (nothing to anchor).
    fn record_checkpoint(
        &self,
        head: &Head,
        known: &[Checkpoint],
    ) -> AppResult<Option<Checkpoint>> {
        let Some(path) = &self.config().audit_checkpoint_file else {
            return Ok(None);
        };
        let same = known
            .last()
            .is_some_and(|last| last.seq == head.seq && last.mac == head.mac);
        if head.rows == 0 || same {
            return Ok(None);
        }
        // Whole seconds: the line is read by people, and a millisecond says nothing more.
        let now = self.now();
        let checkpoint = head.checkpoint(now.round(jiff::Unit::Second).unwrap_or(now));
        checkpoint::append(path, &checkpoint)?;
        tracing::info!(rows = head.rows, seq = head.seq, "audit checkpoint written");
        Ok(Some(checkpoint))
    }

    /// Enqueues the next daily checkpoint (keyed by its day, so several instances enqueue it once).
    pub async fn schedule_audit_checkpoint(&self) -> AppResult<()> {
        let now = self.now();
        let (day, at) = next_checkpoint(now);
        let task = Task::AuditCheckpoint { day: day.clone() };
        store::jobs::enqueue_alone(
            self.db(),
            task.job(format!("audit-checkpoint:{day}"), at),
            now,
        )
        .await?;
        Ok(())
    }

    /// The daily job: verify, write the checkpoint, mail it if asked, schedule tomorrow's. A log
    /// that does not verify gets no checkpoint (it would anchor the damage) and a warning.
    pub(crate) async fn audit_checkpoint_job(&self) -> Result<(), crate::jobs::JobError> {
        let checkpoints = self.audit_checkpoints()?;
        let walk = audit::walk(&mut self.db().conn().await?, &checkpoints).await?;
        if walk.verdict.is_intact() {
            if let Some(written) = self.record_checkpoint(&walk.head, &checkpoints)? {
                if self.config().audit_checkpoint_mail {
                    for mail in self.checkpoint_mails(&written).await? {
                        self.send(mail).await?;
                    }
                }
            }
        } else {
            tracing::warn!(verdict = %walk.verdict.describe(), "the daily audit verification failed; no checkpoint written");
        }
        self.schedule_audit_checkpoint().await?;
        Ok(())
    }

    async fn checkpoint_mails(&self, checkpoint: &Checkpoint) -> AppResult<Vec<Outgoing>> {
        let therapists = store::users::therapists(&mut self.db().conn().await?).await?;
        Ok(therapists
            .iter()
            .filter(|u| u.role == Role::Owner)
            .map(|owner| crate::mail::audit_checkpoint(owner, checkpoint))
            .collect())
    }
}

/// The day (UTC) of the next checkpoint, and its instant: today's at `DAILY_AT` if that is still
/// ahead, else tomorrow's.
fn next_checkpoint(now: Timestamp) -> (String, Timestamp) {
    let today = now.to_zoned(TimeZone::UTC).date();
    let at = |d: jiff::civil::Date| {
        d.to_zoned(TimeZone::UTC)
            .map_or(now, |z| z.timestamp() + DAILY_AT)
    };
    let day = if at(today) > now {
        today
    } else {
        today.tomorrow().unwrap_or(today)
    };
    (day.to_string(), at(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_checkpoint_is_at_two_in_the_morning_utc() {
        let (day, at) = next_checkpoint("2026-12-05T01:00:00Z".parse().unwrap());
        assert_eq!(
            (day.as_str(), at.to_string().as_str()),
            ("2026-12-05", "2026-12-05T02:00:00Z")
        );
        let (day, at) = next_checkpoint("2026-12-05T02:00:00Z".parse().unwrap());
        assert_eq!(
            (day.as_str(), at.to_string().as_str()),
            ("2026-12-06", "2026-12-06T02:00:00Z")
        );
    }
}
