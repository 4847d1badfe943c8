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
