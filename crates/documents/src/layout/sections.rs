//! A headed section of a longer document (a patient's record): the heading kept with the first
//! lines after it, paragraphs broken across pages line by line, then the section's own table.

use super::{style, Sheet, Style, NOTE};
use crate::fonts::Weight;
use crate::{Align, Section};

const SECTION_HEADING: Style = style(Weight::Bold, 12.0, 16.0, 0.1);
const PARAGRAPH: Style = style(Weight::Regular, 9.0, 12.5, 0.1);
/// A table's heading and one row, about.
const TABLE_START: f32 = 45.0;

impl Sheet<'_> {
    pub(super) fn section(&mut self, section: &Section) {
        self.y += 14.0;
        let heading = self.wrap(SECTION_HEADING, &section.heading, self.content_width());
        // A heading alone at the foot of a page reads as if its section were empty: it moves on
        // with room for two lines after it, or for a short paragraph and the table's first row.
        let table_start = if section.table.columns.is_empty() {
            0.0
        } else {
            TABLE_START
        };
        let first = PARAGRAPH.leading.max(NOTE.leading) * 2.0 + table_start;
        self.ensure((heading.len() as f32 * SECTION_HEADING.leading).min(200.0) + first);
        for line in heading {
            self.ensure(SECTION_HEADING.leading);
            self.line(SECTION_HEADING, self.left, self.y, Align::Left, line);
            self.y += SECTION_HEADING.leading;
        }
        self.y += 4.0;
        for paragraph in &section.paragraphs {
            for line in self.wrap(PARAGRAPH, paragraph, self.content_width()) {
                self.ensure(PARAGRAPH.leading);
                self.line(PARAGRAPH, self.left, self.y, Align::Left, line);
                self.y += PARAGRAPH.leading;
            }
            self.y += 5.0;
        }
        self.table(&section.table);
    }
}
