//! The therapist's first-session workspace, the case board, and moving a case along its stages.
//! Only the case's therapist opens a workspace; the patient sees the summary, and only once the
//! therapist shares it.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::audit::AuditAction;
use domain::case::{Case, Stage, TransitionError};
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
    /// Each case with how long it has been at this stage, the longest waiting first (of the
    /// stages a case leaves the path in, only the most recently active).
    pub cases: Vec<(Case, SignedDuration)>,
    /// How many cases are at this stage in all.
    pub total: u64,
}

/// The ended, referred and closed cases the board shows (the most recently active): a practice
/// of ten years has hundreds, and the board is for what is under way.
pub const BOARD_ENDED_SHOWN: u32 = 30;

impl App {
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn workspace(&self, actor: &Actor, id: &CaseId) -> AppResult<WorkspaceView> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Therapist).await?;
        let stored = rows::load(&mut c, &case.id).await?;
        self.audit_in(
            &mut c,
            actor,
            AuditAction::WorkspaceRead,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        let (workspace, saved_at) = match stored {
            Some(s) => (s.workspace, Some(s.updated_at)),
            None => (Workspace::default(), None),
        };
        let consultation = store::cases::booked_in_stage(&mut c, &case.id).await?;
        let now = self.now();
        let moves = case
            .stage
            .next_stages()
            .iter()
            .map(|next| {
                let allowed = case
                    .stage
                    .can_move_at(*next, workspace.decision, consultation, now);
                (*next, allowed)
            })
            .collect();
        Ok(WorkspaceView {
            case,
            workspace,
            saved_at,
            moves,
        })
    }

    /// Saves the whole workspace (the page autosaves it as the therapist types).
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn save_workspace(
        &self,
        actor: &Actor,
        id: &CaseId,
        input: &WorkspaceInput,
    ) -> AppResult<Workspace> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(&mut tx, actor, id, CaseSide::Therapist, "workspace")
            .await?;
        let workspace = input.validate()?;
        rows::save(&mut tx, &case.id, &workspace, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::WorkspaceWrite,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(workspace)
    }

    /// Moves a case to `to`, if the stage rules and what was decided allow it. The stage and its
    /// audit row commit together.
    #[tracing::instrument(skip_all, fields(case = %id, to = ?to))]
    pub async fn move_case(&self, actor: &Actor, id: &CaseId, to: Stage) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_as(&mut tx, actor, id, CaseSide::Therapist)
            .await?;
        // An ended or referred case stays where it is: its record is read-only.
        self.require_open(&mut tx, actor, &case, "stage").await?;
        let decision = rows::load(&mut tx, &case.id)
            .await?
            .and_then(|s| s.workspace.decision);
        let consultation = store::cases::booked_in_stage(&mut tx, &case.id).await?;
        let now = self.now();
        match case.stage.can_move_at(to, decision, consultation, now) {
            Ok(()) => {}
            Err(TransitionError::NotYetHeld) => {
                return Err(AppError::field("stage", "error-stage-not-yet-held"))
            }
            Err(_) => return Err(AppError::field("stage", "error-stage-move")),
        }
        store::cases::set_stage(&mut tx, &case.id, to, now).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::CaseStage,
            case.id.as_str(),
            to.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The therapist's cases by stage, with how long each has waited there.
    #[tracing::instrument(skip_all)]
    pub async fn board(&self, actor: &Actor) -> AppResult<Vec<Column>> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        let (cases, _) = store::cases::caseload(&mut c, &user.id, BOARD_ENDED_SHOWN).await?;
        let counts = store::cases::stage_counts(&mut c, &user.id).await?;
        let since = rows::stage_since(&mut c, &user.id).await?;
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
                            .find(|s| s.case == c.id)
                            .map_or(c.created_at, |s| s.since);
                        (c.clone(), now.duration_since(at))
                    })
                    .collect();
                in_stage.sort_by_key(|c| std::cmp::Reverse(c.1));
                Column {
                    stage: *stage,
                    total: counts
                        .iter()
                        .find(|(s, _)| s == stage)
                        .map_or(0, |(_, n)| *n),
                    cases: in_stage,
                }
            })
            .collect())
    }

    /// What the therapist wrote for the patient, once shared: for the patient's portal.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn shared_summary(&self, actor: &Actor, id: &CaseId) -> AppResult<Option<String>> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Patient).await?;
        let summary = rows::load(&mut c, &case.id)
            .await?
            .map(|s| s.workspace)
            .filter(|w| w.share_summary && !w.content.summary.is_empty())
            .map(|w| w.content.summary);
        if summary.is_some() {
            self.audit_in(
                &mut c,
                actor,
                AuditAction::WorkspaceSummaryRead,
                case.id.as_str(),
                "",
                Outcome::Ok,
            )
            .await?;
        }
        Ok(summary)
    }
}
