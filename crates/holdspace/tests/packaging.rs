//! The service as packaged: the systemd unit passes `systemd-analyze verify` (and a broken one does
//! not), `install-service` writes the unit and the settings with the right modes and never
//! replaces a unit changed by hand without `--force`, and the default settings are ones `serve`
//! accepts. The Debian package itself is built and listed by scripts/package-check.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
#[path = "packaging/syscalls.rs"]
mod syscalls;

const BIN: &str = env!("CARGO_BIN_EXE_holdspace");
const UNIT: &str = include_str!("../../../packaging/holdspace.service");
const DEFAULT_CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../packaging/holdspace.toml"
);

fn holdspace(args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("HOLDSPACE_") {
            command.env_remove(name);
        }
    }
    command.args(args).env("RUST_LOG", "warn").output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "holdspace-packaging-{name}-{}-{}",
        std::process::id(),
        store::random_hex(4)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Whether `systemd-analyze` is here. scripts/test installs it; elsewhere a test without it says
/// so loudly, and fails under CI.
fn have_systemd_analyze() -> bool {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "systemd-analyze is missing: scripts/test installs Debian's systemd package"
    );
    eprintln!("\n*** SKIPPED: systemd-analyze is missing (apt-get install systemd); the unit was NOT verified ***\n");
    false
}

/// `systemd-analyze verify`, which exits 0 on many mistakes it only warns of: a unit passes when
/// it exits 0 and says nothing about the unit. What it says about other units it loads (the
/// targets named in `After=`, on a machine whose own units are broken) is shown, not held against
/// this one.
fn verify(unit: &Path) -> Result<(), String> {
    let o = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(unit)
        .output()
        .unwrap();
    let said = text(&o);
    let name = unit.file_name().unwrap().to_str().unwrap();
    let (about_unit, about_others): (Vec<&str>, Vec<&str>) = said
        .lines()
        .filter(|line| !line.trim().is_empty())
        .partition(|line| line.contains(name));
    if !about_others.is_empty() {
        eprintln!("systemd-analyze on other units: {about_others:?}");
    }
    if o.status.success() && about_unit.is_empty() {
        Ok(())
    } else {
        Err(format!("exit {:?}: {said}", o.status.code()))
    }
}

/// `install-service` into `dir`, the service running this build's binary.
fn install(dir: &Path, extra: &[&str]) -> Output {
    let units = dir.join("units");
    let etc = dir.join("etc");
    std::fs::create_dir_all(&units).unwrap();
    let mut args = vec![
        "install-service",
        "--unit-dir",
        units.to_str().unwrap(),
        "--config-dir",
        etc.to_str().unwrap(),
        "--binary",
        BIN,
        "--no-user",
    ];
    args.extend_from_slice(extra);
    holdspace(&args)
}

#[test]
fn the_unit_install_service_writes_passes_systemd_analyze_verify() {
    let dir = temp_dir("verify");
    let o = install(&dir, &[]);
    assert!(o.status.success(), "{}", text(&o));
    if !have_systemd_analyze() {
        return;
    }
    let unit = dir.join("units/holdspace.service");
    verify(&unit).unwrap();
}

#[test]
fn a_broken_unit_fails_verify() {
    if !have_systemd_analyze() {
        return;
    }
    let dir = temp_dir("broken");
    let good = UNIT.replace("/usr/bin/holdspace", BIN);
    let path = dir.join("holdspace.service");
    std::fs::write(&path, &good).unwrap();
    verify(&path).unwrap();
    let broken = [
        (
            "a misspelt key",
            good.replace("ProtectSystem=", "ProtectSytem="),
        ),
        (
            "a bad value",
            good.replace("Restart=on-failure", "Restart=sometimes"),
        ),
        (
            "a missing binary",
            good.replace(BIN, "/nonexistent/holdspace"),
        ),
        (
            "no command at all",
            good.replace("ExecStart=", "#ExecStart="),
        ),
        (
            "an unknown system call group",
            good.replace("@system-service", "@no-such-group"),
        ),
        (
            "a line of garbage",
            good.replace("[Install]", "garbage\n[Install]"),
        ),
        ("an empty file", String::new()),
    ];
    for (what, unit) in broken {
        std::fs::write(&path, unit).unwrap();
        assert!(verify(&path).is_err(), "{what} passed verify");
    }
}

