//! Each setting's value checked for what it must be; a message says what is expected and never
//! repeats a password.

use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::net::SocketAddr;
use std::path::PathBuf;
use url::Url;

/// A value that, empty, counts as not given (an exported but empty variable, `--flag ""`).
pub trait Blank {
    fn is_blank(&self) -> bool;
}

impl Blank for String {
    fn is_blank(&self) -> bool {
        self.trim().is_empty()
    }
}

impl Blank for PathBuf {
    fn is_blank(&self) -> bool {
        self.as_os_str().is_empty()
    }
}

impl Blank for SecretString {
    fn is_blank(&self) -> bool {
        self.expose_secret().trim().is_empty()
    }
}

/// The file's scalars as text, whatever TOML type they were written in (`trust_proxy = true`,
/// `job_retry_base_ms = 500`, `turn_urls = ["turn:a:3478", "turns:a:5349"]`), so that the file
/// and the command line share one struct and one check per key.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Text;
    impl<'de> Visitor<'de> for Text {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string, a boolean, a number or a list of strings")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<String>()? {
                items.push(item);
            }
            Ok(items.join(","))
        }
    }
    d.deserialize_any(Text).map(Some)
}

pub fn listen(text: &str) -> Result<SocketAddr, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not an address like 127.0.0.1:8080"))
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event, with the request's span before it.
    #[default]
    Text,
    /// One JSON object per line, the request's span fields (its id among them) in `span`/`spans`.
    Json,
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

pub fn log_format(text: &str) -> Result<LogFormat, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(format!("expected text or json, not {text:?}")),
    }
}

/// A metrics token: long enough not to be guessed, and printable (it travels in a header).
pub fn metrics_token(text: &str) -> Result<(), String> {
    if text.len() < 16 {
        return Err(
            "the token must be at least 16 characters (openssl rand -hex 32 makes one)".into(),
        );
    }
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the token must be printable ASCII without spaces".into());
    }
    Ok(())
}

/// An http(s) address with a host and nothing after the path; returned without a trailing slash.
pub fn public_url(text: &str) -> Result<String, String> {
    let expected = "expected an http:// or https:// address like https://practice.example.org";
    let url = Url::parse(text.trim()).map_err(|e| format!("{expected} ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{expected}, not {:?}", without_password(text)));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{expected} without a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{expected}, without ?query or #fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// `postgres://`, `postgresql://` or `sqlite:`; the address is never repeated (it may hold a password).
pub fn database_url(text: &str) -> Result<(), String> {
    let expected = "expected a postgres://user@host/database (or sqlite:) address";
    let url = Url::parse(text.trim()).map_err(|e| format!("{expected} ({e})"))?;
    match url.scheme() {
        "postgres" | "postgresql" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "postgres" | "postgresql" => Err(format!("{expected}; this one names no host")),
        "sqlite" => Ok(()),
        other => Err(format!("{expected}, not {other}:")),
    }
}

/// `smtp://host[:port]` (plain, or `?tls=required|opportunistic`) or `smtps://`, as lettre reads it.
pub fn smtp_url(text: &str) -> Result<(), String> {
    let expected = "expected smtp://host:port or smtps://user:password@host";
    let url = Url::parse(text.trim()).map_err(|e| format!("{expected} ({e})"))?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err(format!("{expected}, not {}:", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{expected}; this one names no host"));
    }
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("tls", "required" | "opportunistic") if url.scheme() == "smtp" => {}
            _ => {
                return Err(format!(
                    "{expected}; the only option is smtp://…?tls=required or ?tls=opportunistic"
                ))
            }
        }
    }
    Ok(())
}

/// true/false, also 1/0, yes/no, on/off.
/// A comma-separated list of IP addresses (no ranges): the proxies in front of ours.
pub fn addresses(text: &str) -> Result<Vec<std::net::IpAddr>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.parse()
                .map_err(|_| format!("{a:?} is not an IP address (ranges are not taken)"))
        })
        .collect()
}

pub fn toggle(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("expected true or false, not {text:?}")),
    }
}

/// A whole number no smaller than `least` (a count of connections, a number of seconds).
pub fn count(text: &str, least: usize) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= least => Ok(n),
        Ok(_) => Err(format!(
            "expected a whole number of at least {least}, not {text:?}"
        )),
        Err(_) => Err(format!("expected a whole number, not {text:?}")),
    }
}

/// "24h,1h" (or "90m"): when reminders go out before an appointment; empty for none.
pub fn reminders(text: &str) -> Result<Vec<jiff::SignedDuration>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, unit) = p.split_at(p.len().saturating_sub(1));
            let n: i64 = n
                .parse()
                .map_err(|_| format!("reminder {p:?} is not like 24h or 90m"))?;
            match unit {
                "h" if (1..=24 * 14).contains(&n) => Ok(jiff::SignedDuration::from_hours(n)),
                "m" if (5..=24 * 60 * 14).contains(&n) => Ok(jiff::SignedDuration::from_mins(n)),
                _ => Err(format!("reminder {p:?} is not like 24h or 90m")),
            }
        })
        .collect()
}

/// Which kind of ICE address a list holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ice {
    Stun,
    Turn,
}

