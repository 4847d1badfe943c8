//! Settings through the real binary: flag over variable over file over default, every documented
//! name, bad values named as given, and secrets that never print.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the binary with no `HOLDSPACE_*` variable but those given.
fn holdspace(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_holdspace"));
    for (name, _) in std::env::vars() {
        if name.starts_with("HOLDSPACE_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The line `holdspace config` prints for `key`.
fn line(o: &Output, key: &str) -> String {
    let out = stdout(o);
    out.lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no {key} in {out}\n{}", stderr(o)))
        .to_string()
}

fn config_file(text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "holdspace-config-{}-{}",
        std::process::id(),
        store::random_hex(4)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("holdspace.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_flag_wins_over_the_environment_which_wins_over_the_file() {
    let file = config_file(
        "listen = \"127.0.0.1:3003\"\npublic_url = \"https://file.example.org\"\nmail_from = \"file@example.org\"\n",
    );
    let file = file.to_str().unwrap();
    let o = holdspace(
        &["config", "--config", file, "--listen", "127.0.0.1:1001"],
        &[
            ("HOLDSPACE_LISTEN", "127.0.0.1:2002"),
            ("HOLDSPACE_PUBLIC_URL", "https://env.example.org"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(line(&o, "listen"), "listen = 127.0.0.1:1001  (--listen)");
    assert_eq!(
        line(&o, "public_url"),
        "public_url = https://env.example.org  (HOLDSPACE_PUBLIC_URL)"
    );
    assert_eq!(
        line(&o, "mail_from"),
        format!("mail_from = file@example.org  (mail_from in {file})")
    );
    assert_eq!(line(&o, "trust_proxy"), "trust_proxy = false  (default)");
    // The file itself may be named by the environment.
    let o = holdspace(&["config"], &[("HOLDSPACE_CONFIG", file)]);
    assert_eq!(
        line(&o, "listen"),
        format!("listen = 127.0.0.1:3003  (listen in {file})")
    );
}

#[test]
fn every_documented_variable_and_file_key_is_read() {
    let env = [
        ("HOLDSPACE_LISTEN", "127.0.0.1:4004"),
        ("HOLDSPACE_DATA_DIR", "/tmp/holdspace-env-data"),
        (
            "HOLDSPACE_DATABASE_URL",
            "postgres://hs@127.0.0.1:5432/test",
        ),
        ("HOLDSPACE_PUBLIC_URL", "https://practice.example.org"),
        ("HOLDSPACE_SMTP_URL", "smtp://127.0.0.1:2525"),
        ("HOLDSPACE_MAIL_FROM", "hello@practice.example.org"),
        ("HOLDSPACE_MASTER_KEY", &"cd".repeat(32)),
        ("HOLDSPACE_REMINDERS", "48h,90m"),
        ("HOLDSPACE_TRUST_PROXY", "true"),
        ("HOLDSPACE_TURN_URLS", "turn:127.0.0.1:3478?transport=udp"),
        ("HOLDSPACE_TURN_SECRET", "s3cret"),
        ("HOLDSPACE_STUN_URLS", "stun:127.0.0.1:3478"),
        ("HOLDSPACE_JOB_RETRY_BASE_MS", "500"),
        ("HOLDSPACE_MAX_CONNECTIONS", "500"),
        ("HOLDSPACE_MAX_CONNECTIONS_PER_ADDRESS", "8"),
        ("HOLDSPACE_HEADER_TIMEOUT_SECS", "7"),
        ("HOLDSPACE_BODY_TIMEOUT_SECS", "70"),
        ("HOLDSPACE_LOG_FORMAT", "json"),
        ("HOLDSPACE_METRICS_TOKEN", "env-metrics-token-0123456789"),
        ("HOLDSPACE_METRICS_LISTEN", "127.0.0.1:9100"),
    ];
    let o = holdspace(&["config"], &env);
    assert!(o.status.success(), "{}", stderr(&o));
    for (name, _) in env {
        let key = name.trim_start_matches("HOLDSPACE_").to_lowercase();
        assert!(line(&o, &key).ends_with(&format!("({name})")), "{key}");
    }
    assert!(line(&o, "reminders").contains("48h,90m"));
    assert!(line(&o, "trust_proxy").contains("true"));

    let file = config_file(
        r#"
listen = "127.0.0.1:5005"
data_dir = "/tmp/holdspace-file-data"
database_url = "sqlite::memory:"
public_url = "https://file.example.org"
smtp_url = "smtps://user:pass@mail.example.org"
mail_from = "file@example.org"
trust_proxy = true
reminders = "2h"
stun_urls = ["stun:stun.example.org:3478"]
turn_urls = "turns:turn.example.org:5349"
turn_secret = "file-secret"
stripe_secret_key = "sk_test_fileStripeKey"
stripe_webhook_secret = "whsec_fileHookSecret"
stripe_api_base = "http://127.0.0.1:4242"
max_connections = 500
max_connections_per_address = 8
header_timeout_secs = 7
body_timeout_secs = 70
log_format = "json"
metrics_token = "file-metrics-token-0123456789"
metrics_listen = "127.0.0.1:9101"
"#,
    );
    let o = holdspace(&["config", "--config", file.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    for key in [
        "listen",
        "data_dir",
        "database_url",
        "public_url",
        "smtp_url",
        "mail_from",
        "trust_proxy",
        "reminders",
        "stun_urls",
        "turn_urls",
        "turn_secret",
        "stripe_secret_key",
        "stripe_webhook_secret",
        "stripe_api_base",
        "max_connections",
        "max_connections_per_address",
        "header_timeout_secs",
        "body_timeout_secs",
        "log_format",
        "metrics_token",
        "metrics_listen",
    ] {
        assert!(line(&o, key).contains("holdspace.toml)"), "{key}");
    }
    assert_eq!(
        line(&o, "smtp_url"),
        format!(
            "smtp_url = smtps://user:***@mail.example.org  (smtp_url in {})",
            file.display()
        )
    );
    assert!(line(&o, "stripe_secret_key").starts_with("stripe_secret_key = [REDACTED]"));
    assert!(line(&o, "stripe_api_base").starts_with("stripe_api_base = http://127.0.0.1:4242/"));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("fileStripeKey") && !out.contains("fileHookSecret"));
}

#[test]
fn a_bad_value_is_named_as_it_was_given() {
    let o = holdspace(
        &["config"],
        &[("HOLDSPACE_PUBLIC_URL", "ftp://x.example.org")],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).starts_with("holdspace: HOLDSPACE_PUBLIC_URL: expected an http:// or https://"),
        "{}",
        stderr(&o)
    );
    let o = holdspace(&["serve", "--public-url", "x.example.org"], &[]);
    assert!(
        stderr(&o).starts_with("holdspace: --public-url: expected an http://"),
        "{}",
        stderr(&o)
    );
    let o = holdspace(
        &["config"],
        &[("HOLDSPACE_SMTP_URL", "imap://me:hunter2@mail.example.org")],
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.starts_with("holdspace: HOLDSPACE_SMTP_URL: expected smtp://")
            && !err.contains("hunter2"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let o = holdspace(&["config"], &[("HOLDSPACE_TRUST_PROXY", "sometimes")]);
    assert!(
        stderr(&o).starts_with("holdspace: HOLDSPACE_TRUST_PROXY: expected true or false"),
        "{}",
        stderr(&o)
    );
    // An exported but empty variable counts as not set.
    let o = holdspace(
        &["config"],
        &[("HOLDSPACE_SMTP_URL", ""), ("HOLDSPACE_LISTEN", " ")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(line(&o, "listen").ends_with("(default)"));
}

#[test]
fn an_unknown_key_in_the_file_is_an_error_that_names_it() {
    let file = config_file("listen = \"127.0.0.1:1\"\nturn_secrets = \"x\"\n");
    let o = holdspace(&["serve", "--config", file.to_str().unwrap()], &[]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("unknown field `turn_secrets`") && err.contains("line 2"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn secrets_never_print_in_help_or_settings() {
    let master = "ef".repeat(32);
    let env = [
        ("HOLDSPACE_MASTER_KEY", master.as_str()),
        ("HOLDSPACE_TURN_URLS", "turn:127.0.0.1:3478"),
        ("HOLDSPACE_TURN_SECRET", "turn-secret-north-wind"),
        (
            "HOLDSPACE_SMTP_URL",
            "smtps://mailer:smtp-password-lark@mail.example.org",
        ),
        (
            "HOLDSPACE_DATABASE_URL",
            "postgres://holdspace:db-password-wren@127.0.0.1:1/test",
        ),
    ];
    for args in [
        &["config"][..],
        &["serve", "--help"],
        &["keys", "rotate", "--help"],
    ] {
        let o = holdspace(args, &env);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let shown = format!("{}{}", stdout(&o), stderr(&o));
        for secret in [
            master.as_str(),
            "turn-secret-north-wind",
            "smtp-password-lark",
            "db-password-wren",
        ] {
            assert!(!shown.contains(secret), "{args:?} shows {secret}: {shown}");
        }
    }
}
