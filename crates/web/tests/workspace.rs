//! The therapist's first-session workspace: notes and the close saved (by the button and by
//! autosave) and sealed, the stage rules at work (no "in therapy" without a decision to continue),
//! the board, and the summary shared into the patient's portal only when the therapist says so.

mod common;

use common::*;
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

fn accept_json() -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("accept", "application/json".parse().unwrap());
    h
}

const NOTES: &str = "Sleeps badly since the move; a sister in Leeds is close.";

on_both!(
    notes_and_the_close_are_saved_sealed_and_audited,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let path = format!("/admin/cases/{case}/workspace");
        let (status, page) = theo.text(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("What I think is going on") && page.contains("Family and caretakers")
        );
        let csrf = field_value(&page, "csrf").unwrap();

        let r = theo
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("guide_brings", "on"),
                    ("guide_family", "on"),
                    ("notes", NOTES),
                    ("going_on", "Grief, and a move that cut her off."),
                    ("frequency", "weekly"),
                    ("decision", "continue"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&path).await;
        assert!(page.contains(NOTES));
        assert!(
            page.contains("id=\"guide_family\" name=\"guide_family\" type=\"checkbox\" checked")
        );
        assert!(page.contains("value=\"continue\" checked"));

        // The page's autosave asks for JSON.
        let r = theo
            .post_raw(
                &path,
                accept_json(),
                format!("csrf={csrf}&action=autosave&notes=Second+draft"),
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.text().await.unwrap(), r#"{"saved":true}"#);
        let (_, page) = theo.text(&path).await;
        assert!(page.contains("Second draft"));

        let dump = store::testing::raw_dump(&t.db).await;
        assert!(
            !dump.contains("Second draft") && !dump.contains("Leeds"),
            "sealed at rest"
        );
        let audited = store::testing::raw_text(
        &t.db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action IN ('workspace.read', 'workspace.write') AND case_id = $1",
        &case,
    )
    .await;
        assert!(audited.parse::<u32>().unwrap() >= 4, "{audited}");
    }
);

