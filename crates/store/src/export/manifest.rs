//! `manifest.json`: what the export is (format and its version, the schema it came from, when),
//! its tables in the order an import inserts them with their row counts, and every other file
//! with its size and SHA-256. An import trusts nothing before this list and the directory agree.

use super::{files, invalid, ExportResult, FORMAT, FORMAT_VERSION, MANIFEST, MAX_MANIFEST_BYTES};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The newest migration of the database it was read from.
    pub schema_version: i64,
    /// When the snapshot was taken (RFC 3339, UTC): the one field that differs between two
    /// exports of the same data.
    pub exported_at: String,
    /// In the order an import inserts them: each after the tables it references.
    pub tables: Vec<TableEntry>,
    /// Every file but the manifest, by path.
    pub files: Vec<FileEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableEntry {
    pub name: String,
    pub file: String,
    pub rows: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Relative to the export's directory, `/`-separated.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn entry(&self, path: &str) -> Option<&FileEntry> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }
}

/// A path the manifest may name: relative, inside the directory, of plain name parts.
fn safe(path: &str) -> bool {
    path.len() <= 512
        && path != MANIFEST
        && path.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        })
}

/// Reads the manifest and checks the directory against it: the format and version, every path
/// inside the directory, no file missing, none extra, each one's size and SHA-256. Nothing of the
/// export is read as data before this passes.
pub(super) fn read_and_check(dir: &Path) -> ExportResult<Manifest> {
    let bytes = files::read_bounded(&dir.join(MANIFEST), MAX_MANIFEST_BYTES)?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(format!("{MANIFEST} is not a valid manifest: {e}")))?;
    if manifest.format != FORMAT {
        return Err(invalid(format!(
            "{MANIFEST} does not describe a holdspace export (format {:?})",
            manifest.format
        )));
    }
    if manifest.format_version != FORMAT_VERSION {
        return Err(invalid(format!(
            "this export is format version {}; this holdspace reads version {FORMAT_VERSION}",
            manifest.format_version
        )));
    }
    let mut listed = BTreeSet::new();
    for f in &manifest.files {
        if !safe(&f.path) {
            return Err(invalid(format!(
                "{MANIFEST} names {:?}, a path outside the export or not a plain name",
                f.path
            )));
        }
        if !listed.insert(f.path.as_str()) {
            return Err(invalid(format!("{MANIFEST} lists {} twice", f.path)));
        }
    }
    if !manifest.files.windows(2).all(|w| w[0].path < w[1].path) {
        return Err(invalid(format!(
            "{MANIFEST} does not list its files in order"
        )));
    }
    for t in &manifest.tables {
        if !listed.contains(t.file.as_str()) {
            return Err(invalid(format!(
                "{MANIFEST} names {} for table {} but does not list that file",
                t.file, t.name
            )));
        }
    }
    let mut present = files::walk(dir)?;
    present.remove(MANIFEST);
    if let Some(missing) = listed.iter().find(|p| !present.contains(**p)) {
        return Err(invalid(format!(
            "{missing} is missing: the manifest lists it"
        )));
    }
    if let Some(extra) = present.iter().find(|p| !listed.contains(p.as_str())) {
        return Err(invalid(format!(
            "{extra} is not in the manifest: an export holds only the files it lists"
        )));
    }
    for f in &manifest.files {
        files::check(dir, f)?;
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_safe() {
        assert!(safe("tables/users.json"));
        assert!(safe("files/invoices/0af3.pdf_sealed"));
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "tables/../../x",
            "tables//x",
            "./x",
            "",
            "a\\b",
            "manifest.json",
            "tables/ü.json",
        ] {
            assert!(!safe(bad), "{bad}");
        }
    }
}
