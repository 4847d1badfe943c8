//! The bugs a new user found (issue 11, part 6), each as the person who met it: the visitor who
//! could book a session, the phone-sized booking page and its time-zone chooser, the wording of
//! the booking form's refusals, the portal that offered a first consultation to a patient, and a
//! consultation marked as held before it began.

mod common;

use common::{field_value, location, TestApp, OWNER_EMAIL};
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

/// The `href`s of the bookable times on a booking page.
fn slot_links(html: &str) -> Vec<String> {
    html.match_indices("href=\"/book/")
        .map(|(at, _)| {
            html[at + 6..]
                .split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&")
        })
        .collect()
}

/// The `href` of the link labelled `label`.
fn link_to(html: &str, label: &str) -> Option<String> {
    let end = html.find(&format!(">{label}</a>"))?;
    let start = html[..end].rfind("href=\"")? + 6;
    Some(
        html[start..]
            .split('"')
            .next()?
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

/// A visitor in Berlin books the first free time; answers (manage link, case id).
async fn book_first(t: &TestApp, email: &str) -> (String, String) {
    let (_, page) = t.browser().text("/book?tz=Europe/Berlin").await;
    let path = slot_links(&page).into_iter().next().expect("a free time");
    let b = t.browser();
    let csrf = b.csrf_from(&path).await;
    let post_to = path.split('?').next().unwrap();
    let r = b
        .post_form(
            post_to,
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
        .find(|m| m.to == email)
        .expect("confirmation");
    let at = mail.body.find("/booking/").expect("a manage link");
    let manage = mail.body[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let (owner, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), OWNER_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let cases = store::cases::of_therapist(&mut t.db.conn().await.unwrap(), &owner.id)
        .await
        .unwrap();
    (manage, cases[0].id.to_string())
}

on_both!(
    a_visitor_is_offered_only_the_types_open_to_new_visitors,
    practice,
    |t| {
        let visitor = t.browser();
        let (status, page) = visitor.text("/book?tz=Europe/Berlin").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !page.contains("type=session"),
            "sessions are not listed for a visitor"
        );
        assert_eq!(
            visitor.get("/book?type=session").await.status(),
            StatusCode::NOT_FOUND,
            "nor offered when asked for by name"
        );

        // A patient sees sessions; the time they are offered cannot be booked by a visitor.
        let anna = t.signed_in(OWNER_EMAIL).await;
        t.invite_patient(&anna, "Pia Patient", "pia@example.org")
            .await;
        let pia = t.patient_signed_in("pia@example.org").await;
        let (status, page) = pia.text("/book?type=session&tz=Europe/Berlin").await;
        assert_eq!(status, StatusCode::OK);
        let session = slot_links(&page)
            .into_iter()
            .next()
            .expect("a session time");
        assert!(session.contains("-session-"), "{session}");
        let csrf = visitor.csrf_from("/contact").await;
        let r = visitor
            .post_form(
                session.split('?').next().unwrap(),
                &[
                    ("csrf", &csrf),
                    ("name", "Vic Visitor"),
                    ("email", "vic@example.org"),
                    ("consent", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // The therapist opens sessions to visitors: now they are offered.
        let csrf = anna.csrf_from("/admin/booking").await;
        let (_, settings) = anna.text("/admin/booking").await;
        let mut fields: Vec<(String, String)> = [
            "weekly",
            "exceptions",
            "first_minutes",
            "first_buffer",
            "first_price",
            "session_minutes",
            "session_buffer",
            "session_price",
            "notice_hours",
            "horizon_weeks",
            "daily_cap",
            "cancel_hours",
        ]
        .iter()
        .map(|f| {
            let value = field_value(&settings, f).unwrap_or_else(|| {
                // A textarea: its text.
                let at = settings.find(&format!("name=\"{f}\"")).unwrap();
                let open = at + settings[at..].find('>').unwrap() + 1;
                let close = open + settings[open..].find("</textarea>").unwrap();
                settings[open..close].replace("&#10;", "\n")
            });
            (f.to_string(), value)
        })
        .collect();
        fields.push(("session_open".into(), "visitors".into()));
        fields.push(("csrf".into(), csrf));
        let posted: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = anna.post_form("/admin/booking", &posted).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            t.browser()
                .get("/book?type=session&tz=Europe/Berlin")
                .await
                .status(),
            StatusCode::OK
        );
    }
);

on_both!(
    the_booking_page_shows_one_week_with_the_first_free_times_first,
    practice,
    |t| {
        let b = t.browser();
        let (status, first) = b.text("/book?tz=America/New_York").await;
        assert_eq!(status, StatusCode::OK);
        let shown = slot_links(&first);
        // Demo hours: weekdays 09:00–13:00 and 14:00–18:00 in Berlin, Fridays mornings only; the
        // clock stands on Friday 27 November, so the first week (27 Nov – 3 Dec) holds Monday to
        // Thursday: at most 4 days of 7 hourly times.
        assert!(
            !shown.is_empty() && shown.len() <= 35,
            "{} times on one page",
            shown.len()
        );
        assert!(first.contains("27 Nov–3 Dec"), "the week is named");
        assert!(
            link_to(&first, "Earlier free times").is_none(),
            "nothing is earlier than the first"
        );
        let later = link_to(&first, "Later free times").expect("a later week, without script");
        assert!(
            later.contains("week=1") && later.contains("tz=America%2FNew_York"),
            "{later}"
        );
        let (_, second) = b.text(&later).await;
        let next = slot_links(&second);
        assert!(!next.is_empty(), "{later}: {second}");
        assert!(
            next.iter().all(|s| !shown.contains(s)),
            "another week's times"
        );
        assert!(link_to(&second, "Earlier free times").is_some());
    }
);

on_both!(
    the_zone_chooser_offers_canonical_zones_by_region_and_says_when_a_zone_is_unknown,
    practice,
    |t| {
        let b = t.browser();
        let (_, page) = b.text("/book?tz=Europe/Berlin").await;
        for odd in [
            "Factory",
            "posixrules",
            "localtime",
            "Zulu",
            "US/Eastern",
            "Asia/Calcutta",
        ] {
            assert!(
                !page.contains(&format!("value=\"{odd}\"")),
                "{odd} is not offered"
            );
        }
        assert!(page.contains("<optgroup label=\"Europe\">"));
        assert!(page.contains("<optgroup label=\"Americas\">"));
        assert!(
            page.contains("value=\"Europe/Berlin\" selected>Berlin (UTC+01:00)</option>"),
            "the chosen zone with its offset now"
        );
        assert!(page.contains(">New York (UTC\u{2212}05:00)</option>"));
        assert!(!page.contains("id=\"tz-error\""));

        let (status, page) = b.text("/book?tz=Mars/Olympus_Mons").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("id=\"tz-error\"")
                && page.contains("We do not know the time zone")
                && page.contains("Olympus_Mons"),
            "said next to the chooser"
        );
    }
);

on_both!(
    the_booking_form_names_the_empty_fields_and_states_the_limit,
    practice,
    |t| {
        let (_, page) = t.browser().text("/book?tz=Europe/Berlin").await;
        let path = slot_links(&page).into_iter().next().unwrap();
        let b = t.browser();
        let csrf = b.csrf_from(&path).await;
        let long = "a".repeat(2_001);
        let r = b
            .post_form(
                path.split('?').next().unwrap(),
                &[
                    ("csrf", &csrf),
                    ("name", ""),
                    ("email", ""),
                    ("note", &long),
                    ("time_zone", "Europe/Berlin"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        let summary = &html[html.find("class=\"error-summary\"").unwrap()..];
        let summary = &summary[..summary.find("</div>").unwrap()];
        assert!(
            summary.contains(
                "Please fill in: <a href=\"#name\">Your name</a>, <a href=\"#email\">Email address</a>"
            ),
            "{summary}"
        );
        assert!(
            !summary.contains("Please fill this in."),
            "the summary names the fields instead"
        );
        assert_eq!(
            html.matches("Please keep this under 2,000 characters.")
                .count(),
            2,
            "next to the note and in the summary"
        );
        assert!(!html.contains("This is too long."));
        assert!(
            !html.contains("your message"),
            "a booking is not a message: {}",
            html
        );
        assert!(html.contains("id=\"consent-error\""));
    }
);

on_both!(
    the_manage_page_reads_first_consultation_mid_sentence,
    practice,
    |t| {
        let (manage, _) = book_first(&t, "kai@example.org").await;
        let (_, page) = t.browser().text(&manage).await;
        assert!(
            page.contains("Your first consultation with"),
            "{}",
            &page[page.find("<h1").unwrap()..][..200]
        );
        assert!(!page.contains("Your First consultation"));
    }
);

on_both!(
    a_patient_is_not_offered_a_first_consultation_in_the_portal,
    practice,
    |t| {
        let (_, home) = t.browser().text("/").await;
        assert!(home.contains("class=\"nav-cta\""), "visitors are");
        let anna = t.signed_in(OWNER_EMAIL).await;
        t.invite_patient(&anna, "Pia Patient", "pia@example.org")
            .await;
        let pia = t.patient_signed_in("pia@example.org").await;
        for path in [
            "/portal",
            "/portal/messages",
            "/portal/profile",
            "/portal/measures",
        ] {
            let (status, page) = pia.text(path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(
                !page.contains("class=\"nav-cta\""),
                "{path} offers a first consultation to a patient"
            );
        }
    }
);

on_both!(
    a_consultation_is_marked_held_only_from_its_start,
    practice,
    |t| {
        // The first free time is Monday 30 November, 09:00 in Berlin; the clock stands on Friday.
        let (_, case) = book_first(&t, "kai@example.org").await;
        let anna = t.signed_in(OWNER_EMAIL).await;
        let workspace = format!("/admin/cases/{case}/workspace");
        let (_, page) = anna.text(&workspace).await;
        assert!(
            page.contains("The consultation has not begun yet"),
            "the page says why the move is not offered"
        );
        let r = anna
            .post_with_token(
                &format!("/admin/cases/{case}/stage"),
                &[("stage", "consultation_held")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("class=\"field-error\" id=\"stage\">The consultation has not begun yet")
        );

        t.clock.advance(jiff::SignedDuration::from_hours(72));
        let anna = t.signed_in(OWNER_EMAIL).await;
        let r = anna
            .post_with_token(
                &format!("/admin/cases/{case}/stage"),
                &[("stage", "consultation_held")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "from its start it may");
        assert_eq!(location(&r), workspace);
    }
);
