//! Places a document's parts on pages: header, address window, facts, the table (repeating its
//! heading on every page it runs onto), totals, notes, the QR code and the footers.
//!
//! Layout works top-down in points from the page's top edge; ops are stored in PDF coordinates
//! (origin bottom-left) so the writer only serialises them.

use crate::fonts::{clean_block, clean_line, Fonts, Weight};
use crate::grid::Grid;
use crate::qr::{Modules, QUIET_ZONE};
use crate::wrap::wrap;
use crate::{Align, Document, Table};

mod sections;

const MM: f32 = 72.0 / 25.4;

/// Something drawn on a page, in PDF coordinates.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// One line of text; `y` is the baseline, `gray` the fill (0 black, 1 white).
    Text {
        weight: Weight,
        size: f32,
        x: f32,
        y: f32,
        gray: f32,
        text: String,
    },
    /// A horizontal rule.
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
        gray: f32,
    },
    /// A black rectangle (QR modules); `y` is the bottom edge.
    Square { x: f32, y: f32, w: f32, h: f32 },
}

/// One page's drawing.
#[derive(Debug, Default)]
pub struct Page {
    pub ops: Vec<Op>,
}

/// How a kind of text is set.
#[derive(Debug, Clone, Copy)]
struct Style {
    weight: Weight,
    size: f32,
    leading: f32,
    gray: f32,
}

const fn style(weight: Weight, size: f32, leading: f32, gray: f32) -> Style {
    Style {
        weight,
        size,
        leading,
        gray,
    }
}

const PRACTICE: Style = style(Weight::Bold, 11.0, 15.0, 0.1);
const ISSUER: Style = style(Weight::Regular, 8.5, 11.5, 0.35);
const TITLE: Style = style(Weight::Bold, 20.0, 24.0, 0.1);
const NUMBER: Style = style(Weight::Regular, 12.0, 16.0, 0.35);
const RECIPIENT: Style = style(Weight::Regular, 10.0, 13.5, 0.1);
const FACT_LABEL: Style = style(Weight::Regular, 8.5, 12.5, 0.45);
const FACT_VALUE: Style = style(Weight::Regular, 8.5, 12.5, 0.1);
const HEADING: Style = style(Weight::Bold, 8.5, 11.0, 0.3);
const CELL: Style = style(Weight::Regular, 9.0, 12.0, 0.1);
const TOTAL: Style = style(Weight::Regular, 9.0, 12.0, 0.25);
const GRAND_TOTAL: Style = style(Weight::Bold, 10.5, 14.0, 0.1);
const NOTE: Style = style(Weight::Regular, 8.5, 12.0, 0.3);
const CAPTION: Style = style(Weight::Regular, 8.5, 12.0, 0.3);
const FOOTER: Style = style(Weight::Regular, 7.5, 10.0, 0.45);

/// Light rules between rows; a darker one under the heading and above the final total.
const RULE_LIGHT: f32 = 0.85;
const RULE_DARK: f32 = 0.25;

const CELL_PAD_Y: f32 = 5.0;
const HEADING_PAD_Y: f32 = 4.0;

/// The side of the QR code including its quiet zone (EPC codes print at 35–40 mm).
const QR_SIDE: f32 = 38.0 * MM;

/// Lays the document out on as many pages as it needs (at least one).
pub fn lay_out(doc: &Document, fonts: &Fonts, qr: Option<&Modules>) -> Vec<Page> {
    let mut sheet = Sheet::new(doc, fonts);
    sheet.header(doc);
    sheet.address_zone(doc);
    sheet.table(&doc.table);
    for section in &doc.sections {
        sheet.section(section);
    }
    sheet.totals(doc);
    sheet.notes(&doc.notes);
    if let (Some(modules), Some(qr)) = (qr, &doc.qr) {
        sheet.qr(modules, &qr.caption);
    }
    sheet.finish(doc)
}

/// The page being filled and the cursor on it.
struct Sheet<'a> {
    fonts: &'a Fonts,
    height: f32,
    left: f32,
    right: f32,
    top: f32,
    /// Content stops here (from the top); the footer lives below.
    limit: f32,
    pages: Vec<Page>,
    /// The page drawn on: the last one while flowing, each in turn for the footers.
    page: usize,
    /// Cursor, from the page's top edge.
    y: f32,
}

