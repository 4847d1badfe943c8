//! The public site: what a visitor reads. Views are cached for a moment, so a busy article page
//! costs no database work; every write through the admin clears the cache at once and moves the
//! site's version on, and another instance sees the change within `version::CHECK_EVERY`.

mod version;
pub(crate) use version::SiteVersion;
pub use version::CHECK_EVERY;

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::App;
use domain::content::{self, Lookup, Page, PageKind, Paging, Tag, Tagged};
use domain::practice::Details;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::pages::{self, Visibility};

pub const ARTICLES_PER_PAGE: u32 = 10;
pub const RELATED_MAX: usize = 3;
const FRESH_FOR: Duration = Duration::from_secs(2);

/// A page found at its address, or the address it moved to.
pub enum Shown<T> {
    Here(T),
    Moved(String),
}

pub struct Home {
    pub latest: Vec<Page>,
    pub faqs: Vec<Page>,
}

pub struct ArticleView {
    pub page: Page,
    pub html: String,
    pub related: Vec<Page>,
}

pub struct PageView {
    pub page: Page,
    pub html: String,
}

pub struct Listing {
    pub pages: Vec<Page>,
    pub paging: Paging,
}

struct Entry {
    at: Instant,
    value: Arc<dyn Any + Send + Sync>,
}

#[derive(Default)]
pub(crate) struct ViewCache(Mutex<HashMap<String, Entry>>);

impl ViewCache {
    fn get<T: Send + Sync + 'static>(&self, key: &str) -> Option<Arc<T>> {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = map.get(key).filter(|e| e.at.elapsed() < FRESH_FOR)?;
        entry.value.clone().downcast::<T>().ok()
    }

    /// Keeps `value` unless `still_current` says the site changed while it was being loaded (it is
    /// asked under the lock that `clear` takes, so a view loaded before a change never outlives it).
    fn put<T: Send + Sync + 'static>(
        &self,
        key: String,
        value: Arc<T>,
        still_current: impl FnOnce() -> bool,
    ) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !still_current() {
            return;
        }
        if map.len() > 2_000 {
            map.retain(|_, e| e.at.elapsed() < FRESH_FOR);
        }
        map.insert(
            key,
            Entry {
                at: Instant::now(),
                value,
            },
        );
    }

    pub(crate) fn clear(&self) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

struct Indexed(Page, Vec<String>);

impl Tagged for Indexed {
    fn key(&self) -> &str {
        self.0.id.as_str()
    }
    fn tag_slugs(&self) -> &[String] {
        &self.1
    }
    fn published(&self) -> i64 {
        self.0.published_at.map_or(0, jiff::Timestamp::as_second)
    }
}

impl App {
    pub(crate) async fn cached<T, F>(&self, key: String, load: F) -> AppResult<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: std::future::Future<Output = AppResult<T>>,
    {
        if let Some(hit) = self.inner.views.get::<T>(&key) {
            return Ok(hit);
        }
        let version = &self.inner.site_version;
        let generation = version.current();
        let value = Arc::new(load.await?);
        self.inner
            .views
            .put(key, value.clone(), || version.current() == generation);
        Ok(value)
    }

    /// The practice's details, which every page shows (name, crisis contacts). `None` before setup.
    pub async fn practice(&self) -> AppResult<Arc<Option<Details>>> {
        self.cached("practice".into(), async {
            Ok(store::practice::get(&mut self.db().conn().await?).await?)
        })
        .await
    }

    /// The slugs of the published plain pages (about, fees, privacy…), for the navigation.
    pub async fn site_pages(&self) -> AppResult<Vec<String>> {
        let pages = self
            .cached("site-pages".into(), async {
                let mut c = self.db().conn().await?;
                Ok(
                    pages::list(&mut c, PageKind::Page, Visibility::Published, 0, 100)
                        .await?
                        .into_iter()
                        .map(|p| p.slug)
                        .collect::<Vec<_>>(),
                )
            })
            .await?;
        Ok((*pages).clone())
    }

    pub async fn home(&self, actor: &Actor) -> AppResult<Arc<Home>> {
        self.require(actor, Action::ReadPublicSite).await?;
        self.cached("home".into(), async {
            let mut c = self.db().conn().await?;
            Ok(Home {
                latest: pages::list(&mut c, PageKind::Article, Visibility::Published, 0, 3).await?,
                faqs: pages::list(&mut c, PageKind::Faq, Visibility::Published, 0, 50).await?,
            })
        })
        .await
    }

    pub async fn article(&self, actor: &Actor, slug: &str) -> AppResult<Shown<Arc<ArticleView>>> {
        self.require(actor, Action::ReadPublicSite).await?;
        let page = match self.published(PageKind::Article, slug).await? {
            Shown::Here(page) => page,
            Shown::Moved(to) => return Ok(Shown::Moved(to)),
        };
        let view = self
            .cached(format!("article:{slug}"), async {
                let index = self.article_index().await?;
                let current = Indexed(page.clone(), page.tag_slug_list());
                let related = content::related(&current, &index, RELATED_MAX)
                    .into_iter()
                    .map(|i| i.0.clone())
                    .collect();
                Ok(ArticleView {
                    html: domain::markdown::to_html(&page.body),
                    page,
                    related,
                })
            })
            .await?;
        Ok(Shown::Here(view))
    }

