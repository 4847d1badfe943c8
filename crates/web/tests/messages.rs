//! Secure messages end to end in-process: notifications without content, unread counts,
//! attachments, the data export, sealing at rest (the raw SQLite file, and pg_dump), and
//! signing out everywhere.

mod common;

use common::{field_value, location, TestApp, THERAPIST_EMAIL};
use reqwest::StatusCode;

const PATIENT: &str = "mara@example.org";
const SECRET_TEXT: &str = "Since the funeral I cannot sleep";
const REPLY_TEXT: &str = "Thank you for telling me; we can talk on Tuesday";

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

on_both!(
    a_conversation_with_an_attachment_leaves_no_text_in_mail_or_at_rest,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t.invite_patient(&theo, "Mara", PATIENT).await;
        let mara = t.patient_signed_in(PATIENT).await;

        // A file that is not a PDF/JPEG/PNG is refused next to its field, the text kept.
        let csrf = mara.csrf_from("/portal/messages").await;
        let bad = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("body", SECRET_TEXT)
            .part(
                "attachment",
                reqwest::multipart::Part::bytes(b"<html><script>x</script>".to_vec())
                    .file_name("page.pdf"),
            );
        let r = mara.post_multipart("/portal/messages", bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"attachment-error\"") && html.contains(SECRET_TEXT));

        let pdf = b"%PDF-1.4 letter from my doctor".to_vec();
        let good = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("body", SECRET_TEXT)
            .part(
                "attachment",
                reqwest::multipart::Part::bytes(pdf.clone()).file_name("doctor.pdf"),
            );
        assert_eq!(
            mara.post_multipart("/portal/messages", good).await.status(),
            StatusCode::SEE_OTHER
        );
        t.run_jobs().await;

        // The therapist sees one unread message, then reads it and the attachment.
        let (_, list) = theo.text("/admin/patients").await;
        assert!(list.contains("1 unread"), "{list}");
        let (_, thread) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(thread.contains(SECRET_TEXT) && thread.contains("doctor.pdf"));
        let (_, list) = theo.text("/admin/patients").await;
        assert!(!list.contains("unread"));
        let attachment = thread
            .split("/admin/attachments/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let file = theo.get(&format!("/admin/attachments/{attachment}")).await;
        assert_eq!(file.status(), StatusCode::OK);
        assert!(file
            .headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        assert_eq!(file.bytes().await.unwrap().to_vec(), pdf);

        let csrf = field_value(&thread, "csrf").unwrap();
        let reply = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("body", REPLY_TEXT);
        assert_eq!(
            theo.post_multipart(&format!("/admin/cases/{case}"), reply)
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        t.run_jobs().await;
        let (_, portal) = mara.text("/portal/messages").await;
        assert!(portal.contains(REPLY_TEXT));

        // Every mail the practice sent: notifications say only that there is a message.
        let mails = t.mails().await;
        let notes: Vec<_> = mails
            .iter()
            .filter(|m| m.subject.starts_with("You have a new message"))
            .collect();
        assert_eq!(notes.len(), 2);
        for m in &mails {
            assert!(
                !m.body.contains(SECRET_TEXT)
                    && !m.body.contains(REPLY_TEXT)
                    && !m.body.contains("doctor.pdf"),
                "{}: {}",
                m.subject,
                m.body
            );
        }

        // The export holds the conversation.
        let export = mara.get("/portal/export").await;
        assert_eq!(export.status(), StatusCode::OK);
        let data: serde_json::Value = export.json().await.unwrap();
        let text = data.to_string();
        assert!(
            text.contains(SECRET_TEXT)
                && text.contains(REPLY_TEXT)
                && text.contains("doctor.pdf")
                && text.contains(PATIENT)
        );

        // At rest, none of it is readable.
        let dump = store::testing::raw_dump(&t.db).await;
        for needle in [
            SECRET_TEXT,
            REPLY_TEXT,
            "doctor.pdf",
            "letter from my doctor",
        ] {
            assert!(!dump.contains(needle), "{needle:?} found at rest");
        }
        assert!(dump.contains("hs1:"), "the dump saw the sealed values");
    }
);

on_both!(
    signing_out_everywhere_ends_every_session_of_that_person,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        t.invite_patient(&theo, "Mara", PATIENT).await;
        let phone = t.patient_signed_in(PATIENT).await;
        let b = t.browser();
        let csrf = b.csrf_from("/signin").await;
        assert_eq!(
            b.post_form("/signin", &[("csrf", &csrf), ("email", PATIENT)])
                .await
                .status(),
            StatusCode::OK
        );
        let laptop = t.patient_signed_in(PATIENT).await;
        let (_, sessions) = laptop.text("/portal/sessions").await;
        assert_eq!(sessions.matches("class=\"card\"").count(), 2);
        let csrf = field_value(&sessions, "csrf").unwrap();
        let r = laptop
            .post_form("/portal/sessions/end-all", &[("csrf", &csrf)])
            .await;
        assert_eq!(location(&r), "/signin");
        assert_eq!(location(&phone.get("/portal").await), "/signin");
        assert_eq!(location(&laptop.get("/portal").await), "/signin");
        assert_eq!(
            theo.get("/admin").await.status(),
            StatusCode::OK,
            "other people stay signed in"
        );
    }
);

