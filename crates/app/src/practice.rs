//! The practice's own details and crisis contacts, as the owner edits them and as readers see
//! them: each reader's own country's services first (see `domain::crisis`).

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::App;
use domain::audit::AuditAction;
use domain::crisis::{Contacts, Line, LineInput};
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
        store::site::bump(&mut tx).await?;
        tx.commit().await?;
        self.site_changed();
        Ok(details)
    }

    /// Every country's crisis services, for the owner's page.
    pub async fn crisis_lines_for_editing(&self, actor: &Actor) -> AppResult<Vec<Line>> {
        self.require(actor, Action::ManagePractice).await?;
        Ok(store::practice::crisis_lines(&mut self.db().conn().await?).await?)
    }

    /// Adds a country's crisis services or replaces them.
    #[tracing::instrument(skip_all, fields(actor = %actor.audit_id()))]
    pub async fn save_crisis_line(&self, actor: &Actor, input: &LineInput) -> AppResult<Line> {
        self.require(actor, Action::ManagePractice).await?;
        let line = input.validate()?;
        let mut tx = self.db().begin().await?;
        store::practice::save_crisis_line(&mut tx, &line, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::PracticeCrisisLine,
            "",
            &line.country,
            Outcome::Ok,
        )
        .await?;
        store::site::bump(&mut tx).await?;
        tx.commit().await?;
        self.site_changed();
        Ok(line)
    }

    /// Removes a country's crisis services (its readers then see the text for anywhere first).
    #[tracing::instrument(skip_all, fields(actor = %actor.audit_id()))]
    pub async fn remove_crisis_line(&self, actor: &Actor, country: &str) -> AppResult<()> {
        self.require(actor, Action::ManagePractice).await?;
        let code = domain::crisis::country_code(country).ok_or(AppError::NotFound)?;
        let mut tx = self.db().begin().await?;
        if !store::practice::remove_crisis_line(&mut tx, code).await? {
            return Err(AppError::NotFound);
        }
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::PracticeCrisisLine,
            "",
            code,
            Outcome::Ok,
        )
        .await?;
        store::site::bump(&mut tx).await?;
        tx.commit().await?;
        self.site_changed();
        Ok(())
    }

    /// The crisis contacts for a reader in `country` (none: unknown, e.g. a visitor), their own
    /// country's services first. Public: the site's footer shows them to everyone.
    pub async fn crisis_contacts(&self, country: Option<&str>) -> AppResult<Contacts> {
        let practice = self.practice().await?;
        let details = practice.as_ref().as_ref();
        let anywhere = details.map_or(crate::accounts::DEFAULT_CRISIS_CONTACTS, |d| {
            d.crisis_contacts.as_str()
        });
        let home = details.and_then(|d| domain::zones::country_of(&d.time_zone));
        let lines = self
            .cached("crisis-lines".into(), async {
                Ok(store::practice::crisis_lines(&mut self.db().conn().await?).await?)
            })
            .await?;
        Ok(Contacts::arrange(&lines, anywhere, country, home))
    }

    /// Where a person is, for the crisis contacts they see: the country they gave, else the one
    /// their time zone is in.
    pub async fn country_of(
        &self,
        user: &domain::account::User,
    ) -> AppResult<Option<&'static str>> {
        let given = store::users::country(&mut self.db().conn().await?, &user.id).await?;
        Ok(domain::crisis::country_of_person(
            given.as_deref(),
            &user.time_zone,
        ))
    }

    /// The crisis contacts as `user` should see them.
    pub async fn crisis_contacts_for(&self, user: &domain::account::User) -> AppResult<Contacts> {
        let country = self.country_of(user).await?;
        self.crisis_contacts(country).await
    }
}
