//! Secure messages between a patient and their therapist. The mail that announces one says only
//! that there is a new message.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::CaseSide;
use crate::ratelimit::Bucket;
use crate::App;
use domain::audit::AuditAction;
use domain::case::Case;
use domain::ids::{AttachmentId, CaseId};
use domain::messaging::{self, Message, Upload};
use store::messages::NewAttachment;

/// A thread as its page shows it.
pub struct Thread {
    pub case: Case,
    pub messages: Vec<Message>,
    /// The therapist's message policy and the crisis contacts, shown above the compose box.
    pub message_policy: String,
    pub crisis_contacts: domain::crisis::Contacts,
}

/// An attachment, opened for the case's patient or therapist.
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl App {
    /// Opens a case's thread and marks what the other side wrote as read.
    #[tracing::instrument(skip_all, fields(case = %case))]
    pub async fn thread(&self, actor: &Actor, case: &CaseId) -> AppResult<Thread> {
        let mut tx = self.db().begin().await?;
        let case = self.case_as(&mut tx, actor, case, CaseSide::Either).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let messages = store::messages::thread(&mut tx, &case.id).await?;
        store::messages::mark_read(&mut tx, &case.id, &user.id, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::MessagesRead,
            case.id.as_str(),
            "thread",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        let practice = self.practice().await?;
        let details = practice.as_ref().as_ref();
        let crisis_contacts = self.crisis_contacts_for(&case.patient).await?;
        Ok(Thread {
            case,
            messages,
            message_policy: details
                .map(|d| d.message_policy.clone())
                .unwrap_or_default(),
            crisis_contacts,
        })
    }

    /// Sends a message (and at most one attachment) in a case; the other side is told by email.
    /// The message, its mail and its audit row commit together.
    #[tracing::instrument(skip_all, fields(case = %case))]
    pub async fn send_message(
        &self,
        actor: &Actor,
        case: &CaseId,
        body: &str,
        upload: Option<Upload>,
    ) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        let case = self
            .case_to_write(&mut tx, actor, case, CaseSide::Either, "message")
            .await?;
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
            .map(|(name, kind, bytes)| NewAttachment {
                file_name: name,
                content_type: kind,
                bytes,
            });
        let id =
            store::messages::post(&mut tx, &case.id, &user.id, &outgoing.body, attachment, now)
                .await?;
        let task = Task::MessageNotification {
            message: id.clone(),
        };
        store::jobs::enqueue(
            &mut tx,
            task.job(format!("message-notification:{id}"), now),
            now,
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::MessagesWrite,
            case.id.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(())
    }

    /// An attachment, for the case's patient or therapist only.
    #[tracing::instrument(skip_all, fields(attachment = %id))]
    pub async fn attachment(&self, actor: &Actor, id: &AttachmentId) -> AppResult<Attachment> {
        let mut c = self.db().conn().await?;
        let found = store::messages::attachment(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.case_as(&mut c, actor, &found.case, CaseSide::Either)
            .await?;
        self.audit_in(
            &mut c,
            actor,
            AuditAction::AttachmentRead,
            found.case.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        Ok(Attachment {
            file_name: found.file_name,
            content_type: found.content_type,
            bytes: found.bytes,
        })
    }
}
