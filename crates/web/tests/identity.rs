//! Who is a patient is health data: after a booking, a message through the site, a sign-in link
//! and a portal message, a dump of the database holds none of the people's names, addresses or
//! phone numbers, in any case-folding, while their therapist still reads them all.

mod common;

use common::{TestApp, OWNER_EMAIL};
use reqwest::StatusCode;

const PATIENT_NAME: &str = "Philippa Zanzibar-Crowe";
/// As the visitor typed it; sign-in must find it whatever case is typed later.
const PATIENT_EMAIL: &str = "Philippa.Zanzibar@Example.ORG";
/// As the practice keeps it (the domain in lower case), and mails to it.
const PATIENT_ADDRESS: &str = "Philippa.Zanzibar@example.org";
const INQUIRER_NAME: &str = "Ingeborg Wolkenstein";
const INQUIRER_EMAIL: &str = "ingeborg.w@example.net";
const INQUIRER_PHONE: &str = "+43 664 123 4567";

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

/// Books the first slot offered, as a visitor.
async fn book(t: &TestApp) {
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
                ("name", PATIENT_NAME),
                ("email", PATIENT_EMAIL),
                ("note", ""),
                ("consent", "on"),
                ("time_zone", "Europe/Berlin"),
                ("country", "DE"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "booked");
}

async fn write_through_the_site(t: &TestApp) {
    let b = t.browser();
    let csrf = b.csrf_from("/contact").await;
    let r = b
        .post_form(
            "/contact",
            &[
                ("csrf", &csrf),
                ("name", INQUIRER_NAME),
                ("email", INQUIRER_EMAIL),
                ("phone", INQUIRER_PHONE),
                ("message", "Do you have evening hours?"),
                ("consent", "on"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "inquiry sent");
}

/// Every identity, with its parts, folded to lower case.
fn identities() -> Vec<String> {
    [
        PATIENT_NAME,
        PATIENT_EMAIL,
        "Zanzibar",
        "Philippa",
        INQUIRER_NAME,
        INQUIRER_EMAIL,
        "Wolkenstein",
        "Ingeborg",
        INQUIRER_PHONE,
        "664 123 4567",
    ]
    .iter()
    .map(|s| s.to_lowercase())
    .collect()
}

/// Sign-in links mailed to the patient, at the address as they gave it.
async fn links_to_patient(t: &TestApp) -> usize {
    t.mails()
        .await
        .iter()
        .filter(|m| m.to == PATIENT_ADDRESS && m.body.contains("/signin/"))
        .count()
}

on_both!(
    a_dump_names_nobody_while_the_therapist_reads_everyone,
    practice,
    |t| {
        book(&t).await;
        write_through_the_site(&t).await;

        // A sign-in link, asked for in another case-folding than the address was given in.
        t.run_jobs().await;
        let links = links_to_patient(&t).await;
        let b = t.browser();
        let csrf = b.csrf_from("/signin").await;
        let r = b
            .post_form(
                "/signin",
                &[
                    ("csrf", &csrf),
                    ("email", "  PHILIPPA.zanzibar@example.org "),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        t.run_jobs().await;
        assert_eq!(links_to_patient(&t).await, links + 1, "a link was sent");
        let patient = t.patient_signed_in(PATIENT_ADDRESS).await;

        // A message from the portal.
        let csrf = patient.csrf_from("/portal/messages").await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("body", "See you on Monday");
        assert_eq!(
            patient
                .post_multipart("/portal/messages", form)
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        t.run_jobs().await;

        let dump = store::testing::raw_dump(&t.db).await.to_lowercase();
        assert!(
            dump.contains(OWNER_EMAIL),
            "the dump is the real one: the therapist's own address stays readable"
        );
        for identity in identities() {
            assert!(!dump.contains(&identity), "the dump holds {identity:?}");
        }

        // Their therapist reads them all: the patient list, the case, the inbox, the inquiry.
        let owner = t.signed_in(OWNER_EMAIL).await;
        let (_, patients) = owner.text("/admin/patients").await;
        assert!(patients.contains(PATIENT_NAME), "{patients}");
        let case = patients
            .split("href=\"/admin/cases/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a case link")
            .to_string();
        let (status, case_page) = owner.text(&format!("/admin/cases/{case}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(case_page.contains(PATIENT_NAME) && case_page.contains("See you on Monday"));
        let (_, day) = owner.text("/admin").await;
        assert!(day.contains(PATIENT_NAME), "the day names who wrote");
        let (_, inbox) = owner.text("/admin/inquiries").await;
        assert!(inbox.contains(INQUIRER_NAME));
        let inquiry = inbox
            .split("href=\"/admin/inquiries/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("an inquiry link")
            .to_string();
        let (_, inquiry_page) = owner.text(&format!("/admin/inquiries/{inquiry}")).await;
        assert!(
            inquiry_page.contains(INQUIRER_NAME)
                && inquiry_page.contains(INQUIRER_EMAIL)
                && inquiry_page.contains(INQUIRER_PHONE),
            "{inquiry_page}"
        );
        let (_, mailbox) = owner.text("/admin/mailbox").await;
        assert!(
            mailbox.contains(PATIENT_ADDRESS),
            "the dev mailbox shows the recipient"
        );
    }
);
