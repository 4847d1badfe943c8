//! Each mail the practice sends, composed: what it says and, as much, what it leaves out.

use super::*;

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
