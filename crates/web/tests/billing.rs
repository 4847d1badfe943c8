//! Billing end to end: drafts from the attendance record, a hundred concurrent issues numbered
//! 1…100 without a gap or a repeat on both databases, an issued invoice that no route can change,
//! the PDF archived exactly as issued, payments from a statement confirmed once, credit notes.

mod common;

use common::*;
use domain::invoice::{LineInput, PaymentInput, ProfileInput};
use reqwest::StatusCode;

async fn practice(backend: store::Backend) -> Option<TestApp> {
    TestApp::with_practice(backend).await
}

async fn theo(t: &TestApp) -> app::Actor {
    let (user, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), THERAPIST_EMAIL)
        .await
        .unwrap()
        .unwrap();
    app::Actor::signed(user, "test".into(), true, "127.0.0.1")
}

fn profile() -> ProfileInput {
    ProfileInput {
        issuer: "Theo Hart, Psychotherapist".into(),
        address: "Lindenstraße 4\n10969 Berlin".into(),
        country: "DE".into(),
        iban: "DE89 3704 0044 0532 0130 00".into(),
        exemption: "Exempt from VAT under § 4 No. 14 UStG.".into(),
        payment_days: "14".into(),
        paper: "a4".into(),
        cadence: "monthly".into(),
        reminder_days: "7".into(),
        ..ProfileInput::default()
    }
}

async fn draft(t: &TestApp, actor: &app::Actor, case: &str, unit: &str) -> String {
    let case = domain::ids::CaseId::parse(case).unwrap();
    let id = t.app.new_invoice(actor, &case).await.unwrap();
    t.app
        .add_invoice_line(
            actor,
            &id,
            &LineInput {
                date: "2026-11-20".into(),
                description: "Session (50 minutes)".into(),
                minutes: "50".into(),
                unit: unit.into(),
                ..LineInput::default()
            },
        )
        .await
        .unwrap();
    id
}

on_both!(
    a_hundred_concurrent_issues_are_numbered_one_to_a_hundred,
    practice,
    |t| {
        let browser = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
            .await;
        let actor = theo(&t).await;
        t.app
            .save_billing_profile(&actor, &profile())
            .await
            .unwrap();
        let mut drafts = Vec::new();
        for _ in 0..100 {
            drafts.push(draft(&t, &actor, &case, "90").await);
        }
        let handles: Vec<_> = drafts
            .iter()
            .map(|id| {
                let (app, actor, id) = (t.app.clone(), actor.clone(), id.clone());
                tokio::spawn(async move { app.issue_invoice(&actor, &id).await })
            })
            .collect();
        let mut numbers = Vec::new();
        for h in handles {
            numbers.push(h.await.unwrap().expect("every issue succeeds"));
        }
        numbers.sort();
        let want: Vec<String> = (1..=100).map(|n| format!("{n:04}")).collect();
        assert_eq!(numbers, want);
        // Issuing again gives no new number: an issued invoice is issued.
        assert!(matches!(
            t.app.issue_invoice(&actor, &drafts[0]).await,
            Err(app::AppError::InvoiceIssued)
        ));
    }
);

