//! Articles, FAQ pages and plain pages; their tags; and the redirects left behind by changed slugs.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, placeholders, ts};
use domain::content::{Draft, Lookup, Page, PageKind, Tag};
use domain::ids::PageId;
use jiff::Timestamp;
use std::collections::HashMap;

const COLUMNS: &str =
    "id, kind, slug, title, description, body, position, published_at, updated_at";
#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    kind: String,
    slug: String,
    title: String,
    description: String,
    body: String,
    position: i64,
    published_at: Option<i64>,
    updated_at: i64,
}

fn page(r: Row) -> Page {
    Page {
        id: PageId(r.id),
        kind: PageKind::parse(&r.kind).unwrap_or(PageKind::Page),
        slug: r.slug,
        title: r.title,
        description: r.description,
        body: r.body,
        position: r.position,
        published_at: r.published_at.map(ts),
        updated_at: ts(r.updated_at),
        tags: Vec::new(),
    }
}

/// Which pages a list includes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Published,
    All,
}

impl Visibility {
    fn clause(self) -> &'static str {
        match self {
            Visibility::Published => "AND published_at IS NOT NULL",
            Visibility::All => "",
        }
    }
}

/// Adds a page. `Conflict` when its slug is taken within its kind.
pub async fn create(
    c: &mut Conn,
    kind: PageKind,
    draft: &Draft,
    now: Timestamp,
) -> StoreResult<Page> {
    let id = new_id();
    sqlx::query("INSERT INTO pages (id, kind, slug, title, description, body, position, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)")
        .bind(&id)
        .bind(kind.as_str())
        .bind(&draft.slug)
        .bind(&draft.title)
        .bind(&draft.description)
        .bind(&draft.body)
        .bind(draft.position)
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    // A new page takes its slug back from any redirect that pointed elsewhere.
    sqlx::query("DELETE FROM slug_redirects WHERE kind = $1 AND old_slug = $2")
        .bind(kind.as_str())
        .bind(&draft.slug)
        .execute(c.ex())
        .await?;
    set_tags(c, &id, &draft.tags).await?;
    get(c, &PageId(id)).await?.ok_or(StoreError::NotFound)
}

/// Saves a changed draft. A changed slug leaves a redirect from the old one.
pub async fn update(c: &mut Conn, id: &PageId, draft: &Draft, now: Timestamp) -> StoreResult<Page> {
    let old: Option<(String, String)> =
        sqlx::query_as("SELECT kind, slug FROM pages WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(c.ex())
            .await?;
    let (kind, old_slug) = old.ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE pages SET slug = $1, title = $2, description = $3, body = $4, position = $5, updated_at = $6 WHERE id = $7")
        .bind(&draft.slug)
        .bind(&draft.title)
        .bind(&draft.description)
        .bind(&draft.body)
        .bind(draft.position)
        .bind(ms(now))
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    if old_slug != draft.slug {
        sqlx::query("DELETE FROM slug_redirects WHERE kind = $1 AND old_slug = $2")
            .bind(&kind)
            .bind(&draft.slug)
            .execute(c.ex())
            .await?;
        sqlx::query("INSERT INTO slug_redirects (kind, old_slug, page_id) VALUES ($1, $2, $3) ON CONFLICT (kind, old_slug) DO UPDATE SET page_id = $3")
            .bind(&kind)
            .bind(&old_slug)
            .bind(id.as_str())
            .execute(c.ex())
            .await?;
    }
    set_tags(c, id.as_str(), &draft.tags).await?;
    get(c, id).await?.ok_or(StoreError::NotFound)
}

async fn set_tags(c: &mut Conn, page_id: &str, tags: &[Tag]) -> StoreResult<()> {
    sqlx::query("DELETE FROM page_tags WHERE page_id = $1")
        .bind(page_id)
        .execute(c.ex())
        .await?;
    for tag in tags {
        sqlx::query(
            "INSERT INTO tags (id, slug, name) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING",
        )
        .bind(new_id())
        .bind(&tag.slug)
        .bind(&tag.name)
        .execute(c.ex())
        .await?;
        sqlx::query("INSERT INTO page_tags (page_id, tag_id) SELECT $1, id FROM tags WHERE slug = $2 ON CONFLICT DO NOTHING")
            .bind(page_id)
            .bind(&tag.slug)
            .execute(c.ex())
            .await?;
    }
    // Tags no page uses any more disappear from the tag pages.
    sqlx::query("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM page_tags)")
        .execute(c.ex())
        .await?;
    Ok(())
}

/// Publishes (at `when`) or unpublishes (`None`). Publishing keeps the first publication date.
pub async fn set_published(c: &mut Conn, id: &PageId, when: Option<Timestamp>) -> StoreResult<()> {
    let done = match when {
        Some(t) => {
            sqlx::query("UPDATE pages SET published_at = COALESCE(published_at, $1) WHERE id = $2")
                .bind(ms(t))
                .bind(id.as_str())
                .execute(c.ex())
                .await?
        }
        None => {
            sqlx::query("UPDATE pages SET published_at = NULL WHERE id = $1")
                .bind(id.as_str())
                .execute(c.ex())
                .await?
        }
    };
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Sets the publication date as given (the demo's articles carry their own dates).
pub async fn set_published_at(c: &mut Conn, id: &PageId, when: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE pages SET published_at = $1 WHERE id = $2")
        .bind(ms(when))
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

pub async fn delete(c: &mut Conn, id: &PageId) -> StoreResult<()> {
    sqlx::query("DELETE FROM pages WHERE id = $1")
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    sqlx::query("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM page_tags)")
        .execute(c.ex())
        .await?;
    Ok(())
}

pub async fn get(c: &mut Conn, id: &PageId) -> StoreResult<Option<Page>> {
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM pages WHERE id = $1"))
        .bind(id.as_str())
        .fetch_optional(c.ex())
        .await?;
    let mut pages: Vec<Page> = row.map(page).into_iter().collect();
    attach_tags(c, &mut pages).await?;
    Ok(pages.pop())
}

/// Resolves a public address: the page, a redirect to where it moved, or nothing.
pub async fn by_slug(
    c: &mut Conn,
    kind: PageKind,
    slug: &str,
    visibility: Visibility,
) -> StoreResult<Lookup> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM pages WHERE kind = $1 AND slug = $2 {}",
        visibility.clause()
    ))
    .bind(kind.as_str())
    .bind(slug)
    .fetch_optional(c.ex())
    .await?;
    if let Some(r) = row {
        let mut pages = vec![page(r)];
        attach_tags(c, &mut pages).await?;
        return Ok(pages.pop().map_or(Lookup::Missing, Lookup::Found));
    }
    let moved: Option<String> = sqlx::query_scalar(&format!(
        "SELECT p.slug FROM slug_redirects r JOIN pages p ON p.id = r.page_id WHERE r.kind = $1 AND r.old_slug = $2 {}",
        visibility.clause().replace("published_at", "p.published_at")
    ))
    .bind(kind.as_str())
    .bind(slug)
    .fetch_optional(c.ex())
    .await?;
    Ok(moved.map_or(Lookup::Missing, |s| Lookup::Moved(kind.path(&s))))
}

/// Pages of one kind: articles newest first, FAQ and pages by position then title.
pub async fn list(
    c: &mut Conn,
    kind: PageKind,
    visibility: Visibility,
    offset: u64,
    limit: u32,
) -> StoreResult<Vec<Page>> {
    let order = match kind {
        PageKind::Article => "COALESCE(published_at, updated_at) DESC, id",
        _ => "position, title",
    };
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM pages WHERE kind = $1 {} ORDER BY {order} LIMIT $2 OFFSET $3",
        visibility.clause()
    ))
    .bind(kind.as_str())
    .bind(i64::from(limit))
    .bind(offset as i64)
    .fetch_all(c.ex())
    .await?;
    let mut pages: Vec<Page> = rows.into_iter().map(page).collect();
    attach_tags(c, &mut pages).await?;
    Ok(pages)
}

