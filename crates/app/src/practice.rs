//! The practice's own details and crisis contacts, as the owner edits them.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::App;
use domain::practice::{Details, DetailsInput};

impl App {
    pub async fn practice_for_editing(&self, actor: &Actor) -> AppResult<Details> {
        self.require(actor, Action::ManagePractice).await?;
        store::practice::get(&mut self.db().conn().await?)
            .await?
            .ok_or(AppError::NotFound)
    }

    #[tracing::instrument(skip_all, fields(actor = %actor.audit_id()))]
    pub async fn update_practice(&self, actor: &Actor, input: &DetailsInput) -> AppResult<Details> {
        self.require(actor, Action::ManagePractice).await?;
        let details = input.validate()?;
        let mut tx = self.db().begin().await?;
        store::practice::update(&mut tx, &details, self.now()).await?;
        tx.commit().await?;
        self.site_changed();
        Ok(details)
    }
}
