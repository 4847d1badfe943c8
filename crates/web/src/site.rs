//! The public site's pages, the sitemap, the Atom feed, images and the health checks.

use crate::error::{WebError, WebResult};
use crate::extract::Caller;
use crate::extract::Path;
use crate::view::{self, Chrome};
use crate::{i18n, WebState};
use app::site::{ArticleView, Home, Listing, PageView, Shown};
use app::AppError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::content::{Page, PageKind, Tag};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate {
    chrome: Chrome,
    home: Arc<Home>,
    intro: String,
}

pub async fn home(State(state): State<WebState>, Caller(actor): Caller) -> WebResult<Response> {
    let home = state.app.home(&actor).await?;
    let practice = state.app.practice().await?;
    let Some(details) = practice.as_ref() else {
        return Ok(Html(render(WelcomeTemplate {
            chrome: Chrome::public(&state, String::new(), String::new(), Some("/")).await,
        })?)
        .into_response());
    };
    let description = if details.tagline.is_empty() {
        domain::markdown::plain_text(&details.home_intro, 160)
    } else {
        details.tagline.clone()
    };
    let chrome = Chrome::public(&state, String::new(), description, Some("/")).await;
    let intro = domain::markdown::to_html(&details.home_intro);
    Ok(Html(render(HomeTemplate {
        chrome,
        home,
        intro,
    })?)
    .into_response())
}

