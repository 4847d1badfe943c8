//! Mail: what the practice sends, composed here, and the two ways it leaves: SMTP, or the dev
//! mailbox when no SMTP server is configured. Mail never carries clinical text; a log line names
//! only the kind of mail and the recipient's domain.

use crate::error::AppError;
use crate::policy::Action;
use crate::App;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    DevMailbox,
}

impl Mailer {
    pub fn from_config(config: &crate::Config) -> Result<Self, AppError> {
        match &config.smtp_url {
            None => Ok(Mailer::DevMailbox),
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Mailer::Smtp(b.timeout(Some(std::time::Duration::from_secs(20))).build()))
                .map_err(|e| {
                    AppError::Config(format!(
                        "HOLDSPACE_SMTP_URL is not a usable SMTP address: {e}"
                    ))
                }),
        }
    }
}

/// One composed mail. `kind` is what the log line says instead of the content.
pub struct Outgoing {
    pub kind: &'static str,
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body: String,
    pub reply_to: Option<String>,
}

impl App {
    /// Sends `mail`; an error means "try again later" to the job runner.
    pub(crate) async fn send(&self, mail: Outgoing) -> Result<(), String> {
        let domain = mail.to.rsplit_once('@').map(|(_, d)| d).unwrap_or("?");
        match &self.inner.mailer {
            Mailer::DevMailbox => {
                store::mailbox::deliver(self.db(), &mail.to, &mail.subject, &mail.body, self.now())
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(
                    kind = mail.kind,
                    to_domain = domain,
                    "mail kept in the dev mailbox (no SMTP configured)"
                );
            }
            Mailer::Smtp(transport) => {
                let message = build(&self.config().mail_from, &mail)?;
                transport
                    .send(message)
                    .await
                    .map_err(|e| format!("SMTP: {e}"))?;
                tracing::info!(kind = mail.kind, to_domain = domain, "mail sent");
            }
        }
        Ok(())
    }
}

fn build(from: &str, mail: &Outgoing) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("sender address: {e}"))?;
    // Names and subjects are single lines: whatever slipped past validation is dropped here.
    let one_line = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    let to = Mailbox::new(
        mail.to_name.as_deref().map(one_line),
        mail.to
            .parse()
            .map_err(|e| format!("recipient address: {e}"))?,
    );
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(&mail.subject))
        .header(ContentType::TEXT_PLAIN);
    if let Some(reply_to) = &mail.reply_to {
        if let Ok(r) = reply_to.parse::<Mailbox>() {
            builder = builder.reply_to(r);
        }
    }
    builder.body(mail.body.clone()).map_err(|e| e.to_string())
}

/// "A new message arrived": nothing of the message itself, not even who sent it.
pub fn inquiry_notification(practice_name: &str, to: &str, link: &str) -> Outgoing {
    Outgoing {
        kind: "inquiry-notification",
        to: to.to_string(),
        to_name: None,
        subject: format!("New message through {practice_name}"),
        body: format!(
            "A new message arrived through your practice's website.\n\nRead it in your inbox (you will be asked to sign in):\n{link}\n\nFor privacy, this email does not contain the message.\n"
        ),
        reply_to: None,
    }
}

/// The therapist's reply to a visitor. The visitor has no account: the reply itself is the mail.
pub fn inquiry_reply(
    practice_name: &str,
    practice_email: &str,
    to_name: &str,
    to: &str,
    body: &str,
) -> Outgoing {
    Outgoing {
        kind: "inquiry-reply",
        to: to.to_string(),
        to_name: Some(to_name.to_string()),
        subject: format!("Your message to {practice_name}"),
        body: format!("{body}\n\n--\n{practice_name}\nYou can answer this email directly.\n"),
        reply_to: Some(practice_email.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notification_carries_a_link_and_nothing_else() {
        let m = inquiry_notification(
            "Linden Room",
            "t@example.org",
            "https://x.example/admin/inquiries/abc",
        );
        assert!(m.body.contains("https://x.example/admin/inquiries/abc"));
        assert!(!m.subject.contains("abc"));
    }

    #[test]
    fn hostile_names_cannot_inject_headers() {
        let m = inquiry_reply(
            "P",
            "p@example.org",
            "Ana\r\nBcc: evil@example.org",
            "ana@example.org",
            "hi",
        );
        let built = build("p@example.org", &m).unwrap();
        let raw = String::from_utf8(built.formatted()).unwrap();
        assert!(!raw.contains("\r\nBcc: evil"), "{raw}");
    }
}

impl App {
    /// Whether mail stays in the dev mailbox (no SMTP configured).
    pub fn uses_dev_mailbox(&self) -> bool {
        matches!(self.inner.mailer, Mailer::DevMailbox)
    }

    pub async fn dev_mailbox(
        &self,
        actor: &crate::Actor,
    ) -> crate::AppResult<Vec<store::mailbox::Mail>> {
        self.require(actor, Action::ReadOutbox).await?;
        Ok(store::mailbox::list(self.db(), 200).await?)
    }

    pub async fn dev_mail(
        &self,
        actor: &crate::Actor,
        id: &domain::ids::MailId,
    ) -> crate::AppResult<store::mailbox::Mail> {
        self.require(actor, Action::ReadOutbox).await?;
        let mail = store::mailbox::get(self.db(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.audit(
            actor,
            "mailbox.read",
            "",
            id.as_str(),
            crate::audit::Outcome::Ok,
        )
        .await?;
        Ok(mail)
    }

    /// The outbox: what the practice sent or is still trying to send.
    pub async fn outbox(
        &self,
        actor: &crate::Actor,
    ) -> crate::AppResult<Vec<store::jobs::JobView>> {
        self.require(actor, Action::ReadOutbox).await?;
        Ok(store::jobs::recent(self.db(), 100).await?)
    }
}
