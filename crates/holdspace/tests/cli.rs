//! The binary's command line: clear one-line errors, scripted therapists, and `audit verify`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn holdspace(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_holdspace"))
        .args(args)
        .env_remove("HOLDSPACE_DATABASE_URL")
        .env_remove("HOLDSPACE_MASTER_KEY")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "holdspace-cli-{}-{}",
        std::process::id(),
        store::random_hex(4)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn a_bad_flag_gets_one_line() {
    let o = holdspace(&["serve", "--no-such-flag"], None);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--no-such-flag"));
}

#[test]
fn a_bad_listen_address_and_an_unwritable_data_dir_are_named() {
    let o = holdspace(&["serve", "--listen", "not-an-address"], None);
    assert!(!o.status.success());
    assert!(
        stderr(&o).starts_with("holdspace: --listen"),
        "{}",
        stderr(&o)
    );
    let o = holdspace(
        &["serve", "--data-dir", "/proc/holdspace-cannot-be-here"],
        None,
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("data directory")
            && !err.contains("panicked")
            && err.trim().lines().count() == 1,
        "{err}"
    );
}

#[test]
fn an_unreachable_database_is_one_line_without_its_password() {
    let dir = temp_dir();
    let o = holdspace(
        &[
            "serve",
            "--data-dir",
            dir.to_str().unwrap(),
            "--database-url",
            "postgres://user:secret@127.0.0.1:1/nowhere",
        ],
        None,
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("cannot reach the database") && !err.contains("secret"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn therapist_add_then_audit_verify_then_tampering_is_caught() {
    let dir = temp_dir();
    let d = dir.to_str().unwrap();
    let o = holdspace(
        &[
            "therapist",
            "add",
            "--email",
            "anna@example.org",
            "--name",
            "Anna",
            "--time-zone",
            "Europe/Berlin",
            "--password-stdin",
            "--data-dir",
            d,
        ],
        Some("a long password here\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("as owner"));
    let weak = holdspace(
        &[
            "therapist",
            "add",
            "--email",
            "b@example.org",
            "--name",
            "B",
            "--time-zone",
            "Mars/Base",
            "--password-stdin",
            "--data-dir",
            d,
        ],
        Some("short\n"),
    );
    assert!(!weak.status.success());
    assert!(stderr(&weak).contains("time_zone") && stderr(&weak).contains("password"));

    // A few audited events, written through the library against the same data directory.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let master = store::MasterKey::load_or_create(&dir.join("master.key")).unwrap();
        let db = store::Db::open(&store::DbConfig::sqlite_in(&dir), master)
            .await
            .unwrap();
        for n in 0..3 {
            let e = store::audit::Event {
                actor_id: "u".into(),
                action: "inquiry.read".into(),
                case_id: "c".into(),
                subject: format!("s{n}"),
                outcome: "ok".into(),
                source: "127.0.0.1".into(),
            };
            store::audit::append_alone(&db, &e, jiff::Timestamp::now())
                .await
                .unwrap();
        }
        db.close().await;
    });
    let o = holdspace(&["audit", "verify", "--data-dir", d], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("intact: 3 rows"));

    rt.block_on(async {
        let master = store::MasterKey::load_or_create(&dir.join("master.key")).unwrap();
        let db = store::Db::open(&store::DbConfig::sqlite_in(&dir), master)
            .await
            .unwrap();
        store::testing::raw_exec(&db, "UPDATE audit_log SET subject = 'forged' WHERE seq = 2")
            .await;
        db.close().await;
    });
    let o = holdspace(&["audit", "verify", "--data-dir", d], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("seq 2"), "{}", stderr(&o));
}

#[test]
fn keys_rotate_replaces_the_key_file_and_the_practice_still_opens() {
    let dir = temp_dir();
    let d = dir.to_str().unwrap();
    let o = holdspace(
        &[
            "therapist",
            "add",
            "--email",
            "r@example.org",
            "--name",
            "R",
            "--time-zone",
            "UTC",
            "--password-stdin",
            "--data-dir",
            d,
        ],
        Some("a long password here\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read_to_string(dir.join("master.key")).unwrap();
    let o = holdspace(&["keys", "rotate", "--data-dir", d], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let after = std::fs::read_to_string(dir.join("master.key")).unwrap();
    assert_ne!(before.trim(), after.trim());
    assert_eq!(after.trim().lines().count(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(dir.join("master.key"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    // The TOTP secret sealed before the rotation still opens: the owner's second factor works.
    let o = holdspace(&["audit", "verify", "--data-dir", d], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let keys = store::MasterKey::load_or_create(&dir.join("master.key")).unwrap();
        let db = store::Db::open(&store::DbConfig::sqlite_in(&dir), keys)
            .await
            .unwrap();
        let (user, _) = store::users::find_by_email(&mut db.conn().await.unwrap(), "r@example.org")
            .await
            .unwrap()
            .unwrap();
        assert!(store::users::totp(&mut db.conn().await.unwrap(), &user.id)
            .await
            .unwrap()
            .secret
            .is_some());
        db.close().await;
    });
}

/// Appends `n` audited events through the library, against the data directory's database.
fn append_events(dir: &std::path::Path, n: usize) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let master = store::MasterKey::load_or_create(&dir.join("master.key")).unwrap();
        let db = store::Db::open(&store::DbConfig::sqlite_in(dir), master)
            .await
            .unwrap();
        for i in 0..n {
            let e = store::audit::Event {
                actor_id: "u".into(),
                action: "inquiry.read".into(),
                case_id: "c".into(),
                subject: format!("s{i}"),
                outcome: "ok".into(),
                source: "127.0.0.1".into(),
            };
            store::audit::append_alone(&db, &e, jiff::Timestamp::now())
                .await
                .unwrap();
        }
        db.close().await;
    });
}

#[test]
fn audit_verify_writes_a_checkpoint_and_a_cut_tail_is_caught_against_it() {
    let dir = temp_dir();
    let d = dir.to_str().unwrap();
    append_events(&dir, 4);
    let o = holdspace(&["audit", "verify", "--data-dir", d], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = dir.join("audit-checkpoints.log");
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(lines.lines().count(), 1);
    assert!(lines.contains(" rows=4 seq=4 mac="), "{lines}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let master = store::MasterKey::load_or_create(&dir.join("master.key")).unwrap();
        let db = store::Db::open(&store::DbConfig::sqlite_in(&dir), master)
            .await
            .unwrap();
        store::testing::raw_exec(&db, "DELETE FROM audit_log WHERE seq >= 3").await;
        db.close().await;
    });
    let o = holdspace(&["audit", "verify", "--data-dir", d], None);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("the log was cut or rewritten after checkpoint 1 of "),
        "{}",
        stderr(&o)
    );
    // Elsewhere, by its setting: a fresh file holds no checkpoint, so the shorter log passes.
    let other = dir.join("elsewhere.log");
    let o = holdspace(
        &[
            "audit",
            "verify",
            "--data-dir",
            d,
            "--audit-checkpoint-file",
            other.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(other)
        .unwrap()
        .contains(" rows=2 seq=2 "));
}

#[cfg(unix)]
#[test]
fn the_data_directory_and_database_are_the_owners_and_wider_modes_are_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir().join("data");
    let d = dir.to_str().unwrap();
    let o = holdspace(&["audit", "verify", "--data-dir", d], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("holdspace.sqlite")), 0o600);
    assert_eq!(mode(&dir.join("master.key")), 0o600);

    let db = dir.join("holdspace.sqlite");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = holdspace(&["audit", "verify", "--data-dir", d], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let log = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    assert!(
        log.contains(&format!("run chmod 600 {}", db.display())),
        "{log}"
    );
    assert_eq!(
        mode(&db),
        0o644,
        "named, not changed behind the operator's back"
    );
}

/// `export` says the records are in plain text in it; `import` takes it into a new data
/// directory once, refuses it a second time, and a spoilt copy is named and refused.
#[test]
fn export_then_import_into_a_new_data_directory_and_not_twice() {
    let (source, target) = (temp_dir(), temp_dir());
    let o = holdspace(
        &[
            "therapist",
            "add",
            "--email",
            "anna@example.org",
            "--name",
            "Anna",
            "--time-zone",
            "Europe/Berlin",
            "--password-stdin",
            "--data-dir",
            source.to_str().unwrap(),
        ],
        Some("a long password here\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = source.join("practice-export");
    let o = holdspace(
        &[
            "export",
            "--to",
            out.to_str().unwrap(),
            "--data-dir",
            source.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let said = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(said.contains("clinical records in plain text"), "{said}");
    assert!(said.contains("exported") && said.contains("rows"), "{said}");
    // The export is in the source's log, which still verifies.
    let o = holdspace(
        &["audit", "verify", "--data-dir", source.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let actions = rt.block_on(async {
        let master = store::MasterKey::load_or_create(&source.join("master.key")).unwrap();
        let db = store::Db::open(&store::DbConfig::sqlite_in(&source), master)
            .await
            .unwrap();
        let mut c = db.conn().await.unwrap();
        let recent = store::audit::recent(&mut c, None, 5).await.unwrap();
        drop(c);
        db.close().await;
        recent
            .into_iter()
            .map(|e| e.event.action)
            .collect::<Vec<_>>()
    });
    assert_eq!(actions.first().map(String::as_str), Some("practice.export"));
    let import = |dir: &std::path::Path| {
        holdspace(
            &[
                "import",
                "--from",
                dir.to_str().unwrap(),
                "--data-dir",
                target.to_str().unwrap(),
            ],
            None,
        )
    };
    let spoilt = source.join("spoilt");
    std::fs::create_dir_all(spoilt.join("tables")).unwrap();
    std::fs::copy(out.join("manifest.json"), spoilt.join("manifest.json")).unwrap();
    let o = import(&spoilt);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("nothing was imported") && err.contains("is missing"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let o = import(&out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("imported"));
    let o = import(&out);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
    let o = holdspace(
        &["audit", "verify", "--data-dir", target.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
}
