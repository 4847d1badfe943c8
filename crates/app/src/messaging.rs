//! Secure messages between a patient and their therapist. The mail that announces one says only
//! that there is a new message.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::ratelimit::Bucket;
use crate::App;
use domain::case::Case;
use domain::ids::{AttachmentId, CaseId};
use domain::messaging::{self, Message, Upload};

/// A thread as its page shows it.
pub struct Thread {
    pub case: Case,
    pub messages: Vec<Message>,
    /// The therapist's message policy and the crisis contacts, shown above the compose box.
    pub message_policy: String,
    pub crisis_contacts: String,
}

impl App {
    /// Opens a case's thread and marks what the other side wrote as read.
    pub async fn thread(&self, actor: &Actor, case: &CaseId) -> AppResult<Thread> {
        let case = self.case(actor, case).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let messages = store::messages::thread(self.db(), &case.id).await?;
        store::messages::mark_read(self.db(), &case.id, &user.id, self.now()).await?;
        self.audit(
            actor,
            "messages.read",
            case.id.as_str(),
            "thread",
            Outcome::Ok,
        )
        .await?;
        let practice = self.practice().await?;
        let details = practice.as_ref().as_ref();
        Ok(Thread {
            case,
            messages,
            message_policy: details
                .map(|d| d.message_policy.clone())
                .unwrap_or_default(),
            crisis_contacts: details
                .map(|d| d.crisis_contacts.clone())
                .unwrap_or_else(|| crate::accounts::DEFAULT_CRISIS_CONTACTS.into()),
        })
    }

    /// Sends a message (and at most one attachment) in a case; the other side is told by email.
    pub async fn send_message(
        &self,
        actor: &Actor,
        case: &CaseId,
        body: &str,
        upload: Option<Upload>,
    ) -> AppResult<()> {
        let case = self.case(actor, case).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let outgoing = messaging::validate(body, upload)?;
        let now = self.now();
        if !self
            .limits()
            .allow(Bucket::MessageByUser, user.id.as_str(), now)
        {
            return Err(AppError::RateLimited);
        }
        let attachment = outgoing
            .attachment
            .as_ref()
            .map(|(name, kind, bytes)| (name.as_str(), *kind, bytes.as_slice()));
        let id = store::messages::post(
            self.db(),
            &case.id,
            &user.id,
            &outgoing.body,
            attachment,
            |id| {
                Task::MessageNotification {
                    message: id.clone(),
                }
                .job(format!("message-notification:{id}"), now)
            },
            now,
        )
        .await?;
        self.audit(
            actor,
            "messages.write",
            case.id.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        self.wake_jobs();
        Ok(())
    }

    /// An attachment, for the case's patient or therapist only.
    pub async fn attachment(
        &self,
        actor: &Actor,
        id: &AttachmentId,
    ) -> AppResult<(String, String, Vec<u8>)> {
        let (case, name, kind, bytes) = store::messages::attachment(self.db(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.case(actor, &case).await?;
        self.audit(
            actor,
            "attachment.read",
            case.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        Ok((name, kind, bytes))
    }
}