/// Before the practice is created: a page that says so, nothing more.
#[derive(Template)]
#[template(
    source = r#"{% extends "base.html" %}{% block content %}<div class="prose narrow"><h1>{{ chrome.t("welcome-heading") }}</h1><p>{{ chrome.t("welcome-text") }}</p></div>{% endblock %}"#,
    ext = "html"
)]
struct WelcomeTemplate {
    chrome: Chrome,
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticleTemplate {
    chrome: Chrome,
    view: Arc<ArticleView>,
}

pub async fn article(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    match state.app.article(&actor, &slug).await? {
        Shown::Moved(to) => Ok(Redirect::permanent(&to).into_response()),
        Shown::Here(view) => {
            let mut chrome = Chrome::public(
                &state,
                view.page.title.clone(),
                view.page.summary(),
                Some(&view.page.path()),
            )
            .await;
            chrome.og_type = "article";
            Ok(Html(render(ArticleTemplate { chrome, view })?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "page.html")]
struct PageTemplate {
    chrome: Chrome,
    view: Arc<PageView>,
    others: Vec<Page>,
}

async fn show_page(
    state: &WebState,
    actor: &app::Actor,
    kind: PageKind,
    slug: &str,
) -> WebResult<Response> {
    match state.app.page(actor, kind, slug).await? {
        Shown::Moved(to) => Ok(Redirect::permanent(&to).into_response()),
        Shown::Here(view) => {
            let others = if kind == PageKind::Faq {
                state
                    .app
                    .faqs(actor)
                    .await?
                    .into_iter()
                    .filter(|p| p.id != view.page.id)
                    .collect()
            } else {
                Vec::new()
            };
            let chrome = Chrome::public(
                state,
                view.page.title.clone(),
                view.page.summary(),
                Some(&view.page.path()),
            )
            .await;
            Ok(Html(render(PageTemplate {
                chrome,
                view,
                others,
            })?)
            .into_response())
        }
    }
}

/// GET /{slug}: about, fees, privacy and any other plain page.
pub async fn page(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    show_page(&state, &actor, PageKind::Page, &slug).await
}

pub async fn faq(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    show_page(&state, &actor, PageKind::Faq, &slug).await
}

#[derive(Template)]
#[template(path = "faqs.html")]
struct FaqsTemplate {
    chrome: Chrome,
    faqs: Vec<Page>,
}

pub async fn faqs(State(state): State<WebState>, Caller(actor): Caller) -> WebResult<Response> {
    let faqs = state.app.faqs(&actor).await?;
    let chrome = Chrome::public(
        &state,
        view::tr("faq-heading"),
        view::tr("faq-description"),
        Some("/faq"),
    )
    .await;
    Ok(Html(render(FaqsTemplate { chrome, faqs })?).into_response())
}

#[derive(Template)]
#[template(path = "articles.html")]
struct ArticlesTemplate {
    chrome: Chrome,
    heading: String,
    listing: Listing,
    base_path: String,
    page_of: String,
    tags: Vec<(Tag, u64)>,
}

fn page_of(listing: &Listing) -> String {
    i18n::t_with(
        "page-of",
        &[
            ("page", listing.paging.page.to_string()),
            ("last", listing.paging.last().to_string()),
        ],
    )
}

pub async fn articles(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Query(q): Query<PageQuery>,
) -> WebResult<Response> {
    let listing = state.app.articles(&actor, q.page.as_deref()).await?;
    let tags = state.app.tags(&actor).await?;
    let path = if listing.paging.page > 1 {
        format!("/articles?page={}", listing.paging.page)
    } else {
        "/articles".into()
    };
    let chrome = Chrome::public(
        &state,
        view::tr("articles-heading"),
        view::tr("articles-description"),
        Some(&path),
    )
    .await;
    let page_of = page_of(&listing);
    Ok(Html(render(ArticlesTemplate {
        chrome,
        heading: view::tr("articles-heading"),
        listing,
        base_path: "/articles".into(),
        page_of,
        tags,
    })?)
    .into_response())
}

pub async fn tag(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> WebResult<Response> {
    let (tag, listing) = state.app.tagged(&actor, &slug, q.page.as_deref()).await?;
    let heading = i18n::t_with("tag-heading", &[("tag", tag.name.clone())]);
    let base_path = format!("/tags/{}", tag.slug);
    let chrome = Chrome::public(&state, heading.clone(), heading.clone(), Some(&base_path)).await;
    let page_of = page_of(&listing);
    Ok(Html(render(ArticlesTemplate {
        chrome,
        heading,
        listing,
        base_path,
        page_of,
        tags: Vec::new(),
    })?)
    .into_response())
}

#[derive(Template)]
#[template(
    source = r#"{% extends "base.html" %}{% block content %}<h1>{{ chrome.t("tags-heading") }}</h1>{% if tags.is_empty() %}<p>{{ chrome.t("articles-none") }}</p>{% endif %}<ul class="tag-cloud">{% for (tag, n) in tags %}<li><a href="/tags/{{ tag.slug }}">{{ tag.name }} <span class="count">({{ n }})</span></a></li>{% endfor %}</ul>{% endblock %}"#,
    ext = "html"
)]
struct TagsTemplate {
    chrome: Chrome,
    tags: Vec<(Tag, u64)>,
}

pub async fn tags(State(state): State<WebState>, Caller(actor): Caller) -> WebResult<Response> {
    let tags = state.app.tags(&actor).await?;
    let chrome = Chrome::public(
        &state,
        view::tr("tags-heading"),
        view::tr("articles-description"),
        Some("/tags"),
    )
    .await;
    Ok(Html(render(TagsTemplate { chrome, tags })?).into_response())
}

#[derive(Template)]
#[template(path = "sitemap.xml")]
struct SitemapTemplate {
    entries: Vec<(String, String)>,
}

pub async fn sitemap(State(state): State<WebState>, Caller(actor): Caller) -> WebResult<Response> {
    let mut entries = vec![
        (state.app.link("/"), String::new()),
        (state.app.link("/articles"), String::new()),
        (state.app.link("/faq"), String::new()),
        (state.app.link("/contact"), String::new()),
    ];
    for (path, at) in state.app.sitemap(&actor).await? {
        entries.push((state.app.link(&path), at.strftime("%Y-%m-%d").to_string()));
    }
    let xml = render(SitemapTemplate { entries })?;
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

struct FeedEntry {
    title: String,
    url: String,
    published: String,
    updated: String,
    summary: String,
    html: String,
}

#[derive(Template)]
#[template(path = "feed.xml")]
struct FeedTemplate {
    title: String,
    site: String,
    author: String,
    updated: String,
    entries: Vec<FeedEntry>,
}

pub async fn feed(State(state): State<WebState>, Caller(actor): Caller) -> WebResult<Response> {
    let practice = state.app.practice().await?;
    let details = practice
        .as_ref()
        .as_ref()
        .ok_or(WebError(AppError::NotFound))?;
    let items = state.app.feed(&actor).await?;
    let entries: Vec<FeedEntry> = items
        .into_iter()
        .map(|(p, html)| FeedEntry {
            url: state.app.link(&p.path()),
            published: p.published_at.unwrap_or(p.updated_at).to_string(),
            updated: p.updated_at.to_string(),
            summary: p.summary(),
            title: p.title,
            html,
        })
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated.clone())
        .max()
        .unwrap_or_else(|| jiff::Timestamp::UNIX_EPOCH.to_string());
    let xml = render(FeedTemplate {
        title: details.name.clone(),
        site: state.app.link(""),
        author: details.owner_name.clone(),
        updated,
        entries,
    })?;
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

pub async fn robots(State(state): State<WebState>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /admin\nDisallow: /setup\nSitemap: {}\n",
        state.app.link("/sitemap.xml")
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// Alive: the process answers HTTP. Touches nothing else, so a slow database does not get a
/// healthy process restarted.
pub async fn healthz() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ok").into_response()
}

/// Ready for traffic: 200 when the process is not stopping, the database answers and the job
/// runner goes round; 503 naming what is not ready otherwise (a part's name only, never an
/// error's text).
pub async fn readyz(State(state): State<WebState>) -> Response {
    let not_ready = state.app.not_ready().await;
    let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    if not_ready.is_empty() {
        (StatusCode::OK, plain, "ready".to_string()).into_response()
    } else {
        let body = format!("not ready: {}", not_ready.join(", "));
        (StatusCode::SERVICE_UNAVAILABLE, plain, body).into_response()
    }
}

/// GET /media/{hash}.{ext}: an uploaded image; its address never changes, so it is cached for good.
pub async fn media(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(file): Path<String>,
) -> WebResult<Response> {
    let hash = file.split('.').next().unwrap_or("");
    let (content_type, bytes) = state.app.image(&actor, hash).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn not_found() -> WebError {
    WebError(AppError::NotFound)
}

pub(crate) fn render<T: Template>(t: T) -> WebResult<String> {
    Ok(t.render()?)
}
