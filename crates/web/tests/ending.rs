//! The path ahead, kept, and ending well: the treatment focus seeded from the first session's
//! close, its goals, review date and dated reviews; an ending planned (the sessions left shown to
//! both, the booked sessions after it cancelled); the case closed or referred with a sealed
//! summary and a printable letter; and after the end every write to the case refused and audited.

mod common;

use common::*;
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

const PATIENT: &str = "robin@example.org";
const GOING_ON: &str = "Grief after the move to Leeds; sleep gone.";

/// Robin's case with Theo, in therapy after a first session whose close says what is going on
/// and how the two might work together.
async fn in_therapy(t: &TestApp, theo: &Browser) -> String {
    let case = t.invite_patient(theo, "Robin Field", PATIENT).await;
    let workspace = format!("/admin/cases/{case}/workspace");
    let csrf = theo.csrf_from(&workspace).await;
    let r = theo
        .post_form(
            &workspace,
            &[
                ("csrf", &csrf),
                ("going_on", GOING_ON),
                ("frequency", "weekly"),
                ("modality", "psychodynamic"),
                ("decision", "continue"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stage = format!("/admin/cases/{case}/stage");
    for to in ["consultation_booked", "consultation_held", "in_therapy"] {
        let r = theo
            .post_form(&stage, &[("csrf", &csrf), ("stage", to)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "to {to}");
    }
    case
}

async fn status_of(t: &TestApp, appointment: &str) -> String {
    store::testing::raw_text(
        &t.db,
        "SELECT status FROM appointments WHERE id = $1",
        appointment,
    )
    .await
}

async fn count(t: &TestApp, sql: &str, param: &str) -> u32 {
    store::testing::raw_text(&t.db, sql, param)
        .await
        .parse()
        .unwrap()
}

on_both!(
    the_focus_starts_from_the_path_ahead_and_its_reviews_are_kept,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = in_therapy(&t, &theo).await;
        let path = format!("/admin/cases/{case}/focus");
        let (status, page) = theo.text(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Not kept yet"), "{page}");
        assert!(
            page.contains(&format!("{GOING_ON}\n\nweekly, psychodynamic</textarea>")),
            "seeded from the path ahead: {page}"
        );
        let (_, case_page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(case_page.contains(&format!("href=\"/admin/cases/{case}/focus\"")));

        let csrf = field_value(&page, "csrf").unwrap();
        let r = theo
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("focus", "Grief, and the loss of a place."),
                    (
                        "goals",
                        "- sleep through most nights\n\n* visit the sister\n",
                    ),
                    ("review_on", "2027-02-26"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&path).await;
        assert!(
            page.contains("The focus since 27 November 2026; to be reviewed on 26 February 2027."),
            "{page}"
        );
        assert!(page.contains("sleep through most nights\nvisit the sister</textarea>"));
        assert!(page.contains("value=\"2027-02-26\""));
        assert!(page.contains("Measures over time"), "the charts beside it");

        // Reviews are added, dated, and kept as written; a second is another entry.
        let review = format!("{path}/review");
        for text in ["Sleeping better; the sister visited.", "Grief nearer now."] {
            let r = theo
                .post_form(&review, &[("csrf", &csrf), ("review", text)])
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            t.clock.advance(jiff::SignedDuration::from_mins(1));
        }
        let (_, page) = theo.text(&path).await;
        let newer = page.find("Grief nearer now.").unwrap();
        let older = page.find("Sleeping better; the sister visited.").unwrap();
        assert!(newer < older, "newest first");
        assert!(page.contains("27 November 2026 · Theo Colleague"));
        assert_eq!(
            count(
                &t,
                "SELECT CAST(COUNT(*) AS TEXT) FROM focus_reviews WHERE case_id = $1",
                &case
            )
            .await,
            2
        );
        assert!(
            !t.routes
                .iter()
                .any(|r| r.path.contains("review") && r.path.contains("{review")),
            "no route names a review to change it"
        );

        // Sealed at rest, and every opening and writing audited.
        let dump = store::testing::raw_dump(&t.db).await;
        assert!(
            !dump.contains("loss of a place")
                && !dump.contains("visit the sister")
                && !dump.contains("Grief nearer"),
            "sealed at rest"
        );
        assert!(
            count(
                &t,
                "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE case_id = $1 AND action IN ('focus.read', 'focus.write', 'focus.review')",
                &case
            )
            .await
                >= 6
        );
    }
);

on_both!(
    bad_focus_and_review_input_is_refused_next_to_its_field_and_kept,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = in_therapy(&t, &theo).await;
        let path = format!("/admin/cases/{case}/focus");
        let csrf = theo.csrf_from(&path).await;
        let huge = "x".repeat(5_001);
        let many = "goal\n".repeat(13);
        for (fields, errors) in [
            (
                vec![("focus", ""), ("goals", ""), ("review_on", "")],
                vec!["focus"],
            ),
            (
                vec![
                    ("focus", huge.as_str()),
                    ("goals", many.as_str()),
                    ("review_on", "2026-11-26"),
                ],
                vec!["focus", "goals", "review_on"],
            ),
            (
                vec![
                    ("focus", "<script>alert(1)</script>"),
                    ("goals", "ok"),
                    ("review_on", "'; DROP TABLE cases;--"),
                ],
                vec!["review_on"],
            ),
            (
                vec![("focus", "a\u{0}b"), ("review_on", "2031-01-01")],
                vec!["focus", "review_on"],
            ),
        ] {
            let mut form = fields.clone();
            form.push(("csrf", &csrf));
            let r = theo.post_form(&path, &form).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{errors:?}");
            let page = r.text().await.unwrap();
            for field in &errors {
                assert!(
                    page.contains(&format!("id=\"{field}-error\"")),
                    "{field}: {page}"
                );
            }
            if fields[0].1 == huge {
                assert!(page.contains(&huge), "the focus typed is kept");
            }
            if fields[0].1.starts_with("<script>") {
                assert!(
                    page.contains("&#60;script&#62;alert(1)") && !page.contains("<script>alert(1)")
                );
            }
        }
        let r = theo
            .post_form(
                &format!("{path}/review"),
                &[("csrf", &csrf), ("review", "   ")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"review-error\""));
        let long = "r".repeat(10_001);
        let r = theo
            .post_form(
                &format!("{path}/review"),
                &[("csrf", &csrf), ("review", &long)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains(&long), "kept");
        assert_eq!(
            count(
                &t,
                "SELECT CAST(COUNT(*) AS TEXT) FROM treatment_focus WHERE case_id = $1",
                &case
            )
            .await
                + count(
                    &t,
                    "SELECT CAST(COUNT(*) AS TEXT) FROM focus_reviews WHERE case_id = $1",
                    &case
                )
                .await,
            0,
            "nothing was stored"
        );
        // Another therapist, with a valid token of their own, learns nothing of the case.
        let owner = t.signed_in(OWNER_EMAIL).await;
        let csrf = owner.csrf_from("/admin/patients").await;
        for p in [
            path.clone(),
            format!("{path}/review"),
            format!("/admin/cases/{case}/ending"),
            format!("/admin/cases/{case}/ending/plan"),
        ] {
            let r = owner
                .post_form(&p, &[("csrf", &csrf), ("focus", "x"), ("review", "x")])
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{p}");
        }
    }
);

on_both!(
    a_planned_ending_counts_the_sessions_left_for_both_and_cancels_the_later_ones,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = in_therapy(&t, &theo).await;
        let mut sessions = Vec::new();
        for date in ["2026-11-30", "2026-12-07", "2026-12-14", "2026-12-21"] {
            sessions.push(session_on_day(&theo, &case, date).await);
        }
        let case_path = format!("/admin/cases/{case}");
        let plan = format!("{case_path}/ending/plan");
        let (_, page) = theo.text(&case_path).await;
        assert!(
            page.contains("4 sessions are booked from now on"),
            "the form says what is booked: {page}"
        );
        let csrf = field_value(&page, "csrf").unwrap();

        // Bad days are refused next to the field, kept.
        for bad in [
            "",
            "2026-11-26",
            "14/12/2026",
            "<script>",
            &"9".repeat(5_000),
        ] {
            let r = theo
                .post_form(&plan, &[("csrf", &csrf), ("ending_on", bad)])
                .await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            let html = r.text().await.unwrap();
            assert!(html.contains("id=\"ending_on-error\""), "{bad}");
            assert!(!html.contains("<script>\""), "escaped");
        }

        // A day with a booked session after it needs the confirmation, which says how many.
        let r = theo
            .post_form(&plan, &[("csrf", &csrf), ("ending_on", "2026-12-14")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("This cancels 1 booked session after the last day."),
            "{html}"
        );
        assert!(html.contains("value=\"2026-12-14\""), "kept");
        assert_eq!(status_of(&t, &sessions[3]).await, "booked");

        let r = theo
            .post_form(
                &plan,
                &[
                    ("csrf", &csrf),
                    ("ending_on", "2026-12-14"),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&case_path).await;
        assert!(
            page.contains("Ending planned for 14 December 2026 · 3 sessions left"),
            "{page}"
        );
        assert_eq!(status_of(&t, &sessions[3]).await, "cancelled");
        assert_eq!(
            status_of(&t, &sessions[2]).await,
            "booked",
            "the last day counts"
        );
        let planned = t
            .app
            .planned_ending(
                &mut t.db.conn().await.unwrap(),
                &domain::ids::CaseId::new(case.clone()),
            )
            .await
            .unwrap();
        assert_eq!(planned, Some(jiff::civil::date(2026, 12, 14)));
        t.run_jobs().await;
        let cancelled: Vec<_> = t
            .mails()
            .await
            .into_iter()
            .filter(|m| m.to == PATIENT && m.subject.starts_with("Cancelled:"))
            .collect();
        assert_eq!(cancelled.len(), 1, "one mail per cancelled session");
        assert!(
            cancelled[0].subject.contains("21 December"),
            "{}",
            cancelled[0].subject
        );

        // The patient sees the same count.
        let robin = t.patient_signed_in(PATIENT).await;
        let (_, home) = robin.text("/portal").await;
        assert!(
            home.contains("3 sessions left before our ending on 14 December 2026."),
            "{home}"
        );

        // Changed: the count follows, and the session now after it is cancelled.
        let r = theo
            .post_form(
                &plan,
                &[
                    ("csrf", &csrf),
                    ("ending_on", "2026-12-07"),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&case_path).await;
        assert!(page.contains("Ending planned for 7 December 2026 · 2 sessions left"));
        assert_eq!(status_of(&t, &sessions[2]).await, "cancelled");
        let (_, home) = robin.text("/portal").await;
        assert!(home.contains("2 sessions left before our ending on 7 December 2026."));

        // Withdrawn before it happens: no ending, nothing more cancelled.
        let r = theo
            .post_form(&format!("{case_path}/ending/withdraw"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&case_path).await;
        assert!(!page.contains("Ending planned for"));
        let (_, home) = robin.text("/portal").await;
        assert!(!home.contains("before our ending"));
        assert_eq!(status_of(&t, &sessions[1]).await, "booked");
        let r = theo
            .post_form(&format!("{case_path}/ending/withdraw"), &[("csrf", &csrf)])
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing to withdraw"
        );
        assert_eq!(
            t.app
                .planned_ending(
                    &mut t.db.conn().await.unwrap(),
                    &domain::ids::CaseId::new(case.clone()),
                )
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            count(
                &t,
                "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE case_id = $1 AND action IN ('ending.plan', 'ending.withdraw')",
                &case
            )
            .await,
            3
        );
    }
);

const SUMMARY: &str = "Twelve weeks of grief work; sleeping again, the sister near.";
const LETTER: &str = "Dear Robin, thank you for the work we did together.";

on_both!(
    closing_keeps_a_sealed_summary_and_letter_prints_and_everything_after_is_refused,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = in_therapy(&t, &theo).await;
        let note = session_on_day(&theo, &case, "2026-11-30").await;
        let later = session_on_day(&theo, &case, "2026-12-07").await;
        // Monday 30 November, 11:00 in New York: the session is over; its note is signed.
        t.clock
            .advance(jiff::SignedDuration::from_hours(3 * 24 + 7));
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let note_path = format!("/admin/notes/{note}");
        let csrf = theo.csrf_from(&note_path).await;
        let r = theo
            .post_form(
                &note_path,
                &[
                    ("csrf", &csrf),
                    ("template", "free"),
                    ("section_0", "Spoke of the ending."),
                    ("action", "sign"),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        // Robin has a questionnaire open in the case.
        let robin = t.patient_signed_in(PATIENT).await;
        let questionnaire = robin.questionnaire_link("Getting to know you").await;

        let ending = format!("/admin/cases/{case}/ending");
        let (status, page) = theo.text(&ending).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("The 1 session booked from now on is cancelled"),
            "{page}"
        );
        // Empty, huge and hostile closings are refused by field, everything typed kept.
        let huge = "s".repeat(10_001);
        let r = theo
            .post_form(
                &ending,
                &[
                    ("csrf", &csrf),
                    ("kind", "sideways"),
                    ("summary", ""),
                    ("letter_to", "Robin"),
                    ("letter_body", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        for field in ["kind", "summary", "letter_body", "confirm"] {
            assert!(html.contains(&format!("id=\"{field}-error\"")), "{field}");
        }
        assert!(html.contains("value=\"Robin\""), "kept");
        let r = theo
            .post_form(
                &ending,
                &[
                    ("csrf", &csrf),
                    ("kind", "ended"),
                    ("summary", &huge),
                    ("letter_to", "<b>Robin</b>\nField"),
                    ("letter_body", "<script>alert(1)</script>"),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"summary-error\"") && html.contains("id=\"letter_to-error\""));
        assert!(html.contains(&huge) && !html.contains("<script>alert(1)"));
        assert_eq!(
            store::testing::raw_text(&t.db, "SELECT stage FROM cases WHERE id = $1", &case).await,
            "in_therapy"
        );

        let r = theo
            .post_form(
                &ending,
                &[
                    ("csrf", &csrf),
                    ("kind", "ended"),
                    ("summary", SUMMARY),
                    ("letter_to", "Robin Field (patient)"),
                    ("letter_body", LETTER),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            store::testing::raw_text(&t.db, "SELECT stage FROM cases WHERE id = $1", &case).await,
            "ended"
        );
        assert_eq!(status_of(&t, &later).await, "cancelled", "the series ends");
        let (_, page) = theo.text(&ending).await;
        assert!(page.contains(SUMMARY) && page.contains(LETTER), "{page}");
        assert!(page.contains("This case ended on 30 November 2026; its record is read-only."));
        let (status, print) = theo.text(&format!("{ending}/print")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(print.contains("Closing summary: Robin Field"));
        assert!(print.contains(SUMMARY) && print.contains(LETTER));
        assert!(print.contains("Robin Field (patient)") && print.contains("class=\"no-print\""));
        let dump = store::testing::raw_dump(&t.db).await;
        assert!(
            !dump.contains("Twelve weeks of grief") && !dump.contains("thank you for the work"),
            "sealed at rest"
        );

        // The case page says so (opening no closing text) and offers nothing to write.
        let case_path = format!("/admin/cases/{case}");
        let reads = "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE case_id = $1 AND action = 'case.closing.read'";
        let before = count(&t, reads, &case).await;
        assert!(before >= 2, "the closing page and its print were audited");
        let (_, page) = theo.text(&case_path).await;
        assert_eq!(count(&t, reads, &case).await, before);
        assert!(page.contains("This case ended on 30 November 2026; its record is read-only."));
        for form in [
            "agreement",
            "questionnaires",
            "measures/phq9",
            "ending/plan",
        ] {
            let action = format!("action=\"{case_path}/{form}\"");
            assert!(!page.contains(&action), "no form {form}");
        }
        assert!(
            !page.contains("enctype=\"multipart/form-data\""),
            "no message form"
        );

        let (_, workspace) = theo.text(&format!("{case_path}/workspace")).await;
        assert!(workspace.contains("This case is over; its record is read-only."));
        assert!(!workspace.contains("data-autosave"), "nothing autosaves");
        let (_, note_page) = theo.text(&note_path).await;
        assert!(note_page.contains("A late addendum to a signed note can still be added."));

        // Every write to the case is refused (409) and audited; nothing changes.
        let csrf = theo.csrf_from(&case_path).await;
        let writes: Vec<(String, Vec<(&str, &str)>)> = vec![
            (format!("{case_path}/workspace"), vec![("notes", "later")]),
            (format!("{case_path}/focus"), vec![("focus", "later")]),
            (
                format!("{case_path}/focus/review"),
                vec![("review", "later")],
            ),
            (
                format!("{case_path}/ending/plan"),
                vec![("ending_on", "2026-12-30")],
            ),
            (format!("{case_path}/ending/withdraw"), vec![]),
            (
                ending.clone(),
                vec![("kind", "ended"), ("summary", "again"), ("confirm", "on")],
            ),
            (format!("{case_path}/agreement"), vec![]),
            (
                format!("{case_path}/questionnaires"),
                vec![("questionnaire", "phq9")],
            ),
            (
                format!("{case_path}/measures/phq9"),
                vec![("every_phq9", "4")],
            ),
            (format!("{case_path}/measures/phq9/stop"), vec![]),
            (
                "/admin/calendar/appointments".to_string(),
                vec![
                    ("case", case.as_str()),
                    ("kind", "session"),
                    ("date", "2026-12-14"),
                    ("time", "10:00"),
                    ("clash", "on"),
                ],
            ),
            (
                note_path.clone(),
                vec![
                    ("template", "free"),
                    ("section_0", "later"),
                    ("action", "save"),
                ],
            ),
            (format!("{note_path}/process"), vec![("process", "later")]),
            (format!("{case_path}/stage"), vec![("stage", "in_therapy")]),
            (
                format!(
                    "{}/attendance",
                    note_path.replace("/admin/notes/", "/admin/calendar/")
                ),
                vec![("attendance", "attended")],
            ),
        ];
        for (path, fields) in &writes {
            let mut fields = fields.clone();
            fields.push(("csrf", &csrf));
            let r = theo.post_form(path, &fields).await;
            assert_eq!(r.status(), StatusCode::CONFLICT, "POST {path}");
            assert!(
                r.text().await.unwrap().contains("its record is read-only"),
                "{path}"
            );
        }
        let message = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("body", "one more thing");
        assert_eq!(
            theo.post_multipart(&case_path, message).await.status(),
            StatusCode::CONFLICT
        );
        let (_, messages) = robin.text("/portal/messages").await;
        assert!(messages.contains("no new ones can be sent"), "{messages}");
        let patient_csrf = field_value(&messages, "csrf").unwrap();
        let message = reqwest::multipart::Form::new()
            .text("csrf", patient_csrf)
            .text("body", "from the patient");
        assert_eq!(
            robin
                .post_multipart(&format!("/portal/messages?case={case}"), message)
                .await
                .status(),
            StatusCode::CONFLICT
        );
        let r = robin
            .post_with_token(&questionnaire, &[("section", "0"), ("action", "save")])
            .await;
        assert_eq!(
            r.status(),
            StatusCode::CONFLICT,
            "no answers into an ended case"
        );
        assert_eq!(
            count(
                &t,
                "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE case_id = $1 AND action = 'case.read_only' AND outcome = 'refused'",
                &case
            )
            .await as usize,
            writes.len() + 3,
            "each refusal audited"
        );
        assert_eq!(
            store::testing::raw_text(&t.db, "SELECT stage FROM cases WHERE id = $1", &case).await,
            "ended"
        );
        // A late addendum to a signed note is still allowed.
        let r = theo
            .post_form(
                &format!("{note_path}/addendum"),
                &[
                    ("csrf", &csrf),
                    ("addendum", "Late: the referral letter was sent."),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
);

on_both!(
    a_referral_says_to_whom_and_why_and_moves_the_case_to_referred,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = in_therapy(&t, &theo).await;
        let ending = format!("/admin/cases/{case}/ending");
        let csrf = theo.csrf_from(&ending).await;
        let r = theo
            .post_form(
                &ending,
                &[
                    ("csrf", &csrf),
                    ("kind", "referred"),
                    ("summary", SUMMARY),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"referred_to-error\"") && html.contains("id=\"referral_why-error\"")
        );
        let r = theo
            .post_form(
                &ending,
                &[
                    ("csrf", &csrf),
                    ("kind", "referred"),
                    ("summary", SUMMARY),
                    ("referred_to", "Dr. Lee, trauma clinic"),
                    ("referral_why", "EMDR for the accident."),
                    ("letter_to", "Dr. Lee (psychiatrist)"),
                    ("letter_body", "Dear Dr. Lee, I am writing about Robin."),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            store::testing::raw_text(&t.db, "SELECT stage FROM cases WHERE id = $1", &case).await,
            "referred"
        );
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(
            page.contains("This case was referred on 27 November 2026; its record is read-only.")
        );
        let (_, print) = theo.text(&format!("{ending}/print")).await;
        assert!(
            print.contains("Dr. Lee, trauma clinic") && print.contains("EMDR for the accident.")
        );
        assert!(print.contains("Dear Dr. Lee, I am writing about Robin."));
        let dump = store::testing::raw_dump(&t.db).await;
        assert!(!dump.contains("EMDR for the accident"), "sealed at rest");
        assert_eq!(
            count(
                &t,
                "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE case_id = $1 AND action = 'case.refer'",
                &case
            )
            .await,
            1
        );
        // Closing twice is refused: the record is read-only.
        let r = theo
            .post_form(
                &ending,
                &[
                    ("csrf", &csrf),
                    ("kind", "ended"),
                    ("summary", "x"),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
    }
);

on_both!(
    a_planned_ending_ends_the_regular_hour_there_and_closing_ends_it_today,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = in_therapy(&t, &theo).await;
        let series = format!("/admin/cases/{case}/series");
        let csrf = theo.csrf_from(&series).await;
        let r = theo
            .post_form(
                &series,
                &[
                    ("csrf", &csrf),
                    ("frequency", "weekly"),
                    ("first", "2026-11-30"),
                    ("time", "10:00"),
                    ("second_day", ""),
                    ("until", ""),
                    ("kind", "session"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let booked = "SELECT CAST(COUNT(*) AS TEXT) FROM appointments WHERE case_id = $1 AND status = 'booked'";
        assert!(count(&t, booked, &case).await > 10, "half a year ahead");

        let plan = format!("/admin/cases/{case}/ending/plan");
        let r = theo
            .post_form(
                &plan,
                &[
                    ("csrf", &csrf),
                    ("ending_on", "2026-12-14"),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(count(&t, booked, &case).await, 3, "30 Nov, 7 and 14 Dec");
        assert_eq!(
            store::testing::raw_text(
                &t.db,
                "SELECT until_date FROM series WHERE case_id = $1",
                &case
            )
            .await,
            "2026-12-14",
            "the series ends on the last day"
        );
        // The series' daily job books nothing after it.
        t.clock.advance(jiff::SignedDuration::from_hours(48));
        t.run_jobs().await;
        assert_eq!(count(&t, booked, &case).await, 3);
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(page.contains("Ending planned for 14 December 2026 · 3 sessions left"));

        // Setting a new hour in an ended case is refused.
        let ending = format!("/admin/cases/{case}/ending");
        let csrf = theo.csrf_from(&ending).await;
        let r = theo
            .post_form(
                &ending,
                &[
                    ("csrf", &csrf),
                    ("kind", "ended"),
                    ("summary", SUMMARY),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            count(&t, booked, &case).await,
            0,
            "nothing booked after the end"
        );
        let r = theo
            .post_form(
                &series,
                &[
                    ("csrf", &csrf),
                    ("frequency", "weekly"),
                    ("first", "2027-01-04"),
                    ("time", "10:00"),
                    ("kind", "session"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
    }
);
