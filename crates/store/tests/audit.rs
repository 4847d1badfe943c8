//! The audit chain detects a changed, a deleted and a reordered row, on SQLite and PostgreSQL.

use jiff::Timestamp;
use store::audit::{self, Checkpoint, Event, Verdict};
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

/// The unkeyed link of the old scheme, as anyone with the database (and not the key) computes it.
fn plain_link(prev: &str, seq: i64, at: i64, e: &Event) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        &at.to_string(),
        &e.actor_id,
        &e.action,
        &e.case_id,
        &e.subject,
        &e.outcome,
        &e.source,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Rewrites every row's links with the plain hash, after `change` has edited the entries: what an
/// attacker with write access to the database, but without the master key, can do.
async fn relink_without_the_key(db: &Db, change: impl Fn(&mut audit::Entry)) {
    let mut entries = audit::recent(&mut db.conn().await.unwrap(), None, 1000)
        .await
        .unwrap();
    entries.reverse();
    let mut prev = "0".repeat(64);
    for mut e in entries {
        change(&mut e);
        let at = e.at.as_millisecond();
        let link = plain_link(&prev, e.seq, at, &e.event);
        testing::raw_exec(
            db,
            &format!(
                "UPDATE audit_log SET subject = '{}', prev_hash = '{prev}', hash = '{link}' WHERE seq = {}",
                e.event.subject, e.seq
            ),
        )
        .await;
        prev = link;
    }
}

