//! What the practice sent, or is still trying to send: mail kept in the dev mailbox, and jobs.

use crate::ids::{JobId, MailId};
use jiff::Timestamp;

/// A mail kept in the dev mailbox (no SMTP configured).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub id: MailId,
    pub to: String,
    pub subject: String,
    /// Empty in lists; opened only when one mail is read.
    pub body: String,
    pub created_at: Timestamp,
}

/// A job of the outbox, as the admin lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobView {
    pub id: JobId,
    pub kind: String,
    pub state: String,
    pub attempts: u32,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}
