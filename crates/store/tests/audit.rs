//! The audit chain detects a changed, a deleted and a reordered row, on SQLite and PostgreSQL.

use jiff::Timestamp;
use store::audit::{self, Event, Verdict};
use store::{both_backends, testing, Db};

fn event(n: usize) -> Event {
    Event {
        actor_id: format!("user-{n}"),
        action: "inquiry.read".into(),
        case_id: "case-1".into(),
        subject: format!("inquiry-{n}"),
        outcome: "ok".into(),
        source: "127.0.0.1".into(),
    }
}

async fn five(db: &Db) {
    let now: Timestamp = "2026-11-27T09:00:00Z".parse().unwrap();
    for n in 1..=5 {
        assert_eq!(
            audit::append_alone(db, &event(n), now).await.unwrap(),
            n as i64
        );
    }
    assert_eq!(
        audit::verify(&mut db.conn().await.unwrap()).await.unwrap(),
        Verdict::Intact { rows: 5 }
    );
}

both_backends!(
    an_untouched_chain_verifies_and_concurrent_appends_stay_in_order,
    |db| {
        let now: Timestamp = "2026-11-27T09:00:00Z".parse().unwrap();
        let mut tasks = Vec::new();
        for n in 0..20 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                audit::append_alone(&db, &event(n), now).await.unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            audit::verify(&mut db.conn().await.unwrap()).await.unwrap(),
            Verdict::Intact { rows: 20 }
        );
        assert_eq!(
            audit::recent(&mut db.conn().await.unwrap(), Some("case-1"), 5)
                .await
                .unwrap()
                .len(),
            5
        );
        assert!(
            audit::recent(&mut db.conn().await.unwrap(), Some("other"), 5)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

both_backends!(a_changed_row_is_named, |db| {
    five(&db).await;
    testing::raw_exec(
        &db,
        "UPDATE audit_log SET actor_id = 'someone-else' WHERE seq = 3",
    )
    .await;
    assert!(matches!(
        audit::verify(&mut db.conn().await.unwrap()).await.unwrap(),
        Verdict::Broken { seq: 3, .. }
    ));
});

both_backends!(a_deleted_row_is_named, |db| {
    five(&db).await;
    testing::raw_exec(&db, "DELETE FROM audit_log WHERE seq = 2").await;
    assert!(matches!(
        audit::verify(&mut db.conn().await.unwrap()).await.unwrap(),
        Verdict::Broken {
            seq: 3,
            reason: "a row is missing before this one",
            ..
        }
    ));
});

both_backends!(reordered_rows_are_named, |db| {
    five(&db).await;
    testing::raw_exec(&db, "UPDATE audit_log SET seq = 100 WHERE seq = 2").await;
    testing::raw_exec(&db, "UPDATE audit_log SET seq = 2 WHERE seq = 4").await;
    testing::raw_exec(&db, "UPDATE audit_log SET seq = 4 WHERE seq = 100").await;
    assert!(matches!(
        audit::verify(&mut db.conn().await.unwrap()).await.unwrap(),
        Verdict::Broken { seq: 2, .. }
    ));
});

both_backends!(a_rewritten_hash_still_breaks_the_next_link, |db| {
    five(&db).await;
    // Someone changes row 2 and recomputes a plausible hash for it: row 3 no longer links to it.
    testing::raw_exec(
        &db,
        "UPDATE audit_log SET subject = 'x', hash = 'ffff' WHERE seq = 2",
    )
    .await;
    assert!(matches!(
        audit::verify(&mut db.conn().await.unwrap()).await.unwrap(),
        Verdict::Broken { seq: 2, .. }
    ));
});
