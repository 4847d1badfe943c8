//! Erasure at the store: every row of the case goes in one transaction, the case's data key row
//! with them, and the keyring forgets the key only when that transaction commits — a rolled-back
//! erasure leaves the case whole and readable. The patient's own account goes when they have no
//! other case; another patient's case stays as it was.

use domain::account::Role;
use domain::case::Stage;
use domain::ids::UserId;
use store::users::{self, NewUser};
use store::{both_backends, catalog, testing, Db};

async fn therapist(db: &Db) -> UserId {
    let mut tx = db.begin().await.unwrap();
    let u = users::create(
        &mut tx,
        NewUser {
            role: Role::Therapist,
            email: "theo@example.org",
            name: "Theo",
            time_zone: "UTC",
            password_hash: None,
        },
        jiff::Timestamp::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    u.id
}

/// A case with one sealed message; answers the case and the message's (id, sealed body).
async fn case_with_message(
    db: &Db,
    therapist: &UserId,
    email: &str,
    words: &str,
) -> (domain::ids::CaseId, String, String) {
    let now = jiff::Timestamp::now();
    let mut tx = db.begin().await.unwrap();
    let (case, patient) = store::cases::open_for_patient(
        &mut tx,
        therapist,
        "A patient",
        email,
        "UTC",
        Stage::InTherapy,
        now,
    )
    .await
    .unwrap();
    let id = store::messages::post(&mut tx, &case, &patient.id, words, None, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sealed = testing::raw_text(
        db,
        "SELECT body_sealed FROM messages WHERE id = $1",
        id.as_str(),
    )
    .await;
    (case, id.to_string(), sealed)
}

async fn rows_of(db: &Db, case: &str) -> i64 {
    let mut c = db.conn().await.unwrap();
    let tables = catalog::tables(&mut c).await.unwrap();
    drop(c);
    let mut n = 0;
    for t in tables {
        if store::retention::KEPT_ON_ERASURE.contains(&t.name.as_str()) {
            continue;
        }
        if let Some(scope) = catalog::case_scope(&t) {
            let sql = format!(
                "SELECT CAST(COUNT(*) AS TEXT) FROM \"{}\" WHERE {scope}",
                t.name
            );
            n += testing::raw_text(db, &sql, case)
                .await
                .parse::<i64>()
                .unwrap();
        }
    }
    n
}

both_backends!(erasure_forgets_the_key_only_once_it_commits, |db| {
    let theo = therapist(&db).await;
    let (robin, message, sealed) =
        case_with_message(&db, &theo, "robin@example.org", "I cannot sleep.").await;
    let (sam, sam_message, sam_sealed) =
        case_with_message(&db, &theo, "sam@example.org", "Better this week.").await;
    let opens = |id: &str, sealed: &str| {
        db.keyring()
            .open("messages", "body_sealed", id, sealed)
            .is_ok()
    };
    assert!(opens(&message, &sealed));
    let before = rows_of(&db, robin.as_str()).await;
    assert!(before >= 3, "the case, its message and its key: {before}");

    // Rolled back: nothing is gone, and the key still opens what it sealed.
    let mut tx = db.begin().await.unwrap();
    let erased = store::retention::erase_case(&mut tx, &robin).await.unwrap();
    assert!(erased.patient_removed);
    assert_eq!(erased.rows.get("data_keys"), Some(&1));
    tx.roll_back().await.unwrap();
    drop(tx);
    assert_eq!(rows_of(&db, robin.as_str()).await, before);
    assert!(opens(&message, &sealed));

    // Committed: every row gone, the key forgotten; Sam's case untouched.
    let mut tx = db.begin().await.unwrap();
    let erased = store::retention::erase_case(&mut tx, &robin).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        erased.total() as i64,
        before + 1,
        "and the patient's account"
    );
    assert_eq!(rows_of(&db, robin.as_str()).await, 0);
    assert!(!opens(&message, &sealed));
    assert!(opens(&sam_message, &sam_sealed));
    assert!(rows_of(&db, sam.as_str()).await >= 3);
    assert_eq!(
        testing::raw_text(
            &db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM users WHERE email_blind = $1",
            &store::identity::email_blind(db.keyring(), "robin@example.org")
        )
        .await,
        "0"
    );
    // Erasing what is gone finds nothing.
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        store::retention::erase_case(&mut tx, &robin).await,
        Err(store::StoreError::NotFound)
    ));
});