on_both!(an_issued_invoice_changes_through_no_route, practice, |t| {
    let browser = t.signed_in(THERAPIST_EMAIL).await;
    let case = t
        .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
        .await;
    let actor = theo(&t).await;
    t.app
        .save_billing_profile(&actor, &profile())
        .await
        .unwrap();
    let id = draft(&t, &actor, &case, "90,00").await;
    let line = t
        .app
        .invoice(&actor, &id, app::policy::CaseSide::Therapist)
        .await
        .unwrap()
        .invoice
        .lines[0]
        .0
        .clone();
    // Bad input on the draft: kept, and said next to the field.
    let page = format!("/admin/billing/invoices/{id}");
    let r = browser
        .post_with_token(
            &format!("{page}/lines"),
            &[
                ("date", "2026-11-21"),
                ("description", "Report"),
                ("unit", "eighty"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"eighty\""),
        "the typed amount is kept"
    );
    assert!(html.contains("Please write an amount like 80 or 80.50."));

    let number = t.app.issue_invoice(&actor, &id).await.unwrap();
    assert_eq!(number, "0001");
    let (_, pdf) = t
        .app
        .invoice_pdf(&actor, &id, app::policy::CaseSide::Therapist)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let sha = t
        .app
        .invoice(&actor, &id, app::policy::CaseSide::Therapist)
        .await
        .unwrap()
        .invoice
        .pdf_sha256
        .unwrap();
    use sha2::Digest;
    assert_eq!(
        sha,
        hex::encode(sha2::Sha256::digest(&pdf)),
        "archived exactly as issued"
    );

    for (path, fields) in [
        (
            format!("{page}/lines/{line}"),
            vec![
                ("date", "2026-11-20"),
                ("description", "Changed"),
                ("unit", "1"),
            ],
        ),
        (format!("{page}/lines/{line}/remove"), vec![]),
        (
            format!("{page}/lines"),
            vec![
                ("date", "2026-11-20"),
                ("description", "More"),
                ("unit", "1"),
            ],
        ),
        (
            format!("{page}/recipient"),
            vec![("recipient", "Someone else")],
        ),
        (format!("{page}/issue"), vec![]),
        (format!("{page}/discard"), vec![]),
    ] {
        let r = browser.post_with_token(&path, &fields).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "POST {path}");
    }
    let after = t
        .app
        .invoice(&actor, &id, app::policy::CaseSide::Therapist)
        .await
        .unwrap()
        .invoice;
    assert_eq!(after.total, 9000);
    assert_eq!(after.lines.len(), 1);
    assert_eq!(after.lines[0].1.description, "Session (50 minutes)");
    assert_eq!(after.pdf_sha256.as_deref(), Some(sha.as_str()));
    let (_, again) = t
        .app
        .invoice_pdf(&actor, &id, app::policy::CaseSide::Therapist)
        .await
        .unwrap();
    assert_eq!(again, pdf);

    // The patient is told only that a document waits; the mail names no amount and no number.
    t.run_jobs().await;
    let mail = t
        .mails()
        .await
        .into_iter()
        .find(|m| m.to == "mara@example.org" && m.subject.contains("document"))
        .expect("the document mail");
    // (The portal's link is left out of the look: the test server's port may hold "0001".)
    let words: String = mail
        .body
        .lines()
        .filter(|l| !l.contains("/portal"))
        .collect();
    assert!(
        !words.contains("90") && !words.contains("0001"),
        "{}",
        mail.body
    );

    // A credit note corrects it, with the next number.
    let note = t.app.credit_invoice(&actor, &id, &[]).await.unwrap();
    let note = t
        .app
        .invoice(&actor, &note, app::policy::CaseSide::Therapist)
        .await
        .unwrap()
        .invoice;
    assert_eq!(note.number.as_deref(), Some("0002"));
    assert_eq!(note.corrects.as_deref(), Some(id.as_str()));
    // Nothing is left to credit.
    assert!(t.app.credit_invoice(&actor, &id, &[]).await.is_err());
});

