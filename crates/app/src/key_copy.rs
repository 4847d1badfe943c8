//! The master key's backup reminder: until the owner confirms keeping a copy of the master key
//! somewhere other than this server, the admin says so, and how. Without that copy a dead disk
//! takes every sealed record with it, backups included (a backup never holds the master key).

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::App;
use domain::account::Role;
use domain::audit::AuditAction;

/// Where the master key lives, for the reminder's "how".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// The key file in the data directory (its path).
    File(String),
    /// Given to the server by `HOLDSPACE_MASTER_KEY` (or `--master-key`).
    Variable,
}

/// The reminder, shown to the owner until they confirm a copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyReminder {
    pub location: KeyLocation,
}

impl App {
    /// The reminder for `actor`: only the owner sees it (the key is theirs to keep), and only
    /// until they confirm, or again after a rotation.
    pub async fn master_key_reminder(&self, actor: &Actor) -> AppResult<Option<KeyReminder>> {
        if actor.role() != Some(Role::Owner) {
            return Ok(None);
        }
        let mut c = self.db().conn().await?;
        if !store::practice::exists(&mut c).await?
            || store::practice::master_key_copy_at(&mut c).await?.is_some()
        {
            return Ok(None);
        }
        let location = match &self.config().master_key_file {
            Some(path) => KeyLocation::File(path.display().to_string()),
            None => KeyLocation::Variable,
        };
        Ok(Some(KeyReminder { location }))
    }

    /// "I have a copy": recorded in the practice's settings, audited.
    #[tracing::instrument(skip_all, fields(actor = %actor.audit_id()))]
    pub async fn confirm_master_key_copy(&self, actor: &Actor) -> AppResult<()> {
        self.require(actor, Action::ManagePractice).await?;
        let mut tx = self.db().begin().await?;
        if !store::practice::exists(&mut tx).await? {
            return Err(AppError::NotFound);
        }
        store::practice::set_master_key_copy_at(&mut tx, Some(self.now())).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::MasterKeyCopy,
            "",
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
