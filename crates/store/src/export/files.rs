//! The export directory on disk: created for its owner only (0700, files 0600), every file
//! written once with its SHA-256 counted as it is written, and read back only after its size
//! and checksum are checked.

use super::{invalid, ExportError, ExportResult, FileEntry, MAX_FILE_BYTES};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Creates `dir` for its owner only, or takes it if it exists empty (a mount point, say).
pub(super) fn prepare(dir: &Path) -> ExportResult<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(ExportError::Refused(format!(
                    "{} is not empty: an export goes into a new or empty directory",
                    dir.display()
                )));
            }
            set_private(dir, 0o700)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => make_dir(dir),
        Err(e) => Err(io(dir)(e)),
    }
}

/// Removes what a failed export wrote into `dir`, and `dir` itself when the export made it.
pub(super) fn clear(dir: &Path, made: bool) {
    if made {
        let _ = std::fs::remove_dir_all(dir);
    } else if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
}

fn make_dir(dir: &Path) -> ExportResult<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io(dir))?;
    set_private(dir, 0o700)
}

#[cfg(unix)]
fn set_private(path: &Path, mode: u32) -> ExportResult<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io(path))
}

#[cfg(not(unix))]
fn set_private(_: &Path, _: u32) -> ExportResult<()> {
    Ok(())
}

/// Writes the files of one export and remembers each one's size and checksum for the manifest.
pub(super) struct Out {
    root: PathBuf,
    pub(super) written: Vec<FileEntry>,
}

impl Out {
    pub(super) fn new(root: &Path) -> Out {
        Out {
            root: root.to_path_buf(),
            written: Vec::new(),
        }
    }

    /// Opens `relative` (slash-separated) for writing, its folders made as needed.
    pub(super) fn create(&self, relative: &str) -> ExportResult<Writer> {
        let path = self.root.join(relative);
        if let Some(parent) = path.parent() {
            if !parent.exists() {
                make_dir(parent)?;
            }
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(io(&path))?;
        Ok(Writer {
            relative: relative.to_string(),
            path,
            file: std::io::BufWriter::new(file),
            hash: Sha256::new(),
            size: 0,
        })
    }

    /// Writes one whole file and answers its SHA-256.
    pub(super) fn write(&mut self, relative: &str, bytes: &[u8]) -> ExportResult<String> {
        let mut w = self.create(relative)?;
        w.put(bytes)?;
        self.finish(w)
    }

    pub(super) fn finish(&mut self, w: Writer) -> ExportResult<String> {
        let entry = w.close()?;
        let sha = entry.sha256.clone();
        self.written.push(entry);
        Ok(sha)
    }
}

pub(super) struct Writer {
    relative: String,
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    hash: Sha256,
    size: u64,
}

impl Writer {
    pub(super) fn put(&mut self, bytes: &[u8]) -> ExportResult<()> {
        self.hash.update(bytes);
        self.size += bytes.len() as u64;
        self.file.write_all(bytes).map_err(io(&self.path))
    }

    /// Flushes to disk and answers the file's manifest entry.
    pub(super) fn close(self) -> ExportResult<FileEntry> {
        let path = self.path;
        let file = self
            .file
            .into_inner()
            .map_err(|e| io(&path)(e.into_error()))?;
        file.sync_all().map_err(io(&path))?;
        Ok(FileEntry {
            path: self.relative,
            size: self.size,
            sha256: hex::encode(self.hash.finalize()),
        })
    }
}

/// Every file under `root` (slash-separated, relative), refusing links and names that are not
/// UTF-8: an import reads only what the manifest can name.
pub(super) fn walk(root: &Path) -> ExportResult<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let name = entry.file_name().into_string().map_err(|_| {
                invalid(format!(
                    "{} holds a file whose name is not UTF-8",
                    dir.display()
                ))
            })?;
            let relative = format!("{prefix}{name}");
            let kind = entry.file_type().map_err(io(&entry.path()))?;
            if kind.is_symlink() {
                return Err(invalid(format!(
                    "{relative} is a link: an export holds plain files only"
                )));
            } else if kind.is_dir() {
                pending.push((entry.path(), format!("{relative}/")));
            } else {
                found.insert(relative);
            }
        }
    }
    Ok(found)
}

/// Checks one file against its manifest entry: its size first (so a huge file is refused without
/// being read), then its SHA-256, read in pieces.
pub(super) fn check(root: &Path, entry: &FileEntry) -> ExportResult<()> {
    let path = root.join(&entry.path);
    let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(invalid(format!(
            "{} is larger than an export's files may be ({} bytes at most)",
            entry.path, MAX_FILE_BYTES
        )));
    }
    if meta.len() != entry.size {
        return Err(altered(&entry.path));
    }
    let mut file = std::fs::File::open(&path).map_err(io(&path))?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io(&path))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    if hex::encode(hash.finalize()) != entry.sha256 {
        return Err(altered(&entry.path));
    }
    Ok(())
}

fn altered(path: &str) -> ExportError {
    invalid(format!(
        "{path} was altered: its size or SHA-256 is not the one the manifest records"
    ))
}

/// Reads a file the manifest checked (its size is bounded).
pub(super) fn read(root: &Path, relative: &str) -> ExportResult<Vec<u8>> {
    let path = root.join(relative);
    std::fs::read(&path).map_err(io(&path))
}

/// Reads the manifest, refusing one past `limit` bytes before reading it.
pub(super) fn read_bounded(path: &Path, limit: u64) -> ExportResult<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            invalid(format!("{} is missing", path.display()))
        } else {
            io(path)(e)
        }
    })?;
    if !meta.is_file() {
        return Err(invalid(format!("{} is not a plain file", path.display())));
    }
    if meta.len() > limit {
        return Err(invalid(format!(
            "{} is larger than {limit} bytes",
            path.display()
        )));
    }
    std::fs::read(path).map_err(io(path))
}
