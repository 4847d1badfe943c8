//! Measures over time: a schedule sends the PHQ-9 again every few weeks or sessions through the
//! job table (once per due date or count of ended sessions, never for a stopped schedule, a
//! cancelled session or a closed case) and mails the patient without naming it; the chart and its table on the case page, and in the portal only when the
//! therapist shares it; refusals next to the field with the input kept; nobody else sees a thing.

mod common;

use common::{location, Browser, TestApp, THERAPIST_EMAIL};
use domain::ids::CaseId;
use domain::intake::Status;
use jiff::SignedDuration;
use reqwest::StatusCode;

const PATIENT: &str = "mara@example.org";
const OTHER_PATIENT: &str = "otto@example.org";
const OTHER_THERAPIST: &str = "tara@example.org";
const TWO_WEEKS: SignedDuration = SignedDuration::from_hours(14 * 24 + 1);

async fn practice(backend: store::Backend) -> Option<TestApp> {
    let t = TestApp::with_practice(backend).await?;
    t.add_colleague(OTHER_THERAPIST, "Tara Other").await;
    Some(t)
}

async fn patient_of_theo(t: &TestApp) -> (String, Browser, Browser) {
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let case = t.invite_patient(&theo, "Mara", PATIENT).await;
    let mara = mara_again(t).await;
    (case, theo, mara)
}

/// Mara signs in again (her session ends while the test's clock jumps weeks ahead).
async fn mara_again(t: &TestApp) -> Browser {
    let b = t.browser();
    let csrf = b.csrf_from("/signin").await;
    b.post_form("/signin", &[("csrf", &csrf), ("email", PATIENT)])
        .await;
    t.patient_signed_in(PATIENT).await
}

async fn post(b: &Browser, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let csrf = b.cookie("__Host-hs_csrf").expect("a csrf cookie");
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    b.post_form(path, &all).await
}

/// The case's PHQ-9 responses: (sent, open).
async fn phq9(t: &TestApp, case: &str) -> (usize, Vec<String>) {
    let list = store::intake::of_case(&mut t.db.conn().await.unwrap(), &CaseId::new(case))
        .await
        .unwrap();
    let mine: Vec<_> = list.iter().filter(|r| r.key == "phq9").collect();
    let sent = mine
        .iter()
        .filter(|r| r.status == Status::Submitted)
        .count();
    let open = mine
        .iter()
        .filter(|r| r.status == Status::Draft)
        .map(|r| r.id.to_string())
        .collect();
    (sent, open)
}

/// The patient sends the open PHQ-9 with every item answered `value` (total 9 × value).
async fn send_phq9(t: &TestApp, mara: &Browser, case: &str, value: &str) {
    mara.text("/portal").await; // the first-session questionnaires appear with the portal
    let (_, open) = phq9(t, case).await;
    let path = format!("/portal/questionnaires/{}", open[0]);
    let names: Vec<String> = (1..=9).map(|i| format!("q.phq9.{i}")).collect();
    let mut fields = vec![("section", "0"), ("action", "submit")];
    fields.extend(names.iter().map(|n| (n.as_str(), value)));
    let r = post(mara, &path, &fields).await;
    assert_eq!(location(&r), format!("{path}?sent=1"));
}

async fn waiting_mails(t: &TestApp) -> Vec<domain::outbox::Mail> {
    t.mails()
        .await
        .into_iter()
        .filter(|m| m.to == PATIENT && m.subject.contains("a short questionnaire is waiting"))
        .collect()
}

async fn schedule(theo: &Browser, case: &str, weeks: &str, share: bool) -> reqwest::Response {
    schedule_by(theo, case, weeks, "weeks", share).await
}

async fn schedule_by(
    theo: &Browser,
    case: &str,
    every: &str,
    unit: &str,
    share: bool,
) -> reqwest::Response {
    let mut fields = vec![("every_weeks_phq9", every), ("unit_phq9", unit)];
    if share {
        fields.push(("share_phq9", "on"));
    }
    post(theo, &format!("/admin/cases/{case}/measures/phq9"), &fields).await
}

