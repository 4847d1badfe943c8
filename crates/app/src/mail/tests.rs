use super::*;

fn en() -> Lang {
    Lang::default()
}

#[test]
fn the_notification_carries_a_link_and_nothing_else() {
    let m = inquiry_notification(
        "Linden Room",
        "t@example.org",
        "https://x.example/admin/inquiries/abc",
    )
    .render(en());
    assert!(m.body.contains("https://x.example/admin/inquiries/abc"));
    assert!(!m.subject.contains("abc"));
    assert_eq!(m.subject, "New message through Linden Room");
    assert_eq!(
        m.body,
        "A new message arrived through your practice's website.\n\nRead it in your inbox (you will be asked to sign in):\nhttps://x.example/admin/inquiries/abc\n\nFor privacy, this email does not contain the message.\n"
    );
}

#[test]
fn a_mail_with_a_calendar_file_has_one_content_type_at_the_top() {
    let mut m = inquiry_notification("P", "t@example.org", "https://x.example/a");
    m.calendar = Some(("REQUEST", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into()));
    let text = m.render(en());
    let raw = String::from_utf8(build("p@example.org", &m, &text).unwrap().formatted()).unwrap();
    let head = raw.split("\r\n\r\n").next().unwrap();
    assert_eq!(head.matches("Content-Type:").count(), 1, "{head}");
    assert!(head.contains("multipart/mixed"));
    assert!(
        raw.contains("filename=\"invite.ics\"")
            && raw.contains("text/calendar; charset=utf-8; method=REQUEST")
    );
}

#[test]
fn hostile_names_cannot_inject_headers() {
    let m = inquiry_reply(
        "P",
        "p@example.org",
        "Ana\r\nBcc: evil@example.org",
        "ana@example.org",
        "hi",
    );
    let built = build("p@example.org", &m, &m.render(en())).unwrap();
    let raw = String::from_utf8(built.formatted()).unwrap();
    assert!(!raw.contains("\r\nBcc: evil"), "{raw}");
}

fn person(name: &str, zone: &str) -> User {
    User {
        id: UserId::new("0123456789abcdef0123456789abcdef"),
        role: domain::account::Role::Patient,
        email: format!("{}@example.org", name.to_lowercase()),
        name: name.into(),
        time_zone: zone.into(),
    }
}

/// One mail of every kind the practice sends.
fn every_kind() -> Vec<Outgoing> {
    let pat = person("Pat", "America/New_York");
    let anna = person("Anna", "Europe/Berlin");
    let start: jiff::Timestamp = "2026-11-30T08:00:00Z".parse().unwrap();
    let about = AppointmentMail {
        practice_name: "Linden Room",
        patient: &pat,
        therapist: &anna,
        kind_name: "First consultation",
        start,
    };
    let link = "https://x.example/l";
    vec![
        inquiry_notification("Linden Room", "t@example.org", link),
        inquiry_reply(
            "Linden Room",
            "t@example.org",
            "Ana",
            "ana@example.org",
            "Reply",
        ),
        patient_invitation("Linden Room", "Anna", &pat, link),
        magic_link("Linden Room", &pat, link),
        therapist_invitation("Linden Room", "Anna", &anna, link),
        message_notification("Linden Room", &pat, link),
        agreement_to_sign("Linden Room", "Anna", &pat, link, false),
        agreement_to_sign("Linden Room", "Anna", &pat, link, true),
        agreement_signed("Linden Room", &anna, link),
        risk_alert("Linden Room", &anna, link),
        questionnaire_waiting("Linden Room", &pat, link),
        booking_confirmation(Confirmation {
            practice_name: "Linden Room",
            patient: &pat,
            therapist: &anna,
            kind_name: "First consultation",
            start,
            sign_in_link: link.into(),
            manage_link: link.into(),
            tech_check_link: link.into(),
            ics: String::new(),
        }),
        about.cancelled(String::new()),
        about.moved(String::new()),
        about.reminder(link),
        calendar_change("Linden Room", &anna, Change::Booked, link),
        calendar_change("Linden Room", &anna, Change::Cancelled, link),
        calendar_change("Linden Room", &anna, Change::Moved, link),
        daily_agenda(
            "Linden Room",
            &anna,
            &start,
            vec![(start, "Session P. K.".into())],
            link,
        ),
    ]
}

#[test]
fn a_calendar_change_names_no_one_and_no_time() {
    let anna = person("Anna", "Europe/Berlin");
    let m = calendar_change(
        "Linden Room",
        &anna,
        Change::Booked,
        "https://x.example/admin",
    )
    .render(en());
    assert_eq!(m.subject, "Linden Room: a new booking");
    assert_eq!(
        m.body,
        "Hello Anna,\n\nan appointment was booked in your calendar. See your day (you will be asked to sign in):\nhttps://x.example/admin\n\nFor privacy, this email does not say who or when.\n"
    );
    let agenda = daily_agenda(
        "Linden Room",
        &anna,
        &"2026-11-30T06:00:00Z".parse().unwrap(),
        vec![
            (
                "2026-11-30T08:00:00Z".parse().unwrap(),
                "Session P. K.".into(),
            ),
            (
                "2026-11-30T10:00:00Z".parse().unwrap(),
                "First consultation N. B.".into(),
            ),
        ],
        "https://x.example/admin",
    )
    .render(en());
    assert!(
        agenda
            .body
            .contains("  09:00  Session P. K.\n  11:00  First consultation N. B."),
        "{}",
        agenda.body
    );
    assert!(
        agenda.subject.contains("2 appointments"),
        "{}",
        agenda.subject
    );
}

#[test]
fn appointment_mails_read_as_they_always_have() {
    let mails = every_kind();
    let confirmation = mails[11].render(en());
    assert_eq!(
        confirmation.subject,
        "Your first consultation with Anna: Monday 30 November 2026, 03:00 (EST)"
    );
    assert!(
        confirmation.body.starts_with(
            "Hello Pat,\n\nyour first consultation with Anna at Linden Room is booked for\n\n  Monday 30 November 2026, 03:00 (EST)\n  (Monday 30 November 2026, 09:00 (CET) for Anna)\n\nThe calendar file"
        ),
        "{}",
        confirmation.body
    );
    assert!(confirmation
        .body
        .ends_with("\n\nThis email is not for emergencies.\n"));
    let renewal = mails[7].render(en());
    assert_eq!(
        renewal.subject,
        "Linden Room: a new version of your agreement to sign"
    );
    assert!(renewal.body.contains(
        "Anna has sent you a new version of your agreement to read and sign in your portal"
    ));
    let reminder = mails[14].render(en());
    assert_eq!(
        reminder.body,
        "Hello Pat,\n\na reminder of your first consultation with Anna at Linden Room:\n\n  Monday 30 November 2026, 03:00 (EST)\n\nSign in to your portal a few minutes before; it takes you to the room:\nhttps://x.example/l\n"
    );
}

/// In the pseudo-locale every word of every mail comes wrapped: nothing is English by accident.
#[test]
fn every_mail_kind_is_written_through_the_translation_layer() {
    let xa = crate::i18n::register_pseudo_locale("en-XA");
    for mail in every_kind() {
        let text = mail.render(xa);
        for (part, rendered) in [("subject", &text.subject), ("body", &text.body)] {
            let trimmed = rendered.trim_end();
            assert!(
                trimmed.starts_with('⟦') && trimmed.ends_with('⟧'),
                "{} {part}: {rendered}",
                mail.kind
            );
        }
    }
}
