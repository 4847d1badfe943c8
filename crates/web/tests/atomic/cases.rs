//! Failure injection: the use-cases of a case (messages, questionnaires, the workspace, the
//! agreement, measures). Each is its cause, its jobs, its stage and its audit rows, or nothing; a
//! refusal found inside a use-case's transaction is recorded on its own.

use crate::common::{TestApp, THERAPIST_EMAIL};
use crate::on_both;
use app::Actor;
use domain::case::Stage;
use domain::ids::CaseId;
use store::testing::{count_rows, fail_inserts_into, heal_inserts_into};

const MARA: &str = "mara@example.org";

/// The practice's second therapist, their patient Mara and Mara's case.
struct World {
    theo: Actor,
    mara: Actor,
    case: CaseId,
}

async fn actor(t: &TestApp, email: &str) -> Actor {
    let (user, _) = store::users::find_by_email(&mut t.db.conn().await.unwrap(), email)
        .await
        .unwrap()
        .unwrap();
    Actor::signed(user, "test".into(), true, "127.0.0.1")
}

async fn world(t: &TestApp) -> World {
    let theo = actor(t, THERAPIST_EMAIL).await;
    let invite = domain::account::InviteInput {
        name: "Mara Jovanović".into(),
        email: MARA.into(),
        time_zone: "Europe/Berlin".into(),
    };
    let case = t.app.invite_patient(&theo, &invite).await.unwrap();
    World {
        mara: actor(t, MARA).await,
        theo,
        case,
    }
}

/// The rows of `tables`, counted.
async fn counts(t: &TestApp, tables: &[&str]) -> Vec<i64> {
    let mut out = Vec::new();
    for table in tables {
        out.push(count_rows(&t.db, table).await);
    }
    out
}

async fn stage(t: &TestApp, case: &CaseId) -> Stage {
    let mut c = t.db.conn().await.unwrap();
    store::cases::get(&mut c, case, &domain::ids::UserId::new(""))
        .await
        .unwrap()
        .unwrap()
        .stage
}

on_both!(
    a_message_whose_mail_cannot_be_queued_is_not_sent,
    TestApp::with_practice,
    |t| {
        let w = world(&t).await;
        let tables = ["messages", "attachments", "jobs", "audit_log"];
        let before = counts(&t, &tables).await;
        let send = || {
            let letter = domain::messaging::Upload {
                file_name: "letter.pdf".into(),
                bytes: b"%PDF-1.4 a letter".to_vec(),
            };
            t.app
                .send_message(&w.mara, &w.case, "Since the move I feel lost", Some(letter))
        };
        fail_inserts_into(&t.db, "jobs").await;
        assert!(send().await.is_err(), "the mail could not be queued");
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            counts(&t, &tables).await,
            before,
            "no message, attachment, job or audit row"
        );
        send().await.unwrap();
        let after = counts(&t, &tables).await;
        assert_eq!(after[0], before[0] + 1, "one message");
        assert_eq!(after[1], before[1] + 1, "its attachment");
        assert_eq!(after[2], before[2] + 1, "its mail");
    }
);

on_both!(
    a_risk_answer_whose_alert_cannot_be_queued_leaves_no_mark_and_no_answers,
    TestApp::with_practice,
    |t| {
        let w = world(&t).await;
        let intake = t
            .app
            .my_questionnaires(&w.mara)
            .await
            .unwrap()
            .into_iter()
            .find(|l| l.info.key == domain::intake::INTAKE)
            .expect("the intake is offered")
            .info
            .id;
        let fields: std::collections::BTreeMap<String, String> =
            [("q.thoughts_of_harm".to_string(), "often".to_string())].into();
        let tables = ["case_attention", "jobs", "audit_log"];
        let before = counts(&t, &tables).await;
        fail_inserts_into(&t.db, "jobs").await;
        let saved = t
            .app
            .save_response(&w.mara, &intake, 1, &fields, true)
            .await;
        assert!(saved.is_err(), "the alert could not be queued");
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            counts(&t, &tables).await,
            before,
            "no mark, no alert, no audit row"
        );
        let mut c = t.db.conn().await.unwrap();
        let response = store::intake::response(&mut c, &intake)
            .await
            .unwrap()
            .unwrap();
        assert!(!response.info.started, "no answers stored");
        assert!(!response.info.risk_raised);
        assert_eq!(response.info.status, domain::intake::Status::Draft);

        let saved = t
            .app
            .save_response(&w.mara, &intake, 1, &fields, false)
            .await
            .unwrap();
        assert!(matches!(
            saved,
            app::intake::Saved::Saved { risk: true, .. }
        ));
        let after = counts(&t, &tables).await;
        assert_eq!(after[0], before[0] + 1, "the case is marked");
        assert_eq!(after[1], before[1] + 1, "the therapist's alert");
    }
);

