//! Time away: a holiday cancels the sessions on those days with one mail per patient (the series'
//! calendar updated), or keeps them listed for the therapist to move; the owner's bank holiday
//! covers every therapist; a series leaves days away out as its horizon moves on.

mod common;

use common::*;
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

async fn sessions(t: &TestApp, case: &str) -> Vec<(String, i64, String)> {
    store::testing::raw_triples(
        &t.db,
        "SELECT id, starts_at, status FROM appointments WHERE case_id = $1 AND series_id IS NOT NULL ORDER BY starts_at",
        case,
    )
    .await
}

fn status_on(all: &[(String, i64, String)], day: &str) -> String {
    all.iter()
        .find(|s| {
            jiff::Timestamp::from_millisecond(s.1)
                .unwrap()
                .to_string()
                .starts_with(day)
        })
        .map(|s| s.2.clone())
        .unwrap_or_else(|| "none".into())
}

fn away<'a>(
    csrf: &'a str,
    first: &'a str,
    last: &'a str,
    kind: &'a str,
    sessions: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("first", first),
        ("last", last),
        ("kind", kind),
        ("sessions", sessions),
    ]
}

on_both!(
    time_away_cancels_or_keeps_the_sessions_on_those_days,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&theo, "Robin Field", "robin@example.org")
            .await;
        let series = format!("/admin/cases/{case}/series");
        let csrf = theo.csrf_from(&series).await;
        let r = theo
            .post_form(
                &series,
                &[
                    ("csrf", &csrf),
                    ("frequency", "weekly"),
                    ("first", "2026-12-07"),
                    ("time", "18:00"),
                    ("kind", "session"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        t.run_jobs().await;

        // Bad input is refused next to its field, the input kept; a bank holiday is the owner's.
        let csrf = theo.csrf_from("/admin/absences").await;
        let r = theo
            .post_form(
                "/admin/absences",
                &away(&csrf, "2026-12-21", "2026-12-01", "<b>x</b>", ""),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        for field in ["last", "kind", "sessions"] {
            assert!(html.contains(&format!("id=\"{field}-error\"")), "{field}");
        }
        assert!(html.contains("value=\"2026-12-21\""));
        let r = theo
            .post_form(
                "/admin/absences",
                &away(&csrf, "2026-12-25", "", "bank_holiday", "cancel"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let huge = "1".repeat(100_000);
        let r = theo
            .post_form("/admin/absences", &away(&csrf, &huge, &huge, &huge, &huge))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // A holiday over Christmas cancels two sessions; Robin gets one mail, the series updated.
        let r = theo
            .post_form(
                "/admin/absences",
                &away(&csrf, "2026-12-21", "2027-01-03", "holiday", "cancel"),
            )
            .await;
        assert_eq!(location(&r), "/admin/absences?cancelled=2&kept=0");
        let (_, html) = theo.text(&location(&r)).await;
        assert!(
            html.contains("2 sessions were cancelled; each patient is told once."),
            "{html}"
        );
        let all = sessions(&t, &case).await;
        assert_eq!(status_on(&all, "2026-12-21"), "cancelled");
        assert_eq!(status_on(&all, "2026-12-28"), "cancelled");
        assert_eq!(status_on(&all, "2027-01-04"), "booked");
        t.run_jobs().await;
        let mails: Vec<_> = t
            .mails()
            .await
            .into_iter()
            .filter(|m| m.to == "robin@example.org" && m.subject.contains("is away"))
            .collect();
        assert_eq!(mails.len(), 1, "one mail for both sessions");
        assert!(mails[0]
            .body
            .contains("EXDATE;TZID=America/New_York:20261221T180000"));
        assert!(mails[0]
            .body
            .contains("EXDATE;TZID=America/New_York:20261228T180000"));
        assert!(!mails[0].body.contains("holiday"), "nothing about why");

        // Kept: listed for Theo to move.
        let r = theo
            .post_form(
                "/admin/absences",
                &away(&csrf, "2027-01-11", "", "other", "keep"),
            )
            .await;
        assert_eq!(location(&r), "/admin/absences?cancelled=0&kept=1");
        let (_, html) = theo.text("/admin/absences").await;
        assert!(html.contains("Sessions still booked on those days"));
        assert!(html.contains("Robin Field"));

        // The owner's bank holiday closes the practice for every therapist.
        let anna = t.signed_in(OWNER_EMAIL).await;
        let csrf_a = anna.csrf_from("/admin/absences").await;
        let mut holiday = away(&csrf_a, "2027-01-18", "", "bank_holiday", "cancel");
        holiday.push(("practice", "on"));
        let r = anna.post_form("/admin/absences", &holiday).await;
        assert_eq!(location(&r), "/admin/absences?cancelled=1&kept=0");
        assert_eq!(
            status_on(&sessions(&t, &case).await, "2027-01-18"),
            "cancelled"
        );

        // Theo cannot remove it; Anna can. Theo removes his own.
        let (_, html) = theo.text("/admin/absences").await;
        assert!(html.contains("Bank holiday (the whole practice)"));
        let ids: Vec<String> = sqlx_ids(&t).await;
        let bank = &ids[2];
        let r = theo
            .post_form(
                &format!("/admin/absences/{bank}/remove"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = anna
            .post_form(
                &format!("/admin/absences/{bank}/remove"),
                &[("csrf", &csrf_a)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        // Days away far ahead: when the series reaches them, it leaves them out.
        let r = theo
            .post_form(
                "/admin/absences",
                &away(&csrf, "2027-07-05", "2027-07-09", "holiday", "cancel"),
            )
            .await;
        assert_eq!(location(&r), "/admin/absences?cancelled=0&kept=0");
        t.clock.advance(jiff::SignedDuration::from_hours(24 * 45));
        t.run_jobs().await;
        let all = sessions(&t, &case).await;
        assert_eq!(status_on(&all, "2027-07-05"), "cancelled", "left out");
        assert_eq!(status_on(&all, "2027-07-12"), "booked");
        let audit = store::testing::raw_text(
            &t.db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = $1",
            "absence.add",
        )
        .await;
        assert_eq!(audit, "4");
    }
);

/// The absences' ids, oldest first.
async fn sqlx_ids(t: &TestApp) -> Vec<String> {
    store::testing::raw_triples(
        &t.db,
        "SELECT id, created_at, kind FROM absences WHERE id <> $1 ORDER BY created_at, id",
        "",
    )
    .await
    .into_iter()
    .map(|r| r.0)
    .collect()
}
