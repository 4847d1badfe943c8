//! Business documents (invoices, credit notes, receipts, superbills) laid out as PDFs.
//!
//! The crate knows nothing of billing: the caller hands over strings already formatted in the
//! practice's language (money, dates, labels) and gets back the bytes of a PDF. Text is set in
//! embedded, subsetted DejaVu Sans with a `ToUnicode` map, so what a reader copies or a tool
//! extracts is exactly the string that was passed in. The same input always gives the same
//! bytes, so a caller may store and compare a document's hash.

mod fonts;
mod grid;
mod layout;
mod qr;
mod wrap;
mod write;

/// The sheet a document is laid out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 210 × 297 mm, the recipient placed for a DIN 5008 window envelope.
    A4,
    /// 8.5 × 11 in.
    Letter,
}

impl Paper {
    /// Width and height in PDF points (1/72 in).
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// One business document: everything on it is a string the caller has already formatted.
#[derive(Debug, Clone)]
pub struct Document {
    pub paper: Paper,
    /// "Invoice", "Credit note", "Receipt", "Superbill", ...
    pub title: String,
    /// The document's number, shown large under the title.
    pub number: Option<String>,
    /// The practice: name first (set bold), then address, tax number, email.
    pub issuer: Vec<String>,
    /// The patient or payer: name, then address lines.
    pub recipient: Vec<String>,
    /// Label/value pairs next to the recipient: date, due date, payment reference, NPI, ...
    pub facts: Vec<(String, String)>,
    /// The lines of the document.
    pub table: Table,
    /// Headed parts after the table, each with its own paragraphs and table (a patient's
    /// record: appointments, answers, measures). Empty for a business document.
    pub sections: Vec<Section>,
    /// Sums under the table, right-aligned; the emphasised one (the final total) is set bold.
    pub totals: Vec<Total>,
    /// Paragraphs in smaller text: exemption wording, payment terms, bank details.
    pub notes: Vec<String>,
    /// A payment code (EPC GiroCode) with its caption.
    pub qr: Option<Qr>,
    /// Small text at the foot of every page, e.g. the practice's name.
    pub footer: String,
    /// The page number at the foot of every page: `{n}` and `{m}` are replaced by the page
    /// number and the page count ("Page {n} of {m}"). Empty for none.
    pub page_label: String,
    /// BCP 47 language tag of the text, written to the catalog's `/Lang`.
    pub language: String,
    /// Creation date in PDF date format (`D:20260407093000Z`), or none. Never taken from the
    /// clock here, so rendering stays deterministic.
    pub created: Option<String>,
}

/// A headed part of a longer document: its heading, then paragraphs, then a table.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// No columns: no table.
    pub table: Table,
}

/// A row of the totals block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    pub label: String,
    pub value: String,
    /// The final total: set bold with a rule above it.
    pub emphasised: bool,
}

/// The lines of a document: columns and rows of already-formatted cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    /// One entry per row, one cell per column; missing cells are blank, extra cells ignored.
    pub rows: Vec<Vec<String>>,
}

/// One column of the table.
#[derive(Debug, Clone)]
pub struct Column {
    pub heading: String,
    pub align: Align,
    /// Relative width: a column of weight 2 is twice as wide as one of weight 1.
    pub weight: u16,
}

/// Horizontal alignment of a column's heading and cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    /// For amounts and quantities.
    Right,
}

/// A QR code drawn as vector squares, with the caption set beside it.
#[derive(Debug, Clone)]
pub struct Qr {
    /// The encoded text, e.g. an EPC069-12 payload; encoded at error-correction level M.
    pub payload: String,
    /// "Scan to pay with your banking app".
    pub caption: String,
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The embedded font could not be read or subsetted (a build defect, never input).
    #[error("the embedded font could not be used: {0}")]
    Font(String),
    /// The QR payload does not fit in a QR code at level M.
    #[error("the QR payload is too long for a QR code")]
    QrPayload,
}

/// Lays the document out and writes it as PDF bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let fonts = fonts::Fonts::load()?;
    let qr = match &doc.qr {
        Some(qr) => Some(qr::Modules::encode(&qr.payload)?),
        None => None,
    };
    let pages = layout::lay_out(doc, &fonts, qr.as_ref());
    write::write(doc, &fonts, &pages)
}