on_both!(
    a_sign_in_link_works_once_and_unknown_addresses_get_the_same_answer,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        t.invite_patient(&theo, "Mara", PATIENT).await;
        let path = t.link_for(PATIENT).await;
        let b = t.browser();
        let csrf = b.csrf_from(&path).await;
        assert_eq!(
            location(&b.post_form(&path, &[("csrf", &csrf)]).await),
            "/portal"
        );
        let other = t.browser();
        let csrf = other.csrf_from("/signin").await;
        assert_eq!(
            other.post_form(&path, &[("csrf", &csrf)]).await.status(),
            StatusCode::NOT_FOUND,
            "used once already"
        );
        assert_eq!(t.browser().get(&path).await.status(), StatusCode::NOT_FOUND);

        let mails_before = t.mails().await.len();
        // What a request writes before it is answered: a job and an audit row, whoever asks.
        let written = || async {
            (
                store::testing::count_rows(&t.db, "jobs").await,
                store::testing::count_rows(&t.db, "audit_log").await,
            )
        };
        let before = written().await;
        let known = t.browser();
        let csrf = known.csrf_from("/signin").await;
        let a = known
            .post_form("/signin", &[("csrf", &csrf), ("email", PATIENT)])
            .await
            .text()
            .await
            .unwrap();
        let after_known = written().await;
        let unknown = t.browser();
        let csrf2 = unknown.csrf_from("/signin").await;
        let u = unknown
            .post_form(
                "/signin",
                &[("csrf", &csrf2), ("email", "nobody@example.org")],
            )
            .await
            .text()
            .await
            .unwrap();
        let after_unknown = written().await;
        assert_eq!(
            (after_known.0 - before.0, after_known.1 - before.1),
            (
                after_unknown.0 - after_known.0,
                after_unknown.1 - after_known.1
            ),
            "a known and an unknown address do the same writes before the answer (no timing tell)"
        );
        assert_eq!(
            a.replace(&csrf, ""),
            u.replace(&csrf2, ""),
            "no enumeration"
        );
        t.run_jobs().await;
        assert_eq!(
            t.mails().await.len(),
            mails_before + 1,
            "only the known address got a link"
        );

        // A link expires after 15 minutes.
        let fresh = t.link_for(PATIENT).await;
        t.clock.advance(jiff::SignedDuration::from_mins(16));
        assert_eq!(
            t.browser().get(&fresh).await.status(),
            StatusCode::NOT_FOUND
        );
    }
);
