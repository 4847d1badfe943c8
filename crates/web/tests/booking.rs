//! Booking a first consultation over HTTP, on SQLite and PostgreSQL: times in the visitor's zone,
//! the booking and its calendar file, the case it opens, and a time taken a moment before.

mod common;

use common::{field_value, href_after, location, TestApp, OWNER_EMAIL};
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

/// The first slot offered, as (path, local label) for a visitor in `tz`.
async fn first_slot(t: &TestApp, tz: &str) -> (String, String) {
    let (status, html) = t.browser().text(&format!("/book?tz={tz}")).await;
    assert_eq!(status, StatusCode::OK);
    let at = html.find("href=\"/book/").expect("a slot is offered");
    let path = html[at + 6..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let label = html[at..]
        .split('>')
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    (path, label)
}

on_both!(
    a_visitor_in_new_york_books_and_gets_a_calendar_file_for_the_same_instant,
    practice,
    |t| {
        // The test clock: Friday 27 November 2026, 09:00 UTC. Demo hours: weekdays from 09:00 in Berlin.
        let (path, label) = first_slot(&t, "America/New_York").await;
        assert_eq!(
            label, "03:00",
            "Monday 09:00 in Berlin is 03:00 in New York"
        );
        let b = t.browser();
        let (status, form) = b.text(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("Monday 30 November 2026, 03:00 (America/New_York)"));
        // Where they will be is guessed from the zone, for the crisis services they are shown.
        assert!(form.contains("<option value=\"US\" selected>United States</option>"));
        let csrf = field_value(&form, "csrf").unwrap();
        let post_to = path.split('?').next().unwrap().to_string();

        let bad = b
            .post_form(
                &post_to,
                &[
                    ("csrf", &csrf),
                    ("name", ""),
                    ("email", "nope"),
                    ("note", "kept words"),
                    ("time_zone", "America/New_York"),
                    ("country", "Atlantis"),
                ],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text().await.unwrap();
        assert!(
            html.contains("id=\"name-error\"")
                && html.contains("id=\"email-error\"")
                && html.contains("id=\"consent-error\"")
                && html.contains("id=\"country-error\"")
                && html.contains("kept words")
        );

        let fields = [
            ("csrf", csrf.as_str()),
            ("name", "Pia Visitor"),
            ("email", "pia@example.org"),
            ("note", "Since the move I feel lost"),
            ("consent", "on"),
            ("time_zone", "America/New_York"),
            ("country", "CA"),
        ];
        let r = b.post_form(&post_to, &fields).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let mut c = t.db.conn().await.unwrap();
        let (pia, _) = store::users::find_by_email(&mut c, "pia@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store::users::country(&mut c, &pia.id)
                .await
                .unwrap()
                .as_deref(),
            Some("CA"),
            "on New York's clock in Canada"
        );
        drop(c);
        let (_, confirmed) = b.text(&location(&r)).await;
        assert!(confirmed.contains("Monday 30 November 2026, 03:00 (America/New_York)"));

        // A moment later someone else asks for the same time: refused, with the nearest free times,
        // each a button that books it with what they typed.
        let other = t.browser();
        let csrf2 = other.csrf_from(&path).await;
        let taken = other
            .post_form(
                &post_to,
                &[
                    ("csrf", &csrf2),
                    ("name", "Second"),
                    ("email", "second@example.org"),
                    ("consent", "on"),
                    ("time_zone", "America/New_York"),
                ],
            )
            .await;
        assert_eq!(taken.status(), StatusCode::CONFLICT);
        let html = taken.text().await.unwrap();
        assert!(
            html.contains("This time was just taken")
                && html.contains("value=\"second@example.org\"")
        );
        assert!(
            html.matches("Book Monday 30 November 2026").count() >= 2,
            "the nearest free times are offered"
        );

        // The confirmation mail carries a calendar file for exactly that instant, and no note.
        t.run_jobs().await;
        let mail = t
            .mails()
            .await
            .into_iter()
            .find(|m| m.to == "pia@example.org")
            .expect("confirmation");
        assert!(
            mail.subject.contains("First consultation")
                || mail.subject.contains("first consultation")
        );
        assert!(
            mail.body.contains("Monday 30 November 2026, 03:00 (EST)"),
            "{}",
            mail.body
        );
        assert!(
            mail.body.contains("DTSTART:20261130T080000Z")
                && mail.body.contains("METHOD:REQUEST")
                && mail.body.contains("SEQUENCE:0")
        );
        assert!(!mail.body.contains("feel lost"));

        // The booking made a patient and a case at "consultation booked", with the note sealed.
        let (owner, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), OWNER_EMAIL)
            .await
            .unwrap()
            .unwrap();
        let cases = store::cases::of_therapist(&mut t.db.conn().await.unwrap(), &owner.id)
            .await
            .unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].stage, domain::case::Stage::ConsultationBooked);
        assert_eq!(cases[0].patient.time_zone, "America/New_York");
        let dump = store::testing::raw_dump(&t.db).await;
        assert!(!dump.contains("feel lost"), "the note is sealed at rest");
        let (first_again, _) = first_slot(&t, "America/New_York").await;
        assert_ne!(first_again, path, "the booked time is no longer offered");
    }
);

