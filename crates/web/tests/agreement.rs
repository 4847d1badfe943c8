//! The therapy agreement in-process: the therapist edits the template (refusals next to their
//! field), sends it with a person's own fee; the patient signs exactly the text shown (hash,
//! address and browser recorded); the countersignature; the printable copies; nobody else learns
//! the agreement exists; nothing of it is readable at rest or in mail; a new version asks the
//! patient to sign again while the signed one keeps its own text and hash.

mod common;

use common::{field_value, location, Browser, TestApp, OWNER_EMAIL, THERAPIST_EMAIL};
use domain::agreement::{self as rules, Known, Terms};
use reqwest::header::{HeaderMap, HeaderValue, USER_AGENT};
use reqwest::StatusCode;

const PATIENT: &str = "mara@example.org";
const PATIENT_NAME: &str = "Mara Jovanović";
const OTHER_PATIENT: &str = "bea@example.org";
const COLLEAGUE: &str = "tara@example.org";
/// A sentence only the agreement holds: it may appear nowhere but on the pages that show it.
const FRAME: &str = "We keep the Thursday hour free of phones and of third parties";
const REDUCED_FEE: &str = "55 EUR per session (a reduced place)";
const SIGNING_BROWSER: &str = "AgreementTestBrowser/1.0 (signing)";

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

fn terms() -> Terms {
    rules::default_template(&Known {
        session_minutes: Some(50),
        session_price_cents: Some(9_500),
        cancel_hours: 48,
        crisis_contacts: "Call 112.",
    })
    .terms
}

fn body(extra: &str) -> String {
    format!("# Our agreement\n\nBetween {{patient}} and {{therapist}}.\n\n{FRAME}.{extra}\n\nFee: {{fee}}. We meet {{frequency}} for {{session_length}}; cancel {{cancel_notice}} ahead.\n\n{{contact_between_sessions}}\n\n{{connection_drops}}\n\n{{confidentiality}}\n\n{{emergencies}}\n\n{{private_space}}\n")
}

/// The template form's fields with `body` and the default terms, `change` applied.
fn template_form(body: &str, terms: &Terms, intent: &str) -> Vec<(String, String)> {
    let mut fields = vec![
        ("intent".to_string(), intent.to_string()),
        ("body".to_string(), body.to_string()),
    ];
    if let serde_json::Value::Object(map) = serde_json::to_value(terms).unwrap() {
        for (k, v) in map {
            fields.push((k, v.as_str().unwrap().to_string()));
        }
    }
    fields
}

async fn post_template(b: &Browser, fields: &[(String, String)]) -> reqwest::Response {
    let csrf = b.csrf_from("/admin/agreement").await;
    let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    b.post_form("/admin/agreement", &all).await
}

async fn send(b: &Browser, case: &str, fee: &str, frequency: &str) -> reqwest::Response {
    let csrf = b.csrf_from(&format!("/admin/cases/{case}")).await;
    b.post_form(
        &format!("/admin/cases/{case}/agreement"),
        &[
            ("csrf", &csrf),
            ("agreement_fee", fee),
            ("agreement_frequency", frequency),
        ],
    )
    .await
}

/// The id in the newest `prefix…` link on `html` (agreement links carry 32 hex digits).
fn id_after(html: &str, prefix: &str) -> String {
    let at = html
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {html}"));
    html[at + prefix.len()..at + prefix.len() + 32].to_string()
}

async fn sign(
    b: &Browser,
    id: &str,
    name: &str,
    agree: bool,
    sha256: &str,
    browser: &str,
) -> reqwest::Response {
    let csrf = b.csrf_from(&format!("/portal/agreements/{id}")).await;
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("full_name", name),
        ("sha256", sha256),
    ];
    if agree {
        fields.push(("agree", "on"));
    }
    let mut headers = HeaderMap::new();
    headers.insert(USER_AGENT, HeaderValue::from_str(browser).unwrap());
    let body = serde_urlencoded::to_string(&fields).unwrap();
    b.post_raw(
        &format!("/portal/agreements/{id}"),
        headers,
        body,
        "application/x-www-form-urlencoded",
    )
    .await
}

