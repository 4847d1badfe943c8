//! The therapist's own note headings: defined on their own page (refused next to the field when
//! empty, hostile, huge, too many or twice the same), offered on the note page next to the
//! built-in templates, kept with each note so that a later change reaches no note written
//! before, and nobody else's to see or use.

mod common;

use common::*;
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

const PAGE: &str = "/admin/notes/headings";

async fn save_headings(b: &Browser, name: &str, headings: &str) -> reqwest::Response {
    let csrf = b.csrf_from(PAGE).await;
    b.post_form(
        PAGE,
        &[("csrf", &csrf), ("name", name), ("headings", headings)],
    )
    .await
}

async fn kept_rows(t: &TestApp) -> String {
    store::testing::raw_text(
        &t.db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM own_note_headings WHERE name <> $1",
        "",
    )
    .await
}

const OWN: &str = "Themes\nTransference\nRisk\nNext time";

on_both!(
    own_headings_are_refused_next_to_the_field_with_the_input_kept,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (status, page) = theo.text(PAGE).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Your own note headings"), "{page}");
        assert!(page.contains("for=\"headings\"") && page.contains("for=\"name\""));

        let huge = "x".repeat(100_000);
        let cases: [(&str, &str, &str, &str); 7] = [
            ("", OWN, "name", "Please fill in"),
            ("Mine", " \n \n", "headings", "Please fill in"),
            ("Mine", "Themes", "headings", "at least two headings"),
            ("Mine", "A\nB\nC\nD\nE", "headings", "at most 4 headings"),
            ("Mine", "Risk\nRISK", "headings", "Each heading once"),
            ("Mine", &huge, "headings", "60 characters or fewer"),
            (
                "Mine",
                "Themes\n<script>alert(1)</script>",
                "headings",
                "no markup",
            ),
        ];
        for (name, headings, field, says) in cases {
            let r = save_headings(&theo, name, headings).await;
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field} {says}"
            );
            let html = r.text().await.unwrap();
            assert!(
                html.contains(&format!("id=\"{field}-error\"")),
                "{says}: {html}"
            );
            assert!(html.contains(says), "{says}: {html}");
            assert!(!html.contains("<script>alert"), "markup is escaped");
            if name == "Mine" {
                assert!(html.contains("value=\"Mine\""), "the name is kept");
            }
        }
        // What was typed is kept, escaped.
        let r = save_headings(&theo, "Mine", "Themes\n<b>Risk</b>").await;
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Themes\n&#60;b&#62;Risk&#60;/b&#62;</textarea>"),
            "{html}"
        );
        let r = save_headings(&theo, "<img src=x onerror=alert(1)>", OWN).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"name-error\""));
        // Invisible direction marks cannot make one heading read as another.
        let r = save_headings(&theo, "Mine", "Risk\nRi\u{202E}sk").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(kept_rows(&t).await, "0", "nothing refused is kept");

        // Only therapists have headings of their own.
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let _ = case;
        let robin = t.patient_signed_in("robin@example.org").await;
        assert_eq!(robin.get(PAGE).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(t.browser().get(PAGE).await.status(), StatusCode::SEE_OTHER);
    }
);

