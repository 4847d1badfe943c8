//! Slugs: the stable, readable last part of an article's or page's address.

/// Paths the site itself uses; a page may not take one of these as its slug.
const RESERVED: &[&str] = &[
    "admin",
    "api",
    "articles",
    "tags",
    "faq",
    "contact",
    "static",
    "media",
    "healthz",
    "setup",
    "sitemap.xml",
    "feed.xml",
    "robots.txt",
    "favicon.ico",
    "tech-check",
    "book",
    "portal",
    "signin",
    "signout",
    "room",
];

pub const MAX_LEN: usize = 80;

/// Makes a slug from a title: lower-case ASCII letters and digits joined by single hyphens.
/// Letters with accents keep their base letter; anything else separates words.
pub fn slugify(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut pending_hyphen = false;
    for c in title.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.push(c.to_ascii_lowercase());
        } else if c != '\'' && c != '’' {
            pending_hyphen = true;
        }
        if out.len() >= MAX_LEN {
            break;
        }
    }
    out.truncate(MAX_LEN);
    let trimmed = out.trim_end_matches('-').to_string();
    if trimmed.is_empty() {
        "untitled".to_string()
    } else {
        trimmed
    }
}

/// Whether `slug` is acceptable as typed by the therapist: the shape `slugify` produces, not reserved.
pub fn check(slug: &str) -> Result<(), &'static str> {
    let shape_ok = !slug.is_empty()
        && slug.len() <= MAX_LEN
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if !shape_ok {
        Err("error-slug-shape")
    } else if RESERVED.contains(&slug) {
        Err("error-slug-reserved")
    } else {
        Ok(())
    }
}

fn fold_accent(c: char) -> Vec<char> {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => return vec!['s', 's'],
        'æ' | 'Æ' => return vec!['a', 'e'],
        other => other,
    };
    vec![base]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slugify_reads_like_the_title() {
        assert_eq!(
            slugify("What happens in the first session of online psychotherapy?"),
            "what-happens-in-the-first-session-of-online-psychotherapy"
        );
        assert_eq!(
            slugify("Don't panic: Ängste & Sorgen"),
            "dont-panic-angste-sorgen"
        );
        assert_eq!(slugify("   "), "untitled");
        assert_eq!(
            slugify("<script>alert(1)</script>"),
            "script-alert-1-script"
        );
    }

    #[test]
    fn check_refuses_reserved_and_malformed_slugs() {
        assert_eq!(check("admin"), Err("error-slug-reserved"));
        assert_eq!(check("Has Caps"), Err("error-slug-shape"));
        assert_eq!(check("-x"), Err("error-slug-shape"));
        assert_eq!(check("a--b"), Err("error-slug-shape"));
        assert_eq!(check(&"a".repeat(81)), Err("error-slug-shape"));
        assert_eq!(check("../etc"), Err("error-slug-shape"));
        assert!(check("about").is_ok());
    }

    proptest! {
        #[test]
        fn every_slugified_title_passes_check_unless_reserved(title in "\\PC{0,200}") {
            let slug = slugify(&title);
            match check(&slug) {
                Ok(()) | Err("error-slug-reserved") => {}
                Err(e) => prop_assert!(false, "{title:?} -> {slug:?}: {e}"),
            }
        }

        #[test]
        fn slugify_is_idempotent(title in "\\PC{0,120}") {
            let once = slugify(&title);
            prop_assert_eq!(slugify(&once), once);
        }
    }
}
