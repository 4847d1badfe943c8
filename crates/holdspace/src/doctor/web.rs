//! The public address answering `/healthz` (over HTTPS with a certificate browsers accept, its
//! fault named), and the clock compared with the answer's Date and the database's.

use super::Verdict;
use std::path::Path;
use std::time::Duration;

/// Past this skew TOTP codes (30-second steps) stop matching and invitations show wrong times.
const MAX_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(30);

pub struct Answered {
    pub verdict: Verdict,
    /// The answer's Date header, when there was an answer.
    pub date: Option<jiff::Timestamp>,
}

pub async fn public_url(base: &str, ca_file: Option<&Path>) -> Answered {
    let url = format!("{}/healthz", base.trim_end_matches('/'));
    let failed = |what: String, fix: &str| Answered {
        verdict: Verdict::fail(what, fix),
        date: None,
    };
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(file) = ca_file {
        let pem = match std::fs::read(file) {
            Ok(pem) => pem,
            Err(e) => {
                return failed(
                    format!("cannot read --ca-file {}: {e}", file.display()),
                    "give a readable PEM file",
                )
            }
        };
        match reqwest::Certificate::from_pem_bundle(&pem) {
            Ok(certs) if !certs.is_empty() => {
                for cert in certs {
                    builder = builder.add_root_certificate(cert);
                }
            }
            _ => {
                return failed(
                    format!("--ca-file {} holds no PEM certificate", file.display()),
                    "give a file with -----BEGIN CERTIFICATE----- blocks",
                )
            }
        }
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(e) => return failed(format!("cannot set up HTTPS: {e}"), "report this as a bug"),
    };
    let response = match client.get(&url).send().await {
        Ok(response) => response,
        Err(e) => return failed(describe(&url, &e), fix_for(&e)),
    };
    let date = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date);
    let status = response.status();
    let verdict = if status.is_success() {
        let how = if url.starts_with("https:") {
            "with a valid certificate"
        } else {
            "over plain http (no certificate to check)"
        };
        Verdict::Pass(format!("{url} answers {}, {how}", status.as_u16()))
    } else {
        Verdict::fail(
            format!("{url} answers {status}"),
            "check that public_url points at holdspace (a proxy in front may send it elsewhere), and the server's log",
        )
    };
    Answered { verdict, date }
}

/// What failed, named the way the operator can act on it.
fn describe(url: &str, e: &reqwest::Error) -> String {
    if let Some(fault) = certificate_fault(e) {
        return format!("{url}: the certificate {fault}");
    }
    if e.is_timeout() {
        return format!("{url} does not answer within 10 s");
    }
    if e.is_connect() {
        return format!("nothing answers at {url}: {}", innermost(e));
    }
    format!("{url} cannot be fetched: {}", chain(e))
}

fn fix_for(e: &reqwest::Error) -> &'static str {
    match certificate_fault(e) {
        Some(f) if f.starts_with("has expired") || f.starts_with("is not valid yet") => {
            "renew the certificate (and check this machine's clock)"
        }
        Some(f) if f.starts_with("is for another name") => {
            "get a certificate for public_url's host name, or set public_url to the name the certificate is for"
        }
        Some(_) => "use a certificate from a public authority (or give --ca-file for a private one), with its intermediate certificates",
        None => "start holdspace serve, and check public_url, the DNS name and any proxy or firewall in front",
    }
}

/// The root cause alone (refused, no such host), without the layers' wording around it.
fn innermost(e: &dyn std::error::Error) -> String {
    let mut last = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

/// Every message in the error's chain, so the cause (refused, reset, no such host) shows.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// The certificate's fault, when the TLS handshake failed over it.
fn certificate_fault(e: &reqwest::Error) -> Option<&'static str> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(c) = invalid_certificate(err) {
            return Some(fault(c));
        }
        source = err.source();
    }
    None
}

/// rustls' certificate error in `err`, or in the io::Errors wrapped around it (an io::Error hides
/// what it wraps from `source()`, and the TLS connector wraps it twice).
fn invalid_certificate<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::CertificateError> {
    if let Some(rustls::Error::InvalidCertificate(c)) = err.downcast_ref::<rustls::Error>() {
        return Some(c);
    }
    let inner = err.downcast_ref::<std::io::Error>()?.get_ref()?;
    invalid_certificate(inner)
}

fn fault(c: &rustls::CertificateError) -> &'static str {
    use rustls::CertificateError as C;
    match c {
        C::Expired | C::ExpiredContext { .. } => "has expired",
        C::NotValidYet | C::NotValidYetContext { .. } => "is not valid yet",
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "is for another name than public_url's host"
        }
        C::UnknownIssuer => {
            "is from an unknown issuer (self-signed, or its intermediate certificate is missing)"
        }
        C::Revoked => "has been revoked",
        _ => "is not valid",
    }
}

/// An HTTP Date (`Sat, 05 Dec 2026 10:00:00 GMT`).
fn parse_http_date(text: &str) -> Option<jiff::Timestamp> {
    jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(text)
        .ok()
}

/// This machine's clock against the public address's and the database's.
pub fn clock(
    now: jiff::Timestamp,
    web: Option<jiff::Timestamp>,
    database: Option<jiff::Timestamp>,
) -> Verdict {
    let mut compared = Vec::new();
    for (name, theirs) in [("the public address", web), ("the database", database)] {
        let Some(theirs) = theirs else { continue };
        let skew = now.duration_since(theirs);
        if skew.abs() > MAX_SKEW {
            let secs = skew.as_secs();
            let way = if secs > 0 { "ahead of" } else { "behind" };
            return Verdict::fail(
                format!(
                    "this machine's clock is {} s {way} {name}'s: TOTP codes and calendar invitations go wrong",
                    secs.abs()
                ),
                "keep the clocks in time with NTP (timedatectl set-ntp true; chrony or systemd-timesyncd)",
            );
        }
        compared.push(name);
    }
    if compared.is_empty() {
        return Verdict::Skipped(
            "nothing to compare with (the public address gave no time, and SQLite has no clock of its own)".into(),
        );
    }
    Verdict::Pass(format!("within 30 s of {}", compared.join(" and ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skew_past_thirty_seconds_either_way_fails() {
        let now: jiff::Timestamp = "2026-12-05T10:00:00Z".parse().unwrap();
        let off = |s: i64| Some(now - jiff::SignedDuration::from_secs(s));
        assert!(matches!(clock(now, off(2), None), Verdict::Pass(_)));
        assert!(matches!(clock(now, off(-29), off(3)), Verdict::Pass(_)));
        let Verdict::Fail(what, _) = clock(now, off(0), off(-45)) else {
            panic!("45 s passes")
        };
        assert!(what.contains("45 s behind the database"), "{what}");
        assert!(clock(now, off(31), None).failed());
        assert!(matches!(clock(now, None, None), Verdict::Skipped(_)));
    }

    #[test]
    fn http_dates_read_and_garbage_does_not() {
        assert_eq!(
            parse_http_date("Sat, 05 Dec 2026 10:00:00 GMT"),
            Some("2026-12-05T10:00:00Z".parse().unwrap())
        );
        assert_eq!(parse_http_date(""), None);
        assert_eq!(parse_http_date("yesterday"), None);
    }
}