on_both!(
    a_workspace_whose_audit_row_cannot_be_written_is_not_saved,
    TestApp::with_practice,
    |t| {
        let w = world(&t).await;
        let input = domain::workspace::WorkspaceInput {
            going_on: "A move, and a loss".into(),
            decision: "continue".into(),
            ..Default::default()
        };
        fail_inserts_into(&t.db, "audit_log").await;
        assert!(t
            .app
            .save_workspace(&w.theo, &w.case, &input)
            .await
            .is_err());
        heal_inserts_into(&t.db, "audit_log").await;
        assert_eq!(count_rows(&t.db, "workspaces").await, 0);
        t.app
            .save_workspace(&w.theo, &w.case, &input)
            .await
            .unwrap();
        assert_eq!(count_rows(&t.db, "workspaces").await, 1);
    }
);

on_both!(
    the_decision_to_continue_whose_audit_row_cannot_be_written_leaves_the_stage_unchanged,
    TestApp::with_practice,
    |t| {
        let w = world(&t).await;
        for next in [Stage::ConsultationBooked, Stage::ConsultationHeld] {
            t.app.move_case(&w.theo, &w.case, next).await.unwrap();
        }
        let input = domain::workspace::WorkspaceInput {
            decision: "continue".into(),
            ..Default::default()
        };
        t.app
            .save_workspace(&w.theo, &w.case, &input)
            .await
            .unwrap();
        let audit = count_rows(&t.db, "audit_log").await;
        fail_inserts_into(&t.db, "audit_log").await;
        assert!(t
            .app
            .move_case(&w.theo, &w.case, Stage::InTherapy)
            .await
            .is_err());
        heal_inserts_into(&t.db, "audit_log").await;
        assert_eq!(stage(&t, &w.case).await, Stage::ConsultationHeld);
        assert_eq!(count_rows(&t.db, "audit_log").await, audit);
        t.app
            .move_case(&w.theo, &w.case, Stage::InTherapy)
            .await
            .unwrap();
        assert_eq!(stage(&t, &w.case).await, Stage::InTherapy);
    }
);

on_both!(
    an_agreement_whose_mail_cannot_be_queued_is_not_sent_and_no_template_is_saved,
    TestApp::with_practice,
    |t| {
        let w = world(&t).await;
        let tables = ["agreements", "agreement_templates", "jobs", "audit_log"];
        let before = counts(&t, &tables).await;
        let input = domain::agreement::SendInput::default();
        fail_inserts_into(&t.db, "jobs").await;
        assert!(t
            .app
            .send_agreement(&w.theo, &w.case, &input)
            .await
            .is_err());
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            counts(&t, &tables).await,
            before,
            "no agreement, no first version of the template, no mail, no audit row"
        );
        t.app
            .send_agreement(&w.theo, &w.case, &input)
            .await
            .unwrap();
        let after = counts(&t, &tables).await;
        assert_eq!(after[0], before[0] + 1, "one agreement");
        assert_eq!(after[1], before[1] + 1, "the template's first version");
    }
);

on_both!(
    a_signature_whose_mail_cannot_be_queued_leaves_the_agreement_unsigned,
    TestApp::with_practice,
    |t| {
        let w = world(&t).await;
        let input = domain::agreement::SendInput::default();
        let id = t
            .app
            .send_agreement(&w.theo, &w.case, &input)
            .await
            .unwrap();
        let opened = t.app.agreement(&w.mara, &id).await.unwrap();
        let signature = domain::agreement::SignInput {
            full_name: "Mara Jovanović".into(),
            agree: Some("on".into()),
            sha256: opened.agreement.info.sha256.clone(),
        };
        let client = app::accounts::Client {
            ip: "127.0.0.1".into(),
            user_agent: "test".into(),
        };
        let tables = ["jobs", "audit_log"];
        let before = counts(&t, &tables).await;
        fail_inserts_into(&t.db, "jobs").await;
        assert!(t
            .app
            .sign_agreement(&w.mara, &id, &signature, &client)
            .await
            .is_err());
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(counts(&t, &tables).await, before, "no mail, no audit row");
        let signed_at = || async {
            let mut c = t.db.conn().await.unwrap();
            store::agreements::of_case(&mut c, &w.case).await.unwrap()[0].signed_at
        };
        assert!(signed_at().await.is_none(), "still waiting for a signature");
        t.app
            .sign_agreement(&w.mara, &id, &signature, &client)
            .await
            .unwrap();
        assert!(signed_at().await.is_some());
    }
);

