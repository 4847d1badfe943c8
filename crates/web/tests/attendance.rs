//! Attendance: the case's therapist records attended or no-show once a session begins and decides
//! whether a late cancellation or a no-show is charged (their default preselected); cancellations
//! record themselves; the day lists what is not recorded; billing reads the billable sessions.

mod common;

use common::*;
use domain::attendance::{Attendance, Charge};
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

/// Robin, Theo's patient, with a session on Monday at 10:00 New York time.
async fn robin_on_monday(t: &TestApp) -> (String, String) {
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let case = t
        .invite_patient(&theo, "Robin Field", "robin@example.org")
        .await;
    let id = session_on_monday(&theo, &case, "10:00").await;
    (case, id)
}

async fn record_of(t: &TestApp, id: &str) -> store::attendance::Record {
    store::attendance::get(&mut t.db.conn().await.unwrap(), id)
        .await
        .unwrap()
        .unwrap()
}

async fn billable(t: &TestApp, case: &str) -> Vec<store::attendance::BillableSession> {
    store::attendance::billable_of_case(
        &mut t.db.conn().await.unwrap(),
        &domain::ids::CaseId::new(case.to_string()),
        "2026-11-01T00:00:00Z".parse().unwrap(),
        "2027-01-01T00:00:00Z".parse().unwrap(),
    )
    .await
    .unwrap()
}

async fn count_audit(t: &TestApp, action: &str, subject: &str) -> u32 {
    store::testing::raw_text(
        &t.db,
        &format!("SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = '{action}' AND subject = $1"),
        subject,
    )
    .await
    .parse()
    .unwrap()
}

/// Monday 10:00 in New York: the session has begun (the therapist signs in again).
async fn at_the_session(t: &TestApp) -> Browser {
    t.clock
        .advance(jiff::SignedDuration::from_hours(3 * 24 + 6));
    t.signed_in(THERAPIST_EMAIL).await
}