async fn run_all(t: &TestApp) {
    while t.run_jobs().await > 0 {}
}

on_both!(
    a_schedule_sends_the_measure_once_per_due_date_until_stopped,
    practice,
    |t| {
        let (case, theo, mara) = patient_of_theo(&t).await;
        send_phq9(&t, &mara, &case, "1").await;
        let r = schedule(&theo, &case, "2", false).await;
        assert_eq!(location(&r), format!("/admin/cases/{case}#measures"));
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(page.contains("Every 2 weeks; the next on"), "{page}");

        // Not yet due: nothing.
        run_all(&t).await;
        assert_eq!(phq9(&t, &case).await, (1, vec![]));

        t.clock.advance(TWO_WEEKS);
        run_all(&t).await;
        let (sent, open) = phq9(&t, &case).await;
        assert_eq!((sent, open.len()), (1, 1), "a new PHQ-9 is open");
        let mara = mara_again(&t).await;
        let (_, home) = mara.text("/portal").await;
        assert!(home.contains(&format!("/portal/questionnaires/{}", open[0])));
        let mails = waiting_mails(&t).await;
        assert_eq!(mails.len(), 1);
        let all = format!("{}\n{}", mails[0].subject, mails[0].body).to_lowercase();
        assert!(all.contains("/portal"));
        for word in ["phq", "patient health", "depress", "gad", "score"] {
            assert!(!all.contains(word), "{word} in {all}");
        }
        assert!(
            store::audit::recent(&mut t.db.conn().await.unwrap(), Some(&case), 500)
                .await
                .unwrap()
                .iter()
                .any(|e| e.event.action == "questionnaire.send" && e.event.actor_id == "system")
        );

        // Running again sends nothing more.
        run_all(&t).await;
        assert_eq!(phq9(&t, &case).await.1.len(), 1);
        assert_eq!(waiting_mails(&t).await.len(), 1);

        // Two weeks later, the next one.
        send_phq9(&t, &mara, &case, "2").await;
        t.clock.advance(TWO_WEEKS);
        run_all(&t).await;
        let (sent, open) = phq9(&t, &case).await;
        assert_eq!((sent, open.len()), (2, 1));
        assert_eq!(waiting_mails(&t).await.len(), 2);

        // Stopped: nothing more, however long.
        let mara = mara_again(&t).await;
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        send_phq9(&t, &mara, &case, "0").await;
        let r = post(
            &theo,
            &format!("/admin/cases/{case}/measures/phq9/stop"),
            &[],
        )
        .await;
        assert_eq!(location(&r), format!("/admin/cases/{case}#measures"));
        t.clock.advance(TWO_WEEKS);
        run_all(&t).await;
        t.clock.advance(TWO_WEEKS);
        run_all(&t).await;
        assert_eq!(phq9(&t, &case).await, (3, vec![]));
        assert_eq!(waiting_mails(&t).await.len(), 2);
    }
);

on_both!(a_closed_case_is_sent_nothing, practice, |t| {
    let (case, theo, mara) = patient_of_theo(&t).await;
    send_phq9(&t, &mara, &case, "1").await;
    schedule(&theo, &case, "1", false).await;
    let now = app::clock::Clock::now(t.clock.as_ref());
    store::cases::set_stage(
        &mut t.db.conn().await.unwrap(),
        &CaseId::new(&case),
        domain::case::Stage::Closed,
        now,
    )
    .await
    .unwrap();
    t.clock.advance(TWO_WEEKS);
    run_all(&t).await;
    assert_eq!(phq9(&t, &case).await, (1, vec![]));
    assert!(waiting_mails(&t).await.is_empty());
});

