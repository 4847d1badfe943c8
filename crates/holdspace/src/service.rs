//! `holdspace install-service`: the systemd unit, the system user and a default settings file, for a
//! server without the Debian package. The unit and the settings are the package's own files
//! (packaging/), embedded, so both ways install the same service.
//!
//! Nothing is written until everything has been checked: a unit changed by hand is refused before
//! the user is created or the settings are written.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The unit as the Debian package installs it.
pub const UNIT: &str = include_str!("../../../packaging/holdspace.service");
/// The settings file written where none is.
pub const DEFAULT_CONFIG: &str = include_str!("../../../packaging/holdspace.toml");

/// The packaged unit's command line, rewritten to name this binary and the settings file.
const PACKAGED_EXEC: &str = "/usr/bin/holdspace serve --config /etc/holdspace/holdspace.toml";
const USER: &str = "holdspace";
const HOME: &str = "/var/lib/holdspace";
const UNIT_FILE: &str = "holdspace.service";
const CONFIG_FILE: &str = "holdspace.toml";

/// Places the service cannot see: `ProtectHome=yes` hides the first two, `PrivateTmp=yes` the rest.
const HIDDEN: [&str; 5] = ["/home", "/root", "/run/user", "/tmp", "/var/tmp"];

/// What `install-service` was asked to do.
pub struct Install {
    pub unit_dir: PathBuf,
    pub config_dir: PathBuf,
    /// The binary the unit runs; `None` for this one.
    pub binary: Option<PathBuf>,
    pub create_user: bool,
    pub force: bool,
}

/// Checks, then writes the unit, creates the user and writes the settings if absent; prints what
/// it did and what to run next.
pub fn install(options: &Install) -> Result<(), String> {
    let root = is_root();
    if options.create_user && !root {
        return Err(format!(
            "creating the {USER} system user needs root: run it with sudo, or create the user yourself and pass --no-user"
        ));
    }
    let binary = binary(options.binary.as_deref())?;
    let config = options.config_dir.join(CONFIG_FILE);
    let unit = unit_text(&binary, &config)?;
    let unit_path = options.unit_dir.join(UNIT_FILE);
    if !options.unit_dir.is_dir() {
        return Err(format!(
            "{} is not a directory: is this a system run by systemd? (--unit-dir names another)",
            options.unit_dir.display()
        ));
    }
    let unit_state = match fs::read_to_string(&unit_path) {
        Ok(existing) if existing == unit => UnitState::Same,
        Ok(_) if !options.force => {
            return Err(format!(
                "{} differs from the unit this holdspace writes (changed by hand, or by another version); nothing was written. Put local changes in a drop-in (systemctl edit holdspace) and run again with --force to replace it",
                unit_path.display()
            ))
        }
        Ok(_) => UnitState::Replaced,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => UnitState::New,
        Err(e) => return Err(format!("cannot read {}: {e}", unit_path.display())),
    };

    if unit_state != UnitState::Same {
        write_replacing(&unit_path, &unit, 0o644)?;
    }
    println!(
        "{} {} (it runs {} as the {USER} user)",
        match unit_state {
            UnitState::Same => "unchanged:",
            UnitState::Replaced => "replaced",
            UnitState::New => "wrote",
        },
        unit_path.display(),
        binary.display()
    );

    let user_exists = exists("passwd", USER)?;
    if user_exists {
        println!("the {USER} user exists");
    } else if options.create_user {
        create_user()?;
        println!("created the system user {USER}");
    } else {
        println!(
            "the {USER} user does not exist yet; create it with: {}",
            useradd_args(exists("group", USER)?).join(" ")
        );
    }

    if config.exists() {
        println!("kept {} as it is", config.display());
    } else {
        write_config(&options.config_dir, &config, root)?;
    }

    println!("next:");
    println!("  systemctl daemon-reload && systemctl enable --now holdspace");
    println!(
        "  journalctl -u holdspace    # the first start prints the link that creates the practice"
    );
    Ok(())
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum UnitState {
    New,
    Same,
    Replaced,
}

/// The packaged unit, running `binary` with the settings in `config`.
pub fn unit_text(binary: &Path, config: &Path) -> Result<String, String> {
    let exec = format!(
        "{} serve --config {}",
        unit_path(binary)?,
        unit_path(config)?
    );
    if !UNIT.contains(PACKAGED_EXEC) {
        return Err("the embedded unit has no ExecStart to rewrite".into());
    }
    Ok(UNIT.replace(PACKAGED_EXEC, &exec))
}

/// A path as a unit file may hold it unquoted: absolute, and nothing systemd would read as a
/// separator, a quote or a specifier (`%`), nor a line break that would add a line of its own.
fn unit_path(path: &Path) -> Result<&str, String> {
    let text = path.to_str().filter(|t| {
        t.starts_with('/')
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-+@:,".contains(c))
    });
    text.ok_or_else(|| {
        format!(
            "{} cannot stand in a unit file as it is: use an absolute path of letters, digits and / . _ - + @ : , only",
            path.display()
        )
    })
}

/// The binary the unit runs: the one given, or this one; it must exist, and this one must lie
/// where the service can see it.
fn binary(given: Option<&Path>) -> Result<PathBuf, String> {
    let (path, chosen) = match given {
        Some(path) => (path.to_path_buf(), true),
        None => (
            std::env::current_exe()
                .map_err(|e| format!("cannot tell where this holdspace is: {e}"))?,
            false,
        ),
    };
    let path = fs::canonicalize(&path).map_err(|e| {
        format!(
            "cannot find {}: {e}; --binary names the holdspace the service runs",
            path.display()
        )
    })?;
    let hidden = HIDDEN.iter().any(|dir| path.starts_with(dir));
    if hidden && !chosen {
        return Err(format!(
            "this holdspace is {}, where the service cannot see it (the unit hides /home, /root and /tmp); copy it to /usr/local/bin/holdspace and run install-service from there",
            path.display()
        ));
    }
    if hidden {
        eprintln!(
            "holdspace: warning: the service cannot see {} (the unit hides /home, /root and /tmp)",
            path.display()
        );
    }
    Ok(path)
}

/// Writes `path` by a rename, so a reader sees the old file or the new, never half of one.
fn write_replacing(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    let partial = path.with_extension("service.partial");
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&partial)?;
        file.write_all(text.as_bytes())?;
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.sync_all()?;
        fs::rename(&partial, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&partial);
        denied(path, &e)
    })
}

