//! The access matrix: every route the router has, for six people — anonymous, patient A,
//! patient B, A's therapist, another therapist of the practice, and the owner. The route list
//! comes from the router's own table, and a route without an expectation here fails the test.
//! Where even the existence of a thing is private the answer is 404, not 403.

mod common;

use common::{field_value, newest_inquiry, Browser, TestApp, OWNER_EMAIL, THERAPIST_EMAIL};
use reqwest::StatusCode;

const OTHER_THERAPIST: &str = "tara@example.org";
const PATIENT_A: &str = "patient.a@example.org";
const PATIENT_B: &str = "patient.b@example.org";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    PatientA,
    PatientB,
    TherapistOfA,
    OtherTherapist,
    Owner,
}

use Who::*;

const OK: StatusCode = StatusCode::OK;
const SEE: StatusCode = StatusCode::SEE_OTHER;
const NO: StatusCode = StatusCode::FORBIDDEN;
const GONE: StatusCode = StatusCode::NOT_FOUND;

/// What a GET of `path` answers `who`: [anonymous, A, B, A's therapist, other therapist, owner].
fn expected_get(path: &str) -> Option<[StatusCode; 6]> {
    let public = [OK; 6];
    let therapists = [SEE, NO, NO, OK, OK, OK];
    let owner = [SEE, NO, NO, NO, NO, OK];
    let patients = [SEE, OK, OK, NO, NO, NO];
    Some(match path {
        "/"
        | "/articles"
        | "/articles/{slug}"
        | "/tags"
        | "/tags/{slug}"
        | "/faq"
        | "/faq/{slug}"
        | "/sitemap.xml"
        | "/feed.xml"
        | "/robots.txt"
        | "/healthz"
        | "/media/{file}"
        | "/static/{file}"
        | "/{slug}"
        | "/contact"
        | "/contact/thanks"
        | "/api/v1/openapi.json"
        | "/api/v1/articles"
        | "/api/v1/slots"
        | "/api/v1/articles/{slug}" => public,
        "/book" => public,
        // Not ready: the tests run the job runner by hand, and the probe is the same for all.
        "/readyz" => [StatusCode::SERVICE_UNAVAILABLE; 6],
        // Off without a metrics token, for everyone, signed in or not.
        "/metrics" => [GONE; 6],
        // The tech check is for anyone, signed in or not.
        "/tech-check" | "/tech-check/ice" => public,
        // A plain GET of the echo socket is answered "Upgrade Required".
        "/tech-check/ws" => [StatusCode::UPGRADE_REQUIRED; 6],
        // Without a slot or a time they name nothing.
        "/book/{slot}" | "/book/confirmed" => [GONE; 6],
        "/admin/signin" => [OK, OK, OK, SEE, SEE, SEE],
        "/signin" => [OK, SEE, SEE, OK, OK, OK],
        "/setup/{token}"
        | "/signin/{token}"
        | "/join/{token}"
        | "/booking/{token}"
        | "/booking/{token}/move/{slot}"
        | "/calendar/{file}" => [GONE; 6],
        "/admin/two-factor" | "/admin/two-factor/setup" => [SEE; 6],
        "/admin" | "/admin/booking" | "/admin/calendar" | "/admin/pages" | "/admin/pages/new"
        | "/admin/pages/{id}" | "/admin/images" | "/admin/patients" | "/admin/sessions"
        | "/admin/absences" => therapists,
        "/admin/inquiries"
        | "/admin/inquiries/{id}"
        | "/admin/practice"
        | "/admin/mailbox"
        | "/admin/mailbox/{id}"
        | "/admin/outbox"
        | "/admin/audit"
        | "/admin/team" => owner,
        // A's case exists only for A's therapist; the owner of the practice is not told it exists.
        "/admin/cases/{id}"
        | "/admin/attachments/{id}"
        | "/admin/cases/{id}/workspace"
        | "/admin/cases/{id}/series"
        | "/admin/cases/{id}/focus"
        | "/admin/cases/{id}/ending"
        | "/admin/cases/{id}/record/fhir"
        | "/admin/cases/{id}/record/pdf" => [SEE, NO, NO, OK, GONE, GONE],
        // A's closing prints for A's therapist only, and only once the case is closed (A's is not).
        "/admin/cases/{id}/ending/print" => [SEE, NO, NO, GONE, GONE, GONE],
        // A's session is an appointment of A's therapist's only; patients have no calendar.
        "/admin/calendar/{id}" => [SEE, NO, NO, OK, GONE, GONE],
        // Its note likewise: the case's therapist's alone.
        "/admin/notes/{id}" => [SEE, NO, NO, OK, GONE, GONE],
        // Each therapist's own note headings: every therapist has their own page.
        "/admin/notes/headings" => therapists,
        "/admin/board" => therapists,
        "/portal"
        | "/portal/messages"
        | "/portal/profile"
        | "/portal/sessions"
        | "/portal/export"
        | "/portal/record/fhir"
        | "/portal/record/pdf" => patients,
        "/portal/attachments/{id}" => [SEE, OK, GONE, NO, NO, NO],
        // A's session with their therapist: only the two of them know the room (its socket
        // answers 409 to them here because the room is not open at the test's time).
        "/rooms/{id}" => [SEE, OK, GONE, OK, GONE, GONE],
        "/rooms/{id}/ws" => [
            SEE,
            StatusCode::CONFLICT,
            GONE,
            StatusCode::CONFLICT,
            GONE,
            GONE,
        ],
        // The agreement: each therapist's template is their own; A's agreement exists only for
        // A and A's therapist.
        "/admin/agreement" => therapists,
        "/admin/agreements/{id}/print" => [SEE, NO, NO, OK, GONE, GONE],
        "/portal/agreements/{id}" | "/portal/agreements/{id}/print" => [SEE, OK, GONE, NO, NO, NO],
        // A's questionnaires: only A and A's therapist know them; the built-in and each
        // therapist's own questionnaires are for therapists.
        "/portal/questionnaires/{id}" => [SEE, OK, GONE, NO, NO, NO],
        "/admin/responses/{id}" => [SEE, NO, NO, OK, GONE, GONE],
        "/admin/questionnaires" | "/admin/questionnaires/{id}" => therapists,
        // Each patient's own shared charts (B's page shows nothing of A's).
        "/portal/measures" => patients,
        // Billing: each therapist's own; A's invoice and receipt exist only for A's therapist
        // (and, issued, for A in the portal); no statement was read in this world.
        "/admin/billing"
        | "/admin/billing/profile"
        | "/admin/billing/statements"
        | "/admin/billing/export.csv" => therapists,
        "/admin/billing/invoices/{id}"
        | "/admin/billing/invoices/{id}/pdf"
        | "/admin/billing/receipts/{id}"
        | "/admin/billing/invoices/{id}/superbill"
        | "/admin/billing/estimates/{id}"
        | "/admin/cases/{id}/billing" => [SEE, NO, NO, OK, GONE, GONE],
        "/admin/billing/statements/{id}" => [SEE, NO, NO, GONE, GONE, GONE],
        "/portal/invoices" => patients,
        "/portal/invoices/{id}/pdf"
        | "/portal/receipts/{id}"
        | "/portal/invoices/{id}/superbill"
        | "/portal/estimates/{id}" => [SEE, OK, GONE, NO, NO, NO],
        // Retention and erasure: each therapist's own list; A's erasure page is A's
        // therapist's alone (A's case is still open, so it explains and offers nothing to
        // confirm); each patient asks about their own records.
        "/admin/erasure" => therapists,
        "/admin/cases/{id}/erase" => [SEE, NO, NO, OK, GONE, GONE],
        "/portal/erasure" => patients,
        _ => return None,
    })
}

