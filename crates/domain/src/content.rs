//! Articles, FAQ pages and plain pages: what a draft must hold, tags, related articles, paging.

use crate::slug;
use crate::validation::{self, FieldErrors, Validated};
use serde::{Deserialize, Serialize};

/// Where a piece of writing lives on the site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// Under /articles/{slug}, listed, tagged, in the feed.
    Article,
    /// Under /faq/{slug}, in the FAQ list by position.
    Faq,
    /// At /{slug}: about, fees, privacy.
    Page,
}

impl PageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::Article => "article",
            PageKind::Faq => "faq",
            PageKind::Page => "page",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "article" => Some(PageKind::Article),
            "faq" => Some(PageKind::Faq),
            "page" => Some(PageKind::Page),
            _ => None,
        }
    }

    /// The public path of a piece of this kind with this slug.
    pub fn path(self, slug: &str) -> String {
        match self {
            PageKind::Article => format!("/articles/{slug}"),
            PageKind::Faq => format!("/faq/{slug}"),
            PageKind::Page => format!("/{slug}"),
        }
    }
}

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 300;
pub const BODY_MAX: usize = 200_000;
pub const TAG_MAX: usize = 40;
pub const TAGS_MAX: usize = 12;

/// A draft as the therapist typed it.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct DraftInput {
    pub title: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub position: String,
}

/// A draft that may be saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub body: String,
    pub tags: Vec<Tag>,
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Tag {
    pub name: String,
    pub slug: String,
}

impl Draft {
    pub fn validate(input: &DraftInput) -> Validated<Draft> {
        let mut errors = FieldErrors::default();
        let title = validation::line(&mut errors, "title", &input.title, true, TITLE_MAX);
        let slug_raw = input.slug.trim();
        let slug = if slug_raw.is_empty() {
            slug::slugify(&title)
        } else {
            slug_raw.to_string()
        };
        if let Err(message) = slug::check(&slug) {
            errors.add("slug", message);
        }
        let description = validation::line(
            &mut errors,
            "description",
            &input.description,
            false,
            DESCRIPTION_MAX,
        );
        let body = validation::text(&mut errors, "body", &input.body, false, BODY_MAX);
        let tags = parse_tags(&mut errors, &input.tags);
        let position = match input.position.trim() {
            "" => 0,
            raw => raw
                .parse::<i64>()
                .ok()
                .filter(|p| (0..=10_000).contains(p))
                .unwrap_or_else(|| {
                    errors.add("position", "error-number");
                    0
                }),
        };
        errors.finish(Draft {
            title,
            slug,
            description,
            body,
            tags,
            position,
        })
    }
}

/// Comma-separated tags: trimmed, de-duplicated by slug, in the order typed.
fn parse_tags(errors: &mut FieldErrors, raw: &str) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name.chars().count() > TAG_MAX || name.chars().any(char::is_control) {
            errors.add("tags", "error-tag-too-long");
            continue;
        }
        let tag = Tag {
            name: name.to_string(),
            slug: slug::slugify(name),
        };
        if !tags.iter().any(|t| t.slug == tag.slug) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        errors.add("tags", "error-too-many-tags");
    }
    tags
}

/// What the related-articles rule needs to know of an article.
pub trait Tagged {
    fn key(&self) -> &str;
    fn tag_slugs(&self) -> &[String];
    /// Seconds since the epoch; newer is larger.
    fn published(&self) -> i64;
}

/// "Related articles": most shared tags first, then newest; never the article itself, never one that
/// shares nothing, at most `limit`.
pub fn related<'a, T: Tagged>(current: &T, candidates: &'a [T], limit: usize) -> Vec<&'a T> {
    let mut scored: Vec<(usize, &T)> = candidates
        .iter()
        .filter(|c| c.key() != current.key())
        .map(|c| (shared(current.tag_slugs(), c.tag_slugs()), c))
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by(|(na, a), (nb, b)| {
        nb.cmp(na)
            .then(b.published().cmp(&a.published()))
            .then(a.key().cmp(b.key()))
    });
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

fn shared(a: &[String], b: &[String]) -> usize {
    a.iter().filter(|t| b.contains(t)).count()
}

/// One page of a list: which page, how many in all, and what to skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
}

