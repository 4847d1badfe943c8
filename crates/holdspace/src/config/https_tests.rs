//! The HTTPS settings: a domain and its defaults, what cannot work, hostile values.

use super::tests::{error, flags, merge, FILE};
use super::*;

#[test]
fn a_domain_brings_https_with_its_defaults() {
    let s = merge(flags(), r#"domain = "Practice.Example.org""#).unwrap();
    let https = s.https.as_ref().unwrap();
    assert_eq!(https.domain, "practice.example.org");
    assert_eq!(https.https_listen.to_string(), "0.0.0.0:443");
    assert_eq!(https.http_listen.to_string(), "0.0.0.0:80");
    assert_eq!(https.directory, https::LETS_ENCRYPT);
    assert_eq!(https.check_every.as_secs(), 12 * 60 * 60);
    assert!(https.email.is_none() && https.ca_file.is_none() && https.renew_before.is_none());
    assert_eq!(s.public_url, "https://practice.example.org");
    assert!(s.describe().contains(&format!(
        "domain = practice.example.org  (domain in {FILE})"
    )));

    let given = SettingsArgs {
        domain: Some("practice.example.org".into()),
        https_listen: Some("127.0.0.1:8443".into()),
        http_listen: Some("127.0.0.1:8080".into()),
        acme_email: Some("office@practice.example.org".into()),
        acme_check_secs: Some("60".into()),
        acme_renew_before_secs: Some("0".into()),
        ..flags()
    };
    let s = merge(given, "").unwrap();
    assert_eq!(s.public_url, "https://practice.example.org:8443");
    let https = s.https.as_ref().unwrap();
    assert_eq!(https.check_every.as_secs(), 60);
    assert_eq!(https.renew_before, Some(std::time::Duration::ZERO));
    let described = s.describe().join("\n");
    assert!(described.contains("acme_email = (set)"), "{described}");
    assert!(!described.contains("office@"), "the address is not printed");

    let without = merge(flags(), "").unwrap();
    assert!(without.https.is_none());
}

#[test]
fn https_settings_refuse_what_cannot_work() {
    let domain = |d: &str| SettingsArgs {
        domain: Some(d.into()),
        ..flags()
    };
    for bad in [
        "https://practice.example.org",
        "practice.example.org:443",
        "practice.example.org/path",
        "*.example.org",
        "localhost",
        "192.0.2.7",
        "-bad-.example.org",
        "pract ice.example.org",
        "practice..example.org",
        &format!("{}.example.org", "a".repeat(64)),
        &format!("{}example.org", "ab.".repeat(90)),
        "prac\u{0}tice.example.org",
        "xn--prctice-.example.org",
    ] {
        let message = error(domain(bad), "");
        assert!(
            message.starts_with("--domain: expected a domain name like practice.example.org"),
            "{bad:?}: {message}"
        );
        assert!(message.len() < 300, "a huge value is not echoed whole");
    }
    let cases: [(SettingsArgs, &str, &str); 6] = [
        (
            flags(),
            r#"https_listen = "0.0.0.0:443""#,
            "https_listen in holdspace.toml is set but domain (HOLDSPACE_DOMAIN",
        ),
        (
            SettingsArgs {
                acme_email: Some("office@practice.example.org".into()),
                ..flags()
            },
            "",
            "--acme-email is set but domain",
        ),
        (
            SettingsArgs {
                listen: Some("127.0.0.1:8080".into()),
                ..domain("practice.example.org")
            },
            "",
            "--listen is for plain HTTP behind a proxy",
        ),
        (
            domain("practice.example.org"),
            r#"public_url = "http://practice.example.org""#,
            "public_url in holdspace.toml: with domain set, the public address is https://",
        ),
        (
            domain("practice.example.org"),
            r#"acme_directory = "http://acme.example.org/dir""#,
            "acme_directory in holdspace.toml: expected the ACME directory's https:// address",
        ),
        (
            SettingsArgs {
                https_listen: Some("0.0.0.0:8000".into()),
                http_listen: Some("0.0.0.0:8000".into()),
                ..domain("practice.example.org")
            },
            "",
            "https_listen and http_listen are both 0.0.0.0:8000",
        ),
    ];
    for (given, file, expected) in cases {
        let message = error(given, file);
        assert!(message.starts_with(expected), "{message}");
    }
    for bad in ["wren", "a@b", "x@y.org,z@w.org", "x@y.org?cc=z", ""] {
        let given = SettingsArgs {
            acme_email: Some(format!("{bad} ")),
            ..domain("practice.example.org")
        };
        match merge(given, "") {
            Ok(s) if bad.is_empty() => assert!(s.https.unwrap().email.is_none()),
            Ok(s) => panic!("{bad:?} accepted: {:?}", s.https),
            Err(message) => {
                assert!(message.starts_with("--acme-email: expected one e-mail address"));
                assert!(bad.is_empty() || !message.contains(bad), "not echoed");
            }
        }
    }
    let missing = SettingsArgs {
        acme_ca_file: Some(PathBuf::from("/nonexistent/holdspace-ca.pem")),
        ..domain("practice.example.org")
    };
    assert!(error(missing, "").starts_with("--acme-ca-file: cannot read the CA file"));
}
