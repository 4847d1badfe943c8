//! Mail: what the practice sends, composed here as Fluent keys and rendered in the recipient's
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

/// "A new message arrived": nothing of the message itself, not even who sent it.
pub fn inquiry_notification(practice_name: &str, to: &str, link: &str) -> Outgoing {
    Outgoing {
        kind: "inquiry-notification",
        to: to.to_string(),
        to_name: None,
        to_user: None,
        subject: Text::new("mail-inquiry-notification-subject").with("practice", practice_name),
        body: Text::new("mail-inquiry-notification-body").with("link", link),
        reply_to: None,
        calendar: None,
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
        to_user: None,
        subject: Text::new("mail-inquiry-reply-subject").with("practice", practice_name),
        body: Text::new("mail-inquiry-reply-body")
            .with("reply", body)
            .with("practice", practice_name),
        reply_to: Some(practice_email.to_string()),
        calendar: None,
    }
}

/// A patient's invitation: who invites them and a link; nothing about why.
pub fn patient_invitation(
    practice_name: &str,
    therapist_name: &str,
    patient: &User,
    link: &str,
) -> Outgoing {
    Outgoing::to_user(
        patient,
        "patient-invitation",
        Text::new("mail-patient-invitation-subject").with("practice", practice_name),
        Text::new("mail-patient-invitation-body")
            .with("name", &patient.name)
            .with("therapist", therapist_name)
            .with("practice", practice_name)
            .with("link", link),
    )
}

/// A one-time sign-in link for a patient.
pub fn magic_link(practice_name: &str, user: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        user,
        "magic-link",
        Text::new("mail-magic-link-subject").with("practice", practice_name),
        Text::new("mail-magic-link-body")
            .with("name", &user.name)
            .with("link", link),
    )
}

/// "Someone has been trying to sign in to your account": nothing of where from or how often.
pub fn sign_ins_failed(practice_name: &str, user: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        user,
        "sign-ins-failed",
        Text::new("mail-sign-ins-failed-subject").with("practice", practice_name),
        Text::new("mail-sign-ins-failed-body")
            .with("name", &user.name)
            .with("link", link),
    )
}

/// The owner's copy of an audit checkpoint: the count and the MAC; no event, no practice.
pub fn audit_checkpoint(owner: &User, checkpoint: &store::audit::Checkpoint) -> Outgoing {
    Outgoing::to_user(
        owner,
        "audit-checkpoint",
        Text::new("mail-audit-checkpoint-subject"),
        Text::new("mail-audit-checkpoint-body")
            .with("rows", checkpoint.rows.to_string())
            .with("seq", checkpoint.seq.to_string())
            .with("mac", checkpoint.mac.clone()),
    )
}

/// A colleague's invitation into a group practice.
pub fn therapist_invitation(
    practice_name: &str,
    owner_name: &str,
    user: &User,
    link: &str,
) -> Outgoing {
    Outgoing::to_user(
        user,
        "therapist-invitation",
        Text::new("mail-therapist-invitation-subject").with("practice", practice_name),
        Text::new("mail-therapist-invitation-body")
            .with("name", &user.name)
            .with("owner", owner_name)
            .with("practice", practice_name)
            .with("link", link),
    )
}

/// "You have a new message": never the message, not even its subject.
pub fn message_notification(practice_name: &str, to: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        to,
        "message-notification",
        Text::new("mail-message-notification-subject").with("practice", practice_name),
        Text::new("mail-message-notification-body")
            .with("name", &to.name)
            .with("link", link),
    )
}

/// "There is an agreement to read and sign in your portal": never the agreement itself.
pub fn agreement_to_sign(
    practice_name: &str,
    therapist_name: &str,
    patient: &User,
    link: &str,
    renewal: bool,
) -> Outgoing {
    let renewal = if renewal { "yes" } else { "no" };
    Outgoing::to_user(
        patient,
        "agreement-to-sign",
        Text::new("mail-agreement-to-sign-subject")
            .with("practice", practice_name)
            .with("renewal", renewal),
        Text::new("mail-agreement-to-sign-body")
            .with("name", &patient.name)
            .with("therapist", therapist_name)
            .with("renewal", renewal)
            .with("link", link),
    )
}

