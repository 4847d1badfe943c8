//! `holdspace doctor` through the built binary: a healthy installation (a SQLite data directory
//! the binary made, an SMTP sink that signs in, Debian's coturn with a shared secret, `serve` as
//! the public address) passes every line; a broken one (wide modes, no mail server, a refused
//! password, a wrong TURN secret, nothing at the address, a stale backup) gets the right FAIL
//! lines and a non-zero exit; on PostgreSQL the database line names a reachable and migrated
//! database, an older schema, and an unreachable address.

mod services;
mod tls;

use services::{coturn, smtp_sink, SMTP_PASSWORD, SMTP_USER};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "../support/mod.rs"]
mod support;
use support::{drop_database, free_port, postgres_database, psql};

fn holdspace() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_holdspace"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("HOLDSPACE_") {
            c.env_remove(key);
        }
    }
    c.env("RUST_LOG", "warn");
    c
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "holdspace-doctor-{}-{}-{name}",
        std::process::id(),
        store::random_hex(4)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A data directory made by the binary (its database, its key), as `serve` leaves one.
fn installation(extra: &[&str]) -> PathBuf {
    let dir = temp_dir("data").join("data");
    let o = holdspace()
        .args(["audit", "verify", "--data-dir", s(&dir)])
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    dir
}

/// The line of check `name` (and its fix line, when it failed).
fn line<'a>(out: &'a str, name: &str) -> &'a str {
    let at = out
        .find(&format!(" {name}: "))
        .unwrap_or_else(|| panic!("no line for {name} in:\n{out}"));
    let start = out[..at].rfind('\n').map_or(0, |i| i + 1);
    let rest = &out[start..];
    let first = rest.find('\n').unwrap_or(rest.len());
    if rest.starts_with('✗') {
        let second = rest[first + 1..]
            .find('\n')
            .map_or(rest.len(), |i| first + 1 + i);
        &rest[..second]
    } else {
        &rest[..first]
    }
}

// ---------------------------------------------------------------------------------------------
// `holdspace serve` as the public address.

