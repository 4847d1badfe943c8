//! Questionnaires and responses on SQLite and PostgreSQL: versions are never changed, one open
//! response per questionnaire, answers sealed under the case's key, and a risk answer marks the
//! case and enqueues one alert however often it is saved.

use domain::account::Role;
use domain::case::Stage;
use domain::intake::{builtin, builtin_id, read_section, Answers, Status};
use jiff::Timestamp;
use std::collections::BTreeMap;
use store::jobs::NewJob;
use store::{both_backends, cases, intake, users, StoreResult};

fn now() -> Timestamp {
    "2026-11-27T09:00:00Z".parse().unwrap()
}

fn alert(key: &str) -> NewJob {
    NewJob {
        kind: "risk_alert",
        idempotency_key: key.to_string(),
        payload: "{}".into(),
        run_at: now(),
    }
}

/// Saves answers in a transaction of their own, enqueuing `alert` in it when the save raised the
/// case's mark (as the use-case does).
async fn save(
    db: &store::Db,
    id: &domain::intake::ResponseId,
    case: &domain::ids::CaseId,
    answers: &Answers,
    submit: bool,
    alert: Option<NewJob>,
    now: Timestamp,
) -> StoreResult<intake::Saved> {
    let mut tx = db.begin().await?;
    let saved = intake::save(&mut tx, id, case, answers, submit, alert.is_some(), now).await?;
    if let (true, Some(job)) = (saved.raised, alert) {
        store::jobs::enqueue(&mut tx, job, now).await?;
    }
    tx.commit().await?;
    Ok(saved)
}

both_backends!(versions_open_responses_sealing_and_the_mark, |db| {
    let all = builtin();
    let rows: Vec<intake::Builtin> = all
        .iter()
        .map(|b| intake::Builtin {
            id: builtin_id(b.key, b.version),
            key: b.key,
            version: b.version,
            definition: &b.definition,
        })
        .collect();
    let mut c = db.conn().await.unwrap();
    intake::ensure_builtin(&mut c, &rows, now()).await.unwrap();
    intake::ensure_builtin(&mut c, &rows, now()).await.unwrap();
    let therapist = users::create(
        &mut db.conn().await.unwrap(),
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
    let (case, _) = cases::open_for_patient(
        &mut db.conn().await.unwrap(),
        &therapist.id,
        "Mara",
        "m@example.org",
        "Europe/Berlin",
        Stage::Inquiry,
        now(),
    )
    .await
    .unwrap();

    // The built-in until the therapist has their own; each edit a new version.
    let builtin_intake = intake::current(&mut c, &therapist.id, "intake")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(builtin_intake.id.as_str(), "builtin-intake-1");
    let mut def = builtin_intake.definition.clone();
    def.title = "Mine".into();
    let v1 = intake::add_version(&mut c, &therapist.id, "intake", &def, now())
        .await
        .unwrap();
    def.title = "Mine, again".into();
    let v2 = intake::add_version(&mut c, &therapist.id, "intake", &def, now())
        .await
        .unwrap();
    assert_eq!((v1.version, v2.version), (1, 2));
    let current = intake::current(&mut c, &therapist.id, "intake")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.id, v2.id);
    let newest = intake::newest_for(&mut c, &therapist.id).await.unwrap();
    let titles: Vec<&str> = newest
        .iter()
        .map(domain::intake::Questionnaire::title)
        .collect();
    assert_eq!(
        newest.len(),
        4,
        "three built-in, one line of the therapist's: {titles:?}"
    );
    assert!(titles.contains(&"Mine, again") && !titles.contains(&"Mine"));
    assert_eq!(
        intake::questionnaire(&mut c, &v1.id)
            .await
            .unwrap()
            .unwrap()
            .title(),
        "Mine",
        "an old version stays as it was"
    );

    // One open response per questionnaire.
    let id = intake::assign(&mut c, &case, &builtin_intake, None, now())
        .await
        .unwrap()
        .expect("a new response");
    assert!(intake::assign(&mut c, &case, &v2, None, now())
        .await
        .unwrap()
        .is_none());
    assert!(
        intake::rebind(&mut c, &id, &v2, now()).await.unwrap(),
        "not started: follows the newest"
    );

    // Answers are sealed; a risk answer marks the case once and enqueues one alert.
    let mut answers = Answers::default();
    let fields: BTreeMap<String, String> = [
        ("q.past_therapy", "Twelve sessions in Leipzig"),
        ("q.thoughts_of_harm", "often"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert!(read_section(&v2.definition, 1, &fields, &mut answers).is_empty());
    let first = save(
        &db,
        &id,
        &case,
        &answers,
        false,
        Some(alert("risk:1")),
        now(),
    )
    .await
    .unwrap();
    assert!(first.written && first.raised);
    let again = save(
        &db,
        &id,
        &case,
        &answers,
        false,
        Some(alert("risk:1")),
        now(),
    )
    .await
    .unwrap();
    assert!(again.written && !again.raised);
    let sealed = store::testing::raw_text(
        &db,
        "SELECT answers_sealed FROM responses WHERE id = $1",
        id.as_str(),
    )
    .await;
    assert!(sealed.starts_with("hs1:") && !sealed.contains("Leipzig"));
    let opened = intake::response(&mut c, &id).await.unwrap().unwrap();
    assert_eq!(opened.answers, answers);
    assert!(opened.info.risk_raised && opened.info.started);
    assert!(
        !intake::rebind(&mut c, &id, &v1, now()).await.unwrap(),
        "started: stays bound"
    );

    assert_eq!(
        intake::attention_of_therapist(&mut c, &therapist.id)
            .await
            .unwrap(),
        vec![case.clone()]
    );
    let mark = intake::attention(&mut c, &case).await.unwrap().unwrap();
    assert_eq!(mark.response, id);
    let jobs = store::jobs::recent(&mut db.conn().await.unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(jobs.iter().filter(|j| j.kind == "risk_alert").count(), 1);

    // Sent: read-only from then on, and a new one may be opened.
    let sent = save(&db, &id, &case, &answers, true, None, now())
        .await
        .unwrap();
    assert!(sent.written);
    let late = save(&db, &id, &case, &Answers::default(), false, None, now())
        .await
        .unwrap();
    assert!(!late.written, "sent answers are never changed");
    let info = intake::response(&mut c, &id).await.unwrap().unwrap().info;
    assert_eq!(info.status, Status::Submitted);
    assert!(
        intake::assign(&mut c, &case, &v2, Some(&therapist.id), now())
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(intake::of_case(&mut c, &case).await.unwrap().len(), 2);

    // "I have seen it" clears the mark, once.
    assert!(intake::clear_attention(&mut c, &case, &therapist.id, now())
        .await
        .unwrap());
    assert!(
        !intake::clear_attention(&mut c, &case, &therapist.id, now())
            .await
            .unwrap()
    );
    assert!(intake::attention(&mut c, &case).await.unwrap().is_none());
    assert!(intake::attention_of_therapist(&mut c, &therapist.id)
        .await
        .unwrap()
        .is_empty());
});
