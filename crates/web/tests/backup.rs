//! Backups of a practice that is being used: twenty people write while the snapshot is taken,
//! and the restored copy (on the other database: the move between SQLite and PostgreSQL) holds
//! every write acknowledged before the snapshot's instant and passes the drill. Encrypted files
//! that are damaged, cut short, foreign or opened with the wrong key restore nothing. The
//! fixture backup of an earlier schema restores into this one.

mod common;

use app::backup::{self, Identity, Protection, Unlock};
use common::{session_at, TestApp, THERAPIST_EMAIL};
use jiff::Timestamp;
use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use store::{Backend, Db};

const WRITERS: usize = 20;
const MESSAGES_EACH: usize = 6;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("holdspace-backup-test-{}", store::random_hex(6)));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn unlock(identity: &Identity) -> Unlock {
    Unlock::Identities(vec![Box::new(identity.clone())])
}

/// Patients, each with their case, signed in.
async fn patients(t: &TestApp, n: usize) -> Vec<(String, common::Browser)> {
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let mut out = Vec::new();
    for i in 0..n {
        let email = format!("writer{i}@example.org");
        let case = t
            .invite_patient(&theo, &format!("Writer {i}"), &email)
            .await;
        out.push((case, t.patient_signed_in(&email).await));
    }
    out
}

async fn count_in_case(db: &Db, table: &str, case: &str) -> i64 {
    store::testing::raw_text(
        db,
        &format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table} WHERE case_id = $1"),
        case,
    )
    .await
    .parse()
    .unwrap()
}

/// The other database, when it can be reached (PostgreSQL is skipped with a notice outside CI).
async fn other_backend(backend: Backend) -> Option<store::DbConfig> {
    let other = match backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let probe = store::testing::fresh(other).await?;
    probe.close().await;
    store::testing::fresh_config(other).await
}

on_both!(
    writes_acknowledged_before_the_snapshot_are_in_the_restored_copy,
    TestApp::with_practice,
    |t| {
        let writers = patients(&t, WRITERS).await;
        let cases: Vec<String> = writers.iter().map(|(c, _)| c.clone()).collect();
        let mut booked_already = Vec::new();
        for case in &cases {
            booked_already.push(count_in_case(&t.db, "appointments", case).await);
        }
        let theo = Arc::new(t.signed_in(THERAPIST_EMAIL).await);
        let acknowledged = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for (case, patient) in writers {
            let acknowledged = acknowledged.clone();
            tasks.push(tokio::spawn(async move {
                let mut acks = Vec::new();
                for n in 0..MESSAGES_EACH {
                    let csrf = patient.csrf_from("/portal/messages").await;
                    let form = reqwest::multipart::Form::new()
                        .text("csrf", csrf)
                        .text("body", format!("message {n}"));
                    let r = patient.post_multipart("/portal/messages", form).await;
                    assert_eq!(r.status(), StatusCode::SEE_OTHER);
                    acks.push(Timestamp::now());
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
                (case, acks)
            }));
        }
        // The therapist books sessions meanwhile.
        let booker = {
            let theo = theo.clone();
            let cases = cases.clone();
            tokio::spawn(async move {
                let mut acks = Vec::new();
                for (case, time) in cases.iter().zip(["09:00", "10:00", "11:00", "12:00", "13:00"]) {
                    session_at(&theo, case, "2026-12-07", time).await;
                    acks.push((case.clone(), Timestamp::now()));
                }
                acks
            })
        };
        // The snapshot is taken once the writing is under way (by count, not by time).
        while acknowledged.load(Ordering::SeqCst) < WRITERS {
            tokio::task::yield_now().await;
        }
        let identity = Identity::generate();
        let file = scratch("practice.age");
        let made = backup::make(&t.db, &file, &Protection::Recipient(identity.to_public()))
            .await
            .unwrap();
        let mut sent = Vec::new();
        for task in tasks {
            sent.push(task.await.unwrap());
        }
        let booked = booker.await.unwrap();
        println!(
            "backup during {} writes: {} rows, {} bytes ({} plaintext) in {:.2} s",
            WRITERS * MESSAGES_EACH,
            made.header.rows(),
            made.file_bytes,
            made.stream_bytes,
            made.took.as_secs_f64()
        );

        // Restored on the other database: the move.
        let snapshot = made.header.snapshot_at;
        if let Some(target) = other_backend(t.db.backend()).await {
            backup::restore(&target, &file, &unlock(&identity))
                .await
                .unwrap();
            let copy = Db::open(&target, vec![store::testing::test_master_key()])
                .await
                .unwrap();
            for (case, acks) in &sent {
                let before = acks.iter().filter(|a| **a < snapshot).count() as i64;
                let held = count_in_case(&copy, "messages", case).await;
                assert!(
                    held >= before && held <= acks.len() as i64,
                    "case {case}: {held} messages restored, {before} acknowledged before the snapshot"
                );
            }
            for (i, (case, at)) in booked.iter().enumerate() {
                let held = count_in_case(&copy, "appointments", case).await;
                let before = booked_already[i] + i64::from(*at < snapshot);
                assert!(
                    held >= before && held <= booked_already[i] + 1,
                    "case {case}: {held} appointments restored"
                );
            }
            let checked = store::backup::check(&copy, &made.header).await.unwrap();
            assert!(checked.passed(), "{checked:?}");
            copy.close().await;
        }
        // The drill: into a temporary SQLite, every sealed value opened, the audit chain walked.
        let drill = backup::verify(
            &file,
            &unlock(&identity),
            vec![store::testing::test_master_key()],
        )
        .await
        .unwrap();
        assert!(drill.checked.passed(), "{:?}", drill.checked);
        assert!(drill.checked.sealed_opened > (WRITERS * 2) as u64);
        println!(
            "drill: {} tables, {} rows, {} sealed values opened, {} bytes, in {:.2} s",
            drill.checked.tables,
            drill.checked.rows,
            drill.checked.sealed_opened,
            drill.file_bytes,
            drill.took.as_secs_f64()
        );
    }
);