/// Comma-separated ICE addresses (RFC 7064 and 7065): `stun:host[:port]`, `stuns:…`, and
/// `turn:host[:port][?transport=udp|tcp]`, `turns:…`. `url` parses them as opaque-path URLs, so
/// the host and port are checked here.
pub fn ice_urls(text: &str, kind: Ice) -> Result<Vec<String>, String> {
    let (schemes, example) = match kind {
        Ice::Stun => (["stun", "stuns"], "stun:stun.example.org:3478"),
        Ice::Turn => (
            ["turn", "turns"],
            "turn:turn.example.org:3478?transport=udp",
        ),
    };
    let mut urls = Vec::new();
    for item in text.split(',').map(str::trim).filter(|u| !u.is_empty()) {
        let bad = || format!("{item:?} is not a {}: address like {example}", schemes[0]);
        let url = Url::parse(item).map_err(|_| bad())?;
        if !schemes.contains(&url.scheme()) || !url.cannot_be_a_base() || url.fragment().is_some() {
            return Err(bad());
        }
        if !host_and_port(url.path()) {
            return Err(bad());
        }
        match (kind, url.query()) {
            (_, None) | (Ice::Turn, Some("transport=udp" | "transport=tcp")) => {}
            _ => return Err(bad()),
        }
        urls.push(url.as_str().to_string());
    }
    Ok(urls)
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`, with a port from 1 to 65535.
fn host_and_port(text: &str) -> bool {
    // `port` is None when something stands where a port should, Some("") when there is none.
    let (host_ok, port) = match text.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((v6, "")) => (v6.parse::<std::net::Ipv6Addr>().is_ok(), Some("")),
            Some((v6, tail)) => (
                v6.parse::<std::net::Ipv6Addr>().is_ok(),
                tail.strip_prefix(':').filter(|p| !p.is_empty()),
            ),
            None => return false,
        },
        None => {
            let (host, port) = match text.rsplit_once(':') {
                Some((host, port)) => (host, Some(port).filter(|p| !p.is_empty())),
                None => (text, Some("")),
            };
            let host_ok = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
            (host_ok, port)
        }
    };
    host_ok && port.is_some_and(|p| p.is_empty() || p.parse::<u16>().is_ok_and(|n| n > 0))
}

/// A Stripe secret key: `sk_live_…`/`sk_test_…`, or a restricted `rk_…` key. The key itself is
/// never repeated.
pub fn stripe_secret_key(text: &str) -> Result<(), String> {
    let ok = ["sk_live_", "sk_test_", "rk_live_", "rk_test_"]
        .iter()
        .any(|p| text.starts_with(p) && text.len() > p.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then_some(())
        .ok_or_else(|| "expected Stripe's secret key, sk_live_… or sk_test_… (not shown)".into())
}

/// A webhook endpoint's signing secret: `whsec_…`. Never repeated.
pub fn stripe_webhook_secret(text: &str) -> Result<(), String> {
    let ok = text.len() > "whsec_".len()
        && text.starts_with("whsec_")
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then_some(())
        .ok_or_else(|| "expected the webhook's signing secret, whsec_… (not shown)".into())
}

/// Stripe's API address: https, or http to a loopback address (a stand-in on this machine).
pub fn stripe_api_base(text: &str) -> Result<Url, String> {
    let expected = "expected https://api.stripe.com (or http:// to a loopback address)";
    let mut url = Url::parse(text.trim()).map_err(|e| format!("{expected} ({e})"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !scheme_ok || url.host().is_none() {
        return Err(format!("{expected}, not {:?}", without_password(text)));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
        return Err(format!("{expected}, without a user, password or ?query"));
    }
    // A base joined with `v1/…`: it must end in a slash to keep its own path.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The address with any password replaced by `***`, for messages and `holdspace config`. Text that
/// does not parse as a URL is not shown at all: it might be a password.
pub fn without_password(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(mut url) if url.has_host() || url.scheme() == "sqlite" => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        _ => "(not shown)".into(),
    }
}

/// A domain name to obtain a certificate for: letters, digits and hyphens in dot-separated
/// labels, at least two of them; no scheme, port, path, wildcard or IP address. Returned in
/// lower case.
pub fn domain(text: &str) -> Result<String, String> {
    let name = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let expected = "expected a domain name like practice.example.org (no https://, port or path)";
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let labels: Vec<&str> = name.split('.').collect();
    let numeric = name.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if name.len() > 253 || labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) || numeric {
        let shown: String = text.chars().take(80).collect();
        return Err(format!("{expected}, not {shown:?}"));
    }
    Ok(name)
}

/// The ACME directory: an https:// address.
pub fn acme_directory(text: &str) -> Result<String, String> {
    let expected = "expected the ACME directory's https:// address, like https://acme-v02.api.letsencrypt.org/directory";
    let url = Url::parse(text.trim()).map_err(|e| format!("{expected} ({e})"))?;
    if url.scheme() != "https" || url.host_str().is_none() {
        return Err(format!("{expected}, not {:?}", without_password(text)));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{expected} without a user name or password"));
    }
    Ok(url.to_string())
}

/// A contact address for the certificate authority: one plain address (it becomes a mailto:
/// URL, so nothing that would change its meaning there).
pub fn acme_email(text: &str) -> Result<String, String> {
    let address = text.trim();
    let plain = address.len() <= 254
        && address
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b',' | b'?' | b'#' | b'<' | b'>'));
    match address.split_once('@') {
        Some((user, host)) if plain && !user.is_empty() && host.contains('.') => {
            Ok(address.to_string())
        }
        _ => Err("expected one e-mail address like office@practice.example.org".into()),
    }
}
