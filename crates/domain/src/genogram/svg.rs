//! The layout written as SVG: presentation attributes only (the site's content security policy
//! refuses inline styles), every piece of text escaped, nothing that varies between runs.

use super::layout::{Layout, Placed, Shape, BORN_DY, NAME_DY, SLOT};
use std::fmt::Write;

/// The genogram as an SVG element that scales to its container's width. Names are the patient's
/// input, so every text passes through [`escape`].
pub fn render_svg(layout: &Layout) -> String {
    let mut svg = String::with_capacity(2048 + 600 * layout.people.len());
    let (w, h) = (layout.width, layout.height);
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"genogram\" viewBox=\"0 0 {w} {h}\" \
         width=\"100%\" role=\"img\" aria-labelledby=\"genogram-title\" \
         aria-describedby=\"genogram-desc\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(
        svg,
        "<title id=\"genogram-title\">{}</title>",
        escape(&layout.title)
    );
    let _ = writeln!(
        svg,
        "<desc id=\"genogram-desc\">{}</desc>",
        escape(&layout.description)
    );
    svg.push_str(
        "<g fill=\"none\" stroke=\"#333\" stroke-width=\"1.5\" stroke-linecap=\"round\">\n",
    );
    for line in &layout.lines {
        let _ = writeln!(svg, "<path d=\"{}\"/>", path(line));
    }
    if let Some(y) = layout.divider {
        let _ = writeln!(
            svg,
            "<path d=\"M12 {y}H{}\" stroke=\"#999\" stroke-width=\"1\" stroke-dasharray=\"4 4\"/>",
            layout.width - 12
        );
    }
    svg.push_str("</g>\n<g fill=\"#fff\" stroke=\"#333\" stroke-width=\"1.5\">\n");
    for p in &layout.people {
        symbol(&mut svg, p);
    }
    svg.push_str("</g>\n");
    text(&mut svg, layout);
    svg.push_str("</svg>\n");
    svg
}

fn path(points: &[(i32, i32)]) -> String {
    let mut d = String::new();
    for (n, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{x} {y}", if n == 0 { "M" } else { "L" });
    }
    d
}

/// The symbol, a second outline for the patient, and a cross through someone who has died.
fn symbol(svg: &mut String, p: &Placed) {
    let r = p.reach();
    if p.patient {
        shape(svg, p.shape, p.x, p.y, r);
    }
    shape(svg, p.shape, p.x, p.y, r - if p.patient { 4 } else { 0 });
    if p.deceased {
        let (x0, y0, x1, y1) = (p.x - r, p.y - r, p.x + r, p.y + r);
        let _ = writeln!(
            svg,
            "<path d=\"M{x0} {y0}L{x1} {y1}M{x1} {y0}L{x0} {y1}\" fill=\"none\"/>"
        );
    }
}

fn shape(svg: &mut String, shape: Shape, x: i32, y: i32, r: i32) {
    let _ = match shape {
        Shape::Square => writeln!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
            x - r,
            y - r,
            2 * r,
            2 * r
        ),
        Shape::Circle => writeln!(svg, "<circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\"/>"),
        Shape::Diamond => writeln!(
            svg,
            "<path d=\"M{x} {}L{} {y}L{x} {}L{} {y}Z\"/>",
            y - r,
            x + r,
            y + r,
            x - r
        ),
    };
}

/// Names and ages under the symbols, on a white halo so a line passing behind never hides them.
fn text(svg: &mut String, layout: &Layout) {
    svg.push_str(
        "<g fill=\"#222\" text-anchor=\"middle\" stroke=\"#fff\" stroke-width=\"3\" \
         stroke-linejoin=\"round\" paint-order=\"stroke\">\n",
    );
    if let Some(y) = layout.divider {
        let _ = writeln!(svg, "<text x=\"12\" y=\"{}\" text-anchor=\"start\" font-size=\"11\" fill=\"#555\">Others</text>", y + 14);
    }
    for p in &layout.people {
        if !p.name.is_empty() {
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\"{}>{}</text>",
                p.x,
                p.y + NAME_DY,
                squeeze(&p.name),
                escape(&p.name)
            );
        }
        if let Some(born) = &p.born {
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\">{}</text>",
                p.x,
                p.y + BORN_DY,
                escape(born)
            );
        }
    }
    svg.push_str("</g>\n");
}

/// The widest a name may be drawn without reaching its neighbour's.
const NAME_ROOM: i32 = SLOT - 8;

/// Squeezes a name that would be wider than its slot. Widths are estimated from the characters
/// (the server cannot measure the reader's font): wide scripts count as a full em.
fn squeeze(name: &str) -> String {
    let width: i32 = name
        .chars()
        .map(|c| match c as u32 {
            0x1100..=0x115f | 0x2e80..=0xa4cf | 0xac00..=0xd7a3 | 0xf900..=0xfaff => 12,
            0xfe30..=0xfe4f | 0xff00..=0xff60 | 0xffe0..=0xffe6 | 0x20000.. => 12,
            _ if c.is_uppercase() || c.is_ascii_digit() => 8,
            _ => 7,
        })
        .sum();
    if width > NAME_ROOM {
        format!(" textLength=\"{NAME_ROOM}\" lengthAdjust=\"spacingAndGlyphs\"")
    } else {
        String::new()
    }
}

/// Text made safe inside XML content and attribute values. Characters XML 1.0 does not allow at
/// all (most control characters) are dropped, since no escape makes them legal.
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_markup_and_quotes_inert() {
        assert_eq!(
            escape("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn escape_drops_characters_xml_cannot_hold() {
        assert_eq!(escape("A\u{0}B\u{1b}C\u{ffff}D\nÉ"), "ABCD\nÉ");
    }

    #[test]
    fn only_names_too_wide_for_their_slot_are_squeezed() {
        assert_eq!(squeeze("Sam"), "");
        assert_eq!(squeeze("Ruth-Ann"), "");
        assert!(squeeze("WWWWWWWWWWW…").contains("textLength=\"80\""));
        assert!(squeeze("山田太郎花子明美").contains("textLength"));
    }

    #[test]
    fn paths_join_points() {
        assert_eq!(path(&[(1, 2), (3, 4), (5, 6)]), "M1 2L3 4L5 6");
    }
}
