//! Bank statements exported as CSV, read through a mapping the therapist sets up once for
//! their bank: which column holds what, and how dates and amounts are written.
//!
//! Cells are data, never formulas: "=HYPERLINK(…)" in a payment text stays that text. Whoever
//! writes these cells back into a spreadsheet must escape them there.

use jiff::civil::Date;

use super::amount::parse_amount;
use super::statement::{
    check_size, fill_hash_keys, is_currency_code, Credit, Field, Statement, StatementError,
};

/// A column of the file: by its header (trimmed, any case) or by its 1-based position, as a
/// spreadsheet numbers them. A header needs `has_header`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnRef {
    Header(String),
    Position(usize),
}

/// How the bank writes a booking date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFormat {
    /// 2026-01-15
    Iso,
    /// 15.01.2026 (German banks; "15.01.26" is read as 2026 too)
    DayMonthYear,
    /// 01/15/2026
    MonthDayYear,
}

/// Where a bank's CSV export keeps what a credit needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvMapping {
    pub delimiter: u8,
    pub date_column: ColumnRef,
    pub amount_column: ColumnRef,
    /// Without it, every row is in the `default_currency` given to `parse_csv`.
    pub currency_column: Option<ColumnRef>,
    pub text_column: ColumnRef,
    pub counterparty_column: Option<ColumnRef>,
    pub date_format: DateFormat,
    /// "1.234,56" rather than "1,234.56".
    pub decimal_comma: bool,
    pub has_header: bool,
}

/// The columns of a mapping resolved to 0-based positions.
struct Columns {
    date: usize,
    amount: usize,
    currency: Option<usize>,
    text: usize,
    counterparty: Option<usize>,
}

/// Reads a CSV export: quoted fields, a byte-order mark, CRLF or LF, UTF-8 or (as many banks
/// still export) Latin-1. Rows with a negative amount are debits, counted and skipped; rows of
/// nothing but empty cells are skipped. Errors name the row (1-based, header included, as a
/// spreadsheet shows it) and the field.
pub fn parse_csv(
    bytes: &[u8],
    mapping: &CsvMapping,
    default_currency: &str,
) -> Result<Statement, StatementError> {
    check_size(bytes)?;
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(mapping.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records().enumerate();
    let header = if mapping.has_header {
        match records.next() {
            Some((_, record)) => Some(record.map_err(|_| StatementError::Malformed)?),
            None => return Err(StatementError::Empty),
        }
    } else {
        None
    };
    let columns = resolve(mapping, header.as_ref())?;
    let default_currency = default_currency.trim().to_ascii_uppercase();
    let mut statement = Statement::default();
    let mut rows = 0;
    for (index, record) in records {
        let record = record.map_err(|_| StatementError::Malformed)?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        rows += 1;
        let row = Row {
            number: index + 1,
            record: &record,
        };
        read_row(&row, &columns, mapping, &default_currency, &mut statement)?;
    }
    if rows == 0 {
        return Err(StatementError::Empty);
    }
    fill_hash_keys(&mut statement.credits);
    Ok(statement)
}

struct Row<'a> {
    number: usize,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn cell(&self, column: usize, field: Field) -> Result<&str, StatementError> {
        self.record
            .get(column)
            .map(str::trim)
            .ok_or(StatementError::CsvRow {
                row: self.number,
                field,
            })
    }

    fn error(&self, field: Field) -> StatementError {
        StatementError::CsvRow {
            row: self.number,
            field,
        }
    }
}

fn read_row(
    row: &Row,
    columns: &Columns,
    mapping: &CsvMapping,
    default_currency: &str,
    statement: &mut Statement,
) -> Result<(), StatementError> {
    let currency = match columns.currency {
        Some(c) => row.cell(c, Field::Currency)?.to_ascii_uppercase(),
        None => default_currency.to_string(),
    };
    if !is_currency_code(&currency) {
        return Err(row.error(Field::Currency));
    }
    let amount = row.cell(columns.amount, Field::Amount)?;
    let amount =
        parse_amount(amount, &currency, mapping.decimal_comma).ok_or(row.error(Field::Amount))?;
    let booked_on = parse_date(row.cell(columns.date, Field::Date)?, mapping.date_format)
        .ok_or(row.error(Field::Date))?;
    let remittance = row.cell(columns.text, Field::Text)?.to_string();
    let counterparty = match columns.counterparty {
        Some(c) => row.cell(c, Field::Counterparty)?.to_string(),
        None => String::new(),
    };
    if amount < 0 {
        statement.debits_skipped += 1;
    } else if amount > 0 {
        statement.credits.push(Credit {
            entry_key: String::new(),
            booked_on,
            amount_minor: amount,
            currency,
            counterparty,
            remittance,
            iban: None,
        });
    }
    Ok(())
}