impl Paging {
    /// Page numbers start at 1; nonsense (0, negative, text, beyond the end) clamps to a real page.
    pub fn new(requested: Option<&str>, per_page: u32, total: u64) -> Self {
        let per_page = per_page.max(1);
        let last = Self::last_of(per_page, total);
        let page = requested
            .and_then(|r| r.trim().parse::<u32>().ok())
            .unwrap_or(1)
            .clamp(1, last);
        Paging {
            page,
            per_page,
            total,
        }
    }

    fn last_of(per_page: u32, total: u64) -> u32 {
        u32::try_from(total.div_ceil(u64::from(per_page)))
            .unwrap_or(u32::MAX)
            .max(1)
    }

    pub fn last(&self) -> u32 {
        Self::last_of(self.per_page, self.total)
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }

    pub fn prev(&self) -> Option<u32> {
        (self.page > 1).then(|| self.page - 1)
    }

    pub fn next(&self) -> Option<u32> {
        (self.page < self.last()).then(|| self.page + 1)
    }
}

/// One row of a list kept newest first, as a page boundary: its time and id. In a link it is
/// `<milliseconds>.<id>`; ids are the store's hex, so nothing else passes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub at: jiff::Timestamp,
    pub id: String,
}

impl Mark {
    pub fn parse(text: &str) -> Option<Mark> {
        let (ms, id) = text.trim().split_once('.')?;
        let ok_id = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
        let at = jiff::Timestamp::from_millisecond(ms.parse().ok()?).ok()?;
        ok_id.then(|| Mark {
            at,
            id: id.to_ascii_lowercase(),
        })
    }

    pub fn param(&self) -> String {
        format!("{}.{}", self.at.as_millisecond(), self.id)
    }
}

/// Which page of a list kept newest first: the newest, or the page just older or just newer than
/// a mark (keyset paging: any page costs what the first does, however deep).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Window {
    Newest,
    OlderThan(Mark),
    NewerThan(Mark),
}

impl Window {
    /// From a link's `before` (older than) and `after` (newer than); nonsense is the newest page.
    pub fn from_query(before: Option<&str>, after: Option<&str>) -> Window {
        match (before.and_then(Mark::parse), after.and_then(Mark::parse)) {
            (Some(m), _) => Window::OlderThan(m),
            (None, Some(m)) => Window::NewerThan(m),
            (None, None) => Window::Newest,
        }
    }
}

