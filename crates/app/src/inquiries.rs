//! "Send a message": a visitor writes, the therapist is told (without the text), reads, replies.

use crate::accounts::Client;
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::Action;
use crate::ratelimit::Bucket;
use crate::App;
use domain::content::Paging;
use domain::ids::InquiryId;
use domain::inquiry::{
    validate_reply, InquiryInput, InquiryRecord, InquiryStatus, InquirySummary, Intake,
};
use store::inquiries;

pub const INBOX_PER_PAGE: u32 = 25;

impl App {
    /// Stores a visitor's message. `Ok` only once the message and its notification are committed.
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
        let id = inquiries::create(
            self.db(),
            &inquiry,
            |id| {
                Task::InquiryNotification {
                    inquiry: id.clone(),
                }
                .job(format!("inquiry-notification:{id}"), now)
            },
            now,
        )
        .await?;
        self.audit(
            actor,
            "inquiry.create",
            id.as_str(),
            id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tracing::info!(inquiry = %id, "message received through the site");
        self.wake_jobs();
        Ok(())
    }

    pub async fn inbox(
        &self,
        actor: &Actor,
        status: Option<InquiryStatus>,
        page: Option<&str>,
    ) -> AppResult<(Vec<InquirySummary>, Paging)> {
        self.require(actor, Action::HandleInquiries).await?;
        let total = inquiries::count(self.db(), status).await?;
        let paging = Paging::new(page, INBOX_PER_PAGE, total);
        Ok((
            inquiries::list(self.db(), status, paging.offset(), paging.per_page).await?,
            paging,
        ))
    }

    /// How many messages nobody has answered yet (the admin's badge).
    pub async fn unanswered_inquiries(&self, actor: &Actor) -> AppResult<u64> {
        self.require(actor, Action::HandleInquiries).await?;
        Ok(inquiries::count(self.db(), Some(InquiryStatus::New)).await?)
    }

    pub async fn inquiry(&self, actor: &Actor, id: &InquiryId) -> AppResult<InquiryRecord> {
        self.require(actor, Action::HandleInquiries).await?;
        let record = inquiries::get(self.db(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.audit(actor, "inquiry.read", id.as_str(), id.as_str(), Outcome::Ok)
            .await?;
        Ok(record)
    }

    pub async fn set_inquiry_status(
        &self,
        actor: &Actor,
        id: &InquiryId,
        status: InquiryStatus,
    ) -> AppResult<()> {
        self.require(actor, Action::HandleInquiries).await?;
        inquiries::set_status(self.db(), id, status, self.now())
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => AppError::NotFound,
                e => e.into(),
            })?;
        self.audit(
            actor,
            "inquiry.status",
            id.as_str(),
            status.as_str(),
            Outcome::Ok,
        )
        .await
    }

    /// Keeps the reply with the thread and sends it by email (through the outbox).
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
        let reply = inquiries::add_reply(
            self.db(),
            id,
            author,
            &body,
            |reply| {
                Task::InquiryReply {
                    reply: reply.to_string(),
                }
                .job(format!("inquiry-reply:{reply}"), now)
            },
            now,
        )
        .await
        .map_err(|e| match e {
            store::StoreError::NotFound => AppError::NotFound,
            e => e.into(),
        })?;
        self.audit(actor, "inquiry.reply", id.as_str(), &reply, Outcome::Ok)
            .await?;
        self.wake_jobs();
        Ok(())
    }
}
