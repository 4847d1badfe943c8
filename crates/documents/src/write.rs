//! Serialises laid-out pages as PDF: each face embedded once as a subsetted Type0/CIDFontType2
//! font (Identity-H, 2-byte glyph ids) with its widths and a `ToUnicode` map, content streams
//! compressed, no timestamps or random ids, so equal input gives equal bytes.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use crate::fonts::{Font, Fonts, Weight};
use crate::layout::{Op, Page};
use crate::{Document, RenderError};

const CATALOG: Ref = Ref::new(1);
const PAGE_TREE: Ref = Ref::new(2);
const INFO: Ref = Ref::new(3);
/// Five objects per face: Type0 font, CID font, descriptor, font file, ToUnicode map.
const REGULAR_FIRST: i32 = 4;
const BOLD_FIRST: i32 = 9;
/// Two objects per page from here: the page and its content stream.
const FIRST_PAGE: i32 = 14;

const IDENTITY: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// What one face's subset holds: old→new glyph ids and the text each new glyph stands for.
struct Usage {
    remapper: GlyphRemapper,
    unicode: BTreeMap<u16, char>,
}

impl Usage {
    /// Collects the glyphs a face draws, in order of first use (so the numbering is stable).
    fn collect(pages: &[Page], font: &Font, weight: Weight) -> Self {
        let mut usage = Usage {
            remapper: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
        };
        // `.notdef` stands for any character the face lacks; U+FFFD says so when copied.
        usage.unicode.insert(0, '\u{FFFD}');
        for op in pages.iter().flat_map(|p| &p.ops) {
            if let Op::Text {
                weight: w, text, ..
            } = op
            {
                if *w == weight {
                    for c in text.chars() {
                        let new = usage.remapper.remap(font.glyph(c));
                        usage.unicode.entry(new).or_insert(c);
                    }
                }
            }
        }
        usage
    }

    /// A string's glyphs as the 2-byte codes Identity-H expects.
    fn encode(&self, font: &Font, text: &str) -> Vec<u8> {
        text.chars()
            .flat_map(|c| self.remapper.get(font.glyph(c)).unwrap_or(0).to_be_bytes())
            .collect()
    }
}

pub fn write(doc: &Document, fonts: &Fonts, pages: &[Page]) -> Result<Vec<u8>, RenderError> {
    let regular = Usage::collect(pages, &fonts.regular, Weight::Regular);
    let bold = Usage::collect(pages, &fonts.bold, Weight::Bold);
    let mut pdf = Pdf::new();
    pdf.set_version(1, 7);
    write_catalog(&mut pdf, doc, pages.len());
    write_font(&mut pdf, REGULAR_FIRST, &fonts.regular, &regular)?;
    write_font(&mut pdf, BOLD_FIRST, &fonts.bold, &bold)?;
    let (width, height) = doc.paper.size();
    for (i, page) in pages.iter().enumerate() {
        let (page_ref, content_ref) = page_refs(i);
        let mut writer = pdf.page(page_ref);
        writer
            .parent(PAGE_TREE)
            .media_box(Rect::new(0.0, 0.0, width, height))
            .contents(content_ref);
        let mut resources = writer.resources();
        let mut font_dict = resources.fonts();
        font_dict.pair(Name(b"F1"), Ref::new(REGULAR_FIRST));
        font_dict.pair(Name(b"F2"), Ref::new(BOLD_FIRST));
        font_dict.finish();
        resources.finish();
        writer.finish();
        let content = content(page, fonts, &regular, &bold);
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&content, 6);
        pdf.stream(content_ref, &compressed)
            .filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

fn page_refs(i: usize) -> (Ref, Ref) {
    let first = FIRST_PAGE + 2 * i32::try_from(i).unwrap_or(i32::MAX / 4);
    (Ref::new(first), Ref::new(first + 1))
}

fn write_catalog(pdf: &mut Pdf, doc: &Document, count: usize) {
    let mut catalog = pdf.catalog(CATALOG);
    catalog.pages(PAGE_TREE);
    if !doc.language.is_empty() {
        catalog.lang(TextStr(&doc.language));
    }
    catalog.viewer_preferences().display_doc_title(true);
    catalog.finish();
    pdf.pages(PAGE_TREE)
        .kids((0..count).map(|i| page_refs(i).0))
        .count(i32::try_from(count).unwrap_or(i32::MAX));
    let mut info = pdf.document_info(INFO);
    info.title(TextStr(&doc.title))
        .producer(TextStr("holdspace"));
    if let Some(created) = doc.created.as_deref().filter(|d| is_pdf_date(d)) {
        info.pair(Name(b"CreationDate"), Str(created.as_bytes()));
    }
    info.finish();
}

/// `D:` then 4 to 14 digits and an optional zone (`Z` or `+hh'mm'`): anything else is left out
/// rather than written as a date a reader would misread.
fn is_pdf_date(date: &str) -> bool {
    let Some(rest) = date.strip_prefix("D:") else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let zone = &rest[digits..];
    (4..=14).contains(&digits)
        && (zone.is_empty()
            || zone == "Z"
            || zone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '\'')))
}