impl<'a> Sheet<'a> {
    fn new(doc: &Document, fonts: &'a Fonts) -> Self {
        let (width, height) = doc.paper.size();
        Sheet {
            fonts,
            height,
            // DIN 5008: 25 mm on the left (the envelope window starts at 20 mm), 20 mm right.
            left: 25.0 * MM,
            right: width - 20.0 * MM,
            top: 20.0 * MM,
            limit: height - 24.0 * MM,
            pages: vec![Page::default()],
            page: 0,
            y: 20.0 * MM,
        }
    }

    fn content_width(&self) -> f32 {
        self.right - self.left
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.page >= self.pages.len() {
            self.pages.resize_with(self.page + 1, Page::default);
        }
        &mut self.pages[self.page].ops
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.page = self.pages.len() - 1;
        self.y = self.top;
    }

    /// Starts a new page unless `height` more points fit on this one.
    fn ensure(&mut self, height: f32) {
        if self.y + height > self.limit {
            self.new_page();
        }
    }

    fn wrap(&self, s: Style, text: &str, width: f32) -> Vec<String> {
        wrap(self.fonts.get(s.weight), s.size, &clean_block(text), width)
    }

    /// One line of text whose line box starts at `top`, left-aligned at `x` or right-aligned
    /// to end at `x`.
    fn line(&mut self, s: Style, x: f32, top: f32, align: Align, text: String) {
        // The table and notes check the room line by line; a block placed whole (the header,
        // a total, the QR caption) that hostile input makes longer than the room is cut here
        // rather than drawn over the footer or off the sheet.
        if text.is_empty() || top + s.leading > self.limit + 0.5 {
            return;
        }
        let x = match align {
            Align::Left => x,
            Align::Right => x - self.fonts.get(s.weight).width(&text, s.size),
        };
        // Centre the capitals (0.73 em in DejaVu) in the line box.
        let baseline = top + (s.leading + 0.73 * s.size) / 2.0;
        let y = self.height - baseline;
        self.ops().push(Op::Text {
            weight: s.weight,
            size: s.size,
            x,
            y,
            gray: s.gray,
            text,
        });
    }

    /// Lines set one under the other from `top`; returns the height used.
    fn lines(&mut self, s: Style, x: f32, top: f32, align: Align, lines: Vec<String>) -> f32 {
        let count = lines.len() as f32;
        for (i, text) in lines.into_iter().enumerate() {
            self.line(s, x, top + i as f32 * s.leading, align, text);
        }
        count * s.leading
    }

    fn rule(&mut self, x1: f32, x2: f32, top: f32, width: f32, gray: f32) {
        let y = self.height - top;
        self.ops().push(Op::Rule {
            x1,
            x2,
            y,
            width,
            gray,
        });
    }

    /// Issuer top left (the practice's name bold), title and number top right; the issuer
    /// takes whatever width the title leaves.
    fn header(&mut self, doc: &Document) {
        let top = self.y;
        let title_width = self.title_width(doc);
        let issuer_width = self.content_width() - title_width - 12.0 * MM;
        let mut y = top;
        for (i, line) in doc.issuer.iter().enumerate() {
            let s = if i == 0 { PRACTICE } else { ISSUER };
            let wrapped = self.wrap(s, line, issuer_width);
            y += self.lines(s, self.left, y, Align::Left, wrapped);
            if i == 0 {
                y += 2.0;
            }
        }
        let title = self.wrap(TITLE, &doc.title, title_width);
        let mut title_y = top - 4.0 + self.lines(TITLE, self.right, top - 4.0, Align::Right, title);
        if let Some(number) = &doc.number {
            let number = self.wrap(NUMBER, number, title_width);
            title_y += self.lines(NUMBER, self.right, title_y, Align::Right, number);
        }
        self.y = y.max(title_y);
    }

    /// The width the title and number need, at most 40% of the line.
    fn title_width(&self, doc: &Document) -> f32 {
        let title = self
            .fonts
            .get(TITLE.weight)
            .width(&clean_line(&doc.title), TITLE.size);
        let number = doc.number.as_deref().map_or(0.0, |n| {
            self.fonts
                .get(NUMBER.weight)
                .width(&clean_line(n), NUMBER.size)
        });
        title.max(number).min(self.content_width() * 0.4)
    }

