//! The audit log's checkpoints through the application, on SQLite and PostgreSQL: `audit verify`
//! writes one when the log holds; the daily job writes one, mails the owner its count and
//! fingerprint (nothing else), and schedules tomorrow's; a cut log is named against the file.

mod common;

use common::{TestApp, OWNER_EMAIL};
use jiff::SignedDuration;
use store::audit::{checkpoint, Verdict};

fn file_of(t: &TestApp) -> std::path::PathBuf {
    t.app.config().audit_checkpoint_file.clone().unwrap()
}

async fn practice(backend: store::Backend) -> Option<TestApp> {
    let file = std::env::temp_dir().join(format!("audit-checkpoints-{}.log", store::random_hex(6)));
    TestApp::with_practice_full(
        backend,
        |c| {
            c.audit_checkpoint_file = Some(file);
            c.audit_checkpoint_mail = true;
        },
        |_| {},
    )
    .await
}

on_both!(
    verify_writes_a_checkpoint_and_then_catches_a_cut_tail,
    practice,
    |t| {
        // Some audited activity: the owner signs in (sign-ins are audited).
        t.signed_in(OWNER_EMAIL).await;
        let verdict = t.app.verify_audit().await.unwrap();
        let Verdict::Intact { rows } = verdict else {
            panic!("{verdict:?}")
        };
        assert!(rows > 0);
        let written = checkpoint::read(&file_of(&t)).unwrap();
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].rows, rows);

        // Nothing new: no second line for the same head.
        t.app.verify_audit().await.unwrap();
        assert_eq!(checkpoint::read(&file_of(&t)).unwrap().len(), 1);

        let last = written[0].seq;
        store::testing::raw_exec(&t.db, &format!("DELETE FROM audit_log WHERE seq >= {last}"))
            .await;
        let verdict = t.app.verify_audit().await.unwrap();
        assert!(
            verdict
                .describe()
                .starts_with("the log was cut or rewritten after checkpoint 1 of "),
            "{verdict:?}"
        );
        assert_eq!(
            checkpoint::read(&file_of(&t)).unwrap().len(),
            1,
            "a log that fails gets no checkpoint"
        );
        let _ = std::fs::remove_file(file_of(&t));
    }
);

on_both!(
    the_daily_job_writes_mails_and_schedules_the_next,
    practice,
    |t| {
        t.signed_in(OWNER_EMAIL).await;
        // 09:00 on the 27th: the first is due at 02:00 on the 28th.
        t.app.schedule_audit_checkpoint().await.unwrap();
        t.app.schedule_audit_checkpoint().await.unwrap();
        assert_eq!(t.run_jobs().await, 0, "not due yet");
        t.clock.advance(SignedDuration::from_hours(17));
        let before = t.mails().await.len();
        assert!(t.run_jobs().await >= 1);
        let written = checkpoint::read(&file_of(&t)).unwrap();
        assert_eq!(written.len(), 1, "one job, however often it was scheduled");
        let mails = t.mails().await;
        assert_eq!(mails.len(), before + 1);
        let mail = &mails
            .iter()
            .find(|m| m.subject == "Audit log checkpoint")
            .expect("the owner's copy");
        assert_eq!(mail.to, OWNER_EMAIL);
        assert!(mail.body.contains(&written[0].mac));
        assert!(mail.body.contains(&format!("entries: {}", written[0].rows)));
        assert!(
            !mail.body.contains("Linden") && !mail.body.contains("Anna"),
            "no practice, no name: {}",
            mail.body
        );
        // Tomorrow's is scheduled.
        t.clock.advance(SignedDuration::from_hours(24));
        t.signed_in(OWNER_EMAIL).await;
        assert!(t.run_jobs().await >= 1);
        assert_eq!(checkpoint::read(&file_of(&t)).unwrap().len(), 2);
        let _ = std::fs::remove_file(file_of(&t));
    }
);
