//! The checks of what lies on this machine's disk: the data directory and its files, the master
//! key, the free space, and the newest scheduled backup.

use super::database::Found;
use super::Verdict;
use crate::at_rest;
use crate::config::Settings;
use std::path::Path;

/// Free space below which the disk check fails whatever the practice holds: SQLite fails writes
/// (and so every booking and note) on a full disk.
const MIN_FREE_BYTES: u64 = 1 << 30;
/// … or below this many times what the data directory holds: a backup is about as large as the
/// data, and the database needs room to grow. (Not a share of the disk: 3 % of a shared 250 GiB
/// disk is 8 GiB, room for years of a practice.)
const FREE_PER_HELD: u64 = 2;
/// Scheduled backups run once a day: two days without one means a run failed or `serve` is down.
const MAX_BACKUP_AGE: jiff::SignedDuration = jiff::SignedDuration::from_hours(48);

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

#[cfg(unix)]
fn owner_and_me(path: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.uid(), rustix::process::getuid().as_raw()))
}

#[cfg(not(unix))]
fn owner_and_me(_: &Path) -> Option<(u32, u32)> {
    None
}

/// A path owned by another user than the one running the check (who is the one `serve` runs as,
/// when run as the README says).
fn not_mine(path: &Path) -> Option<Verdict> {
    let (owner, me) = owner_and_me(path)?;
    (owner != me).then(|| {
        Verdict::fail(
            format!(
                "{} belongs to user id {owner}, not to the user running this check ({me})",
                path.display()
            ),
            format!(
                "run the doctor as the user holdspace serves as, or give it the directory: chown -R {me} {}",
                path.display()
            ),
        )
    })
}

fn mode_verdict(found: &[at_rest::Finding]) -> Option<Verdict> {
    let first = found.first()?;
    let fixes: Vec<String> = found
        .iter()
        .map(|f| format!("chmod {:o} {}", f.wanted, f.path.display()))
        .collect();
    Some(Verdict::fail(
        format!(
            "{} has mode {:o}, open to others than its owner{}",
            first.path.display(),
            first.mode,
            match found.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            }
        ),
        format!("run {}", fixes.join("; ")),
    ))
}

/// The data directory: present, a directory, the running user's, 0700; the database files in
/// it 0600.
pub fn data_dir(settings: &Settings) -> Verdict {
    let dir = &settings.data_dir;
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Verdict::fail(
                format!("{} does not exist", dir.display()),
                "run holdspace serve once to create it, or set data_dir to where the practice's data is",
            )
        }
        Err(e) => {
            return Verdict::fail(
                format!("cannot read {}: {e}", dir.display()),
                "run the doctor as the user holdspace serves as",
            )
        }
        Ok(meta) if !meta.is_dir() => {
            return Verdict::fail(
                format!("{} is not a directory", dir.display()),
                "set data_dir to a directory",
            )
        }
        Ok(_) => {}
    }
    if let Some(verdict) = not_mine(dir) {
        return verdict;
    }
    let mut files = settings.sqlite_files();
    files.push(settings.audit_checkpoint_file.clone());
    if let Some(verdict) = mode_verdict(&at_rest::findings(dir, &files)) {
        return verdict;
    }
    Verdict::Pass(format!(
        "{} is yours alone (0700), and so are its database files",
        dir.display()
    ))
}

/// The master key as read, before the database is asked whether it opens the data keys.
pub struct KeyFound {
    /// A verdict already reached (the file missing, wide open, unreadable).
    pub early: Option<Verdict>,
    /// Where the key came from, for the line.
    pub from: String,
    pub keys: Option<Vec<store::MasterKey>>,
}

