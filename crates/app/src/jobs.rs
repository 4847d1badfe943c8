//! The job runner: claims due jobs from the outbox, runs them, retries failures with backoff.
//! At least once: a crash after a send and before the job is marked done sends again on restart,
//! which is why every job is keyed so that it is enqueued only once.

use crate::mail;
use crate::App;
use domain::ids::{CaseId, InquiryId, MessageId, UserId};
use domain::intake::ResponseId;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use store::jobs::{self, Job, NewJob};

/// Every kind of job, with what it needs: ids, never clinical text.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    InquiryNotification {
        inquiry: InquiryId,
    },
    InquiryReply {
        reply: String,
    },
    PatientInvitation {
        patient: UserId,
        therapist: UserId,
    },
    MagicLink {
        user: UserId,
    },
    TherapistInvitation {
        therapist: UserId,
    },
    MessageNotification {
        message: MessageId,
    },
    BookingConfirmation {
        appointment: String,
    },
    BookingCancelled {
        appointment: String,
    },
    BookingMoved {
        appointment: String,
        sequence: i64,
    },
    /// Sent only if the appointment is still booked at the same `sequence` (not moved, not cancelled).
    Reminder {
        appointment: String,
        sequence: i64,
    },
    /// "There is an agreement to read and sign in your portal" (sent only while it is open).
    AgreementToSign {
        agreement: String,
    },
    /// "An agreement was signed; it waits for your countersignature".
    AgreementSigned {
        agreement: String,
    },
    /// "A response needs your attention", to the case's therapist: no content, no measure, no score.
    RiskAlert {
        case: CaseId,
    },
    /// A scheduled measure falls due: sends it (as the system) and schedules the next.
    MeasureDue {
        case: CaseId,
        key: String,
    },
    /// "A short questionnaire is waiting in your portal" (sent only while it is still open).
    QuestionnaireWaiting {
        response: ResponseId,
    },
}

impl Task {
    fn kind(&self) -> &'static str {
        match self {
            Task::InquiryNotification { .. } => "inquiry_notification",
            Task::InquiryReply { .. } => "inquiry_reply",
            Task::PatientInvitation { .. } => "patient_invitation",
            Task::MagicLink { .. } => "magic_link",
            Task::TherapistInvitation { .. } => "therapist_invitation",
            Task::MessageNotification { .. } => "message_notification",
            Task::BookingConfirmation { .. } => "booking_confirmation",
            Task::BookingCancelled { .. } => "booking_cancelled",
            Task::BookingMoved { .. } => "booking_moved",
            Task::Reminder { .. } => "reminder",
            Task::RiskAlert { .. } => "risk_alert",
            Task::AgreementToSign { .. } => "agreement_to_sign",
            Task::AgreementSigned { .. } => "agreement_signed",
            Task::MeasureDue { .. } => "measure_due",
            Task::QuestionnaireWaiting { .. } => "questionnaire_waiting",
        }
    }

    /// The job for this task, keyed so the same task is never enqueued twice.
    pub(crate) fn job(&self, key: String, run_at: jiff::Timestamp) -> NewJob {
        NewJob {
            kind: self.kind(),
            idempotency_key: key,
            payload: serde_json::to_string(self).expect("a task always serialises"),
            run_at,
        }
    }
}

const LEASE: SignedDuration = SignedDuration::from_secs(120);
const POLL: Duration = Duration::from_secs(2);