on_both!(
    bad_input_is_refused_next_to_its_field_and_kept,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let path = format!("/admin/cases/{case}/workspace");
        let csrf = theo.csrf_from(&path).await;
        let huge = "x".repeat(50_001);
        let r = theo
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("notes", &huge),
                    ("going_on", "<script>alert(1)</script>"),
                    ("decision", "refer"),
                    ("refer_to", ""),
                    ("share_summary", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"notes-error\"") && page.contains("id=\"refer_to-error\""));
        assert!(page.contains("id=\"summary-error\""));
        assert!(page.contains(&huge), "the notes typed are kept");
        assert!(page.contains("&#60;script&#62;alert(1)") && !page.contains("<script>alert(1)"));
        // Nothing was stored.
        let (_, page) = theo.text(&path).await;
        assert!(!page.contains("alert(1)"));
        // An unknown decision and an empty form.
        let r = theo
            .post_form(&path, &[("csrf", &csrf), ("decision", "maybe")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = theo.post_form(&path, &[("csrf", &csrf)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
);

on_both!(no_therapy_without_a_decision_to_continue, practice, |t| {
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let case = t
        .invite_patient(&theo, "Robin Field", "robin@example.org")
        .await;
    let path = format!("/admin/cases/{case}/workspace");
    let stage = format!("/admin/cases/{case}/stage");
    let csrf = theo.csrf_from(&path).await;
    let go = |to: &'static str| {
        let theo = &theo;
        let csrf = csrf.clone();
        let stage = stage.clone();
        async move {
            theo.post_form(&stage, &[("csrf", &csrf), ("stage", to)])
                .await
                .status()
        }
    };
    assert_eq!(go("in_therapy").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(go("consultation_booked").await, StatusCode::SEE_OTHER);
    assert_eq!(go("consultation_held").await, StatusCode::SEE_OTHER);
    assert_eq!(go("in_therapy").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(go("nonsense").await, StatusCode::NOT_FOUND);
    theo.post_form(
        &path,
        &[
            ("csrf", &csrf),
            ("decision", "refer"),
            ("refer_to", "A clinic"),
        ],
    )
    .await;
    assert_eq!(
        go("in_therapy").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "refer is not continue"
    );
    theo.post_form(&path, &[("csrf", &csrf), ("decision", "continue")])
        .await;
    assert_eq!(go("in_therapy").await, StatusCode::SEE_OTHER);

    let (status, board) = theo.text("/admin/board").await;
    assert_eq!(status, StatusCode::OK);
    let therapy = board.find("id=\"stage-in_therapy\"").unwrap();
    let ended = board.find("id=\"stage-ended\"").unwrap();
    let robin = board.find("Robin Field").unwrap();
    assert!(
        therapy < robin && robin < ended,
        "Robin is in the 'in therapy' column"
    );
    let moves = store::testing::raw_text(
        &t.db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = 'case.stage' AND case_id = $1",
        &case,
    )
    .await;
    assert_eq!(moves, "3");

    // Nobody else moves or reads it: not the patient, not a colleague, not the owner.
    let anna = t.signed_in(OWNER_EMAIL).await;
    let csrf = anna.csrf_from("/admin/board").await;
    let r = anna
        .post_form(&stage, &[("csrf", &csrf), ("stage", "ended")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(anna.get(&path).await.status(), StatusCode::NOT_FOUND);
    let robin = t.patient_signed_in("robin@example.org").await;
    assert_eq!(robin.get(&path).await.status(), StatusCode::FORBIDDEN);
});

on_both!(
    the_summary_reaches_the_portal_only_when_shared,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let path = format!("/admin/cases/{case}/workspace");
        let csrf = theo.csrf_from(&path).await;
        let summary = "We talked about the move and agreed to meet weekly.";
        theo.post_form(&path, &[("csrf", &csrf), ("summary", summary)])
            .await;
        let robin = t.patient_signed_in("robin@example.org").await;
        let (_, portal) = robin.text("/portal").await;
        assert!(!portal.contains(summary), "not before it is shared");
        theo.post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("summary", summary),
                ("share_summary", "on"),
            ],
        )
        .await;
        let (_, portal) = robin.text("/portal").await;
        assert!(portal.contains(summary));
        assert!(!portal.contains(NOTES));
    }
);

on_both!(
    the_workspace_shows_the_intake_the_family_and_the_scores,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let path = format!("/admin/cases/{case}/workspace");
        let (_, page) = theo.text(&path).await;
        assert!(page.contains("Nothing yet: the intake is waiting in their portal."));

        let robin = t.patient_signed_in("robin@example.org").await;
        let intake = robin.questionnaire_link("Getting to know you").await;
        let r = robin
            .post_with_token(
                &intake,
                &[
                    ("section", "5"),
                    ("action", "save"),
                    ("q.family.rows", "8"),
                    ("q.family.1.relation", "mother"),
                    ("q.family.1.name", "Ruthilde"),
                    ("q.family.1.gender", "female"),
                    ("q.family.1.born", "1956"),
                    ("q.family.1.deceased", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let phq = robin
            .questionnaire_link("Patient Health Questionnaire-9 (PHQ-9)")
            .await;
        let mut answers: Vec<(String, String)> = ["2", "2", "1", "1", "1", "1", "1", "1", "0"]
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("q.phq9.{}", i + 1), v.to_string()))
            .collect();
        answers.push(("q.phq9.difficulty".into(), "1".into()));
        let mut fields: Vec<(&str, &str)> = vec![("section", "0"), ("action", "submit")];
        fields.extend(answers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(
            robin.post_with_token(&phq, &fields).await.status(),
            StatusCode::SEE_OTHER
        );

        let (status, page) = theo.text(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("a draft they have not sent yet"),
            "the draft is shown"
        );
        assert!(page.contains("Ruthilde"), "the family is read back");
        assert!(
            page.contains("<svg") && page.contains("class=\"genogram\""),
            "the genogram is drawn"
        );
        assert!(
            page.contains("Mother: Ruthilde"),
            "with its text alternative: {page}"
        );
        assert!(
            page.contains("Patient Health Questionnaire-9 (PHQ-9) over time"),
            "the chart"
        );
        assert!(
            page.contains("<td>10</td><td>Moderate</td>"),
            "and its table"
        );
    }
);

const SESSION_NOTE: &str = "Spoke of the move to Leeds and the sister there.";

on_both!(
    a_signed_note_cannot_be_changed_only_amended_and_every_read_is_audited,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let id = session_on_monday(&theo, &case, "10:00").await;
        let path = format!("/admin/notes/{id}");

        // Before the session there is nothing to note.
        let (status, page) = theo.text(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("This session has not begun."));
        let csrf = field_value(&page, "csrf").unwrap();
        let draft = |text: &'static str, action: &'static str, confirm: &'static str| {
            vec![
                ("template", "dap"),
                ("section_0", text),
                ("section_1", "Settling."),
                ("section_2", "Weekly, Mondays."),
                ("process", "My own weariness in the hour."),
                ("action", action),
                ("confirm", confirm),
            ]
        };
        let mut early = draft(SESSION_NOTE, "save", "");
        early.push(("csrf", &csrf));
        assert_eq!(
            theo.post_form(&path, &early).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // Monday 11:00 in New York: the session is over (and Theo signs in again).
        t.clock
            .advance(jiff::SignedDuration::from_hours(3 * 24 + 7));
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let csrf = theo.csrf_from(&path).await;
        let (_, page) = theo.text(&format!("{path}?template=dap")).await;
        assert!(
            page.contains("Data") && page.contains("Assessment") && page.contains("Plan"),
            "{page}"
        );
        let mut fields = draft(SESSION_NOTE, "save", "");
        fields.push(("csrf", &csrf));
        let r = theo.post_form(&path, &fields).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&path).await;
        assert!(page.contains(SESSION_NOTE) && page.contains("Save the draft"));

        // Signing needs the confirmation; refused, everything typed is kept.
        let mut unconfirmed = draft("Changed before signing.", "sign", "");
        unconfirmed.push(("csrf", &csrf));
        let r = theo.post_form(&path, &unconfirmed).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"confirm-error\"") && html.contains("Changed before signing."));
        let mut sign = draft(SESSION_NOTE, "sign", "on");
        sign.push(("csrf", &csrf));
        assert_eq!(
            theo.post_form(&path, &sign).await.status(),
            StatusCode::SEE_OTHER
        );
        let (_, page) = theo.text(&path).await;
        assert!(page.contains("Signed by Theo Colleague"), "{page}");
        assert!(
            !page.contains("name=\"section_0\""),
            "no field to change it"
        );

        // Any change to the signed note is refused, audited, and leaves it as it was.
        let mut change = draft("Rewritten afterwards.", "save", "");
        change.push(("csrf", &csrf));
        let r = theo.post_form(&path, &change).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("This note is signed and cannot be changed."));
        let mut resign = draft("Rewritten afterwards.", "sign", "on");
        resign.push(("csrf", &csrf));
        assert_eq!(
            theo.post_form(&path, &resign).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let (_, page) = theo.text(&path).await;
        assert!(page.contains(SESSION_NOTE) && !page.contains("Rewritten afterwards."));
        let refused = store::testing::raw_text(
            &t.db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = 'note.write' AND outcome = 'refused' AND subject = $1",
            &id,
        )
        .await;
        assert_eq!(refused, "2");

        // The process notes stay the therapist's to change; an addendum is dated and kept.
        let r = theo
            .post_form(
                &format!("{path}/process"),
                &[("csrf", &csrf), ("process", "Less weary than I thought.")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let empty = theo
            .post_form(
                &format!("{path}/addendum"),
                &[("csrf", &csrf), ("addendum", " ")],
            )
            .await;
        assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = theo
            .post_form(
                &format!("{path}/addendum"),
                &[
                    ("csrf", &csrf),
                    ("addendum", "The sister lives in Hull, not Leeds."),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&path).await;
        assert!(page.contains("The sister lives in Hull, not Leeds."));
        assert!(page.contains("Less weary than I thought."));
        assert!(page.contains(SESSION_NOTE), "the note itself unchanged");

        // Sealed at rest; every read audited; the case lists the session as signed.
        let dump = store::testing::raw_dump(&t.db).await;
        assert!(
            !dump.contains("Leeds")
                && !dump.contains("Hull")
                && !dump.contains("weary")
                && !dump.contains("weariness")
        );
        let reads = store::testing::raw_text(
            &t.db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = 'note.read' AND subject = $1",
            &id,
        )
        .await;
        assert!(reads.parse::<u32>().unwrap() >= 5, "{reads}");
        let (_, case_page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(
            case_page.contains(&format!("href=\"{path}\"")) && case_page.contains("Note signed")
        );

        // Nobody else reaches it: the patient is refused, the owner is not told it exists.
        let anna = t.signed_in(OWNER_EMAIL).await;
        assert_eq!(anna.get(&path).await.status(), StatusCode::NOT_FOUND);
        let theirs = anna.csrf_from("/admin").await;
        let mut hostile = draft("Not mine to write.", "save", "");
        hostile.push(("csrf", &theirs));
        assert_eq!(
            anna.post_form(&path, &hostile).await.status(),
            StatusCode::NOT_FOUND
        );
        let robin = t.patient_signed_in("robin@example.org").await;
        assert_eq!(robin.get(&path).await.status(), StatusCode::FORBIDDEN);
    }
);

on_both!(
    a_session_without_a_signed_note_shows_on_the_day_a_day_later,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let id = session_on_monday(&theo, &case, "09:00").await;
        // Monday evening: not yet a day since it ended.
        t.clock
            .advance(jiff::SignedDuration::from_hours(3 * 24 + 12));
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (_, day) = theo.text("/admin").await;
        assert!(day.contains("Today"), "{day}");
        assert!(!day.contains(&format!("/admin/notes/{id}")));
        // Tuesday evening: it is.
        t.clock.advance(jiff::SignedDuration::from_hours(24));
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (_, day) = theo.text("/admin").await;
        assert!(
            day.contains(&format!("href=\"/admin/notes/{id}\"")),
            "{day}"
        );
        assert!(day.contains("Session note not written"));
        let page = format!("/admin/notes/{id}");
        let csrf = theo.csrf_from(&page).await;
        theo.post_form(
            &page,
            &[
                ("csrf", &csrf),
                ("template", "free"),
                ("section_0", "Robin came on time."),
                ("action", "sign"),
                ("confirm", "on"),
            ],
        )
        .await;
        let (_, day) = theo.text("/admin").await;
        assert!(!day.contains(&format!("/admin/notes/{id}")), "signed: gone");
    }
);
