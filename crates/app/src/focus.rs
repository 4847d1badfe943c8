//! The path ahead, kept: the case's therapist keeps a treatment focus (seeded from the first
//! session's "what is going on and how we might work together"), its goals and review date, and
//! adds dated reviews that are never edited. Every opening is audited; once the case is over,
//! nothing here writes.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::CaseSide;
use crate::App;
use domain::audit::AuditAction;
use domain::case::Case;
use domain::focus::{Focus, FocusInput};
use domain::ids::CaseId;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use store::focus::Review;

/// A case's focus as its page shows it.
#[derive(Clone, Debug)]
pub struct FocusView {
    pub case: Case,
    pub focus: Focus,
    pub review_on: Option<Date>,
    /// When the focus was first kept; `None` while it is only seeded from the workspace.
    pub started_at: Option<Timestamp>,
    /// The reviews, newest first.
    pub reviews: Vec<Review>,
}

impl App {
    /// The therapist's calendar day now, in the therapist's zone.
    pub(crate) fn therapist_today(&self, case: &Case) -> Date {
        self.now().to_zoned(therapist_zone(case)).date()
    }

    /// The case's focus and reviews; before it was first kept, the focus is seeded from the
    /// workspace's path ahead. The opening is audited.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn treatment_focus(&self, actor: &Actor, id: &CaseId) -> AppResult<FocusView> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Therapist).await?;
        let kept = store::focus::load(&mut c, &case.id).await?;
        let reviews = store::focus::reviews(&mut c, &case.id).await?;
        let (focus, review_on, started_at) = match kept {
            Some(k) => (k.focus, k.review_on, Some(k.started_at)),
            None => {
                let content = store::workspace::load(&mut c, &case.id)
                    .await?
                    .map(|s| s.workspace.content)
                    .unwrap_or_default();
                let seeded = domain::focus::seeded_from(
                    &content.going_on,
                    &[&content.frequency, &content.modality],
                );
                (seeded, None, None)
            }
        };
        self.audit_in(
            &mut c,
            actor,
            AuditAction::FocusRead,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        Ok(FocusView {
            case,
            focus,
            review_on,
            started_at,
            reviews,
        })
    }

    /// Keeps the focus, its goals and review date.
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn save_focus(
        &self,
        actor: &Actor,
        id: &CaseId,
        input: &FocusInput,
    ) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(&mut tx, actor, id, CaseSide::Therapist, "focus")
            .await?;
        let checked = input.validate(self.therapist_today(&case))?;
        store::focus::save(
            &mut tx,
            &case.id,
            &checked.focus,
            checked.review_on,
            self.now(),
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::FocusWrite,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a dated review; a review is never changed afterwards (another one is added).
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn add_focus_review(&self, actor: &Actor, id: &CaseId, text: &str) -> AppResult<()> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(&mut tx, actor, id, CaseSide::Therapist, "focus_review")
            .await?;
        let text = domain::focus::review(text)?;
        store::focus::add_review(&mut tx, &case.id, &text, &user.id, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::FocusReview,
            case.id.as_str(),
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The therapist's zone (UTC if it cannot be read).
pub(crate) fn therapist_zone(case: &Case) -> TimeZone {
    TimeZone::get(&case.therapist.time_zone).unwrap_or(TimeZone::UTC)
}
