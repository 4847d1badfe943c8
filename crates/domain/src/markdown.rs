//! Markdown to HTML for articles and pages, safe by construction.
//!
//! Raw HTML in the source is shown as text, never passed through, and links and images may only use
//! schemes that cannot run script. That is the whole sanitiser: nothing dangerous is ever produced,
//! so nothing has to be cleaned afterwards.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

/// Renders `source` to HTML that is safe to place in a page as it is.
pub fn to_html(source: &str) -> String {
    let events = Parser::new_ext(source, options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The text of `source` without markup, cut at a word boundary to at most `max_chars`.
pub fn plain_text(source: &str, max_chars: usize) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(source, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push(' '),
            _ => {}
        }
        if text.len() > max_chars * 4 {
            break;
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for word in words {
        let extra = if out.is_empty() { 0 } else { 1 };
        if out.chars().count() + extra + word.chars().count() > max_chars {
            if !out.is_empty() {
                out.push('…');
            }
            break;
        }
        if extra == 1 {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower: String = url
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme = lower.split_once(':').map(|(s, _)| s);
    let has_scheme_before_path = match (lower.find(':'), lower.find(['/', '?', '#'])) {
        (Some(colon), Some(slash)) => colon < slash,
        (Some(_), None) => true,
        _ => false,
    };
    if !has_scheme_before_path || matches!(scheme, Some("http" | "https" | "mailto" | "tel")) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn renders_ordinary_markdown() {
        let html = to_html("## First session\n\nWe *talk*. See [fees](/fees).");
        assert!(html.contains("<h2>First session</h2>"));
        assert!(html.contains("<em>talk</em>"));
        assert!(html.contains(r#"<a href="/fees">fees</a>"#));
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = to_html("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn script_urls_become_harmless() {
        for src in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "![x](vbscript:msgbox)",
            "[x]( javascript:alert(1))",
        ] {
            let html = to_html(src).to_ascii_lowercase();
            for bad in [
                "href=\"java",
                "href=\"data",
                "src=\"vbscript",
                "href=\" java",
            ] {
                assert!(!html.contains(bad), "{src} -> {html}");
            }
        }
        assert!(to_html("[x](https://example.org/a:b)").contains("https://example.org/a:b"));
        assert!(to_html("[x](/articles/a?b=c:d)").contains("/articles/a?b=c:d"));
    }

    #[test]
    fn plain_text_cuts_at_a_word() {
        assert_eq!(
            plain_text("# Title\n\nOne two **three** four", 14),
            "Title One two…"
        );
        assert_eq!(plain_text("", 10), "");
    }

    proptest! {
        #[test]
        fn no_input_produces_a_script_tag_or_event_handler(src in "\\PC{0,300}") {
            let html = to_html(&src).to_ascii_lowercase();
            prop_assert!(!html.contains("<script"));
            prop_assert!(!html.contains("javascript:"));
            prop_assert!(!html.contains("<iframe"));
        }

        #[test]
        fn hostile_fragments_mixed_with_text_stay_inert(
            a in "\\PC{0,40}", b in "\\PC{0,40}",
            tag in prop::sample::select(vec!["<script>x</script>", "<img src=x onerror=y>", "<a href='javascript:z'>", "<iframe src=//e>"])
        ) {
            let html = to_html(&format!("{a}{tag}{b}")).to_ascii_lowercase();
            prop_assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<iframe") && !html.contains("<a href='javascript"));
        }
    }
}