on_both!(
    a_statement_pays_once_and_partial_payments_leave_the_rest_owing,
    practice,
    |t| {
        let browser = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
            .await;
        let actor = theo(&t).await;
        t.app
            .save_billing_profile(&actor, &profile())
            .await
            .unwrap();
        let one = draft(&t, &actor, &case, "90").await;
        let two = draft(&t, &actor, &case, "120").await;
        let three = draft(&t, &actor, &case, "75").await;
        for id in [&one, &two, &three] {
            t.app.issue_invoice(&actor, id).await.unwrap();
        }
        let reference = |id: &str| {
            let t = &t;
            let actor = &actor;
            let id = id.to_string();
            async move {
                t.app
                    .invoice(actor, &id, app::policy::CaseSide::Therapist)
                    .await
                    .unwrap()
                    .invoice
                    .reference
                    .unwrap()
            }
        };
        let (r1, r2) = (reference(&one).await, reference(&two).await);
        let csv = format!(
        "Buchungstag;Betrag;Verwendungszweck;Name\n20.11.2026;90,00;{r1};Mara Jovanovic\n21.11.2026;50,00;{r2} Teil 1;Mara Jovanovic\n22.11.2026;-12,00;Gebuehren;Bank\n23.11.2026;33,33;=HYPERLINK(\"x\");Somebody\n"
    );
        let input = app::billing::statements::StatementInput {
            format: "csv".into(),
            delimiter: ";".into(),
            date_column: "Buchungstag".into(),
            amount_column: "Betrag".into(),
            text_column: "Verwendungszweck".into(),
            counterparty_column: "Name".into(),
            date_format: "dmy".into(),
            decimal_comma: "on".into(),
        };
        let (import, done) = t
            .app
            .import_statement(&actor, &input, csv.as_bytes())
            .await
            .unwrap();
        assert_eq!((done.credits, done.matched), (3, 2));
        // The same file again changes nothing.
        let again = t.app.import_statement(&actor, &input, csv.as_bytes()).await;
        assert!(
            matches!(again, Err(app::AppError::Invalid(ref e)) if e.get("file") == Some("statement-error-duplicate"))
        );
        // Malformed, empty and hostile files: a message next to the field, nothing written.
        for bad in [
            &b""[..],
            b"\x00\xff\x00garbage",
            b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>",
        ] {
            let camt = app::billing::statements::StatementInput {
                format: "camt".into(),
                ..Default::default()
            };
            let r = t.app.import_statement(&actor, &camt, bad).await;
            assert!(
                matches!(r, Err(app::AppError::Invalid(ref e)) if e.get("file").is_some()),
                "{r:?}"
            );
        }
        let view = t.app.statement(&actor, &import).await.unwrap();
        for (credit, _) in &view.credits {
            if let Some(invoice) = &credit.invoice {
                t.app
                    .confirm_credit(&actor, &credit.id, invoice)
                    .await
                    .unwrap();
                // Confirming twice pays once.
                t.app
                    .confirm_credit(&actor, &credit.id, invoice)
                    .await
                    .unwrap();
            }
        }
        let get = |id: String| {
            let t = &t;
            let actor = &actor;
            async move {
                t.app
                    .invoice(actor, &id, app::policy::CaseSide::Therapist)
                    .await
                    .unwrap()
            }
        };
        let v1 = get(one.clone()).await;
        assert_eq!(v1.standing, Some(domain::invoice::Standing::Paid));
        assert_eq!(v1.payments.len(), 1);
        let v2 = get(two.clone()).await;
        assert_eq!(
            v2.standing,
            Some(domain::invoice::Standing::PartlyPaid { remaining: 7000 })
        );
        let v3 = get(three.clone()).await;
        assert_eq!(v3.standing, Some(domain::invoice::Standing::Open));
        // A payment by hand settles the rest, with a receipt.
        t.app
            .record_payment(
                &actor,
                &two,
                &PaymentInput {
                    amount: "70".into(),
                    received_on: String::new(),
                    method: "cash".into(),
                },
            )
            .await
            .unwrap();
        let v2 = get(two.clone()).await;
        assert_eq!(v2.standing, Some(domain::invoice::Standing::Paid));
        assert!(v2.payments.iter().all(|p| p.has_receipt));
        // The accountant's file lists the three invoices and the three payments, formulas defused.
        let csv = t
            .app
            .accountant_csv(
                &actor,
                "2026-01-01".parse().unwrap(),
                "2026-12-31".parse().unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(csv.lines().filter(|l| l.starts_with("invoice,")).count(), 3);
        assert_eq!(csv.lines().filter(|l| l.starts_with("payment,")).count(), 3);
        // The patient sees their invoices and what they still owe: the third.
        let mara = t.patient_signed_in("mara@example.org").await;
        let (status, html) = mara.text("/portal/invoices").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("75.00 EUR"), "{html}");
        let r = mara.get(&format!("/portal/invoices/{three}/pdf")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    }
);

on_both!(
    what_each_invoice_owes_is_kept_through_payments_and_credit_notes,
    practice,
    |t| {
        let browser = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
            .await;
        let actor = theo(&t).await;
        t.app
            .save_billing_profile(&actor, &profile())
            .await
            .unwrap();
        let paid = draft(&t, &actor, &case, "90").await;
        let part = draft(&t, &actor, &case, "120").await;
        let credited = draft(&t, &actor, &case, "75").await;
        let open = draft(&t, &actor, &case, "60").await;
        let still_draft = draft(&t, &actor, &case, "999").await;
        for id in [&paid, &part, &credited, &open] {
            t.app.issue_invoice(&actor, id).await.unwrap();
        }
        let pay = |id: String, amount: &'static str| {
            let (t, actor) = (&t, &actor);
            async move {
                t.app
                    .record_payment(
                        actor,
                        &id,
                        &PaymentInput {
                            amount: amount.into(),
                            received_on: String::new(),
                            method: "cash".into(),
                        },
                    )
                    .await
                    .unwrap();
            }
        };
        pay(paid.clone(), "90").await;
        pay(part.clone(), "50").await;
        let note = t.app.credit_invoice(&actor, &credited, &[]).await.unwrap();

        // The kept sum is what the documents add up to, document by document: the paid and the
        // credited invoice owe nothing, the others what is left; a draft and a credit note owe
        // nothing to be kept (NULL).
        let kept: Vec<(String, Option<i64>)> =
            store::testing::raw_pairs(&t.db, "SELECT id, owed_minor FROM invoices").await;
        let kept: std::collections::HashMap<String, Option<i64>> = kept.into_iter().collect();
        assert_eq!(kept[&paid], Some(0));
        assert_eq!(kept[&part], Some(7000));
        assert_eq!(kept[&credited], Some(0));
        assert_eq!(kept[&open], Some(6000));
        assert_eq!(kept[&still_draft], None);
        assert_eq!(kept[&note], None);
        for id in [&paid, &part, &credited, &open] {
            let view = t
                .app
                .invoice(&actor, id, app::policy::CaseSide::Therapist)
                .await
                .unwrap();
            assert_eq!(kept[id], Some(view.invoice.outstanding()), "{id}");
        }

        // The overview reads the kept sums: two invoices open, one balance.
        let overview = t.app.billing_overview(&actor, Some(2026)).await.unwrap();
        assert_eq!(overview.outstanding, 13_000);
        assert_eq!(overview.balances.len(), 1);
        assert_eq!(overview.balances[0].1, "Mara Jovanović");
        assert_eq!(overview.balances[0].2, 13_000);
        // The year's income: four invoices less the credit note, and the two payments.
        assert_eq!(overview.invoiced_year, 9000 + 12_000 + 7500 + 6000 - 7500);
        assert_eq!(overview.received_year, 14_000);

        // Settling the rest leaves nothing open and no balance.
        pay(part.clone(), "70").await;
        pay(open.clone(), "60").await;
        let overview = t.app.billing_overview(&actor, Some(2026)).await.unwrap();
        assert_eq!((overview.outstanding, overview.overdue), (0, 0));
        assert!(overview.balances.is_empty());
    }
);