#[test]
fn the_unit_keeps_its_hardening() {
    let lines: Vec<&str> = UNIT.lines().collect();
    for line in [
        "User=holdspace",
        "ExecStart=/usr/bin/holdspace serve --config /etc/holdspace/holdspace.toml",
        "Restart=on-failure",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/holdspace",
        "StateDirectory=holdspace",
        "StateDirectoryMode=0700",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectHome=yes",
        "PrivateDevices=yes",
        "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes",
        "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "RestrictNamespaces=yes",
        "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes",
        "SystemCallFilter=@system-service",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "UMask=0077",
        "LimitNOFILE=65536",
        "KillSignal=SIGTERM",
        "TimeoutStopSec=60s",
    ] {
        assert!(lines.contains(&line), "the unit lost {line}");
    }
}

#[test]
fn install_service_writes_the_files_with_their_modes_and_keeps_a_changed_unit() {
    let dir = temp_dir("install");
    let o = install(&dir, &[]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let unit = dir.join("units/holdspace.service");
    let config = dir.join("etc/holdspace.toml");
    assert_eq!(mode(&unit), 0o644);
    assert_eq!(mode(&config), 0o640);
    assert_eq!(mode(&dir.join("etc")), 0o755);
    let written = std::fs::read_to_string(&unit).unwrap();
    assert!(written.contains(&format!(
        "\nExecStart={BIN} serve --config {}\n",
        config.display()
    )));
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        std::fs::read_to_string(DEFAULT_CONFIG).unwrap()
    );
    assert!(
        out.contains("systemctl daemon-reload && systemctl enable --now holdspace"),
        "{out}"
    );
    // --no-user never creates the user, but says how when it is missing.
    assert!(
        out.contains("the holdspace user exists") || out.contains("useradd --system"),
        "{out}"
    );

    // Again: nothing changes, and the operator's settings are kept.
    std::fs::write(&config, "listen = \"127.0.0.1:9999\"\n").unwrap();
    let o = install(&dir, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("unchanged:"), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "listen = \"127.0.0.1:9999\"\n"
    );

    // A unit changed by hand is refused, and left as it is.
    let edited = written.replace("LimitNOFILE=65536", "LimitNOFILE=1024");
    std::fs::write(&unit, &edited).unwrap();
    let o = install(&dir, &[]);
    assert!(!o.status.success());
    let refused = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        refused.contains("differs from the unit this holdspace writes"),
        "{refused}"
    );
    assert!(refused.contains("--force"), "{refused}");
    // One line, besides the warning a binary under /tmp (a checkout there) earns.
    let said: Vec<&str> = refused
        .lines()
        .filter(|l| !l.starts_with("holdspace: warning: the service cannot see"))
        .collect();
    assert_eq!(said.len(), 1, "{refused}");
    assert_eq!(std::fs::read_to_string(&unit).unwrap(), edited);

    // --force replaces it, and still keeps the settings.
    let o = install(&dir, &["--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("replaced"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&unit).unwrap(), written);
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "listen = \"127.0.0.1:9999\"\n"
    );
    assert!(!dir.join("units/holdspace.service.partial").exists());
}

