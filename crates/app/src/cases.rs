//! The one way a use-case reaches a case: read through the use-case's own connection, decided by
//! the policy, a refusal written to the audit log.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::{self, CaseSide};
use crate::App;
use domain::audit::AuditAction;
use domain::case::Case;
use domain::ids::{CaseId, UserId};
use store::Conn;

impl App {
    /// The case `id`, if `actor` may reach it from `side`; otherwise the policy's answer (not found
    /// for anyone who may not know it exists). A refusal inside a transaction rolls it back (the
    /// use-case fails, having written nothing) and is recorded on its own.
    #[tracing::instrument(skip_all, fields(case = %id, side = ?side))]
    pub(crate) async fn case_as(
        &self,
        c: &mut Conn,
        actor: &Actor,
        id: &CaseId,
        side: CaseSide,
    ) -> AppResult<Case> {
        let viewer = actor.user().map(|u| u.id.clone());
        let case = match &viewer {
            Some(viewer) => store::cases::get(c, id, viewer).await?,
            None => None,
        };
        match policy::case_access(actor, case.as_ref(), side) {
            Ok(()) => case.ok_or(AppError::NotFound),
            // Nothing to record: whoever may ask this side asked for a case that is not there.
            Err(AppError::NotFound) if case.is_none() => Err(AppError::NotFound),
            Err(refusal) => {
                let case = case.as_ref().map_or("", |c| c.id.as_str());
                self.refused_in(c, actor, AuditAction::PolicyRefused, case, "case")
                    .await?;
                Err(refusal)
            }
        }
    }

    /// A case the actor may write to from `side`: [`Self::case_as`], and the case is not over.
    /// Every use-case that writes to a case's record comes through here or
    /// [`Self::require_open`], the one place the read-only rule lives. `attempt` names what was
    /// tried, for the audit row a refusal writes.
    pub(crate) async fn case_to_write(
        &self,
        c: &mut Conn,
        actor: &Actor,
        id: &CaseId,
        side: CaseSide,
        attempt: &'static str,
    ) -> AppResult<Case> {
        let case = self.case_as(c, actor, id, side).await?;
        self.require_open(c, actor, &case, attempt).await?;
        Ok(case)
    }

    /// Refuses a write to a case that has ended or was referred on (its record is read-only),
    /// and records the refusal (`case.read_only`, the attempt as its subject). A transaction
    /// `c` is rolled back first so that the refusal alone is kept.
    pub(crate) async fn require_open(
        &self,
        c: &mut Conn,
        actor: &Actor,
        case: &Case,
        attempt: &'static str,
    ) -> AppResult<()> {
        if domain::ending::is_over(case.stage) {
            self.refused_in(
                c,
                actor,
                AuditAction::CaseReadOnly,
                case.id.as_str(),
                attempt,
            )
            .await?;
            return Err(AppError::CaseOver);
        }
        Ok(())
    }

    /// A case as the practice itself reaches it (the job runner composing a mail, the holder of a
    /// booking's own link): no signed-in person asks, so no policy is asked and nothing is audited.
    pub(crate) async fn case_for_system(
        &self,
        c: &mut Conn,
        id: &CaseId,
    ) -> AppResult<Option<Case>> {
        // The viewer only counts unread messages, which nothing here needs.
        Ok(store::cases::get(c, id, &UserId::new("")).await?)
    }
}