/// "An agreement was signed": the countersignature is asked for; neither the patient's name nor
/// the text is in the mail.
pub fn agreement_signed(practice_name: &str, therapist: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        therapist,
        "agreement-signed",
        Text::new("mail-agreement-signed-subject").with("practice", practice_name),
        Text::new("mail-agreement-signed-body")
            .with("name", &therapist.name)
            .with("link", link),
    )
}

/// "A response needs your attention": that is all. Which response, which answer, which measure
/// and what score stay behind the sign-in, like the patient's name.
pub fn risk_alert(practice_name: &str, to: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        to,
        "risk-alert",
        Text::new("mail-risk-alert-subject").with("practice", practice_name),
        Text::new("mail-risk-alert-body")
            .with("name", &to.name)
            .with("link", link),
    )
}

/// What happened to the therapist's calendar, told at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Booked,
    Cancelled,
    Moved,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Booked => "booked",
            Change::Cancelled => "cancelled",
            Change::Moved => "moved",
        }
    }
}

/// "An appointment was booked / cancelled / moved": no name, no time, no note. Which one and
/// with whom stays behind the sign-in, like a message's content.
pub fn calendar_change(practice_name: &str, to: &User, change: Change, link: &str) -> Outgoing {
    Outgoing::to_user(
        to,
        "calendar-change",
        Text::new("mail-calendar-change-subject")
            .with("practice", practice_name)
            .with("change", change.as_str()),
        Text::new("mail-calendar-change-body")
            .with("name", &to.name)
            .with("change", change.as_str())
            .with("link", link),
    )
}

/// The day's agenda: times, types and initials only, in the therapist's zone.
pub fn daily_agenda(
    practice_name: &str,
    to: &User,
    day: &jiff::Timestamp,
    lines: Vec<(jiff::Timestamp, String)>,
    link: &str,
) -> Outgoing {
    let count = lines.len().to_string();
    let mut body = Text::new("mail-daily-agenda-body")
        .with("name", &to.name)
        .with("count", count.clone())
        .with("link", link);
    body.args
        .push(("agenda", Arg::Agenda(lines, to.time_zone.clone())));
    Outgoing::to_user(
        to,
        "daily-agenda",
        Text::new("mail-daily-agenda-subject")
            .with("practice", practice_name)
            .with("count", count)
            .on_day("day", *day, &to.time_zone),
        body,
    )
}

/// "A short questionnaire is waiting in your portal": not which one, nothing of the answers.
pub fn questionnaire_waiting(practice_name: &str, to: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        to,
        "questionnaire-waiting",
        Text::new("mail-questionnaire-waiting-subject").with("practice", practice_name),
        Text::new("mail-questionnaire-waiting-body")
            .with("name", &to.name)
            .with("link", link),
    )
}

/// "Some records have reached the end of their retention period": no name, no number.
pub fn records_due(practice_name: &str, to: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        to,
        "records-due",
        Text::new("mail-records-due-subject").with("practice", practice_name),
        Text::new("mail-records-due-body")
            .with("name", &to.name)
            .with("link", link),
    )
}

/// "A patient asked to erase their records": not who, nothing more.
pub fn erasure_requested(practice_name: &str, to: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        to,
        "erasure-requested",
        Text::new("mail-erasure-requested-subject").with("practice", practice_name),
        Text::new("mail-erasure-requested-body")
            .with("name", &to.name)
            .with("link", link),
    )
}

/// "Your request about your records was answered": the answer itself only in the portal.
pub fn erasure_answered(practice_name: &str, to: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        to,
        "erasure-answered",
        Text::new("mail-erasure-answered-subject").with("practice", practice_name),
        Text::new("mail-erasure-answered-body")
            .with("name", &to.name)
            .with("link", link),
    )
}

/// "A document is waiting in your portal": what it is (an invoice, a receipt) is said only in the
/// portal, behind the sign-in.
pub fn document_waiting(practice_name: &str, to: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        to,
        "document-waiting",
        Text::new("mail-document-waiting-subject").with("practice", practice_name),
        Text::new("mail-document-waiting-body")
            .with("name", &to.name)
            .with("link", link),
    )
}