/// Reads the master key(s) as `serve` would, without creating the key file.
pub fn master_key(settings: &Settings) -> KeyFound {
    if settings.master_key_given() {
        let from = settings.origin("master_key").to_string();
        return match settings.master_keys() {
            Ok(keys) => KeyFound {
                early: None,
                from,
                keys: Some(keys),
            },
            Err(e) => KeyFound {
                early: Some(Verdict::fail(e, "give the master key as 64 hex characters")),
                from,
                keys: None,
            },
        };
    }
    let file = settings.key_file();
    let from = file.display().to_string();
    let early = |verdict| KeyFound {
        early: Some(verdict),
        from: from.clone(),
        keys: None,
    };
    if !file.exists() {
        return early(Verdict::fail(
            format!("there is no master key at {}", file.display()),
            "put back the key file from your safe copy; holdspace serve makes a new one only for a new installation",
        ));
    }
    if let Some(verdict) = not_mine(&file) {
        return early(verdict);
    }
    // The directory has its own line: only the key file's mode counts here.
    let wide: Vec<at_rest::Finding> =
        at_rest::findings(&settings.data_dir, std::slice::from_ref(&file))
            .into_iter()
            .filter(|f| f.path == file)
            .collect();
    if let Some(verdict) = mode_verdict(&wide) {
        return early(verdict);
    }
    match std::fs::read_to_string(&file) {
        Err(e) => early(Verdict::fail(
            format!("cannot read {}: {e}", file.display()),
            "run the doctor as the user holdspace serves as",
        )),
        Ok(text) => {
            let keys: Result<Vec<_>, _> = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(store::MasterKey::from_hex)
                .collect();
            match keys {
                Ok(keys) if !keys.is_empty() => KeyFound {
                    early: None,
                    from,
                    keys: Some(keys),
                },
                _ => early(Verdict::fail(
                    format!(
                        "{} does not hold a master key (64 hex characters a line)",
                        file.display()
                    ),
                    "put back the key file from your safe copy",
                )),
            }
        }
    }
}

/// The master key's line: the file's verdict, then whether the keys open the database's.
pub fn master_key_verdict(key: &KeyFound, db: &Found) -> Verdict {
    if let Some(verdict) = &key.early {
        return verdict.clone();
    }
    let place = if key.from.starts_with("HOLDSPACE_") || key.from.starts_with("--") {
        format!("given by {}", key.from)
    } else {
        format!("{} is yours alone (0600)", key.from)
    };
    match &db.keys {
        None => Verdict::Pass(format!(
            "{place}; not tried on the database, which could not be read"
        )),
        Some(Ok(n)) => Verdict::Pass(format!(
            "{place}, and it opens the database's data keys ({n})"
        )),
        Some(Err(e)) => Verdict::fail(
            format!("the master key does not open this database: {e}"),
            "use the master key this database was made with (the copy you keep safe)",
        ),
    }
}

/// Free space where the data directory is (or would be), against what the directory holds.
pub fn disk_space(dir: &Path) -> Verdict {
    let mut at = dir;
    while !at.exists() {
        match at.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => at = parent,
            _ => {
                at = Path::new(".");
                break;
            }
        }
    }
    match rustix::fs::statvfs(at) {
        Ok(fs) => space_verdict(
            fs.f_bavail.saturating_mul(fs.f_frsize),
            fs.f_blocks.saturating_mul(fs.f_frsize),
            held(dir),
            dir,
        ),
        Err(e) => Verdict::fail(
            format!("cannot read the free space where {} is: {e}", dir.display()),
            "check that the data directory's filesystem is mounted",
        ),
    }
}

/// The bytes of the regular files under `dir` (0 when it does not exist yet); links are not
/// followed, and what cannot be read counts as nothing.
fn held(dir: &Path) -> u64 {
    let mut total = 0u64;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                pending.push(entry.path());
            } else if meta.is_file() {
                total = total.saturating_add(meta.len());
            }
        }
    }
    total
}

/// Fails under 1 GiB free, or under twice what the data directory holds.
pub fn space_verdict(free: u64, total: u64, held: u64, dir: &Path) -> Verdict {
    #[allow(clippy::cast_precision_loss)]
    let gib = |bytes: u64| bytes as f64 / GIB;
    let percent = if total == 0 {
        0
    } else {
        u64::try_from(u128::from(free) * 100 / u128::from(total)).unwrap_or(100)
    };
    let found = format!(
        "{:.1} GiB free of {:.1} GiB ({percent} %) where {} is, which holds {:.1} GiB",
        gib(free),
        gib(total),
        dir.display(),
        gib(held),
    );
    let needed = MIN_FREE_BYTES.max(held.saturating_mul(FREE_PER_HELD));
    if free < needed {
        Verdict::fail(
            format!("only {found}"),
            format!(
                "free some space (old backups, logs) or move the data directory to a larger disk: \
                 under {:.1} GiB free (1 GiB, and twice what the data directory holds, for a backup and growth), writes may fail",
                gib(needed)
            ),
        )
    } else {
        Verdict::Pass(found)
    }
}

/// The newest scheduled backup's age, when backups are scheduled.
pub fn last_backup(dir: Option<&Path>, now: jiff::Timestamp) -> Verdict {
    let Some(dir) = dir else {
        return Verdict::Skipped("not configured (backup_dir is not set)".into());
    };
    let names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Verdict::fail(
                format!("cannot read the backup directory {}: {e}", dir.display()),
                "run the doctor as the user holdspace serves as",
            )
        }
    };
    backup_verdict(dir, &names, now)
}