    /// The recipient where a window envelope shows it, the facts beside it.
    fn address_zone(&mut self, doc: &Document) {
        // DIN 5008 form B: the window's address area begins about 50 mm from the top.
        let top = (50.0 * MM).max(self.y + 6.0 * MM);
        let mut recipient_y = top;
        for line in &doc.recipient {
            let wrapped = self.wrap(RECIPIENT, line, 85.0 * MM);
            recipient_y += self.lines(RECIPIENT, self.left, recipient_y, Align::Left, wrapped);
        }
        let facts_y = self.facts(&doc.facts, top);
        // Below the window (it ends 90 mm from the top) even when the blocks are short.
        self.y = recipient_y.max(facts_y).max(90.0 * MM) + 8.0 * MM;
    }

    /// Label/value pairs in two columns right of the recipient; returns where they end.
    fn facts(&mut self, facts: &[(String, String)], top: f32) -> f32 {
        let x = self.left + 100.0 * MM;
        let width = self.right - x;
        let font = self.fonts.get(FACT_LABEL.weight);
        let widest = facts
            .iter()
            .map(|(label, _)| font.width(&clean_line(label), FACT_LABEL.size))
            .fold(0.0_f32, f32::max);
        let label_width = widest.min(width * 0.5);
        let value_x = x + label_width + 8.0;
        let mut y = top;
        for (label, value) in facts {
            let labels = self.wrap(FACT_LABEL, label, label_width);
            let values = self.wrap(FACT_VALUE, value, self.right - value_x);
            let used_label = self.lines(FACT_LABEL, x, y, Align::Left, labels);
            let used_value = self.lines(FACT_VALUE, value_x, y, Align::Left, values);
            y += used_label.max(used_value) + 1.5;
        }
        y
    }

