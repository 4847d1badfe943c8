//! The catalog reads the same schema from SQLite and PostgreSQL, streams a table in key (byte)
//! order in one snapshot, and writes rows back as they were read.

use store::catalog::{self, Kind, Value};
use store::{both_backends, testing};

both_backends!(the_schema_reads_alike_and_rows_come_back_as_written, |db| {
    let mut c = db.conn().await.unwrap();
    let tables = catalog::tables(&mut c).await.unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    assert!(!names.contains(&catalog::MIGRATIONS_TABLE));
    let at = |n: &str| names.iter().position(|x| *x == n).unwrap();
    assert!(at("users") < at("cases"), "{names:?}");
    assert!(at("cases") < at("appointments"));
    assert!(
        at("series") < at("appointments"),
        "appointments reference series"
    );
    assert!(catalog::schema_version(&mut c).await.unwrap() >= 27);

    let audit = tables.iter().find(|t| t.name == "audit_log").unwrap();
    assert_eq!(audit.primary_key, ["seq"]);
    assert_eq!(audit.column("seq").unwrap().kind, Kind::Int);
    let images = tables.iter().find(|t| t.name == "images").unwrap();
    assert_eq!(images.column("bytes").unwrap().kind, Kind::Bytes);
    let invoices = tables.iter().find(|t| t.name == "invoices").unwrap();
    assert_eq!(invoices.self_references(), ["corrects_id"]);
    assert_eq!(
        catalog::case_scope(invoices).as_deref(),
        Some("case_id = $1")
    );
    let addenda = tables
        .iter()
        .find(|t| t.name == "session_note_addenda")
        .unwrap();
    assert!(catalog::case_scope(addenda)
        .unwrap()
        .contains("FROM appointments"));
    let tags = tables.iter().find(|t| t.name == "tags").unwrap();
    assert_eq!(catalog::case_scope(tags), None);

    // Three rows, with text that needs care (quotes, NUL-free unicode), read back streamed.
    // Their keys sort differently by byte and by most locales ("B" < "a" < "Ä" only by byte).
    let mut tx = db.begin().await.unwrap();
    for (id, name) in [("a", "Ängste"), ("Ä", "it's \"quoted\""), ("B", "")] {
        let row: Vec<Value> = tags
            .columns
            .iter()
            .map(|col| match col.name.as_str() {
                "id" => Value::Text(id.into()),
                "slug" => Value::Text(format!("slug-{name}")),
                _ => Value::Text(name.into()),
            })
            .collect();
        catalog::insert(&mut tx, tags, &row).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut snap = db.snapshot().await.unwrap();
    let mut seen = Vec::new();
    let n = catalog::for_each_row(&mut snap, tags, |row| {
        seen.push(row);
        Ok::<(), store::StoreError>(())
    })
    .await
    .unwrap();
    assert_eq!(n, 3);
    let at = |name: &str| tags.columns.iter().position(|c| c.name == name).unwrap();
    let keys: Vec<Vec<Value>> = seen.iter().map(|r| catalog::key_of(tags, r)).collect();
    let text = |s: &str| vec![Value::Text(s.into())];
    assert_eq!(
        keys,
        [text("B"), text("a"), text("Ä")],
        "keys in byte order"
    );
    assert_eq!(seen[1][at("name")], Value::Text("Ängste".into()));
    assert_eq!(seen[2][at("name")], Value::Text("it's \"quoted\"".into()));
    assert_eq!(seen[0][at("name")], Value::Text(String::new()));
    // An error from the caller stops the read and comes back as it was.
    let stopped = catalog::for_each_row(&mut snap, tags, |_| {
        Err(store::StoreError::Corrupt("stop".into()))
    })
    .await;
    assert!(matches!(stopped, Err(store::StoreError::Corrupt(m)) if m == "stop"));
    assert_eq!(catalog::count(&mut snap, tags).await.unwrap(), 3);
    // A row with the wrong number of values is refused before it reaches the database.
    let mut tx = db.begin().await.unwrap();
    assert!(catalog::insert(&mut tx, tags, &[Value::Null])
        .await
        .is_err());
});

#[tokio::test]
async fn a_snapshot_does_not_see_what_is_written_after_its_first_read() {
    let db = testing::fresh(store::Backend::Sqlite).await.unwrap();
    let mut c = db.conn().await.unwrap();
    let tables = catalog::tables(&mut c).await.unwrap();
    drop(c);
    let tags = tables.iter().find(|t| t.name == "tags").unwrap().clone();
    let mut snap = db.snapshot().await.unwrap();
    assert_eq!(catalog::count(&mut snap, &tags).await.unwrap(), 0);
    let mut tx = db.begin().await.unwrap();
    let row: Vec<Value> = tags
        .columns
        .iter()
        .map(|c| Value::Text(format!("x-{}", c.name)))
        .collect();
    catalog::insert(&mut tx, &tags, &row).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(catalog::count(&mut snap, &tags).await.unwrap(), 0);
    drop(snap);
    let mut c = db.conn().await.unwrap();
    assert_eq!(catalog::count(&mut c, &tags).await.unwrap(), 1);
}

/// The keys derived for the audit log and the blind index outlive a master key rotation and a
/// reopening, or every MAC and index would have to be recomputed.
#[tokio::test]
async fn derived_keys_survive_a_master_key_rotation() {
    let config = testing::fresh_config(store::Backend::Sqlite).await.unwrap();
    let first = store::MasterKey::generate();
    let db = store::Db::open(&config, vec![first]).await.unwrap();
    let before = *db.keyring().derived_key("audit log");
    let next = store::MasterKey::generate();
    db.rotate_master_key(&next).await.unwrap();
    assert_eq!(*db.keyring().derived_key("audit log"), before);
    db.close().await;
    let again = store::Db::open(&config, vec![next]).await.unwrap();
    assert_eq!(*again.keyring().derived_key("audit log"), before);
    assert_ne!(*again.keyring().derived_key("blind index"), before);
}