/// The verdict on the names found in the backup directory (only scheduled backups' names count).
pub fn backup_verdict(dir: &Path, names: &[String], now: jiff::Timestamp) -> Verdict {
    let newest = names
        .iter()
        .filter_map(|n| app::backup::keep::parse_file_name(n))
        .max();
    let Some(newest) = newest else {
        return Verdict::fail(
            format!("there is no scheduled backup in {}", dir.display()),
            "start holdspace serve (it writes one at start and then daily) and check its log for backup errors",
        );
    };
    let age = now.duration_since(newest);
    let hours = age.as_hours();
    let found = format!("the newest in {} is {hours} hours old", dir.display());
    if age > MAX_BACKUP_AGE {
        Verdict::fail(
            format!("{found}: scheduled backups stopped"),
            "check that holdspace serve runs and look in its log for backup errors (a full disk, the directory's permissions)",
        )
    } else {
        Verdict::Pass(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1 << 30;

    #[test]
    fn space_fails_under_a_gibibyte_or_twice_what_is_held_and_says_how_much_there_is() {
        let dir = Path::new("/data");
        assert!(matches!(
            space_verdict(10 * GB, 100 * GB, GB, dir),
            Verdict::Pass(_)
        ));
        // A small share of a large shared disk is enough for a small practice …
        assert!(matches!(
            space_verdict(8 * GB, 252 * GB, GB / 100, dir),
            Verdict::Pass(_)
        ));
        // … but not for one whose data would not fit twice into it.
        assert!(space_verdict(8 * GB, 252 * GB, 5 * GB, dir).failed());
        // 0.9 GiB is too little, however little is held.
        assert!(space_verdict(GB - 1, 2 * GB, 0, dir).failed());
        // A filesystem that reports nothing (empty) fails rather than divides by zero.
        assert!(space_verdict(0, 0, 0, dir).failed());
        // Huge numbers do not overflow.
        assert!(matches!(
            space_verdict(u64::MAX / 2, u64::MAX, u64::MAX, dir),
            Verdict::Fail(..)
        ));
        assert!(matches!(
            space_verdict(u64::MAX / 2, u64::MAX, GB, dir),
            Verdict::Pass(_)
        ));
        let Verdict::Pass(found) = space_verdict(10 * GB, 100 * GB, GB / 2, dir) else {
            unreachable!()
        };
        assert_eq!(
            found,
            "10.0 GiB free of 100.0 GiB (10 %) where /data is, which holds 0.5 GiB"
        );
        let Verdict::Fail(_, what) = space_verdict(8 * GB, 252 * GB, 5 * GB, dir) else {
            unreachable!()
        };
        assert!(what.contains("under 10.0 GiB free"), "{what}");
    }

    #[test]
    fn what_the_data_directory_holds_is_summed_through_its_folders() {
        let dir = std::env::temp_dir().join(format!("holdspace-held-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("attachments/a")).unwrap();
        std::fs::write(dir.join("holdspace.sqlite"), vec![0u8; 1000]).unwrap();
        std::fs::write(dir.join("attachments/a/b"), vec![0u8; 24]).unwrap();
        assert_eq!(held(&dir), 1024);
        assert_eq!(held(&dir.join("missing")), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_backup_age_counts_only_scheduled_backups_and_fails_past_two_days() {
        let now: jiff::Timestamp = "2026-12-05T12:00:00Z".parse().unwrap();
        let dir = Path::new("/backups");
        let fresh = app::backup::keep::file_name("2026-12-04T02:00:00Z".parse().unwrap());
        let stale = app::backup::keep::file_name("2026-12-02T02:00:00Z".parse().unwrap());
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        let Verdict::Pass(found) = backup_verdict(dir, &names(&[&stale, &fresh]), now) else {
            panic!("a backup of yesterday passes")
        };
        assert!(found.contains("34 hours"), "{found}");
        assert!(backup_verdict(dir, &names(&[&stale]), now).failed());
        // Empty, hostile or malformed names are not backups.
        let junk = names(&[
            "",
            "holdspace-.age",
            "holdspace-99999999T999999Z.age",
            "../x",
            "notes.txt",
        ]);
        assert!(backup_verdict(dir, &junk, now).failed());
        assert!(matches!(last_backup(None, now), Verdict::Skipped(_)));
    }
}
