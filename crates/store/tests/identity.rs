//! Who is a patient stays out of a dump: names, addresses and phones sealed, sign-in by a blind
//! index, and a database from before sealed at start.

use domain::account::Role;
use domain::inquiry::Inquiry;
use jiff::Timestamp;
use store::identity::{self, Sealed};
use store::testing::{raw_dump, raw_exec};
use store::{both_backends, cases, inquiries, mailbox, users, StoreError};

fn now() -> Timestamp {
    "2026-12-01T09:00:00Z".parse().unwrap()
}

/// Every needle, in any case-folding, is absent from the dump.
fn assert_absent(dump: &str, needles: &[&str]) {
    let folded = dump.to_lowercase();
    for needle in needles {
        assert!(
            !folded.contains(&needle.to_lowercase()),
            "the dump holds {needle:?}"
        );
    }
}

both_backends!(
    patients_identities_are_sealed_and_found_by_their_blind_index,
    |db| {
        let mut c = db.begin().await.unwrap();
        let therapist = users::create(
            &mut c,
            users::NewUser {
                role: Role::Therapist,
                email: "theo.readable@example.org",
                name: "Theodor Readable",
                time_zone: "Europe/Berlin",
                password_hash: None,
            },
            now(),
        )
        .await
        .unwrap();
        let (case, patient) = cases::open_for_patient(
            &mut c,
            &therapist.id,
            "Zoë Quartermain",
            "Zoe.Quartermain@Example.ORG",
            "Europe/Berlin",
            domain::case::Stage::Inquiry,
            now(),
        )
        .await
        .unwrap();
        let inquiry = inquiries::create(
            &mut c,
            &Inquiry {
                name: "Ingrid Vasquez-Holm".into(),
                email: "ingrid.vh@example.net".into(),
                phone: Some("+49 151 2345 6789".into()),
                preferred_time: None,
                message: "Hello".into(),
            },
            now(),
        )
        .await
        .unwrap();
        let mail = mailbox::deliver(
            &mut c,
            "Zoe.Quartermain@Example.ORG",
            "Sign in",
            "Body",
            now(),
        )
        .await
        .unwrap();
        c.commit().await.unwrap();

        assert_absent(
            &raw_dump(&db).await,
            &[
                "Quartermain",
                "Zoë",
                "zoe.quartermain@example.org",
                "Vasquez",
                "ingrid.vh",
                "2345 6789",
            ],
        );
        assert!(
            raw_dump(&db).await.contains("Theodor Readable"),
            "a therapist's own name stays readable"
        );

        let mut c = db.conn().await.unwrap();
        let (found, _) = users::find_by_email(&mut c, "  zoe.QUARTERMAIN@example.org ")
            .await
            .unwrap()
            .expect("found by any case-folding of the address");
        assert_eq!(found.id, patient.id);
        assert_eq!(found.name, "Zoë Quartermain");
        assert_eq!(found.email, "Zoe.Quartermain@Example.ORG");
        let seen = cases::get(&mut c, &case, &therapist.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seen.patient.name, "Zoë Quartermain");
        let record = inquiries::get(&mut c, &inquiry).await.unwrap().unwrap();
        assert_eq!(record.name, "Ingrid Vasquez-Holm");
        assert_eq!(record.email, "ingrid.vh@example.net");
        assert_eq!(record.phone.as_deref(), Some("+49 151 2345 6789"));
        assert_eq!(
            inquiries::list(&mut c, None, &domain::content::Window::Newest, 10)
                .await
                .unwrap()
                .0[0]
                .name,
            "Ingrid Vasquez-Holm"
        );
        assert_eq!(
            mailbox::get(&mut c, &mail).await.unwrap().unwrap().to,
            "Zoe.Quartermain@Example.ORG"
        );
        assert!(users::find_by_email(&mut c, "").await.unwrap().is_none());
        assert!(users::find_by_email(&mut c, &"x".repeat(10_000))
            .await
            .unwrap()
            .is_none());

        // "Is this address a patient already?" (an inquiry turned into a case, a second booking)
        // finds them through the blind index, whatever the case typed.
        let (same_case, same) = cases::open_for_patient(
            &mut c,
            &therapist.id,
            "Zoë Quartermain",
            " ZOE.quartermain@example.org",
            "Europe/Berlin",
            domain::case::Stage::Inquiry,
            now(),
        )
        .await
        .unwrap();
        assert_eq!((same_case, same.id), (case.clone(), patient.id.clone()));

        // The unique constraint holds on the blind column: the same address in another case is taken.
        let again = users::create(
            &mut c,
            users::NewUser {
                role: Role::Patient,
                email: "ZOE.quartermain@example.org",
                name: "Someone Else",
                time_zone: "UTC",
                password_hash: None,
            },
            now(),
        )
        .await;
        assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");

        // A changed profile is sealed again, and found by its new address.
        users::update_profile(
            &mut c,
            &patient.id,
            "Zoë Q. Renamed",
            "zq@example.org",
            "UTC",
            "en",
        )
        .await
        .unwrap();
        assert!(users::find_by_email(&mut c, "Zoe.Quartermain@example.org")
            .await
            .unwrap()
            .is_none());
        let (found, _) = users::find_by_email(&mut c, "ZQ@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.name, "Zoë Q. Renamed");
        drop(c);
        assert_absent(&raw_dump(&db).await, &["Renamed", "zq@example.org"]);
    }
);

both_backends!(a_database_from_before_is_sealed_at_start_once, |db| {
    // Rows as the schema before sealing wrote them: identities in plain text, and the lookup
    // column holding the normalised address.
    let sealed_message = db
        .keyring()
        .seal("inquiries", "message_sealed", "inq-old", "Hello there");
    let body = db
        .keyring()
        .seal("mailbox", "body_sealed", "mail-old", "A sign-in link");
    raw_exec(
        &db,
        "INSERT INTO users (id, role, email, email_blind, name, time_zone, created_at) VALUES
         ('pat-old', 'patient', 'Wilhelmina.Oldrow@Example.org', 'wilhelmina.oldrow@example.org', 'Wilhelmina Oldrow', 'UTC', 1),
         ('ther-old', 'therapist', 'tara.plain@example.org', 'tara.plain@example.org', 'Tara Plain', 'UTC', 1)",
    )
    .await;
    raw_exec(
        &db,
        &format!(
            "INSERT INTO inquiries (id, name, email, phone, preferred_time, message_sealed, status, created_at, updated_at) VALUES
             ('inq-old', 'Oswald Pennyworth-Ink', 'oswald.ink@example.com', '0170 999 8877', NULL, '{sealed_message}', 'new', 1, 1)"
        ),
    )
    .await;
    raw_exec(
        &db,
        &format!(
            "INSERT INTO mailbox (id, to_address, subject, body_sealed, created_at) VALUES
             ('mail-old', 'wilhelmina.oldrow@example.org', 'Sign in', '{body}', 1)"
        ),
    )
    .await;

    assert_eq!(
        identity::seal_plaintext(&db).await.unwrap(),
        Sealed {
            users: 2,
            inquiries: 1,
            mails: 1
        }
    );
    assert_absent(
        &raw_dump(&db).await,
        &[
            "Wilhelmina",
            "Oldrow",
            "Pennyworth",
            "oswald.ink",
            "999 8877",
        ],
    );
    assert_eq!(
        identity::seal_plaintext(&db).await.unwrap(),
        Sealed::default(),
        "a second start finds nothing to do"
    );

    let mut c = db.conn().await.unwrap();
    let (patient, _) = users::find_by_email(&mut c, "WILHELMINA.oldrow@example.org")
        .await
        .unwrap()
        .expect("the patient signs in as before");
    assert_eq!(patient.name, "Wilhelmina Oldrow");
    assert_eq!(patient.email, "Wilhelmina.Oldrow@Example.org");
    let (therapist, _) = users::find_by_email(&mut c, "Tara.Plain@example.org")
        .await
        .unwrap()
        .expect("the therapist too");
    assert_eq!(therapist.name, "Tara Plain");
    let record = inquiries::get(&mut c, &domain::ids::InquiryId("inq-old".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.name, "Oswald Pennyworth-Ink");
    assert_eq!(record.phone.as_deref(), Some("0170 999 8877"));
    assert_eq!(record.message, "Hello there");
    let mail = mailbox::get(&mut c, &domain::ids::MailId("mail-old".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mail.to, "wilhelmina.oldrow@example.org");

    // An import writes rows without their blind column; one call restores it from the source.
    raw_exec(
        &db,
        "UPDATE users SET email_blind = 'lost-' || id WHERE id IN ('pat-old', 'ther-old')",
    )
    .await;
    assert!(
        users::find_by_email(&mut c, "wilhelmina.oldrow@example.org")
            .await
            .unwrap()
            .is_none()
    );
    for id in ["pat-old", "ther-old"] {
        identity::recompute_blind(&mut c, "users", id)
            .await
            .unwrap();
    }
    assert!(
        users::find_by_email(&mut c, "wilhelmina.oldrow@example.org")
            .await
            .unwrap()
            .is_some()
    );
    assert!(users::find_by_email(&mut c, "tara.plain@example.org")
        .await
        .unwrap()
        .is_some());
});

#[test]
fn every_blind_column_is_named_blind() {
    for b in identity::BLIND_COLUMNS {
        assert!(b.column.ends_with("_blind"), "{b:?}");
        assert!(b.sealed.ends_with("_sealed"), "{b:?}");
    }
}

#[tokio::test]
async fn opening_a_database_from_before_seals_it() {
    let config = store::testing::fresh_config(store::Backend::Sqlite)
        .await
        .unwrap();
    let key = store::MasterKey::generate();
    let db = store::Db::open(&config, vec![key.clone()]).await.unwrap();
    raw_exec(
        &db,
        "INSERT INTO users (id, role, email, email_blind, name, time_zone, created_at) VALUES
         ('pat-old', 'patient', 'Bartholomew.Quill@example.org', 'bartholomew.quill@example.org', 'Bartholomew Quill', 'UTC', 1)",
    )
    .await;
    db.close().await;

    let reopened = store::Db::open(&config, vec![key]).await.unwrap();
    assert_absent(&raw_dump(&reopened).await, &["Bartholomew", "Quill"]);
    let (found, _) = users::find_by_email(
        &mut reopened.conn().await.unwrap(),
        "BARTHOLOMEW.QUILL@EXAMPLE.ORG",
    )
    .await
    .unwrap()
    .expect("signs in as before");
    assert_eq!(found.name, "Bartholomew Quill");
    reopened.close().await;
}