    fn table(&mut self, table: &Table) {
        if table.columns.is_empty() {
            return;
        }
        let grid = Grid::new(table, self.left, self.content_width());
        let headings: Vec<Vec<String>> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| self.wrap(HEADING, &c.heading, grid.inner_width(i)))
            .collect();
        let heading_height = tallest(&headings) * HEADING.leading + 2.0 * HEADING_PAD_Y;
        self.ensure(heading_height + CELL.leading + 2.0 * CELL_PAD_Y);
        self.heading(&grid, &headings, heading_height);
        for row in &table.rows {
            let cells: Vec<Vec<String>> = (0..grid.len())
                .map(|i| {
                    let text = row.get(i).map_or("", String::as_str);
                    self.wrap(CELL, text, grid.inner_width(i))
                })
                .collect();
            self.row(&grid, &cells, &headings, heading_height);
        }
    }

    fn heading(&mut self, grid: &Grid, headings: &[Vec<String>], height: f32) {
        let top = self.y + HEADING_PAD_Y;
        for (i, lines) in headings.iter().enumerate() {
            let (x, align) = grid.anchor(i);
            self.lines(HEADING, x, top, align, lines.clone());
        }
        self.y += height;
        self.rule(self.left, self.right, self.y, 0.8, RULE_DARK);
    }

    /// One row; a row taller than what is left of the page moves to the next page, and one
    /// taller than a whole page is split between its lines.
    fn row(
        &mut self,
        grid: &Grid,
        cells: &[Vec<String>],
        headings: &[Vec<String>],
        heading_height: f32,
    ) {
        let count = tallest(cells) as usize;
        let row_height = count as f32 * CELL.leading + 2.0 * CELL_PAD_Y;
        let page_room = self.limit - self.top - heading_height;
        if self.y + row_height > self.limit && row_height <= page_room {
            self.new_page();
            self.heading(grid, headings, heading_height);
        }
        let mut start = 0;
        // Whether the cursor sits right under a heading this row put on a new page: there at
        // least one line is set, whatever the room, so a heading taller than a page still ends.
        let mut fresh = false;
        while start < count {
            let room = ((self.limit - self.y - 2.0 * CELL_PAD_Y) / CELL.leading).floor();
            let fit = if room >= 1.0 {
                room as usize
            } else {
                usize::from(fresh)
            };
            if fit == 0 {
                self.new_page();
                self.heading(grid, headings, heading_height);
                fresh = true;
                continue;
            }
            fresh = false;
            let end = count.min(start + fit);
            let top = self.y + CELL_PAD_Y;
            for (i, lines) in cells.iter().enumerate() {
                let (x, align) = grid.anchor(i);
                let part: Vec<String> = lines
                    .iter()
                    .skip(start)
                    .take(end - start)
                    .cloned()
                    .collect();
                self.lines(CELL, x, top, align, part);
            }
            self.y += (end - start) as f32 * CELL.leading + 2.0 * CELL_PAD_Y;
            self.rule(self.left, self.right, self.y, 0.4, RULE_LIGHT);
            start = end;
        }
    }

    /// Sums right-aligned under the table; the emphasised one bold under a rule.
    fn totals(&mut self, doc: &Document) {
        if doc.totals.is_empty() {
            return;
        }
        self.y += 6.0;
        let value_width = doc
            .totals
            .iter()
            .map(|t| {
                let s = if t.emphasised { GRAND_TOTAL } else { TOTAL };
                self.fonts
                    .get(s.weight)
                    .width(&clean_line(&t.value), s.size)
            })
            .fold(0.0_f32, f32::max)
            .min(self.content_width() * 0.5);
        let label_right = self.right - value_width - 18.0;
        let block_left = self.left + self.content_width() * 0.45;
        let label_width = (label_right - block_left).max(60.0);
        for total in &doc.totals {
            let s = if total.emphasised { GRAND_TOTAL } else { TOTAL };
            let labels = self.wrap(s, &total.label, label_width);
            let values = self.wrap(s, &total.value, value_width.max(1.0));
            let height = labels.len().max(values.len()) as f32 * s.leading + 6.0;
            let extra = if total.emphasised { 4.0 } else { 0.0 };
            self.ensure(height + extra);
            if total.emphasised {
                self.y += extra;
                self.rule(block_left, self.right, self.y, 0.8, RULE_DARK);
            }
            self.lines(s, label_right, self.y + 3.0, Align::Right, labels);
            self.lines(s, self.right, self.y + 3.0, Align::Right, values);
            self.y += height;
        }
    }

    /// Paragraphs in smaller text, broken across pages line by line.
    fn notes(&mut self, notes: &[String]) {
        if notes.is_empty() {
            return;
        }
        self.y += 14.0;
        for note in notes {
            for line in self.wrap(NOTE, note, self.content_width()) {
                self.ensure(NOTE.leading);
                self.line(NOTE, self.left, self.y, Align::Left, line);
                self.y += NOTE.leading;
            }
            self.y += 5.0;
        }
    }

    /// The code bottom-left, its visible edge on the margin (the quiet zone lies in the
    /// margin), the caption beside it.
    fn qr(&mut self, modules: &Modules, caption: &str) {
        self.y += 10.0;
        self.ensure(QR_SIDE);
        let module = QR_SIDE / modules.width_with_quiet_zone() as f32;
        let quiet = QUIET_ZONE as f32 * module;
        let (x0, top) = (self.left - quiet, self.y);
        for run in modules.runs() {
            let x = x0 + quiet + run.column as f32 * module;
            let bottom = top + quiet + (run.row + 1) as f32 * module;
            // A hair taller than a module so rows touch without seams when rasterised.
            let (w, h) = (run.length as f32 * module, module + 0.05);
            let y = self.height - bottom;
            self.ops().push(Op::Square { x, y, w, h });
        }
        let caption_x = x0 + QR_SIDE + 2.0 * MM;
        let lines = self.wrap(CAPTION, caption, (self.right - caption_x).min(80.0 * MM));
        let caption_top = top + (QR_SIDE - lines.len() as f32 * CAPTION.leading) / 2.0;
        self.lines(CAPTION, caption_x, caption_top.max(top), Align::Left, lines);
        self.y += QR_SIDE;
    }

    /// Footers on every page now that the page count is known.
    fn finish(mut self, doc: &Document) -> Vec<Page> {
        let total = self.pages.len();
        let footer = clean_line(&doc.footer);
        let rule_top = self.height - 17.0 * MM;
        let text_top = self.height - 15.5 * MM;
        // The footer lives below the content's end.
        self.limit = self.height;
        for n in 0..total {
            self.page = n;
            let label = clean_line(
                &doc.page_label
                    .replace("{n}", &(n + 1).to_string())
                    .replace("{m}", &total.to_string()),
            );
            let font = self.fonts.get(FOOTER.weight);
            let room = self.content_width() - font.width(&label, FOOTER.size) - 12.0;
            // Only the first line: a footer is one line, and a longer one is cut, not spilled.
            let first = wrap(font, FOOTER.size, &footer, room).swap_remove(0);
            if !first.is_empty() || !label.is_empty() {
                self.rule(self.left, self.right, rule_top, 0.4, RULE_LIGHT);
            }
            self.line(FOOTER, self.left, text_top, Align::Left, first);
            self.line(FOOTER, self.right, text_top, Align::Right, label);
        }
        self.pages
    }
}