on_both!(a_bad_interval_is_refused_next_to_the_field, practice, |t| {
    let (case, theo, _) = patient_of_theo(&t).await;
    for bad in ["", "0", "27", "abc", "99999999999999999999"] {
        let r = schedule(&theo, &case, bad, true).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("id=\"every_weeks_phq9-error\""),
            "{bad}: {page}"
        );
        assert!(
            page.contains(&format!(
                "name=\"every_weeks_phq9\" type=\"text\" value=\"{bad}\""
            )),
            "{bad}: the input is kept"
        );
        assert!(page.contains("id=\"share_phq9\" name=\"share_phq9\" type=\"checkbox\" checked"));
    }
    let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
    assert!(page.contains("Not scheduled."));
});

on_both!(
    the_chart_is_the_therapists_and_the_patients_only_when_shared,
    practice,
    |t| {
        let (case, _theo, mara) = patient_of_theo(&t).await;
        send_phq9(&t, &mara, &case, "1").await;
        t.clock.advance(SignedDuration::from_hours(24));
        let (theo, mara) = (t.signed_in(THERAPIST_EMAIL).await, mara_again(&t).await);
        // A second PHQ-9, sent by the therapist, answered with a higher total.
        let r = post(
            &theo,
            &format!("/admin/cases/{case}/questionnaires"),
            &[("questionnaire", "phq9")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        send_phq9(&t, &mara, &case, "2").await;

        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        let section = page.split("id=\"measures\"").nth(1).expect("the section");
        assert!(section.contains("<svg") && section.contains("PHQ-9) over time"));
        assert!(section.contains("<td>9</td><td>Mild</td>"), "{section}");
        assert!(section.contains("<td>18</td><td>Moderately severe</td>"));

        // Not shared: the patient sees no score.
        let (status, portal) = mara.text("/portal/measures").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!portal.contains("<svg") && !portal.contains("<td>18</td>"));
        assert!(portal.contains("has not shared any scores"));

        schedule(&theo, &case, "4", true).await;
        let (_, portal) = mara.text("/portal/measures").await;
        assert!(
            portal.contains("<svg") && portal.contains("<td>18</td><td>Moderately severe</td>")
        );
        assert!(!portal.contains("GAD-7"), "only the shared measure");

        // Nobody else: another patient sees nothing, another therapist not even the case.
        theo.text("/admin/patients").await;
        t.invite_patient(&theo, "Otto", OTHER_PATIENT).await;
        let otto = t.patient_signed_in(OTHER_PATIENT).await;
        let (_, theirs) = otto.text("/portal/measures").await;
        assert!(!theirs.contains("<svg") && !theirs.contains("<td>18</td>"));
        let tara = t.signed_in(OTHER_THERAPIST).await;
        assert_eq!(
            tara.get(&format!("/admin/cases/{case}")).await.status(),
            StatusCode::NOT_FOUND
        );
        for path in [
            format!("/admin/cases/{case}/measures/phq9"),
            format!("/admin/cases/{case}/measures/phq9/stop"),
        ] {
            let r = post(&tara, &path, &[("every_weeks_phq9", "1")]).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        }
        assert_eq!(
            store::intake::schedules::get(
                &mut t.db.conn().await.unwrap(),
                &CaseId::new(&case),
                "phq9"
            )
            .await
            .unwrap()
            .map(|s| s.every),
            Some(4)
        );
    }
);

/// The therapist adds a session for the case in their calendar (local date and time).
async fn add_session(theo: &Browser, case: &str, date: &str) {
    let r = post(
        theo,
        "/admin/calendar/appointments",
        &[
            ("case", case),
            ("kind", "session"),
            ("date", date),
            ("time", "10:00"),
            ("clash", "on"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{date}");
}

/// The case's appointments as (id, end), in order.
async fn sessions(t: &TestApp, case: &str) -> Vec<(String, jiff::Timestamp)> {
    let id = CaseId::new(case);
    let theirs = store::cases::get(
        &mut t.db.conn().await.unwrap(),
        &id,
        &domain::ids::UserId::new(""),
    )
    .await
    .unwrap()
    .expect("the case");
    let now = app::clock::Clock::now(t.clock.as_ref());
    let until = now + SignedDuration::from_hours(24 * 60);
    store::booking::calendar(
        &mut t.db.conn().await.unwrap(),
        &theirs.therapist.id,
        now,
        until,
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|a| a.case.as_ref() == Some(&id))
    .map(|a| (a.id, a.end))
    .collect()
}

/// Moves the clock to a minute after `at`.
fn just_after(t: &TestApp, at: jiff::Timestamp) {
    let now = app::clock::Clock::now(t.clock.as_ref());
    t.clock
        .advance(at.duration_since(now) + SignedDuration::from_mins(1));
}

on_both!(
    a_schedule_by_sessions_sends_when_enough_have_ended,
    practice,
    |t| {
        let (case, theo, mara) = patient_of_theo(&t).await;
        send_phq9(&t, &mara, &case, "1").await;
        let r = schedule_by(&theo, &case, "2", "sessions", false).await;
        assert_eq!(location(&r), format!("/admin/cases/{case}#measures"));
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(page.contains("Every 2 sessions, counted since"), "{page}");
        assert!(page.contains("value=\"sessions\" checked"), "{page}");
        for date in ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"] {
            add_session(&theo, &case, date).await;
        }
        let ends: Vec<_> = sessions(&t, &case).await;
        assert_eq!(ends.len(), 4);

        // One session ended: nothing.
        just_after(&t, ends[0].1);
        run_all(&t).await;
        assert_eq!(phq9(&t, &case).await, (1, vec![]));
        assert!(waiting_mails(&t).await.is_empty());

        // Two ended: the PHQ-9 is open for the patient, and one mail without its name.
        just_after(&t, ends[1].1);
        run_all(&t).await;
        let (sent, open) = phq9(&t, &case).await;
        assert_eq!((sent, open.len()), (1, 1), "a new PHQ-9 is open");
        let mara = mara_again(&t).await;
        let (_, home) = mara.text("/portal").await;
        assert!(home.contains(&format!("/portal/questionnaires/{}", open[0])));
        let mails = waiting_mails(&t).await;
        assert_eq!(mails.len(), 1);
        let all = format!("{}\n{}", mails[0].subject, mails[0].body).to_lowercase();
        for word in ["phq", "patient health", "depress", "score"] {
            assert!(!all.contains(word), "{word} in {all}");
        }
        run_all(&t).await;
        assert_eq!(waiting_mails(&t).await.len(), 1, "sent once");

        // The fourth is cancelled before it happens: the third alone sends nothing.
        send_phq9(&t, &mara, &case, "2").await;
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let r = post(&theo, &format!("/admin/calendar/{}/cancel", ends[3].0), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        just_after(&t, ends[3].1);
        run_all(&t).await;
        t.clock.advance(TWO_WEEKS);
        run_all(&t).await;
        assert_eq!(phq9(&t, &case).await, (2, vec![]));
        assert_eq!(waiting_mails(&t).await.len(), 1);
    }
);

on_both!(a_bad_unit_is_refused_next_to_the_field, practice, |t| {
    let (case, theo, _) = patient_of_theo(&t).await;
    for bad in ["", "days", "weeks;sessions"] {
        let r = schedule_by(&theo, &case, "3", bad, false).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"unit_phq9-error\""), "{bad}: {page}");
        assert!(
            page.contains("name=\"every_weeks_phq9\" type=\"text\" value=\"3\""),
            "{bad}: the input is kept"
        );
    }
    // A bad interval by sessions keeps the sessions chosen.
    let r = schedule_by(&theo, &case, "27", "sessions", false).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"every_weeks_phq9-error\""));
    assert!(!page.contains("id=\"unit_phq9-error\""));
    assert!(page.contains(
        "id=\"unit_phq9-sessions\" name=\"unit_phq9\" type=\"radio\" value=\"sessions\" checked"
    ));
    assert!(store::intake::schedules::get(
        &mut t.db.conn().await.unwrap(),
        &CaseId::new(&case),
        "phq9"
    )
    .await
    .unwrap()
    .is_none());
});
