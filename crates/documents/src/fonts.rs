//! The two embedded faces (DejaVu Sans, regular and bold): glyph lookup and measured widths.

use crate::RenderError;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Which face a run of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// One parsed face and the bytes it came from (the subsetter needs them again).
pub struct Font {
    pub data: &'static [u8],
    pub face: ttf_parser::Face<'static>,
    /// The PostScript name without a subset tag, e.g. `DejaVuSans-Bold`.
    pub base_name: &'static str,
}

impl Font {
    fn parse(data: &'static [u8], base_name: &'static str) -> Result<Self, RenderError> {
        let face = ttf_parser::Face::parse(data, 0)
            .map_err(|e| RenderError::Font(format!("{base_name}: {e}")))?;
        Ok(Font {
            data,
            face,
            base_name,
        })
    }

    /// The glyph for a character; 0 (`.notdef`, a box) when the face lacks it.
    pub fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map_or(0, |g| g.0)
    }

    /// A glyph's advance in thousandths of the font size, as PDF's `W` array wants it.
    pub fn advance_per_mille(&self, glyph: u16) -> f32 {
        let units = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(glyph))
            .unwrap_or(0);
        f32::from(units) * 1000.0 / f32::from(self.face.units_per_em())
    }

    /// The width of a string set at `size` points, without kerning (none is applied when drawn).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let per_mille: f32 = text
            .chars()
            .map(|c| self.advance_per_mille(self.glyph(c)))
            .sum();
        per_mille * size / 1000.0
    }

    /// A design metric scaled to thousandths of the font size.
    pub fn per_mille(&self, units: i16) -> f32 {
        f32::from(units) * 1000.0 / f32::from(self.face.units_per_em())
    }
}

/// Both faces, parsed once per render (parsing only reads table offsets).
pub struct Fonts {
    pub regular: Font,
    pub bold: Font,
}

impl Fonts {
    pub fn load() -> Result<Self, RenderError> {
        Ok(Fonts {
            regular: Font::parse(REGULAR, "DejaVuSans")?,
            bold: Font::parse(BOLD, "DejaVuSans-Bold")?,
        })
    }

    pub fn get(&self, weight: Weight) -> &Font {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

/// Characters that are instructions rather than text (controls, bidi marks, zero-width
/// joiners): dropped, so they neither print as boxes nor confuse a reader's text extraction.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Text for a single line: line breaks and tabs become spaces, invisible characters go.
pub fn clean_line(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if is_invisible(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Text for a block that may wrap: `\n` is kept as a forced break, `\r` dropped, tabs become
/// spaces, invisible characters go.
pub fn clean_block(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if is_invisible(c) => None,
            c => Some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_faces_parse_and_have_the_characters_invoices_need() {
        let fonts = Fonts::load().expect("embedded fonts parse");
        for font in [&fonts.regular, &fonts.bold] {
            for c in ['ć', '€', 'ü', 'ß', '·', '–', 'א'] {
                assert_ne!(font.glyph(c), 0, "{} lacks {c}", font.base_name);
            }
        }
    }

    #[test]
    fn a_missing_character_is_notdef_and_still_has_a_width() {
        let fonts = Fonts::load().expect("embedded fonts parse");
        // A private-use character no font defines.
        assert_eq!(fonts.regular.glyph('\u{E000}'), 0);
        assert!(fonts.regular.width("\u{E000}", 10.0) > 0.0);
    }

    #[test]
    fn bold_is_wider_than_regular_and_width_scales_with_size() {
        let fonts = Fonts::load().expect("embedded fonts parse");
        let regular = fonts.regular.width("Jovanović", 10.0);
        assert!(fonts.bold.width("Jovanović", 10.0) > regular);
        assert!((fonts.regular.width("Jovanović", 20.0) - 2.0 * regular).abs() < 0.01);
        assert_eq!(fonts.regular.width("", 10.0), 0.0);
    }

    #[test]
    fn cleaning_drops_controls_and_bidi_marks_and_keeps_letters() {
        assert_eq!(clean_line("a\u{7}b\tc\r\nd\u{202E}e"), "ab c  de");
        assert_eq!(clean_block("a\r\nb\u{0}\tc"), "a\nb c");
        assert_eq!(clean_line(""), "");
    }
}
