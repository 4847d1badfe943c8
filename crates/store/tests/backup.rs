//! The backup stream: written from one snapshot, restored whole into an empty database, and
//! refused plainly (leaving the target as empty as it was) when it is damaged, changed, cut
//! short, from something else, or from a newer schema.

use store::backup::{self, Header};
use store::catalog;
use store::{both_backends, testing, Db, DbConfig, StoreError};

/// Varied rows: tags with awkward text, audit rows (a hash chain), the data key (sealed).
async fn seed(db: &Db) {
    let mut c = db.conn().await.unwrap();
    let tables = catalog::tables(&mut c).await.unwrap();
    let tags = tables.iter().find(|t| t.name == "tags").unwrap();
    let mut tx = db.begin().await.unwrap();
    for (id, name) in [
        ("a", "Ängste"),
        ("b", "it's \"quoted\"\nnext line"),
        ("c", ""),
    ] {
        let row: Vec<catalog::Value> = tags
            .columns
            .iter()
            .map(|col| match col.name.as_str() {
                "id" => catalog::Value::Text(id.into()),
                "slug" => catalog::Value::Text(format!("slug-{id}")),
                _ => catalog::Value::Text(name.into()),
            })
            .collect();
        catalog::insert(&mut tx, tags, &row).await.unwrap();
    }
    tx.commit().await.unwrap();
    for n in 0..5 {
        let event = store::audit::Event {
            actor_id: "system".into(),
            action: "backup.test".into(),
            case_id: String::new(),
            subject: format!("row-{n}"),
            outcome: "ok".into(),
            source: String::new(),
        };
        store::audit::append_alone(db, &event, jiff::Timestamp::now())
            .await
            .unwrap();
    }
}

async fn backup_of(db: &Db) -> (Vec<u8>, Header) {
    let mut out = Vec::new();
    let written = backup::write(db, &mut out).await.unwrap();
    assert_eq!(written.bytes, out.len() as u64);
    (out, written.header)
}

async fn restore(config: &DbConfig, bytes: &[u8]) -> Result<backup::Restored, StoreError> {
    backup::restore(config, &mut &bytes[..]).await
}

fn refusal(result: Result<backup::Restored, StoreError>) -> String {
    match result {
        Ok(_) => panic!("a bad backup was restored"),
        Err(e) => e.to_string(),
    }
}

both_backends!(a_backup_restores_whole_and_verifies, |db| {
    seed(&db).await;
    let (bytes, header) = backup_of(&db).await;
    assert_eq!(header.schema_version, store::SCHEMA_VERSION);
    assert!(header
        .tables
        .iter()
        .all(|t| !catalog::TRANSIENT.contains(&t.table.name.as_str())));
    assert!(header.snapshot_at <= header.created_at);
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("{\"format\":\"holdspace-backup\""));
    assert!(text.lines().last().unwrap().contains("sha256"));

    let target = testing::fresh_config(db.backend()).await.unwrap();
    let restored = restore(&target, &bytes).await.unwrap();
    assert_eq!(restored.header.rows(), header.rows());
    let copy = Db::open(&target, vec![testing::test_master_key()])
        .await
        .unwrap();
    let checked = backup::check(&copy, &header).await.unwrap();
    assert!(checked.passed(), "{checked:?}");
    assert_eq!(checked.rows, header.rows());
    assert_eq!(testing::count_rows(&copy, "tags").await, 3);
    // The restore ends by refreshing the planner's statistics (a bulk load leaves none).
    let stats = match copy.backend() {
        store::Backend::Sqlite => "SELECT COUNT(*), 0 FROM sqlite_stat1 WHERE tbl = 'tags'",
        store::Backend::Postgres => {
            "SELECT COUNT(*), 0 FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'tags'"
        }
    };
    let analyzed = testing::raw_pairs::<i64, i64>(&copy, stats).await;
    assert!(analyzed[0].0 > 0, "no statistics after a restore");
    // The copy backs up to the same rows (only the instants in the header differ).
    let (again, _) = backup_of(&copy).await;
    let rows = |b: &[u8]| -> Vec<String> {
        let text = String::from_utf8_lossy(b).to_string();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[1..lines.len() - 1].to_vec()
    };
    assert_eq!(rows(&again), rows(&bytes));
    // A restore never goes into a database that holds anything: the copy stays as it is.
    let message = refusal(restore(&target, &bytes).await);
    assert!(message.contains("not empty"), "{message}");
    assert_eq!(testing::count_rows(&copy, "tags").await, 3);
});

