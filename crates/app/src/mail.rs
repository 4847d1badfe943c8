//! Mail: what the practice sends, composed here, and the two ways it leaves: SMTP, or the dev
//! mailbox when no SMTP server is configured. Mail never carries clinical text; a log line names
//! only the kind of mail and the recipient's domain.

use crate::error::AppError;
use crate::policy::Action;
use crate::App;
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

/// One composed mail. `kind` is what the log line says instead of the content.
pub struct Outgoing {
    pub kind: &'static str,
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body: String,
    pub reply_to: Option<String>,
    /// An iCalendar file (`invite.ics`) and its method, REQUEST or CANCEL.
    pub calendar: Option<(&'static str, String)>,
}

impl App {
    /// Sends `mail`; an error means "try again later" to the job runner.
    pub(crate) async fn send(&self, mail: Outgoing) -> Result<(), String> {
        let domain = mail.to.rsplit_once('@').map(|(_, d)| d).unwrap_or("?");
        match &self.inner.mailer {
            Mailer::DevMailbox => {
                let body = match &mail.calendar {
                    Some((_, ics)) => format!("{}\n\n--- invite.ics ---\n{ics}", mail.body),
                    None => mail.body.clone(),
                };
                let mut tx = self.db().begin().await.map_err(|e| e.to_string())?;
                store::mailbox::deliver(&mut tx, &mail.to, &mail.subject, &body, self.now())
                    .await
                    .map_err(|e| e.to_string())?;
                tx.commit().await.map_err(|e| e.to_string())?;
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
        .subject(one_line(&mail.subject));
    if let Some(reply_to) = &mail.reply_to {
        if let Ok(r) = reply_to.parse::<Mailbox>() {
            builder = builder.reply_to(r);
        }
    }
    match &mail.calendar {
        None => builder
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| e.to_string()),
        Some((method, ics)) => {
            let kind =
                ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                    .map_err(|e| e.to_string())?;
            let parts = MultiPart::mixed()
                .singlepart(SinglePart::plain(mail.body.clone()))
                .singlepart(Attachment::new("invite.ics".into()).body(ics.clone(), kind));
            builder.multipart(parts).map_err(|e| e.to_string())
        }
    }
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
        subject: format!("Your message to {practice_name}"),
        body: format!("{body}\n\n--\n{practice_name}\nYou can answer this email directly.\n"),
        reply_to: Some(practice_email.to_string()),
        calendar: None,
    }
}

/// A patient's invitation: who invites them and a link; nothing about why.
pub fn patient_invitation(
    practice_name: &str,
    therapist_name: &str,
    patient: &domain::account::User,
    link: &str,
) -> Outgoing {
    Outgoing {
        kind: "patient-invitation",
        to: patient.email.clone(),
        to_name: Some(patient.name.clone()),
        subject: format!("{practice_name}: your client portal"),
        body: format!(
            "Hello {},\n\n{therapist_name} has opened a client portal for you at {practice_name}. There you can send secure messages and, later, find your appointments and documents.\n\nSign in with this link (it works once, within seven days):\n{link}\n\nLater you can always ask for a new sign-in link on the portal's sign-in page.\n",
            patient.name
        ),
        reply_to: None,
        calendar: None,
    }
}

/// A one-time sign-in link for a patient.
pub fn magic_link(practice_name: &str, user: &domain::account::User, link: &str) -> Outgoing {
    Outgoing {
        kind: "magic-link",
        to: user.email.clone(),
        to_name: Some(user.name.clone()),
        subject: format!("Your sign-in link for {practice_name}"),
        body: format!("Hello {},\n\nSign in with this link. It works once, within 15 minutes:\n{link}\n\nIf you did not ask for it, you can ignore this email.\n", user.name),
        reply_to: None,
        calendar: None,
    }
}

/// A colleague's invitation into a group practice.
pub fn therapist_invitation(
    practice_name: &str,
    owner_name: &str,
    user: &domain::account::User,
    link: &str,
) -> Outgoing {
    Outgoing {
        kind: "therapist-invitation",
        to: user.email.clone(),
        to_name: Some(user.name.clone()),
        subject: format!("Join {practice_name}"),
        body: format!("Hello {},\n\n{owner_name} invites you to work with {practice_name}. Choose a password and set up your second factor here (the link works once, within seven days):\n{link}\n", user.name),
        reply_to: None,
        calendar: None,
    }
}

/// "You have a new message": never the message, not even its subject.
pub fn message_notification(
    practice_name: &str,
    to: &domain::account::User,
    link: &str,
) -> Outgoing {
    Outgoing {
        kind: "message-notification",
        to: to.email.clone(),
        to_name: Some(to.name.clone()),
        subject: format!("You have a new message at {practice_name}"),
        body: format!("Hello {},\n\nYou have a new secure message. Read it here (you will be asked to sign in):\n{link}\n\nFor your privacy, this email does not contain the message.\n", to.name),
        reply_to: None,
        calendar: None,
    }
}

/// "There is an agreement to read and sign in your portal": never the agreement itself.
pub fn agreement_to_sign(
    practice_name: &str,
    therapist_name: &str,
    patient: &domain::account::User,
    link: &str,
    renewal: bool,
) -> Outgoing {
    let (subject, what) = if renewal {
        (
            format!("{practice_name}: a new version of your agreement to sign"),
            "a new version of your agreement",
        )
    } else {
        (
            format!("{practice_name}: an agreement to read and sign"),
            "your agreement",
        )
    };
    Outgoing {
        kind: "agreement-to-sign",
        to: patient.email.clone(),
        to_name: Some(patient.name.clone()),
        subject,
        body: format!("Hello {},\n\n{therapist_name} has sent you {what} to read and sign in your portal (you will be asked to sign in):\n{link}\n\nFor your privacy, this email does not contain the agreement.\n", patient.name),
        reply_to: None,
        calendar: None,
    }
}

/// "An agreement was signed": the countersignature is asked for; neither the patient's name nor
/// the text is in the mail.
pub fn agreement_signed(
    practice_name: &str,
    therapist: &domain::account::User,
    link: &str,
) -> Outgoing {
    Outgoing {
        kind: "agreement-signed",
        to: therapist.email.clone(),
        to_name: Some(therapist.name.clone()),
        subject: format!("An agreement was signed at {practice_name}"),
        body: format!("Hello {},\n\nan agreement you sent has been signed. Read it and add your countersignature here (you will be asked to sign in):\n{link}\n\nFor privacy, this email names neither the patient nor the agreement's contents.\n", therapist.name),
        reply_to: None,
        calendar: None,
    }
}

/// "A response needs your attention": that is all. Which response, which answer, which measure
/// and what score stay behind the sign-in, like the patient's name.
pub fn risk_alert(practice_name: &str, to: &domain::account::User, link: &str) -> Outgoing {
    Outgoing {
        kind: "risk-alert",
        to: to.email.clone(),
        to_name: Some(to.name.clone()),
        subject: format!("{practice_name}: a response needs your attention"),
        body: format!("Hello {},\n\na response in your practice needs your attention. Please sign in and look at it as soon as you can:\n{link}\n\nFor privacy, this email does not say more.\n", to.name),
        reply_to: None,
        calendar: None,
    }
}

/// "A short questionnaire is waiting in your portal": not which one, nothing of the answers.
pub fn questionnaire_waiting(
    practice_name: &str,
    to: &domain::account::User,
    link: &str,
) -> Outgoing {
    Outgoing {
        kind: "questionnaire-waiting",
        to: to.email.clone(),
        to_name: Some(to.name.clone()),
        subject: format!("{practice_name}: a short questionnaire is waiting"),
        body: format!("Hello {},\n\na short questionnaire is waiting for you in your portal (you will be asked to sign in):\n{link}\n\nFor your privacy, this email does not say more.\n", to.name),
        reply_to: None,
        calendar: None,
    }
}

/// The booking's confirmation: when, in the patient's zone (and the therapist's), what to do
/// before, and the calendar file. No note the visitor wrote is repeated here.
pub struct Confirmation<'a> {
    pub practice_name: &'a str,
    pub patient: &'a domain::account::User,
    pub therapist: &'a domain::account::User,
    pub kind_name: &'a str,
    pub start: jiff::Timestamp,
    pub sign_in_link: String,
    pub manage_link: String,
    /// The tech check: camera, microphone and connection, tried before the day.
    pub tech_check_link: String,
    pub ics: String,
}

pub fn booking_confirmation(c: Confirmation<'_>) -> Outgoing {
    let in_zone = |zone: &str| {
        let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        c.start
            .to_zoned(tz)
            .strftime("%A %-d %B %Y, %H:%M (%Z)")
            .to_string()
    };
    let yours = in_zone(&c.patient.time_zone);
    let theirs = in_zone(&c.therapist.time_zone);
    Outgoing {
        kind: "booking-confirmation",
        to: c.patient.email.clone(),
        to_name: Some(c.patient.name.clone()),
        subject: format!("Your {} with {}: {yours}", c.kind_name.to_lowercase(), c.therapist.name),
        body: format!(
            "Hello {},\n\nyour {} with {} at {} is booked for\n\n  {yours}\n  ({theirs} for {})\n\nThe calendar file attached adds it to your calendar. The session is online. Your portal, where you sign in with a link sent to this address:\n{}\n\nTo cancel or move the appointment, use this link:\n{}\n\nBefore the day, check your camera, microphone and connection here (it also says who helps with technical problems):\n{}\n\nOn the day, the session room opens in your portal ten minutes before the start.\n\nThis email is not for emergencies.\n",
            c.patient.name, c.kind_name.to_lowercase(), c.therapist.name, c.practice_name, c.therapist.name, c.sign_in_link, c.manage_link, c.tech_check_link
        ),
        reply_to: None,
        calendar: Some(("REQUEST", c.ics)),
    }
}

fn when_in(start: jiff::Timestamp, zone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    start
        .to_zoned(tz)
        .strftime("%A %-d %B %Y, %H:%M (%Z)")
        .to_string()
}

/// Who an appointment mail is about: the patient it goes to, the therapist, the kind, the time.
pub struct AppointmentMail<'a> {
    pub practice_name: &'a str,
    pub patient: &'a domain::account::User,
    pub therapist: &'a domain::account::User,
    pub kind_name: &'a str,
    pub start: jiff::Timestamp,
}