    /// A FAQ page or a plain page (about, fees, privacy).
    pub async fn page(
        &self,
        actor: &Actor,
        kind: PageKind,
        slug: &str,
    ) -> AppResult<Shown<Arc<PageView>>> {
        self.require(actor, Action::ReadPublicSite).await?;
        match self.published(kind, slug).await? {
            Shown::Here(page) => {
                let key = format!("{}:{slug}", kind.as_str());
                let view = self
                    .cached(key, async {
                        Ok(PageView {
                            html: domain::markdown::to_html(&page.body),
                            page,
                        })
                    })
                    .await?;
                Ok(Shown::Here(view))
            }
            Shown::Moved(to) => Ok(Shown::Moved(to)),
        }
    }

    async fn published(&self, kind: PageKind, slug: &str) -> AppResult<Shown<Page>> {
        if domain::slug::check(slug).is_err() {
            return Err(AppError::NotFound);
        }
        let lookup = self
            .cached(format!("lookup:{}:{slug}", kind.as_str()), async {
                let mut c = self.db().conn().await?;
                Ok(pages::by_slug(&mut c, kind, slug, Visibility::Published).await?)
            })
            .await?;
        match &*lookup {
            Lookup::Found(page) => Ok(Shown::Here(page.clone())),
            Lookup::Moved(to) => Ok(Shown::Moved(to.clone())),
            Lookup::Missing => Err(AppError::NotFound),
        }
    }

    /// Every published article with its tags, without bodies: what "related" chooses from.
    async fn article_index(&self) -> AppResult<Vec<Indexed>> {
        let all = pages::list(
            &mut self.db().conn().await?,
            PageKind::Article,
            Visibility::Published,
            0,
            10_000,
        )
        .await?;
        Ok(all
            .into_iter()
            .map(|mut p| {
                p.body.clear();
                let tags = p.tag_slug_list();
                Indexed(p, tags)
            })
            .collect())
    }

    pub async fn articles(&self, actor: &Actor, page: Option<&str>) -> AppResult<Listing> {
        self.require(actor, Action::ReadPublicSite).await?;
        let mut c = self.db().conn().await?;
        let total = pages::count(&mut c, PageKind::Article, Visibility::Published).await?;
        let paging = Paging::new(page, ARTICLES_PER_PAGE, total);
        let pages = pages::list(
            &mut c,
            PageKind::Article,
            Visibility::Published,
            paging.offset(),
            paging.per_page,
        )
        .await?;
        Ok(Listing { pages, paging })
    }

    pub async fn tagged(
        &self,
        actor: &Actor,
        tag_slug: &str,
        page: Option<&str>,
    ) -> AppResult<(Tag, Listing)> {
        self.require(actor, Action::ReadPublicSite).await?;
        let tag = self
            .tags(actor)
            .await?
            .into_iter()
            .map(|(t, _)| t)
            .find(|t| t.slug == tag_slug)
            .ok_or(AppError::NotFound)?;
        let mut c = self.db().conn().await?;
        let total = pages::count_tagged(&mut c, tag_slug).await?;
        let paging = Paging::new(page, ARTICLES_PER_PAGE, total);
        let pages = pages::list_tagged(&mut c, tag_slug, paging.offset(), paging.per_page).await?;
        Ok((tag, Listing { pages, paging }))
    }

    pub async fn tags(&self, actor: &Actor) -> AppResult<Vec<(Tag, u64)>> {
        self.require(actor, Action::ReadPublicSite).await?;
        Ok(pages::published_tags(&mut self.db().conn().await?).await?)
    }

    pub async fn faqs(&self, actor: &Actor) -> AppResult<Vec<Page>> {
        self.require(actor, Action::ReadPublicSite).await?;
        let mut c = self.db().conn().await?;
        Ok(pages::list(&mut c, PageKind::Faq, Visibility::Published, 0, 200).await?)
    }

    /// Everything published, for the sitemap: (path, last change).
    pub async fn sitemap(&self, actor: &Actor) -> AppResult<Vec<(String, jiff::Timestamp)>> {
        self.require(actor, Action::ReadPublicSite).await?;
        let mut entries = Vec::new();
        let mut c = self.db().conn().await?;
        for kind in [PageKind::Page, PageKind::Faq, PageKind::Article] {
            for p in pages::list(&mut c, kind, Visibility::Published, 0, 10_000).await? {
                entries.push((p.path(), p.updated_at));
            }
        }
        Ok(entries)
    }

    /// The newest articles for the Atom feed.
    pub async fn feed(&self, actor: &Actor) -> AppResult<Vec<(Page, String)>> {
        self.require(actor, Action::ReadPublicSite).await?;
        let mut c = self.db().conn().await?;
        let pages = pages::list(&mut c, PageKind::Article, Visibility::Published, 0, 20).await?;
        Ok(pages
            .into_iter()
            .map(|p| {
                let html = domain::markdown::to_html(&p.body);
                (p, html)
            })
            .collect())
    }

    /// What a visitor reads changed (through this instance): pages and views made before are
    /// dropped at once. The write itself moved the database's version on (`store::site::bump`),
    /// which tells the other instances.
    pub(crate) fn site_changed(&self) {
        self.inner.site_version.advance();
        self.inner.views.clear();
    }
}