/// A reminder that something in the portal waits for them: no amount, no number, no "overdue".
pub fn payment_reminder(practice_name: &str, to: &User, link: &str) -> Outgoing {
    Outgoing::to_user(
        to,
        "payment-reminder",
        Text::new("mail-payment-reminder-subject").with("practice", practice_name),
        Text::new("mail-payment-reminder-body")
            .with("name", &to.name)
            .with("link", link),
    )
}

/// The booking's confirmation: when, in the patient's zone (and the therapist's), what to do
/// before, and the calendar file. No note the visitor wrote is repeated here.
pub struct Confirmation<'a> {
    pub practice_name: &'a str,
    pub patient: &'a User,
    pub therapist: &'a User,
    pub kind_name: &'a str,
    pub start: jiff::Timestamp,
    pub sign_in_link: String,
    pub manage_link: String,
    /// The tech check: camera, microphone and connection, tried before the day.
    pub tech_check_link: String,
    pub ics: String,
}

pub fn booking_confirmation(c: Confirmation<'_>) -> Outgoing {
    let kind = c.kind_name.to_lowercase();
    let mut mail = Outgoing::to_user(
        c.patient,
        "booking-confirmation",
        Text::new("mail-booking-confirmation-subject")
            .with("kind", &kind)
            .with("therapist", &c.therapist.name)
            .when("when", c.start, &c.patient.time_zone),
        Text::new("mail-booking-confirmation-body")
            .with("name", &c.patient.name)
            .with("kind", &kind)
            .with("therapist", &c.therapist.name)
            .with("practice", c.practice_name)
            .when("when", c.start, &c.patient.time_zone)
            .when("their_when", c.start, &c.therapist.time_zone)
            .with("portal", c.sign_in_link)
            .with("manage", c.manage_link)
            .with("tech_check", c.tech_check_link),
    );
    mail.calendar = Some(("REQUEST", c.ics));
    mail
}

/// "Your regular sessions": when they begin (in the patient's zone and the therapist's), the
/// portal, and the whole series as one calendar event. Sent again, with the event's sequence
/// raised, whenever the series changes.
pub fn series_invitation(
    practice_name: &str,
    patient: &User,
    therapist: &User,
    kind_name: &str,
    first: jiff::Timestamp,
    portal: &str,
    ics: String,
) -> Outgoing {
    let kind = kind_name.to_lowercase();
    let mut mail = Outgoing::to_user(
        patient,
        "series-invitation",
        Text::new("mail-series-subject")
            .with("kind", &kind)
            .with("therapist", &therapist.name),
        Text::new("mail-series-body")
            .with("name", &patient.name)
            .with("kind", &kind)
            .with("therapist", &therapist.name)
            .with("practice", practice_name)
            .when("when", first, &patient.time_zone)
            .with("portal", portal),
    );
    mail.calendar = Some(("REQUEST", ics));
    mail
}

/// "Some of your sessions are cancelled: your therapist is away": the sessions, in the
/// patient's own time, and nothing about why.
pub fn away_notice(
    practice_name: &str,
    patient: &User,
    therapist: &User,
    starts: &[jiff::Timestamp],
    portal: &str,
    ics: Option<String>,
) -> Outgoing {
    let mut mail = Outgoing::to_user(
        patient,
        "away-notice",
        Text::new("mail-away-subject").with("therapist", &therapist.name),
        Text::new("mail-away-body")
            .with("name", &patient.name)
            .with("therapist", &therapist.name)
            .with("practice", practice_name)
            .times("sessions", starts, &patient.time_zone)
            .with("portal", portal),
    );
    mail.calendar = ics.map(|ics| ("REQUEST", ics));
    mail
}

/// Who an appointment mail is about: the patient it goes to, the therapist, the kind, the time.
pub struct AppointmentMail<'a> {
    pub practice_name: &'a str,
    pub patient: &'a User,
    pub therapist: &'a User,
    pub kind_name: &'a str,
    pub start: jiff::Timestamp,
}

