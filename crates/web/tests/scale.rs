//! `holdspace demo --scale N`, small: a generated practice is the same for the same seed, keeps
//! every patient's name, address, note and message sealed, chains its audit log intact, opens in
//! the pages a therapist and a patient use, and is refused on a practice that has cases already.

mod common;

use app::scale::{Filled, Handles, Scale};
use common::*;
use reqwest::StatusCode;
use store::Backend;

const SMALL: Scale = Scale {
    therapists: 2,
    weeks: 12,
    seed: 7,
};

async fn filled(backend: Backend, scale: Scale) -> Option<(TestApp, Filled, Handles)> {
    let t = TestApp::with_practice(backend).await?;
    let (f, h) = t.app.fill(scale, |_| {}).await.unwrap();
    Some((t, f, h))
}

/// Every case's patient (name, address) and stage, as the therapists' lists open them.
async fn people(t: &TestApp) -> Vec<(String, String, String)> {
    let mut c = t.db.conn().await.unwrap();
    let mut all = Vec::new();
    for therapist in store::users::therapists(&mut c).await.unwrap() {
        for case in store::cases::of_therapist(&mut c, &therapist.id)
            .await
            .unwrap()
        {
            all.push((
                case.patient.name,
                case.patient.email,
                case.stage.as_str().to_string(),
            ));
        }
    }
    all.sort();
    all
}

