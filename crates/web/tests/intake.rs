//! Questionnaires end to end in-process: the intake filled in parts and resumed on another device,
//! every question skippable, refusals next to the field with the input kept, sealing at rest and
//! the audit log; the PHQ-9 and GAD-7 scored by their cut-offs; the risk path (crisis contacts, the
//! case marked, one mail without content); and copies that keep old answers with their version.

mod common;

use common::{field_value, location, Browser, TestApp, OWNER_EMAIL, THERAPIST_EMAIL};
use reqwest::StatusCode;

const PATIENT: &str = "mara@example.org";
const OTHER_PATIENT: &str = "otto@example.org";
const OTHER_THERAPIST: &str = "tara@example.org";
const BRINGS_ME: &str =
    "Since the move I wake at four <script>alert(1)</script> and cannot stop worrying";
const HISTORY: &str = "Counselling at university, twelve sessions in 2019";
const MOTHER: &str = "Ruthilde";

async fn practice(backend: store::Backend) -> Option<TestApp> {
    let t = TestApp::with_practice(backend).await?;
    t.add_colleague(OTHER_THERAPIST, "Tara Other").await;
    Some(t)
}

/// Theo invites `email`, who signs in: (case id, Theo, the patient).
async fn patient_of_theo(t: &TestApp, name: &str, email: &str) -> (String, Browser, Browser) {
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let case = t.invite_patient(&theo, name, email).await;
    let patient = t.patient_signed_in(email).await;
    (case, theo, patient)
}

async fn actor(t: &TestApp, email: &str) -> app::Actor {
    let (user, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), email)
        .await
        .unwrap()
        .unwrap();
    app::Actor::signed(user, "test".into(), true, "127.0.0.1")
}

fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
}

/// Whether the page shows the crisis notice (it is always there, hidden until needed).
fn risk_shown(html: &str) -> bool {
    let at = html.find("id=\"risk-notice\"").expect("the notice");
    let tag = &html[at..at + html[at..].find('>').unwrap()];
    !tag.ends_with(" hidden")
}

async fn audit_actions(t: &TestApp, case: &str) -> Vec<String> {
    store::audit::recent(&mut t.db.conn().await.unwrap(), Some(case), 500)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.action)
        .collect()
}

