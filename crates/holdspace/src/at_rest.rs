//! Files at rest: the data directory is its owner's alone (0700), and so are the database, its WAL
//! and shared-memory files, the master key and the audit checkpoints (0600). Files this process
//! creates are made so; files found wider are named at every start with the command that fixes
//! them, and left for the operator to fix (they may have a reason, such as a backup agent's group).

use std::path::{Path, PathBuf};

/// A file or directory whose permissions give more than its owner access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub path: PathBuf,
    pub mode: u32,
    pub wanted: u32,
}

impl Finding {
    /// The warning's text: the file, its mode, and the command to run.
    pub fn message(&self) -> String {
        format!(
            "{} has mode {:o}, open to others than its owner: run chmod {:o} {}",
            self.path.display(),
            self.mode,
            self.wanted,
            self.path.display()
        )
    }
}

/// What to check: the directory, then each file that exists (a missing one is not a finding).
pub fn findings(dir: &Path, files: &[PathBuf]) -> Vec<Finding> {
    let mut found = Vec::new();
    check(dir, 0o700, &mut found);
    for file in files {
        check(file, 0o600, &mut found);
    }
    found
}

#[cfg(unix)]
fn check(path: &Path, wanted: u32, found: &mut Vec<Finding>) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    let mode = meta.permissions().mode() & 0o7777;
    if mode & !wanted != 0 {
        found.push(Finding {
            path: path.to_path_buf(),
            mode,
            wanted,
        });
    }
}

#[cfg(not(unix))]
fn check(_: &Path, _: u32, _: &mut Vec<Finding>) {}

/// The files of `files` that do not exist yet (so that they can be restricted once created).
pub fn missing(files: &[PathBuf]) -> Vec<PathBuf> {
    files.iter().filter(|f| !f.exists()).cloned().collect()
}

/// Makes each of `files` that exists readable and writable by its owner only. SQLite creates its
/// WAL and shared-memory files with the database file's mode, so later ones follow.
pub fn restrict(files: &[PathBuf]) -> Result<(), String> {
    #[cfg(unix)]
    for file in files.iter().filter(|f| f.exists()) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot restrict {} to its owner: {e}", file.display()))?;
    }
    #[cfg(not(unix))]
    let _ = files;
    Ok(())
}

/// Logs one warning per finding.
pub fn warn(findings: &[Finding]) {
    for f in findings {
        tracing::warn!(path = %f.path.display(), "{}", f.message());
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn set(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn wide_modes_are_named_with_the_chmod_to_run_and_tight_ones_are_not() {
        let dir = std::env::temp_dir().join(format!("audit-at-rest-{}", store::random_hex(6)));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("holdspace.sqlite");
        let wal = dir.join("holdspace.sqlite-wal");
        let key = dir.join("master.key");
        for f in [&db, &wal, &key] {
            std::fs::write(f, b"x").unwrap();
        }
        set(&dir, 0o755);
        set(&db, 0o644);
        set(&wal, 0o660);
        set(&key, 0o600);
        let files = [
            db.clone(),
            wal.clone(),
            key,
            dir.join("holdspace.sqlite-shm"),
        ];
        let found = findings(&dir, &files);
        assert_eq!(
            found
                .iter()
                .map(|f| (f.path.clone(), f.mode))
                .collect::<Vec<_>>(),
            vec![
                (dir.clone(), 0o755),
                (db.clone(), 0o644),
                (wal.clone(), 0o660)
            ],
            "the key (0600) and the missing shm file are not findings"
        );
        assert_eq!(
            found[1].message(),
            format!(
                "{} has mode 644, open to others than its owner: run chmod 600 {}",
                db.display(),
                db.display()
            )
        );
        assert!(found[0]
            .message()
            .ends_with(&format!("run chmod 700 {}", dir.display())));

        restrict(&[db.clone(), wal.clone(), dir.join("absent")]).unwrap();
        set(&dir, 0o700);
        assert_eq!(findings(&dir, &files), vec![]);
        assert_eq!(missing(&files), vec![dir.join("holdspace.sqlite-shm")]);
        let _ = std::fs::remove_dir_all(dir);
    }
}