on_both!(
    a_measure_whose_first_job_cannot_be_queued_is_not_scheduled,
    TestApp::with_practice,
    |t| {
        let w = world(&t).await;
        let tables = ["measure_schedules", "jobs", "audit_log"];
        let before = counts(&t, &tables).await;
        let schedule = || {
            t.app
                .set_measure_schedule(&w.theo, &w.case, "phq9", "4", "weeks", true)
        };
        fail_inserts_into(&t.db, "jobs").await;
        assert!(schedule().await.is_err());
        heal_inserts_into(&t.db, "jobs").await;
        assert_eq!(
            counts(&t, &tables).await,
            before,
            "no schedule, no job, no audit row"
        );
        schedule().await.unwrap();
        let after = counts(&t, &tables).await;
        assert_eq!(after[0], before[0] + 1, "one schedule");
        assert_eq!(after[1], before[1] + 1, "its job");
    }
);

on_both!(
    a_refusal_inside_a_use_case_is_recorded_and_nothing_else_is,
    TestApp::with_practice,
    |t| {
        let w = world(&t).await;
        let owner = actor(&t, crate::common::OWNER_EMAIL).await;
        let stranger_invite = domain::account::InviteInput {
            name: "Pia Other".into(),
            email: "pia@example.org".into(),
            time_zone: "Europe/Berlin".into(),
        };
        t.app
            .invite_patient(&owner, &stranger_invite)
            .await
            .unwrap();
        let pia = actor(&t, "pia@example.org").await;
        let tables = ["messages", "jobs", "audit_log"];
        let before = counts(&t, &tables).await;
        // Another patient writing into Mara's case, and the practice's owner moving it: neither
        // learns the case exists, and the database (on SQLite, one writer at a time) takes the
        // refusal while the use-case's own transaction is gone.
        assert!(matches!(
            t.app.send_message(&pia, &w.case, "not mine", None).await,
            Err(app::AppError::NotFound)
        ));
        assert!(matches!(
            t.app
                .move_case(&owner, &w.case, Stage::ConsultationBooked)
                .await,
            Err(app::AppError::NotFound)
        ));
        let after = counts(&t, &tables).await;
        assert_eq!(after[..2], before[..2], "no message, no job");
        assert_eq!(
            after[2],
            before[2] + 2,
            "both refusals are in the audit log"
        );
        assert_eq!(stage(&t, &w.case).await, Stage::Inquiry);
    }
);

on_both!(
    a_due_measure_whose_audit_row_cannot_be_written_sends_nothing_and_stays_due,
    TestApp::with_practice,
    |t| {
        let w = world(&t).await;
        t.app
            .set_measure_schedule(&w.theo, &w.case, "phq9", "2", "weeks", false)
            .await
            .unwrap();
        let due_at = || async {
            let mut c = t.db.conn().await.unwrap();
            store::intake::schedules::get(&mut c, &w.case, "phq9")
                .await
                .unwrap()
                .unwrap()
                .next_at
        };
        let first_due = due_at().await;
        t.clock.advance(jiff::SignedDuration::from_hours(24 * 15));
        let responses = count_rows(&t.db, "responses").await;
        fail_inserts_into(&t.db, "audit_log").await;
        t.run_jobs().await;
        heal_inserts_into(&t.db, "audit_log").await;
        let tried = store::jobs::recent(&mut t.db.conn().await.unwrap(), 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| j.kind == "measure_due")
            .any(|j| j.attempts == 1 && j.last_error.is_some());
        assert!(tried, "the due step ran and failed");
        assert_eq!(
            count_rows(&t.db, "responses").await,
            responses,
            "no questionnaire sent"
        );
        assert_eq!(due_at().await, first_due, "the schedule did not move on");
        assert!(
            !t.mails()
                .await
                .iter()
                .any(|m| m.to == MARA && m.subject.to_lowercase().contains("questionnaire")),
            "nobody was told"
        );
        // The job is tried again and then does it all.
        t.clock.advance(jiff::SignedDuration::from_mins(10));
        t.run_jobs().await;
        assert_eq!(count_rows(&t.db, "responses").await, responses + 1);
        assert!(due_at().await > first_due);
    }
);