on_both!(
    attended_is_recorded_then_corrected_to_a_no_show_not_charged,
    practice,
    |t| {
        let (case, id) = robin_on_monday(&t).await;
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let page = format!("/admin/calendar/{id}");
        let post = format!("{page}/attendance");

        // Before the session: nothing to record, and a forced attempt is refused with a message.
        let (status, html) = theo.text(&page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Attendance can be recorded once the session has begun"));
        assert!(!html.contains("name=\"attendance\""));
        let csrf = field_value(&html, "csrf").unwrap();
        let r = theo
            .post_form(&post, &[("csrf", &csrf), ("attendance", "attended")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("This session has not begun yet"), "{html}");
        assert!(html.contains("href=\"#attendance\"") && html.contains("id=\"attendance\""));
        assert_eq!(record_of(&t, &id).await.attendance, None);

        // The session has begun: the form, the charge preselected from the default, saying so.
        let theo = at_the_session(&t).await;
        let (_, html) = theo.text(&page).await;
        assert!(html.contains("Not recorded yet"));
        assert!(html.contains("name=\"attendance\" value=\"attended\""));
        assert!(html.contains("value=\"charged\" checked"), "{html}");
        assert!(html.contains("Preselected from your default"));
        let csrf = field_value(&html, "csrf").unwrap();
        let r = theo
            .post_form(
                &post,
                &[
                    ("csrf", &csrf),
                    ("attendance", "attended"),
                    ("charge", "charged"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            record_of(&t, &id).await,
            store::attendance::Record {
                attendance: Some(Attendance::Attended),
                charge: None,
                at: Some(t.app.now()),
            },
            "an attended session has no charge decision"
        );
        let (_, html) = theo.text(&page).await;
        assert!(html.contains("<strong>Attended</strong>"), "{html}");
        assert!(html.contains("value=\"attended\" checked"));
        assert_eq!(billable(&t, &case).await.len(), 1);

        // Corrected: a no-show, not charged. Not billable; both writes audited.
        let r = theo
            .post_form(
                &post,
                &[
                    ("csrf", &csrf),
                    ("attendance", "no_show"),
                    ("charge", "not_charged"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let record = record_of(&t, &id).await;
        assert_eq!(record.attendance, Some(Attendance::NoShow));
        assert_eq!(record.charge, Some(Charge::NotCharged));
        assert!(billable(&t, &case).await.is_empty());
        assert_eq!(count_audit(&t, "appointment.attendance", &id).await, 2);
        let (_, html) = theo.text(&page).await;
        assert!(
            html.contains("Did not come (no-show), not charged"),
            "{html}"
        );
        assert!(html.contains("You decided: not charged."));
        let (_, case_page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(
            case_page.contains("Did not come (no-show), not charged")
                && case_page.contains(&format!("href=\"{page}#attendance-heading\"")),
            "{case_page}"
        );

        // A no-show charged after all: billable, the decision recorded.
        theo.post_form(
            &post,
            &[
                ("csrf", &csrf),
                ("attendance", "no_show"),
                ("charge", "charged"),
            ],
        )
        .await;
        let bill = billable(&t, &case).await;
        assert_eq!(bill.len(), 1);
        assert_eq!(bill[0].attendance, Attendance::NoShow);
        assert_eq!(bill[0].charge, Some(Charge::Charged));
    }
);

on_both!(
    hostile_values_for_the_radio_are_refused_next_to_the_field,
    practice,
    |t| {
        let (_, id) = robin_on_monday(&t).await;
        let theo = at_the_session(&t).await;
        let page = format!("/admin/calendar/{id}");
        let post = format!("{page}/attendance");
        let csrf = theo.csrf_from(&page).await;
        let huge = "x".repeat(200_000);
        for (attendance, charge, field, message) in [
            (
                "",
                "",
                "attendance",
                "Please choose whether the patient attended.",
            ),
            (
                "late_cancelled",
                "",
                "attendance",
                "Please choose attended or no-show.",
            ),
            (
                "therapist_cancelled",
                "",
                "attendance",
                "Please choose attended or no-show.",
            ),
            (
                "<script>alert(1)</script>",
                "",
                "attendance",
                "Please choose attended or no-show.",
            ),
            (
                huge.as_str(),
                "",
                "attendance",
                "Please choose attended or no-show.",
            ),
            (
                "no_show",
                "maybe",
                "charge",
                "Please choose charged or not charged.",
            ),
            (
                "no_show",
                "1 OR 1=1",
                "charge",
                "Please choose charged or not charged.",
            ),
        ] {
            let r = theo
                .post_form(
                    &post,
                    &[
                        ("csrf", &csrf),
                        ("attendance", attendance),
                        ("charge", charge),
                    ],
                )
                .await;
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{attendance:.40}"
            );
            let html = r.text().await.unwrap();
            assert!(
                html.contains(&format!("id=\"{field}-error\"")) && html.contains(message),
                "{attendance:.40} {charge}"
            );
            assert!(
                !html.contains("<script>alert(1)"),
                "nothing hostile echoed raw"
            );
        }
        assert_eq!(
            record_of(&t, &id).await.attendance,
            None,
            "nothing recorded"
        );
        assert_eq!(count_audit(&t, "appointment.attendance", &id).await, 0);
    }
);

on_both!(
    a_late_cancellation_through_the_link_waits_on_the_day_for_the_charge_decision,
    practice,
    |t| {
        let (case, id) = robin_on_monday(&t).await;
        t.run_jobs().await;
        let mail = t
            .mails()
            .await
            .into_iter()
            .find(|m| m.to == "robin@example.org" && m.body.contains("/booking/"))
            .expect("the confirmation with its manage link");
        let at = mail.body.find("/booking/").unwrap();
        let manage = mail.body[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();

        // Sunday 21:00 UTC: 18 hours before, inside the 48 hours' notice.
        t.clock.advance(jiff::SignedDuration::from_hours(60));
        let robin = t.browser();
        let csrf = robin.csrf_from(&manage).await;
        let r = robin
            .post_form(&format!("{manage}/cancel"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let record = record_of(&t, &id).await;
        assert_eq!(record.attendance, Some(Attendance::LateCancelled));
        assert_eq!(record.charge, None, "waits for the therapist");
        let bill = billable(&t, &case).await;
        assert_eq!(bill.len(), 1, "the default (charged) stands until decided");
        assert_eq!(bill[0].charge, None);

        // It waits on the therapist's day, before the session's date.
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (_, day) = theo.text("/admin").await;
        assert!(day.contains("Attendance to record"), "{day}");
        assert!(day.contains("Cancelled late: charged or not?"));
        assert!(day.contains(&format!("href=\"/admin/calendar/{id}#attendance-heading\"")));

        let page = format!("/admin/calendar/{id}");
        let (_, html) = theo.text(&page).await;
        assert!(html.contains("Cancelled late by the patient, charge not decided yet"));
        assert!(html.contains("Is this late cancellation charged?"));
        assert!(html.contains("value=\"charged\" checked"));
        assert!(!html.contains("name=\"attendance\""));
        let csrf = field_value(&html, "csrf").unwrap();
        let post = format!("{page}/attendance");
        let r = theo
            .post_form(&post, &[("csrf", &csrf), ("attendance", "attended")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("This session was cancelled: there is no attendance to record."));

        let r = theo
            .post_form(&post, &[("csrf", &csrf), ("charge", "not_charged")])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let record = record_of(&t, &id).await;
        assert_eq!(record.attendance, Some(Attendance::LateCancelled));
        assert_eq!(record.charge, Some(Charge::NotCharged));
        assert!(billable(&t, &case).await.is_empty());
        assert_eq!(count_audit(&t, "appointment.attendance", &id).await, 1);
        let (_, day) = theo.text("/admin").await;
        assert!(
            !day.contains("Cancelled late: charged or not?"),
            "decided: gone"
        );
    }
);

on_both!(
    cancellations_record_themselves_and_another_therapist_is_refused_and_audited,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let cancelled = session_on_monday(&theo, &case, "09:00").await;
        let kept = session_on_monday(&theo, &case, "11:00").await;
        let in_time = session_on_monday(&theo, &case, "13:00").await;

        // The therapist cancels: recorded as theirs, at once, never billable.
        let page = format!("/admin/calendar/{cancelled}");
        let csrf = theo.csrf_from(&page).await;
        let r = theo
            .post_form(&format!("{page}/cancel"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let record = record_of(&t, &cancelled).await;
        assert_eq!(record.attendance, Some(Attendance::TherapistCancelled));
        let (_, html) = theo.text(&page).await;
        assert!(html.contains("Cancelled by you: never charged"));
        assert!(!html.contains("name=\"charge\""));
        let r = theo
            .post_form(
                &format!("{page}/attendance"),
                &[("csrf", &csrf), ("charge", "charged")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // The patient cancels in time: just cancelled, no record, not a session of the case.
        // Each confirmation carries its own link: the 13:00 session is at 18:00 in London.
        t.run_jobs().await;
        let mut in_time_link = None;
        for m in t
            .mails()
            .await
            .into_iter()
            .filter(|m| m.to == "robin@example.org")
        {
            if let Some(at) = m.body.find("/booking/") {
                let link = m.body[at..].split_whitespace().next().unwrap().to_string();
                let (_, html) = t.browser().text(&link).await;
                if html.contains("18:00") {
                    in_time_link = Some(link);
                }
            }
        }
        let link = in_time_link.expect("the 13:00 session's link");
        let robin = t.browser();
        let csrf = robin.csrf_from(&link).await;
        let r = robin
            .post_form(&format!("{link}/cancel"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(record_of(&t, &in_time).await.attendance, None);

        // Another therapist of the practice, with a valid token, learns nothing and is audited.
        let theo = at_the_session(&t).await;
        let anna = t.signed_in(OWNER_EMAIL).await;
        let theirs = anna.csrf_from("/admin").await;
        let before = count_audit(&t, "policy.refused", "case").await;
        let r = anna
            .post_form(
                &format!("/admin/calendar/{kept}/attendance"),
                &[
                    ("csrf", &theirs),
                    ("attendance", "no_show"),
                    ("charge", "charged"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(record_of(&t, &kept).await.attendance, None);
        assert_eq!(count_audit(&t, "policy.refused", "case").await, before + 1);
        // The patient is refused too.
        let robin = t.patient_signed_in("robin@example.org").await;
        let theirs = robin.csrf_from("/portal").await;
        let r = robin
            .post_form(
                &format!("/admin/calendar/{kept}/attendance"),
                &[("csrf", &theirs), ("attendance", "attended")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(record_of(&t, &kept).await.attendance, None);

        // The case lists the therapist's cancellation, not the one in time.
        let (_, case_page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(
            case_page.contains("Cancelled by you: never charged"),
            "{case_page}"
        );
        assert!(case_page.contains(&format!("href=\"/admin/calendar/{cancelled}\"")));
        assert!(!case_page.contains(&format!("href=\"/admin/calendar/{in_time}\"")));
        assert!(billable(&t, &case).await.is_empty());
    }
);

on_both!(
    the_day_lists_unrecorded_sessions_and_no_shows_ask_for_no_note,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let missed = session_on_monday(&theo, &case, "09:00").await;
        let held = session_on_monday(&theo, &case, "11:00").await;

        // Monday itself: today's sessions are on today's list, not yet "to record".
        t.clock
            .advance(jiff::SignedDuration::from_hours(3 * 24 + 10));
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (_, day) = theo.text("/admin").await;
        assert!(!day.contains("Attendance not recorded"), "{day}");

        // Tuesday evening (New York): both are past and unrecorded; both notes unwritten.
        t.clock.advance(jiff::SignedDuration::from_hours(24 + 8));
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (_, day) = theo.text("/admin").await;
        for id in [&missed, &held] {
            assert!(
                day.contains(&format!("href=\"/admin/calendar/{id}#attendance-heading\"")),
                "{day}"
            );
            assert!(day.contains(&format!("href=\"/admin/notes/{id}\"")));
        }
        assert!(day.contains("Attendance not recorded"));

        let csrf = theo.csrf_from(&format!("/admin/calendar/{held}")).await;
        for (id, attendance) in [(&missed, "no_show"), (&held, "attended")] {
            let r = theo
                .post_form(
                    &format!("/admin/calendar/{id}/attendance"),
                    &[
                        ("csrf", &csrf),
                        ("attendance", attendance),
                        ("charge", "charged"),
                    ],
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
        let (_, day) = theo.text("/admin").await;
        assert!(!day.contains("Attendance not recorded"), "{day}");
        assert!(
            !day.contains(&format!("href=\"/admin/notes/{missed}\"")),
            "a no-show asks for no note"
        );
        assert!(day.contains(&format!("href=\"/admin/notes/{held}\"")));
        assert_eq!(
            billable(&t, &case).await.len(),
            2,
            "attended, and a charged no-show"
        );
    }
);

on_both!(
    the_default_for_late_cancellations_is_kept_with_the_booking_rules,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (_, page) = theo.text("/admin/booking").await;
        assert!(page.contains("Late cancellations and no-shows"));
        assert!(page.contains("id=\"late_charge\" name=\"late_charge\" value=\"charged\" checked"));
        let csrf = field_value(&page, "csrf").unwrap();
        let base = [
            ("csrf", csrf.as_str()),
            ("weekly", "Mon 09:00-12:00"),
            ("first_minutes", "50"),
            ("session_minutes", "50"),
            ("notice_hours", "24"),
            ("horizon_weeks", "8"),
            ("cancel_hours", "24"),
        ];
        for hostile in ["free", "<b>x</b>", "0"] {
            let mut bad = base.to_vec();
            bad.push(("late_charge", hostile));
            let r = theo.post_form("/admin/booking", &bad).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let html = r.text().await.unwrap();
            assert!(html.contains("id=\"late_charge-error\"") && html.contains("Mon 09:00-12:00"));
        }
        let mut good = base.to_vec();
        good.push(("late_charge", "not_charged"));
        let r = theo.post_form("/admin/booking", &good).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text("/admin/booking").await;
        assert!(page.contains("value=\"not_charged\" checked"), "{page}");

        // A no-show not yet decided now takes the new default: not billable.
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let id = session_on_monday(&theo, &case, "10:00").await;
        let theo = at_the_session(&t).await;
        let (_, html) = theo.text(&format!("/admin/calendar/{id}")).await;
        assert!(
            html.contains("value=\"not_charged\" checked"),
            "preselected from the default"
        );
        let csrf = field_value(&html, "csrf").unwrap();
        theo.post_form(
            &format!("/admin/calendar/{id}/attendance"),
            &[("csrf", &csrf), ("attendance", "no_show")],
        )
        .await;
        assert_eq!(record_of(&t, &id).await.charge, None);
        assert!(billable(&t, &case).await.is_empty());
    }
);