async fn generated_practice_is_real(backend: Backend) {
    let Some((t, f, h)) = filled(backend, SMALL).await else {
        return;
    };
    // Two therapists, 30 weekly places each, twelve weeks: hundreds of sessions, each with its
    // cells, most with a signed note; messages, questionnaires, invoices, jobs and the audit.
    assert_eq!(f.therapists, 1, "one therapist added to the owner");
    assert!(f.patients >= 50, "{f:?}");
    assert!(f.appointments >= 600, "{f:?}");
    // A quarter of them lie in the four weeks ahead, booked and not yet held.
    assert!(f.notes * 2 >= f.appointments, "{f:?}");
    assert!(
        f.messages > 0 && f.responses > 0 && f.invoices > 0 && f.jobs > 0,
        "{f:?}"
    );
    assert!(f.rows > f.appointments * 13 && f.rows_per_second() > 0.0);

    // The chain holds: the bulk append links each entry as `append` does.
    let mut c = t.db.conn().await.unwrap();
    match store::audit::verify(&mut c).await.unwrap() {
        store::audit::Verdict::Intact { rows } => assert!(rows >= f.audit, "{rows} < {}", f.audit),
        other => panic!("the generated audit log does not verify: {other:?}"),
    }
    drop(c);

    // Nothing a patient wrote or is called lies in the clear anywhere in the database.
    let everyone = people(&t).await;
    assert_eq!(everyone.len() as u64, f.patients);
    let dump = store::testing::raw_dump(&t.db).await;
    for (name, email, _) in &everyone {
        assert!(
            !dump.contains(email.as_str()),
            "{email} is stored in the clear"
        );
        assert!(
            !dump.contains(&format!("{name}\u{0}")) && !dump.contains(&format!("\t{name}\t")),
            "{name} is stored in the clear"
        );
    }
    for words in [
        "tension before meetings",
        "Work has changed",
        "goals agreed at the start were reached",
        "a move that went badly",
    ] {
        assert!(!dump.contains(words), "{words:?} is stored in the clear");
    }

    // The pages open on it: the owner's day, calendar, board, patients, billing and the case
    // with the longest history; the patient's portal.
    let anna = t.signed_in(OWNER_EMAIL).await;
    for path in [
        "/admin".to_string(),
        "/admin/calendar".into(),
        "/admin/board".into(),
        "/admin/patients".into(),
        "/admin/billing".into(),
        format!("/admin/cases/{}", h.case.as_str()),
        format!("/admin/cases/{}/workspace", h.case.as_str()),
    ] {
        let (status, _) = anna.text(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let (_, case) = anna
        .text(&format!("/admin/cases/{}", h.case.as_str()))
        .await;
    let name = everyone
        .iter()
        .find(|(_, email, _)| *email == h.patient_email)
        .map(|(name, _, _)| name.clone())
        .unwrap();
    assert!(case.contains(&name), "the case page names its patient");
    let visitor = t.browser();
    let csrf = visitor.csrf_from("/signin").await;
    let r = visitor
        .post_form("/signin", &[("csrf", &csrf), ("email", &h.patient_email)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let patient = t.patient_signed_in(&h.patient_email).await;
    let (status, portal) = patient.text("/portal").await;
    assert_eq!(status, StatusCode::OK);
    assert!(portal.contains("Anna"), "the portal names the therapist");

    // The caseload lists read what they show: every open case, the newest ended ones, and how
    // many ended ones were left out; `?all` lists everyone, and a malformed query is the plain list.
    let mut c = t.db.conn().await.unwrap();
    let (owner, _) = store::users::find_by_email(&mut c, OWNER_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let all = store::cases::of_therapist(&mut c, &owner.id).await.unwrap();
    let (few, left_out) = store::cases::caseload(&mut c, &owner.id, 1).await.unwrap();
    drop(c);
    let ended = all
        .iter()
        .filter(|k| ["ended", "referred", "closed"].contains(&k.stage.as_str()))
        .count();
    assert!(ended >= 2, "a generated practice has ended cases ({ended})");
    assert_eq!(few.len() + left_out as usize, all.len());
    // Nothing is dated ahead of now: a consultation booked for the coming weeks was booked already.
    let now = t.app.now();
    assert!(
        all.iter().all(|k| k.created_at <= now),
        "a case created in the future"
    );
    assert_eq!(left_out as usize, ended - 1);
    let (_, listed) = anna.text("/admin/patients?all=1").await;
    for case in &all {
        assert!(
            listed.contains(&case.patient.name),
            "{} in the full list",
            case.patient.name
        );
    }
    for odd in [
        "/admin/patients?all=%ZZ",
        "/admin/patients?all=<script>",
        "/admin/patients?all",
    ] {
        let (status, _) = anna.text(odd).await;
        assert_eq!(status, StatusCode::OK, "{odd}");
    }
    // The generator ends cases only as "ended": that column's badge counts every one of them.
    let (_, board) = anna.text("/admin/board").await;
    assert!(
        board.contains(&format!("<span class=\"badge\">{ended}</span>")),
        "the ended column counts every ended case ({ended})"
    );

    // A second fill of the same practice is refused, and writes nothing.
    let again = t.app.fill(SMALL, |_| {}).await;
    assert!(matches!(again, Err(app::AppError::Config(_))), "{again:?}");
    assert_eq!(people(&t).await.len() as u64, f.patients);
}

#[tokio::test]
async fn generated_practice_is_real_sqlite() {
    generated_practice_is_real(Backend::Sqlite).await;
}

#[tokio::test]
async fn generated_practice_is_real_postgres() {
    generated_practice_is_real(Backend::Postgres).await;
}

/// The seed decides the practice: the same seed gives the same people, stages and counts (ids,
/// keys and ciphertexts differ, as they must); another seed gives another practice.
#[tokio::test]
async fn the_same_seed_gives_the_same_practice() {
    let short = Scale { weeks: 5, ..SMALL };
    let (a, fa, _) = filled(Backend::Sqlite, short).await.unwrap();
    let (b, fb, _) = filled(Backend::Sqlite, short).await.unwrap();
    let (c, _, _) = filled(Backend::Sqlite, Scale { seed: 8, ..short })
        .await
        .unwrap();
    assert_eq!(people(&a).await, people(&b).await);
    assert_eq!(
        (
            fa.patients,
            fa.appointments,
            fa.notes,
            fa.messages,
            fa.invoices,
            fa.audit
        ),
        (
            fb.patients,
            fb.appointments,
            fb.notes,
            fb.messages,
            fb.invoices,
            fb.audit
        )
    );
    assert_ne!(people(&a).await, people(&c).await);
}

/// Out-of-range sizes are refused before anything is written.
#[tokio::test]
async fn sizes_out_of_range_are_refused() {
    let t = TestApp::with_practice(Backend::Sqlite).await.unwrap();
    for bad in [
        Scale {
            therapists: 0,
            ..SMALL
        },
        Scale {
            therapists: 501,
            ..SMALL
        },
        Scale { weeks: 0, ..SMALL },
        Scale {
            weeks: 2_001,
            ..SMALL
        },
    ] {
        let r = t.app.fill(bad, |_| {}).await;
        assert!(matches!(r, Err(app::AppError::Config(_))), "{bad:?}");
    }
    assert!(people(&t).await.is_empty());
}

/// A week of history and four ahead: most courses begin in the coming weeks, and each of those
/// cases was opened (the consultation booked) by now, never on a date still to come.
#[tokio::test]
async fn nothing_is_dated_ahead_of_now() {
    let (t, f, _) = filled(
        Backend::Sqlite,
        Scale {
            therapists: 1,
            weeks: 1,
            seed: 3,
        },
    )
    .await
    .unwrap();
    assert!(f.patients > 0);
    let mut c = t.db.conn().await.unwrap();
    let (owner, _) = store::users::find_by_email(&mut c, OWNER_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let cases = store::cases::of_therapist(&mut c, &owner.id).await.unwrap();
    let now = t.app.now();
    assert!(
        cases.iter().all(|k| k.created_at <= now),
        "a case opened after now"
    );
}
