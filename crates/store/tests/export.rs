//! An export that is not what its manifest says is refused with a message that names the file,
//! and nothing is written: a missing, altered or extra file, malformed JSON, a manifest naming a
//! path outside the directory, a huge file, a link, an installation that is not empty. The
//! directory an export writes is its owner's only.

use domain::ids::ImageId;
use std::path::{Path, PathBuf};
use store::export::{self, ExportError};
use store::{both_backends, catalog, testing, Db};

const MAIL: &str = "Your appointment on Monday, about the panic attacks.";

/// A small practice: a sealed mail, an image (a blob), three audit entries.
async fn small(db: &Db) {
    let now = jiff::Timestamp::now();
    let mut tx = db.begin().await.unwrap();
    store::mailbox::deliver(&mut tx, "pat@example.org", "Hello", MAIL, now)
        .await
        .unwrap();
    store::images::put(
        &mut tx,
        &ImageId::new("a".repeat(64)),
        "image/png",
        b"\x89PNG not really",
        "logo.png",
        now,
    )
    .await
    .unwrap();
    for action in ["sign_in.ok", "mailbox.read", "sign_out"] {
        let event = store::audit::Event {
            actor_id: "system".into(),
            action: action.into(),
            case_id: String::new(),
            subject: String::new(),
            outcome: "ok".into(),
            source: "127.0.0.1".into(),
        };
        store::audit::append(&mut tx, &event, now).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("export-hostile-{}", store::random_hex(6)))
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Rows in the tables an import would have written.
async fn written(db: &Db) -> u64 {
    let mut c = db.conn().await.unwrap();
    let mut n = 0;
    for t in catalog::tables(&mut c).await.unwrap() {
        if ["mailbox", "images", "audit_log"].contains(&t.name.as_str()) {
            n += catalog::count(&mut c, &t).await.unwrap();
        }
    }
    n
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn write_manifest(dir: &Path, m: &serde_json::Value) {
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec_pretty(m).unwrap(),
    )
    .unwrap();
}

/// Imports a spoilt copy of `good` into `target`, a new installation; answers the message.
async fn refused(target: &Db, good: &Path, spoil: impl FnOnce(&Path)) -> String {
    let dir = scratch();
    copy(good, &dir);
    spoil(&dir);
    let e = export::import(target, &dir)
        .await
        .expect_err("a spoilt export is refused");
    assert!(
        matches!(e, ExportError::Invalid(_) | ExportError::Refused(_)),
        "{e:?}"
    );
    assert_eq!(written(target).await, 0, "nothing written after: {e}");
    let _ = std::fs::remove_dir_all(&dir);
    e.to_string()
}

both_backends!(
    a_spoilt_export_is_refused_by_name_and_nothing_is_written,
    |db| {
        small(&db).await;
        let good = scratch();
        export::export(&db, &good, jiff::Timestamp::now())
            .await
            .unwrap();
        let mail_file = "tables/mailbox.json";
        let blob = manifest(&good)["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .find(|p| p.starts_with("files/images/"))
            .expect("the image as a file");
        assert!(std::fs::read_to_string(good.join(mail_file))
            .unwrap()
            .contains(MAIL));
        // One new installation takes every spoilt copy in turn: each refusal leaves it empty.
        let target = testing::fresh(db.backend()).await.unwrap();
        let target = &target;

        let m = refused(target, &good, |d| {
            std::fs::remove_file(d.join(mail_file)).unwrap();
        })
        .await;
        assert!(m.contains("tables/mailbox.json is missing"), "{m}");

        let m = refused(target, &good, |d| {
            let mut text = std::fs::read_to_string(d.join(mail_file)).unwrap();
            text = text.replace("panic attacks", "panic attackz");
            std::fs::write(d.join(mail_file), text).unwrap();
        })
        .await;
        assert!(m.contains("tables/mailbox.json was altered"), "{m}");

        let m = refused(target, &good, |d| {
            std::fs::write(d.join(&blob), b"other bytes").unwrap();
        })
        .await;
        assert!(m.contains(&format!("{blob} was altered")), "{m}");

        let m = refused(target, &good, |d| {
            std::fs::write(d.join("files/notes.txt"), b"slipped in").unwrap();
        })
        .await;
        assert!(m.contains("files/notes.txt is not in the manifest"), "{m}");

        let m = refused(target, &good, |d| {
            std::fs::remove_file(d.join("manifest.json")).unwrap();
        })
        .await;
        assert!(m.contains("manifest.json is missing"), "{m}");

        let m = refused(target, &good, |d| {
            std::fs::write(
                d.join("manifest.json"),
                b"{\"format\": \"holdspace-export\",",
            )
            .unwrap();
        })
        .await;
        assert!(m.contains("manifest.json is not a valid manifest"), "{m}");

        // A table file that is not JSON, listed with its true checksum: read as data, refused whole.
        let m = refused(target, &good, |d| {
            let bad = b"{\"table\": \"mailbox\", \"rows\": [ {\"id\": ";
            std::fs::write(d.join(mail_file), bad).unwrap();
            let mut m = manifest(d);
            for f in m["files"].as_array_mut().unwrap() {
                if f["path"] == mail_file {
                    use sha2::Digest;
                    f["size"] = bad.len().into();
                    f["sha256"] = hex::encode(sha2::Sha256::digest(bad)).into();
                }
            }
            write_manifest(d, &m);
        })
        .await;
        assert!(
            m.contains("tables/mailbox.json is not a valid table file"),
            "{m}"
        );

        for hostile in ["../outside.json", "/etc/passwd", "tables/../../x"] {
            let m = refused(target, &good, |d| {
                let mut m = manifest(d);
                m["files"]
                    .as_array_mut()
                    .unwrap()
                    .push(serde_json::json!({"path": hostile, "size": 1, "sha256": "00"}));
                write_manifest(d, &m);
            })
            .await;
            assert!(m.contains("a path outside the export"), "{m}");
        }

        // A huge file (sparse: nothing is written to disk) is refused by its size, unread.
        let m = refused(target, &good, |d| {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(d.join(&blob))
                .unwrap();
            f.set_len(export::MAX_FILE_BYTES + 1).unwrap();
        })
        .await;
        assert!(m.contains(&format!("{blob} is larger than")), "{m}");
        let m = refused(target, &good, |d| {
            let f = std::fs::File::create(d.join("manifest.json")).unwrap();
            f.set_len(export::MAX_MANIFEST_BYTES + 1).unwrap();
        })
        .await;
        assert!(m.contains("manifest.json is larger than"), "{m}");

        #[cfg(unix)]
        {
            let m = refused(target, &good, |d| {
                std::fs::remove_file(d.join(&blob)).unwrap();
                std::os::unix::fs::symlink("/etc/hostname", d.join(&blob)).unwrap();
            })
            .await;
            assert!(m.contains("is a link"), "{m}");
        }

        // A newer format is refused, not guessed at.
        let m = refused(target, &good, |d| {
            let mut m = manifest(d);
            m["format_version"] = 2.into();
            write_manifest(d, &m);
        })
        .await;
        assert!(m.contains("format version 2"), "{m}");

        // Into an installation that holds a practice already: refused, and it keeps what it had.
        let before = written(&db).await;
        let e = export::import(&db, &good).await.expect_err("not empty");
        assert!(e.to_string().contains("not empty"), "{e}");
        assert_eq!(written(&db).await, before);

        // The good export imports, once.
        let done = export::import(target, &good).await.unwrap();
        assert_eq!(done.rows, 5 + invoice_sequence_rows(&good));
        // The import ends by refreshing the planner's statistics (a bulk load leaves none).
        let stats = match target.backend() {
            store::Backend::Sqlite => "SELECT COUNT(*), 0 FROM sqlite_stat1",
            store::Backend::Postgres => {
                "SELECT COUNT(*), 0 FROM pg_stats WHERE schemaname = current_schema()"
            }
        };
        assert!(store::testing::raw_pairs::<i64, i64>(target, stats).await[0].0 > 0);
        assert!(export::import(target, &good).await.is_err());
        let _ = std::fs::remove_dir_all(&good);
    }
);

fn invoice_sequence_rows(dir: &Path) -> u64 {
    manifest(dir)["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"] != "mailbox" && t["name"] != "images" && t["name"] != "audit_log")
        .map(|t| t["rows"].as_u64().unwrap())
        .sum()
}

#[cfg(unix)]
#[tokio::test]
async fn the_export_is_readable_by_its_owner_only_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let db = testing::fresh(store::Backend::Sqlite).await.unwrap();
    small(&db).await;
    let dir = scratch();
    export::export(&db, &dir, jiff::Timestamp::now())
        .await
        .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("tables")), 0o700);
    assert_eq!(mode(&dir.join("manifest.json")), 0o600);
    assert_eq!(mode(&dir.join("tables/mailbox.json")), 0o600);
    // A second export into the same directory is refused: it is not empty.
    let e = export::export(&db, &dir, jiff::Timestamp::now())
        .await
        .expect_err("not empty");
    assert!(e.to_string().contains("is not empty"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

both_backends!(
    imported_audit_entries_chain_as_appended_ones_and_keep_their_numbers,
    |db| {
        let at: jiff::Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        let entry = |seq| store::audit::Entry {
            seq,
            at,
            event: store::audit::Event {
                actor_id: "system".into(),
                action: "sign_in.ok".into(),
                case_id: String::new(),
                subject: String::new(),
                outcome: "ok".into(),
                source: "127.0.0.1".into(),
            },
        };
        let mut tx = db.begin().await.unwrap();
        store::audit::append_at(&mut tx, entry(1).seq, entry(1).at, &entry(1).event)
            .await
            .unwrap();
        // A gap would break the chain's count: refused.
        assert!(
            store::audit::append_at(&mut tx, entry(3).seq, entry(3).at, &entry(3).event)
                .await
                .is_err()
        );
        store::audit::append_at(&mut tx, entry(2).seq, entry(2).at, &entry(2).event)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = db.conn().await.unwrap();
        assert_eq!(
            store::audit::verify(&mut c).await.unwrap(),
            store::audit::Verdict::Intact { rows: 2 }
        );
        let newest = store::audit::recent(&mut c, None, 1).await.unwrap();
        assert_eq!((newest[0].seq, newest[0].at), (2, at));
    }
);

/// A value that does not open stops the export, names where it is, and leaves no half export of
/// plain text behind.
#[tokio::test]
async fn an_export_that_fails_part_way_leaves_nothing() {
    let db = testing::fresh(store::Backend::Sqlite).await.unwrap();
    small(&db).await;
    let mut tx = db.begin().await.unwrap();
    let tables = catalog::tables(&mut tx).await.unwrap();
    let mailbox = tables.iter().find(|t| t.name == "mailbox").unwrap();
    let row: Vec<catalog::Value> = mailbox
        .columns
        .iter()
        .map(|c| match c.name.as_str() {
            "id" => catalog::Value::Text("zz-broken".into()),
            "body_sealed" => catalog::Value::Text("hs1:nokey:AAAA".into()),
            "created_at" => catalog::Value::Int(1),
            _ => catalog::Value::Text("x".into()),
        })
        .collect();
    catalog::insert(&mut tx, mailbox, &row).await.unwrap();
    tx.commit().await.unwrap();
    let dir = scratch();
    let e = export::export(&db, &dir, jiff::Timestamp::now())
        .await
        .expect_err("a value that does not open");
    assert!(
        e.to_string()
            .contains("mailbox.body_sealed of row zz-broken"),
        "{e}"
    );
    assert!(!dir.exists(), "nothing left behind");
}
