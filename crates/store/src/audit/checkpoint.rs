//! Checkpoints: the chain's head (count, last seq, last MAC, instant) written outside the
//! database, one line each, appended and never rewritten. A rewrite made with the key yields a
//! consistent chain, but not the MAC a checkpoint recorded at its seq; a cut tail, fewer rows
//! than a checkpoint counted.

use crate::error::{StoreError, StoreResult};
use jiff::Timestamp;
use std::io::Write;
use std::path::Path;

/// The head of the chain at one instant. It names no one: a count, a number, a MAC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub at: Timestamp,
    pub rows: u64,
    pub seq: i64,
    pub mac: String,
}

impl Checkpoint {
    /// `2026-12-05T01:00:00Z rows=12 seq=12 mac=…`: one line, readable by eye and by `grep`.
    pub fn line(&self) -> String {
        format!(
            "{} rows={} seq={} mac={}",
            self.at, self.rows, self.seq, self.mac
        )
    }

    /// One line back into a checkpoint; `None` when it is not one.
    pub fn parse(line: &str) -> Option<Checkpoint> {
        let mut words = line.split_ascii_whitespace();
        let at = words.next()?.parse().ok()?;
        let rows = words.next()?.strip_prefix("rows=")?.parse().ok()?;
        let seq = words.next()?.strip_prefix("seq=")?.parse().ok()?;
        let mac = words.next()?.strip_prefix("mac=")?;
        if words.next().is_some() || mac.len() != 64 || !mac.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        Some(Checkpoint {
            at,
            rows,
            seq,
            mac: mac.to_ascii_lowercase(),
        })
    }
}

/// Every checkpoint in `path`, oldest first; none when the file does not exist yet. A line that
/// is not a checkpoint is an error naming it: a damaged file is not silently trusted less.
pub fn read(path: &Path) -> StoreResult<Vec<Checkpoint>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(StoreError::Corrupt(format!(
                "cannot read the audit checkpoints {}: {e}",
                path.display()
            )))
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            Checkpoint::parse(l).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "line {} of the audit checkpoints {} is not a checkpoint",
                    i + 1,
                    path.display()
                ))
            })
        })
        .collect()
}

/// Appends one checkpoint to `path`, creating it readable by its owner only (0600), and syncs
/// it to disk before answering.
pub fn append(path: &Path, checkpoint: &Checkpoint) -> StoreResult<()> {
    let fail = |e: std::io::Error| {
        StoreError::Corrupt(format!(
            "cannot write the audit checkpoint to {}: {e}",
            path.display()
        ))
    };
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    writeln!(file, "{}", checkpoint.line()).map_err(fail)?;
    file.sync_all().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            at: "2026-12-05T01:00:00Z".parse().unwrap(),
            rows: 12,
            seq: 12,
            mac: "ab".repeat(32),
        }
    }

    #[test]
    fn a_line_reads_back_as_the_same_checkpoint() {
        assert_eq!(Checkpoint::parse(&checkpoint().line()), Some(checkpoint()));
    }

    #[test]
    fn malformed_lines_are_not_checkpoints() {
        for line in [
            "",
            "garbage",
            "2026-12-05T01:00:00Z rows=12 seq=12",
            "2026-12-05T01:00:00Z rows=x seq=12 mac=00",
            &format!(
                "2026-12-05T01:00:00Z rows=1 seq=1 mac={} extra",
                "a".repeat(64)
            ),
            &format!("2026-12-05T01:00:00Z rows=1 seq=1 mac={}", "g".repeat(64)),
            &"x".repeat(100_000),
        ] {
            assert_eq!(Checkpoint::parse(line), None, "{line:.40}");
        }
    }

    #[test]
    fn the_file_is_appended_to_readable_by_its_owner_only_and_a_bad_line_is_named() {
        let path = std::env::temp_dir().join(format!("holdspace-cp-{}", crate::random_hex(6)));
        assert_eq!(read(&path).unwrap(), vec![]);
        append(&path, &checkpoint()).unwrap();
        append(&path, &checkpoint()).unwrap();
        assert_eq!(read(&path).unwrap().len(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(
            &path,
            format!("{}\nnot a checkpoint\n", checkpoint().line()),
        )
        .unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        let _ = std::fs::remove_file(path);
    }
}