both_backends!(a_damaged_or_foreign_stream_restores_nothing, |db| {
    seed(&db).await;
    let (bytes, _) = backup_of(&db).await;
    let target = testing::fresh_config(db.backend()).await.unwrap();

    // One changed byte in a row (still valid JSON): the checksum catches it.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let changed = text.replacen("Ängste", "Ängstx", 1);
    assert_ne!(changed, text);
    let message = refusal(restore(&target, changed.as_bytes()).await);
    assert!(message.contains("checksum"), "{message}");

    // Cut short, anywhere.
    for cut in [bytes.len() / 2, bytes.len() - 3, bytes.len() - 1] {
        let message = refusal(restore(&target, &bytes[..cut]).await);
        assert!(
            message.contains("truncated") || message.contains("malformed"),
            "{cut}: {message}"
        );
    }
    // A value of the wrong kind.
    let lines: Vec<&str> = text.lines().collect();
    let row_at = lines.iter().position(|l| l.contains("slug-a")).unwrap();
    let bad_row = lines[row_at].replacen("\"slug-a\"", "12", 1);
    let mut wrong = lines.clone();
    wrong[row_at] = &bad_row;
    let message = refusal(restore(&target, (wrong.join("\n") + "\n").as_bytes()).await);
    assert!(message.contains("malformed"), "{message}");
    // Something after the end.
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"[]\n");
    let message = refusal(restore(&target, &longer).await);
    assert!(message.contains("follows its end"), "{message}");
    // Not a backup at all; nothing; a long line of nonsense.
    let long = vec![b'x'; 1 << 20];
    for other in [
        &b"hello\n"[..],
        b"",
        b"{\"format\":\"something-else\"}\n",
        &long,
    ] {
        let message = refusal(restore(&target, other).await);
        assert!(
            message.contains("not a holdspace backup")
                || message.contains("empty")
                || message.contains("truncated"),
            "{message}"
        );
    }
    // From a newer holdspace: refused before anything is written.
    let newer = text.replacen(
        &format!("\"schema_version\":{}", store::SCHEMA_VERSION),
        &format!("\"schema_version\":{}", store::SCHEMA_VERSION + 1),
        1,
    );
    let message = refusal(restore(&target, newer.as_bytes()).await);
    assert!(message.contains("newer"), "{message}");

    // After all that the target is still empty: the good backup restores into it.
    restore(&target, &bytes).await.unwrap();
    let copy = Db::open(&target, vec![testing::test_master_key()])
        .await
        .unwrap();
    assert_eq!(testing::count_rows(&copy, "tags").await, 3);
});

both_backends!(a_database_from_a_newer_holdspace_is_refused, |db| {
    let newer = store::SCHEMA_VERSION + 3;
    testing::raw_exec(
        &db,
        &format!(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ({newer}, 'future', 0)"
        ),
    )
    .await;
    let config = config_of(&db).await;
    match Db::open(&config, vec![testing::test_master_key()]).await {
        Err(e @ StoreError::TooNew { .. }) => {
            let message = e.to_string();
            assert!(message.contains(&newer.to_string()), "{message}");
            assert!(
                message.contains(&store::SCHEMA_VERSION.to_string()),
                "{message}"
            );
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a database newer than this build was opened"),
    }
});

/// The configuration that reopens `db` (its SQLite file, or its PostgreSQL schema).
async fn config_of(db: &Db) -> DbConfig {
    match db.backend() {
        store::Backend::Sqlite => {
            let file = testing::raw_text(
                db,
                "SELECT file FROM pragma_database_list WHERE name = $1",
                "main",
            )
            .await;
            DbConfig::url(format!("sqlite://{file}"))
        }
        store::Backend::Postgres => {
            let schema = testing::raw_text(db, "SELECT current_schema()::text || $1", "").await;
            let mut config = DbConfig::url(testing::postgres_url());
            config.schema = Some(schema);
            config
        }
    }
}