/// The default settings, readable by root and the service's group only: they may hold the SMTP
/// or database password.
fn write_config(dir: &Path, path: &Path, root: bool) -> Result<(), String> {
    if !dir.exists() {
        fs::create_dir_all(dir).map_err(|e| denied(dir, &e))?;
        // The service traverses it; the file guards itself.
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).map_err(|e| denied(dir, &e))?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o640)
        .open(path)
        .map_err(|e| denied(path, &e))?;
    file.write_all(DEFAULT_CONFIG.as_bytes())
        .and_then(|()| file.set_permissions(fs::Permissions::from_mode(0o640)))
        .map_err(|e| denied(path, &e))?;
    match group_id(USER)? {
        Some(gid) if root => {
            std::os::unix::fs::chown(path, Some(0), Some(gid)).map_err(|e| denied(path, &e))?;
            println!(
                "wrote {} (0640, root:{USER}): set public_url or domain there",
                path.display()
            );
        }
        _ => println!(
            "wrote {} (0640): set public_url or domain there, and once the {USER} user exists: chown root:{USER} {}",
            path.display(),
            path.display()
        ),
    }
    Ok(())
}

fn denied(path: &Path, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        format!(
            "cannot write {}: permission denied; run install-service as root (sudo)",
            path.display()
        )
    } else {
        format!("cannot write {}: {e}", path.display())
    }
}

/// Root by the owner of `/proc/self`, which is the process's effective user: no unsafe call.
fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Whether `getent DATABASE NAME` finds an entry (so users from LDAP count too).
fn exists(database: &str, name: &str) -> Result<bool, String> {
    Ok(getent(database, name)?.is_some())
}

/// `getent`'s line for `name`, if any.
fn getent(database: &str, name: &str) -> Result<Option<String>, String> {
    let out = Command::new("getent")
        .args([database, name])
        .output()
        .map_err(|e| format!("cannot run getent to look up the {USER} {database} entry: {e}"))?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
}

fn group_id(name: &str) -> Result<Option<u32>, String> {
    Ok(getent("group", name)?.and_then(|line| line.split(':').nth(2)?.parse().ok()))
}

/// The command that makes the service's user: a system account with no login and no home of its
/// own beyond the data directory systemd creates.
pub fn useradd_args(group_exists: bool) -> Vec<String> {
    let group = if group_exists {
        vec!["--gid".to_string(), USER.to_string()]
    } else {
        vec!["--user-group".to_string()]
    };
    ["useradd", "--system"]
        .into_iter()
        .map(String::from)
        .chain(group)
        .chain(
            [
                "--home-dir",
                HOME,
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                USER,
            ]
            .map(String::from),
        )
        .collect()
}

fn create_user() -> Result<(), String> {
    let args = useradd_args(exists("group", USER)?);
    let out = Command::new(&args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| format!("cannot run useradd to create the {USER} user: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let reason = String::from_utf8_lossy(&out.stderr);
    Err(format!(
        "useradd could not create the {USER} user: {}",
        reason.lines().next().unwrap_or("no reason given").trim()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_runs_the_binary_and_the_settings_it_is_given() {
        let unit = unit_text(
            Path::new("/usr/local/bin/holdspace"),
            Path::new("/etc/holdspace/holdspace.toml"),
        )
        .unwrap();
        assert!(unit.contains(
            "\nExecStart=/usr/local/bin/holdspace serve --config /etc/holdspace/holdspace.toml\n"
        ));
        assert_eq!(unit.lines().count(), UNIT.lines().count());
    }

    #[test]
    fn a_path_that_would_change_the_unit_is_refused() {
        for hostile in [
            "/opt/hold space/holdspace",
            "/opt/x\nExecStartPre=/bin/rm -rf /",
            "/opt/%h/holdspace",
            "/opt/\"quoted\"",
            "relative/holdspace",
            "",
        ] {
            let err = unit_text(Path::new(hostile), Path::new("/etc/h.toml")).unwrap_err();
            assert!(
                err.contains("cannot stand in a unit file"),
                "{hostile}: {err}"
            );
            assert!(unit_text(Path::new("/usr/bin/holdspace"), Path::new(hostile)).is_err());
        }
        let huge = format!("/{}", "a".repeat(100_000));
        assert!(unit_text(Path::new(&huge), Path::new("/etc/h.toml")).is_ok());
    }

    #[test]
    fn the_user_is_a_system_account_without_a_login() {
        assert_eq!(
            useradd_args(false).join(" "),
            "useradd --system --user-group --home-dir /var/lib/holdspace --no-create-home --shell /usr/sbin/nologin holdspace"
        );
        assert!(useradd_args(true).join(" ").contains("--gid holdspace"));
    }
}