struct Serving {
    child: Child,
    url: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data_dir: &Path) -> Serving {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let child = holdspace()
        .args([
            "serve",
            "--data-dir",
            s(data_dir),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--public-url",
            &url,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let serving = Serving { child, url };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return serving;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("holdspace serve did not start listening");
}

fn doctor(data_dir: &Path, args: &[&str]) -> Output {
    holdspace()
        .args(["doctor", "--data-dir", s(data_dir)])
        .args(args)
        .output()
        .unwrap()
}

fn backup_settings(dir: &Path) -> Vec<String> {
    let recipient = app::backup::Identity::generate().to_public().to_string();
    vec![
        "--backup-dir".into(),
        s(dir).into(),
        "--backup-recipient".into(),
        recipient,
    ]
}

#[test]
fn a_healthy_installation_passes_every_check() {
    let data = installation(&[]);
    let public = serve(&data);
    let sink = smtp_sink();
    let turn = coturn();
    let backups = temp_dir("backups");
    let newest =
        app::backup::keep::file_name(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(20));
    std::fs::write(backups.join(newest), b"age").unwrap();
    let smtp = format!("smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{}", sink.port);
    let mut args = vec![
        "--public-url".to_string(),
        public.url.clone(),
        "--smtp-url".into(),
        smtp,
        "--mail-from".into(),
        "practice@example.org".into(),
        "--send-test-mail".into(),
        "owner@example.org".into(),
    ];
    args.extend(backup_settings(&backups));
    if let Some(turn) = &turn {
        args.extend([
            "--turn-urls".into(),
            format!(
                "turn:127.0.0.1:{p}?transport=udp,turn:127.0.0.1:{p}?transport=tcp",
                p = turn.port
            ),
            "--turn-secret".into(),
            turn.secret.clone(),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = doctor(&data, &args);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let checks = out
        .lines()
        .filter(|l| l.starts_with(['✓', '✗', '-']))
        .count();
    assert_eq!(checks, 9, "{out}");
    for l in out.lines().filter(|l| l.starts_with(['✓', '✗', '-'])) {
        let turn_skipped = turn.is_none() && l.contains("video relay");
        assert!(l.starts_with("✓ ok ") || turn_skipped, "{l}\n{out}");
    }
    assert!(line(&out, "database").contains(&format!("schema version {}", store::SCHEMA_VERSION)));
    assert!(
        line(&out, "mail (SMTP)").contains("accepts the user name and password"),
        "{out}"
    );
    assert!(
        line(&out, "mail (SMTP)").contains("test mail was accepted"),
        "{out}"
    );
    assert!(line(&out, "clock").contains("the public address"), "{out}");
    assert!(line(&out, "last backup").contains("20 hours old"), "{out}");
    assert!(out.contains("all 9 checks passed"), "{out}");
    if let Some(turn) = &turn {
        // One allocation over UDP and one over TCP, each given back at once.
        let log = turn.log();
        assert_eq!(
            log.matches("ALLOCATE processed, success").count(),
            2,
            "{log}"
        );
        assert_eq!(log.matches("lifetime=0").count(), 2, "{log}");
        assert_eq!(
            log.matches("REFRESH processed, success").count(),
            2,
            "{log}"
        );
        assert!(
            line(&out, "video relay (TURN)").contains("the TURN secret matches"),
            "{out}"
        );
    }
    // One mail, saying it is a test and nothing of the practice; the password is never printed.
    let mails = sink.mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].contains("Subject: holdspace test mail"),
        "{}",
        mails[0]
    );
    assert!(!out.contains(SMTP_PASSWORD), "{out}");

    // Without --send-test-mail nothing is sent.
    let mut quiet: Vec<&str> = args.clone();
    let at = quiet.iter().position(|a| *a == "--send-test-mail").unwrap();
    quiet.drain(at..at + 2);
    let o = doctor(&data, &quiet);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(sink.mails.lock().unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(data.parent().unwrap());
}

#[cfg(unix)]
#[test]
fn a_broken_installation_gets_the_right_fail_lines_and_a_non_zero_exit() {
    use std::os::unix::fs::PermissionsExt;
    let data = installation(&[]);
    let key = data.join("master.key");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let nothing = free_port();
    let down = format!("http://127.0.0.1:{}", free_port());
    let backups = temp_dir("stale-backups");
    let stale =
        app::backup::keep::file_name(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(80));
    std::fs::write(backups.join(stale), b"age").unwrap();
    let turn = coturn();
    let mut args = vec![
        "--public-url".to_string(),
        down.clone(),
        "--smtp-url".into(),
        format!("smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{nothing}"),
    ];
    args.extend(backup_settings(&backups));
    if let Some(turn) = &turn {
        args.extend([
            "--turn-urls".into(),
            format!("turn:127.0.0.1:{}?transport=udp", turn.port),
            "--turn-secret".into(),
            "not-the-relays-secret".into(),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = doctor(&data, &args);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    let dir_line = line(&out, "data directory");
    assert!(dir_line.starts_with("✗ FAIL"), "{out}");
    assert!(dir_line.contains("has mode 755"), "{out}");
    assert!(
        dir_line.contains(&format!("run chmod 700 {}", s(&data))),
        "{out}"
    );
    let key_line = line(&out, "master key");
    assert!(key_line.contains("has mode 644"), "{out}");
    assert!(
        key_line.contains(&format!("run chmod 600 {}", s(&key))),
        "{out}"
    );
    let mail = line(&out, "mail (SMTP)");
    assert!(mail.contains("cannot connect to the SMTP server"), "{out}");
    assert!(!out.contains(SMTP_PASSWORD), "{out}");
    assert!(
        line(&out, "public address").contains("nothing answers"),
        "{out}"
    );
    assert!(
        line(&out, "last backup").contains("scheduled backups stopped"),
        "{out}"
    );
    assert!(line(&out, "database").starts_with("✓ ok"), "{out}");
    if turn.is_some() {
        let relay = line(&out, "video relay (TURN)");
        assert!(
            relay.contains("the TURN secret does not match the relay's static-auth-secret"),
            "{out}"
        );
    }
    assert!(out.contains("checks failed"), "{out}");

    // The SMTP server answers but refuses the password.
    let sink = smtp_sink();
    let o = doctor(
        &data,
        &[
            "--smtp-url",
            &format!("smtp://{SMTP_USER}:wrong-password@127.0.0.1:{}", sink.port),
        ],
    );
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        line(&out, "mail (SMTP)").contains("refused the user name and password"),
        "{out}"
    );
    assert!(!out.contains("wrong-password"), "{out}");

    // A data directory of another user (as root, who can give it away): named, with the chown.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    if std::os::unix::fs::chown(&data, Some(65_534), None).is_ok() {
        let out = text(&doctor(&data, &[]));
        let dir_line = line(&out, "data directory");
        assert!(dir_line.contains("belongs to user id 65534"), "{out}");
        assert!(dir_line.contains("chown -R"), "{out}");
        std::os::unix::fs::chown(&data, Some(0), None).unwrap();
    } else {
        eprintln!("NOTICE: not root, so the data directory cannot be given to another user; that case is not tried");
    }

    // A master key that is not this database's is named (given by variable: no file to check).
    let o = holdspace()
        .args(["doctor", "--data-dir", s(&data)])
        .env("HOLDSPACE_MASTER_KEY", "ab".repeat(32))
        .output()
        .unwrap();
    let out = text(&o);
    let key_line = line(&out, "master key");
    assert!(key_line.contains("does not open this database"), "{out}");
    assert!(!out.contains(&"ab".repeat(32)), "{out}");

    // A missing key and a missing data directory are named, and not created.
    std::fs::remove_file(&key).unwrap();
    let o = doctor(&data, &[]);
    assert!(
        line(&text(&o), "master key").contains("there is no master key"),
        "{}",
        text(&o)
    );
    assert!(!key.exists());
    let nowhere = data.join("nowhere");
    let o = doctor(&nowhere, &[]);
    let out = text(&o);
    assert!(
        line(&out, "data directory").contains("does not exist"),
        "{out}"
    );
    assert!(
        line(&out, "database").contains("there is no database"),
        "{out}"
    );
    assert!(!nowhere.exists());
    let _ = std::fs::remove_dir_all(data.parent().unwrap());
}

#[test]
fn on_postgresql_the_database_is_reachable_and_migrated_or_named() {
    let Some(url) = postgres_database("doctor") else {
        return;
    };
    let data = installation(&["--database-url", &url]);
    let o = doctor(&data, &["--database-url", &url]);
    let out = text(&o);
    let db = line(&out, "database");
    assert!(db.starts_with("✓ ok"), "{out}");
    assert!(
        db.contains(&format!("schema version {}", store::SCHEMA_VERSION)),
        "{out}"
    );
    assert!(line(&out, "master key").starts_with("✓ ok"), "{out}");
    // PostgreSQL's clock is compared even when the public address is down.
    assert!(line(&out, "clock").contains("the database"), "{out}");

    // An older schema is named, and left as it is.
    let name = url.rsplit('/').next().unwrap();
    let o = psql(
        name,
        &format!(
            "DELETE FROM schema_migrations WHERE version = {}",
            store::SCHEMA_VERSION
        ),
    )
    .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = doctor(&data, &["--database-url", &url]);
    let out = text(&o);
    assert!(!o.status.success());
    assert!(
        line(&out, "database").contains("older than this build's"),
        "{out}"
    );
    let o = psql(name, "SELECT MAX(version) FROM schema_migrations").unwrap();
    assert!(
        text(&o).contains(&(store::SCHEMA_VERSION - 1).to_string()),
        "{}",
        text(&o)
    );

    // A newer one (a later build migrated it) is named too.
    let o = psql(
        name,
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'later', 0)",
    )
    .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&doctor(&data, &["--database-url", &url]));
    assert!(
        line(&out, "database").contains("schema version 999, newer than this build knows"),
        "{out}"
    );

    // Nothing listening: named, with the address but never its password.
    let o = doctor(
        &data,
        &[
            "--database-url",
            "postgres://postgres:pg-secret-7@127.0.0.1:1/nowhere",
        ],
    );
    let out = text(&o);
    assert!(!o.status.success());
    assert!(
        line(&out, "database").contains("cannot reach the database"),
        "{out}"
    );
    assert!(!out.contains("pg-secret-7"), "{out}");
    drop_database(&url);
    let _ = std::fs::remove_dir_all(data.parent().unwrap());
}
