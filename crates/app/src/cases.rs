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
