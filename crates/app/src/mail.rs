//! Mail: what the practice sends, composed (in `compose`) as Fluent keys and rendered in the recipient's
//! language and zone when it leaves, by SMTP or into the dev mailbox when no SMTP server is
//! configured. Mail never carries clinical text; a log line names only the kind of mail and the
//! recipient's domain.

use crate::error::AppError;
use crate::i18n::{Lang, Reader};
use crate::policy::Action;
use crate::App;
use domain::account::User;
use domain::audit::AuditAction;
use domain::ids::UserId;
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

mod compose;

pub use compose::*;

pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    DevMailbox,
}

impl Mailer {
    /// The SMTP address is exposed only here, to lettre; its errors never repeat the address.
    pub fn from_config(config: &crate::Config) -> Result<Self, AppError> {
        use secrecy::ExposeSecret;
        match &config.smtp_url {
            None => Ok(Mailer::DevMailbox),
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                .map(|b| Mailer::Smtp(b.timeout(Some(std::time::Duration::from_secs(20))).build()))
                .map_err(|e| {
                    AppError::Config(format!("smtp_url is not a usable SMTP address: {e}"))
                }),
        }
    }
}

/// A mail's subject or body before it has a reader: a key of the .ftl file and its arguments.
#[derive(Clone, Debug)]
pub struct Text {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

/// One argument of a mail's text.
#[derive(Clone, Debug)]
enum Arg {
    /// A name, a link, or words someone typed: shown as they are.
    Plain(String),
    /// An instant, in a given zone (the reader's, or the other person's), with the zone said.
    When(jiff::Timestamp, String),
    /// The date of an instant in a zone.
    Day(jiff::Timestamp, String),
    /// Instants in a zone, one per line, each with the zone said.
    Times(Vec<jiff::Timestamp>, String),
    /// Lines of a day's agenda: each a time in the zone, then what it is (a type and initials).
    Agenda(Vec<(jiff::Timestamp, String)>, String),
}

impl Text {
    fn new(key: &'static str) -> Text {
        Text {
            key,
            args: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: impl Into<String>) -> Text {
        self.args.push((name, Arg::Plain(value.into())));
        self
    }

    fn when(mut self, name: &'static str, at: jiff::Timestamp, zone: &str) -> Text {
        self.args.push((name, Arg::When(at, zone.to_string())));
        self
    }

    fn times(mut self, name: &'static str, at: &[jiff::Timestamp], zone: &str) -> Text {
        self.args
            .push((name, Arg::Times(at.to_vec(), zone.to_string())));
        self
    }

    fn on_day(mut self, name: &'static str, at: jiff::Timestamp, zone: &str) -> Text {
        self.args.push((name, Arg::Day(at, zone.to_string())));
        self
    }

    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Plain(text) => text.clone(),
                    Arg::When(at, zone) => Reader::new(lang, zone).day_time_zone(at),
                    Arg::Day(at, zone) => Reader::new(lang, zone).date(at),
                    Arg::Times(list, zone) => {
                        let reader = Reader::new(lang, zone);
                        list.iter()
                            .map(|at| format!("  {}", reader.day_time_zone(at)))
                            .collect::<Vec<_>>()
                            .join("\n")
                    }
                    Arg::Agenda(lines, zone) => {
                        let reader = Reader::new(lang, zone);
                        lines
                            .iter()
                            .map(|(at, what)| format!("  {}  {what}", reader.time(at)))
                            .collect::<Vec<_>>()
                            .join("\n")
                    }
                };
                (*name, value)
            })
            .collect();
        crate::i18n::t_with(lang, self.key, &args)
    }
}

/// One composed mail. `kind` is what the log line says instead of the content.
pub struct Outgoing {
    pub kind: &'static str,
    pub to: String,
    pub to_name: Option<String>,
    /// The person it goes to, whose language it is written in; `None` for an address without an
    /// account (a visitor, the practice's own), which reads the default language.
    pub to_user: Option<UserId>,
    pub subject: Text,
    pub body: Text,
    pub reply_to: Option<String>,
    /// An iCalendar file (`invite.ics`) and its method, REQUEST or CANCEL.
    pub calendar: Option<(&'static str, String)>,
}

/// A mail as its recipient reads it.
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

impl Outgoing {
    /// Subject and body in `lang`. A body ends with a line break, as a text mail should.
    pub fn render(&self, lang: Lang) -> Rendered {
        Rendered {
            subject: self.subject.render(lang),
            body: format!("{}\n", self.body.render(lang)),
        }
    }