/// The most lines any cell of a row has.
fn tallest(cells: &[Vec<String>]) -> f32 {
    cells.iter().map(Vec::len).max().unwrap_or(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Column, Paper, Total};

    fn hostile() -> Document {
        Document {
            paper: Paper::Letter,
            title: "Title ".repeat(300),
            number: Some("N".repeat(2000)),
            issuer: vec!["Issuer ".repeat(300); 30],
            recipient: vec!["Recipient ".repeat(300); 30],
            facts: vec![("Label ".repeat(100), "Value ".repeat(500)); 10],
            table: Table {
                columns: vec![Column {
                    heading: "Heading ".repeat(100),
                    align: Align::Left,
                    weight: 0,
                }],
                rows: vec![vec!["Cell ".repeat(3000)]; 3],
            },
            sections: vec![
                crate::Section {
                    heading: "Section ".repeat(400),
                    paragraphs: vec!["Paragraph ".repeat(2000)],
                    table: Table {
                        columns: vec![Column {
                            heading: "H".into(),
                            align: Align::Left,
                            weight: 1,
                        }],
                        rows: vec![vec!["Cell ".repeat(2000)]; 2],
                    },
                };
                2
            ],
            totals: vec![Total {
                label: "Total ".repeat(2000),
                value: "9".repeat(500),
                emphasised: true,
            }],
            notes: vec!["Note ".repeat(3000)],
            qr: None,
            footer: "Footer ".repeat(300),
            page_label: "Page {n} of {m}".into(),
            language: "en".into(),
            created: None,
        }
    }

    #[test]
    fn hostile_blocks_stay_on_the_sheet_and_off_the_footer() {
        let fonts = Fonts::load().expect("embedded fonts parse");
        let doc = hostile();
        let pages = lay_out(&doc, &fonts, None);
        assert!(pages.len() > 3);
        let (width, height) = doc.paper.size();
        let footer_line = 17.0 * MM;
        for page in &pages {
            for op in &page.ops {
                if let Op::Text { x, y, size, .. } = op {
                    assert!(*y > 0.0 && *y < height, "text off the sheet at y {y}");
                    assert!(*x >= 0.0 && *x < width, "text off the sheet at x {x}");
                    let is_footer = *size == FOOTER.size;
                    assert!(
                        is_footer || *y > footer_line,
                        "text over the footer at y {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_page_gets_one_footer_with_its_number() {
        let fonts = Fonts::load().expect("embedded fonts parse");
        let pages = lay_out(&hostile(), &fonts, None);
        let total = pages.len();
        for (i, page) in pages.iter().enumerate() {
            let label = format!("Page {} of {total}", i + 1);
            let found = page
                .ops
                .iter()
                .filter(|op| matches!(op, Op::Text { text, .. } if *text == label))
                .count();
            assert_eq!(found, 1, "page {}", i + 1);
        }
    }

    #[test]
    fn an_empty_document_is_one_empty_page() {
        let fonts = Fonts::load().expect("embedded fonts parse");
        let mut doc = hostile();
        doc.title.clear();
        doc.number = None;
        doc.issuer.clear();
        doc.recipient.clear();
        doc.facts.clear();
        doc.table = Table::default();
        doc.sections.clear();
        doc.totals.clear();
        doc.notes.clear();
        doc.footer.clear();
        doc.page_label.clear();
        let pages = lay_out(&doc, &fonts, None);
        assert_eq!(pages.len(), 1);
        assert!(pages[0].ops.is_empty(), "{:?}", pages[0].ops);
    }
}