fn write_font(pdf: &mut Pdf, first: i32, font: &Font, usage: &Usage) -> Result<(), RenderError> {
    let (type0, cid, descriptor, file, cmap) = (
        Ref::new(first),
        Ref::new(first + 1),
        Ref::new(first + 2),
        Ref::new(first + 3),
        Ref::new(first + 4),
    );
    let name = format!("{}+{}", subset_tag(usage), font.base_name);
    let base = Name(name.as_bytes());
    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);

    let widths: Vec<f32> = usage
        .remapper
        .remapped_gids()
        .map(|old| font.advance_per_mille(old).round())
        .collect();
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(IDENTITY)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid_font.widths().consecutive(0, widths);
    cid_font.finish();

    let face = &font.face;
    let bbox = face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            font.per_mille(bbox.x_min),
            font.per_mille(bbox.y_min),
            font.per_mille(bbox.x_max),
            font.per_mille(bbox.y_max),
        ))
        .italic_angle(0.0)
        .ascent(font.per_mille(face.ascender()))
        .descent(font.per_mille(face.descender()))
        .cap_height(font.per_mille(face.capital_height().unwrap_or(face.ascender())))
        .stem_v(if font.base_name.ends_with("Bold") {
            140.0
        } else {
            80.0
        })
        .font_file2(file);

    let subset = subsetter::subset(font.data, 0, &usage.remapper)
        .map_err(|e| RenderError::Font(format!("{}: {e}", font.base_name)))?;
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 6);
    pdf.stream(file, &compressed)
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(subset.len()).unwrap_or(i32::MAX),
        );

    let mut map = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), IDENTITY);
    for (&glyph, &c) in &usage.unicode {
        map.pair(glyph, c);
    }
    pdf.cmap(cmap, map.finish().as_slice());
    Ok(())
}

/// Six capitals derived from the subset's glyphs, as PDF requires of a subset's name; a hash
/// rather than randomness keeps the output deterministic.
fn subset_tag(usage: &Usage) -> String {
    // FNV-1a over the old glyph ids in subset order.
    let mut hash: u32 = 0x811c_9dc5;
    for gid in usage.remapper.remapped_gids() {
        for byte in gid.to_be_bytes() {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    }
    (0..6)
        .map(|_| {
            let letter = b'A' + (hash % 26) as u8;
            hash /= 26;
            char::from(letter)
        })
        .collect()
}

fn content(page: &Page, fonts: &Fonts, regular: &Usage, bold: &Usage) -> Vec<u8> {
    let mut content = Content::new();
    for op in &page.ops {
        match op {
            Op::Text {
                weight,
                size,
                x,
                y,
                gray,
                text,
            } => {
                let (name, font, usage) = match weight {
                    Weight::Regular => (Name(b"F1"), &fonts.regular, regular),
                    Weight::Bold => (Name(b"F2"), &fonts.bold, bold),
                };
                let encoded = usage.encode(font, text);
                content
                    .set_fill_gray(*gray)
                    .begin_text()
                    .set_font(name, *size)
                    .next_line(*x, *y)
                    .show(Str(&encoded))
                    .end_text();
            }
            Op::Rule {
                x1,
                x2,
                y,
                width,
                gray,
            } => {
                content
                    .set_stroke_gray(*gray)
                    .set_line_width(*width)
                    .move_to(*x1, *y)
                    .line_to(*x2, *y)
                    .stroke();
            }
            Op::Square { x, y, w, h } => {
                content
                    .set_fill_gray(0.0)
                    .rect(*x, *y, *w, *h)
                    .fill_nonzero();
            }
        }
    }
    content.finish().into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_are_checked_before_they_are_written() {
        assert!(is_pdf_date("D:20260407093000Z"));
        assert!(is_pdf_date("D:2026"));
        assert!(is_pdf_date("D:20260407093000+02'00'"));
        assert!(!is_pdf_date("2026-04-07"));
        assert!(!is_pdf_date("D:"));
        assert!(!is_pdf_date("D:2026) /Evil (x"));
        assert!(!is_pdf_date("D:202604070930001234"));
    }
}