async fn with_online_payment(
    backend: store::Backend,
) -> Option<(TestApp, app::stripe::standin::StandIn)> {
    let standin = app::stripe::standin::StandIn::start("sk_test_holdspace")
        .await
        .unwrap();
    let config = standin.config("whsec_test_holdspace");
    let t = TestApp::with_practice_full(backend, |c| c.stripe = Some(config), |_| {}).await?;
    Some((t, standin))
}

/// Paying online against a local stand-in of the provider (Stripe itself cannot be reached
/// here): the checkout is created server-side, the signed webhook marks the invoice paid once,
/// however often it is delivered; a tampered or unsigned delivery is refused.
#[tokio::test]
async fn an_online_payment_is_recorded_once() {
    for backend in [store::Backend::Sqlite, store::Backend::Postgres] {
        let Some((t, standin)) = with_online_payment(backend).await else {
            continue;
        };
        let browser = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
            .await;
        let actor = theo(&t).await;
        t.app
            .save_billing_profile(&actor, &profile())
            .await
            .unwrap();
        let id = draft(&t, &actor, &case, "90").await;
        t.app.issue_invoice(&actor, &id).await.unwrap();

        let mara = t.patient_signed_in("mara@example.org").await;
        let (_, html) = mara.text("/portal/invoices").await;
        assert!(html.contains("Pay online"), "{html}");
        let r = mara
            .post_with_token(&format!("/portal/invoices/{id}/pay"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = location(&r);
        assert!(to.starts_with(standin.api_base().as_str()), "{to}");
        let session = to.rsplit('/').next().unwrap().to_string();
        let sent = standin.requests();
        let checkout = sent.last().unwrap();
        assert_eq!(
            checkout.field("line_items[0][price_data][unit_amount]"),
            Some("9000")
        );
        assert_eq!(checkout.field("client_reference_id"), Some(id.as_str()));

        let webhook = |header: String, body: Vec<u8>| {
            let mut h = reqwest::header::HeaderMap::new();
            if !header.is_empty() {
                h.insert("stripe-signature", header.parse().unwrap());
            }
            let t = &t;
            async move {
                t.browser()
                    .post_raw(
                        "/payments/stripe/webhook",
                        h,
                        String::from_utf8(body).unwrap(),
                        "application/json",
                    )
                    .await
                    .status()
            }
        };
        let (header, body) = standin.paid_event(&session, "whsec_test_holdspace", t.app.now());
        // Tampered, unsigned, or signed with another secret: refused, nothing paid.
        let tampered = String::from_utf8(body.clone())
            .unwrap()
            .replace("9000", "1");
        assert_eq!(
            webhook(header.clone(), tampered.into_bytes()).await,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            webhook(String::new(), body.clone()).await,
            StatusCode::BAD_REQUEST
        );
        let (forged, forged_body) = standin.paid_event(&session, "whsec_other", t.app.now());
        assert_eq!(webhook(forged, forged_body).await, StatusCode::BAD_REQUEST);
        // Delivered, and delivered again: paid once.
        assert_eq!(webhook(header.clone(), body.clone()).await, StatusCode::OK);
        assert_eq!(webhook(header, body).await, StatusCode::OK);
        let (again, again_body) = standin.paid_event(&session, "whsec_test_holdspace", t.app.now());
        assert_eq!(webhook(again, again_body).await, StatusCode::OK);
        let v = t
            .app
            .invoice(&actor, &id, app::policy::CaseSide::Therapist)
            .await
            .unwrap();
        assert_eq!(v.payments.len(), 1);
        assert_eq!(v.standing, Some(domain::invoice::Standing::Paid));
        assert_eq!(v.payments[0].method, domain::invoice::Method::Online);
    }
}

on_both!(
    reminders_go_out_for_what_is_still_owed_and_say_nothing_of_it,
    practice,
    |t| {
        let browser = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
            .await;
        let other = t
            .invite_patient(&browser, "Robin Field", "robin@example.org")
            .await;
        let actor = theo(&t).await;
        t.app
            .save_billing_profile(&actor, &profile())
            .await
            .unwrap();
        let owed = draft(&t, &actor, &case, "90").await;
        let settled = draft(&t, &actor, &other, "90").await;
        t.app.issue_invoice(&actor, &owed).await.unwrap();
        t.app.issue_invoice(&actor, &settled).await.unwrap();
        t.app
            .record_payment(
                &actor,
                &settled,
                &PaymentInput {
                    amount: "90".into(),
                    received_on: String::new(),
                    method: "transfer".into(),
                },
            )
            .await
            .unwrap();
        // The patient's own export carries their invoices and balance.
        let mara = t.patient_signed_in("mara@example.org").await;
        let (status, body) = mara.text("/portal/export").await;
        assert_eq!(status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["cases"][0]["invoices"]["balance_minor"], 9000);
        assert_eq!(
            json["cases"][0]["invoices"]["documents"][0]["number"],
            "0001"
        );
        t.run_jobs().await;
        let before = t.mails().await.len();
        // Due in 14 days; the reminder 7 days after that.
        t.clock.advance(jiff::SignedDuration::from_hours(22 * 24));
        t.run_jobs().await;
        let mails = t.mails().await;
        let reminders: Vec<_> = mails
            .iter()
            .filter(|m| m.subject.contains("a reminder"))
            .collect();
        assert_eq!(
            reminders.len(),
            1,
            "{} mails before, {:?}",
            before,
            mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        assert_eq!(reminders[0].to, "mara@example.org");
        for secret in ["90.00", "EUR", "0001", "invoice", "overdue"] {
            assert!(
                !reminders[0].body.contains(secret),
                "{secret}: {}",
                reminders[0].body
            );
        }
    }
);

/// A CAMT.053 statement (camt.053.001.02, as German banks send it) with one credit per
/// (amount, structured creditor reference, payer).
fn camt(credits: &[(&str, &str, &str)]) -> String {
    let entries: String = credits
        .iter()
        .enumerate()
        .map(|(i, (amount, reference, payer))| {
            format!(
                r#"<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-2{i}</Dt></BookgDt><ValDt><Dt>2026-11-2{i}</Dt></ValDt><AcctSvcrRef>20261120{i:05}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties><RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>"#
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>053D2026113000001</MsgId><CreDtTm>2026-11-30T23:59:00.0+01:00</CreDtTm></GrpHdr><Stmt><Id>0352C5320261130</Id><CreDtTm>2026-11-30T23:59:00.0+01:00</CreDtTm><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct><Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>{entries}</Stmt></BkToCstmrStmt></Document>"#
    )
}

on_both!(
    a_camt_statement_pays_two_invoices_and_leaves_the_third_open,
    practice,
    |t| {
        let browser = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
            .await;
        let actor = theo(&t).await;
        t.app
            .save_billing_profile(&actor, &profile())
            .await
            .unwrap();
        let mut ids = Vec::new();
        for unit in ["90", "120", "75"] {
            let id = draft(&t, &actor, &case, unit).await;
            t.app.issue_invoice(&actor, &id).await.unwrap();
            ids.push(id);
        }
        let mut refs = Vec::new();
        for id in &ids {
            refs.push(
                t.app
                    .invoice(&actor, id, app::policy::CaseSide::Therapist)
                    .await
                    .unwrap()
                    .invoice
                    .reference
                    .unwrap(),
            );
        }
        let xml = camt(&[
            ("90.00", &refs[0], "Mara Jovanovic"),
            ("120.00", &refs[1], "Mara Jovanovic"),
            ("12.34", "RF18539007547034", "Someone Else"),
        ]);
        // Kept for the test command's check against the schema (scripts/camt-schema-check).
        std::fs::write(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("camt053-billing-test.xml"),
            &xml,
        )
        .unwrap();
        // Through the page, as a therapist uploads it.
        let csrf = browser.csrf_from("/admin/billing/statements").await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("format", "camt")
            .part(
                "file",
                reqwest::multipart::Part::bytes(xml.clone().into_bytes())
                    .file_name("statement.xml"),
            );
        let r = browser
            .post_multipart("/admin/billing/statements", form)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let page = location(&r);
        let (_, html) = browser.text(&page).await;
        assert!(html.contains("3 new credits, 2 matched"), "{html}");
        let import = page
            .trim_start_matches("/admin/billing/statements/")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let view = t.app.statement(&actor, &import).await.unwrap();
        for (credit, _) in &view.credits {
            if let Some(invoice) = &credit.invoice {
                let r = browser
                    .post_with_token(
                        &format!("/admin/billing/credits/{}/confirm", credit.id),
                        &[("invoice", invoice)],
                    )
                    .await;
                assert_eq!(r.status(), StatusCode::SEE_OTHER);
            }
        }
        let standing = |id: String| {
            let t = &t;
            let actor = &actor;
            async move {
                t.app
                    .invoice(actor, &id, app::policy::CaseSide::Therapist)
                    .await
                    .unwrap()
                    .standing
            }
        };
        assert_eq!(
            standing(ids[0].clone()).await,
            Some(domain::invoice::Standing::Paid)
        );
        assert_eq!(
            standing(ids[1].clone()).await,
            Some(domain::invoice::Standing::Paid)
        );
        assert_eq!(
            standing(ids[2].clone()).await,
            Some(domain::invoice::Standing::Open)
        );

        // The same file again, a file in dollars, and a file of 11 MB: a message next to the
        // upload, the format kept, nothing written.
        let usd = camt(&[("90.00", &refs[2], "M")]).replace("EUR", "USD");
        let huge = "x".repeat(11 * 1024 * 1024);
        for (bytes, message) in [
            (
                xml.into_bytes(),
                "This statement was read before; nothing changed.",
            ),
            (usd.into_bytes(), "another currency"),
            (huge.into_bytes(), "larger than 10 MB"),
        ] {
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .text("format", "camt")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name("s.xml"),
                );
            let r = browser
                .post_multipart("/admin/billing/statements", form)
                .await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
            let html = r.text().await.unwrap();
            assert!(html.contains(message), "{message}: {html}");
        }
        assert_eq!(
            standing(ids[2].clone()).await,
            Some(domain::invoice::Standing::Open)
        );
    }
);

fn tool(program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} (Debian's poppler-utils / zbar-tools): {e}"));
    assert!(out.status.success(), "{program} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

on_both!(
    the_issued_pdf_reads_back_with_its_giro_code,
    practice,
    |t| {
        let browser = t.signed_in(THERAPIST_EMAIL).await;
        let case = t
            .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
            .await;
        let actor = theo(&t).await;
        t.app
            .save_billing_profile(&actor, &profile())
            .await
            .unwrap();
        let id = draft(&t, &actor, &case, "90").await;
        t.app.issue_invoice(&actor, &id).await.unwrap();
        let reference = t
            .app
            .invoice(&actor, &id, app::policy::CaseSide::Therapist)
            .await
            .unwrap()
            .invoice
            .reference
            .unwrap();
        let r = browser
            .get(&format!("/admin/billing/invoices/{id}/pdf"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let pdf = r.bytes().await.unwrap();
        let dir = std::env::temp_dir().join(format!("holdspace-invoice-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("invoice.pdf");
        std::fs::write(&file, &pdf).unwrap();
        let file = file.to_str().unwrap();
        let text = tool("pdftotext", &["-layout", file, "-"]);
        for want in [
            "Invoice",
            "0001",
            "90.00 EUR",
            "Exempt from VAT under § 4 No. 14 UStG.",
            "Mara Jovanović",
            "Theo Hart, Psychotherapist",
        ] {
            assert!(text.contains(want), "{want} in:\n{text}");
        }
        let png = dir.join("page");
        tool(
            "pdftoppm",
            &[
                "-r",
                "300",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                file,
                png.to_str().unwrap(),
            ],
        );
        let page = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "png"))
            .unwrap();
        let payload = tool("zbarimg", &["--raw", "-q", page.to_str().unwrap()]);
        let lines: Vec<&str> = payload.trim_end_matches('\n').split('\n').collect();
        assert_eq!(&lines[..4], ["BCD", "002", "1", "SCT"], "{payload}");
        assert!(lines.contains(&"DE89370400440532013000"), "{payload}");
        assert!(lines.contains(&"EUR90.00"), "{payload}");
        assert!(lines.contains(&reference.as_str()), "{payload}");
        if std::env::var_os("KEEP_PDF").is_none() {
            std::fs::remove_dir_all(&dir).ok();
        }
    }
);

on_both!(the_months_run_bills_what_took_place_once, practice, |t| {
    let browser = t.signed_in(THERAPIST_EMAIL).await;
    let case = t
        .invite_patient(&browser, "Robin Field", "robin@example.org")
        .await;
    let attended = session_on_monday(&browser, &case, "10:00").await;
    let missed = session_on_monday(&browser, &case, "14:00").await;
    let actor = theo(&t).await;
    t.app
        .save_billing_profile(&actor, &profile())
        .await
        .unwrap();
    let case_id = domain::ids::CaseId::parse(&case).unwrap();
    // A sliding-scale fee for this patient; bad input is refused next to the field.
    let bad = t.app.save_case_terms(&actor, &case_id, "eighty", "").await;
    assert!(
        matches!(bad, Err(app::AppError::Invalid(ref e)) if e.get("fee") == Some("error-amount-malformed"))
    );
    t.app
        .save_case_terms(
            &actor,
            &case_id,
            "80",
            "Robin Field\nHauptstraße 1\n10115 Berlin",
        )
        .await
        .unwrap();
    // Monday's sessions take place: one attended, one missed and charged.
    t.clock.advance(jiff::SignedDuration::from_hours(4 * 24));
    for (id, what) in [(&attended, "attended"), (&missed, "no_show")] {
        t.app
            .record_attendance(
                &actor,
                id,
                &domain::attendance::AttendanceInput {
                    attendance: what.into(),
                    charge: "charged".into(),
                },
            )
            .await
            .unwrap();
    }
    let november: jiff::civil::Date = "2026-11-01".parse().unwrap();
    // Not a month that has begun: refused.
    let future = t
        .app
        .prepare_invoices(&actor, "2027-03-01".parse().unwrap())
        .await;
    assert!(future.is_err());
    let done = t.app.prepare_invoices(&actor, november).await.unwrap();
    assert_eq!((done.drafts, done.sessions, done.without_fee), (1, 2, 0));
    let again = t.app.prepare_invoices(&actor, november).await.unwrap();
    assert_eq!(again.drafts, 0, "nothing is proposed twice");
    let o = t.app.billing_overview(&actor, Some(2026)).await.unwrap();
    let (draft, name) = &o.drafts[0];
    assert_eq!(name, "Robin Field");
    assert_eq!(draft.total, 16000);
    let full = t
        .app
        .invoice(&actor, &draft.id, app::policy::CaseSide::Therapist)
        .await
        .unwrap()
        .invoice;
    assert!(
        full.lines[1].1.description.ends_with("missed"),
        "{:?}",
        full.lines
    );
    assert!(full.recipient.contains("Hauptstraße 1"));
    // Discarded, its sessions are proposed again.
    t.app.discard_invoice(&actor, &draft.id).await.unwrap();
    let third = t.app.prepare_invoices(&actor, november).await.unwrap();
    assert_eq!(third.sessions, 2);
});

on_both!(the_owner_sets_the_practices_currency, practice, |t| {
    let owner = t.signed_in(OWNER_EMAIL).await;
    let theo = t.signed_in(THERAPIST_EMAIL).await;
    for (typed, status) in [
        ("EUX", StatusCode::UNPROCESSABLE_ENTITY),
        ("", StatusCode::UNPROCESSABLE_ENTITY),
        ("<script>", StatusCode::UNPROCESSABLE_ENTITY),
        ("chf", StatusCode::SEE_OTHER),
    ] {
        let r = owner
            .post_with_token("/admin/billing/currency", &[("currency", typed)])
            .await;
        assert_eq!(r.status(), status, "{typed}");
        if status != StatusCode::SEE_OTHER {
            let html = r.text().await.unwrap();
            assert!(html.contains("Please write a currency"), "{typed}");
        }
    }
    assert_eq!(t.app.currency().await.unwrap(), "CHF");
    // A therapist who is not the owner is refused, and has no such form.
    let r = theo
        .post_with_token("/admin/billing/currency", &[("currency", "USD")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, html) = theo.text("/admin/billing/profile").await;
    assert!(!html.contains("/admin/billing/currency"));
    assert_eq!(t.app.currency().await.unwrap(), "CHF");
});

async fn audited(t: &TestApp, action: &str, subject: &str) -> String {
    store::testing::raw_text(
        &t.db,
        &format!(
            "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = '{action}' AND subject = $1"
        ),
        subject,
    )
    .await
}

on_both!(reading_sealed_billing_data_is_audited, practice, |t| {
    let browser = t.signed_in(THERAPIST_EMAIL).await;
    let case = t
        .invite_patient(&browser, "Mara Jovanović", "mara@example.org")
        .await;
    let actor = theo(&t).await;
    t.app
        .save_billing_profile(&actor, &profile())
        .await
        .unwrap();
    let id = draft(&t, &actor, &case, "90").await;
    assert_eq!(audited(&t, "invoice.read", &id).await, "0");
    let (status, _) = browser.text(&format!("/admin/billing/invoices/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audited(&t, "invoice.read", &id).await, "1");
    let (status, _) = browser.text(&format!("/admin/cases/{case}/billing")).await;
    assert_eq!(status, StatusCode::OK);
    let terms = store::testing::raw_text(
        &t.db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = 'billing.terms.read' AND case_id = $1",
        &case,
    )
    .await;
    assert_eq!(terms, "1");
    // A statement's page opens payers' names; setting a credit aside is recorded too.
    let csv = "Date;Amount;Text\n20.11.2026;12,34;Somebody\n";
    let input = app::billing::statements::StatementInput {
        format: "csv".into(),
        date_column: "Date".into(),
        amount_column: "Amount".into(),
        text_column: "Text".into(),
        decimal_comma: "on".into(),
        ..Default::default()
    };
    let (import, _) = t
        .app
        .import_statement(&actor, &input, csv.as_bytes())
        .await
        .unwrap();
    let (status, _) = browser
        .text(&format!("/admin/billing/statements/{import}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audited(&t, "statement.read", &import).await, "1");
    let credit = t.app.statement(&actor, &import).await.unwrap().credits[0]
        .0
        .id
        .clone();
    let r = browser
        .post_with_token(&format!("/admin/billing/credits/{credit}/dismiss"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(audited(&t, "statement.dismiss", &credit).await, "1");
});
