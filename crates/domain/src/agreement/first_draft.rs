//! The first draft of a therapist's agreement: gentle, sound terms for an online practice, taking
//! what the practice already knows (session length and fee, cancellation notice, crisis contacts).

use super::{Template, Terms};

/// What the practice already knows, for the first template's terms.
pub struct Known<'a> {
    pub session_minutes: Option<i64>,
    pub session_price_cents: Option<i64>,
    pub cancel_hours: i64,
    pub crisis_contacts: &'a str,
}

/// A gentle, sound first template for an online practice; the therapist edits it to their own.
pub fn default_template(known: &Known<'_>) -> Template {
    let fee = match known.session_price_cents {
        Some(c) if c % 100 == 0 => format!("{} EUR per session", c / 100),
        Some(c) => format!("{}.{:02} EUR per session", c / 100, c % 100),
        None => "the fee we agree in our first consultation".into(),
    };
    let emergencies = format!(
        "I cannot offer help in an emergency: messages are not read out of hours, and I may not be reachable between sessions. If you are in crisis, or afraid that you might harm yourself or someone else, get help straight away. {}",
        known.crisis_contacts.trim()
    );
    Template {
        body: DEFAULT_BODY.trim_end().to_string(),
        terms: Terms {
            fee,
            session_length: format!("{} minutes", known.session_minutes.unwrap_or(50)),
            frequency: "once a week, at the same time each week".into(),
            cancel_notice: format!("{} hours", known.cancel_hours),
            contact_between_sessions: "Between sessions you can write to me through the secure messages in your portal. I read them on weekdays and reply within two working days. Messages are best kept to practical matters, such as arranging or cancelling a session; what moves you belongs in our sessions, where there is time to give it proper attention.".into(),
            connection_drops: "If the connection drops, stay where you are and rejoin from your portal; I will do the same. If we cannot reconnect within ten minutes, I will phone you on the number you gave me, or write to you in the portal, so that we can finish by phone or find another time. Time lost because of a problem on my side is not charged.".into(),
            confidentiality: "What you tell me stays between us. I keep brief notes, which the practice stores encrypted, and I discuss my work in professional supervision, as good practice requires, without your name or anything that would identify you. There are limits: if I believed that you or someone else, especially a child, were at serious risk of harm, or if the law or a court required it, I would have to pass on information. Where I can, I will talk with you about it first.".into(),
            emergencies,
            private_space: "For online sessions you need a private, quiet room where nobody can overhear you, with the door closed; headphones help if others are at home. Please use a device with a camera and a steady internet connection, and do not join a session while driving, walking or in a public place. I, too, work from a private room where nobody can overhear us.".into(),
        },
    }
}

const DEFAULT_BODY: &str = "# Our agreement

This agreement is between {patient} and {therapist} ({practice}). It describes the frame of our work: the practical arrangements that give our sessions a reliable and private place. Please read it at your own pace. If anything is unclear, or you would like something to be different, ask me before you sign; we can talk about it in a session.

## Our sessions

We meet online, by video, {frequency}. Each session lasts {session_length}. We begin and end on time; if one of us is late, the session still ends at the usual time, unless the lateness was mine.

## Fees

The fee is {fee}. I send an invoice at the end of each month for the sessions that took place; please pay it within fourteen days.

## Cancelling a session

If you cannot come, please let me know at least {cancel_notice} before the session, through your portal or by email. A session cancelled later, or missed, is charged at the full fee; I take genuine emergencies and illness into account. If I have to cancel, I will tell you as early as I can, and a session I cancel is never charged.

## Contact between sessions

{contact_between_sessions}

## If the connection drops

{connection_drops}

## A private space for our sessions

{private_space}

## No recordings

Neither of us records our sessions, in sound or in picture, and neither of us lets anyone else watch or listen. The video runs directly between our two devices; the practice stores nothing of it.

## Confidentiality and its limits

{confidentiality}

## Emergencies

{emergencies}

## Ending our work

You can end therapy at any time. It usually helps to plan the ending together, so that we have time to look back on the work and to say goodbye. If I ever need to end our work, I will tell you in good time and help you find someone else if you wish.

## Changes to this agreement

If this agreement changes, you will be asked to read and sign the new version. Until then, the version you signed applies.
";