struct World {
    t: TestApp,
    people: Vec<(Who, Browser)>,
    case_a: String,
    attachment_a: String,
    room: String,
    inquiry: String,
    mail: String,
    page: String,
    image: String,
    agreement_a: String,
    response_a: String,
    questionnaire: String,
    invoice_a: String,
    receipt_a: String,
    estimate_a: String,
}

async fn world(backend: store::Backend) -> Option<World> {
    let t = TestApp::with_practice(backend).await?;
    t.add_colleague(OTHER_THERAPIST, "Tara Other").await;
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    let tara = t.signed_in(OTHER_THERAPIST).await;
    let owner = t.signed_in(OWNER_EMAIL).await;
    let case_a = t.invite_patient(&theo, "Patient A", PATIENT_A).await;
    t.invite_patient(&tara, "Patient B", PATIENT_B).await;
    let a = t.patient_signed_in(PATIENT_A).await;
    let b = t.patient_signed_in(PATIENT_B).await;

    // A writes to their therapist, with a PDF.
    let csrf = a.csrf_from("/portal/messages").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("body", "For our next session.")
        .part(
            "attachment",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 A's letter".to_vec())
                .file_name("letter.pdf"),
        );
    let r = a
        .post_multipart(&format!("/portal/messages?case={case_a}"), form)
        .await;
    assert_eq!(r.status(), SEE);
    let (_, thread) = a.text(&format!("/portal/messages?case={case_a}")).await;
    let attachment_a = thread
        .split("/portal/attachments/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();

    // A session of A's with their therapist, on Monday.
    let (_, week) = theo.text("/admin/calendar?day=2026-11-30").await;
    let csrf = field_value(&week, "csrf").unwrap();
    let r = theo
        .post_form(
            "/admin/calendar/appointments",
            &[
                ("csrf", &csrf),
                ("case", &case_a),
                ("kind", "session"),
                ("date", "2026-11-30"),
                ("time", "10:00"),
                ("clash", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), SEE);
    let (_, week) = theo.text("/admin/calendar?day=2026-11-30").await;
    let at = week
        .find("href=\"/admin/calendar/")
        .expect("the appointment in the grid")
        + "href=\"/admin/calendar/".len();
    let room = week[at..at + 32].to_string();

    // A's therapist sends A the agreement.
    let csrf = theo.csrf_from(&format!("/admin/cases/{case_a}")).await;
    let r = theo
        .post_form(
            &format!("/admin/cases/{case_a}/agreement"),
            &[("csrf", &csrf), ("agreement_fee", "")],
        )
        .await;
    assert_eq!(r.status(), SEE);
    let (_, case_page) = theo.text(&format!("/admin/cases/{case_a}")).await;
    let at = case_page
        .find("/admin/agreements/")
        .expect("an agreement link");
    let agreement_a = case_page[at + 18..at + 50].to_string();

    // A's portal offers the intake and the measures.
    let (_, home) = a.text("/portal").await;
    let at = home
        .find("/portal/questionnaires/")
        .expect("a questionnaire link")
        + "/portal/questionnaires/".len();
    let response_a = home[at..at + 32].to_string();

    let visitor = t.browser();
    let csrf = visitor.csrf_from("/contact").await;
    visitor
        .post_form(
            "/contact",
            &[
                ("csrf", &csrf),
                ("name", "V"),
                ("email", "v@example.org"),
                ("message", "hi"),
                ("consent", "on"),
            ],
        )
        .await;
    t.run_jobs().await;
    let inquiry = newest_inquiry(&t).await;
    let mail = store::mailbox::list(&mut t.db.conn().await.unwrap(), 1)
        .await
        .unwrap()[0]
        .id
        .to_string();
    let page = store::pages::list(
        &mut t.db.conn().await.unwrap(),
        domain::content::PageKind::Article,
        store::pages::Visibility::All,
        0,
        1,
    )
    .await
    .unwrap()[0]
        .id
        .to_string();
    let png: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), &[1u8; 32]].concat();
    let image = t
        .app
        .upload_image(&owner_actor(&t).await, "x.png", &png)
        .await
        .unwrap();
    // A's therapist bills A, and A pays in cash.
    let (invoice_a, receipt_a, estimate_a) = bill(&t, &case_a).await;
    let people = vec![
        (Anonymous, t.browser()),
        (PatientA, a),
        (PatientB, b),
        (TherapistOfA, theo),
        (OtherTherapist, tara),
        (Owner, owner),
    ];
    Some(World {
        t,
        people,
        case_a,
        attachment_a,
        room,
        inquiry,
        mail,
        page,
        image,
        agreement_a,
        response_a,
        questionnaire: "builtin-intake-1".into(),
        invoice_a,
        receipt_a,
        estimate_a,
    })
}