pub async fn count(c: &mut Conn, kind: PageKind, visibility: Visibility) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM pages WHERE kind = $1 {}",
        visibility.clause()
    ))
    .bind(kind.as_str())
    .fetch_one(c.ex())
    .await?;
    Ok(n as u64)
}

/// Published articles with this tag, newest first.
pub async fn list_tagged(
    c: &mut Conn,
    tag_slug: &str,
    offset: u64,
    limit: u32,
) -> StoreResult<Vec<Page>> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("p.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {cols} FROM pages p JOIN page_tags pt ON pt.page_id = p.id JOIN tags t ON t.id = pt.tag_id
         WHERE t.slug = $1 AND p.kind = 'article' AND p.published_at IS NOT NULL
         ORDER BY p.published_at DESC, p.id LIMIT $2 OFFSET $3"
    ))
    .bind(tag_slug)
    .bind(i64::from(limit))
    .bind(offset as i64)
    .fetch_all(c.ex())
    .await?;
    let mut pages: Vec<Page> = rows.into_iter().map(page).collect();
    attach_tags(c, &mut pages).await?;
    Ok(pages)
}

pub async fn count_tagged(c: &mut Conn, tag_slug: &str) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pages p JOIN page_tags pt ON pt.page_id = p.id JOIN tags t ON t.id = pt.tag_id
         WHERE t.slug = $1 AND p.kind = 'article' AND p.published_at IS NOT NULL",
    )
    .bind(tag_slug)
    .fetch_one(c.ex())
    .await?;
    Ok(n as u64)
}

#[derive(sqlx::FromRow)]
struct TagCount {
    slug: String,
    name: String,
    pages: i64,
}

/// Tags used by at least one published article, with how many, by name.
pub async fn published_tags(c: &mut Conn) -> StoreResult<Vec<(Tag, u64)>> {
    let rows: Vec<TagCount> = sqlx::query_as(
        "SELECT t.slug, t.name, COUNT(*) AS pages FROM tags t JOIN page_tags pt ON pt.tag_id = t.id JOIN pages p ON p.id = pt.page_id
         WHERE p.kind = 'article' AND p.published_at IS NOT NULL GROUP BY t.slug, t.name ORDER BY t.name",
    )
    .fetch_all(c.ex())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                Tag {
                    slug: r.slug,
                    name: r.name,
                },
                r.pages as u64,
            )
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct PageTag {
    page_id: String,
    slug: String,
    name: String,
}

async fn attach_tags(c: &mut Conn, pages: &mut [Page]) -> StoreResult<()> {
    if pages.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT pt.page_id, t.slug, t.name FROM page_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.page_id IN ({}) ORDER BY t.name",
        placeholders(1, pages.len())
    );
    let mut query = sqlx::query_as::<_, PageTag>(&sql);
    for p in pages.iter() {
        query = query.bind(p.id.as_str().to_string());
    }
    let mut by_page: HashMap<String, Vec<Tag>> = HashMap::new();
    for r in query.fetch_all(c.ex()).await? {
        by_page.entry(r.page_id).or_default().push(Tag {
            slug: r.slug,
            name: r.name,
        });
    }
    for p in pages.iter_mut() {
        p.tags = by_page.remove(p.id.as_str()).unwrap_or_default();
    }
    Ok(())
}
