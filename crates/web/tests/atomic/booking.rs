//! Failure injection: booking. A booking is a patient, a case, an appointment holding its cells, a
//! sealed note, its mails, a stage and an audit row: all of them, or none. So is each later change
//! to it (the patient's cancel and move, the therapist's calendar, a guest), and an invitation.

use crate::common::{field_value, Browser, TestApp, OWNER_EMAIL};
use crate::on_both;
use reqwest::StatusCode;
use store::booking::AppointmentView;
use store::testing::{count_rows, fail_inserts_into, heal_inserts_into, raw_text};

/// The first slot's booking form for a visitor in Berlin: (form path, POST path).
async fn first_slot(t: &TestApp) -> (String, String) {
    let (status, html) = t.browser().text("/book?tz=Europe/Berlin").await;
    assert_eq!(status, StatusCode::OK);
    let at = html.find("href=\"/book/").expect("a slot is offered");
    let path = html[at + 6..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let post_to = path.split('?').next().unwrap().to_string();
    (path, post_to)
}

async fn book(t: &TestApp, path: &str, post_to: &str) -> reqwest::Response {
    let b = t.browser();
    let (_, form) = b.text(path).await;
    let csrf = field_value(&form, "csrf").unwrap();
    b.post_form(
        post_to,
        &[
            ("csrf", csrf.as_str()),
            ("name", "Pia Visitor"),
            ("email", "pia@example.org"),
            ("phone", "+49 30 1234"),
            ("note", "Since the move I feel lost"),
            ("consent", "on"),
            ("time_zone", "Europe/Berlin"),
        ],
    )
    .await
}

/// What a booking writes, counted.
async fn footprint(t: &TestApp) -> [i64; 6] {
    let mut out = [0; 6];
    for (n, table) in [
        "users",
        "cases",
        "appointments",
        "appointment_cells",
        "jobs",
        "audit_log",
    ]
    .iter()
    .enumerate()
    {
        out[n] = count_rows(&t.db, table).await;
    }
    out
}

on_both!(
    a_booking_whose_mail_cannot_be_queued_leaves_no_patient_case_or_appointment,
    TestApp::with_practice,
    |t| {
        let (path, post_to) = first_slot(&t).await;
        let before = footprint(&t).await;
        fail_inserts_into(&t.db, "jobs").await;
        let r = book(&t, &path, &post_to).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            footprint(&t).await,
            before,
            "users, cases, appointments, cells, jobs and audit rows as before"
        );
        // Once the database accepts jobs again, the same time can be booked.
        let r = book(&t, &path, &post_to).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let after = footprint(&t).await;
        assert_eq!(after[1], before[1] + 1, "one case");
        assert_eq!(after[2], before[2] + 1, "one appointment");
    }
);

on_both!(
    a_booking_whose_audit_row_cannot_be_written_leaves_nothing_behind,
    TestApp::with_practice,
    |t| {
        let (path, post_to) = first_slot(&t).await;
        let before = footprint(&t).await;
        fail_inserts_into(&t.db, "audit_log").await;
        let r = book(&t, &path, &post_to).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "audit_log").await;
        assert_eq!(footprint(&t).await, before);
    }
);

on_both!(
    a_time_taken_between_the_offer_and_the_booking_leaves_no_patient_and_no_case,
    TestApp::with_practice,
    |t| {
        let (path, post_to) = first_slot(&t).await;
        // Another booking holds the time's first cell but is not (yet) visible to the offer: the
        // race the cells' primary key decides, after the patient and the case are written.
        let slot = post_to.trim_start_matches("/book/");
        let (therapist, rest) = slot.split_once('-').unwrap();
        let start_s: i64 = rest.rsplit('-').next().unwrap().parse().unwrap();
        let cell = start_s * 1000 / store::booking::CELL_MS;
        store::testing::raw_exec(
            &t.db,
            &format!(
                "INSERT INTO appointments (id, therapist_id, type_key, starts_at, ends_at, held_until, status, sequence, created_at, updated_at) \
                 VALUES ('racer', '{therapist}', 'block', {0}, {0}, {0}, 'cancelled', 0, 0, 0)",
                start_s * 1000
            ),
        )
        .await;
        store::testing::raw_exec(
            &t.db,
            &format!("INSERT INTO appointment_cells (therapist_id, cell, appointment_id) VALUES ('{therapist}', {cell}, 'racer')"),
        )
        .await;
        let before = footprint(&t).await;
        let r = book(&t, &path, &post_to).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "answered as taken");
        let after = footprint(&t).await;
        assert_eq!(
            after, before,
            "no patient, case, appointment, job or audit row"
        );
    }
);

