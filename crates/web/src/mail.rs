//! The outbox and, with no SMTP configured, the dev mailbox.

use crate::error::WebResult;
use crate::extract::Path;
use crate::extract::{Caller, Csrf};
use crate::site::render;
use crate::view::{self, AdminChrome};
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use domain::ids::MailId;
use domain::outbox::{JobView, Mail};

#[derive(Template)]
#[template(path = "mailbox.html")]
struct MailboxTemplate {
    chrome: AdminChrome,
    mails: Vec<Mail>,
}

pub async fn mailbox(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    let mails = state.app.dev_mailbox(&actor).await?;
    let chrome = AdminChrome::new(&state, &actor, view::tr("admin-mailbox"), "mailbox", csrf).await;
    Ok(Html(render(MailboxTemplate { chrome, mails })?).into_response())
}

#[derive(Template)]
#[template(path = "mail.html")]
struct MailTemplate {
    chrome: AdminChrome,
    mail: Mail,
}

pub async fn mail(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<MailId>,
) -> WebResult<Response> {
    let mail = state.app.dev_mail(&actor, &id).await?;
    let chrome = AdminChrome::new(&state, &actor, mail.subject.clone(), "mailbox", csrf).await;
    Ok(Html(render(MailTemplate { chrome, mail })?).into_response())
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxTemplate {
    chrome: AdminChrome,
    jobs: Vec<JobView>,
}

pub async fn outbox(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    let jobs = state.app.outbox(&actor).await?;
    let chrome = AdminChrome::new(&state, &actor, view::tr("admin-outbox"), "outbox", csrf).await;
    Ok(Html(render(OutboxTemplate { chrome, jobs })?).into_response())
}

#[derive(serde::Deserialize)]
pub struct AuditQuery {
    case: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    chrome: AdminChrome,
    entries: Vec<app::audit::AuditEntry>,
    case: String,
}

impl AuditTemplate {
    /// What an entry's action means, in the reader's language; a text this version does not
    /// know (written by a newer one) is shown as stored.
    fn action(&self, stored: &str) -> String {
        match domain::audit::AuditAction::from_stored(stored) {
            Some(action) => view::tr(&format!(
                "audit-action-{}",
                action.as_str().replace(['.', '_'], "-")
            )),
            None => stored.to_string(),
        }
    }

    fn outcome(&self, stored: &str) -> String {
        match stored {
            "ok" | "refused" | "failed" => view::tr(&format!("audit-outcome-{stored}")),
            other => other.to_string(),
        }
    }
}

/// GET /admin/audit: the owner's view of the audit log, optionally for one case.
pub async fn audit(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    axum::extract::Query(q): axum::extract::Query<AuditQuery>,
) -> WebResult<Response> {
    let case: String = q
        .case
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect();
    let entries = state.app.audit_log(&actor, Some(&case)).await?;
    let chrome = AdminChrome::new(&state, &actor, view::tr("admin-audit"), "audit", csrf).await;
    Ok(Html(render(AuditTemplate {
        chrome,
        entries,
        case,
    })?)
    .into_response())
}
