//! The practice's own details and crisis contacts, as the owner edits them.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::App;
use domain::practice::{Details, DetailsInput};

impl App {
    pub async fn practice_for_editing(&self, actor: &Actor) -> AppResult<Details> {
        self.require(actor, Action::ManagePractice).await?;
        store::practice::get(self.db())
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn update_practice(&self, actor: &Actor, input: &DetailsInput) -> AppResult<Details> {
        self.require(actor, Action::ManagePractice).await?;
        let details = input.validate()?;
        store::practice::update(self.db(), &details, self.now()).await?;
        self.site_changed();
        Ok(details)
    }
}
