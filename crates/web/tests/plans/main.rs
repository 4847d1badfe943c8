//! The plans of the hot pages and jobs on PostgreSQL: each is driven through the real router over
//! real rows, every statement it ran is captured (sqlx's own log of it) and explained as the
//! generic plan a prepared statement gets, with sequential scans priced out so that a table of a
//! few rows still shows whether an index serves the query. A sequential scan of a table that grows
//! with the practice's history, or an index walked whole, fails the test with the page, the
//! statement and the plan. PostgreSQL only: SQLite's planner is another question.

#[path = "../common/mod.rs"]
mod common;

mod capture;
mod explain;

use common::{location, session_at, Browser, TestApp, OWNER_EMAIL};
use reqwest::StatusCode;
use std::collections::{BTreeSet, HashSet};

const PATIENT: &str = "mara@example.org";

/// Whole statements that read a growing table whole by design, each with the reason (none now:
/// the inbox's numbered pager, which counted every inquiry, pages by key since 2026-12-05).
const ALLOWED: &[(&str, &str)] = &[];

/// What the test has explained so far, and what it found.
struct Plans {
    growing: BTreeSet<String>,
    partial: BTreeSet<String>,
    seen: HashSet<String>,
    explained: usize,
    findings: Vec<String>,
}

impl Plans {
    fn new() -> Plans {
        Plans {
            growing: explain::growing(),
            partial: explain::partial_indexes(),
            seen: HashSet::new(),
            explained: 0,
            findings: Vec::new(),
        }
    }