fn resolve(
    mapping: &CsvMapping,
    header: Option<&csv::StringRecord>,
) -> Result<Columns, StatementError> {
    let find = |column: &ColumnRef| position(column, header);
    Ok(Columns {
        date: find(&mapping.date_column)?,
        amount: find(&mapping.amount_column)?,
        currency: mapping.currency_column.as_ref().map(find).transpose()?,
        text: find(&mapping.text_column)?,
        counterparty: mapping.counterparty_column.as_ref().map(find).transpose()?,
    })
}

/// The 0-based position of `column`. With a header, a number beyond it or a name not in it is
/// refused up front; without one, a number is checked row by row.
fn position(
    column: &ColumnRef,
    header: Option<&csv::StringRecord>,
) -> Result<usize, StatementError> {
    let missing = || StatementError::CsvColumn {
        column: match column {
            ColumnRef::Header(name) => name.clone(),
            ColumnRef::Position(n) => n.to_string(),
        },
    };
    match (column, header) {
        (ColumnRef::Position(0), _) => Err(missing()),
        (ColumnRef::Position(n), Some(h)) if *n > h.len() => Err(missing()),
        (ColumnRef::Position(n), _) => Ok(n - 1),
        (ColumnRef::Header(name), Some(h)) => h
            .iter()
            .position(|cell| cell.trim().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(missing),
        (ColumnRef::Header(_), None) => Err(missing()),
    }
}

/// The text without a byte-order mark: UTF-8 when it is, else Latin-1, where every byte is a
/// character, so nothing is refused for its encoding.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|b| char::from(*b)).collect(),
    }
}

fn parse_date(text: &str, format: DateFormat) -> Option<Date> {
    let parts: Vec<&str> = match format {
        DateFormat::Iso => text.split('-').collect(),
        DateFormat::DayMonthYear => text.split('.').collect(),
        DateFormat::MonthDayYear => text.split('/').collect(),
    };
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (year, month, day) = match format {
        DateFormat::Iso => (*a, *b, *c),
        DateFormat::DayMonthYear => (*c, *b, *a),
        DateFormat::MonthDayYear => (*c, *a, *b),
    };
    let number = |s: &str, max_len: usize| -> Option<i16> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let year = match year.len() {
        2 => 2000 + number(year, 2)?,
        4 => number(year, 4)?,
        _ => return None,
    };
    let month = i8::try_from(number(month, 2)?).ok()?;
    let day = i8::try_from(number(day, 2)?).ok()?;
    Date::new(year, month, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_each_format() {
        let d = jiff::civil::date(2026, 1, 15);
        assert_eq!(parse_date("2026-01-15", DateFormat::Iso), Some(d));
        assert_eq!(parse_date("15.01.2026", DateFormat::DayMonthYear), Some(d));
        assert_eq!(parse_date("15.1.26", DateFormat::DayMonthYear), Some(d));
        assert_eq!(parse_date("01/15/2026", DateFormat::MonthDayYear), Some(d));
        for bad in [
            "",
            "2026-02-30",
            "15.01.2026",
            "2026-1",
            "+2026-01-15",
            "2026-01-15T10",
        ] {
            assert_eq!(parse_date(bad, DateFormat::Iso), None, "{bad:?}");
        }
        assert_eq!(parse_date("01/15/2026", DateFormat::DayMonthYear), None);
        assert_eq!(parse_date("15/01/2026", DateFormat::MonthDayYear), None);
    }

    #[test]
    fn latin1_is_read_when_the_file_is_not_utf8() {
        assert_eq!(decode(b"M\xfcller"), "Müller");
        assert_eq!(decode("Müller".as_bytes()), "Müller");
        assert_eq!(decode(b"\xef\xbb\xbfa"), "a");
    }
}