on_both!(
    a_slot_that_was_never_offered_cannot_be_booked,
    practice,
    |t| {
        let (path, _) = first_slot(&t, "Europe/Berlin").await;
        let b = t.browser();
        let csrf = b.csrf_from(&path).await;
        let post_to = path.split('?').next().unwrap();
        // Twenty minutes later than an offered start, and at night, are not offered times.
        let start: i64 = post_to.rsplit('-').next().unwrap().parse().unwrap();
        for shifted in [start + 20 * 60, start - 8 * 3600] {
            let forged = format!("{}-{shifted}", post_to.rsplit_once('-').unwrap().0);
            let r = b
                .post_form(
                    &forged,
                    &[
                        ("csrf", &csrf),
                        ("name", "X"),
                        ("email", "x@example.org"),
                        ("consent", "on"),
                    ],
                )
                .await;
            assert_eq!(r.status(), StatusCode::CONFLICT, "{forged}");
        }
        assert_eq!(
            b.get("/book/not-a-slot").await.status(),
            StatusCode::NOT_FOUND
        );
    }
);

/// Books the first offered slot for `email` (visitor in Berlin); answers the manage link's path.
async fn book_first(t: &TestApp, email: &str) -> String {
    let (path, _) = first_slot(t, "Europe/Berlin").await;
    let b = t.browser();
    let csrf = b.csrf_from(&path).await;
    let post_to = path.split('?').next().unwrap().to_string();
    let r = b
        .post_form(
            &post_to,
            &[
                ("csrf", &csrf),
                ("name", "Kai"),
                ("email", email),
                ("consent", "on"),
                ("time_zone", "Europe/Berlin"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    t.run_jobs().await;
    let mail = t
        .mails()
        .await
        .into_iter()
        .find(|m| m.to == email && m.subject.contains("consultation"))
        .expect("confirmation");
    assert!(
        mail.body.contains(&format!("{}/tech-check", t.base)),
        "the confirmation links the tech check: {}",
        mail.body
    );
    let at = mail.body.find("/booking/").expect("a manage link");
    mail.body[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

on_both!(
    the_patient_cancels_through_the_link_and_the_calendar_gets_a_cancel,
    practice,
    |t| {
        let manage = book_first(&t, "kai@example.org").await;
        let b = t.browser();
        let (status, page) = b.text(&manage).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Monday 30 November 2026, 09:00 (Europe/Berlin)"));
        assert!(
            !page.contains("late cancellation"),
            "three days ahead is not late"
        );
        let csrf = field_value(&page, "csrf").unwrap();
        assert_eq!(
            b.post_form(&format!("{manage}/cancel"), &[("csrf", &csrf)])
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        let (_, page) = b.text(&manage).await;
        assert!(page.contains("This appointment is cancelled"));
        t.run_jobs().await;
        let cancel = t
            .mails()
            .await
            .into_iter()
            .find(|m| m.subject.starts_with("Cancelled"))
            .expect("the cancellation");
        assert!(
            cancel.body.contains("METHOD:CANCEL")
                && cancel.body.contains("STATUS:CANCELLED")
                && cancel.body.contains("SEQUENCE:1")
        );
        // The time is offered again.
        let (first_again, label) = first_slot(&t, "Europe/Berlin").await;
        assert_eq!(label, "09:00");
        assert!(first_again.contains("-first-"));
        assert_eq!(
            t.browser()
                .get("/booking/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
);

on_both!(
    reminders_come_a_day_and_an_hour_before_once_and_never_after_a_cancellation,
    practice,
    |t| {
        book_first(&t, "kai@example.org").await;
        let reminders = |t: &TestApp| {
            let db = t.db.clone();
            async move {
                store::mailbox::list(&mut db.conn().await.unwrap(), 100)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|m| m.subject.starts_with("Reminder"))
                    .count()
            }
        };
        // The appointment is Monday 30 November 08:00 UTC; the clock is Friday 09:00 UTC.
        t.clock.advance(jiff::SignedDuration::from_hours(46)); // Sunday 07:00 UTC: not yet a day before
        t.run_jobs().await;
        assert_eq!(reminders(&t).await, 0);
        t.clock.advance(jiff::SignedDuration::from_hours(2)); // Sunday 09:00 UTC: within a day
        t.run_jobs().await;
        t.run_jobs().await;
        assert_eq!(reminders(&t).await, 1, "the day-before reminder, once");
        t.clock
            .advance(jiff::SignedDuration::from_mins(22 * 60 + 10)); // Monday 07:10 UTC
        t.run_jobs().await;
        assert_eq!(reminders(&t).await, 2, "the hour-before reminder");

        // A second booking, cancelled: its reminders, already queued, send nothing.
        let manage = book_first(&t, "lea@example.org").await;
        let b = t.browser();
        let csrf = b.csrf_from(&manage).await;
        b.post_form(&format!("{manage}/cancel"), &[("csrf", &csrf)])
            .await;
        t.clock.advance(jiff::SignedDuration::from_hours(24 * 8));
        t.run_jobs().await;
        let to_lea = store::mailbox::list(&mut t.db.conn().await.unwrap(), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.to == "lea@example.org" && m.subject.starts_with("Reminder"))
            .count();
        assert_eq!(to_lea, 0);
    }
);

on_both!(
    cancelling_inside_the_notice_period_is_recorded_as_late,
    practice,
    |t| {
        let manage = book_first(&t, "kai@example.org").await;
        t.clock.advance(jiff::SignedDuration::from_hours(60)); // Sunday 21:00 UTC: 11 hours before
        let b = t.browser();
        let (_, page) = b.text(&manage).await;
        assert!(
            page.contains("late cancellation") && page.contains("Nothing is charged automatically")
        );
        let csrf = field_value(&page, "csrf").unwrap();
        assert_eq!(
            b.post_form(&format!("{manage}/cancel"), &[("csrf", &csrf)])
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        let entries = store::audit::recent(&mut t.db.conn().await.unwrap(), None, 50)
            .await
            .unwrap();
        assert!(entries
            .iter()
            .any(|e| e.event.action == "booking.cancel.late"));
    }
);

on_both!(
    the_api_offers_slots_and_books_with_the_forms_rules,
    practice,
    |t| {
        let client = reqwest::Client::new();
        let list: serde_json::Value = client
            .get(format!(
                "{}/api/v1/slots?tz=America/New_York&from=2026-11-30&to=2026-12-01",
                t.base
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let slots = list["slots"].as_array().unwrap();
        assert_eq!(
            slots.len(),
            8,
            "Monday in Berlin: four in the morning, four in the afternoon: {list}"
        );
        assert_eq!(slots[0]["start"], "2026-11-30T03:00:00-05:00");
        assert_eq!(slots[0]["end"], "2026-11-30T03:50:00-05:00");
        let bad = client
            .get(format!("{}/api/v1/slots?tz=Mars/Olympus", t.base))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let all: serde_json::Value = client
            .get(format!("{}/api/v1/slots", t.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            all["slots"].as_array().unwrap().len() > 100,
            "the whole horizon by default"
        );
        assert!(
            all["slots"][0]["start"]
                .as_str()
                .unwrap()
                .ends_with("+00:00"),
            "UTC by default"
        );

        let id = slots[0]["id"].as_str().unwrap();
        let missing = client
            .post(format!("{}/api/v1/bookings", t.base))
            .json(&serde_json::json!({"slot_id": id, "name": "", "email": "x", "consent": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let errors: serde_json::Value = missing.json().await.unwrap();
        assert_eq!(errors["errors"]["consent"]["code"], "error-consent-booking");
        let body = serde_json::json!({"slot_id": id, "name": "Api Visitor", "email": "api@example.org", "consent": true, "time_zone": "America/New_York"});
        let ok = client
            .post(format!("{}/api/v1/bookings", t.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::CREATED);
        assert_eq!(
            ok.json::<serde_json::Value>().await.unwrap()["start"],
            "2026-11-30T08:00:00Z"
        );
        let again = client
            .post(format!("{}/api/v1/bookings", t.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::CONFLICT);
        assert!(!again.json::<serde_json::Value>().await.unwrap()["nearest"]
            .as_array()
            .unwrap()
            .is_empty());
        let forged = client.post(format!("{}/api/v1/bookings", t.base)).json(&serde_json::json!({"slot_id": "nonsense", "name": "A", "email": "a@example.org", "consent": true})).send().await.unwrap();
        assert_eq!(forged.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let spec: serde_json::Value = client
            .get(format!("{}/api/v1/openapi.json", t.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            spec["paths"]["/api/v1/slots"]["get"].is_object()
                && spec["paths"]["/api/v1/bookings"]["post"]["responses"]["409"].is_object()
        );
    }
);

on_both!(
    the_therapist_sets_hours_and_a_day_off_and_the_offer_follows,
    practice,
    |t| {
        let anna = t.signed_in(OWNER_EMAIL).await;
        let (status, page) = anna.text("/admin/booking").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("Mon 09:00-13:00"),
            "the demo's hours are shown as lines"
        );
        let csrf = field_value(&page, "csrf").unwrap();
        let base = [
            ("csrf", csrf.as_str()),
            ("first_minutes", "50"),
            ("first_buffer", "10"),
            ("first_price", "60"),
            ("notice_hours", "24"),
            ("horizon_weeks", "8"),
            ("cancel_hours", "48"),
        ];
        let mut bad = base.to_vec();
        bad.extend([("weekly", "Mon 13:00-09:00"), ("exceptions", "")]);
        let r = anna.post_form("/admin/booking", &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"weekly-error\"") && html.contains("Mon 13:00-09:00"),
            "the error is shown and the input kept"
        );
        let mut good = base.to_vec();
        good.extend([
            ("weekly", "Mon 09:00-12:00\nTue 09:00-12:00"),
            ("exceptions", "2026-11-30 off\n2026-12-02 18:00-19:00"),
        ]);
        assert_eq!(
            anna.post_form("/admin/booking", &good).await.status(),
            StatusCode::SEE_OTHER
        );

        // The week's grid draws them: Monday is a day off, unshaded; Wednesday's extra hour,
        // 18:00 to 19:00, is shaded (quarter-hour rows from 08:00: row 42, four rows).
        let (_, week) = anna.text("/admin/calendar?day=2026-11-30").await;
        let day = |date: &str| {
            let at = week
                .find(&format!("aria-labelledby=\"day-{date}\""))
                .unwrap();
            week[at..at + week[at..].find("</section>").unwrap()].to_string()
        };
        assert!(day("2026-11-30").contains("Day off") && !day("2026-11-30").contains("cal-open"));
        assert!(
            day("2026-12-01").contains("cal-open r-6 s-12"),
            "Tuesday's weekly hours"
        );
        assert!(
            day("2026-12-02").contains("cal-open r-42 s-4"),
            "Wednesday's extra hour"
        );

        let client = reqwest::Client::new();
        let slots = |from: &str, to: &str| {
            let url = format!(
                "{}/api/v1/slots?tz=Europe/Berlin&from={from}&to={to}",
                t.base
            );
            let client = client.clone();
            async move {
                client
                    .get(url)
                    .send()
                    .await
                    .unwrap()
                    .json::<serde_json::Value>()
                    .await
                    .unwrap()["slots"]
                    .as_array()
                    .unwrap()
                    .len()
            }
        };
        assert_eq!(slots("2026-11-30", "2026-12-01").await, 0, "the day off");
        assert_eq!(
            slots("2026-12-01", "2026-12-02").await,
            3,
            "Tuesday 09:00-12:00 holds three hours"
        );
        assert_eq!(
            slots("2026-12-02", "2026-12-03").await,
            1,
            "the extra hour on a Wednesday"
        );
        assert_eq!(
            slots("2026-12-03", "2026-12-05").await,
            0,
            "no hours on Thursday or Friday any more"
        );
    }
);

on_both!(the_therapists_week_adds_blocks_and_cancels, practice, |t| {
    book_first(&t, "kai@example.org").await; // Monday 30 November, 09:00 Berlin
    let anna = t.signed_in(OWNER_EMAIL).await;
    let (status, week) = anna.text("/admin/calendar?day=2026-11-30").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        week.contains("Monday 30 November") && week.contains("09:00–09:50") && week.contains("Kai"),
        "{week}"
    );
    let csrf = field_value(&week, "csrf").unwrap();
    let case = week
        .split("<option value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();

    // A clash is refused unless booked knowingly.
    let add = |clash: bool| {
        let mut f = vec![
            ("csrf", csrf.clone()),
            ("case", case.clone()),
            ("kind", "session".into()),
            ("date", "2026-11-30".into()),
            ("time", "09:30".into()),
        ];
        if clash {
            f.push(("clash", "on".into()));
        }
        f
    };
    let fields = add(false);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = anna.post_form("/admin/calendar/appointments", &refs).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("clashes"));
    let fields = add(true);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        anna.post_form("/admin/calendar/appointments", &refs)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // Blocked time is no longer offered to visitors.
    let r = anna
        .post_form(
            "/admin/calendar/blocks",
            &[
                ("csrf", &csrf),
                ("date", "2026-12-01"),
                ("time", "09:00"),
                ("until", "13:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let client = reqwest::Client::new();
    let tuesday: serde_json::Value = client
        .get(format!(
            "{}/api/v1/slots?tz=Europe/Berlin&from=2026-12-01&to=2026-12-02",
            t.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let starts: Vec<&str> = tuesday["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap())
        .collect();
    assert!(
        starts.iter().all(|s| s >= &"2026-12-01T14:00:00+01:00"),
        "the morning is blocked: {starts:?}"
    );

    // Moving from the calendar: onto a clash is refused, to a free time the patient is told.
    let (_, week) = anna.text("/admin/calendar?day=2026-11-30").await;
    let visitor_booking = week
        .split("href=\"/admin/calendar/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = anna
        .post_form(
            &format!("/admin/calendar/{visitor_booking}/move"),
            &[("csrf", &csrf), ("date", "2026-12-01"), ("time", "10:00")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "Tuesday morning is blocked"
    );
    let r = anna
        .post_form(
            &format!("/admin/calendar/{visitor_booking}/move"),
            &[("csrf", &csrf), ("date", "2026-12-02"), ("time", "11:00")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    t.run_jobs().await;
    assert!(t.mails().await.iter().any(|m| m.to == "kai@example.org"
        && m.subject.starts_with("Moved")
        && m.body.contains("DTSTART:20261202T100000Z")));

    // Cancelling from the calendar sends the patient the CANCEL.
    let (_, week) = anna.text("/admin/calendar?day=2026-11-30").await;
    let first = week
        .split("href=\"/admin/calendar/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        anna.post_form(
            &format!("/admin/calendar/{first}/cancel"),
            &[("csrf", &csrf)]
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    t.run_jobs().await;
    assert!(t.mails().await.iter().any(|m| m.to == "kai@example.org"
        && m.subject.starts_with("Cancelled")
        && m.body.contains("METHOD:CANCEL")));
    // Someone else's appointment id answers 404.
    let theo = t.signed_in(common::THERAPIST_EMAIL).await;
    let csrf = theo.csrf_from("/admin/calendar").await;
    assert_eq!(
        theo.post_form(
            &format!("/admin/calendar/{first}/cancel"),
            &[("csrf", &csrf)]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
});

on_both!(
    the_private_feed_shows_initials_unless_names_and_a_new_address_revokes_the_old,
    practice,
    |t| {
        book_first(&t, "kai@example.org").await; // "Kai"
        let anna = t.signed_in(OWNER_EMAIL).await;
        let csrf = anna.csrf_from("/admin/calendar").await;
        let page = anna
            .post_form("/admin/calendar/feed", &[("csrf", &csrf)])
            .await
            .text()
            .await
            .unwrap();
        let url = page
            .split("<code>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        let path = url.trim_start_matches(&t.base).to_string();
        let feed = t.browser().get(&path).await;
        assert_eq!(feed.status(), StatusCode::OK);
        assert!(feed
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/calendar"));
        let ics = feed.text().await.unwrap();
        assert!(
            ics.contains("SUMMARY:K.\r\n")
                && !ics.contains("Kai")
                && ics.contains("DTSTART:20261130T080000Z"),
            "{ics}"
        );

        let page = anna
            .post_form("/admin/calendar/feed", &[("csrf", &csrf), ("names", "on")])
            .await
            .text()
            .await
            .unwrap();
        let second = page
            .split("<code>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .trim_start_matches(&t.base)
            .to_string();
        assert_eq!(
            t.browser().get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "the old address is revoked"
        );
        assert!(t
            .browser()
            .text(&second)
            .await
            .1
            .contains("SUMMARY:Kai\r\n"));
        assert_eq!(
            anna.post_form("/admin/calendar/feed/remove", &[("csrf", &csrf)])
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            t.browser().get(&second).await.status(),
            StatusCode::NOT_FOUND
        );
    }
);

on_both!(
    the_patient_moves_the_booking_and_the_calendar_gets_the_same_event_with_a_higher_sequence,
    practice,
    |t| {
        let manage = book_first(&t, "kai@example.org").await; // Monday 09:00 Berlin
        let b = t.browser();
        let (_, page) = b.text(&manage).await;
        let choose = href_after(&page, "href=\"/book?reschedule=");
        let (status, offer) = b.text(&format!("/book?reschedule={choose}")).await;
        assert_eq!(status, StatusCode::OK);
        let move_path = offer
            .split("href=\"/booking/")
            .nth(1)
            .map(|r| {
                format!(
                    "/booking/{}",
                    r.split('"').next().unwrap().replace("&amp;", "&")
                )
            })
            .expect("slots link to the move page");
        let csrf = b.csrf_from(&move_path).await;
        let post_to = move_path.split('?').next().unwrap();
        assert_eq!(
            b.post_form(post_to, &[("csrf", &csrf)]).await.status(),
            StatusCode::SEE_OTHER
        );
        let (_, page) = b.text(&manage).await;
        assert!(
            page.contains("Monday 30 November 2026, 10:00 (Europe/Berlin)"),
            "the first free time after the own one: {page}"
        );
        t.run_jobs().await;
        let moved = t
            .mails()
            .await
            .into_iter()
            .find(|m| m.subject.starts_with("Moved"))
            .expect("a moved notice");
        assert!(
            moved.body.contains("DTSTART:20261130T090000Z")
                && moved.body.contains("SEQUENCE:1")
                && moved.body.contains("METHOD:REQUEST")
        );
        // The old time is free again; the day-before reminder of the old time sends nothing.
        let (first, label) = first_slot(&t, "Europe/Berlin").await;
        assert_eq!(label, "09:00");
        assert!(first.contains("-first-"));
        t.clock
            .advance(jiff::SignedDuration::from_mins(48 * 60 + 1)); // Sunday 09:01 UTC: both day-before times passed
        t.run_jobs().await;
        let reminders: Vec<_> = t
            .mails()
            .await
            .into_iter()
            .filter(|m| m.subject.starts_with("Reminder"))
            .collect();
        assert_eq!(reminders.len(), 1, "one reminder, for the new time");
        assert!(reminders[0].subject.contains("10:00"));
    }
);

on_both!(
    a_restart_between_booking_and_reminder_loses_none_and_sends_none_twice,
    practice,
    |t| {
        book_first(&t, "kai@example.org").await;
        // Another process on the same database: the first one is gone, its queue is not.
        let restarted = app::App::new(
            t.db.clone(),
            app::Config {
                public_url: t.base.clone(),
                ..Default::default()
            },
            t.clock.clone(),
        )
        .unwrap();
        t.clock
            .advance(jiff::SignedDuration::from_mins(47 * 60 + 1)); // Sunday 08:01 UTC: a day before
        restarted.run_due_jobs().await.unwrap();
        restarted.run_due_jobs().await.unwrap();
        t.run_jobs().await;
        let reminders = store::mailbox::list(&mut t.db.conn().await.unwrap(), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.subject.starts_with("Reminder"))
            .count();
        assert_eq!(reminders, 1);
    }
);

on_both!(
    a_returning_person_books_into_their_open_case_which_moves_on_only_from_an_inquiry,
    practice,
    |t| {
        let email = "kai.returning@example.org";
        let case_stage = |t: &TestApp| {
            let db = t.db.clone();
            async move {
                let (owner, _) =
                    store::users::find_by_email(&mut db.conn().await.unwrap(), OWNER_EMAIL)
                        .await
                        .unwrap()
                        .unwrap();
                let cases = store::cases::of_therapist(&mut db.conn().await.unwrap(), &owner.id)
                    .await
                    .unwrap();
                assert_eq!(cases.len(), 1, "one case for one person");
                (cases[0].id.clone(), cases[0].stage)
            }
        };
        book_first(&t, email).await;
        let (case, stage) = case_stage(&t).await;
        assert_eq!(stage, domain::case::Stage::ConsultationBooked);
        let set = |stage: domain::case::Stage| {
            let (db, case) = (t.db.clone(), case.clone());
            async move {
                let mut tx = db.begin().await.unwrap();
                store::cases::set_stage(&mut tx, &case, stage, jiff::Timestamp::now())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        };
        // In therapy and booking another time: the case stays where it is.
        set(domain::case::Stage::InTherapy).await;
        book_first(&t, email).await;
        assert_eq!(
            case_stage(&t).await,
            (case.clone(), domain::case::Stage::InTherapy)
        );
        // Still an inquiry (as an inquiry turned into a case leaves it): the booking moves it on.
        set(domain::case::Stage::Inquiry).await;
        book_first(&t, email).await;
        assert_eq!(
            case_stage(&t).await,
            (case.clone(), domain::case::Stage::ConsultationBooked)
        );

        // Each booking enqueued its confirmation and the therapist's notice, and wrote its audit
        // row into a chain that verifies.
        let kinds: Vec<(String, i64)> = store::testing::raw_pairs(
            &t.db,
            "SELECT kind, COUNT(*) FROM jobs WHERE kind IN ('booking_confirmation', 'calendar_change') GROUP BY kind ORDER BY kind",
        )
        .await;
        assert_eq!(
            kinds,
            vec![
                ("booking_confirmation".to_string(), 3),
                ("calendar_change".to_string(), 3)
            ]
        );
        let rows = store::audit::recent(&mut t.db.conn().await.unwrap(), Some(case.as_str()), 100)
            .await
            .unwrap();
        assert_eq!(
            rows.iter()
                .filter(|e| e.event.action == "booking.create")
                .count(),
            3
        );
        assert!(matches!(
            store::audit::verify(&mut t.db.conn().await.unwrap())
                .await
                .unwrap(),
            store::audit::Verdict::Intact { .. }
        ));
    }
);
