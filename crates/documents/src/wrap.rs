//! Word wrap by measured glyph widths: greedy, breaking inside a word only when the word alone
//! is wider than the line.

use crate::fonts::Font;

/// Widths summed word by word differ from a whole line's measure in the last float bits; a
/// line measured to fit exactly must not wrap for that.
const SLACK: f32 = 0.01;

/// Splits `text` (already cleaned; `\n` forces a break) into lines no wider than `max_width`
/// points at `size`. Always at least one line, so an empty cell still takes its row's height.
pub fn wrap(font: &Font, size: f32, text: &str, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        wrap_paragraph(font, size, paragraph, max_width, &mut lines);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn wrap_paragraph(font: &Font, size: f32, paragraph: &str, max_width: f32, out: &mut Vec<String>) {
    let space = font.width(" ", size);
    let mut line = String::new();
    let mut line_width = 0.0;
    for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
        let word_width = font.width(word, size);
        let gap = if line.is_empty() { 0.0 } else { space };
        if line_width + gap + word_width <= max_width + SLACK {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            line_width += gap + word_width;
            continue;
        }
        if !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
        if word_width <= max_width + SLACK {
            line.push_str(word);
            line_width = word_width;
        } else {
            line_width = break_word(font, size, word, max_width, &mut line, out);
        }
    }
    out.push(line);
}

/// Sets a word wider than the line character by character, pushing full lines to `out`; the
/// tail is left in `line` and its width returned. Each line takes at least one character, so
/// a column narrower than one glyph still ends.
fn break_word(
    font: &Font,
    size: f32,
    word: &str,
    max_width: f32,
    line: &mut String,
    out: &mut Vec<String>,
) -> f32 {
    let mut width = 0.0;
    for c in word.chars() {
        let w = font.advance_per_mille(font.glyph(c)) * size / 1000.0;
        if width + w > max_width + SLACK && !line.is_empty() {
            out.push(std::mem::take(line));
            width = 0.0;
        }
        line.push(c);
        width += w;
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::Fonts;

    fn fonts() -> Fonts {
        Fonts::load().expect("embedded fonts parse")
    }

    #[test]
    fn short_text_stays_on_one_line() {
        let f = fonts();
        assert_eq!(
            wrap(&f.regular, 10.0, "Anna Berger", 200.0),
            ["Anna Berger"]
        );
    }

    #[test]
    fn empty_text_is_one_empty_line() {
        let f = fonts();
        assert_eq!(wrap(&f.regular, 10.0, "", 100.0), [""]);
        assert_eq!(wrap(&f.regular, 10.0, "   ", 100.0), [""]);
    }

    #[test]
    fn every_line_fits_and_no_word_is_lost() {
        let f = fonts();
        let text = "Umsatzsteuerfrei nach § 4 Nr. 14 a UStG als heilberufliche Leistung einer \
                    Psychotherapeutin erbracht";
        let lines = wrap(&f.regular, 9.0, text, 120.0);
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(f.regular.width(line, 9.0) <= 120.0, "{line:?} too wide");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn forced_breaks_are_kept_including_blank_lines() {
        let f = fonts();
        assert_eq!(wrap(&f.regular, 9.0, "a\n\nb", 100.0), ["a", "", "b"]);
    }

    #[test]
    fn a_word_wider_than_the_column_is_broken_by_characters() {
        let f = fonts();
        let iban = "DE89370400440532013000DE89370400440532013000";
        let lines = wrap(&f.regular, 9.0, iban, 60.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), iban);
        for line in &lines {
            assert!(f.regular.width(line, 9.0) <= 60.0);
        }
    }

    #[test]
    fn a_column_narrower_than_a_glyph_still_ends_one_glyph_a_line() {
        let f = fonts();
        assert_eq!(wrap(&f.regular, 9.0, "abc", 0.0), ["a", "b", "c"]);
        assert_eq!(wrap(&f.regular, 9.0, "abc", -5.0), ["a", "b", "c"]);
    }
}
