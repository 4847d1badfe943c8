//! The job runner: claims due jobs from the outbox, runs them, retries failures with backoff.
//! At least once: a crash after a send and before the job is marked done sends again on restart,
//! which is why every job is keyed so that it is enqueued only once.

use crate::mail;
use crate::metrics::JobOutcome;
use crate::{App, AppError};
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
    /// A sign-in link for `user`; `None` when the address asked for is nobody's: that request
    /// does the same work (a job, an audit row) so that its answer takes as long, and sends nothing.
    MagicLink {
        user: Option<UserId>,
    },
    TherapistInvitation {
        therapist: UserId,
    },
    /// "Someone has been trying to sign in to your account": no address, no count, no time.
    SignInsFailed {
        user: UserId,
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
    /// "An appointment was booked / cancelled / moved", to the therapist: no name, no time.
    CalendarChange {
        therapist: UserId,
        change: crate::mail::Change,
    },
    /// The therapist's agenda for the day (initials only); schedules the next day's.
    DailyAgenda {
        therapist: UserId,
    },
    /// "Your regular sessions", with the whole series as one calendar event (sent again when it
    /// changes).
    SeriesInvitation {
        series: String,
    },
    /// "Some of your sessions are cancelled: your therapist is away" (one per patient).
    AwayNotice {
        case: CaseId,
        appointments: Vec<String>,
    },
    /// Books a series' sessions up to its horizon; schedules the next day's run.
    SeriesHorizon {
        series: String,
    },
    /// "A document is waiting in your portal": an invoice, a credit note. Nothing more.
    DocumentWaiting {
        case: CaseId,
    },
    /// A reminder `day` days after an invoice's due date, sent only if it still owes something.
    InvoiceReminder {
        invoice: String,
        day: u32,
    },
    /// The audit log's daily checkpoint (`day`, UTC, keys it); schedules the next day's.
    AuditCheckpoint {
        day: String,
    },
    /// The daily review of records past retention: a content-free notice to each therapist
    /// with any; schedules the next day's.
    RetentionReview,
    /// "A patient asked to erase their records", to the case's therapist (while still open).
    ErasureRequested {
        case: CaseId,
    },
    /// "Your request about your records was answered", to the patient (while the hold stands).
    ErasureAnswered {
        case: CaseId,
    },
    /// The day's scheduled backup (`day` as YYYY-MM-DD, UTC); schedules the next day's.
    Backup {
        day: String,
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
            Task::SignInsFailed { .. } => "sign_ins_failed",
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
            Task::CalendarChange { .. } => "calendar_change",
            Task::DailyAgenda { .. } => "daily_agenda",
            Task::SeriesInvitation { .. } => "series_invitation",
            Task::SeriesHorizon { .. } => "series_horizon",
            Task::RetentionReview => "retention_review",
            Task::ErasureRequested { .. } => "erasure_requested",
            Task::ErasureAnswered { .. } => "erasure_answered",
            Task::AwayNotice { .. } => "away_notice",
            Task::DocumentWaiting { .. } => "document_waiting",
            Task::InvoiceReminder { .. } => "invoice_reminder",
            Task::AuditCheckpoint { .. } => "audit_checkpoint",
            Task::Backup { .. } => "backup",
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

/// Why a job did not run to the end. Each variant keeps its cause as the error's source; events
/// name only the variant (`kind()`), since a cause's text may carry an address or a name.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("the job's payload does not parse")]
    Payload(#[from] serde_json::Error),
    #[error("there is no practice yet")]
    NoPractice,
    #[error("the store failed")]
    Store(#[from] store::StoreError),
    #[error("a use-case failed")]
    App(#[from] AppError),
    #[error("the mail could not be composed or sent")]
    Mail(#[from] crate::mail::MailError),
    #[error("the backup failed")]
    Backup(#[source] crate::backup::BackupError),
}

impl JobError {
    /// A stable name for events and dashboards.
    pub fn kind(&self) -> &'static str {
        match self {
            JobError::Payload(_) => "payload",
            JobError::NoPractice => "no_practice",
            JobError::Store(_) => "store",
            JobError::App(_) => "app",
            JobError::Mail(_) => "mail",
            JobError::Backup(_) => "backup",
        }
    }

    /// The whole chain, for the outbox row an operator reads (never for the log).
    pub fn chain(&self) -> String {
        crate::error::chain(self)
    }
}

/// How long a claimed job is held. A runner that dies (a crash, a kill) leaves its job claimed for
/// at most this long before another runner, or this one restarted, takes it again. Jobs are claimed
/// one at a time, so the lease covers one job: a mail's SMTP exchange times out at 20 s.
pub const LEASE: SignedDuration = SignedDuration::from_secs(30);
const POLL: Duration = Duration::from_secs(2);

impl App {
    /// Runs until the app drains: wakes when a job is enqueued here, and polls for jobs from other
    /// instances, retries that fall due, and leases that ran out. Once draining it claims nothing
    /// more and returns when the job it holds is done, so a restart neither cuts a mail in half
    /// nor leaves a lease to run out before another instance may take the job.
    pub async fn run_jobs(self) {
        if let Err(e) = self.schedule_backups().await {
            tracing::warn!(error = %e, "cannot schedule the daily backup");
        }
        while !self.is_draining() {
            self.runner_beat();
            match self.run_round(true).await {
                Ok(0) => {
                    let _ = tokio::time::timeout(POLL, self.inner.jobs_wake.notified()).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "job runner could not read the job table");
                    tokio::select! {
                        () = tokio::time::sleep(POLL) => {}
                        () = self.draining() => {}
                    }
                }
            }
        }
    }

    /// Runs the jobs due now, one claim at a time (up to 20 in a round, none once draining);
    /// returns how many ran. Called by hand (tests, commands) it is no sign that the runner
    /// lives: no heartbeat.
    pub async fn run_due_jobs(&self) -> Result<usize, store::StoreError> {
        self.run_round(false).await
    }

    /// A round of the runner; `beat` marks it alive before each job (a round may run twenty).
    async fn run_round(&self, beat: bool) -> Result<usize, store::StoreError> {
        let mut n = 0;
        while n < 20 && !self.is_draining() {
            let now = self.now();
            let Some(job) = jobs::claim_due(self.db(), now, now + LEASE, 1).await?.pop() else {
                break;
            };
            if beat {
                self.runner_beat();
            }
            self.run_one(job).await?;
            n += 1;
        }
        Ok(n)
    }

    pub(crate) fn wake_jobs(&self) {
        self.inner.jobs_wake.notify_one();
    }

    async fn run_one(&self, job: Job) -> Result<(), store::StoreError> {
        let started = std::time::Instant::now();
        // The metrics' label is the task's constant name, never the stored text.
        let mut kind = "unknown";
        let outcome = match serde_json::from_str::<Task>(&job.payload) {
            Ok(task) => {
                kind = task.kind();
                self.perform(task).await
            }
            Err(e) => Err(JobError::Payload(e)),
        };
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let now = self.now();
        match outcome {
            Ok(()) => {
                self.metrics().job(kind, JobOutcome::Done);
                tracing::info!(job = %job.id, kind = %job.kind, attempt = job.attempts, outcome = "done", duration_ms, "job ran");
                jobs::complete(self.db(), &job.id, now).await
            }
            Err(error) => {
                let retry_at = (!domain::jobs::exhausted(job.attempts)).then(|| {
                    let delay =
                        domain::jobs::backoff_ms(self.config().job_retry_base_ms, job.attempts);
                    now + SignedDuration::from_millis(i64::try_from(delay).unwrap_or(i64::MAX))
                });
                let (outcome, counted) = if retry_at.is_some() {
                    ("retry", JobOutcome::Retry)
                } else {
                    ("gave_up", JobOutcome::GaveUp)
                };
                self.metrics().job(kind, counted);
                tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, outcome, duration_ms, error_kind = error.kind(), "job failed");
                // The SMTP server's answer may name the recipient: the operator reads why, not whom.
                let why = domain::outbox::without_addresses(&error.chain(), "[address]");
                jobs::fail(self.db(), &job.id, &why, retry_at, now).await
            }
        }
    }

    async fn user_for_mail(&self, id: &UserId) -> Result<Option<domain::account::User>, JobError> {
        Ok(store::users::get(&mut self.db().conn().await?, id).await?)
    }

    async fn perform(&self, task: Task) -> Result<(), JobError> {
        // The audit checkpoint needs no practice: the log exists from the first sign-in attempt.
        if let Task::AuditCheckpoint { .. } = task {
            return self.audit_checkpoint_job().await;
        }
        // A backup needs no practice (a new installation is backed up too) and sends no mail.
        if let Task::Backup { day } = &task {
            return self.scheduled_backup(day).await;
        }
        // Each read on a connection of its own, given back at once: the job never holds one
        // while it waits for another.
        let practice = store::practice::get(&mut self.db().conn().await?)
            .await?
            .ok_or(JobError::NoPractice)?;
        let mail = match task {
            Task::InquiryNotification { inquiry } => mail::inquiry_notification(
                &practice.name,
                &practice.email,
                &self.link(&format!("/admin/inquiries/{inquiry}")),
            ),
            Task::InquiryReply { reply } => {
                let Some(r) =
                    store::inquiries::reply_for_mail(&mut self.db().conn().await?, &reply).await?
                else {
                    return Ok(()); // the thread was deleted: nothing left to send
                };
                mail::inquiry_reply(&practice.name, &practice.email, &r.name, &r.email, &r.body)
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
                    .await?;
                mail::patient_invitation(
                    &practice.name,
                    &therapist.name,
                    &patient,
                    &self.link(&format!("/signin/{token}")),
                )
            }
            Task::MagicLink { user } => {
                let Some(user) = user else {
                    return Ok(());
                };
                let Some(user) = self.user_for_mail(&user).await? else {
                    return Ok(());
                };
                let token = self.mint_link(&user.id, crate::portal::MAGIC).await?;
                mail::magic_link(
                    &practice.name,
                    &user,
                    &self.link(&format!("/signin/{token}")),
                )
            }
            Task::SignInsFailed { user } => {
                let Some(user) = self.user_for_mail(&user).await? else {
                    return Ok(());
                };
                mail::sign_ins_failed(&practice.name, &user, &self.link("/admin/sessions"))
            }
            Task::TherapistInvitation { therapist } => {
                let Some(user) = self.user_for_mail(&therapist).await? else {
                    return Ok(());
                };
                let token = self
                    .mint_link(&user.id, crate::portal::THERAPIST_INVITE)
                    .await?;
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
                let Some(case) = self
                    .case_for_system(&mut self.db().conn().await?, &case)
                    .await?
                else {
                    return Ok(());
                };
                mail::risk_alert(
                    &practice.name,
                    &case.therapist,
                    &self.link(&format!("/admin/cases/{}", case.id)),
                )
            }
            Task::AwayNotice { case, appointments } => {
                match self
                    .away_notice_mail(&practice, &case, &appointments)
                    .await?
                {
                    Some(mail) => mail,
                    None => return Ok(()),
                }
            }
            Task::SeriesHorizon { series } => {
                return self.extend_series(&series).await.map_err(JobError::from);
            }
            Task::DocumentWaiting { case } => {
                match self.document_waiting_mail(&practice, &case).await? {
                    Some(mail) => mail,
                    None => return Ok(()),
                }
            }
            Task::AuditCheckpoint { .. } => return self.audit_checkpoint_job().await,
            // Run above, before the practice is read.
            Task::Backup { .. } => return Ok(()),
            Task::InvoiceReminder { invoice, .. } => {
                match self.invoice_reminder_mail(&practice, &invoice).await? {
                    Some(mail) => mail,
                    None => return Ok(()),
                }
            }
            Task::SeriesInvitation { series } => {
                match self.series_mail(&practice, &series).await? {
                    Some(mail) => mail,
                    None => return Ok(()),
                }
            }
            Task::RetentionReview => {
                return self
                    .retention_review()
                    .await
                    .map(drop)
                    .map_err(JobError::from);
            }
            Task::ErasureRequested { case } => {
                match self.erasure_request_mail(&practice, &case).await? {
                    Some(mail) => mail,
                    None => return Ok(()),
                }
            }
            Task::ErasureAnswered { case } => {
                match self.erasure_answer_mail(&practice, &case).await? {
                    Some(mail) => mail,
                    None => return Ok(()),
                }
            }
            Task::MeasureDue { case, key } => {
                return self.measure_due(&case, &key).await.map_err(JobError::from);
            }
            Task::QuestionnaireWaiting { response } => {
                let Some(case) = self.waiting_for(&response).await? else {
                    return Ok(());
                };
                mail::questionnaire_waiting(&practice.name, &case.patient, &self.link("/portal"))
            }
            Task::CalendarChange { therapist, change } => {
                let Some(to) = self.user_for_mail(&therapist).await? else {
                    return Ok(());
                };
                mail::calendar_change(&practice.name, &to, change, &self.link("/admin"))
            }
            Task::DailyAgenda { therapist } => {
                match self.daily_agenda(&practice, &therapist).await? {
                    Some(mail) => mail,
                    None => return Ok(()),
                }
            }
            Task::MessageNotification { message } => {
                let Some((case_id, author)) =
                    store::messages::header(&mut self.db().conn().await?, &message).await?
                else {
                    return Ok(());
                };
                let Some(case) = self
                    .case_for_system(&mut self.db().conn().await?, &case_id)
                    .await?
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
        Ok(self.send(mail).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_error_names_its_kind_and_keeps_its_cause_for_the_outbox_row() {
        let address = "nora@@example.org".parse::<lettre::Address>().unwrap_err();
        let error = JobError::from(crate::mail::MailError::Address("recipient", address));
        assert_eq!(error.kind(), "mail");
        assert!(
            !error.to_string().contains('@'),
            "the error's own text says what failed, not with what"
        );
        assert!(std::error::Error::source(&error).is_some());
        assert_eq!(
            error.chain(),
            format!(
                "the mail could not be composed or sent: the recipient address is not usable: {}",
                "nora@@example.org".parse::<lettre::Address>().unwrap_err()
            )
        );
        let unreadable = serde_json::from_str::<Task>("{").map_err(JobError::from);
        assert_eq!(unreadable.map(|_| ()).map_err(|e| e.kind()), Err("payload"));
    }
}
