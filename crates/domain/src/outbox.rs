//! What the practice sent, or is still trying to send: mail kept in the dev mailbox, and jobs.

use crate::ids::{JobId, MailId};
use jiff::Timestamp;

/// A mail kept in the dev mailbox (no SMTP configured).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub id: MailId,
    pub to: String,
    pub subject: String,
    /// Empty in lists; opened only when one mail is read.
    pub body: String,
    pub created_at: Timestamp,
}

/// A job of the outbox, as the admin lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobView {
    pub id: JobId,
    pub kind: String,
    pub state: String,
    pub attempts: u32,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

/// What a run of hex digits this long or longer is taken for: a secret in a link (sign-in, setup,
/// invitation and manage links carry 48 or 64), or an id of something the reader may not know of.
const SECRET_MIN: usize = 32;

/// `body` with every run of 32 or more hex digits replaced by `hidden`: what the dev mailbox shows
/// of a mail meant for someone else, so that nobody follows a link made for another person.
pub fn without_secrets(body: &str, hidden: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= SECRET_MIN {
            out.push_str(hidden);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in body.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// `text` with every word that holds an `@` (an email address, with whatever brackets a mail
/// server put around it) replaced by `hidden`: a failed send's error, kept on the job for the
/// operator, must not say whom the mail was for.
pub fn without_addresses(text: &str, hidden: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('@') {
            out.push_str(hidden);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod addresses {
    use super::without_addresses;

    #[test]
    fn addresses_go_and_everything_else_stays() {
        assert_eq!(
            without_addresses(
                "permanent error (550): 5.1.1 <Zoe.Q@Example.org>: Recipient rejected",
                "[address]"
            ),
            "permanent error (550): 5.1.1 [address] Recipient rejected"
        );
        assert_eq!(without_addresses("", "x"), "");
        assert_eq!(
            without_addresses("connection refused", "x"),
            "connection refused"
        );
        assert_eq!(without_addresses("@@@ a@b\n", "x"), "x x\n");
    }
}

#[cfg(test)]
mod tests {
    use super::without_secrets;

    #[test]
    fn links_lose_their_secrets_and_nothing_else() {
        let token = "a".repeat(64);
        let body = format!(
            "Sign in: https://practice.example/signin/{token}\nSee you on 2026-12-04 at 10:30."
        );
        assert_eq!(
            without_secrets(&body, "[hidden]"),
            "Sign in: https://practice.example/signin/[hidden]\nSee you on 2026-12-04 at 10:30."
        );
        // 31 hex digits is a word or a number, not a secret; 32 upper-case ones are one.
        let short = "0123456789abcdef0123456789abcde";
        assert_eq!(without_secrets(short, "x"), short);
        assert_eq!(without_secrets(&"ABCDEF01".repeat(4), "x"), "x");
        assert_eq!(without_secrets("", "x"), "");
        // Text that is not ASCII passes through as it is.
        assert_eq!(without_secrets("Grüße, 👋 café", "x"), "Grüße, 👋 café");
    }
}