impl AppointmentMail<'_> {
    /// A text about this appointment: who, with whom, where, which kind, when (in the patient's zone).
    fn text(&self, key: &'static str) -> Text {
        Text::new(key)
            .with("name", &self.patient.name)
            .with("kind", self.kind_name.to_lowercase())
            .with("therapist", &self.therapist.name)
            .with("practice", self.practice_name)
            .when("when", self.start, &self.patient.time_zone)
    }

    fn outgoing(&self, kind: &'static str, calendar: Option<(&'static str, String)>) -> Outgoing {
        let (subject, body) = match kind {
            "booking-cancelled" => (
                "mail-booking-cancelled-subject",
                "mail-booking-cancelled-body",
            ),
            "booking-moved" => ("mail-booking-moved-subject", "mail-booking-moved-body"),
            _ => ("mail-reminder-subject", "mail-reminder-body"),
        };
        let mut mail = Outgoing::to_user(self.patient, kind, self.text(subject), self.text(body));
        mail.calendar = calendar;
        mail
    }

    /// The cancellation, with the calendar file that removes the event.
    pub fn cancelled(&self, ics: String) -> Outgoing {
        self.outgoing("booking-cancelled", Some(("CANCEL", ics)))
    }

    /// The same appointment at a new time, with the calendar file that moves the event.
    pub fn moved(&self, ics: String) -> Outgoing {
        self.outgoing("booking-moved", Some(("REQUEST", ics)))
    }

    /// A reminder: when, and how to join; nothing else.
    pub fn reminder(&self, portal: &str) -> Outgoing {
        let mut mail = self.outgoing("reminder", None);
        mail.body = mail.body.with("portal", portal);
        mail
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
mod tests {
    use super::*;

    fn en() -> Lang {
        Lang::default()
    }

    #[test]
    fn the_notification_carries_a_link_and_nothing_else() {
        let m = inquiry_notification(
            "Linden Room",
            "t@example.org",
            "https://x.example/admin/inquiries/abc",
        )
        .render(en());
        assert!(m.body.contains("https://x.example/admin/inquiries/abc"));
        assert!(!m.subject.contains("abc"));
        assert_eq!(m.subject, "New message through Linden Room");
        assert_eq!(
            m.body,
            "A new message arrived through your practice's website.\n\nRead it in your inbox (you will be asked to sign in):\nhttps://x.example/admin/inquiries/abc\n\nFor privacy, this email does not contain the message.\n"
        );
    }

    #[test]
    fn a_mail_with_a_calendar_file_has_one_content_type_at_the_top() {
        let mut m = inquiry_notification("P", "t@example.org", "https://x.example/a");
        m.calendar = Some(("REQUEST", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into()));
        let text = m.render(en());
        let raw =
            String::from_utf8(build("p@example.org", &m, &text).unwrap().formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert_eq!(head.matches("Content-Type:").count(), 1, "{head}");
        assert!(head.contains("multipart/mixed"));
        assert!(
            raw.contains("filename=\"invite.ics\"")
                && raw.contains("text/calendar; charset=utf-8; method=REQUEST")
        );
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
        let built = build("p@example.org", &m, &m.render(en())).unwrap();
        let raw = String::from_utf8(built.formatted()).unwrap();
        assert!(!raw.contains("\r\nBcc: evil"), "{raw}");
    }

    fn person(name: &str, zone: &str) -> User {
        User {
            id: UserId::new("0123456789abcdef0123456789abcdef"),
            role: domain::account::Role::Patient,
            email: format!("{}@example.org", name.to_lowercase()),
            name: name.into(),
            time_zone: zone.into(),
        }
    }

    /// One mail of every kind the practice sends.
    fn every_kind() -> Vec<Outgoing> {
        let pat = person("Pat", "America/New_York");
        let anna = person("Anna", "Europe/Berlin");
        let start: jiff::Timestamp = "2026-11-30T08:00:00Z".parse().unwrap();
        let about = AppointmentMail {
            practice_name: "Linden Room",
            patient: &pat,
            therapist: &anna,
            kind_name: "First consultation",
            start,
        };
        let link = "https://x.example/l";
        vec![
            inquiry_notification("Linden Room", "t@example.org", link),
            inquiry_reply(
                "Linden Room",
                "t@example.org",
                "Ana",
                "ana@example.org",
                "Reply",
            ),
            patient_invitation("Linden Room", "Anna", &pat, link),
            magic_link("Linden Room", &pat, link),
            therapist_invitation("Linden Room", "Anna", &anna, link),
            message_notification("Linden Room", &pat, link),
            agreement_to_sign("Linden Room", "Anna", &pat, link, false),
            agreement_to_sign("Linden Room", "Anna", &pat, link, true),
            agreement_signed("Linden Room", &anna, link),
            risk_alert("Linden Room", &anna, link),
            questionnaire_waiting("Linden Room", &pat, link),
            booking_confirmation(Confirmation {
                practice_name: "Linden Room",
                patient: &pat,
                therapist: &anna,
                kind_name: "First consultation",
                start,
                sign_in_link: link.into(),
                manage_link: link.into(),
                tech_check_link: link.into(),
                ics: String::new(),
            }),
            about.cancelled(String::new()),
            about.moved(String::new()),
            about.reminder(link),
            calendar_change("Linden Room", &anna, Change::Booked, link),
            calendar_change("Linden Room", &anna, Change::Cancelled, link),
            calendar_change("Linden Room", &anna, Change::Moved, link),
            daily_agenda(
                "Linden Room",
                &anna,
                &start,
                vec![(start, "Session P. K.".into())],
                link,
            ),
        ]
    }

    #[test]
    fn a_calendar_change_names_no_one_and_no_time() {
        let anna = person("Anna", "Europe/Berlin");
        let m = calendar_change(
            "Linden Room",
            &anna,
            Change::Booked,
            "https://x.example/admin",
        )
        .render(en());
        assert_eq!(m.subject, "Linden Room: a new booking");
        assert_eq!(
            m.body,
            "Hello Anna,\n\nan appointment was booked in your calendar. See your day (you will be asked to sign in):\nhttps://x.example/admin\n\nFor privacy, this email does not say who or when.\n"
        );
        let agenda = daily_agenda(
            "Linden Room",
            &anna,
            &"2026-11-30T06:00:00Z".parse().unwrap(),
            vec![
                (
                    "2026-11-30T08:00:00Z".parse().unwrap(),
                    "Session P. K.".into(),
                ),
                (
                    "2026-11-30T10:00:00Z".parse().unwrap(),
                    "First consultation N. B.".into(),
                ),
            ],
            "https://x.example/admin",
        )
        .render(en());
        assert!(
            agenda
                .body
                .contains("  09:00  Session P. K.\n  11:00  First consultation N. B."),
            "{}",
            agenda.body
        );
        assert!(
            agenda.subject.contains("2 appointments"),
            "{}",
            agenda.subject
        );
    }

    #[test]
    fn appointment_mails_read_as_they_always_have() {
        let mails = every_kind();
        let confirmation = mails[11].render(en());
        assert_eq!(
            confirmation.subject,
            "Your first consultation with Anna: Monday 30 November 2026, 03:00 (EST)"
        );
        assert!(
            confirmation.body.starts_with(
                "Hello Pat,\n\nyour first consultation with Anna at Linden Room is booked for\n\n  Monday 30 November 2026, 03:00 (EST)\n  (Monday 30 November 2026, 09:00 (CET) for Anna)\n\nThe calendar file"
            ),
            "{}",
            confirmation.body
        );
        assert!(confirmation
            .body
            .ends_with("\n\nThis email is not for emergencies.\n"));
        let renewal = mails[7].render(en());
        assert_eq!(
            renewal.subject,
            "Linden Room: a new version of your agreement to sign"
        );
        assert!(renewal.body.contains(
            "Anna has sent you a new version of your agreement to read and sign in your portal"
        ));
        let reminder = mails[14].render(en());
        assert_eq!(
            reminder.body,
            "Hello Pat,\n\na reminder of your first consultation with Anna at Linden Room:\n\n  Monday 30 November 2026, 03:00 (EST)\n\nSign in to your portal a few minutes before; it takes you to the room:\nhttps://x.example/l\n"
        );
    }

    /// In the pseudo-locale every word of every mail comes wrapped: nothing is English by accident.
    #[test]
    fn every_mail_kind_is_written_through_the_translation_layer() {
        let xa = crate::i18n::register_pseudo_locale("en-XA");
        for mail in every_kind() {
            let text = mail.render(xa);
            for (part, rendered) in [("subject", &text.subject), ("body", &text.body)] {
                let trimmed = rendered.trim_end();
                assert!(
                    trimmed.starts_with('⟦') && trimmed.ends_with('⟧'),
                    "{} {part}: {rendered}",
                    mail.kind
                );
            }
        }
    }
}
