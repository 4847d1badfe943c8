//! The store's repositories, each run on SQLite and on PostgreSQL.

use domain::account::Role;
use domain::content::{Draft, DraftInput, Lookup, PageKind};
use domain::inquiry::{Inquiry, InquiryStatus};
use jiff::{SignedDuration, Timestamp};
use store::jobs::{self, NewJob};
use store::pages::{self, Visibility};
use store::{both_backends, inquiries, mailbox, practice, users, StoreError};

fn now() -> Timestamp {
    "2026-11-27T09:00:00Z".parse().unwrap()
}

fn draft(title: &str, tags: &str) -> Draft {
    Draft::validate(&DraftInput {
        title: title.into(),
        body: format!("About {title}."),
        tags: tags.into(),
        ..Default::default()
    })
    .unwrap()
}

fn notify_job(key: String) -> NewJob {
    NewJob {
        kind: "test",
        idempotency_key: key,
        payload: "{}".into(),
        run_at: now(),
    }
}

both_backends!(a_changed_slug_redirects_and_tags_follow, |db| {
    let mut c = db.conn().await.unwrap();
    let a = pages::create(
        &mut c,
        PageKind::Article,
        &draft("First session", "first session, online"),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(a.tags.len(), 2);
    pages::set_published(&mut c, &a.id, Some(now()))
        .await
        .unwrap();

    let renamed = Draft {
        slug: "the-first-session".into(),
        ..draft("First session", "online")
    };
    pages::update(&mut c, &a.id, &renamed, now()).await.unwrap();
    assert_eq!(
        pages::by_slug(
            &mut c,
            PageKind::Article,
            "first-session",
            Visibility::Published
        )
        .await
        .unwrap(),
        Lookup::Moved("/articles/the-first-session".into())
    );
    let Lookup::Found(found) = pages::by_slug(
        &mut c,
        PageKind::Article,
        "the-first-session",
        Visibility::Published,
    )
    .await
    .unwrap() else {
        panic!()
    };
    assert_eq!(
        found
            .tags
            .iter()
            .map(|t| t.slug.as_str())
            .collect::<Vec<_>>(),
        ["online"]
    );
    // The unused tag is gone from the tag list.
    let tags = pages::published_tags(&mut c).await.unwrap();
    assert_eq!(tags.len(), 1);

    // A new article may take the old slug; then it no longer redirects.
    pages::create(
        &mut c,
        PageKind::Article,
        &draft("First session", ""),
        now(),
    )
    .await
    .unwrap();
    assert!(matches!(
        pages::by_slug(&mut c, PageKind::Article, "first-session", Visibility::All)
            .await
            .unwrap(),
        Lookup::Found(_)
    ));
});

both_backends!(slugs_are_unique_per_kind_only, |db| {
    let mut c = db.conn().await.unwrap();
    pages::create(&mut c, PageKind::Article, &draft("About", ""), now())
        .await
        .unwrap();
    pages::create(&mut c, PageKind::Page, &draft("About", ""), now())
        .await
        .unwrap();
    let again = pages::create(&mut c, PageKind::Page, &draft("About", ""), now()).await;
    assert!(matches!(again, Err(StoreError::Conflict)));
});

both_backends!(
    drafts_stay_private_and_publishing_keeps_the_first_date,
    |db| {
        let mut c = db.conn().await.unwrap();
        let p = pages::create(&mut c, PageKind::Article, &draft("Draft", "x"), now())
            .await
            .unwrap();
        assert_eq!(
            pages::by_slug(&mut c, PageKind::Article, "draft", Visibility::Published)
                .await
                .unwrap(),
            Lookup::Missing
        );
        assert_eq!(
            pages::count(&mut c, PageKind::Article, Visibility::Published)
                .await
                .unwrap(),
            0
        );
        pages::set_published(&mut c, &p.id, Some(now()))
            .await
            .unwrap();
        pages::set_published(&mut c, &p.id, Some(now() + SignedDuration::from_hours(5)))
            .await
            .unwrap();
        assert_eq!(
            pages::get(&mut c, &p.id)
                .await
                .unwrap()
                .unwrap()
                .published_at,
            Some(now())
        );
        assert_eq!(
            pages::list_tagged(&mut c, "x", 0, 10).await.unwrap().len(),
            1
        );
        pages::set_published(&mut c, &p.id, None).await.unwrap();
        assert_eq!(pages::count_tagged(&mut c, "x").await.unwrap(), 0);
    }
);

both_backends!(
    an_inquiry_and_its_job_are_one_write_and_the_text_is_sealed,
    |db| {
        let mut c = db.conn().await.unwrap();
        let inquiry = Inquiry {
            name: "Ana".into(),
            email: "ana@example.org".into(),
            phone: None,
            preferred_time: Some("evenings".into()),
            message: "I feel stuck since the move.".into(),
        };
        let mut tx = db.begin().await.unwrap();
        let id = inquiries::create(&mut tx, &inquiry, now()).await.unwrap();
        jobs::enqueue(&mut tx, notify_job(format!("notify:{id}")), now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let record = inquiries::get(&mut c, &id).await.unwrap().unwrap();
        assert_eq!(record.message, "I feel stuck since the move.");
        assert_eq!(record.status, InquiryStatus::New);
        let claimed = jobs::claim_due(&db, now(), now() + SignedDuration::from_secs(60), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        assert!(!claimed[0].payload.contains("stuck"));
        assert_eq!(
            inquiries::count(&mut c, Some(InquiryStatus::New))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            inquiries::list(&mut c, None, &domain::content::Window::Newest, 10)
                .await
                .unwrap()
                .0[0]
                .name,
            "Ana"
        );
    }
);

// The inbox pages by keyset: walking older from the newest page and back newer meets every
// message once, in order, even where several arrived in the same millisecond; one status filters;
// a mark past the end or of a message that went leads back to real pages.
both_backends!(the_inbox_pages_by_keyset_through_ties_and_filters, |db| {
    use domain::content::{Mark, Window};
    let mut tx = db.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..23u32 {
        let inquiry = Inquiry {
            name: format!("Sender {i}"),
            email: format!("s{i}@example.org"),
            phone: None,
            preferred_time: None,
            message: "Hello".into(),
        };
        // Three at a time share a millisecond.
        let at = now() + SignedDuration::from_millis(i64::from(i / 3));
        let id = inquiries::create(&mut tx, &inquiry, at).await.unwrap();
        if i % 2 == 0 {
            inquiries::set_status(&mut tx, &id, InquiryStatus::Handled, at)
                .await
                .unwrap();
        }
        ids.push(id);
    }
    tx.commit().await.unwrap();
    let mut c = db.conn().await.unwrap();

    // Older, five at a time, from the newest.
    let (mut shown, mut window, mut pages) = (Vec::new(), Window::Newest, 0);
    loop {
        let (items, pager) = inquiries::list(&mut c, None, &window, 5).await.unwrap();
        assert!(items.len() <= 5);
        assert_eq!(pager.newer.is_some(), pages > 0, "page {pages}");
        shown.extend(items.iter().map(|i| i.id.clone()));
        pages += 1;
        match pager.older {
            Some(m) => window = Window::OlderThan(Mark::parse(&m).unwrap()),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(shown.len(), 23, "each once");
    let mut unique = shown.clone();
    unique.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    unique.dedup();
    assert_eq!(unique.len(), 23);
    // Newest first; within a millisecond, by id, descending.
    let keyed = |id: &domain::ids::InquiryId| {
        let i = ids.iter().position(|x| x == id).unwrap();
        (i / 3, id.as_str().to_string())
    };
    assert!(shown.windows(2).all(|w| keyed(&w[0]) > keyed(&w[1])));

    // A mark inside a millisecond (any id sorts below 32 f's): the rest of it, then older.
    let (inside, _) = inquiries::list(
        &mut c,
        None,
        &Window::OlderThan(
            Mark::parse(&format!(
                "{}.{}",
                now().as_millisecond() + 5,
                "f".repeat(32)
            ))
            .unwrap(),
        ),
        5,
    )
    .await
    .unwrap();
    assert_eq!(
        inside.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        shown[5..10]
    );
    // Back newer: the page before a row, the same rows as walking older showed.
    let from = |id: &domain::ids::InquiryId| {
        let i = ids.iter().position(|x| x == id).unwrap();
        Mark {
            at: now() + SignedDuration::from_millis(i64::from(i as u32 / 3)),
            id: id.as_str().into(),
        }
    };
    let (newer, pager) = inquiries::list(&mut c, None, &Window::NewerThan(from(&shown[10])), 5)
        .await
        .unwrap();
    assert_eq!(
        newer.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        shown[5..10]
    );
    assert!(pager.newer.is_some() && pager.older.is_some());
    // Newer than the second row: fewer than a page is left, so the newest page, filled.
    let (top, pager) = inquiries::list(&mut c, None, &Window::NewerThan(from(&shown[1])), 5)
        .await
        .unwrap();
    assert_eq!(
        top.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        shown[..5]
    );
    assert_eq!(pager.newer, None);

    // One status: the twelve handled ones, in the same order.
    let (handled, pager) =
        inquiries::list(&mut c, Some(InquiryStatus::Handled), &Window::Newest, 20)
            .await
            .unwrap();
    assert_eq!(handled.len(), 12);
    assert!(handled.iter().all(|i| i.status == InquiryStatus::Handled));
    assert_eq!(pager.older, None);
    let expected: Vec<_> = shown
        .iter()
        .filter(|id| ids.iter().position(|x| x == *id).unwrap() % 2 == 0)
        .cloned()
        .collect();
    assert_eq!(
        handled.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        expected
    );

    // A mark older than everything: an empty page whose "newer" leads back.
    let ancient = Mark {
        at: jiff::Timestamp::UNIX_EPOCH,
        id: "0".into(),
    };
    let (none, pager) = inquiries::list(&mut c, None, &Window::OlderThan(ancient.clone()), 5)
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(pager.newer, Some(ancient.param()));
    assert_eq!(pager.older, None);
});

both_backends!(a_reply_is_kept_with_the_thread, |db| {
    let mut c = db.conn().await.unwrap();
    let owner = users::create(
        &mut db.conn().await.unwrap(),
        users::NewUser {
            role: Role::Owner,
            email: "t@example.org",
            name: "Dr T",
            time_zone: "Europe/Berlin",
            password_hash: None,
        },
        now(),
    )
    .await
    .unwrap();
    let inquiry = Inquiry {
        name: "Ana".into(),
        email: "ana@example.org".into(),
        phone: None,
        preferred_time: None,
        message: "Hello".into(),
    };
    let id = inquiries::create(&mut c, &inquiry, now()).await.unwrap();
    let reply_id = inquiries::add_reply(&mut c, &id, &owner, "Thank you for writing.", now())
        .await
        .unwrap();
    let record = inquiries::get(&mut c, &id).await.unwrap().unwrap();
    assert_eq!(record.status, InquiryStatus::Replied);
    assert_eq!(record.replies[0].body, "Thank you for writing.");
    assert_eq!(record.replies[0].author_name, "Dr T");
    let mail = inquiries::reply_for_mail(&mut c, &reply_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (mail.name.as_str(), mail.email.as_str(), mail.body.as_str()),
        ("Ana", "ana@example.org", "Thank you for writing.")
    );
});

both_backends!(
    jobs_are_deduplicated_claimed_once_and_reclaimed_after_a_crash,
    |db| {
        assert!(jobs::enqueue_alone(&db, notify_job("k".into()), now())
            .await
            .unwrap());
        assert!(!jobs::enqueue_alone(&db, notify_job("k".into()), now())
            .await
            .unwrap());
        let lease = now() + SignedDuration::from_secs(30);
        let first = jobs::claim_due(&db, now(), lease, 10).await.unwrap();
        assert_eq!(first.len(), 1);
        assert!(
            jobs::claim_due(&db, now(), lease, 10)
                .await
                .unwrap()
                .is_empty(),
            "a leased job is not claimed twice"
        );
        // The runner died: once the lease has run out the job is claimed again, as a second attempt.
        let later = now() + SignedDuration::from_secs(31);
        let again = jobs::claim_due(&db, later, later + SignedDuration::from_secs(30), 10)
            .await
            .unwrap();
        assert_eq!(again[0].attempts, 2);
        jobs::fail(
            &db,
            &again[0].id,
            "smtp down",
            Some(later + SignedDuration::from_secs(10)),
            later,
        )
        .await
        .unwrap();
        assert!(
            jobs::claim_due(&db, later, later, 10)
                .await
                .unwrap()
                .is_empty(),
            "not before its retry time"
        );
        let retry = later + SignedDuration::from_secs(10);
        let third = jobs::claim_due(&db, retry, retry + SignedDuration::from_secs(30), 10)
            .await
            .unwrap();
        jobs::complete(&db, &third[0].id, retry).await.unwrap();
        assert!(jobs::claim_due(
            &db,
            retry + SignedDuration::from_hours(1),
            retry + SignedDuration::from_hours(2),
            10
        )
        .await
        .unwrap()
        .is_empty());
        assert_eq!(
            jobs::recent(&mut db.conn().await.unwrap(), 5)
                .await
                .unwrap()[0]
                .state,
            "done"
        );
    }
);

both_backends!(
    sessions_end_when_they_expire_and_emails_are_unique_in_any_case,
    |db| {
        let mut c = db.conn().await.unwrap();
        let u = users::create(
            &mut db.conn().await.unwrap(),
            users::NewUser {
                role: Role::Owner,
                email: "Anna@Example.org",
                name: "Anna",
                time_zone: "Europe/Berlin",
                password_hash: Some("h"),
            },
            now(),
        )
        .await
        .unwrap();
        let dup = users::create(
            &mut db.conn().await.unwrap(),
            users::NewUser {
                role: Role::Therapist,
                email: "anna@example.ORG",
                name: "x",
                time_zone: "UTC",
                password_hash: None,
            },
            now(),
        )
        .await;
        assert!(matches!(dup, Err(StoreError::Conflict)));
        let (found, hash) = users::find_by_email(&mut c, "ANNA@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((found.id, hash.as_deref()), (u.id.clone(), Some("h")));
        let expires = now() + SignedDuration::from_mins(30);
        users::create_session(
            &mut c,
            users::NewSession {
                id_hash: "abc",
                user_id: &u.id,
                expires_at: expires,
                user_agent: "ua",
                ip: "127.0.0.1",
            },
            now(),
        )
        .await
        .unwrap();
        assert!(users::session(&mut c, "abc", now())
            .await
            .unwrap()
            .is_some());
        assert!(users::session(&mut c, "abc", expires)
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            users::purge_expired_sessions(&mut c, expires)
                .await
                .unwrap(),
            1
        );
    }
);

both_backends!(
    setup_creates_the_practice_once_with_a_single_use_token,
    |db| {
        let mut c = db.conn().await.unwrap();
        let details = domain::practice::Details {
            name: "P".into(),
            owner_name: "O".into(),
            email: "o@example.org".into(),
            time_zone: "UTC".into(),
            crisis_contacts: "112".into(),
            ..Default::default()
        };
        practice::add_setup_token(&mut c, "tok", now(), now() + SignedDuration::from_hours(1))
            .await
            .unwrap();
        assert!(practice::setup_token_usable(&mut c, "tok", now())
            .await
            .unwrap());
        assert!(!practice::setup_token_usable(
            &mut c,
            "tok",
            now() + SignedDuration::from_hours(2)
        )
        .await
        .unwrap());
        let owner = practice::NewOwner {
            email: "o@example.org",
            name: "O",
            time_zone: "UTC",
            password_hash: "h",
        };
        practice::create(&mut c, &details, owner, Some("tok"), now())
            .await
            .unwrap();
        assert_eq!(practice::get(&mut c).await.unwrap().unwrap().name, "P");
        let owner = practice::NewOwner {
            email: "x@example.org",
            name: "X",
            time_zone: "UTC",
            password_hash: "h",
        };
        assert!(matches!(
            practice::create(&mut c, &details, owner, Some("tok"), now()).await,
            Err(StoreError::Conflict)
        ));
    }
);

both_backends!(mail_in_the_dev_mailbox_is_sealed_at_rest, |db| {
    let mut c = db.conn().await.unwrap();
    let id = mailbox::deliver(&mut c, "a@example.org", "Subject", "Body text", now())
        .await
        .unwrap();
    assert_eq!(
        mailbox::get(&mut c, &id).await.unwrap().unwrap().body,
        "Body text"
    );
    assert_eq!(mailbox::list(&mut c, 10).await.unwrap()[0].body, "");
});

#[tokio::test]
async fn a_rotated_master_key_opens_old_and_new_values_and_the_old_key_no_longer_does() {
    let config = store::testing::fresh_config(store::Backend::Sqlite)
        .await
        .unwrap();
    let old = store::MasterKey::generate();
    let db = store::Db::open(&config, vec![old.clone()]).await.unwrap();
    let before = db.keyring().seal("t", "c", "r1", "sealed before");
    let next = store::MasterKey::generate();
    assert_eq!(db.rotate_master_key(&next).await.unwrap(), 1);
    let after = db.keyring().seal("t", "c", "r2", "sealed after");
    assert_ne!(
        before.split(':').nth(1),
        after.split(':').nth(1),
        "new values use a new data key"
    );
    db.close().await;

    let reopened = store::Db::open(&config, vec![next.clone()]).await.unwrap();
    assert_eq!(
        reopened.keyring().open("t", "c", "r1", &before).unwrap(),
        "sealed before"
    );
    assert_eq!(
        reopened.keyring().open("t", "c", "r2", &after).unwrap(),
        "sealed after"
    );
    reopened.close().await;
    assert!(
        store::Db::open(&config, vec![old.clone()]).await.is_err(),
        "the old key opens nothing"
    );
    // Mid-rotation the key file holds both keys: either order opens the database.
    assert!(store::Db::open(&config, vec![old, next]).await.is_ok());
}

/// A message posted in a transaction of its own.
async fn post(
    db: &store::Db,
    case: &domain::ids::CaseId,
    author: &domain::ids::UserId,
    body: &str,
) {
    let mut tx = db.begin().await.unwrap();
    store::messages::post(&mut tx, case, author, body, None, now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn each_case_has_its_own_data_key_and_a_rotation_keeps_them_readable() {
    let config = store::testing::fresh_config(store::Backend::Sqlite)
        .await
        .unwrap();
    let master = store::MasterKey::generate();
    let db = store::Db::open(&config, vec![master]).await.unwrap();
    let therapist = users::create(
        &mut db.conn().await.unwrap(),
        users::NewUser {
            role: Role::Therapist,
            email: "t@example.org",
            name: "T",
            time_zone: "UTC",
            password_hash: None,
        },
        now(),
    )
    .await
    .unwrap();
    let (case_a, pa) = store::cases::open_for_patient(
        &mut db.conn().await.unwrap(),
        &therapist.id,
        "A",
        "a@example.org",
        "UTC",
        domain::case::Stage::Inquiry,
        now(),
    )
    .await
    .unwrap();
    let (case_b, _) = store::cases::open_for_patient(
        &mut db.conn().await.unwrap(),
        &therapist.id,
        "B",
        "b@example.org",
        "UTC",
        domain::case::Stage::Inquiry,
        now(),
    )
    .await
    .unwrap();
    post(&db, &case_a, &pa.id, "in case A").await;
    post(&db, &case_a, &pa.id, "again in A").await;
    post(&db, &case_b, &therapist.id, "in case B").await;
    let key_of = |case: &domain::ids::CaseId| {
        let db = db.clone();
        let case = case.clone();
        async move {
            let rows: Vec<String> = vec![store::testing::raw_text(&db, "SELECT body_sealed FROM messages WHERE case_id = $1 ORDER BY created_at, id LIMIT 1", case.as_str()).await];
            rows[0].split(':').nth(1).unwrap().to_string()
        }
    };
    let (ka, kb) = (key_of(&case_a).await, key_of(&case_b).await);
    assert_ne!(ka, kb, "two cases, two keys");
    let installation = db.keyring().seal("t", "c", "r", "x");
    assert_ne!(installation.split(':').nth(1).unwrap(), ka);

    let next = store::MasterKey::generate();
    db.rotate_master_key(&next).await.unwrap();
    db.close().await;
    let reopened = store::Db::open(&config, vec![next]).await.unwrap();
    let thread = store::messages::thread(&mut reopened.conn().await.unwrap(), &case_a)
        .await
        .unwrap();
    // Both were written at the same instant, so their order between them is not defined.
    let mut bodies: Vec<&str> = thread.iter().map(|m| m.body.as_str()).collect();
    bodies.sort();
    assert_eq!(bodies, ["again in A", "in case A"]);
    post(&reopened, &case_a, &pa.id, "after the rotation").await;
    assert_eq!(
        store::messages::thread(&mut reopened.conn().await.unwrap(), &case_a)
            .await
            .unwrap()
            .len(),
        3
    );
}

both_backends!(
    jobs_enqueued_together_are_each_deduplicated_and_claimed,
    |db| {
        let mut tx = db.begin().await.unwrap();
        // Nothing to enqueue: nothing written.
        jobs::enqueue_many(&mut tx, &[], now()).await.unwrap();
        // Above one statement's rows (150), and a key enqueued before among them.
        jobs::enqueue(&mut tx, notify_job("many:7".into()), now())
            .await
            .unwrap();
        let many: Vec<NewJob> = (0..400).map(|i| notify_job(format!("many:{i}"))).collect();
        jobs::enqueue_many(&mut tx, &many, now()).await.unwrap();
        // The same keys again, and a hostile key: stored as it is, never as SQL.
        jobs::enqueue_many(&mut tx, &many[..3], now())
            .await
            .unwrap();
        jobs::enqueue_many(
            &mut tx,
            &[notify_job("'); DROP TABLE jobs; --".into())],
            now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store::testing::count_rows(&db, "jobs").await, 401);
        let lease = now() + SignedDuration::from_secs(30);
        let claimed = jobs::claim_due(&db, now(), lease, 1000).await.unwrap();
        assert_eq!(claimed.len(), 401);
        assert!(claimed
            .iter()
            .all(|j| j.kind == "test" && j.payload == "{}"));

        // Rolled back: none of them stays.
        let mut tx = db.begin().await.unwrap();
        jobs::enqueue_many(
            &mut tx,
            &[notify_job("gone:1".into()), notify_job("gone:2".into())],
            now(),
        )
        .await
        .unwrap();
        drop(tx);
        assert_eq!(store::testing::count_rows(&db, "jobs").await, 401);
    }
);

both_backends!(opening_a_case_tells_whether_it_is_new_and_its_stage, |db| {
    use domain::case::Stage;
    use store::cases;
    let mut c = db.begin().await.unwrap();
    let therapist = users::create(
        &mut c,
        users::NewUser {
            role: Role::Therapist,
            email: "t@example.org",
            name: "T",
            time_zone: "Europe/Berlin",
            password_hash: None,
        },
        now(),
    )
    .await
    .unwrap();
    let first = cases::open_case(
        &mut c,
        &therapist.id,
        "Pat",
        "pat@example.org",
        "UTC",
        Stage::ConsultationBooked,
        now(),
    )
    .await
    .unwrap();
    assert!(first.new);
    assert_eq!(first.stage, Stage::ConsultationBooked);
    cases::set_stage(&mut c, &first.case, Stage::InTherapy, now())
        .await
        .unwrap();
    // The same person again (as sign-in normalises the address): their open case, as it stands.
    let again = cases::open_case(
        &mut c,
        &therapist.id,
        "Pat",
        " PAT@example.org",
        "UTC",
        Stage::Inquiry,
        now(),
    )
    .await
    .unwrap();
    assert!(!again.new);
    assert_eq!(
        (again.case, again.patient.id, again.stage),
        (
            first.case.clone(),
            first.patient.id.clone(),
            Stage::InTherapy
        )
    );
    // Ended: a new case for the same account.
    cases::set_stage(&mut c, &first.case, Stage::Ended, now())
        .await
        .unwrap();
    let later = cases::open_case(
        &mut c,
        &therapist.id,
        "Pat",
        "pat@example.org",
        "UTC",
        Stage::Inquiry,
        now(),
    )
    .await
    .unwrap();
    assert!(later.new);
    assert_ne!(later.case, first.case);
    assert_eq!(
        (later.patient.id, later.stage),
        (first.patient.id, Stage::Inquiry)
    );
    // The therapist's own address is not a patient's.
    assert!(matches!(
        cases::open_case(
            &mut c,
            &therapist.id,
            "T",
            "t@example.org",
            "UTC",
            Stage::Inquiry,
            now()
        )
        .await,
        Err(StoreError::Conflict)
    ));
});