impl AppointmentMail<'_> {
    fn outgoing(
        &self,
        kind: &'static str,
        subject: String,
        body: String,
        calendar: Option<(&'static str, String)>,
    ) -> Outgoing {
        Outgoing {
            kind,
            to: self.patient.email.clone(),
            to_name: Some(self.patient.name.clone()),
            subject,
            body,
            reply_to: None,
            calendar,
        }
    }

    fn about(&self) -> (String, String) {
        (
            when_in(self.start, &self.patient.time_zone),
            self.kind_name.to_lowercase(),
        )
    }

    /// The cancellation, with the calendar file that removes the event.
    pub fn cancelled(&self, ics: String) -> Outgoing {
        let (when, kind) = self.about();
        let body = format!(
            "Hello {},\n\nyour {kind} with {} at {} on {when} is cancelled. The calendar file attached removes it from your calendar.\n\nYou are welcome to book another time whenever you like.\n",
            self.patient.name, self.therapist.name, self.practice_name
        );
        self.outgoing(
            "booking-cancelled",
            format!("Cancelled: your {kind} on {when}"),
            body,
            Some(("CANCEL", ics)),
        )
    }

    /// The same appointment at a new time, with the calendar file that moves the event.
    pub fn moved(&self, ics: String) -> Outgoing {
        let (when, kind) = self.about();
        let body = format!(
            "Hello {},\n\nyour {kind} with {} at {} is now on\n\n  {when}\n\nThe calendar file attached moves it in your calendar. The link in your first confirmation still lets you cancel.\n",
            self.patient.name, self.therapist.name, self.practice_name
        );
        self.outgoing(
            "booking-moved",
            format!("Moved: your {kind} is now on {when}"),
            body,
            Some(("REQUEST", ics)),
        )
    }

    /// A reminder: when, and how to join; nothing else.
    pub fn reminder(&self, portal: &str) -> Outgoing {
        let (when, kind) = self.about();
        let body = format!(
            "Hello {},\n\na reminder of your {kind} with {} at {}:\n\n  {when}\n\nSign in to your portal a few minutes before; it takes you to the room:\n{portal}\n",
            self.patient.name, self.therapist.name, self.practice_name
        );
        self.outgoing(
            "reminder",
            format!("Reminder: {kind} with {} on {when}", self.therapist.name),
            body,
            None,
        )
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
    fn a_mail_with_a_calendar_file_has_one_content_type_at_the_top() {
        let mut m = inquiry_notification("P", "t@example.org", "https://x.example/a");
        m.calendar = Some(("REQUEST", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into()));
        let raw = String::from_utf8(build("p@example.org", &m).unwrap().formatted()).unwrap();
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
        Ok(store::mailbox::list(&mut self.db().conn().await?, 200).await?)
    }

    pub async fn dev_mail(
        &self,
        actor: &crate::Actor,
        id: &domain::ids::MailId,
    ) -> crate::AppResult<store::mailbox::Mail> {
        self.require(actor, Action::ReadOutbox).await?;
        let mut c = self.db().conn().await?;
        let mail = store::mailbox::get(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.audit_in(
            &mut c,
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
        Ok(store::jobs::recent(&mut self.db().conn().await?, 100).await?)
    }
}
