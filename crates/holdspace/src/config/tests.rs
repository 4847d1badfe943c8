//! The merge of the two layers, each bad value's message, and secrets that never print.

use super::*;
use clap::Args;

pub(super) const FILE: &str = "holdspace.toml";

/// Merges `given` (as if from flags) over the TOML `file`.
pub(super) fn merge(given: SettingsArgs, file: &str) -> Result<Settings, String> {
    let file: SettingsArgs = toml::from_str(file).map_err(|e| e.message().to_string())?;
    let layers = Layers {
        matches: None,
        file: Some(Path::new(FILE)),
        origins: BTreeMap::new(),
    };
    Settings::merge(given, file, layers)
}

pub(super) fn flags() -> SettingsArgs {
    SettingsArgs::default()
}

pub(super) fn error(given: SettingsArgs, file: &str) -> String {
    match merge(given, file) {
        Ok(settings) => panic!("accepted: {settings:?}"),
        Err(message) => message,
    }
}

#[test]
fn a_flag_wins_over_the_file_and_the_file_over_the_default() {
    let file = r#"
        listen = "127.0.0.1:9001"
        public_url = "https://practice.example.org/"
        mail_from = "file@example.org"
        trust_proxy = true
        job_retry_base_ms = 500
        reminders = ["48h", "90m"]
    "#;
    let given = SettingsArgs {
        listen: Some("127.0.0.1:9002".into()),
        mail_from: Some(String::new()), // blank: as if not given
        ..flags()
    };
    let s = merge(given, file).unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:9002");
    assert_eq!(s.origin("listen"), "--listen");
    assert_eq!(s.public_url, "https://practice.example.org");
    assert_eq!(s.origin("public_url"), "public_url in holdspace.toml");
    assert_eq!(s.mail_from, "file@example.org");
    assert!(s.trust_proxy);
    assert_eq!(s.job_retry_base_ms, 500);
    assert_eq!(
        s.reminders,
        [
            jiff::SignedDuration::from_hours(48),
            jiff::SignedDuration::from_mins(90)
        ]
    );
    assert_eq!(s.data_dir, PathBuf::from("holdspace-data"));
    assert_eq!(s.origin("data_dir"), "default");

    let defaults = merge(flags(), "").unwrap();
    assert_eq!(defaults.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(defaults.public_url, "http://127.0.0.1:8080");
    assert_eq!(defaults.reminders, app::Config::default().reminders);
    assert!(!defaults.trust_proxy && defaults.ice.turn_urls.is_empty());
}

#[test]
fn empty_reminders_mean_none() {
    let given = SettingsArgs {
        reminders: Some(String::new()),
        ..flags()
    };
    assert!(merge(given, r#"reminders = "24h""#)
        .unwrap()
        .reminders
        .is_empty());
    assert!(merge(flags(), r#"reminders = """#)
        .unwrap()
        .reminders
        .is_empty());
}

#[test]
fn each_bad_value_is_named_and_says_what_is_expected() {
    let cases: [(SettingsArgs, &str, &str); 4] = [
        (
            SettingsArgs {
                listen: Some("not-an-address".into()),
                ..flags()
            },
            "",
            "--listen: \"not-an-address\" is not an address like 127.0.0.1:8080",
        ),
        (
            flags(),
            r#"public_url = "ftp://files.example.org""#,
            "public_url in holdspace.toml: expected an http:// or https:// address",
        ),
        (
            SettingsArgs {
                trust_proxy: Some("maybe".into()),
                ..flags()
            },
            "",
            "--trust-proxy: expected true or false, not \"maybe\"",
        ),
        (
            flags(),
            r#"job_retry_base_ms = "soon""#,
            "job_retry_base_ms in holdspace.toml: \"soon\" is not a number of milliseconds",
        ),
    ];
    for (given, file, expected) in cases {
        let message = error(given, file);
        assert!(message.starts_with(expected), "{message}");
    }
    let file_cases = [
        (
            r#"reminders = "1d""#,
            "reminders in holdspace.toml: reminder \"1d\" is not like 24h or 90m",
        ),
        (
            r#"database_url = "mysql://u:hunter2@db/x""#,
            "database_url in holdspace.toml: expected a postgres://",
        ),
        (
            r#"smtp_url = "http://u:hunter2@mail.example.org""#,
            "smtp_url in holdspace.toml: expected smtp://host:port or smtps://",
        ),
        (
            r#"smtp_url = "smtp://u:hunter2@mail.example.org?tls=maybe""#,
            "smtp_url in holdspace.toml: expected smtp://",
        ),
        (
            r#"smtp_url = "smtps://u:hunter2@:25""#,
            "smtp_url in holdspace.toml: expected smtp://",
        ),
        (
            r#"stun_urls = "http://stun.example.org""#,
            "stun_urls in holdspace.toml: \"http://stun.example.org\" is not a stun: address",
        ),
        (
            "turn_urls = \"turn://relay.example.org:3478\"\nturn_secret = \"s\"",
            "turn_urls in holdspace.toml: \"turn://relay.example.org:3478\" is not a turn: address",
        ),
        (
            "turn_urls = \"turn:relay.example.org:99999\"\nturn_secret = \"s\"",
            "turn_urls in holdspace.toml: \"turn:relay.example.org:99999\" is not a turn: address",
        ),
        (
            "turn_urls = \"turn:relay.example.org?transport=sctp\"\nturn_secret = \"s\"",
            "turn_urls in holdspace.toml: \"turn:relay.example.org?transport=sctp\" is not",
        ),
        (
            r#"turn_urls = "turn:relay.example.org:3478""#,
            "turn_urls in holdspace.toml is set but turn_secret",
        ),
    ];
    for (file, expected) in file_cases {
        let message = error(flags(), file);
        assert!(message.starts_with(expected), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
    let key = SettingsArgs {
        master_key: Some("abcd".into()),
        ..flags()
    };
    assert!(error(key, "").starts_with("--master-key: the master key must be 64 hex characters"));
}

#[test]
fn addresses_are_parsed_as_urls() {
    assert_eq!(
        check::public_url("HTTPS://Practice.Example.org:443/").unwrap(),
        "https://practice.example.org"
    );
    assert!(check::public_url("https://u:p@practice.example.org").is_err());
    assert!(check::public_url("practice.example.org").is_err());
    for ok in [
        "postgres://u:p@127.0.0.1:5432/test",
        "postgresql://db/x",
        "sqlite::memory:",
        "sqlite://data/holdspace.sqlite?mode=rwc",
    ] {
        assert!(check::database_url(ok).is_ok(), "{ok}");
    }
    assert!(check::database_url("postgres:///x").is_err());
    for ok in [
        "smtp://127.0.0.1:2525",
        "smtps://user:pass@mail.example.org",
        "smtp://mail.example.org:587?tls=required",
    ] {
        assert!(check::smtp_url(ok).is_ok(), "{ok}");
    }
    let turn = check::ice_urls(
        "turn:127.0.0.1:3478?transport=udp, turns:relay.example:5349,turn:[::1]:3478",
        check::Ice::Turn,
    )
    .unwrap();
    assert_eq!(turn.len(), 3);
    assert!(check::ice_urls("stun:stun.example.org", check::Ice::Stun).is_ok());
    for bad in [
        "stun:",
        "stun:host:",
        "stun:host:0",
        "stun:[::1",
        "stun:a b",
        "stun:host?transport=udp",
        "turn:host",
    ] {
        assert!(check::ice_urls(bad, check::Ice::Stun).is_err(), "{bad}");
    }
}

#[test]
fn passwords_never_appear_in_messages() {
    assert_eq!(
        check::without_password("postgres://u:secret@db:5432/x"),
        "postgres://u:***@db:5432/x"
    );
    assert_eq!(
        check::without_password("postgres://db/x"),
        "postgres://db/x"
    );
    assert_eq!(check::without_password("u:secret@db"), "(not shown)");
}

#[test]
fn reminders_read_like_24h_and_90m() {
    assert_eq!(
        check::reminders("24h, 90m").unwrap(),
        [
            jiff::SignedDuration::from_hours(24),
            jiff::SignedDuration::from_mins(90)
        ]
    );
    assert!(check::reminders("").unwrap().is_empty());
    for bad in ["24", "1d", "-3h", "h", "99999h"] {
        assert!(check::reminders(bad).is_err(), "{bad}");
    }
}

#[test]
fn an_unknown_key_in_the_file_is_named_with_its_line() {
    let dir = std::env::temp_dir().join(format!("holdspace-config-{}", store::random_hex(4)));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("holdspace.toml");
    std::fs::write(&path, "listen = \"127.0.0.1:1\"\nsmtp_host = \"mail\"\n").unwrap();
    let message = match read_file(&path) {
        Ok(_) => panic!("accepted an unknown key"),
        Err(message) => message,
    };
    assert!(
        message.contains("smtp_host") && message.contains("line 2"),
        "{message}"
    );
    // The master key and the file's own name are not settings a file can carry.
    std::fs::write(&path, "master_key = \"00\"\n").unwrap();
    assert!(read_file(&path).is_err_and(|m| m.contains("master_key")));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn debug_output_shows_no_secret() {
    let master = "ab".repeat(32);
    let given = SettingsArgs {
        master_key: Some(master.clone().into()),
        turn_secret: Some("turn-secret-north-wind".into()),
        stripe_secret_key: Some("sk_test_stripeKeyHeron".into()),
        metrics_token: Some("metricsTokenPlover-0123456789".into()),
        ..flags()
    };
    let file = r#"
        smtp_url = "smtps://mailer:smtp-password-lark@mail.example.org"
        database_url = "postgres://holdspace:db-password-wren@127.0.0.1:5432/test"
        turn_urls = "turn:127.0.0.1:3478"
        stripe_webhook_secret = "whsec_hookSecretKestrel"
    "#;
    let settings = merge(given.clone(), file).unwrap();
    let shown = format!(
        "{settings:?}\n{settings:#?}\n{:?}\n{given:?}\n{}",
        settings.app_config(),
        settings.describe().join("\n")
    );
    for secret in [
        master.as_str(),
        "turn-secret-north-wind",
        "smtp-password-lark",
        "db-password-wren",
        "stripeKeyHeron",
        "hookSecretKestrel",
        "metricsTokenPlover",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("[REDACTED]"));
    // The secrets are still there for the one place that needs each.
    assert_eq!(settings.master_keys().unwrap().len(), 1);
    assert!(settings.db_config().url.contains("db-password-wren"));
}

#[test]
fn every_key_has_its_flag_and_variable_by_one_rule() {
    let command = SettingsArgs::augment_args(clap::Command::new("t"));
    let mut keys = 0;
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        assert_eq!(arg.get_long(), Some(id.replace('_', "-").as_str()), "{id}");
        assert_eq!(
            arg.get_env().and_then(|e| e.to_str()),
            Some(format!("HOLDSPACE_{}", id.to_uppercase()).as_str()),
            "{id}"
        );
        keys += 1;
    }
    assert_eq!(keys, 41);
}

#[test]
fn the_proxies_in_front_are_addresses_from_the_file_or_a_variable() {
    let s = merge(
        flags(),
        r#"
        trust_proxy = true
        trusted_proxies = ["10.0.0.2", "2001:db8::7"]
    "#,
    )
    .unwrap();
    assert_eq!(
        s.trusted_proxies,
        vec![
            "10.0.0.2".parse::<std::net::IpAddr>().unwrap(),
            "2001:db8::7".parse().unwrap()
        ]
    );
    let given = SettingsArgs {
        trusted_proxies: Some("10.0.0.0/8".into()),
        ..flags()
    };
    assert!(error(given, "").contains("ranges are not taken"));
    assert!(merge(flags(), "").unwrap().trusted_proxies.is_empty());
}

#[test]
fn connection_limits_have_defaults_and_take_whole_numbers() {
    let defaults = merge(flags(), "").unwrap();
    assert_eq!(defaults.limits, web::ConnLimits::default());
    assert_eq!(defaults.limits.per_address, 64);
    // Behind a proxy every connection is the proxy's: no cap per address unless one is given.
    let proxied = merge(flags(), "trust_proxy = true").unwrap();
    assert_eq!(proxied.limits.per_address, 0);
    let proxied = merge(
        flags(),
        "trust_proxy = true\nmax_connections_per_address = 500",
    )
    .unwrap();
    assert_eq!(proxied.limits.per_address, 500);

    let file = r#"
        max_connections = 2000
        max_connections_per_address = "16"
        header_timeout_secs = 5
        body_timeout_secs = 30
    "#;
    let given = SettingsArgs {
        max_connections: Some("3000".into()),
        ..flags()
    };
    let s = merge(given, file).unwrap();
    assert_eq!(
        s.limits,
        web::ConnLimits {
            total: 3000,
            per_address: 16,
            header_timeout: std::time::Duration::from_secs(5),
            body_timeout: std::time::Duration::from_secs(30),
        }
    );
    assert_eq!(s.origin("max_connections"), "--max-connections");

    for (file, expected) in [
        (
            "max_connections = 0",
            "max_connections in holdspace.toml: expected a whole number of at least 1, not \"0\"",
        ),
        (
            "max_connections_per_address = -1",
            "max_connections_per_address in holdspace.toml: expected a whole number, not \"-1\"",
        ),
        (
            r#"header_timeout_secs = "20s""#,
            "header_timeout_secs in holdspace.toml: expected a whole number, not \"20s\"",
        ),
        (
            "body_timeout_secs = 0",
            "body_timeout_secs in holdspace.toml: expected a whole number of at least 1",
        ),
    ] {
        let message = error(flags(), file);
        assert!(message.starts_with(expected), "{message}");
    }
}

#[test]
fn stripe_takes_both_secrets_or_neither_and_a_checked_address() {
    let off = merge(flags(), "").unwrap();
    assert!(off.stripe.is_none() && off.app_config().stripe.is_none());

    let both = r#"
        stripe_secret_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
        stripe_webhook_secret = "whsec_abc123"
    "#;
    let on = merge(flags(), both).unwrap();
    let stripe = on.app_config().stripe.unwrap();
    assert_eq!(stripe.api_base.as_str(), "https://api.stripe.com/");
    assert_eq!(stripe.tolerance, app::stripe::DEFAULT_TOLERANCE);
    assert_eq!(
        stripe.secret_key.expose_secret(),
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
    );

    // A stand-in on loopback, given without its trailing slash.
    let standin = merge(
        SettingsArgs {
            stripe_api_base: Some("http://127.0.0.1:4242".into()),
            ..flags()
        },
        both,
    )
    .unwrap();
    let base = standin.stripe.unwrap().api_base;
    assert_eq!(
        base.join("v1/checkout/sessions").unwrap().as_str(),
        "http://127.0.0.1:4242/v1/checkout/sessions"
    );

    for (file, expected) in [
        (
            r#"stripe_secret_key = "sk_test_heronsecret""#,
            "stripe_secret_key in holdspace.toml is set but stripe_webhook_secret",
        ),
        (
            r#"stripe_webhook_secret = "whsec_heronsecret""#,
            "stripe_webhook_secret in holdspace.toml is set but stripe_secret_key",
        ),
        (
            r#"stripe_api_base = "https://api.stripe.com""#,
            "stripe_api_base in holdspace.toml is set but stripe_secret_key and",
        ),
        (
            "stripe_secret_key = \"pk_test_heronsecret\"\nstripe_webhook_secret = \"whsec_a\"",
            "stripe_secret_key in holdspace.toml: expected Stripe's secret key",
        ),
        (
            "stripe_secret_key = \"sk_test_a\"\nstripe_webhook_secret = \"heronsecret\"",
            "stripe_webhook_secret in holdspace.toml: expected the webhook's signing secret",
        ),
        (
            "stripe_secret_key = \"sk_test_a b\"\nstripe_webhook_secret = \"whsec_a\"",
            "stripe_secret_key in holdspace.toml: expected",
        ),
    ] {
        let message = error(flags(), file);
        assert!(message.starts_with(expected), "{message}");
        assert!(!message.contains("heronsecret"), "{message}");
    }
    for base in [
        "http://api.stripe.com",
        "ftp://127.0.0.1",
        "https://user:pw@api.stripe.com",
        "https://api.stripe.com/?x=1",
        "not a url",
        "",
    ] {
        let given = SettingsArgs {
            stripe_api_base: Some(base.into()),
            ..flags()
        };
        let result = merge(given, both);
        match base {
            // Blank counts as not given, like every other key.
            "" => assert!(result.is_ok()),
            _ => assert!(
                result.is_err_and(|m| m.starts_with("--stripe-api-base: expected https://")),
                "{base}"
            ),
        }
    }
}

#[test]
fn scheduled_backups_need_a_recipient_and_whole_keep_counts() {
    let recipient = app::backup::Identity::generate().to_public().to_string();
    let e = error(flags(), "backup_dir = \"/var/backups/practice\"");
    assert!(e.contains("backup_recipient"), "{e}");
    let e = error(flags(), "backup_recipient = \"age1notakey\"");
    assert!(e.starts_with("backup_recipient in"), "{e}");
    let e = error(
        flags(),
        &format!("backup_recipient = \"{recipient}\"\nbackup_keep_daily = \"-1\""),
    );
    assert!(e.starts_with("backup_keep_daily in"), "{e}");
    let s = merge(
        flags(),
        &format!(
            "backup_dir = \"/var/backups/practice\"\nbackup_recipient = \"{recipient}\"\nbackup_keep_monthly = \"24\""
        ),
    )
    .unwrap();
    let schedule = s.app_config().backups.unwrap();
    assert_eq!(schedule.recipient, recipient);
    assert_eq!(
        (
            schedule.keep.daily,
            schedule.keep.weekly,
            schedule.keep.monthly
        ),
        (7, 4, 24)
    );
    assert!(merge(flags(), "").unwrap().app_config().backups.is_none());
}

#[test]
fn log_format_and_the_metrics_settings_are_checked() {
    let s = merge(flags(), "").unwrap();
    assert_eq!(s.log_format, check::LogFormat::Text);
    assert!(s.metrics_token.is_none() && s.metrics_listen.is_none());
    let s = merge(
        SettingsArgs {
            log_format: Some("JSON".into()),
            ..flags()
        },
        "metrics_listen = \"127.0.0.1:9100\"\nmetrics_token = \"0123456789abcdef0123\"",
    )
    .unwrap();
    assert_eq!(s.log_format, check::LogFormat::Json);
    assert_eq!(s.metrics_listen, Some("127.0.0.1:9100".parse().unwrap()));
    assert!(s
        .describe()
        .iter()
        .any(|l| l.starts_with("metrics_token = [REDACTED]")));
    for (file, expected) in [
        (
            "log_format = \"yaml\"",
            "log_format in holdspace.toml: expected text or json, not \"yaml\"",
        ),
        ("log_format = \"\"", ""),
        (
            "metrics_token = \"short\"",
            "metrics_token in holdspace.toml: the token must be at least 16 characters",
        ),
        (
            "metrics_token = \"with spaces in it, long enough\"",
            "printable ASCII without spaces",
        ),
        (
            "metrics_listen = \"9100\"",
            "metrics_listen in holdspace.toml: \"9100\" is not an address",
        ),
        (
            "metrics_listen = \"127.0.0.1:8080\"",
            "the metrics need an address of their own",
        ),
    ] {
        match merge(flags(), file) {
            // An empty value counts as not given.
            Ok(s) => assert!(
                expected.is_empty() && s.log_format == check::LogFormat::Text,
                "{file}"
            ),
            Err(message) => assert!(
                message.contains(expected) && !expected.is_empty(),
                "{file}: {message}"
            ),
        }
    }
}