async fn walk(db: &Db, checkpoints: &[Checkpoint]) -> audit::Walk {
    audit::walk(&mut db.conn().await.unwrap(), checkpoints)
        .await
        .unwrap()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

both_backends!(an_edit_with_the_plain_hash_recomputed_is_caught, |db| {
    five(&db).await;
    relink_without_the_key(&db, |e| {
        if e.seq == 3 {
            e.event.subject = "inquiry-99".into();
        }
    })
    .await;
    // The first row already fails: its link was the MAC, and the attacker could only write a hash.
    assert_eq!(
        audit::verify(&mut db.conn().await.unwrap()).await.unwrap(),
        Verdict::Broken {
            position: 1,
            seq: 1,
            reason: "the row was changed after it was written"
        }
    );
});

both_backends!(an_intact_log_passes_its_checkpoints, |db| {
    five(&db).await;
    let first = walk(&db, &[])
        .await
        .head
        .checkpoint(at("2026-11-27T10:00:00Z"));
    assert_eq!((first.rows, first.seq), (5, 5));
    audit::append_alone(&db, &event(6), at("2026-11-28T09:00:00Z"))
        .await
        .unwrap();
    let second = walk(&db, std::slice::from_ref(&first)).await;
    assert_eq!(second.verdict, Verdict::Intact { rows: 6 });
    let second = second.head.checkpoint(at("2026-11-28T10:00:00Z"));
    assert_eq!(
        walk(&db, &[first, second]).await.verdict,
        Verdict::Intact { rows: 6 }
    );
});

both_backends!(a_deleted_tail_is_caught_against_the_checkpoint, |db| {
    five(&db).await;
    let checkpoint = walk(&db, &[])
        .await
        .head
        .checkpoint(at("2026-11-27T10:00:00Z"));
    testing::raw_exec(&db, "DELETE FROM audit_log WHERE seq >= 4").await;
    // Without the checkpoint the shorter chain looks whole: that is what the checkpoint is for.
    assert_eq!(
        audit::verify(&mut db.conn().await.unwrap()).await.unwrap(),
        Verdict::Intact { rows: 3 }
    );
    let verdict = walk(&db, &[checkpoint]).await.verdict;
    assert_eq!(
        verdict,
        Verdict::Contradicted {
            number: 1,
            at: at("2026-11-27T10:00:00Z"),
            seq: 5,
            reason: "the log ends before the checkpoint's seq"
        }
    );
    assert_eq!(
        verdict.describe(),
        "the log was cut or rewritten after checkpoint 1 of 2026-11-27T10:00:00Z (seq 5): the log ends before the checkpoint's seq"
    );
});

both_backends!(
    a_rewrite_with_the_key_is_caught_against_the_checkpoint,
    |db| {
        five(&db).await;
        let checkpoint = walk(&db, &[])
            .await
            .head
            .checkpoint(at("2026-11-27T10:00:00Z"));
        // Someone holding the key drops rows 3 to 5 and writes three others in their place: the
        // chain is consistent again, and as long as it was.
        testing::raw_exec(&db, "DELETE FROM audit_log WHERE seq >= 3").await;
        for n in 13..=15 {
            audit::append_alone(&db, &event(n), at("2026-11-27T09:00:00Z"))
                .await
                .unwrap();
        }
        assert_eq!(
            audit::verify(&mut db.conn().await.unwrap()).await.unwrap(),
            Verdict::Intact { rows: 5 }
        );
        assert!(matches!(
            walk(&db, &[checkpoint]).await.verdict,
            Verdict::Contradicted {
                number: 1,
                seq: 5,
                reason: "the row at the checkpoint's seq is not the one it recorded",
                ..
            }
        ));
    }
);

both_backends!(
    append_at_keeps_the_given_seq_and_instant_in_the_chain,
    |db| {
        let mut tx = db.begin().await.unwrap();
        audit::append_at(&mut tx, 1, at("2020-01-01T00:00:00Z"), &event(1))
            .await
            .unwrap();
        assert!(matches!(
            audit::append_at(&mut tx, 3, at("2020-01-02T00:00:00Z"), &event(3)).await,
            Err(store::StoreError::Conflict)
        ));
        assert!(matches!(
            audit::append_at(&mut tx, 1, at("2020-01-02T00:00:00Z"), &event(3)).await,
            Err(store::StoreError::Conflict)
        ));
        audit::append_at(&mut tx, 2, at("2020-01-02T00:00:00Z"), &event(2))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let entries = audit::recent(&mut db.conn().await.unwrap(), None, 10)
            .await
            .unwrap();
        assert_eq!(entries[0].seq, 2);
        assert_eq!(entries[0].at, at("2020-01-02T00:00:00Z"));
        assert_eq!(entries[1].at, at("2020-01-01T00:00:00Z"));
        assert_eq!(
            audit::verify(&mut db.conn().await.unwrap()).await.unwrap(),
            Verdict::Intact { rows: 2 }
        );
    }
);

/// Puts the database back to the old scheme, as an installation from before the MAC was.
async fn unkeyed(db: &Db) {
    testing::raw_exec(db, "UPDATE audit_chain SET scheme = 'sha256' WHERE id = 1").await;
    let now = at("2026-11-27T09:00:00Z");
    for n in 1..=5 {
        audit::append_alone(db, &event(n), now).await.unwrap();
    }
}

both_backends!(an_intact_old_log_is_rechained_under_the_mac_once, |db| {
    unkeyed(&db).await;
    let old = walk(&db, &[]).await;
    assert_eq!(old.verdict, Verdict::Unkeyed { rows: 5 });
    assert_eq!(
        old.head.mac,
        plain_link(
            &walk_prev(&db).await,
            5,
            at("2026-11-27T09:00:00Z").as_millisecond(),
            &event(5)
        ),
        "the old rows carry the plain hash"
    );
    let now = at("2026-12-01T00:00:00Z");
    assert_eq!(
        audit::upgrade(&db, &[], now).await.unwrap(),
        audit::Upgrade::Rechained { rows: 5 }
    );
    let new = walk(&db, &[]).await;
    assert_eq!(new.verdict, Verdict::Intact { rows: 5 });
    assert_ne!(new.head.mac, old.head.mac);
    assert_eq!(
        audit::upgrade(&db, &[], now).await.unwrap(),
        audit::Upgrade::Keyed
    );
    // New rows follow the MAC.
    audit::append_alone(&db, &event(6), now).await.unwrap();
    assert_eq!(walk(&db, &[]).await.verdict, Verdict::Intact { rows: 6 });
});

/// The link stored in row 4 (what row 5's plain hash was computed over).
async fn walk_prev(db: &Db) -> String {
    testing::raw_text(
        db,
        "SELECT hash FROM audit_log WHERE seq = CAST($1 AS BIGINT)",
        "4",
    )
    .await
}

both_backends!(a_broken_old_log_is_left_unkeyed_and_still_named, |db| {
    unkeyed(&db).await;
    testing::raw_exec(
        &db,
        "UPDATE audit_log SET outcome = 'refused' WHERE seq = 3",
    )
    .await;
    let now = at("2026-12-01T00:00:00Z");
    let broken = Verdict::Broken {
        position: 3,
        seq: 3,
        reason: "the row was changed after it was written",
    };
    assert_eq!(
        audit::upgrade(&db, &[], now).await.unwrap(),
        audit::Upgrade::Broken(broken.clone())
    );
    assert_eq!(walk(&db, &[]).await.verdict, broken);
    // The practice keeps working: appends go on under the old scheme.
    audit::append_alone(&db, &event(6), now).await.unwrap();
    assert_eq!(walk(&db, &[]).await.verdict, broken);
});

both_backends!(
    a_log_set_back_to_the_old_scheme_is_not_rechained_again,
    |db| {
        five(&db).await;
        let checkpoint = walk(&db, &[])
            .await
            .head
            .checkpoint(at("2026-11-27T10:00:00Z"));
        // Someone sets the scheme back and relinks every row with the plain hash, hoping the next
        // start blesses the rewrite with the key.
        testing::raw_exec(&db, "UPDATE audit_chain SET scheme = 'sha256' WHERE id = 1").await;
        relink_without_the_key(&db, |e| {
            if e.seq == 2 {
                e.event.subject = "inquiry-99".into();
            }
        })
        .await;
        assert_eq!(walk(&db, &[]).await.verdict, Verdict::Unkeyed { rows: 5 });
        assert_eq!(
            audit::upgrade(
                &db,
                std::slice::from_ref(&checkpoint),
                at("2026-12-01T00:00:00Z")
            )
            .await
            .unwrap(),
            audit::Upgrade::SetBack
        );
        assert!(matches!(
            walk(&db, &[checkpoint]).await.verdict,
            Verdict::Contradicted { number: 1, .. }
        ));
    }
);

/// A database as the release before the MAC left it: migration 28 not applied, rows linked by
/// the plain hash. Reopened, the migration marks the log unkeyed and `upgrade` re-chains it.
async fn an_installation_from_before_the_mac_is_rechained(backend: store::Backend) {
    let Some(config) = testing::fresh_config(backend).await else {
        return;
    };
    let key = store::MasterKey::generate();
    let db = match Db::open(&config, vec![key.clone()]).await {
        Ok(db) => db,
        Err(e) if backend == store::Backend::Postgres && std::env::var_os("CI").is_none() => {
            eprintln!("notice: PostgreSQL not reachable ({e}); skipping");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    testing::raw_exec(&db, "DROP TABLE audit_chain").await;
    testing::raw_exec(&db, "ALTER TABLE practice DROP COLUMN master_key_copy_at").await;
    testing::raw_exec(&db, "DELETE FROM schema_migrations WHERE version = 28").await;
    let at = at("2026-11-27T09:00:00Z").as_millisecond();
    let mut prev = "0".repeat(64);
    for seq in 1..=3 {
        let e = event(seq as usize);
        let link = plain_link(&prev, seq, at, &e);
        testing::raw_exec(
            &db,
            &format!(
                "INSERT INTO audit_log (seq, at, actor_id, action, case_id, subject, outcome, source, prev_hash, hash) \
                 VALUES ({seq}, {at}, '{}', '{}', '{}', '{}', '{}', '{}', '{prev}', '{link}')",
                e.actor_id, e.action, e.case_id, e.subject, e.outcome, e.source
            ),
        )
        .await;
        prev = link;
    }
    db.close().await;

    let db = Db::open(&config, vec![key]).await.unwrap();
    assert_eq!(walk(&db, &[]).await.verdict, Verdict::Unkeyed { rows: 3 });
    assert_eq!(
        audit::upgrade(&db, &[], self::at("2026-12-01T00:00:00Z"))
            .await
            .unwrap(),
        audit::Upgrade::Rechained { rows: 3 }
    );
    assert_eq!(walk(&db, &[]).await.verdict, Verdict::Intact { rows: 3 });
}

#[tokio::test]
async fn an_installation_from_before_the_mac_is_rechained_sqlite() {
    an_installation_from_before_the_mac_is_rechained(store::Backend::Sqlite).await;
}

#[tokio::test]
async fn an_installation_from_before_the_mac_is_rechained_postgres() {
    an_installation_from_before_the_mac_is_rechained(store::Backend::Postgres).await;
}

both_backends!(the_walk_pages_through_a_long_log, |db| {
    // More rows than one page holds: the walk goes on past the page's edge, and a row changed on
    // the second page is named by its position.
    let mut tx = db.begin().await.unwrap();
    for n in 1..=1005 {
        audit::append(&mut tx, &event(n), at("2026-11-27T09:00:00Z"))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(walk(&db, &[]).await.verdict, Verdict::Intact { rows: 1005 });
    testing::raw_exec(
        &db,
        "UPDATE audit_log SET source = '10.0.0.1' WHERE seq = 1003",
    )
    .await;
    assert_eq!(
        walk(&db, &[]).await.verdict,
        Verdict::Broken {
            position: 1003,
            seq: 1003,
            reason: "the row was changed after it was written"
        }
    );
});

/// Two instances (two pools on one database) append at once, each inside transactions that do
/// other work around the append, with plain-connection appends and rolled-back transactions
/// among them: the chain has one row per committed append, in order, and verifies.
async fn two_instances_append_into_one_chain(backend: store::Backend) {
    let Some(config) = testing::fresh_config(backend).await else {
        return;
    };
    let a = match Db::open(&config, vec![testing::test_master_key()]).await {
        Ok(db) => db,
        Err(e) if backend == store::Backend::Postgres && std::env::var_os("CI").is_none() => {
            eprintln!("notice: PostgreSQL not reachable ({e}); skipping");
            return;
        }
        Err(e) => panic!("cannot open the test database: {e}"),
    };
    let b = Db::open(&config, vec![testing::test_master_key()])
        .await
        .unwrap();
    let now: Timestamp = "2026-11-27T09:00:00Z".parse().unwrap();
    let mut tasks = Vec::new();
    for n in 0..40 {
        let db = if n % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            match n % 4 {
                // Plain connection: the append makes its own transaction.
                0 => {
                    audit::append(&mut db.conn().await.unwrap(), &event(n), now)
                        .await
                        .unwrap();
                    true
                }
                // Rolled back: it leaves no row and no gap.
                1 if n % 8 == 1 => {
                    let mut tx = db.begin().await.unwrap();
                    audit::append(&mut tx, &event(n), now).await.unwrap();
                    drop(tx);
                    false
                }
                // Inside a transaction that goes on after the append.
                _ => {
                    let mut tx = db.begin().await.unwrap();
                    audit::append(&mut tx, &event(n), now).await.unwrap();
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                    tx.commit().await.unwrap();
                    true
                }
            }
        }));
    }
    let mut committed = 0;
    for t in tasks {
        committed += usize::from(t.await.unwrap());
    }
    assert_eq!(committed, 35);
    assert_eq!(
        audit::verify(&mut a.conn().await.unwrap()).await.unwrap(),
        Verdict::Intact { rows: 35 }
    );
    let seqs: Vec<i64> = audit::recent(&mut b.conn().await.unwrap(), None, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, (1..=35).rev().collect::<Vec<i64>>());
}

#[tokio::test]
async fn two_instances_append_into_one_chain_sqlite() {
    two_instances_append_into_one_chain(store::Backend::Sqlite).await;
}

#[tokio::test]
async fn two_instances_append_into_one_chain_postgres() {
    two_instances_append_into_one_chain(store::Backend::Postgres).await;
}