/// An issued invoice for A's case, the receipt of a cash payment on it, and a Good Faith Estimate
/// (the profile is a US one): (invoice, payment, estimate).
async fn bill(t: &TestApp, case_a: &str) -> (String, String, String) {
    let (user, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), THERAPIST_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let theo = app::Actor::signed(user, "test".into(), true, "127.0.0.1");
    t.app
        .save_billing_profile(
            &theo,
            &domain::invoice::ProfileInput {
                issuer: "Theo Therapist".into(),
                address: "1 Main Street\nSpringfield".into(),
                country: "US".into(),
                payment_days: "14".into(),
                paper: "letter".into(),
                cadence: "monthly".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let case = domain::ids::CaseId::parse(case_a).unwrap();
    let invoice = t.app.new_invoice(&theo, &case).await.unwrap();
    t.app
        .add_invoice_line(
            &theo,
            &invoice,
            &domain::invoice::LineInput {
                date: "2026-11-20".into(),
                description: "Report".into(),
                unit: "50".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app.issue_invoice(&theo, &invoice).await.unwrap();
    t.app
        .record_payment(
            &theo,
            &invoice,
            &domain::invoice::PaymentInput {
                amount: "50".into(),
                received_on: String::new(),
                method: "cash".into(),
            },
        )
        .await
        .unwrap();
    let payment = t
        .app
        .invoice(&theo, &invoice, app::policy::CaseSide::Therapist)
        .await
        .unwrap()
        .payments[0]
        .id
        .clone();
    let estimate = t
        .app
        .issue_estimate(
            &theo,
            &case,
            &domain::claims::EstimateInput {
                code_1: "90837".into(),
                fee_1: "150".into(),
                sessions_1: "12".into(),
                period_from: "2026-12-01".into(),
                period_to: "2027-05-31".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (invoice, payment, estimate)
}

async fn owner_actor(t: &TestApp) -> app::Actor {
    let (user, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), OWNER_EMAIL)
        .await
        .unwrap()
        .unwrap();
    app::Actor::signed(user, "test".into(), true, "127.0.0.1")
}

impl World {
    fn fill(&self, path: &str) -> String {
        let id = if path.contains("/receipts/") {
            &self.receipt_a
        } else if path.contains("/estimates/") {
            &self.estimate_a
        } else if path.contains("/invoices/{id}") {
            &self.invoice_a
        } else if path.starts_with("/admin/inquiries") {
            &self.inquiry
        } else if path.starts_with("/admin/mailbox") {
            &self.mail
        } else if path.starts_with("/rooms/")
            || path.starts_with("/admin/calendar/{id}")
            || path.starts_with("/admin/notes/")
        {
            &self.room
        } else if path.starts_with("/portal/questionnaires") || path.starts_with("/admin/responses")
        {
            &self.response_a
        } else if path.starts_with("/admin/questionnaires") {
            &self.questionnaire
        } else if path.starts_with("/admin/cases") {
            &self.case_a
        } else if path.contains("/agreements/") {
            &self.agreement_a
        } else if path.contains("/attachments/") {
            &self.attachment_a
        } else {
            &self.page
        };
        let slug = match path {
            p if p.starts_with("/articles") || p.starts_with("/api/v1/articles") => {
                "what-happens-in-the-first-session"
            }
            p if p.starts_with("/faq") => "what-do-i-need",
            p if p.starts_with("/tags") => "first-session",
            _ => "about",
        };
        let token = if path.starts_with("/setup/") {
            "ab".repeat(24)
        } else {
            "cd".repeat(32)
        };
        let file = if path.starts_with("/media/") {
            self.image.trim_start_matches("/media/").to_string()
        } else {
            "site.css".into()
        };
        path.replace("{slug}", slug)
            .replace("{id}", id)
            .replace("{token}", &token)
            .replace("{file}", &file)
    }
}

async fn every_route_for_every_actor(w: World) {
    let mut checked = 0;
    let mut missing = Vec::new();
    for route in &w.t.routes {
        let path = w.fill(route.path);
        if route.method == "GET" {
            let Some(row) = expected_get(route.path) else {
                missing.push(route.path);
                continue;
            };
            for ((who, browser), want) in w.people.iter().zip(row) {
                let r = browser.get(&path).await;
                assert_eq!(r.status(), want, "GET {path} as {who:?}");
                checked += 1;
            }
        } else {
            // Without its form token every state-changing request is refused, whoever sends it.
            let want = if route.path.starts_with("/api/") {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            } else if route.path.starts_with("/payments/") {
                // The provider's webhook has no form token: online payment is not set up here.
                GONE
            } else {
                NO
            };
            for (who, browser) in &w.people {
                let r = browser.post_form(&path, &[("name", "x")]).await;
                assert_eq!(r.status(), want, "POST {path} without a token as {who:?}");
                checked += 1;
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without an expectation: {missing:?}"
    );
    println!(
        "access matrix: {} routes x 6 actors = {checked} requests",
        w.t.routes.len()
    );
    assert_eq!(checked, w.t.routes.len() * 6);
}

async fn writing_into_someone_elses_case_is_refused_with_a_valid_token(w: World) {
    let path = format!("/admin/cases/{}", w.case_a);
    for (who, want) in [
        (OtherTherapist, GONE),
        (Owner, GONE),
        (PatientB, NO),
        (PatientA, NO),
    ] {
        let browser = &w.people.iter().find(|(p, _)| *p == who).unwrap().1;
        let (_, html) = browser.text("/portal/profile").await;
        let csrf = field_value(&html, "csrf")
            .unwrap_or_else(|| browser.cookie("__Host-hs_csrf").unwrap_or_default());
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("body", "not mine");
        assert_eq!(
            browser.post_multipart(&path, form).await.status(),
            want,
            "{who:?}"
        );
    }
    let b = &w.people.iter().find(|(p, _)| *p == PatientB).unwrap().1;
    let (_, html) = b.text("/portal/profile").await;
    let csrf = field_value(&html, "csrf").unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("body", "not mine either");
    assert_eq!(
        b.post_multipart(&format!("/portal/messages?case={}", w.case_a), form)
            .await
            .status(),
        GONE
    );
    let thread = store::messages::thread(
        &mut w.t.db.conn().await.unwrap(),
        &domain::ids::CaseId::new(w.case_a.clone()),
    )
    .await
    .unwrap();
    assert_eq!(thread.len(), 1, "nothing was written into A's case");
}

macro_rules! on_both_worlds {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(super::world(store::Backend::Sqlite).await.expect("sqlite")).await
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(w) = super::world(store::Backend::Postgres).await {
                    super::$name(w).await
                }
            }
        }
    };
}

/// A therapist reads the audit log of their own case; nobody else's, and not the practice's.
async fn a_therapist_reads_the_audit_log_of_their_own_case_only(w: World) {
    let get = |who: Who, path: String| {
        let b = &w.people.iter().find(|(p, _)| *p == who).unwrap().1;
        async move { b.text(&path).await }
    };
    let (status, page) = get(TherapistOfA, format!("/admin/audit?case={}", w.case_a)).await;
    assert_eq!(status, OK);
    assert!(page.contains("messages.write"), "{page}");
    assert!(
        page.contains("Message written"),
        "the action is named in words next to its stored id: {page}"
    );
    assert!(page.contains(">Done<"), "{page}");
    assert_eq!(
        get(OtherTherapist, format!("/admin/audit?case={}", w.case_a))
            .await
            .0,
        GONE
    );
    assert_eq!(get(TherapistOfA, "/admin/audit".into()).await.0, NO);
    // The owner reads practice-wide events, but nothing of a colleague's case: not its id, not
    // what was done in it, not its patient's sign-ins (hardening finding 6).
    let (status, page) = get(Owner, format!("/admin/audit?case={}", w.case_a)).await;
    assert_eq!(status, OK);
    assert!(page.contains("No entries."), "{page}");
    let (status, page) = get(Owner, "/admin/audit".into()).await;
    assert_eq!(status, OK);
    assert!(!page.contains(&w.case_a), "{page}");
    assert!(!page.contains("messages.write"), "{page}");
    assert!(!page.contains("sign_in.link"), "{page}");
    assert!(
        page.contains("sign_in"),
        "the owner's own sign-ins are there: {page}"
    );
}

/// Every parameter of every GET route, filled with something that is not an id of its kind: the
/// typed path extractor answers 404 for the signed-in therapist on every admin route (as for an
/// unknown id), and nobody gets a page or a server error.
async fn malformed_path_parameters_are_not_found(w: World) {
    let hostile = [
        "x".to_string(),
        "0123456789abcdef0123456789abcde".to_string(),
        "0123456789abcdef0123456789abcdeff".to_string(),
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd".to_string(),
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_string(),
        "%00".to_string(),
        "z".repeat(4_000),
    ];
    let mut checked = 0;
    for route in
        w.t.routes
            .iter()
            .filter(|r| r.method == "GET" && r.path.contains('{'))
    {
        for value in &hostile {
            let mut path = route.path.to_string();
            while let (Some(a), Some(b)) = (path.find('{'), path.find('}')) {
                path.replace_range(a..=b, value);
            }
            for (who, browser) in &w.people {
                let r = browser.get(&path).await;
                let status = r.status();
                assert!(
                    !status.is_success() && !status.is_server_error(),
                    "GET {} as {who:?}: {status}",
                    route.path
                );
                if matches!(who, Who::TherapistOfA) && route.path.starts_with("/admin/") {
                    assert_eq!(
                        status, GONE,
                        "GET {} with {value:.40} as {who:?}",
                        route.path
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked} requests");
}

on_both_worlds!(every_route_for_every_actor);
on_both_worlds!(malformed_path_parameters_are_not_found);
on_both_worlds!(a_therapist_reads_the_audit_log_of_their_own_case_only);
on_both_worlds!(writing_into_someone_elses_case_is_refused_with_a_valid_token);

on_both_worlds!(every_page_reads_in_the_pseudo_locale);

/// Pages whose text is not the translation layer's (yet), and why. Each is named here so that it
/// stays visible, and so that a new one anywhere else fails the test.
const KNOWN_GAPS: &[(&str, &str)] = &[
    (
        "/admin/audit",
        "each row shows its action's stored id and subject next to its translated name",
    ),
    (
        "/admin/booking",
        "weekly hours are typed as \"Mon 09:00-13:00\": the parser reads English day names",
    ),
    (
        "/admin/mailbox",
        "stored mail, written in its recipient's language",
    ),
    (
        "/admin/mailbox/{id}",
        "stored mail, written in its recipient's language",
    ),
];

/// Where the texts a practice authors or licenses come from: the demo practice's pages, the
/// agreement's first draft and the questionnaires (versioned data, replaced per language as data).
const CONTENT: &[&str] = &[
    "/../app/demo",
    "/../domain/src/agreement/first_draft.rs",
    "/../domain/src/intake/builtin.rs",
    "/../domain/src/measures.rs",
];

/// Every page of the router, for everyone who can see it, read in the test suite's pseudo-locale
/// `en-XA` (every text of en.ftl wrapped in ⟦ ⟧, offered only in test builds): the visitor and the
/// therapists ask for it by `Accept-Language`, the patients have it stored in their profile.
/// What is left outside the brackets must be a name, a number, a date the formatting module wrote
/// or something a person typed (the demo practice's pages, the world's names).
async fn every_page_reads_in_the_pseudo_locale(w: World) {
    app::i18n::register_pseudo_locale("en-XA");
    for email in [PATIENT_A, PATIENT_B] {
        let mut c = w.t.db.conn().await.unwrap();
        let (user, _) = store::users::find_by_email(&mut c, email)
            .await
            .unwrap()
            .unwrap();
        store::users::update_profile(
            &mut c,
            &user.id,
            &user.name,
            &user.email,
            &user.time_zone,
            "en-XA",
        )
        .await
        .unwrap();
    }
    let typed = typed_words(&w);
    let mut leftovers = std::collections::BTreeSet::new();
    let mut pages = 0;
    for route in &w.t.routes {
        if route.method != "GET"
            || route.path.starts_with("/api/")
            || route.path.starts_with("/static/")
            || KNOWN_GAPS.iter().any(|(gap, _)| *gap == route.path)
        {
            continue;
        }
        let path = w.fill(route.path);
        for (who, browser) in &w.people {
            browser.speak("en-XA");
            let r = browser.get(&path).await;
            let html = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            if !html {
                continue;
            }
            let body = r.text().await.unwrap();
            assert!(
                body.contains("<html lang=\"en-XA\">"),
                "GET {path} as {who:?}: lang"
            );
            pages += 1;
            for text in outside_brackets(&body) {
                let unknown: Vec<&str> = text
                    .split_whitespace()
                    .map(|token| token.trim_matches(|c: char| !c.is_alphanumeric()))
                    // Ids, addresses, zones, file types and numbers are not words.
                    .filter(|token| {
                        !token.contains(|c: char| c.is_ascii_digit() || "@/.:_".contains(c))
                    })
                    .flat_map(|token| token.split(|c: char| !c.is_alphabetic() && c != '\''))
                    .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() > 1)
                    .filter(|w| !typed.contains(&w.to_lowercase()))
                    .collect();
                if !unknown.is_empty() {
                    leftovers.insert(format!("{}: {}", route.path, text.trim()));
                }
            }
        }
    }
    println!("pseudo-locale: {pages} pages read");
    assert!(
        leftovers.is_empty(),
        "{} texts outside the translation layer:\n{}",
        leftovers.len(),
        leftovers.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// Every word a person typed into this world (the demo practice's texts, the names given here),
/// the content of `CONTENT`, and the zone names.
fn typed_words(w: &World) -> std::collections::HashSet<String> {
    let _ = w;
    let mut text = String::from(
        "Patient A B Tara Other Theo Colleague For our next session letter pdf V hi x png Report Main Street Springfield Therapist Lindenstraße Berlin Umsatzsteuerfrei gemäß Nr UStG heilberufliche Tätigkeit",
    );
    let mut dirs: Vec<std::path::PathBuf> = CONTENT
        .iter()
        .map(|p| std::path::PathBuf::from(format!("{}{p}", env!("CARGO_MANIFEST_DIR"))))
        .collect();
    while let Some(path) = dirs.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap() {
                dirs.push(entry.unwrap().path());
            }
        } else if let Ok(s) = std::fs::read_to_string(&path) {
            text.push(' ');
            text.push_str(&unescape_unicode(&s));
        }
    }
    // Time-zone names ("Europe/Athens", "Iceland", "UTC") are ids the visitor chooses among.
    for zone in jiff::tz::db().available() {
        text.push(' ');
        text.push_str(&zone.to_string());
    }
    // Country names ("Britain (UK)") are the world's names too: the crisis contacts carry them.
    for (_, name) in domain::crisis::countries() {
        text.push(' ');
        text.push_str(name);
    }
    text.split(|c: char| !c.is_alphabetic() && c != '\'')
        .map(str::to_lowercase)
        .collect()
}

/// Rust source spells some letters as `\u{f6}`: the page shows them as "ö".
fn unescape_unicode(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let letter = after.split_once('}').and_then(|(hex, tail)| {
            Some((char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, tail))
        });
        match letter {
            Some((c, tail)) => {
                out.push(c);
                rest = tail;
            }
            None => {
                out.push_str("\\u{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The page's visible text (and the texts of its labelling attributes) with every ⟦ … ⟧ removed,
/// one item per text node; scripts and styles are not text.
fn outside_brackets(html: &str) -> Vec<String> {
    let mut texts = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        texts.push(rest[..lt].to_string());
        let tag_end = rest[lt..].find('>').map_or(rest.len(), |e| lt + e + 1);
        let tag = &rest[lt..tag_end];
        for attr in ["aria-label=\"", "title=\"", "placeholder=\"", "alt=\""] {
            if let Some(at) = tag.find(attr) {
                let value = &tag[at + attr.len()..];
                texts.push(value.split('"').next().unwrap_or("").to_string());
            }
        }
        rest = &rest[tag_end..];
        for raw in ["<script", "<style"] {
            if tag.starts_with(raw) && !tag.ends_with("/>") {
                let close = format!("</{}", &raw[1..]);
                rest = rest.find(&close).map_or("", |c| &rest[c..]);
            }
        }
    }
    texts.push(rest.to_string());
    texts
        .into_iter()
        .map(|t| {
            let t = t
                .replace("&amp;", "&")
                .replace("&quot;", "\"")
                .replace("&#34;", "\"")
                .replace("&#39;", "'")
                .replace("&#x27;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">");
            let mut depth = 0usize;
            t.chars()
                .filter(|c| match c {
                    '⟦' => {
                        depth += 1;
                        false
                    }
                    '⟧' => {
                        depth = depth.saturating_sub(1);
                        false
                    }
                    _ => depth == 0,
                })
                .collect::<String>()
        })
        .filter(|t| t.chars().any(char::is_alphabetic))
        .collect()
}
