//! SMTP: the configured server reached, TLS as the address asks, and signed in with its user name
//! and password (lettre's test connection does all three and sends nothing). One test mail only
//! when asked, saying nothing but that it is a test.

use super::Verdict;
use crate::config::Settings;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

/// The server's host and port as the address gives them, never its user name or password.
fn server_label(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            _ => "the configured server".into(),
        },
        Err(_) => "the configured server".into(),
    }
}

pub async fn check(settings: &Settings, test_mail_to: Option<&str>) -> Verdict {
    let Some(url) = settings.app_config().smtp_url else {
        return match test_mail_to {
            Some(_) => Verdict::fail(
                "no test mail was sent: smtp_url is not set (mail stays in the admin's dev mailbox)",
                "set smtp_url (HOLDSPACE_SMTP_URL) to the mail server's address",
            ),
            None => Verdict::Skipped(
                "not configured (smtp_url is not set: mail stays in the admin's dev mailbox)".into(),
            ),
        };
    };
    let url = url.expose_secret();
    let server = server_label(url);
    let signs_in = url::Url::parse(url).is_ok_and(|u| !u.username().is_empty());
    let transport =
        match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
            Ok(builder) => builder.timeout(Some(TIMEOUT)).build(),
            Err(e) => return Verdict::fail(
                format!("smtp_url is not a usable SMTP address: {e}"),
                "write it as smtp://user:password@host:port, smtps://… or smtp://…?tls=required",
            ),
        };
    match transport.test_connection().await {
        Ok(true) => {}
        Ok(false) => {
            return Verdict::fail(
                format!("the SMTP server at {server} closed the connection"),
                "check the mail server's log, and that it lets this machine in",
            )
        }
        Err(e) => return failure(&server, &e),
    }
    let mut found = if signs_in {
        format!("{server} answers and accepts the user name and password")
    } else {
        format!("{server} answers (smtp_url carries no user name: none was tried)")
    };
    if let Some(to) = test_mail_to {
        match test_mail(&settings.mail_from, to) {
            Err(e) => return Verdict::fail(format!("no test mail was sent: {e}"), "give --send-test-mail a plain address like someone@example.org, and mail_from one too"),
            Ok(mail) => match transport.send(mail).await {
                Ok(_) => found.push_str("; the test mail was accepted for delivery"),
                Err(e) => return failure(&server, &e),
            },
        }
    }
    Verdict::Pass(found)
}

/// The test mail's whole text (short enough to go on one line, unwrapped).
const TEST_MAIL_TEXT: &str = "A test from holdspace doctor, to check that mail goes out.";

/// A mail that carries nothing of the practice: no name, no link, no record.
fn test_mail(from: &str, to: &str) -> Result<Message, String> {
    let from = from
        .parse()
        .map_err(|e| format!("mail_from is not an address ({e})"))?;
    let to = to
        .trim()
        .parse()
        .map_err(|e| format!("--send-test-mail is not an address ({e})"))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject("holdspace test mail")
        .body(TEST_MAIL_TEXT.to_string())
        .map_err(|e| e.to_string())
}

/// What went wrong, said by what the operator should look at.
fn failure(server: &str, e: &lettre::transport::smtp::Error) -> Verdict {
    let code = e.status().map(|c| c.to_string());
    if matches!(code.as_deref(), Some("535" | "534" | "530" | "454")) || is_mechanism(e) {
        return Verdict::fail(
            format!("the SMTP server at {server} refused the user name and password: {e}"),
            "check the user name and password in smtp_url (HOLDSPACE_SMTP_URL)",
        );
    }
    if e.is_tls() {
        return Verdict::fail(
            format!("TLS with the SMTP server at {server} failed: {e}"),
            "check the server's certificate, and that smtp_url's scheme matches the port (smtps:// for 465, ?tls=required for 587)",
        );
    }
    if e.is_response() || e.is_permanent() || e.is_transient() {
        return Verdict::fail(
            format!("the SMTP server at {server} answered with an error: {e}"),
            "check the mail server's log and smtp_url",
        );
    }
    Verdict::fail(
        format!("cannot connect to the SMTP server at {server}: {e}"),
        "check smtp_url's host and port, and that the mail server runs and lets this machine in",
    )
}

/// The server offers no way to sign in that lettre speaks (or none at all).
fn is_mechanism(e: &lettre::transport::smtp::Error) -> bool {
    e.is_client() && e.to_string().contains("authentication mechanism")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_is_named_without_its_password() {
        assert_eq!(
            server_label("smtps://user:s3cret@mail.example.org:465"),
            "mail.example.org:465"
        );
        assert_eq!(server_label("smtp://mail.example.org"), "mail.example.org");
        assert_eq!(server_label("not a url :: s3cret"), "the configured server");
    }

    #[test]
    fn the_test_mail_says_nothing_but_that_it_is_a_test() {
        let mail = test_mail("practice@example.org", "owner@example.org").unwrap();
        let text = String::from_utf8(mail.formatted()).unwrap();
        assert!(text.contains("holdspace test mail"));
        assert!(
            text.ends_with(&format!("\r\n\r\n{TEST_MAIL_TEXT}")),
            "{text}"
        );
        assert!(test_mail("practice@example.org", "").is_err());
        assert!(test_mail("practice@example.org", "a@b.c\r\nBcc: x@y.z").is_err());
    }
}
