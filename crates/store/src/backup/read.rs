//! Reading a backup stream back: the header first (before anything is written anywhere), then
//! each table's rows checked against the header, then the trailer's checksum and the end.

use super::{decode_value, Header, Marker, TrailerLine, FORMAT, FORMAT_VERSION};
use crate::catalog::{Table, Value};
use crate::error::{StoreError, StoreResult};
use sha2::{Digest, Sha256};
use std::io::{BufRead, Read};

/// No line of a backup is longer (a row holding the largest upload, in base64, fits many times):
/// a hostile file cannot make the reader hold more than this at once.
const MAX_LINE: u64 = 1 << 30;

pub struct Reader<'a> {
    input: &'a mut (dyn BufRead + Send),
    sha: Sha256,
    line: Vec<u8>,
    header: Header,
    rows_read: u64,
}

fn bad(what: &str) -> StoreError {
    StoreError::Backup(format!("the backup cannot be read: {what}"))
}

impl<'a> Reader<'a> {
    /// Reads and checks the header.
    pub fn open(input: &'a mut (dyn BufRead + Send)) -> StoreResult<Reader<'a>> {
        let mut reader = Reader {
            input,
            sha: Sha256::new(),
            line: Vec::new(),
            header: Header {
                format: String::new(),
                format_version: 0,
                schema_version: 0,
                created_at: jiff::Timestamp::UNIX_EPOCH,
                snapshot_at: jiff::Timestamp::UNIX_EPOCH,
                backend: String::new(),
                tables: Vec::new(),
            },
            rows_read: 0,
        };
        if !reader.next_line()? {
            return Err(bad("it is empty"));
        }
        let not_ours = || StoreError::Backup("this file is not a holdspace backup".into());
        let value: serde_json::Value =
            serde_json::from_slice(&reader.line).map_err(|_| not_ours())?;
        if value.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
            return Err(not_ours());
        }
        let header: Header =
            serde_json::from_value(value).map_err(|_| bad("its header is malformed"))?;
        if header.format_version != FORMAT_VERSION {
            return Err(StoreError::Backup(format!(
                "the backup is in format version {}; this holdspace reads version {FORMAT_VERSION}",
                header.format_version
            )));
        }
        reader.hash_line();
        reader.header = header;
        Ok(reader)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Reads the marker of the next table, which must be `name` with the header's row count.
    pub fn start_table(&mut self, name: &str, rows: u64) -> StoreResult<()> {
        if !self.next_line()? {
            return Err(ended_early());
        }
        let marker: Marker = serde_json::from_slice(&self.line)
            .map_err(|_| bad(&format!("the rows of {name} are not where the header says")))?;
        if marker.table != name || marker.rows != rows {
            return Err(bad(&format!(
                "the rows of {name} are not where the header says"
            )));
        }
        self.hash_line();
        Ok(())
    }

    /// Reads one row of `table` (as the header describes it), its values checked against the
    /// columns' kinds.
    pub fn row(&mut self, table: &Table) -> StoreResult<Vec<Value>> {
        if !self.next_line()? {
            return Err(ended_early());
        }
        let malformed = || bad(&format!("a row of {} is malformed", table.name));
        let values: Vec<serde_json::Value> =
            serde_json::from_slice(&self.line).map_err(|_| malformed())?;
        if values.len() != table.columns.len() {
            return Err(malformed());
        }
        let row = values
            .iter()
            .zip(&table.columns)
            .map(|(v, c)| decode_value(v, c.kind))
            .collect::<Option<Vec<Value>>>()
            .ok_or_else(malformed)?;
        self.hash_line();
        self.rows_read += 1;
        Ok(row)
    }

    /// Reads the trailer: the checksum must match everything before it, and nothing may follow.
    pub fn finish(&mut self) -> StoreResult<()> {
        if !self.next_line()? {
            return Err(ended_early());
        }
        let trailer: TrailerLine =
            serde_json::from_slice(&self.line).map_err(|_| bad("its end is malformed"))?;
        let sha = hex::encode(self.sha.clone().finalize());
        if trailer.trailer.sha256 != sha || trailer.trailer.rows != self.rows_read {
            return Err(StoreError::Backup(
                "the backup's checksum does not match: the file was changed or damaged".into(),
            ));
        }
        let mut rest = [0u8; 1];
        match self.input.read(&mut rest) {
            Ok(0) => Ok(()),
            Ok(_) => Err(bad("something follows its end")),
            Err(e) => Err(read_failed(e)),
        }
    }

    /// The next line (without its newline) into `self.line`; false at the end of the stream.
    fn next_line(&mut self) -> StoreResult<bool> {
        self.line.clear();
        let n = (&mut self.input)
            .take(MAX_LINE)
            .read_until(b'\n', &mut self.line)
            .map_err(read_failed)?;
        if n == 0 {
            return Ok(false);
        }
        if self.line.pop() != Some(b'\n') {
            return Err(ended_early());
        }
        Ok(true)
    }

    fn hash_line(&mut self) {
        self.sha.update(&self.line);
        self.sha.update(b"\n");
    }
}

fn ended_early() -> StoreError {
    StoreError::Backup("the backup ends early: the file is truncated".into())
}

fn read_failed(e: std::io::Error) -> StoreError {
    StoreError::Backup(format!("the backup cannot be read: {e}"))
}
