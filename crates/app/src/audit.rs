//! Writing to and reading the audit log. Every read and write of sealed text, every sign-in
//! (and failed one), sign-out and policy refusal is appended; nothing is appended with content.

mod checkpoints;

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action, CaseSide};
use crate::App;
use domain::audit::AuditAction;
use store::audit::{self, Entry, Event};

pub use store::audit::Entry as AuditEntry;
pub use store::audit::Verdict as AuditVerdict;

/// What came of an audited action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Refused,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

fn event(
    actor_id: &str,
    source: &str,
    action: AuditAction,
    case: &str,
    subject: &str,
    outcome: Outcome,
) -> Event {
    Event {
        actor_id: actor_id.to_string(),
        action: action.as_str().to_string(),
        case_id: case.to_string(),
        subject: subject.to_string(),
        outcome: outcome.as_str().to_string(),
        source: source.to_string(),
    }
}

impl App {
    /// Appends one event. An action on sealed data fails if its audit entry cannot be written.
    pub(crate) async fn audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        case: &str,
        subject: &str,
        outcome: Outcome,
    ) -> AppResult<()> {
        self.audit_as(
            &actor.audit_id(),
            &actor.source,
            action,
            case,
            subject,
            outcome,
        )
        .await
    }

    pub(crate) async fn audit_as(
        &self,
        actor_id: &str,
        source: &str,
        action: AuditAction,
        case: &str,
        subject: &str,
        outcome: Outcome,
    ) -> AppResult<()> {
        let event = event(actor_id, source, action, case, subject, outcome);
        audit::append_alone(self.db(), &event, self.now()).await?;
        Ok(())
    }

    /// Appends one event inside the use-case's transaction: it commits with what it records.
    pub(crate) async fn audit_in(
        &self,
        tx: &mut store::Conn,
        actor: &Actor,
        action: AuditAction,
        case: &str,
        subject: &str,
        outcome: Outcome,
    ) -> AppResult<()> {
        self.audit_as_in(
            tx,
            &actor.audit_id(),
            &actor.source,
            action,
            case,
            subject,
            outcome,
        )
        .await
    }

    /// `audit_in` for an actor known by id (a visitor who just became a patient, the job runner).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn audit_as_in(
        &self,
        tx: &mut store::Conn,
        actor_id: &str,
        source: &str,
        action: AuditAction,
        case: &str,
        subject: &str,
        outcome: Outcome,
    ) -> AppResult<()> {
        let event = event(actor_id, source, action, case, subject, outcome);
        audit::append(tx, &event, self.now()).await?;
        Ok(())
    }

    /// Records a refusal found inside a use-case's transaction: what the use-case wrote so far is
    /// rolled back, and the refusal alone is kept (the use-case then answers with its error).
    pub(crate) async fn refused_in(
        &self,
        tx: &mut store::Conn,
        actor: &Actor,
        action: AuditAction,
        case: &str,
        subject: &str,
    ) -> AppResult<()> {
        tx.roll_back().await?;
        self.audit_in(tx, actor, action, case, subject, Outcome::Refused)
            .await
    }

    /// The policy's answer; a refusal is written to the audit log.
    pub(crate) async fn require(&self, actor: &Actor, action: Action) -> AppResult<()> {
        match policy::require(actor, action) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.audit(
                    actor,
                    AuditAction::PolicyRefused,
                    "",
                    &format!("{action:?}"),
                    Outcome::Refused,
                )
                .await?;
                Err(e)
            }
        }
    }

    /// The newest audit entries, practice-wide or for one case. The owner reads practice-wide
    /// events, less everything of colleagues' cases; a therapist reads the events of one of their
    /// own cases.
    #[tracing::instrument(skip_all)]
    pub async fn audit_log(&self, actor: &Actor, case: Option<&str>) -> AppResult<Vec<Entry>> {
        let case = case.filter(|c| !c.is_empty());
        let mut c = self.db().conn().await?;
        match case {
            Some(id) if policy::can(actor, Action::ReadAudit) != policy::Decision::Allow => {
                let id = domain::ids::CaseId::new(id);
                self.case_as(&mut c, actor, &id, CaseSide::Therapist)
                    .await?;
            }
            _ => self.require(actor, Action::ReadAudit).await?,
        }
        let reader = actor.user().ok_or(AppError::Unauthenticated)?;
        Ok(audit::recent_for(&mut c, case, &reader.id, 500).await?)
    }
}