/// Where the pager's links lead from a page of such a list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pager {
    /// The mark for `after=`: the newest row shown, when newer rows exist.
    pub newer: Option<String>,
    /// The mark for `before=`: the oldest row shown, when older rows exist.
    pub older: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct A(&'static str, Vec<String>, i64);
    impl Tagged for A {
        fn key(&self) -> &str {
            self.0
        }
        fn tag_slugs(&self) -> &[String] {
            &self.1
        }
        fn published(&self) -> i64 {
            self.2
        }
    }
    fn a(key: &'static str, tags: &[&str], published: i64) -> A {
        A(
            key,
            tags.iter().map(std::string::ToString::to_string).collect(),
            published,
        )
    }

    #[test]
    fn a_mark_reads_only_what_it_wrote() {
        let m = Mark {
            at: jiff::Timestamp::from_millisecond(1_764_000_000_123).unwrap(),
            id: "0a1b2c".into(),
        };
        assert_eq!(Mark::parse(&m.param()), Some(m.clone()));
        assert_eq!(Mark::parse(" 1764000000123.0A1B2C "), Some(m.clone()));
        for hostile in [
            "",
            ".",
            "1764000000123",
            "1764000000123.",
            "abc.0a1b",
            "1764000000123.0a1b' OR 1=1 --",
            "1764000000123.<script>",
            "99999999999999999999.0a",
            &format!("1.{}", "a".repeat(65)),
        ] {
            assert_eq!(Mark::parse(hostile), None, "{hostile:?}");
        }
        assert_eq!(Window::from_query(None, None), Window::Newest);
        assert_eq!(Window::from_query(Some("x"), Some("y")), Window::Newest);
        assert_eq!(
            Window::from_query(Some("nonsense"), Some(&m.param())),
            Window::NewerThan(m.clone())
        );
        assert_eq!(
            Window::from_query(Some(&m.param()), Some(&m.param())),
            Window::OlderThan(m)
        );
    }

    #[test]
    fn related_orders_by_shared_tags_then_newest_and_never_self() {
        let current = a("first-session", &["first-session", "online", "frame"], 10);
        let all = vec![
            a("first-session", &["first-session", "online", "frame"], 10),
            a("old-two-shared", &["online", "frame"], 1),
            a("new-one-shared", &["online"], 9),
            a("newer-one-shared", &["first-session"], 20),
            a("nothing-shared", &["anxiety"], 30),
            a("also-one", &["frame"], 2),
        ];
        let keys: Vec<&str> = related(&current, &all, 3).iter().map(|x| x.0).collect();
        assert_eq!(
            keys,
            ["old-two-shared", "newer-one-shared", "new-one-shared"]
        );
    }

    #[test]
    fn related_is_empty_when_nothing_is_shared() {
        let current = a("x", &[], 1);
        assert!(related(&current, &[a("y", &["t"], 2)], 3).is_empty());
    }

    #[test]
    fn draft_derives_slug_from_title_and_dedups_tags() {
        let d = Draft::validate(&DraftInput {
            title: "  Anxiety: when worry takes over ".into(),
            tags: "Anxiety, anxiety ,  , Online therapy".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(d.slug, "anxiety-when-worry-takes-over");
        assert_eq!(
            d.tags.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(),
            ["anxiety", "online-therapy"]
        );
    }

    #[test]
    fn draft_reports_each_bad_field() {
        let e = Draft::validate(&DraftInput {
            title: String::new(),
            slug: "Bad Slug".into(),
            body: "x".repeat(BODY_MAX + 1),
            tags: "y".repeat(TAG_MAX + 1),
            position: "-3".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.get("title"), Some("error-required"));
        assert_eq!(e.get("slug"), Some("error-slug-shape"));
        assert_eq!(e.get("body"), Some("error-too-long"));
        assert_eq!(e.get("tags"), Some("error-tag-too-long"));
        assert_eq!(e.get("position"), Some("error-number"));
    }

    #[test]
    fn paging_clamps_nonsense() {
        assert_eq!(Paging::new(Some("0"), 10, 25).page, 1);
        assert_eq!(Paging::new(Some("99"), 10, 25).page, 3);
        assert_eq!(Paging::new(Some("abc"), 10, 25).page, 1);
        assert_eq!(Paging::new(Some("-1"), 10, 0).page, 1);
        let p = Paging::new(Some("2"), 10, 25);
        assert_eq!((p.offset(), p.prev(), p.next()), (10, Some(1), Some(3)));
    }

    proptest! {
        #[test]
        fn paging_always_lands_on_a_real_page(req in "\\PC{0,12}", per in 0u32..50, total in 0u64..10_000) {
            let p = Paging::new(Some(&req), per, total);
            prop_assert!(p.page >= 1 && p.page <= p.last());
            prop_assert!(p.offset() <= total.max(1).saturating_sub(0) + u64::from(p.per_page));
        }
    }
}

/// A stored piece of writing, as the site and the admin read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Page {
    pub id: crate::ids::PageId,
    pub kind: PageKind,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub body: String,
    pub position: i64,
    pub tags: Vec<Tag>,
    pub published_at: Option<jiff::Timestamp>,
    pub updated_at: jiff::Timestamp,
}

impl Page {
    pub fn path(&self) -> String {
        self.kind.path(&self.slug)
    }

    pub fn is_published(&self) -> bool {
        self.published_at.is_some()
    }

    pub fn tag_slug_list(&self) -> Vec<String> {
        self.tags.iter().map(|t| t.slug.clone()).collect()
    }

    /// What search engines and link previews show: the description, or the body's opening words.
    pub fn summary(&self) -> String {
        if self.description.is_empty() {
            crate::markdown::plain_text(&self.body, 160)
        } else {
            self.description.clone()
        }
    }
}

/// How a request for a slug resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(Page),
    /// The slug was this page's before; answer 301 to its current path.
    Moved(String),
    Missing,
}

/// An uploaded image's type and file extension, read from its first bytes (never from its name
/// or the browser's word): the formats browsers show everywhere. SVG is refused: it can carry
/// script.
pub fn sniff_image(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", "gif"))
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

/// An uploaded image, as the admin lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub id: crate::ids::ImageId,
    pub content_type: String,
    pub size: u64,
    pub file_name: String,
    pub created_at: jiff::Timestamp,
}
