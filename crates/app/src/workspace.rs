//! The therapist's first-session workspace, the case board, and moving a case along its stages.
//! Only the case's therapist opens a workspace; the patient sees the summary, and only once the
//! therapist shares it.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::App;
use domain::account::Role;
use domain::case::{Case, Stage};
use domain::ids::CaseId;
use domain::workspace::{Workspace, WorkspaceInput};
use jiff::{SignedDuration, Timestamp};
use store::workspace as rows;

/// A case's workspace as the therapist's page shows it.
#[derive(Clone, Debug)]
pub struct WorkspaceView {
    pub case: Case,
    pub workspace: Workspace,
    pub saved_at: Option<Timestamp>,
    /// Where the case may go from here, and whether what was decided allows it now.
    pub moves: Vec<(Stage, Result<(), domain::case::TransitionError>)>,
}

/// One column of the board.
#[derive(Clone, Debug)]
pub struct Column {
    pub stage: Stage,
    /// Each case with how long it has been at this stage, the longest waiting first.
    pub cases: Vec<(Case, SignedDuration)>,
}

impl App {
    /// The case, if the actor is its therapist. Patients and everyone else are refused as for
    /// any of the therapist's pages (patients: forbidden; other therapists and the owner: the
    /// case does not exist for them).
    async fn therapists_case(&self, actor: &Actor, id: &CaseId) -> AppResult<Case> {
        self.require(actor, Action::KeepCaseload).await?;
        let case = self.case(actor, id).await?;
        if actor.role() == Some(Role::Patient) {
            return Err(AppError::Forbidden);
        }
        Ok(case)
    }

    pub async fn workspace(&self, actor: &Actor, id: &CaseId) -> AppResult<WorkspaceView> {
        let case = self.therapists_case(actor, id).await?;
        let stored = rows::load(self.db(), &case.id).await?;
        self.audit(actor, "workspace.read", case.id.as_str(), "", Outcome::Ok)
            .await?;
        let (workspace, saved_at) = match stored {
            Some((w, at)) => (w, Some(at)),
            None => (Workspace::default(), None),
        };
        let moves = case
            .stage
            .next_stages()
            .iter()
            .map(|next| (*next, case.stage.can_move_to(*next, workspace.decision)))
            .collect();
        Ok(WorkspaceView {
            case,
            workspace,
            saved_at,
            moves,
        })
    }

    /// Saves the whole workspace (the page autosaves it as the therapist types).
    pub async fn save_workspace(
        &self,
        actor: &Actor,
        id: &CaseId,
        input: &WorkspaceInput,
    ) -> AppResult<Workspace> {
        let case = self.therapists_case(actor, id).await?;
        let workspace = input.validate()?;
        rows::save(self.db(), &case.id, &workspace, self.now()).await?;
        self.audit(actor, "workspace.write", case.id.as_str(), "", Outcome::Ok)
            .await?;
        Ok(workspace)
    }

    /// Moves a case to `to`, if the stage rules and what was decided allow it.
    pub async fn move_case(&self, actor: &Actor, id: &CaseId, to: Stage) -> AppResult<()> {
        let case = self.therapists_case(actor, id).await?;
        let decision = rows::load(self.db(), &case.id)
            .await?
            .and_then(|(w, _)| w.decision);
        if case.stage.can_move_to(to, decision).is_err() {
            return Err(AppError::field("stage", "error-stage-move"));
        }
        store::cases::set_stage(&mut self.db().conn().await?, &case.id, to, self.now()).await?;
        self.audit(
            actor,
            "case.stage",
            case.id.as_str(),
            to.as_str(),
            Outcome::Ok,
        )
        .await
    }

    /// The therapist's cases by stage, with how long each has waited there.
    pub async fn board(&self, actor: &Actor) -> AppResult<Vec<Column>> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let cases = store::cases::of_therapist(&mut self.db().conn().await?, &user.id).await?;
        let since = rows::stage_since(self.db(), &user.id).await?;
        let now = self.now();
        Ok(Stage::BOARD
            .iter()
            .map(|stage| {
                let mut in_stage: Vec<(Case, SignedDuration)> = cases
                    .iter()
                    .filter(|c| c.stage == *stage)
                    .map(|c| {
                        let at = since
                            .iter()
                            .find(|(id, _, _)| *id == c.id)
                            .map(|(_, _, at)| *at)
                            .unwrap_or(c.created_at);
                        (c.clone(), now.duration_since(at))
                    })
                    .collect();
                in_stage.sort_by(|a, b| b.1.cmp(&a.1));
                Column {
                    stage: *stage,
                    cases: in_stage,
                }
            })
            .collect())
    }

    /// What the therapist wrote for the patient, once shared: for the patient's portal.
    pub async fn shared_summary(&self, actor: &Actor, id: &CaseId) -> AppResult<Option<String>> {
        let case = self.case(actor, id).await?;
        let summary = rows::load(self.db(), &case.id)
            .await?
            .filter(|(w, _)| w.share_summary && !w.content.summary.is_empty())
            .map(|(w, _)| w.content.summary);
        if summary.is_some() {
            self.audit(
                actor,
                "workspace.summary.read",
                case.id.as_str(),
                "",
                Outcome::Ok,
            )
            .await?;
        }
        Ok(summary)
    }
}