#[test]
fn install_service_refuses_what_it_cannot_write_well() {
    let dir = temp_dir("refuse");
    // A directory name a unit file would read as two words, or as a line of its own.
    for hostile in ["with space", "line\nExecStartPre=/bin/false", "per%cent"] {
        let etc = dir.join(hostile);
        let units = dir.join("units");
        std::fs::create_dir_all(&units).unwrap();
        let o = holdspace(&[
            "install-service",
            "--unit-dir",
            units.to_str().unwrap(),
            "--config-dir",
            etc.to_str().unwrap(),
            "--binary",
            BIN,
            "--no-user",
        ]);
        assert!(!o.status.success());
        assert!(
            text(&o).contains("cannot stand in a unit file"),
            "{}",
            text(&o)
        );
        assert!(!units.join("holdspace.service").exists());
        assert!(!etc.exists());
    }
    // No unit directory (no systemd), and a binary that is not there.
    let o = holdspace(&[
        "install-service",
        "--unit-dir",
        dir.join("missing").to_str().unwrap(),
        "--config-dir",
        dir.join("etc").to_str().unwrap(),
        "--binary",
        BIN,
        "--no-user",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("is not a directory"), "{}", text(&o));
    let o = holdspace(&[
        "install-service",
        "--unit-dir",
        dir.join("units").to_str().unwrap(),
        "--binary",
        "/nonexistent/holdspace",
        "--no-user",
    ]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("cannot find /nonexistent/holdspace"),
        "{}",
        text(&o)
    );
}

#[test]
fn install_service_as_another_user_than_root_says_it_needs_root() {
    let root =
        std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    let dir = temp_dir("notroot");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let units = dir.join("units");
    let (program, mut args): (&str, Vec<&str>) = if root {
        // As nobody: setpriv is util-linux's, on every Debian.
        (
            "setpriv",
            vec!["--reuid=65534", "--regid=65534", "--clear-groups", BIN],
        )
    } else {
        (BIN, vec![])
    };
    args.extend(["install-service", "--unit-dir", units.to_str().unwrap()]);
    let o = Command::new(program).args(&args).output().unwrap();
    assert!(!o.status.success());
    let said = text(&o);
    assert!(said.contains("needs root"), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(!units.exists());
}

#[test]
fn the_default_settings_are_ones_serve_accepts() {
    let o = holdspace(&["config", "--config", DEFAULT_CONFIG]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("data_dir = /var/lib/holdspace"), "{out}");
    assert!(out.contains("listen = 127.0.0.1:8080"), "{out}");
}

#[test]
fn healthcheck_fails_where_nothing_answers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/healthz");
    let o = holdspace(&["healthcheck", "--url", &url, "--timeout-secs", "2"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("nothing answers"), "{}", text(&o));
    // No wait at all, or one that never ends, is not a timeout.
    for timeout in ["0", "-1", "99999999999999999999", ""] {
        let o = holdspace(&["healthcheck", "--url", &url, "--timeout-secs", timeout]);
        assert_eq!(o.status.code(), Some(2), "{timeout}: {}", text(&o));
    }
    let o = holdspace(&["healthcheck", "--url", "not a url"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = holdspace(&["healthcheck", "--url", "https://127.0.0.1/healthz"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("plain http://"), "{}", text(&o));
}

/// Kills the server when the test ends, passed or not.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn healthcheck_passes_on_a_serving_holdspace() {
    let dir = temp_dir("healthcheck");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let _server = Child(
        Command::new(BIN)
            .args(["serve", "--listen", &listen, "--data-dir"])
            .arg(dir.join("data"))
            .env_remove("HOLDSPACE_DATABASE_URL")
            .env_remove("HOLDSPACE_MASTER_KEY")
            .env_remove("HOLDSPACE_CONFIG")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://{listen}/healthz");
    let started = std::time::Instant::now();
    loop {
        let o = holdspace(&["healthcheck", "--url", &url, "--timeout-secs", "2"]);
        if o.status.success() {
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "HTTP/1.1 200 OK");
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "healthcheck never passed: {}",
            text(&o)
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // A path that is not there answers 404, which is not health.
    let o = holdspace(&[
        "healthcheck",
        "--url",
        &format!("http://{listen}/no-such-page"),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("answered HTTP/1.1 404"), "{}", text(&o));
}