    /// Explains every statement run since the last call, as `page`'s.
    async fn check(&mut self, t: &TestApp, page: &str) {
        // A page served from memory (a slot's form) runs none.
        for sql in capture::take() {
            let first = sql.split_whitespace().next().unwrap_or("").to_uppercase();
            if !["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].contains(&first.as_str()) {
                continue;
            }
            if !self.seen.insert(sql.clone()) {
                continue;
            }
            let plan = match store::testing::generic_plan(&t.db, &sql).await {
                Ok(plan) => plan,
                Err(e) => {
                    self.findings
                        .push(format!("{page}: cannot plan\n  {sql}\n  {e}"));
                    continue;
                }
            };
            self.explained += 1;
            // HOLDSPACE_PLANS=print shows every plan, for reading what an index changed.
            if std::env::var("HOLDSPACE_PLANS").as_deref() == Ok("print") {
                eprintln!("== {page}: {sql}\n{}\n", plan.join("\n"));
            }
            let whole = explain::whole_reads(&plan, &self.growing, &self.partial);
            if whole.is_empty() {
                continue;
            }
            if let Some((_, why)) = ALLOWED.iter().find(|(s, _)| *s == sql) {
                eprintln!("allowed on {page} ({why}): {sql}");
                continue;
            }
            self.findings.push(format!(
                "{page}: {}\n  {}\n{}",
                whole.join("; "),
                sql.split_whitespace().collect::<Vec<_>>().join(" "),
                plan.iter()
                    .map(|l| format!("    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
        // The explaining itself ran statements; they are no page's.
        capture::take();
    }

    /// Opens `path` as `who` (expecting a page), then explains what it ran.
    async fn page(&mut self, t: &TestApp, who: &Browser, page: &str, path: &str) -> String {
        capture::take();
        let (status, body) = who.text(path).await;
        assert_eq!(status, StatusCode::OK, "{page}: {path}");
        self.check(t, page).await;
        body
    }
}

/// A visitor books the first offered consultation; answers the slot's path.
async fn book_first(t: &TestApp, email: &str) -> String {
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
                ("name", "Lea Sommer"),
                ("email", email),
                ("phone", ""),
                ("note", "Sleepless since the move."),
                ("consent", "on"),
                ("time_zone", "Europe/Berlin"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "booked");
    path
}

async fn message(from: &Browser, path: &str, page: &str, text: &str) {
    let csrf = from.csrf_from(page).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("body", text.to_string());
    let r = from.post_multipart(path, form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "message to {path}");
}

/// The first link in `html` that starts with `prefix`.
fn first_link(html: &str, prefix: &str) -> String {
    let at = html
        .find(&format!("href=\"{prefix}"))
        .unwrap_or_else(|| panic!("a link to {prefix}"));
    html[at + 6..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

/// Invoices for billing to read: one paid, one paid in part, one credited, one open.
async fn invoices(t: &TestApp, case: &str) {
    use domain::invoice::{LineInput, PaymentInput};
    let anna = common::actor_of(t, OWNER_EMAIL).await;
    let profile = common::billing_profile("Anna Linden, Psychotherapist");
    t.app.save_billing_profile(&anna, &profile).await.unwrap();
    let case = domain::ids::CaseId::parse(case).unwrap();
    let mut issued = Vec::new();
    for unit in ["90", "120", "75", "60"] {
        let id = t.app.new_invoice(&anna, &case).await.unwrap();
        let line = LineInput {
            date: "2026-11-20".into(),
            description: "Session (50 minutes)".into(),
            minutes: "50".into(),
            unit: unit.into(),
            ..LineInput::default()
        };
        t.app.add_invoice_line(&anna, &id, &line).await.unwrap();
        t.app.issue_invoice(&anna, &id).await.unwrap();
        issued.push(id);
    }
    for (id, amount) in [(&issued[0], "90"), (&issued[1], "50")] {
        let payment = PaymentInput {
            amount: amount.into(),
            received_on: String::new(),
            method: "cash".into(),
        };
        t.app.record_payment(&anna, id, &payment).await.unwrap();
    }
    t.app.credit_invoice(&anna, &issued[2], &[]).await.unwrap();
}

#[tokio::test]
async fn hot_pages_and_jobs_read_no_growing_table_whole() {
    capture::install();
    let Some(t) = TestApp::with_practice(store::Backend::Postgres).await else {
        return;
    };

    // Rows for every page to read: a booked consultation, an invited patient with past and
    // coming sessions, messages both ways, an inquiry, a retention period.
    book_first(&t, "lea@example.org").await;
    let anna = t.signed_in(OWNER_EMAIL).await;
    let case = t.invite_patient(&anna, "Mara Lind", PATIENT).await;
    for date in ["2026-11-23", "2026-11-30", "2026-12-07"] {
        session_at(&anna, &case, date, "10:00").await;
    }
    let appointment = session_at(&anna, &case, "2026-12-01", "11:00").await;
    let mara = t.patient_signed_in(PATIENT).await;
    message(
        &mara,
        &format!("/portal/messages?case={case}"),
        "/portal/messages",
        "Can we talk about the fee?",
    )
    .await;
    let case_page = format!("/admin/cases/{case}");
    message(&anna, &case_page, &case_page, "Of course, on Monday.").await;
    let contact = t.browser();
    let csrf = contact.csrf_from("/contact").await;
    let r = contact
        .post_form(
            "/contact",
            &[
                ("csrf", &csrf),
                ("name", "Jon"),
                ("email", "jon@example.org"),
                ("phone", ""),
                ("message", "Do you see couples?"),
                ("consent", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", location(&r));
    let csrf = anna.csrf_from("/admin/patients").await;
    let r = anna
        .post_form(
            "/admin/practice/retention",
            &[("csrf", &csrf), ("jurisdiction", "de"), ("years", "10")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "retention set");
    invoices(&t, &case).await;
    t.run_jobs().await;

    let mut plans = Plans::new();
    let visitor = t.browser();

    // The therapist's side.
    plans.page(&t, &anna, "the day", "/admin").await;
    plans
        .page(&t, &anna, "the week", "/admin/calendar?day=2026-11-30")
        .await;
    plans.page(&t, &anna, "the board", "/admin/board").await;
    plans
        .page(&t, &anna, "the patients", "/admin/patients")
        .await;
    plans.page(&t, &anna, "a case", &case_page).await;
    plans
        .page(
            &t,
            &anna,
            "the workspace",
            &format!("{case_page}/workspace"),
        )
        .await;
    plans
        .page(
            &t,
            &anna,
            "an appointment",
            &format!("/admin/calendar/{appointment}"),
        )
        .await;
    let inbox = plans
        .page(&t, &anna, "the inquiries", "/admin/inquiries")
        .await;
    let thread = first_link(&inbox, "/admin/inquiries/");
    plans.page(&t, &anna, "an inquiry", &thread).await;
    // The keyset pages, older and newer than a mark, all and one status.
    plans
        .page(
            &t,
            &anna,
            "older inquiries",
            "/admin/inquiries?before=1800000000000.ff",
        )
        .await;
    plans
        .page(
            &t,
            &anna,
            "newer new inquiries",
            "/admin/inquiries?status=new&after=1.00",
        )
        .await;
    plans
        .page(&t, &anna, "the records due", "/admin/erasure")
        .await;
    plans.page(&t, &anna, "billing", "/admin/billing").await;

    // The patient's side.
    plans.page(&t, &mara, "the portal", "/portal").await;
    plans
        .page(&t, &mara, "the portal's messages", "/portal/messages")
        .await;

    // The public side.
    plans.page(&t, &visitor, "the home page", "/").await;
    let articles = plans.page(&t, &visitor, "the articles", "/articles").await;
    let article = first_link(&articles, "/articles/");
    plans.page(&t, &visitor, "an article", &article).await;
    let book = plans
        .page(&t, &visitor, "the booking page", "/book?tz=Europe/Berlin")
        .await;
    let slot = first_link(&book, "/book/");
    plans.page(&t, &visitor, "a slot's form", &slot).await;
    plans
        .page(&t, &visitor, "the slots API", "/api/v1/slots")
        .await;

    // The jobs: a week on, the reminders, agendas and the retention review fall due.
    capture::take();
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 7));
    assert!(t.run_jobs().await > 0, "jobs fell due");
    plans.check(&t, "the job runner").await;
    t.app.verify_audit().await.expect("the audit log verifies");
    plans.check(&t, "audit verify").await;

    eprintln!(
        "explained {} statements over {} growing tables",
        plans.explained,
        plans.growing.len()
    );
    assert!(plans.explained > 50, "the capture caught the pages' reads");
    assert!(
        plans.findings.is_empty(),
        "{} statements read a growing table whole:\n\n{}",
        plans.findings.len(),
        plans.findings.join("\n\n")
    );
}
