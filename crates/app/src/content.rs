//! The therapist's writing: articles, FAQ pages and plain pages, from draft to published.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::App;
use domain::content::{Draft, DraftInput, Page, PageKind};
use domain::ids::PageId;
use store::pages::{self, Visibility};
use store::StoreError;

impl App {
    /// Every page of a kind, drafts included, for the admin.
    pub async fn all_pages(&self, actor: &Actor, kind: PageKind) -> AppResult<Vec<Page>> {
        self.require(actor, Action::ManageContent).await?;
        let mut c = self.db().conn().await?;
        Ok(pages::list(&mut c, kind, Visibility::All, 0, 10_000).await?)
    }

    pub async fn page_for_editing(&self, actor: &Actor, id: &PageId) -> AppResult<Page> {
        self.require(actor, Action::ManageContent).await?;
        pages::get(&mut self.db().conn().await?, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// A new page with its tags, committed together.
    #[tracing::instrument(skip_all, fields(kind = kind.as_str()))]
    pub async fn create_page(
        &self,
        actor: &Actor,
        kind: PageKind,
        input: &DraftInput,
    ) -> AppResult<Page> {
        self.require(actor, Action::ManageContent).await?;
        let draft = Draft::validate(input)?;
        let mut tx = self.db().begin().await?;
        let page = pages::create(&mut tx, kind, &draft, self.now())
            .await
            .map_err(slug_taken)?;
        store::site::bump(&mut tx).await?;
        tx.commit().await?;
        self.site_changed();
        Ok(page)
    }

    /// A changed page, its tags and the redirect from a changed slug, committed together.
    #[tracing::instrument(skip_all, fields(page = %id))]
    pub async fn update_page(
        &self,
        actor: &Actor,
        id: &PageId,
        input: &DraftInput,
    ) -> AppResult<Page> {
        self.require(actor, Action::ManageContent).await?;
        let draft = Draft::validate(input)?;
        let mut tx = self.db().begin().await?;
        let page = pages::update(&mut tx, id, &draft, self.now())
            .await
            .map_err(slug_taken)?;
        store::site::bump(&mut tx).await?;
        tx.commit().await?;
        self.site_changed();
        Ok(page)
    }

    #[tracing::instrument(skip_all, fields(page = %id, published))]
    pub async fn set_page_published(
        &self,
        actor: &Actor,
        id: &PageId,
        published: bool,
    ) -> AppResult<()> {
        self.require(actor, Action::ManageContent).await?;
        let mut tx = self.db().begin().await?;
        pages::set_published(&mut tx, id, published.then(|| self.now()))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AppError::NotFound,
                e => e.into(),
            })?;
        store::site::bump(&mut tx).await?;
        tx.commit().await?;
        self.site_changed();
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(page = %id))]
    pub async fn delete_page(&self, actor: &Actor, id: &PageId) -> AppResult<()> {
        self.require(actor, Action::ManageContent).await?;
        let mut tx = self.db().begin().await?;
        pages::delete(&mut tx, id).await?;
        store::site::bump(&mut tx).await?;
        tx.commit().await?;
        self.site_changed();
        Ok(())
    }

    /// Whether the actor may open the admin at all.
    pub async fn enter_admin(&self, actor: &Actor) -> AppResult<()> {
        self.require(actor, Action::OpenAdmin).await
    }

    /// Whether the actor may open an empty editor.
    pub async fn start_draft(&self, actor: &Actor) -> AppResult<()> {
        self.require(actor, Action::ManageContent).await
    }

    /// The Markdown as the published page will show it.
    pub async fn preview(&self, actor: &Actor, body: &str) -> AppResult<String> {
        self.require(actor, Action::ManageContent).await?;
        Ok(domain::markdown::to_html(body))
    }
}

fn slug_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict => AppError::field("slug", "error-slug-taken"),
        StoreError::NotFound => AppError::NotFound,
        e => e.into(),
    }
}