// --- The appointment once booked: the patient's link, the therapist's calendar, the room ---

/// Books the first slot as Pia and answers her manage link's path (from the confirmation mail).
async fn booked(t: &TestApp) -> String {
    let (path, post_to) = first_slot(t).await;
    let r = book(t, &path, &post_to).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    t.run_jobs().await;
    let mail = t
        .mails()
        .await
        .into_iter()
        .find(|m| m.to == "pia@example.org" && m.body.contains("/booking/"))
        .expect("a confirmation with a manage link");
    let at = mail.body.find("/booking/").unwrap();
    mail.body[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The id of Pia's appointment (the only first consultation).
async fn pias_appointment(t: &TestApp) -> String {
    raw_text(
        &t.db,
        "SELECT id FROM appointments WHERE type_key = $1",
        "first",
    )
    .await
}

async fn appointment(t: &TestApp, id: &str) -> AppointmentView {
    store::booking::get(&mut t.db.conn().await.unwrap(), id)
        .await
        .unwrap()
        .expect("the appointment")
}

/// The first of the cells an appointment holds, and how many: where its time is held.
async fn held_cells(t: &TestApp, id: &str) -> (String, String) {
    let first = raw_text(
        &t.db,
        "SELECT COALESCE(CAST(MIN(cell) AS TEXT), '') FROM appointment_cells WHERE appointment_id = $1",
        id,
    )
    .await;
    let count = raw_text(
        &t.db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM appointment_cells WHERE appointment_id = $1",
        id,
    )
    .await;
    (first, count)
}

on_both!(
    a_cancellation_by_the_patients_link_whose_mail_cannot_be_queued_leaves_the_appointment_booked_and_its_time_held,
    TestApp::with_practice,
    |t| {
        let manage = booked(&t).await;
        let id = pias_appointment(&t).await;
        let b = t.browser();
        let csrf = b.csrf_from(&manage).await;
        let before = footprint(&t).await;
        let cells = held_cells(&t, &id).await;
        fail_inserts_into(&t.db, "jobs").await;
        let r = b
            .post_form(&format!("{manage}/cancel"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(footprint(&t).await, before, "no job, no audit row");
        let a = appointment(&t, &id).await;
        assert!(!a.cancelled && a.sequence == 0, "still booked");
        assert_eq!(held_cells(&t, &id).await, cells, "its time still held");
        // Once jobs can be queued again, the same link cancels.
        let r = b
            .post_form(&format!("{manage}/cancel"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(appointment(&t, &id).await.cancelled);
        assert_eq!(held_cells(&t, &id).await.1, "0");
        assert_eq!(
            count_rows(&t.db, "jobs").await,
            before[4] + 2,
            "the CANCEL mail, and the therapist told at once"
        );
    }
);

/// From the manage page to the first offered new time: (move form path, its POST path).
async fn first_move(b: &Browser, manage: &str) -> (String, String) {
    let (_, page) = b.text(manage).await;
    let choose = page
        .split("href=\"/book?reschedule=")
        .nth(1)
        .expect("the manage page offers a move")
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
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
    let post_to = move_path.split('?').next().unwrap().to_string();
    (move_path, post_to)
}

on_both!(
    a_move_by_the_patients_link_whose_mail_cannot_be_queued_stays_at_the_old_time_with_nothing_queued,
    TestApp::with_practice,
    |t| {
        let manage = booked(&t).await;
        let id = pias_appointment(&t).await;
        let b = t.browser();
        let (move_path, post_to) = first_move(&b, &manage).await;
        let csrf = b.csrf_from(&move_path).await;
        let was = appointment(&t, &id).await;
        let before = footprint(&t).await;
        let cells = held_cells(&t, &id).await;
        fail_inserts_into(&t.db, "jobs").await;
        let r = b.post_form(&post_to, &[("csrf", &csrf)]).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            footprint(&t).await,
            before,
            "no moved mail, no reminder, no audit row"
        );
        let a = appointment(&t, &id).await;
        assert_eq!(
            (a.start, a.end, a.sequence),
            (was.start, was.end, was.sequence),
            "still at the old time"
        );
        assert_eq!(held_cells(&t, &id).await, cells, "the old time still held");
        // Once jobs can be queued again, the same move goes through.
        let r = b.post_form(&post_to, &[("csrf", &csrf)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let a = appointment(&t, &id).await;
        assert!(a.start > was.start && a.sequence == was.sequence + 1);
        assert_ne!(held_cells(&t, &id).await.0, cells.0, "the new time held");
    }
);

/// The owner, signed in, with the form token of their calendar.
async fn anna_at_her_calendar(t: &TestApp) -> (Browser, String) {
    let anna = t.signed_in(OWNER_EMAIL).await;
    let csrf = anna.csrf_from("/admin/calendar").await;
    (anna, csrf)
}

on_both!(
    an_appointment_the_therapist_adds_whose_mail_cannot_be_queued_is_not_in_the_calendar,
    TestApp::with_practice,
    |t| {
        let (anna, csrf) = anna_at_her_calendar(&t).await;
        let case = t
            .invite_patient(&anna, "Ola Patient", "ola@example.org")
            .await;
        let add = [
            ("csrf", csrf.as_str()),
            ("case", case.as_str()),
            ("kind", "session"),
            ("date", "2026-11-30"),
            ("time", "11:00"),
        ];
        let before = footprint(&t).await;
        fail_inserts_into(&t.db, "jobs").await;
        let r = anna.post_form("/admin/calendar/appointments", &add).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            footprint(&t).await,
            before,
            "no appointment, no cells, no mail, no audit row"
        );
        let r = anna.post_form("/admin/calendar/appointments", &add).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "the time is still free");
        let after = footprint(&t).await;
        assert_eq!(after[2], before[2] + 1, "one appointment");
    }
);

on_both!(
    a_cancellation_from_the_calendar_whose_mail_cannot_be_queued_leaves_the_appointment_booked,
    TestApp::with_practice,
    |t| {
        booked(&t).await;
        let id = pias_appointment(&t).await;
        let (anna, csrf) = anna_at_her_calendar(&t).await;
        let cancel = format!("/admin/calendar/{id}/cancel");
        let before = footprint(&t).await;
        let cells = held_cells(&t, &id).await;
        fail_inserts_into(&t.db, "jobs").await;
        let r = anna.post_form(&cancel, &[("csrf", &csrf)]).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(footprint(&t).await, before, "no job, no audit row");
        assert!(!appointment(&t, &id).await.cancelled, "still booked");
        assert_eq!(held_cells(&t, &id).await, cells, "its time still held");
        let r = anna.post_form(&cancel, &[("csrf", &csrf)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(appointment(&t, &id).await.cancelled);
    }
);

on_both!(
    a_move_from_the_calendar_whose_mail_cannot_be_queued_stays_at_the_old_time,
    TestApp::with_practice,
    |t| {
        booked(&t).await;
        let id = pias_appointment(&t).await;
        let (anna, csrf) = anna_at_her_calendar(&t).await;
        let to = [
            ("csrf", csrf.as_str()),
            ("date", "2026-12-02"),
            ("time", "11:00"),
        ];
        let path = format!("/admin/calendar/{id}/move");
        let was = appointment(&t, &id).await;
        let before = footprint(&t).await;
        let cells = held_cells(&t, &id).await;
        fail_inserts_into(&t.db, "jobs").await;
        let r = anna.post_form(&path, &to).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(footprint(&t).await, before, "no mail, no audit row");
        let a = appointment(&t, &id).await;
        assert_eq!((a.start, a.sequence), (was.start, was.sequence));
        assert_eq!(held_cells(&t, &id).await, cells);
        let r = anna.post_form(&path, &to).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(appointment(&t, &id).await.sequence, was.sequence + 1);
    }
);

on_both!(
    blocked_time_whose_audit_row_cannot_be_written_holds_nothing,
    TestApp::with_practice,
    |t| {
        let (anna, csrf) = anna_at_her_calendar(&t).await;
        let block = [
            ("csrf", csrf.as_str()),
            ("date", "2026-12-01"),
            ("time", "09:00"),
            ("until", "13:00"),
        ];
        let before = footprint(&t).await;
        fail_inserts_into(&t.db, "audit_log").await;
        let r = anna.post_form("/admin/calendar/blocks", &block).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "audit_log").await;
        assert_eq!(footprint(&t).await, before, "no block, no cells");
        let r = anna.post_form("/admin/calendar/blocks", &block).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "the morning is still free"
        );
    }
);

on_both!(
    a_guest_invited_to_a_session_whose_audit_row_cannot_be_written_is_not_a_guest,
    TestApp::with_practice,
    |t| {
        booked(&t).await;
        let id = pias_appointment(&t).await;
        let (anna, csrf) = anna_at_her_calendar(&t).await;
        t.invite_patient(&anna, "Sam Partner", "sam@example.org")
            .await;
        let invite = format!("/admin/calendar/{id}/guests");
        let form = [("csrf", csrf.as_str()), ("email", "sam@example.org")];
        let audit_rows = count_rows(&t.db, "audit_log").await;
        fail_inserts_into(&t.db, "audit_log").await;
        let r = anna.post_form(&invite, &form).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "audit_log").await;
        assert_eq!(count_rows(&t.db, "appointment_guests").await, 0);
        assert_eq!(count_rows(&t.db, "audit_log").await, audit_rows);
        let r = anna.post_form(&invite, &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(count_rows(&t.db, "appointment_guests").await, 1);
    }
);

// --- The patient invitation and the sign-in link ---

on_both!(
    a_patient_invitation_whose_mail_cannot_be_queued_leaves_no_patient_and_no_case,
    TestApp::with_practice,
    |t| {
        let anna = t.signed_in(OWNER_EMAIL).await;
        let csrf = anna.csrf_from("/admin/patients").await;
        let form = [
            ("csrf", csrf.as_str()),
            ("name", "Ola Patient"),
            ("email", "ola@example.org"),
            ("time_zone", "Europe/London"),
        ];
        let before = footprint(&t).await;
        fail_inserts_into(&t.db, "jobs").await;
        let r = anna.post_form("/admin/patients", &form).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            footprint(&t).await,
            before,
            "no patient, no case, no mail, no audit row"
        );
        // The address is not taken by a half-made patient: the invitation goes through.
        t.invite_patient(&anna, "Ola Patient", "ola@example.org")
            .await;
        let after = footprint(&t).await;
        assert_eq!((after[0], after[1]), (before[0] + 1, before[1] + 1));
    }
);

on_both!(
    a_sign_in_link_request_whose_audit_row_cannot_be_written_queues_no_mail,
    TestApp::with_practice,
    |t| {
        let anna = t.signed_in(OWNER_EMAIL).await;
        t.invite_patient(&anna, "Ola Patient", "ola@example.org")
            .await;
        let b = t.browser();
        let csrf = b.csrf_from("/signin").await;
        let form = [("csrf", csrf.as_str()), ("email", "ola@example.org")];
        let jobs = count_rows(&t.db, "jobs").await;
        fail_inserts_into(&t.db, "audit_log").await;
        let r = b.post_form("/signin", &form).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "audit_log").await;
        assert_eq!(
            count_rows(&t.db, "jobs").await,
            jobs,
            "no sign-in mail queued"
        );
        let r = b.post_form("/signin", &form).await;
        assert!(r.status().is_success() || r.status().is_redirection());
        assert_eq!(count_rows(&t.db, "jobs").await, jobs + 1);
    }
);

on_both!(
    booking_settings_whose_exceptions_cannot_be_written_keep_the_old_hours,
    TestApp::with_practice,
    |t| {
        let anna = t.signed_in(OWNER_EMAIL).await;
        let csrf = anna.csrf_from("/admin/booking").await;
        let form = [
            ("csrf", csrf.as_str()),
            ("first_minutes", "50"),
            ("first_buffer", "10"),
            ("first_price", "60"),
            ("notice_hours", "24"),
            ("horizon_weeks", "8"),
            ("cancel_hours", "48"),
            ("weekly", "Mon 09:00-12:00\nTue 09:00-12:00"),
            ("exceptions", "2026-11-30 off"),
        ];
        let windows = count_rows(&t.db, "availability_windows").await;
        let audit_rows = count_rows(&t.db, "audit_log").await;
        // The exceptions are written after the hours: their refusal comes once the hours are
        // already replaced inside the transaction.
        fail_inserts_into(&t.db, "availability_exceptions").await;
        let r = anna.post_form("/admin/booking", &form).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        heal_inserts_into(&t.db, "availability_exceptions").await;
        assert_eq!(count_rows(&t.db, "availability_windows").await, windows);
        assert_eq!(count_rows(&t.db, "audit_log").await, audit_rows);
        let (_, page) = anna.text("/admin/booking").await;
        assert!(page.contains("Mon 09:00-13:00"), "the old hours stand");
        let r = anna.post_form("/admin/booking", &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(count_rows(&t.db, "availability_windows").await, 2);
    }
);
