//! The therapist's day over HTTP, on SQLite and PostgreSQL: a booking is on it and told by a
//! content-free mail (unless the therapist switched that off), a patient's message is unread on
//! it until read, the week's grid and an appointment's own page (cancel, move), what the visitor
//! wrote at booking on the case page, and an inquiry turned into an invited patient.

mod common;

use common::{field_value, location, TestApp, OWNER_EMAIL};
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

/// A visitor in Berlin books the first offered time with a phone number and a note; answers the
/// booking's slot path.
async fn book_first(t: &TestApp, name: &str, email: &str) {
    let (_, html) = t.browser().text("/book?tz=Europe/Berlin").await;
    let at = html.find("href=\"/book/").expect("a slot is offered");
    let path = html[at + 6..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let b = t.browser();
    let csrf = b.csrf_from(&path).await;
    let post_to = path.split('?').next().unwrap().to_string();
    let r = b
        .post_form(
            &post_to,
            &[
                ("csrf", &csrf),
                ("name", name),
                ("email", email),
                ("phone", "+49 30 1234567"),
                ("note", "Sleepless since the move."),
                ("consent", "on"),
                ("time_zone", "Europe/Berlin"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// The section of the day's page under the heading `heading` (up to the next h2/h3).
fn section<'a>(html: &'a str, heading: &str) -> Option<&'a str> {
    let at = html.find(&format!(">{heading}</h"))?;
    let rest = &html[at..];
    let end = rest[1..]
        .find("<h3")
        .into_iter()
        .chain(rest[1..].find("<h2"))
        .min()
        .unwrap_or(rest.len() - 1);
    Some(&rest[..end + 1])
}

on_both!(
    a_booking_is_on_the_day_and_told_by_a_mail_without_name_or_time,
    practice,
    |t| {
        let anna = t.signed_in(OWNER_EMAIL).await;
        book_first(&t, "Kai Berger", "kai@example.org").await;
        t.run_jobs().await;

        let (status, day) = anna.text("/admin").await;
        assert_eq!(status, StatusCode::OK);
        let news = section(&day, "New bookings and cancellations").expect("the booking is news");
        assert!(news.contains("Kai Berger"), "{news}");
        assert!(
            news.contains("Booked: First consultation, Monday 30 November, 09:00"),
            "{news}"
        );

        let told: Vec<_> = t
            .mails()
            .await
            .into_iter()
            .filter(|m| m.to == OWNER_EMAIL && m.subject.contains("a new booking"))
            .collect();
        assert_eq!(told.len(), 1, "one mail to the therapist");
        for text in [&told[0].subject, &told[0].body] {
            assert!(!text.contains("Kai"), "no name: {text}");
            assert!(!text.contains("Sleepless"), "no note: {text}");
            assert!(
                !text.contains("09:00") && !text.contains("30 November"),
                "no time: {text}"
            );
        }
        assert!(told[0].body.contains(&format!("{}/admin", t.base)));

        // Seen: the booking leaves the news; the session stays on the calendar.
        let csrf = field_value(&day, "csrf").unwrap();
        let r = anna.post_form("/admin/seen", &[("csrf", &csrf)]).await;
        assert_eq!(location(&r), "/admin");
        let (_, day) = anna.text("/admin").await;
        assert!(section(&day, "New bookings and cancellations").is_none());

        // Switched off, a second booking is news on the page but sends no mail.
        let csrf = anna.csrf_from("/admin/booking").await;
        let r = anna
            .post_form(
                "/admin/notices",
                &[
                    ("csrf", &csrf),
                    ("tell_cancellation", "on"),
                    ("tell_move", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, settings) = anna.text("/admin/booking").await;
        assert!(!settings
            .contains("id=\"tell_booking\" name=\"tell_booking\" type=\"checkbox\" checked"));
        assert!(settings.contains("id=\"tell_move\" name=\"tell_move\" type=\"checkbox\" checked"));
        t.clock.advance(jiff::SignedDuration::from_mins(1));
        book_first(&t, "Lea Sommer", "lea@example.org").await;
        t.run_jobs().await;
        let told = t
            .mails()
            .await
            .into_iter()
            .filter(|m| m.to == OWNER_EMAIL && m.subject.contains("a new booking"))
            .count();
        assert_eq!(told, 1, "no mail for the second booking");
        let (_, day) = anna.text("/admin").await;
        assert!(section(&day, "New bookings and cancellations")
            .unwrap()
            .contains("Lea Sommer"));
    }
);

on_both!(
    a_patients_message_is_unread_on_the_day_until_the_case_is_opened,
    practice,
    |t| {
        let anna = t.signed_in(OWNER_EMAIL).await;
        let case = t.invite_patient(&anna, "Mia Roth", "mia@example.org").await;
        let mia = t.patient_signed_in("mia@example.org").await;
        let (_, day) = anna.text("/admin").await;
        assert!(section(&day, "Unread messages").is_none());

        let csrf = mia.csrf_from("/portal/messages").await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("body", "Can we talk about the fee?");
        let r = mia
            .post_multipart(&format!("/portal/messages?case={case}"), form)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        let (_, day) = anna.text("/admin").await;
        let unread = section(&day, "Unread messages").expect("the message is unread");
        assert!(unread.contains("Mia Roth") && unread.contains("1 unread message"));
        assert!(!day.contains("fee"), "the day shows no message text");
        assert!(unread.contains(&format!("/admin/cases/{case}#messages")));

        anna.text(&format!("/admin/cases/{case}")).await;
        let (_, day) = anna.text("/admin").await;
        assert!(
            section(&day, "Unread messages").is_none(),
            "read, it is gone"
        );
    }
);

on_both!(
    the_week_is_a_grid_and_an_appointment_page_moves_and_cancels,
    practice,
    |t| {
        let anna = t.signed_in(OWNER_EMAIL).await;
        book_first(&t, "Kai Berger", "kai@example.org").await;
        let (status, week) = anna.text("/admin/calendar?day=2026-11-30").await;
        assert_eq!(status, StatusCode::OK);
        // Monday 09:00 in Berlin: the grid starts at 08:00, so the quarter-hour row 2 + 4.
        let at = week
            .find("class=\"cal-item r-6 s-4\"")
            .expect("placed at 09:00 for 50 minutes");
        assert!(week[at..].contains("Kai Berger · First consultation"));
        assert!(week.contains("class=\"cal-day is-focus\" aria-labelledby=\"day-2026-11-30\""));
        assert!(
            week.contains("cal-open r-6"),
            "the offered hours are shaded"
        );
        assert!(!week.contains("/cancel\""), "no open forms per entry");
        let id = week[at..]
            .split("href=\"/admin/calendar/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();

        let page = format!("/admin/calendar/{id}");
        let (status, html) = anna.text(&page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("First consultation with Kai Berger"));
        assert!(html.contains(&format!("href=\"/rooms/{id}\"")));
        assert_eq!(field_value(&html, "date").as_deref(), Some("2026-11-30"));
        assert_eq!(field_value(&html, "time").as_deref(), Some("09:00"));

        // A bad time is refused next to its field, what was typed kept.
        let csrf = field_value(&html, "csrf").unwrap();
        let r = anna
            .post_form(
                &format!("{page}/move"),
                &[("csrf", &csrf), ("date", "2026-12-01"), ("time", "25:00")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"time-error\""));
        assert_eq!(field_value(&html, "date").as_deref(), Some("2026-12-01"));

        let r = anna
            .post_form(
                &format!("{page}/move"),
                &[("csrf", &csrf), ("date", "2026-12-01"), ("time", "11:00")],
            )
            .await;
        assert_eq!(location(&r), page);
        let (_, html) = anna.text(&page).await;
        assert!(html.contains("Tuesday 1 December, 11:00"), "moved");

        let r = anna
            .post_form(&format!("{page}/cancel"), &[("csrf", &csrf)])
            .await;
        assert_eq!(location(&r), page);
        let (_, html) = anna.text(&page).await;
        assert!(
            html.contains("<span class=\"badge\">cancelled"),
            "cancelled"
        );
        assert!(!html.contains("/rooms/"), "no room for a cancelled session");
        let (_, week) = anna.text("/admin/calendar?day=2026-12-01").await;
        assert!(!week.contains("cal-item r-"), "gone from the grid");
        assert!(week.contains("Cancelled this week"));
    }
);

on_both!(
    what_the_visitor_wrote_reaches_the_case_page_and_the_reading_is_audited,
    practice,
    |t| {
        let anna = t.signed_in(OWNER_EMAIL).await;
        book_first(&t, "Kai Berger", "kai@example.org").await;
        let (_, patients) = anna.text("/admin/patients").await;
        let at = patients.find("/admin/cases/").unwrap();
        let case = patients[at + 13..at + 45].to_string();
        let (_, html) = anna.text(&format!("/admin/cases/{case}")).await;
        assert!(html.contains("Sleepless since the move."));
        assert!(html.contains("+49 30 1234567"));
        let (_, ws) = anna.text(&format!("/admin/cases/{case}/workspace")).await;
        assert!(ws.contains("Sleepless since the move."));
        let (_, audit) = anna.text(&format!("/admin/audit?case={case}")).await;
        assert!(audit.contains("case.visitor_words.read"));
    }
);

on_both!(
    an_inquiry_becomes_an_invited_patient_with_its_text_on_the_case,
    practice,
    |t| {
        let visitor = t.browser();
        let csrf = visitor.csrf_from("/contact").await;
        visitor
            .post_form(
                "/contact",
                &[
                    ("csrf", &csrf),
                    ("name", "Noor Haddad"),
                    ("email", "noor@example.org"),
                    ("phone", "+44 20 7946 0000"),
                    ("message", "I would like to start therapy in English."),
                    ("consent", "on"),
                ],
            )
            .await;
        let anna = t.signed_in(OWNER_EMAIL).await;
        let (_, day) = anna.text("/admin").await;
        let news =
            section(&day, "New messages through the site").expect("the inquiry is on the day");
        let at = news.find("/admin/inquiries/").unwrap();
        let thread = news[at..].split('"').next().unwrap().to_string();
        let csrf = anna.csrf_from(&thread).await;
        let r = anna
            .post_form(&format!("{thread}/invite"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let case_page = location(&r);
        assert!(case_page.starts_with("/admin/cases/"));
        let (_, html) = anna.text(&case_page).await;
        assert!(html.contains("I would like to start therapy in English."));
        assert!(html.contains("+44 20 7946 0000"));
        t.run_jobs().await;
        assert!(t
            .mails()
            .await
            .iter()
            .any(|m| m.to == "noor@example.org" && m.body.contains("/signin/")));
        let (_, day) = anna.text("/admin").await;
        assert!(
            section(&day, "New messages through the site").is_none(),
            "handled"
        );
    }
);

on_both!(
    todays_sessions_are_on_the_day_and_the_next_is_prominent_from_fifteen_minutes_before,
    practice,
    |t| {
        let anna = t.signed_in(OWNER_EMAIL).await;
        let case = t.invite_patient(&anna, "Ida Falk", "ida@example.org").await;
        // The clock: Friday 27 November, 10:00 in Berlin (Anna's zone).
        let csrf = anna.csrf_from("/admin/calendar").await;
        for (date, time) in [("2026-11-27", "10:20"), ("2026-11-28", "09:00")] {
            let r = anna
                .post_form(
                    "/admin/calendar/appointments",
                    &[
                        ("csrf", &csrf),
                        ("case", &case),
                        ("kind", "session"),
                        ("date", date),
                        ("time", time),
                        ("clash", "on"),
                    ],
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
        let (_, day) = anna.text("/admin").await;
        let today = section(&day, "Today").unwrap();
        assert!(today.contains("10:20") && today.contains("Ida Falk") && today.contains("/rooms/"));
        assert!(section(&day, "Tomorrow").unwrap().contains("09:00"));
        assert!(
            !day.contains("Your session now"),
            "twenty minutes before: not yet"
        );

        t.clock.advance(jiff::SignedDuration::from_mins(5));
        let (_, day) = anna.text("/admin").await;
        let now = section(&day, "Your session now").expect("fifteen minutes before: join now");
        assert!(now.contains("10:20") && now.contains("href=\"/rooms/"));
        assert!(!now.contains("09:00"), "only the next one");
    }
);
