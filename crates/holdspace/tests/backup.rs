//! The backup commands end to end through the built binary: a backup of a practice, the drill,
//! a restore into another data directory (refused without the master key, or into one that is
//! not empty), and a backup to the master key.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn holdspace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_holdspace"))
        .args(args)
        .env_remove("HOLDSPACE_DATABASE_URL")
        .env_remove("HOLDSPACE_MASTER_KEY")
        .env_remove("HOLDSPACE_BACKUP_RECIPIENT")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "holdspace-cli-backup-{}-{}-{name}",
        std::process::id(),
        store::random_hex(4)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(args: &[&str]) -> String {
    let o = holdspace(args);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    text(&o)
}

fn refused(args: &[&str]) -> String {
    let o = holdspace(args);
    assert!(!o.status.success(), "{args:?} succeeded: {}", text(&o));
    text(&o)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn back_up_verify_and_restore_with_the_binary() {
    let identity_file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../store/tests/fixtures/test-identity-not-secret.txt");
    let identity: app::backup::Identity = std::fs::read_to_string(&identity_file)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .parse()
        .unwrap();
    let recipient = identity.to_public().to_string();
    let practice = temp_dir("practice");
    let o = Command::new(env!("CARGO_BIN_EXE_holdspace"))
        .args([
            "therapist",
            "add",
            "--email",
            "owner@example.org",
            "--name",
            "Owner",
            "--time-zone",
            "Europe/Berlin",
            "--data-dir",
            s(&practice),
        ])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));

    let file = practice.with_extension("age");
    let message = refused(&["backup", "--to", s(&file), "--data-dir", s(&practice)]);
    assert!(message.contains("backup_recipient"), "{message}");
    let out = ok(&[
        "backup",
        "--to",
        s(&file),
        "--data-dir",
        s(&practice),
        "--backup-recipient",
        &recipient,
    ]);
    println!("{out}");
    assert!(out.contains("backup written"), "{out}");
    let out = ok(&[
        "backup",
        "verify",
        s(&file),
        "--identity",
        s(&identity_file),
        "--data-dir",
        s(&practice),
    ]);
    println!("{out}");
    assert!(
        out.contains("verified") && out.contains("audit log intact"),
        "{out}"
    );

    // Another machine: without the master key the restore is refused before it starts.
    let elsewhere = temp_dir("elsewhere");
    let restore = [
        "restore",
        "--from",
        s(&file),
        "--identity",
        s(&identity_file),
        "--data-dir",
        s(&elsewhere),
    ];
    let message = refused(&restore);
    assert!(message.contains("master key"), "{message}");
    assert!(!elsewhere.join("holdspace.sqlite").exists());
    std::fs::copy(practice.join("master.key"), elsewhere.join("master.key")).unwrap();
    let out = ok(&restore);
    assert!(out.contains("restored"), "{out}");
    let out = ok(&["audit", "verify", "--data-dir", s(&elsewhere)]);
    assert!(out.contains("intact"), "{out}");
    let message = refused(&restore);
    assert!(message.contains("not empty"), "{message}");

    // To the master key: said so, and verified with the key file alone.
    let to_master = practice.with_extension("master.age");
    let out = ok(&[
        "backup",
        "--to",
        s(&to_master),
        "--to-master-key",
        "--data-dir",
        s(&practice),
    ]);
    assert!(out.contains("only as safe"), "{out}");
    let out = ok(&[
        "backup",
        "verify",
        s(&to_master),
        "--data-dir",
        s(&practice),
    ]);
    assert!(out.contains("verified"), "{out}");
    // A file that is no backup: one plain line.
    let junk = practice.with_extension("junk");
    std::fs::write(&junk, b"not a backup").unwrap();
    let message = refused(&["backup", "verify", s(&junk), "--data-dir", s(&practice)]);
    assert!(message.contains("not a holdspace backup"), "{message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
}
