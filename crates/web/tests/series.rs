//! The regular hour: a weekly series set from the case, booked half a year ahead at the
//! therapist's wall-clock time across the daylight-saving change, one calendar event for the
//! patient with its left-out and moved sessions, changed from a date on, ended; the patient told
//! when their own time moves, and moving or cancelling a session from the portal.

mod common;

use common::*;
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

fn weekly<'a>(csrf: &'a str, first: &'a str, time: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("frequency", "weekly"),
        ("first", first),
        ("time", time),
        ("second_day", ""),
        ("until", ""),
        ("kind", "session"),
    ]
}

/// The series' sessions as stored: (id, start, status), by occurrence.
async fn sessions(t: &TestApp, case: &str) -> Vec<(String, i64, String)> {
    store::testing::raw_triples(
        &t.db,
        "SELECT id, starts_at, status FROM appointments WHERE case_id = $1 AND series_id IS NOT NULL ORDER BY starts_at",
        case,
    )
    .await
}

fn at(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).unwrap().to_string()
}

on_both!(
    a_weekly_hour_is_booked_ahead_on_the_therapists_clock_and_sent_as_one_event,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let page = format!("/admin/cases/{case}/series");

        // A session Theo booked on 14 December at 18:00 holds that time already.
        let (_, week) = theo.text("/admin/calendar?day=2026-12-14").await;
        let csrf = field_value(&week, "csrf").unwrap();
        let r = theo
            .post_form(
                "/admin/calendar/appointments",
                &[
                    ("csrf", &csrf),
                    ("case", &case),
                    ("kind", "session"),
                    ("date", "2026-12-14"),
                    ("time", "18:00"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        // Bad input is refused next to its field, with what was typed kept.
        let csrf = theo.csrf_from(&page).await;
        let mut bad = weekly(&csrf, "2026-11-01", "18:07");
        bad[1] = ("frequency", "monthly<script>");
        let r = theo.post_form(&page, &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        for field in ["frequency", "first", "time"] {
            assert!(
                html.contains(&format!("id=\"{field}-error\"")),
                "{field}: {html}"
            );
        }
        assert!(html.contains("value=\"18:07\""), "the time typed is kept");
        assert!(!html.contains("monthly<script>"), "escaped, never raw");
        let huge = "9".repeat(100_000);
        let r = theo.post_form(&page, &weekly(&csrf, &huge, &huge)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // The first consultation is booked once, never as a series.
        let mut first = weekly(&csrf, "2026-12-07", "18:00");
        first[6] = ("kind", "first");
        let r = theo.post_form(&page, &first).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"kind-error\""));

        // Weekly on Mondays at 18:00 New York time, from 7 December: half a year ahead.
        let r = theo
            .post_form(&page, &weekly(&csrf, "2026-12-07", "18:00"))
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        assert_eq!(location(&r), format!("{page}?booked=24&clashed=1"));
        let (_, html) = theo.text(&location(&r)).await;
        assert!(
            html.contains("24 sessions booked for the next six months."),
            "{html}"
        );
        assert!(html.contains("One date clashed with another booking and is left out."));
        assert!(
            html.contains("Weekly on Monday at 18:00 (America/New_York)"),
            "{html}"
        );

        let all = sessions(&t, &case).await;
        assert_eq!(all.len(), 25);
        assert_eq!(at(all[0].1), "2026-12-07T23:00:00Z", "18:00 EST");
        assert_eq!(
            all[1].2, "cancelled",
            "14 December was taken and is left out"
        );
        let march_15 = all
            .iter()
            .find(|s| at(s.1).starts_with("2027-03-15"))
            .unwrap();
        assert_eq!(
            at(march_15.1),
            "2027-03-15T22:00:00Z",
            "18:00 EDT after the change"
        );
        let booked: Vec<_> = all.iter().filter(|s| s.2 == "booked").collect();
        // Each holds its time: nobody else can book it.
        let cells: String = store::testing::raw_text(
            &t.db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM appointment_cells WHERE appointment_id = $1",
            &booked[0].0,
        )
        .await;
        assert_eq!(cells, "12");

        // One mail to the patient with the whole series; no mail per session.
        t.run_jobs().await;
        let mails = t.mails().await;
        let to_robin: Vec<_> = mails
            .iter()
            .filter(|m| m.to == "robin@example.org")
            .collect();
        let series_mail = to_robin
            .iter()
            .find(|m| m.subject.starts_with("Your regular session"))
            .expect("the series mail");
        for line in [
            "DTSTART;TZID=America/New_York:20261207T180000",
            "RRULE:FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO",
            "EXDATE;TZID=America/New_York:20261214T180000",
            "BEGIN:VTIMEZONE",
        ] {
            assert!(
                series_mail.body.contains(line),
                "{line} in {}",
                series_mail.body
            );
        }
        assert!(!to_robin.iter().any(|m| m.subject.starts_with("Confirmed")));

        // Theo leaves one out and moves another: the patient gets the series again, the sequence raised.
        let third = &booked[1].0;
        let csrf = theo.csrf_from(&format!("/admin/calendar/{third}")).await;
        let r = theo
            .post_form(
                &format!("/admin/calendar/{third}/cancel"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let fourth = &booked[2].0;
        let r = theo
            .post_form(
                &format!("/admin/calendar/{fourth}/move"),
                &[("csrf", &csrf), ("date", "2027-01-05"), ("time", "09:00")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        t.run_jobs().await;
        let mails = t.mails().await;
        let moved = mails
            .iter()
            .find(|m| m.to == "robin@example.org" && m.subject.starts_with("Moved"))
            .expect("the move mail");
        assert!(
            moved
                .body
                .contains("RECURRENCE-ID;TZID=America/New_York:20261228T180000"),
            "{}",
            moved.body
        );
        assert!(moved.body.contains("DTSTART:20270105T140000Z"));
        assert!(moved
            .body
            .contains("EXDATE;TZID=America/New_York:20261221T180000"));
        assert!(moved.body.contains("SEQUENCE:3"), "{}", moved.body);

        // From 1 February Theo changes the hour to 19:00; the old series ends the day before.
        let csrf = theo.csrf_from(&page).await;
        let (_, html) = theo.text(&page).await;
        let running = html
            .split(&format!("/admin/cases/{case}/series/"))
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let r = theo
            .post_form(
                &format!("{page}/{running}/change"),
                &weekly(&csrf, "2027-02-01", "19:00"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let all = sessions(&t, &case).await;
        let feb_1: Vec<_> = all
            .iter()
            .filter(|s| at(s.1).starts_with("2027-02-02T00:00"))
            .collect();
        assert_eq!(feb_1.len(), 1, "19:00 EST on 1 Feb is midnight UTC");
        assert_eq!(feb_1[0].2, "booked");
        assert!(
            all.iter()
                .filter(|s| at(s.1).starts_with("2027-02-01T23:00"))
                .all(|s| s.2 == "cancelled"),
            "the 18:00 session of 1 February is cancelled"
        );

        // Another therapist reaches nothing of it.
        let anna = t.signed_in(OWNER_EMAIL).await;
        assert_eq!(anna.get(&page).await.status(), StatusCode::NOT_FOUND);
        let csrf = anna.csrf_from("/admin").await;
        let r = anna
            .post_form(
                &format!("{page}/{running}/end"),
                &[("csrf", &csrf), ("last", "2027-03-01")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // Theo ends the new series on 28 February: later sessions are cancelled.
        let (_, html) = theo.text(&page).await;
        let newest = html
            .split(&format!("/admin/cases/{case}/series/"))
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        assert_ne!(newest, running);
        let csrf = theo.csrf_from(&page).await;
        let r = theo
            .post_form(
                &format!("{page}/{newest}/end"),
                &[("csrf", &csrf), ("last", "not a date")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = theo
            .post_form(
                &format!("{page}/{newest}/end"),
                &[("csrf", &csrf), ("last", "2027-02-28")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let after: Vec<_> = sessions(&t, &case)
            .await
            .into_iter()
            .filter(|s| at(s.1).as_str() > "2027-03" && s.2 == "booked")
            .collect();
        assert!(after.is_empty(), "{after:?}");
        let (_, html) = theo.text(&page).await;
        assert!(
            !html.contains("8 March 2027"),
            "sessions after the series' end are not 'left out': {html}"
        );
        let audit = store::testing::raw_text(
            &t.db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action IN ('series.set', 'series.change', 'series.end') AND case_id = $1",
            &case,
        )
        .await;
        assert_eq!(audit, "3");
    }
);

on_both!(
    the_patient_is_told_when_their_time_moves_and_manages_a_session_from_the_portal,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let page = format!("/admin/cases/{case}/series");
        let csrf = theo.csrf_from(&page).await;
        let r = theo
            .post_form(&page, &weekly(&csrf, "2026-12-07", "18:00"))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        // In March: New York changes on the 14th, London on the 28th. Robin, in London, sees
        // 22:00 for two weeks instead of 23:00, and is told before.
        t.clock.advance(jiff::SignedDuration::from_hours(24 * 94));
        t.run_jobs().await;
        let robin = t.patient_signed_in("robin@example.org").await;
        let (_, home) = robin.text("/portal").await;
        assert!(
            home.contains("From 15 March 2027 your session is at 22:00 your time"),
            "{home}"
        );
        assert!(home.contains("From 29 March 2027 your session is at 23:00 your time"));

        // The horizon moved on with the days: sessions are booked into September now.
        let all = sessions(&t, &case).await;
        assert!(
            at(all.last().unwrap().1).as_str() > "2027-08-20",
            "{}",
            at(all.last().unwrap().1)
        );

        // "Move or cancel" opens the same page as the confirmation's link, for her own sessions only.
        let next = home
            .split("/portal/appointments/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let csrf = field_value(&home, "csrf").unwrap();
        let r = robin
            .post_form(
                &format!("/portal/appointments/{next}/manage"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let manage = location(&r);
        assert!(manage.starts_with("/booking/"), "{manage}");
        let (status, html) = robin.text(&manage).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Cancel"), "{html}");

        let theo = t.signed_in(THERAPIST_EMAIL).await;
        t.invite_patient(&theo, "Sam Other", "sam@example.org")
            .await;
        let sam = t.patient_signed_in("sam@example.org").await;
        let (_, home) = sam.text("/portal").await;
        let csrf = field_value(&home, "csrf").unwrap();
        let r = sam
            .post_form(
                &format!("/portal/appointments/{next}/manage"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
);
