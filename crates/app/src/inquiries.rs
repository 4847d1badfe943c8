//! "Send a message": a visitor writes, the therapist is told (without the text), reads, replies.

use crate::accounts::Client;
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::Action;
use crate::ratelimit::Bucket;
use crate::App;
use domain::audit::AuditAction;
use domain::content::{Pager, Window};
use domain::ids::InquiryId;
use domain::inquiry::{
    validate_reply, InquiryInput, InquiryRecord, InquiryStatus, InquirySummary, Intake,
};
use store::inquiries;

pub const INBOX_PER_PAGE: u32 = 25;

impl App {
    /// Stores a visitor's message. `Ok` only once the message, its notification and its audit row
    /// are committed, together.
    #[tracing::instrument(skip_all)]
    pub async fn send_inquiry(
        &self,
        actor: &Actor,
        input: &InquiryInput,
        client: &Client,
    ) -> AppResult<()> {
        self.require(actor, Action::SendInquiry).await?;
        let intake = input.validate()?;
        let now = self.now();
        if !self
            .limits()
            .allow(Bucket::InquiryByAddress, &client.ip, now)
        {
            return Err(AppError::RateLimited);
        }
        let Intake::Accept(inquiry) = intake else {
            tracing::info!("form honeypot filled; message discarded");
            return Ok(());
        };
        let mut tx = self.db().begin().await?;
        let id = inquiries::create(&mut tx, &inquiry, now).await?;
        let notify = Task::InquiryNotification {
            inquiry: id.clone(),
        };
        store::jobs::enqueue(
            &mut tx,
            notify.job(format!("inquiry-notification:{id}"), now),
            now,
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::InquiryCreate,
            id.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(inquiry = %id, "message received through the site");
        self.wake_jobs();
        Ok(())
    }

    /// A page of the inbox (see [`Window`]) and where its pager leads.
    pub async fn inbox(
        &self,
        actor: &Actor,
        status: Option<InquiryStatus>,
        window: &Window,
    ) -> AppResult<(Vec<InquirySummary>, Pager)> {
        self.require(actor, Action::HandleInquiries).await?;
        let mut c = self.db().conn().await?;
        Ok(inquiries::list(&mut c, status, window, INBOX_PER_PAGE).await?)
    }

    /// How many messages nobody has answered yet (the admin's badge).
    pub async fn unanswered_inquiries(&self, actor: &Actor) -> AppResult<u64> {
        self.require(actor, Action::HandleInquiries).await?;
        let mut c = self.db().conn().await?;
        Ok(inquiries::count(&mut c, Some(InquiryStatus::New)).await?)
    }

    /// One message, opened; its reading is audited through the same connection.
    #[tracing::instrument(skip_all, fields(inquiry = %id))]
    pub async fn inquiry(&self, actor: &Actor, id: &InquiryId) -> AppResult<InquiryRecord> {
        self.require(actor, Action::HandleInquiries).await?;
        let mut c = self.db().conn().await?;
        let record = inquiries::get(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.audit_in(
            &mut c,
            actor,
            AuditAction::InquiryRead,
            id.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        Ok(record)
    }

    #[tracing::instrument(skip_all, fields(inquiry = %id, status = status.as_str()))]
    pub async fn set_inquiry_status(
        &self,
        actor: &Actor,
        id: &InquiryId,
        status: InquiryStatus,
    ) -> AppResult<()> {
        self.require(actor, Action::HandleInquiries).await?;
        let mut tx = self.db().begin().await?;
        inquiries::set_status(&mut tx, id, status, self.now())
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => AppError::NotFound,
                e => e.into(),
            })?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::InquiryStatus,
            id.as_str(),
            status.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the reply with the thread and sends it by email (through the outbox): the reply, the
    /// thread's status, the mail's job and the audit row commit together.
    #[tracing::instrument(skip_all, fields(inquiry = %id))]
    pub async fn reply_to_inquiry(
        &self,
        actor: &Actor,
        id: &InquiryId,
        body: &str,
    ) -> AppResult<()> {
        self.require(actor, Action::HandleInquiries).await?;
        let body = validate_reply(body)?;
        let author = actor.user().ok_or(AppError::Unauthenticated)?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let reply = inquiries::add_reply(&mut tx, id, author, &body, now)
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => AppError::NotFound,
                e => e.into(),
            })?;
        let send = Task::InquiryReply {
            reply: reply.clone(),
        };
        store::jobs::enqueue(
            &mut tx,
            send.job(format!("inquiry-reply:{reply}"), now),
            now,
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::InquiryReply,
            id.as_str(),
            &reply,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(())
    }
}