on_both!(
    a_patient_fills_the_intake_in_parts_resumes_on_another_device_and_sends_it,
    practice,
    |t| {
        let (case, theo, phone) = patient_of_theo(&t, "Mara Lind", PATIENT).await;
        let path = phone.questionnaire_link("Getting to know you").await;
        let (status, page) = phone.text(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("Part 1 of 10") && page.contains("0 of 22 questions answered"),
            "{page}"
        );
        assert!(page.contains(
            "<label for=\"q-what_brings_you\">What brings you to therapy at this time?</label>"
        ));
        assert!(
            page.contains("role=\"status\""),
            "a live region for the autosave"
        );
        assert!(page.contains("/static/autosave."), "the autosave module");

        // A plain "Save" keeps a draft; the hostile text is stored as typed and shown escaped.
        let r = phone
            .post_with_token(
                &path,
                &[
                    ("section", "0"),
                    ("action", "save"),
                    ("q.what_brings_you", BRINGS_ME),
                ],
            )
            .await;
        assert_eq!(location(&r), format!("{path}?section=0&saved=1"));

        // Another device, signed in separately, resumes where the first one stopped.
        let b = t.browser();
        let csrf = b.csrf_from("/signin").await;
        b.post_form("/signin", &[("csrf", &csrf), ("email", PATIENT)])
            .await;
        let laptop = t.patient_signed_in(PATIENT).await;
        let (_, page) = laptop.text(&path).await;
        assert!(page.contains(&escaped(BRINGS_ME)), "the draft is there");
        assert!(!page.contains("<script>alert"), "never unescaped");
        assert!(page.contains("1 of 22 questions answered"));

        // The script's save answers JSON with the progress.
        let r = laptop
            .post_with_token(
                &format!("{path}/autosave"),
                &[
                    ("section", "1"),
                    ("action", "autosave"),
                    ("q.past_therapy", HISTORY),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let saved: serde_json::Value = r.json().await.unwrap();
        assert_eq!(saved["saved"], true);
        assert_eq!(saved["answered"], 2);
        assert_eq!(saved["risk"], false);

        // Too long: refused next to the field, the text kept, the stored draft unchanged.
        let huge = "w".repeat(5_001);
        let r = laptop
            .post_with_token(
                &path,
                &[
                    ("section", "0"),
                    ("action", "next"),
                    ("q.what_brings_you", &huge),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("id=\"q-what_brings_you-error\"")
                && page.contains("under 5,000 characters")
        );
        assert!(page.contains(&huge), "the input is kept");
        assert!(
            page.contains("href=\"#q-what_brings_you\""),
            "the summary links to the field"
        );
        let r = laptop
            .post_with_token(
                &format!("{path}/autosave"),
                &[
                    ("section", "0"),
                    ("action", "autosave"),
                    ("q.what_brings_you", &huge),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let refused: serde_json::Value = r.json().await.unwrap();
        assert!(refused["message"]
            .as_str()
            .unwrap()
            .starts_with("Not saved:"));
        assert!(laptop.text(&path).await.1.contains(&escaped(BRINGS_ME)));

        // Malformed: an answer not offered, a part that does not exist, a control character.
        let r = laptop
            .post_with_token(
                &path,
                &[
                    ("section", "1"),
                    ("action", "save"),
                    ("q.thoughts_of_harm", "perhaps"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("id=\"q-thoughts_of_harm-error\""));
        let r = laptop
            .post_with_token(&path, &[("section", "99"), ("action", "save")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = laptop
            .post_with_token(
                &path,
                &[("section", "9"), ("action", "save"), ("q.days", "Mon\u{7}")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = laptop
            .post_with_token(
                &path,
                &[
                    ("section", "0"),
                    ("action", "save"),
                    ("q.what_brings_you", BRINGS_ME),
                    ("q.unknown", "x"),
                    ("q.what_brings_you.9", "y"),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "unknown fields are ignored"
        );

        // The family: rows as the genogram needs them, a refusal next to its field, more rows.
        let r = laptop
            .post_with_token(
                &path,
                &[
                    ("section", "5"),
                    ("action", "save"),
                    ("q.family.rows", "8"),
                    ("q.family.1.relation", "mother"),
                    ("q.family.1.name", MOTHER),
                    ("q.family.1.born", "soon"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("id=\"q-family-1-born-error\"")
                && page.contains(&format!("value=\"{MOTHER}\""))
        );
        let r = laptop
            .post_with_token(
                &path,
                &[
                    ("section", "5"),
                    ("action", "more_rows"),
                    ("q.family.rows", "8"),
                    ("q.family.1.relation", "mother"),
                    ("q.family.1.name", MOTHER),
                    ("q.family.1.born", "1956"),
                    ("q.family.1.gender", "female"),
                    ("q.family.1.separated", "on"),
                    ("q.family.2.relation", "father"),
                    ("q.family.2.name", "David"),
                    ("q.family.3.relation", "half_sibling"),
                    ("q.family.3.name", "Tom"),
                    ("q.family.3.born", "31"),
                    ("q.family.3.shared_parent", "p2"),
                    ("q.family.3.home", "on"),
                ],
            )
            .await;
        assert_eq!(location(&r), format!("{path}?section=5&rows=12&saved=1"));
        let (_, page) = laptop.text(&location(&r)).await;
        assert!(
            page.contains("name=\"q.family.12.name\"")
                && !page.contains("name=\"q.family.13.name\"")
        );
        assert!(page.contains("Person 2 (David)"), "links name the people");

        // Everything else is skipped; the last part sends it.
        let r = laptop
            .post_with_token(&path, &[("section", "9"), ("action", "submit")])
            .await;
        assert_eq!(location(&r), format!("{path}?sent=1"));
        let (_, sent) = laptop.text(&format!("{path}?sent=1")).await;
        assert!(sent.contains("Thank you. Your answers have been sent."));
        assert!(sent.contains(&escaped(BRINGS_ME)) && sent.contains("(not answered)"));
        assert!(!sent.contains("name=\"q."), "a sent response is read-only");
        let r = laptop
            .post_with_token(
                &path,
                &[
                    ("section", "0"),
                    ("action", "save"),
                    ("q.what_brings_you", "changed"),
                ],
            )
            .await;
        assert_eq!(location(&r), path, "sent answers are not changed");
        let r = laptop
            .post_with_token(
                &format!("{path}/autosave"),
                &[
                    ("section", "0"),
                    ("action", "autosave"),
                    ("q.what_brings_you", "changed"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);

        // The patient's data export holds it, in words.
        let export: serde_json::Value = laptop.get("/portal/export").await.json().await.unwrap();
        let text = export.to_string();
        assert!(text.contains("wake at four") && text.contains(MOTHER) && text.contains(HISTORY));

        // The therapist reads it, in the case and through the workspace's functions.
        let (_, case_page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(
            case_page.contains("id=\"questionnaires\"")
                && case_page.contains("Getting to know you")
        );
        let response_id = path.trim_start_matches("/portal/questionnaires/");
        let (status, read) = theo.text(&format!("/admin/responses/{response_id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(read.contains(&escaped(BRINGS_ME)) && read.contains(HISTORY));
        assert!(
            read.contains(&format!(
                "Mother: {MOTHER} (separated from father), born 1956."
            )),
            "{read}"
        );
        let theo_actor = actor(&t, THERAPIST_EMAIL).await;
        let case_id = domain::ids::CaseId::new(case.clone());
        let intake = t
            .app
            .case_intake(&theo_actor, &case_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            intake.response.info.status,
            domain::intake::Status::Submitted
        );
        let family = t.app.case_family(&theo_actor, &case_id).await.unwrap();
        let names: Vec<&str> = family.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Mara", MOTHER, "David", "Tom"]);
        assert_eq!(family[3].shared_parent.as_deref(), Some("p2"));
        assert!(family[3].lives_with_patient);

        // At rest nothing of it is readable; every read and write is in the audit log.
        let dump = store::testing::raw_dump(&t.db).await;
        for needle in [BRINGS_ME, "wake at four", HISTORY, MOTHER, "half_sibling"] {
            assert!(!dump.contains(needle), "{needle:?} found at rest");
        }
        let actions = audit_actions(&t, &case).await;
        for action in ["responses.read", "responses.write", "responses.submit"] {
            assert!(
                actions.iter().any(|a| a == action),
                "{action} in {actions:?}"
            );
        }
        assert!(actions.iter().filter(|a| *a == "responses.write").count() >= 4);
    }
);

on_both!(
    nobody_outside_the_case_learns_of_its_responses,
    practice,
    |t| {
        let (_, theo, mara) = patient_of_theo(&t, "Mara", PATIENT).await;
        let path = mara.questionnaire_link("Getting to know you").await;
        let id = path
            .trim_start_matches("/portal/questionnaires/")
            .to_string();
        mara.post_with_token(
            &path,
            &[
                ("section", "0"),
                ("action", "save"),
                ("q.what_brings_you", BRINGS_ME),
            ],
        )
        .await;

        let otto = {
            t.invite_patient(&theo, "Otto", OTHER_PATIENT).await;
            t.patient_signed_in(OTHER_PATIENT).await
        };
        let tara = t.signed_in(OTHER_THERAPIST).await;
        let owner = t.signed_in(OWNER_EMAIL).await;
        assert_eq!(otto.get(&path).await.status(), StatusCode::NOT_FOUND);
        let (_, otto_home) = otto.text("/portal").await;
        let r = otto
            .post_with_token(
                &path,
                &[
                    ("section", "0"),
                    ("action", "save"),
                    ("q.what_brings_you", "mine now"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(!otto_home.contains(&id));
        for (who, b) in [("another therapist", &tara), ("the owner", &owner)] {
            let r = b.get(&format!("/admin/responses/{id}")).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{who}");
        }
        // The case's own therapist reads but never writes the patient's answers.
        assert_eq!(
            theo.get(&format!("/admin/responses/{id}")).await.status(),
            StatusCode::OK
        );
        let r = theo
            .post_with_token(
                &path,
                &[
                    ("section", "0"),
                    ("action", "save"),
                    ("q.what_brings_you", "x"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let (_, page) = mara.text(&path).await;
        assert!(
            page.contains(&escaped(BRINGS_ME)),
            "nothing was overwritten"
        );
        let tara_actor = actor(&t, OTHER_THERAPIST).await;
        let case = store::intake::case_of(
            &mut t.db.conn().await.unwrap(),
            &domain::intake::ResponseId::new(id.clone()),
        )
        .await
        .unwrap()
        .unwrap();
        assert!(matches!(
            t.app.case_intake(&tara_actor, &case).await,
            Err(app::AppError::NotFound)
        ));
    }
);

/// The PHQ-9 answers `values`, one per item, as posted fields.
fn items(measure: &str, values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("q.{measure}.{}", i + 1), v.to_string()))
        .collect()
}

async fn post_items(
    b: &Browser,
    path: &str,
    action: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = vec![("section", "0"), ("action", action)];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    b.post_with_token(path, &all).await
}

on_both!(the_measures_score_by_their_cut_offs, practice, |t| {
    let (case, theo, mara) = patient_of_theo(&t, "Mara", PATIENT).await;
    let phq = mara
        .questionnaire_link("Patient Health Questionnaire-9 (PHQ-9)")
        .await;
    let (_, page) = mara.text(&phq).await;
    assert!(page.contains(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ));
    assert!(page.contains(
        "9. Thoughts that you would be better off dead or of hurting yourself in some way"
    ));
    assert!(page.contains("No permission required to reproduce, translate, display or distribute."));

    let mut answers = items("phq9", &["2", "2", "1", "1", "", "1", "1", "1", "0"]);
    answers.push(("q.phq9.difficulty".into(), "1".into()));
    // Complete, total 10: the first point of "Moderate".
    answers[4].1 = "1".into();
    let r = post_items(&mara, &phq, "submit", &answers).await;
    assert_eq!(location(&r), format!("{phq}?sent=1"));
    let (_, sent) = mara.text(&phq).await;
    assert!(
        !sent.contains("total 10"),
        "the patient is not shown a score"
    );

    // The GAD-7 at 15: "Severe" starts there.
    let gad = mara
        .questionnaire_link("Generalized Anxiety Disorder 7-item scale (GAD-7)")
        .await;
    let r = post_items(
        &mara,
        &gad,
        "submit",
        &items("gad7", &["3", "3", "3", "3", "3", "0", "0"]),
    )
    .await;
    assert_eq!(location(&r), format!("{gad}?sent=1"));

    let id = phq.trim_start_matches("/portal/questionnaires/");
    let (_, read) = theo.text(&format!("/admin/responses/{id}")).await;
    assert!(
        read.contains("Patient Health Questionnaire-9 (PHQ-9): total 10 of 27, Moderate"),
        "{read}"
    );
    let gid = gad.trim_start_matches("/portal/questionnaires/");
    let (_, read) = theo.text(&format!("/admin/responses/{gid}")).await;
    assert!(read.contains("total 15 of 21, Severe"), "{read}");

    let results = t
        .app
        .case_measures(
            &actor(&t, THERAPIST_EMAIL).await,
            &domain::ids::CaseId::new(case),
        )
        .await
        .unwrap();
    let summary: Vec<(&str, u8, domain::measures::Severity, bool)> = results
        .iter()
        .map(|m| (m.measure.id, m.total, m.severity, m.needs_attention))
        .collect();
    use domain::measures::Severity::*;
    assert_eq!(
        summary,
        [("phq9", 10, Moderate, false), ("gad7", 15, Severe, false)]
    );
    assert!(
        t.mails()
            .await
            .iter()
            .all(|m| !m.subject.contains("attention")),
        "no risk here"
    );
});

on_both!(
    a_risk_answer_shows_crisis_contacts_marks_the_case_and_mails_once_without_content,
    practice,
    |t| {
        let (case, theo, mara) = patient_of_theo(&t, "Mara", PATIENT).await;
        let phq = mara
            .questionnaire_link("Patient Health Questionnaire-9 (PHQ-9)")
            .await;
        let answers = items("phq9", &["0", "1", "0", "0", "0", "0", "0", "0", "1"]);
        let r = post_items(&mara, &phq, "submit", &answers).await;
        assert_eq!(location(&r), format!("{phq}?sent=1"));
        let (_, sent) = mara.text(&format!("{phq}?sent=1")).await;
        assert!(risk_shown(&sent));
        let notice = sent.split("id=\"risk-notice\"").nth(1).unwrap();
        let notice = &notice[..notice.find("</section>").unwrap()];
        // Mara's zone is London's: Britain's services come first, then the line for anywhere.
        let samaritans = notice.find("Samaritans").expect("Britain's services");
        let anywhere = notice
            .find("call your local emergency number")
            .expect("the line for anywhere");
        assert!(samaritans < anywhere, "{notice}");
        assert_eq!(
            post_items(&mara, &phq, "submit", &answers).await.status(),
            StatusCode::SEE_OTHER,
            "sending twice answers the sent page"
        );

        // The therapist sees it on the case and in the list of patients.
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(page.contains("A response needs your attention."));
        let (_, list) = theo.text("/admin/patients").await;
        assert!(list.contains("Needs your attention"));

        // One mail, within the job runner's next round, that says nothing but "look".
        t.run_jobs().await;
        t.run_jobs().await;
        let alerts: Vec<_> = t
            .mails()
            .await
            .into_iter()
            .filter(|m| m.subject.contains("needs your attention"))
            .collect();
        assert_eq!(alerts.len(), 1);
        let mail = &alerts[0];
        assert_eq!(mail.to, THERAPIST_EMAIL);
        assert!(mail.body.contains(&format!("/admin/cases/{case}")));
        let all = format!("{}\n{}", mail.subject, mail.body).to_lowercase();
        for word in [
            "phq",
            "patient health",
            "gad",
            "better off dead",
            "several days",
            "points",
            "mild",
            "moderate",
            "severe",
            "mara",
        ] {
            assert!(!all.contains(word), "the alert says {word:?}: {all}");
        }

        // An intake draft with a risk answer: the script's save shows the contacts and marks
        // the case again; saving it again does not mail again.
        let intake = mara.questionnaire_link("Getting to know you").await;
        let (_, page) = mara.text(&format!("{intake}?section=1")).await;
        assert!(page.contains(
            "Have you had thoughts of harming yourself or of ending your life recently?"
        ));
        for _ in 0..2 {
            let r = mara
                .post_with_token(
                    &format!("{intake}/autosave"),
                    &[
                        ("section", "1"),
                        ("action", "autosave"),
                        ("q.thoughts_of_harm", "sometimes"),
                    ],
                )
                .await;
            let saved: serde_json::Value = r.json().await.unwrap();
            assert_eq!(saved["risk"], true);
        }
        let r = mara
            .post_with_token(
                &intake,
                &[
                    ("section", "1"),
                    ("action", "save"),
                    ("q.thoughts_of_harm", "often"),
                ],
            )
            .await;
        let (_, page) = mara.text(&location(&r)).await;
        assert!(risk_shown(&page), "shown without script too");
        t.run_jobs().await;
        let count = |mails: Vec<domain::outbox::Mail>| {
            mails
                .iter()
                .filter(|m| m.subject.contains("needs your attention"))
                .count()
        };
        assert_eq!(count(t.mails().await), 2, "one mail per response");

        // "I have seen it" clears the mark.
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        let csrf = field_value(&page, "csrf").unwrap();
        let r = theo
            .post_form(
                &format!("/admin/cases/{case}/attention"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(location(&r), format!("/admin/cases/{case}#questionnaires"));
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(!page.contains("A response needs your attention."));
        assert!(!theo
            .text("/admin/patients")
            .await
            .1
            .contains("Needs your attention"));
        assert!(audit_actions(&t, &case)
            .await
            .iter()
            .any(|a| a == "attention.seen"));
        let jobs = store::jobs::recent(&mut t.db.conn().await.unwrap(), 50)
            .await
            .unwrap();
        assert_eq!(jobs.iter().filter(|j| j.kind == "risk_alert").count(), 2);
    }
);

on_both!(
    a_copy_is_edited_into_a_new_version_and_old_answers_keep_theirs,
    practice,
    |t| {
        let (case, theo, mara) = patient_of_theo(&t, "Mara", PATIENT).await;
        let first = mara.questionnaire_link("Getting to know you").await;
        mara.post_with_token(
            &first,
            &[
                ("section", "0"),
                ("action", "save"),
                ("q.what_brings_you", BRINGS_ME),
            ],
        )
        .await;
        mara.post_with_token(&first, &[("section", "9"), ("action", "submit")])
            .await;

        // Theo makes their own copy and renames it; the built-in stays as it was.
        let (_, list) = theo.text("/admin/questionnaires").await;
        assert!(list.contains("Make my own copy") && list.contains("Published measure"));
        let csrf = field_value(&list, "csrf").unwrap();
        let r = theo
            .post_form(
                "/admin/questionnaires/builtin-intake-1/copy",
                &[("csrf", &csrf)],
            )
            .await;
        let copy = location(&r);
        assert!(
            copy.starts_with("/admin/questionnaires/") && !copy.contains("builtin"),
            "{copy}"
        );
        let (_, editor) = theo.text(&copy).await;
        assert!(
            editor.contains("Your copy, version 1") && editor.contains("name=\"q.doctor.remove\"")
        );
        assert!(
            !editor.contains("name=\"q.thoughts_of_harm.remove\""),
            "the risk question stays"
        );
        let r = theo
            .post_form(&copy, &[("csrf", &csrf), ("title", "")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"title-error\""));
        let r = theo
            .post_form(
                &copy,
                &[
                    ("csrf", &csrf),
                    ("title", "Before we meet"),
                    ("q.doctor.remove", "on"),
                    (
                        "s.hopes.new_label",
                        "What would make the first session good for you?",
                    ),
                ],
            )
            .await;
        let second = location(&r);
        assert!(
            second.ends_with("?saved=1") && !second.starts_with(&copy),
            "a new version: {second}"
        );
        assert!(theo.text(&second).await.1.contains("Your copy, version 2"));
        let copy_id = copy.trim_start_matches("/admin/questionnaires/");
        let tara = t.signed_in(OTHER_THERAPIST).await;
        assert_eq!(
            tara.get(&copy).await.status(),
            StatusCode::NOT_FOUND,
            "a copy is its therapist's"
        );
        let (_, builtin) = theo.text("/admin/questionnaires/builtin-intake-1").await;
        assert!(builtin.contains("Getting to know you") && !builtin.contains("Before we meet"));

        // Sent again, the intake is the new version; a new patient gets it from the start.
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        let csrf = field_value(&page, "csrf").unwrap();
        let r = theo
            .post_form(
                &format!("/admin/cases/{case}/questionnaires"),
                &[("csrf", &csrf), ("questionnaire", "intake")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let second_intake = mara.questionnaire_link("Before we meet").await;
        assert_ne!(second_intake, first);
        let (_, page) = mara.text(&format!("{second_intake}?section=2")).await;
        assert!(!page.contains("q.doctor"), "the removed question is gone");
        let (_, page) = mara.text(&format!("{second_intake}?section=8")).await;
        assert!(page.contains("What would make the first session good for you?"));
        let added = page
            .split("name=\"q.q")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let field = format!("q.q{added}");
        mara.post_with_token(
            &second_intake,
            &[
                ("section", "8"),
                ("action", "save"),
                (&field, "Being listened to"),
            ],
        )
        .await;
        mara.post_with_token(&second_intake, &[("section", "9"), ("action", "submit")])
            .await;

        let old = first.trim_start_matches("/portal/questionnaires/");
        let new = second_intake.trim_start_matches("/portal/questionnaires/");
        let (_, read_old) = theo.text(&format!("/admin/responses/{old}")).await;
        assert!(
            read_old.contains("Getting to know you, version 1")
                && read_old.contains("Who is your family doctor")
        );
        let (_, read_new) = theo.text(&format!("/admin/responses/{new}")).await;
        assert!(
            read_new.contains("Before we meet, version 2")
                && read_new.contains("Being listened to")
        );
        assert!(!read_new.contains("Who is your family doctor"));
        assert!(!copy_id.is_empty());

        t.invite_patient(&theo, "Otto", OTHER_PATIENT).await;
        let otto = t.patient_signed_in(OTHER_PATIENT).await;
        let (_, home) = otto.text("/portal").await;
        assert!(home.contains("Before we meet") && !home.contains("Getting to know you"));
        let intake = t
            .app
            .case_intake(
                &actor(&t, THERAPIST_EMAIL).await,
                &domain::ids::CaseId::new(case),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(intake.questionnaire.version, 2, "the newest sent intake");
    }
);

on_both!(
    a_partial_phq9_is_sent_read_as_incomplete_and_item_nine_still_raises_the_risk,
    practice,
    |t| {
        let (_case, theo, mara) = patient_of_theo(&t, "Mara", PATIENT).await;
        let phq = mara
            .questionnaire_link("Patient Health Questionnaire-9 (PHQ-9)")
            .await;
        let answers = items("phq9", &["1", "", "2", "", "", "", "", "", "2"]);
        let r = post_items(&mara, &phq, "submit", &answers).await;
        assert_eq!(
            location(&r),
            format!("{phq}?sent=1"),
            "a partial measure is sent, not refused"
        );
        let (_, sent) = mara.text(&format!("{phq}?sent=1")).await;
        assert!(
            risk_shown(&sent),
            "item 9 above 0 shows the crisis contacts"
        );
        assert!(
            !sent.contains("Needs your attention"),
            "the therapist's mark is not shown to the patient"
        );
        let id = phq.trim_start_matches("/portal/questionnaires/");
        let (_, read) = theo.text(&format!("/admin/responses/{id}")).await;
        assert!(
            read.contains("Patient Health Questionnaire-9 (PHQ-9): incomplete, 3 of 9 items answered, so no total"),
            "{read}"
        );
        assert!(!read.contains("total 5"), "no partial sum shown as a total");
        assert!(
            read.contains("Needs your attention"),
            "the therapist sees the mark"
        );
        t.run_jobs().await;
        assert_eq!(
            t.mails()
                .await
                .iter()
                .filter(|m| m.subject.contains("needs your attention"))
                .count(),
            1,
            "the therapist is told once"
        );
    }
);

/// The text of the risk notice on a questionnaire's page.
fn risk_notice(html: &str) -> String {
    let notice = html.split("id=\"risk-notice\"").nth(1).unwrap();
    notice[..notice.find("</section>").unwrap()].to_string()
}

on_both!(
    crisis_contacts_follow_the_country_the_patient_is_in,
    practice,
    |t| {
        // The demo practice keeps Germany's, Britain's and the United States' services.
        let (_, _theo, mara) = patient_of_theo(&t, "Mara", PATIENT).await;
        fn profile<'a>(zone: &'a str, country: &'a str) -> Vec<(&'a str, &'a str)> {
            vec![
                ("name", "Mara"),
                ("email", PATIENT),
                ("time_zone", zone),
                ("language", "en"),
                ("country", country),
            ]
        }
        let csrf = mara.csrf_from("/portal/profile").await;
        let mut fields = profile("America/New_York", "");
        fields.push(("csrf", &csrf));
        assert_eq!(
            mara.post_form("/portal/profile", &fields).await.status(),
            StatusCode::SEE_OTHER
        );

        // A patient in New York who answers item 9 above 0 sees 988 first, not 112 and the
        // German TelefonSeelsorge; the other countries wait behind a disclosure.
        let phq = mara
            .questionnaire_link("Patient Health Questionnaire-9 (PHQ-9)")
            .await;
        let answers = items("phq9", &["0", "0", "0", "0", "0", "0", "0", "0", "2"]);
        post_items(&mara, &phq, "save", &answers).await;
        let (_, page) = mara.text(&phq).await;
        assert!(risk_shown(&page));
        let notice = risk_notice(&page);
        let us = notice
            .find("United States:")
            .expect("the patient's country");
        let anywhere = notice.find("call your local emergency number").unwrap();
        let others = notice
            .find("<details")
            .expect("the rest behind a disclosure");
        let de = notice.find("TelefonSeelsorge").unwrap();
        assert!(
            us < anywhere && anywhere < others && others < de,
            "{notice}"
        );
        assert!(notice[us..anywhere].contains("988"), "{notice}");
        // The footer of every page they read, and their messages, say the same.
        let (_, portal) = mara.text("/portal").await;
        let footer = &portal[portal.find("class=\"crisis\"").unwrap()..];
        assert!(
            footer.find("988").unwrap() < footer.find("TelefonSeelsorge").unwrap(),
            "{footer}"
        );

        // Told where they are, the zone's guess gives way: in Germany (on New York's clock).
        let mut fields = profile("America/New_York", "DE");
        fields.push(("csrf", &csrf));
        mara.post_form("/portal/profile", &fields).await;
        let (_, page) = mara.text(&phq).await;
        let notice = risk_notice(&page);
        assert!(
            notice.find("Germany:").unwrap()
                < notice.find("call your local emergency number").unwrap(),
            "{notice}"
        );
        let (_, form) = mara.text("/portal/profile").await;
        assert!(form.contains("<option value=\"DE\" selected>Germany</option>"));

        // A country that is not one is refused next to the field, with what was typed kept.
        let long = "D".repeat(5_000);
        for hostile in ["XX", "<script>alert(1)</script>", long.as_str()] {
            let mut fields = profile("Europe/Paris", hostile);
            fields.push(("csrf", &csrf));
            let r = mara.post_form("/portal/profile", &fields).await;
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{hostile:.20}"
            );
            let html = r.text().await.unwrap();
            assert!(html.contains("id=\"country-error\""), "{hostile:.20}");
            assert!(html.contains("Please choose a country from the list."));
            assert!(field_value(&html, "time_zone").as_deref() == Some("Europe/Paris"));
            assert!(!html.contains("<script>alert(1)"));
        }

        // A visitor's country is not known: every country is listed openly, the practice's own
        // (Berlin's) first, then the line for anywhere.
        let (_, home) = t.browser().text("/").await;
        let footer = &home[home.find("class=\"crisis\"").unwrap()..];
        let de = footer.find("Germany:").unwrap();
        let gb = footer.find("Britain (UK):").unwrap();
        let us = footer.find("United States:").unwrap();
        let anywhere = footer.find("call your local emergency number").unwrap();
        assert!(de < gb && gb < us && us < anywhere, "{footer}");
        assert!(!footer[..anywhere].contains("<details"));
    }
);