on_both!(
    the_therapist_edits_the_template_and_bad_input_is_refused_next_to_its_field,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let (status, page) = theo.text("/admin/agreement").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("# Our agreement") && page.contains("{cancel_notice}"));
        assert!(page.contains("48 hours"), "the booking module's notice");
        assert!(page.contains("No version yet"));
        assert!(page.contains(r#"href="/admin/agreement" aria-current="page""#));

        // Empty text: refused next to the field, every other value kept.
        let mut t2 = terms();
        t2.fee = "70 EUR kept as typed".into();
        let r = post_template(&theo, &template_form("", &t2, "save")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains(r#"id="body-error""#), "{html}");
        assert_eq!(
            field_value(&html, "fee").as_deref(),
            Some("70 EUR kept as typed")
        );

        // An unknown placeholder is named next to the field; the text is kept.
        let typo = body(" A deposit of {deposit} is due, and {Fee} too.");
        let r = post_template(&theo, &template_form(&typo, &terms(), "save")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        let error = html.split(r#"id="body-error">"#).nth(1).unwrap();
        let error = error.split("</p>").next().unwrap();
        assert!(
            error.contains("{deposit}") && error.contains("{Fee}"),
            "{error}"
        );
        assert!(
            html.contains("A deposit of {deposit} is due"),
            "the text is kept"
        );

        // Huge and empty terms.
        let mut huge = terms();
        huge.fee = "9".repeat(rules::SHORT_MAX + 1);
        huge.emergencies = String::new();
        huge.confidentiality = "x".repeat(rules::LONG_MAX + 1);
        let r = post_template(&theo, &template_form(&body(""), &huge, "save")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        for field in ["fee", "emergencies", "confidentiality"] {
            assert!(html.contains(&format!(r#"id="{field}-error""#)), "{field}");
        }
        assert_eq!(field_value(&html, "fee"), Some(huge.fee.clone()));
        let huge_body = "y".repeat(rules::BODY_MAX + 1);
        let r = post_template(&theo, &template_form(&huge_body, &terms(), "save")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains(r#"id="body-error""#));
        assert!(
            store::agreements::templates(&mut t.db.conn().await.unwrap(), &theo_id(&t).await)
                .await
                .unwrap()
                .is_empty()
        );

        // The preview renders the typed text with hostile input shown as text; nothing is saved.
        let mut hostile = terms();
        hostile.fee = "<script>alert(1)</script>".into();
        let r = post_template(&theo, &template_form(&body(""), &hostile, "preview")).await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        let preview = html.split(r#"id="preview-heading""#).nth(1).unwrap();
        assert!(
            preview.contains(FRAME) && preview.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        );
        assert!(!html.contains("<script>alert(1)"));
        assert!(
            preview.contains("Theo Colleague"),
            "the therapist's own name"
        );

        // Saving makes version 1; saving the same again makes none.
        let r = post_template(&theo, &template_form(&body(""), &terms(), "save")).await;
        assert_eq!(location(&r), "/admin/agreement?saved=1&sent=0");
        let (_, page) = theo.text(&location(&r)).await;
        assert!(page.contains("Saved as version 1. No patient needed to be asked to sign it."));
        assert!(page.contains("Version 1"));
        let r = post_template(&theo, &template_form(&body(""), &terms(), "save")).await;
        assert_eq!(location(&r), "/admin/agreement?unchanged=1");
        let versions =
            store::agreements::templates(&mut t.db.conn().await.unwrap(), &theo_id(&t).await)
                .await
                .unwrap();
        assert_eq!(versions.len(), 1);
        assert!(versions[0].template.body.contains(FRAME));

        // Another therapist's template is their own.
        t.add_colleague(COLLEAGUE, "Tara Other").await;
        let tara = t.signed_in(COLLEAGUE).await;
        let (_, page) = tara.text("/admin/agreement").await;
        assert!(!page.contains(FRAME) && page.contains("No version yet"));
    }
);

async fn theo_id(t: &TestApp) -> domain::ids::UserId {
    store::users::find_by_email(&mut t.db.conn().await.unwrap(), THERAPIST_EMAIL)
        .await
        .unwrap()
        .unwrap()
        .0
        .id
}

on_both!(
    the_patient_signs_exactly_the_text_shown_and_the_therapist_countersigns,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let r = post_template(&theo, &template_form(&body(""), &terms(), "save")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let case = t.invite_patient(&theo, PATIENT_NAME, PATIENT).await;
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(page.contains("No agreement sent yet."));
        assert!(
            page.contains("Leave empty for your agreement&#39;s fee: 95 EUR per session")
                || page.contains("Leave empty for your agreement's fee: 95 EUR per session"),
            "{page}"
        );

        // A fee too long: refused next to its field on the case page, the input kept.
        let long = "1".repeat(rules::SHORT_MAX + 1);
        let r = send(&theo, &case, &long, "every other week").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains(r#"id="agreement_fee-error""#));
        assert_eq!(field_value(&html, "agreement_fee"), Some(long));
        assert_eq!(
            field_value(&html, "agreement_frequency").as_deref(),
            Some("every other week")
        );

        let r = send(&theo, &case, REDUCED_FEE, "").await;
        assert_eq!(location(&r), format!("/admin/cases/{case}#agreement"));
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(page.contains("Version 1 sent; waiting for the signature."));
        let id = id_after(&page, "/admin/agreements/");

        // The mail says only that there is something to read.
        t.run_jobs().await;
        let mail = t
            .mails()
            .await
            .into_iter()
            .find(|m| m.to == PATIENT && m.subject.contains("agreement"))
            .expect("a mail about the agreement");
        assert!(mail.subject.ends_with("an agreement to read and sign"));
        assert!(mail.body.contains(&format!("/portal/agreements/{id}")));

        // The patient reads it.
        let mara = t.patient_signed_in(PATIENT).await;
        let (_, home) = mara.text("/portal").await;
        assert!(home.contains("An agreement is ready for you to read and sign."));
        assert!(home.contains(&format!(r#"href="/portal/agreements/{id}""#)));
        let (status, shown) = mara.text(&format!("/portal/agreements/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(shown.contains(FRAME) && shown.contains(REDUCED_FEE));
        assert!(shown.contains("Between Mara Jovanović and Theo Colleague."));
        let hash = field_value(&shown, "sha256").expect("the page carries the text's hash");
        assert_eq!(hash.len(), 64);

        // Nothing typed, box unticked: both refused next to their fields.
        let r = sign(&mara, &id, "", false, &hash, SIGNING_BROWSER).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains(r#"id="full_name-error""#) && html.contains(r#"id="agree-error""#));
        // Someone else's name: refused, the typed name and the tick kept.
        let r = sign(&mara, &id, "Somebody Else", true, &hash, SIGNING_BROWSER).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains(r#"id="full_name-error""#) && !html.contains(r#"id="agree-error""#));
        assert_eq!(
            field_value(&html, "full_name").as_deref(),
            Some("Somebody Else")
        );
        assert!(
            html.contains(r#"name="agree" type="checkbox" checked"#),
            "{html}"
        );
        // A hash that is not the stored text's: nothing is signed.
        let r = sign(
            &mara,
            &id,
            PATIENT_NAME,
            true,
            &"0".repeat(64),
            SIGNING_BROWSER,
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("changed or was replaced"));

        let r = sign(&mara, &id, "mara jovanović", true, &hash, SIGNING_BROWSER).await;
        assert_eq!(location(&r), format!("/portal/agreements/{id}?signed=1"));
        let (_, done) = mara.text(&location(&r)).await;
        assert!(done.contains("Thank you. You signed the agreement"));
        assert!(done.contains("as “mara jovanović”"), "{done}");
        assert!(!done.contains(r#"name="full_name""#), "no second signature");

        // What is stored is the text that was shown: its SHA-256 is the hash the page carried.
        let stored = store::agreements::get(
            &mut t.db.conn().await.unwrap(),
            &domain::ids::AgreementId::new(id.clone()),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(rules::fingerprint(&stored.text), hash);
        assert_eq!(stored.info.sha256, hash);
        assert!(shown.contains(
            &domain::markdown::to_html(&stored.text)
                .replace("<h1>", "<h2>")
                .replace("</h1>", "</h2>")
        ));
        assert_eq!(stored.signer_name.as_deref(), Some("mara jovanović"));
        assert_eq!(stored.signer_address.as_deref(), Some("127.0.0.1"));
        assert_eq!(stored.signer_agent.as_deref(), Some(SIGNING_BROWSER));
        assert!(stored.info.signed_at.is_some());

        // The therapist is told (without the text or the name) and countersigns.
        t.run_jobs().await;
        let note = t
            .mails()
            .await
            .into_iter()
            .find(|m| m.to == THERAPIST_EMAIL && m.subject.starts_with("An agreement was signed"))
            .expect("the therapist's notification");
        assert!(note.body.contains(&format!("/admin/cases/{case}")));
        assert!(!note.body.contains("Mara") && !note.body.contains("mara"));
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(page.contains("Version 1 signed; waiting for your countersignature."));
        let csrf = field_value(&page, "csrf").unwrap();
        let r = theo
            .post_form(
                &format!("/admin/agreements/{id}/countersign"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(location(&r), format!("/admin/cases/{case}#agreement"));
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(page.contains("Version 1 signed and countersigned."));
        assert!(!page.contains("Countersign version 1"));

        // The printable copies: the text, its hash, the times, the names.
        for (b, path) in [
            (&theo, format!("/admin/agreements/{id}/print")),
            (&mara, format!("/portal/agreements/{id}/print")),
        ] {
            let (status, print) = b.text(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            for needle in [
                FRAME,
                REDUCED_FEE,
                hash.as_str(),
                "mara jovanović",
                "Theo Colleague",
                "Countersigned",
                "Agreement, version 1",
                SIGNING_BROWSER,
            ] {
                assert!(print.contains(needle), "{path} shows {needle}");
            }
            assert!(print.contains(r#"class="no-print""#));
        }

        // Nobody else learns that it exists: another patient, another therapist, the owner.
        t.invite_patient(&theo, "Bea", OTHER_PATIENT).await;
        let bea = t.patient_signed_in(OTHER_PATIENT).await;
        t.add_colleague(COLLEAGUE, "Tara Other").await;
        let tara = t.signed_in(COLLEAGUE).await;
        let owner = t.signed_in(OWNER_EMAIL).await;
        for path in [
            format!("/portal/agreements/{id}"),
            format!("/portal/agreements/{id}/print"),
        ] {
            assert_eq!(
                bea.get(&path).await.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let csrf = bea.csrf_from("/portal/profile").await;
        let r = bea
            .post_form(
                &format!("/portal/agreements/{id}"),
                &[
                    ("csrf", &csrf),
                    ("full_name", "Bea"),
                    ("agree", "on"),
                    ("sha256", &hash),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        for b in [&tara, &owner] {
            let path = format!("/admin/agreements/{id}/print");
            assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND);
            let csrf = b.csrf_from("/admin/agreement").await;
            let r = b
                .post_form(
                    &format!("/admin/agreements/{id}/countersign"),
                    &[("csrf", &csrf)],
                )
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
            let r = b
                .post_form(
                    &format!("/admin/cases/{case}/agreement"),
                    &[("csrf", &csrf)],
                )
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
        }
        let (_, bea_home) = bea.text("/portal").await;
        assert!(bea_home.contains("No documents yet") && !bea_home.contains("/portal/agreements/"));

        // The patient's export holds the signed agreement, its text and hash.
        let data: serde_json::Value = mara.get("/portal/export").await.json().await.unwrap();
        let doc = &data["cases"][0]["documents"][0];
        assert_eq!(doc["sha256"], hash.as_str());
        assert_eq!(doc["status"], "countersigned");
        assert!(doc["text"].as_str().unwrap().contains(FRAME));

        // Every read and write is in the audit log of the case.
        let audit = store::audit::recent(&mut t.db.conn().await.unwrap(), Some(&case), 200)
            .await
            .unwrap();
        for action in [
            "agreement.send",
            "agreement.read",
            "agreement.sign",
            "agreement.countersign",
            "export.case",
        ] {
            assert!(
                audit
                    .iter()
                    .any(|e| e.event.action == action && e.event.outcome == "ok"),
                "{action}"
            );
        }
        assert!(audit
            .iter()
            .any(|e| e.event.action == "agreement.sign" && e.event.outcome == "refused"));
        assert!(
            audit.iter().any(|e| e.event.action == "policy.refused"),
            "the strangers' tries"
        );

        // No mail carries the text; at rest, the text, the fee and the browser are sealed.
        for m in t.mails().await {
            assert!(
                !m.body.contains(FRAME) && !m.body.contains(REDUCED_FEE),
                "{}",
                m.subject
            );
        }
        let dump = store::testing::raw_dump(&t.db).await;
        assert!(!dump.contains(&stored.text));
        for needle in [
            REDUCED_FEE,
            SIGNING_BROWSER,
            "mara jovanović",
            "Between Mara Jovanović and Theo Colleague",
        ] {
            assert!(!dump.contains(needle), "{needle:?} found at rest");
        }
        assert!(dump.contains(&hash), "the hash is kept in the clear");
        // The template itself is the therapist's, not a patient's: it is stored as typed.
        assert!(dump.contains(FRAME));
        let sealed = store::testing::raw_text(
            &t.db,
            "SELECT text_sealed FROM agreements WHERE id = $1",
            &id,
        )
        .await;
        assert!(sealed.starts_with("hs1:") && !sealed.contains(FRAME));
    }
);

on_both!(
    a_new_version_asks_the_patient_to_sign_again_and_the_signed_one_keeps_its_text,
    practice,
    |t| {
        let theo = t.signed_in(THERAPIST_EMAIL).await;
        let case = t.invite_patient(&theo, PATIENT_NAME, PATIENT).await;
        let never_sent = t.invite_patient(&theo, "Bea", OTHER_PATIENT).await;
        // Sending before any template was saved sends the first draft, as version 1.
        let r = send(&theo, &case, "", "every other week").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        let first = id_after(&page, "/admin/agreements/");
        // Sending again starts from her own terms.
        assert_eq!(
            field_value(&page, "agreement_frequency").as_deref(),
            Some("every other week")
        );
        assert_eq!(field_value(&page, "agreement_fee").as_deref(), Some(""));
        let (_, editor) = theo.text("/admin/agreement").await;
        assert!(editor.contains("Version 1"));

        let mara = t.patient_signed_in(PATIENT).await;
        let (_, shown) = mara.text(&format!("/portal/agreements/{first}")).await;
        assert!(shown.contains("every other week") && shown.contains("48 hours"));
        let first_hash = field_value(&shown, "sha256").unwrap();
        let r = sign(
            &mara,
            &first,
            PATIENT_NAME,
            true,
            &first_hash,
            SIGNING_BROWSER,
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        t.run_jobs().await;

        // The therapist changes the template: version 2 goes to Mara (who had version 1), with
        // her own frequency kept, and to nobody else.
        const NEW: &str = "From January, sessions are also possible by phone.";
        let mut changed = terms();
        changed.fee = "100 EUR per session".into();
        let r = post_template(
            &theo,
            &template_form(&body(&format!(" {NEW}")), &changed, "save"),
        )
        .await;
        assert_eq!(location(&r), "/admin/agreement?saved=2&sent=1");
        let (_, editor) = theo.text(&location(&r)).await;
        assert!(editor.contains("One patient was asked to sign it."));
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(page.contains("Asked to sign version 2."), "{page}");
        let second = id_after(&page, "/admin/agreements/");
        assert_ne!(second, first);
        let (_, other) = theo.text(&format!("/admin/cases/{never_sent}")).await;
        assert!(other.contains("No agreement sent yet."));

        t.run_jobs().await;
        let mails = t.mails().await;
        let renewal: Vec<_> = mails
            .iter()
            .filter(|m| m.subject.contains("a new version"))
            .collect();
        assert_eq!(renewal.len(), 1, "one mail, to Mara");
        assert_eq!(renewal[0].to, PATIENT);
        assert!(!mails
            .iter()
            .any(|m| m.to == OTHER_PATIENT && m.subject.contains("agreement")));
        assert!(renewal[0]
            .subject
            .ends_with("a new version of your agreement to sign"));
        assert!(!renewal[0].body.contains(NEW) && !renewal[0].body.contains("100 EUR"));

        let (_, home) = mara.text("/portal").await;
        assert!(home.contains("A new version of our agreement is ready to sign."));
        assert!(home.contains(&format!(r#"href="/portal/agreements/{second}""#)));

        // The signed version 1 is still readable, with its own text and hash.
        let (_, old) = mara.text(&format!("/portal/agreements/{first}")).await;
        assert!(old.contains("You signed this agreement") && old.contains(&first_hash));
        assert!(!old.contains(NEW) && !old.contains(r#"name="full_name""#));
        let (_, new) = mara.text(&format!("/portal/agreements/{second}")).await;
        assert!(
            new.contains(NEW)
                && new.contains("100 EUR per session")
                && new.contains("every other week")
        );
        let second_hash = field_value(&new, "sha256").unwrap();
        assert_ne!(second_hash, first_hash);

        // The template changes again while Mara reads version 2: her signature is refused, the
        // page points to version 3, and she signs that.
        let r = post_template(
            &theo,
            &template_form(&body(" A third version."), &changed, "save"),
        )
        .await;
        assert_eq!(location(&r), "/admin/agreement?saved=3&sent=1");
        let r = sign(
            &mara,
            &second,
            PATIENT_NAME,
            true,
            &second_hash,
            SIGNING_BROWSER,
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("changed or was replaced") && html.contains("replaced by a newer one")
        );
        let third = id_after(&html, "/portal/agreements/");
        assert_ne!(
            third, second,
            "the first agreement link is the newer version"
        );
        let (_, page3) = mara.text(&format!("/portal/agreements/{third}")).await;
        assert!(page3.contains("A third version."));
        let third_hash = field_value(&page3, "sha256").unwrap();
        let r = sign(
            &mara,
            &third,
            PATIENT_NAME,
            true,
            &third_hash,
            SIGNING_BROWSER,
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        let list = store::agreements::of_case(
            &mut t.db.conn().await.unwrap(),
            &domain::ids::CaseId::new(case.clone()),
        )
        .await
        .unwrap();
        let statuses: Vec<_> = list
            .iter()
            .map(|a| (a.version, a.status().as_str()))
            .collect();
        assert_eq!(statuses, [(3, "signed"), (2, "withdrawn"), (1, "signed")]);
        let (_, page) = theo.text(&format!("/admin/cases/{case}")).await;
        assert!(page.contains("Version 3 signed; waiting for your countersignature."));
        let (_, home) = mara.text("/portal").await;
        assert!(!home.contains("ready to sign"));
    }
);
