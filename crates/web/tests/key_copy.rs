//! The master key's backup reminder on the owner's day, on SQLite and PostgreSQL: shown with
//! where the key is until the owner confirms a copy (audited), to nobody else, and back after a
//! key rotation.

mod common;

use common::{TestApp, OWNER_EMAIL, THERAPIST_EMAIL};
use reqwest::StatusCode;

const HEADING: &str = "Keep a copy of the master key somewhere other than this server";

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice_full(
        backend,
        |c| c.master_key_file = Some("/srv/holdspace/master.key".into()),
        |_| {},
    )
    .await
}

async fn practice_with_key_in_a_variable(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

on_both!(
    the_owner_is_reminded_until_they_confirm_a_copy_and_again_after_a_rotation,
    practice,
    |t| {
        let owner = t.signed_in(OWNER_EMAIL).await;
        let (status, day) = owner.text("/admin").await;
        assert_eq!(status, StatusCode::OK);
        assert!(day.contains(HEADING), "the owner sees the reminder");
        assert!(
            day.contains("<code>/srv/holdspace/master.key</code>"),
            "it says where the key is"
        );
        assert!(day.contains("action=\"/admin/master-key-copy\""));

        // A colleague is not the key's keeper, and may not confirm for the owner.
        let colleague = t.signed_in(THERAPIST_EMAIL).await;
        assert!(!colleague.text("/admin").await.1.contains(HEADING));
        assert_eq!(
            colleague
                .post_with_token("/admin/master-key-copy", &[])
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        assert!(owner.text("/admin").await.1.contains(HEADING));

        // Hostile input changes nothing: the form has no fields, extra ones are ignored.
        let r = owner
            .post_with_token("/admin/master-key-copy", &[("at", &"x".repeat(10_000))])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(common::location(&r), "/admin");
        assert!(!owner.text("/admin").await.1.contains(HEADING));
        let entries = store::audit::recent(&mut t.db.conn().await.unwrap(), None, 100)
            .await
            .unwrap();
        assert_eq!(
            entries
                .iter()
                .filter(|e| e.event.action == "master_key.copy" && e.event.outcome == "ok")
                .count(),
            1
        );
        let (_, audit) = owner.text("/admin/audit").await;
        assert!(
            audit.contains("Copy of the master key confirmed"),
            "labelled"
        );

        t.db.rotate_master_key(&store::MasterKey::generate())
            .await
            .unwrap();
        assert!(
            owner.text("/admin").await.1.contains(HEADING),
            "a new key needs a new copy"
        );
    }
);

on_both!(
    a_key_given_in_a_variable_is_named_by_its_variable,
    practice_with_key_in_a_variable,
    |t| {
        let owner = t.signed_in(OWNER_EMAIL).await;
        let (_, day) = owner.text("/admin").await;
        assert!(day.contains("<code>HOLDSPACE_MASTER_KEY</code>"));
        assert!(!day.contains("master.key"));
    }
);

on_both!(
    without_its_form_token_the_confirmation_is_refused,
    practice,
    |t| {
        let owner = t.signed_in(OWNER_EMAIL).await;
        let r = owner.post_form("/admin/master-key-copy", &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(owner.text("/admin").await.1.contains(HEADING));
        let r = owner
            .post_form("/admin/master-key-copy", &[("csrf", "forged")])
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(owner.text("/admin").await.1.contains(HEADING));
    }
);