on_both!(
    a_note_keeps_the_headings_it_was_written_with,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let first = session_on_monday(&theo, &case, "09:00").await;
        let second = session_on_monday(&theo, &case, "10:00").await;
        // Monday 11:00 in New York: both sessions are over (and Theo signs in again).
        t.clock
            .advance(jiff::SignedDuration::from_hours(3 * 24 + 7));
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let path = format!("/admin/notes/{first}");

        // Before they are defined, the note page offers to define them; "own" is no template.
        let (_, page) = theo.text(&format!("{path}?template=own")).await;
        assert!(
            page.contains("Write notes under your own headings"),
            "{page}"
        );
        assert!(!page.contains("value=\"own\""));
        assert!(page.contains("for=\"section_0\">Note"), "free text instead");

        let r = save_headings(&theo, "Psychodynamic", OWN).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let saves = store::testing::raw_text(
            &t.db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = $1",
            "note.template.save",
        )
        .await;
        assert_eq!(saves, "1");
        let (_, page) = theo.text(PAGE).await;
        assert!(page.contains("value=\"Psychodynamic\""));
        assert!(page.contains(">Themes\nTransference\nRisk\nNext time</textarea>"));

        // The note page offers them next to the built-in templates, by their name.
        let (_, page) = theo.text(&path).await;
        assert!(
            page.contains("<option value=\"own\">Your own headings: Psychodynamic</option>"),
            "{page}"
        );
        let (_, page) = theo.text(&format!("{path}?template=own")).await;
        for (i, heading) in ["Themes", "Transference", "Risk", "Next time"]
            .iter()
            .enumerate()
        {
            assert!(
                page.contains(&format!("for=\"section_{i}\">{heading}")),
                "{heading}: {page}"
            );
        }
        assert!(page.contains("name=\"template\" value=\"own\""));

        // Written with them and signed.
        let csrf = theo.csrf_from(&path).await;
        let r = theo
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("template", "own"),
                    ("section_0", "The move to Leeds."),
                    ("section_1", "Anger at me for the holiday."),
                    ("section_2", "None today."),
                    ("section_3", "The sister."),
                    ("action", "sign"),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&path).await;
        assert!(page.contains("Signed by Theo Colleague"), "{page}");
        assert!(page.contains("<h3>Transference</h3>") && page.contains("<h3>Next time</h3>"));

        // The second session's draft under the headings as they are then.
        let r = save_headings(&theo, "Psychodynamic, shorter", "Dreams\nThe frame").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let second_path = format!("/admin/notes/{second}");
        let (_, page) = theo.text(&format!("{second_path}?template=own")).await;
        assert!(page.contains("for=\"section_0\">Dreams"), "{page}");
        assert!(!page.contains("Transference") && !page.contains("section_2"));
        let r = theo
            .post_form(
                &second_path,
                &[
                    ("csrf", &csrf),
                    ("template", "own"),
                    ("section_0", "A house with no doors."),
                    ("section_1", "Late again."),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        // Changed once more: neither the signed note nor the draft changes with them.
        let r = save_headings(&theo, "Third", "Opening\nMiddle\nEnding").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&path).await;
        assert!(
            page.contains("<h3>Themes</h3>")
                && page.contains("<h3>Transference</h3>")
                && page.contains("<h3>Next time</h3>")
                && page.contains("Anger at me for the holiday."),
            "{page}"
        );
        assert!(!page.contains("Dreams") && !page.contains("Opening"));
        let (_, page) = theo.text(&second_path).await;
        assert!(
            page.contains("for=\"section_0\">Dreams") && page.contains("A house with no doors."),
            "{page}"
        );
        assert!(!page.contains("Opening") && !page.contains("section_2"));
        // Saving the draft again keeps its headings, whatever the therapist's are now.
        let r = theo
            .post_form(
                &second_path,
                &[
                    ("csrf", &csrf),
                    ("template", "own"),
                    ("section_0", "A house with no doors, and a garden."),
                    ("section_1", "Late again."),
                    ("section_2", "not a section of this note"),
                    ("action", "sign"),
                    ("confirm", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&second_path).await;
        assert!(page.contains("<h3>Dreams</h3>") && page.contains("<h3>The frame</h3>"));
        assert!(!page.contains("not a section of this note"));

        // The note's headings are sealed with it; only the therapist's current ones are plain.
        let dump = store::testing::raw_dump(&t.db).await;
        assert!(!dump.contains("Transference") && !dump.contains("Dreams"));
        assert!(!dump.contains("Leeds") && !dump.contains("garden"));
        assert!(
            dump.contains("Opening"),
            "the headings themselves are not clinical"
        );

        // Another therapist neither sees them nor writes under them.
        let anna = t.signed_in(OWNER_EMAIL).await;
        let (status, page) = anna.text(PAGE).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !page.contains("Third") && !page.contains("Opening"),
            "{page}"
        );
        let theirs = t
            .invite_patient(&anna, "Sam Other", "sam@example.org")
            .await;
        let hers = session_on_monday(&anna, &theirs, "09:00").await;
        let her_path = format!("/admin/notes/{hers}");
        let (_, page) = anna.text(&format!("{her_path}?template=own")).await;
        assert!(!page.contains("value=\"own\"") && !page.contains("Opening"));
        let csrf = anna.csrf_from(&her_path).await;
        let r = anna
            .post_form(
                &her_path,
                &[
                    ("csrf", &csrf),
                    ("template", "own"),
                    ("section_0", "Typed under headings that are not mine."),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("Please choose one of the templates."));
        // Her own are hers alone.
        let r = save_headings(&anna, "Anna's", "Here\nThere").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(PAGE).await;
        assert!(page.contains("value=\"Third\"") && !page.contains("Anna"));
        let (_, page) = anna.text(&format!("{her_path}?template=own")).await;
        assert!(page.contains("for=\"section_0\">Here") && !page.contains("Opening"));
    }
);