    fn to_user(user: &User, kind: &'static str, subject: Text, body: Text) -> Outgoing {
        Outgoing {
            kind,
            to: user.email.clone(),
            to_name: Some(user.name.clone()),
            to_user: Some(user.id.clone()),
            subject,
            body,
            reply_to: None,
            calendar: None,
        }
    }
}

impl App {
    /// Sends `mail`, in its recipient's language; an error means "try again later" to the job runner.
    pub(crate) async fn send(&self, mail: Outgoing) -> Result<(), MailError> {
        let sent = self.deliver(mail).await;
        self.metrics().mail(sent.is_ok());
        sent
    }

    async fn deliver(&self, mail: Outgoing) -> Result<(), MailError> {
        let domain = mail.to.rsplit_once('@').map_or("?", |(_, d)| d);
        let lang = match &mail.to_user {
            Some(id) => {
                Lang::from_tag(&store::users::language(&mut self.db().conn().await?, id).await?)
                    .unwrap_or_default()
            }
            None => Lang::default(),
        };
        let text = mail.render(lang);
        match &self.inner.mailer {
            Mailer::DevMailbox => {
                let body = match &mail.calendar {
                    Some((_, ics)) => format!("{}\n\n--- invite.ics ---\n{ics}", text.body),
                    None => text.body.clone(),
                };
                let mut tx = self.db().begin().await?;
                store::mailbox::deliver(&mut tx, &mail.to, &text.subject, &body, self.now())
                    .await?;
                tx.commit().await?;
                tracing::info!(
                    kind = mail.kind,
                    to_domain = domain,
                    "mail kept in the dev mailbox (no SMTP configured)"
                );
            }
            Mailer::Smtp(transport) => {
                let message = build(&self.config().mail_from, &mail, &text)?;
                transport.send(message).await?;
                tracing::info!(kind = mail.kind, to_domain = domain, "mail sent");
            }
        }
        Ok(())
    }
}

/// Why a mail did not leave; to the job runner each means "try again later".
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the store failed")]
    Store(#[from] store::StoreError),
    #[error("the {0} address is not usable")]
    Address(&'static str, #[source] lettre::address::AddressError),
    #[error("the message could not be composed")]
    Compose(#[from] lettre::error::Error),
    #[error("the calendar file's content type")]
    ContentType(#[from] lettre::message::header::ContentTypeErr),
    #[error("SMTP delivery failed")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

fn build(from: &str, mail: &Outgoing, text: &Rendered) -> Result<Message, MailError> {
    let from: Mailbox = from.parse().map_err(|e| MailError::Address("sender", e))?;
    // Names and subjects are single lines: whatever slipped past validation is dropped here.
    let one_line = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    let to = Mailbox::new(
        mail.to_name.as_deref().map(one_line),
        mail.to
            .parse()
            .map_err(|e| MailError::Address("recipient", e))?,
    );
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(&text.subject));
    if let Some(reply_to) = &mail.reply_to {
        if let Ok(r) = reply_to.parse::<Mailbox>() {
            builder = builder.reply_to(r);
        }
    }
    match &mail.calendar {
        None => builder
            .header(ContentType::TEXT_PLAIN)
            .body(text.body.clone())
            .map_err(MailError::from),
        Some((method, ics)) => {
            let kind =
                ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))?;
            let parts = MultiPart::mixed()
                .singlepart(SinglePart::plain(text.body.clone()))
                .singlepart(Attachment::new("invite.ics".into()).body(ics.clone(), kind));
            Ok(builder.multipart(parts)?)
        }
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
        Ok(store::mailbox::list(&mut self.db().conn().await?, 200).await?)
    }

    pub async fn dev_mail(
        &self,
        actor: &crate::Actor,
        id: &domain::ids::MailId,
    ) -> crate::AppResult<store::mailbox::Mail> {
        self.require(actor, Action::ReadOutbox).await?;
        let mut c = self.db().conn().await?;
        let mut mail = store::mailbox::get(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        // A mail meant for someone else is shown without the secrets in its links: reading the
        // practice's mail must not let anyone sign in as a patient or a colleague.
        let reader = actor.user().map(|u| u.email.to_lowercase());
        if reader.as_deref() != Some(mail.to.to_lowercase().as_str()) {
            mail.body = domain::outbox::without_secrets(&mail.body, "••••••");
        }
        self.audit_in(
            &mut c,
            actor,
            AuditAction::MailboxRead,
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
        Ok(store::jobs::recent(&mut self.db().conn().await?, 100).await?)
    }
}

#[cfg(test)]
mod tests;