impl App {
    /// Runs forever: wakes when a job is enqueued here, and polls for jobs from other instances,
    /// retries that fall due, and leases that ran out.
    pub async fn run_jobs(self) {
        loop {
            match self.run_due_jobs().await {
                Ok(0) => {
                    let _ = tokio::time::timeout(POLL, self.inner.jobs_wake.notified()).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "job runner could not read the job table");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }

    /// Runs every job due now; returns how many ran.
    pub async fn run_due_jobs(&self) -> Result<usize, store::StoreError> {
        let now = self.now();
        let due = jobs::claim_due(self.db(), now, now + LEASE, 20).await?;
        let n = due.len();
        for job in due {
            self.run_one(job).await?;
        }
        Ok(n)
    }

    pub(crate) fn wake_jobs(&self) {
        self.inner.jobs_wake.notify_one();
    }

    async fn run_one(&self, job: Job) -> Result<(), store::StoreError> {
        let outcome = match serde_json::from_str::<Task>(&job.payload) {
            Ok(task) => self.perform(task).await,
            Err(e) => Err(format!("unreadable job payload: {e}")),
        };
        let now = self.now();
        match outcome {
            Ok(()) => jobs::complete(self.db(), &job.id, now).await,
            Err(error) => {
                let retry_at = (!domain::jobs::exhausted(job.attempts)).then(|| {
                    let delay =
                        domain::jobs::backoff_ms(self.config().job_retry_base_ms, job.attempts);
                    now + SignedDuration::from_millis(i64::try_from(delay).unwrap_or(i64::MAX))
                });
                tracing::warn!(kind = %job.kind, attempt = job.attempts, gave_up = retry_at.is_none(), %error, "job failed");
                jobs::fail(self.db(), &job.id, &error, retry_at, now).await
            }
        }
    }

    async fn user_for_mail(&self, id: &UserId) -> Result<Option<domain::account::User>, String> {
        store::users::get(self.db(), id)
            .await
            .map_err(|e| e.to_string())
    }

    async fn perform(&self, task: Task) -> Result<(), String> {
        let practice = store::practice::get(self.db())
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no practice yet")?;
        let mail = match task {
            Task::InquiryNotification { inquiry } => mail::inquiry_notification(
                &practice.name,
                &practice.email,
                &self.link(&format!("/admin/inquiries/{inquiry}")),
            ),
            Task::InquiryReply { reply } => {
                let Some((name, email, body)) = store::inquiries::reply_for_mail(self.db(), &reply)
                    .await
                    .map_err(|e| e.to_string())?
                else {
                    return Ok(()); // the thread was deleted: nothing left to send
                };
                mail::inquiry_reply(&practice.name, &practice.email, &name, &email, &body)
            }
            Task::PatientInvitation { patient, therapist } => {
                let (Some(patient), Some(therapist)) = (
                    self.user_for_mail(&patient).await?,
                    self.user_for_mail(&therapist).await?,
                ) else {
                    return Ok(());
                };
                let token = self
                    .mint_link(&patient.id, crate::portal::PATIENT_INVITE)
                    .await
                    .map_err(|e| e.to_string())?;
                mail::patient_invitation(
                    &practice.name,
                    &therapist.name,
                    &patient,
                    &self.link(&format!("/signin/{token}")),
                )
            }
            Task::MagicLink { user } => {
                let Some(user) = self.user_for_mail(&user).await? else {
                    return Ok(());
                };
                let token = self
                    .mint_link(&user.id, crate::portal::MAGIC)
                    .await
                    .map_err(|e| e.to_string())?;
                mail::magic_link(
                    &practice.name,
                    &user,
                    &self.link(&format!("/signin/{token}")),
                )
            }
            Task::TherapistInvitation { therapist } => {
                let Some(user) = self.user_for_mail(&therapist).await? else {
                    return Ok(());
                };
                let token = self
                    .mint_link(&user.id, crate::portal::THERAPIST_INVITE)
                    .await
                    .map_err(|e| e.to_string())?;
                mail::therapist_invitation(
                    &practice.name,
                    &practice.owner_name,
                    &user,
                    &self.link(&format!("/join/{token}")),
                )
            }
            Task::BookingConfirmation { appointment } => match self
                .booking_mail(
                    &practice,
                    &appointment,
                    crate::booking::Notice::Confirmation,
                )
                .await?
            {
                Some(mail) => mail,
                None => return Ok(()),
            },
            Task::BookingMoved { appointment, .. } => match self
                .booking_mail(&practice, &appointment, crate::booking::Notice::Moved)
                .await?
            {
                Some(mail) => mail,
                None => return Ok(()),
            },
            Task::BookingCancelled { appointment } => match self
                .booking_mail(
                    &practice,
                    &appointment,
                    crate::booking::Notice::Cancellation,
                )
                .await?
            {
                Some(mail) => mail,
                None => return Ok(()),
            },
            Task::Reminder {
                appointment,
                sequence,
            } => match self
                .booking_mail(
                    &practice,
                    &appointment,
                    crate::booking::Notice::Reminder { sequence },
                )
                .await?
            {
                Some(mail) => mail,
                None => return Ok(()),
            },
            Task::AgreementToSign { agreement } => {
                match self.agreement_mail(&practice, &agreement, false).await? {
                    Some(mail) => mail,
                    None => return Ok(()),
                }
            }
            Task::AgreementSigned { agreement } => {
                match self.agreement_mail(&practice, &agreement, true).await? {
                    Some(mail) => mail,
                    None => return Ok(()),
                }
            }
            Task::RiskAlert { case } => {
                let Some(case) = store::cases::get(
                    &mut self.db().conn().await.map_err(|e| e.to_string())?,
                    &case,
                    &UserId::new(""),
                )
                .await
                .map_err(|e| e.to_string())?
                else {
                    return Ok(());
                };
                mail::risk_alert(
                    &practice.name,
                    &case.therapist,
                    &self.link(&format!("/admin/cases/{}", case.id)),
                )
            }
            Task::MeasureDue { case, key } => {
                return self
                    .measure_due(&case, &key)
                    .await
                    .map_err(|e| e.to_string());
            }
            Task::QuestionnaireWaiting { response } => {
                let Some(case) = self
                    .waiting_for(&response)
                    .await
                    .map_err(|e| e.to_string())?
                else {
                    return Ok(());
                };
                mail::questionnaire_waiting(&practice.name, &case.patient, &self.link("/portal"))
            }
            Task::MessageNotification { message } => {
                let Some((case_id, author)) = store::messages::header(self.db(), &message)
                    .await
                    .map_err(|e| e.to_string())?
                else {
                    return Ok(());
                };
                let Some(case) = store::cases::get(
                    &mut self.db().conn().await.map_err(|e| e.to_string())?,
                    &case_id,
                    &author,
                )
                .await
                .map_err(|e| e.to_string())?
                else {
                    return Ok(());
                };
                let (to, link) = if case.patient.id == author {
                    (
                        case.therapist,
                        self.link(&format!("/admin/cases/{case_id}")),
                    )
                } else {
                    (case.patient, self.link("/portal/messages"))
                };
                mail::message_notification(&practice.name, &to, &link)
            }
        };
        self.send(mail).await
    }
}
