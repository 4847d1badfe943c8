//! Every setting as given: one field per key, named alike for the flag, the variable and the file.

use super::check;
use clap::Args;
use secrecy::SecretString;
use serde::Deserialize;
use std::path::PathBuf;

/// Every setting as given, before it is checked. clap fills one from the command line and the
/// environment, serde another from the file (whose keys are these field names).
#[derive(Args, Deserialize, Clone, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct SettingsArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "HOLDSPACE_LISTEN", value_name = "ADDR")]
    pub(super) listen: Option<String>,
    /// Where the SQLite database, the master key and uploads live [default: ./holdspace-data].
    #[arg(long = "data-dir", env = "HOLDSPACE_DATA_DIR", value_name = "DIR")]
    pub(super) data_dir: Option<PathBuf>,
    /// postgres://… to use PostgreSQL instead of SQLite in the data directory.
    #[arg(
        long = "database-url",
        env = "HOLDSPACE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(super) database_url: Option<SecretString>,
    /// A TOML file with any of these settings by their names with underscores (listen, data_dir, …).
    #[arg(long, env = "HOLDSPACE_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub(super) config: Option<PathBuf>,
    /// The address people reach the practice at, for links in mail [default: http://ADDR].
    #[arg(long = "public-url", env = "HOLDSPACE_PUBLIC_URL", value_name = "URL")]
    pub(super) public_url: Option<String>,
    /// smtp://host:port or smtps://user:pass@host; without it mail stays in the admin's dev mailbox.
    #[arg(
        long = "smtp-url",
        env = "HOLDSPACE_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(super) smtp_url: Option<SecretString>,
    /// The sender of the practice's mail [default: holdspace@localhost].
    #[arg(
        long = "mail-from",
        env = "HOLDSPACE_MAIL_FROM",
        value_name = "ADDRESS"
    )]
    pub(super) mail_from: Option<String>,
    /// 64 hex characters (two, comma-separated, during a rotation) [default: master.key in DIR].
    #[arg(
        long = "master-key",
        env = "HOLDSPACE_MASTER_KEY",
        value_name = "HEX",
        hide_env_values = true
    )]
    #[serde(skip)]
    pub(super) master_key: Option<SecretString>,
    /// When reminders go out before an appointment, e.g. 48h,90m [default: 24h,1h]; empty for none.
    #[arg(long, env = "HOLDSPACE_REMINDERS", value_name = "LIST")]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) reminders: Option<String>,
    /// true behind a reverse proxy you run: the client address comes from X-Forwarded-For.
    #[arg(
        long = "trust-proxy",
        env = "HOLDSPACE_TRUST_PROXY",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) trust_proxy: Option<String>,
    /// With trust_proxy: comma-separated addresses of further proxies in front (a CDN, a load
    /// balancer), skipped from the right of X-Forwarded-For [default: none].
    #[arg(
        long = "trusted-proxies",
        env = "HOLDSPACE_TRUSTED_PROXIES",
        value_name = "ADDRESSES"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) trusted_proxies: Option<String>,
    /// Open connections in all; refused with 503 past it [default: 10000, less when the process may
    /// open fewer files].
    #[arg(
        long = "max-connections",
        env = "HOLDSPACE_MAX_CONNECTIONS",
        value_name = "N"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) max_connections: Option<String>,
    /// Open connections from one address (an IPv6 /64); refused with 429 past it; 0 for no cap
    /// [default: 64, none with trust_proxy, where every connection is the proxy's].
    #[arg(
        long = "max-connections-per-address",
        env = "HOLDSPACE_MAX_CONNECTIONS_PER_ADDRESS",
        value_name = "N"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) max_connections_per_address: Option<String>,
    /// Seconds a client may take to send a request's head, or to start the next one on a kept-alive
    /// connection [default: 20].
    #[arg(
        long = "header-timeout-secs",
        env = "HOLDSPACE_HEADER_TIMEOUT_SECS",
        value_name = "SECONDS"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) header_timeout_secs: Option<String>,
    /// Seconds a client may take to send a request's body, an upload included [default: 120].
    #[arg(
        long = "body-timeout-secs",
        env = "HOLDSPACE_BODY_TIMEOUT_SECS",
        value_name = "SECONDS"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) body_timeout_secs: Option<String>,
    /// Comma-separated stun: addresses [default: none, so no third party learns who calls whom].
    #[arg(long = "stun-urls", env = "HOLDSPACE_STUN_URLS", value_name = "URLS")]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) stun_urls: Option<String>,
    /// Comma-separated turn:/turns: addresses of a relay that shares the TURN secret.
    #[arg(long = "turn-urls", env = "HOLDSPACE_TURN_URLS", value_name = "URLS")]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) turn_urls: Option<String>,
    /// The relay's shared secret (coturn's static-auth-secret).
    #[arg(
        long = "turn-secret",
        env = "HOLDSPACE_TURN_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub(super) turn_secret: Option<SecretString>,
    /// Stripe's secret API key (sk_live_… or sk_test_…) for online card payment; with
    /// stripe_webhook_secret, or neither.
    #[arg(
        long = "stripe-secret-key",
        env = "HOLDSPACE_STRIPE_SECRET_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub(super) stripe_secret_key: Option<SecretString>,
    /// The signing secret (whsec_…) of the webhook endpoint /payments/stripe/webhook.
    #[arg(
        long = "stripe-webhook-secret",
        env = "HOLDSPACE_STRIPE_WEBHOOK_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub(super) stripe_webhook_secret: Option<SecretString>,
    /// Stripe's API address [default: https://api.stripe.com]; tests point it at a stand-in.
    #[arg(
        long = "stripe-api-base",
        env = "HOLDSPACE_STRIPE_API_BASE",
        value_name = "URL"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) stripe_api_base: Option<String>,
    /// The audit log's checkpoints, appended outside the database
    /// [default: audit-checkpoints.log in DIR]; keep it where the backups go.
    #[arg(
        long = "audit-checkpoint-file",
        env = "HOLDSPACE_AUDIT_CHECKPOINT_FILE",
        value_name = "FILE"
    )]
    pub(super) audit_checkpoint_file: Option<PathBuf>,
    /// true to mail the owner each daily audit checkpoint (its count and fingerprint only)
    /// [default: false].
    #[arg(
        long = "audit-checkpoint-mail",
        env = "HOLDSPACE_AUDIT_CHECKPOINT_MAIL",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) audit_checkpoint_mail: Option<String>,
    /// Where `serve` writes a backup once a day [default: none, no scheduled backups]; not beside
    /// the master key.
    #[arg(long = "backup-dir", env = "HOLDSPACE_BACKUP_DIR", value_name = "DIR")]
    pub(super) backup_dir: Option<PathBuf>,
    /// The age public key (age1…) backups are encrypted to; its private key stays off the server.
    #[arg(
        long = "backup-recipient",
        env = "HOLDSPACE_BACKUP_RECIPIENT",
        value_name = "AGE_KEY"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) backup_recipient: Option<String>,
    /// Scheduled backups kept: the newest of each of the last N days [default: 7].
    #[arg(
        long = "backup-keep-daily",
        env = "HOLDSPACE_BACKUP_KEEP_DAILY",
        value_name = "N"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) backup_keep_daily: Option<String>,
    /// … of the last N weeks [default: 4].
    #[arg(
        long = "backup-keep-weekly",
        env = "HOLDSPACE_BACKUP_KEEP_WEEKLY",
        value_name = "N"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) backup_keep_weekly: Option<String>,
    /// … of the last N months [default: 12].
    #[arg(
        long = "backup-keep-monthly",
        env = "HOLDSPACE_BACKUP_KEEP_MONTHLY",
        value_name = "N"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) backup_keep_monthly: Option<String>,
    /// The first retry delay of a failed job; tests shorten it.
    #[arg(
        long = "job-retry-base-ms",
        env = "HOLDSPACE_JOB_RETRY_BASE_MS",
        hide = true
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) job_retry_base_ms: Option<String>,
    /// The instant a debug build believes it starts at (e2e tests); see `clock.rs`.
    #[arg(long = "test-now", env = "HOLDSPACE_TEST_NOW", hide = true)]
    #[serde(skip)]
    pub(super) test_now: Option<String>,
    /// How log lines are written: text (for people) or json (one object per line, for a log
    /// collector) [default: text].
    #[arg(
        long = "log-format",
        env = "HOLDSPACE_LOG_FORMAT",
        value_name = "FORMAT"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) log_format: Option<String>,
    /// A bearer token that opens /metrics (Prometheus) on the practice's address [default: none,
    /// /metrics is not found there].
    #[arg(
        long = "metrics-token",
        env = "HOLDSPACE_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub(super) metrics_token: Option<SecretString>,
    /// An address of its own where /metrics is served without a token, e.g. 127.0.0.1:9100
    /// [default: none].
    #[arg(
        long = "metrics-listen",
        env = "HOLDSPACE_METRICS_LISTEN",
        value_name = "ADDR"
    )]
    pub(super) metrics_listen: Option<String>,
    /// The practice's domain (practice.example.org): serve HTTPS with a certificate obtained and
    /// renewed by ACME, and plain HTTP that redirects to it [default: none, plain HTTP on listen,
    /// behind a TLS-terminating proxy].
    #[arg(long, env = "HOLDSPACE_DOMAIN", value_name = "NAME")]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) domain: Option<String>,
    /// With domain: where HTTPS listens [default: 0.0.0.0:443].
    #[arg(
        long = "https-listen",
        env = "HOLDSPACE_HTTPS_LISTEN",
        value_name = "ADDR"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) https_listen: Option<String>,
    /// With domain: where plain HTTP listens, for ACME's HTTP-01 challenges and redirects to
    /// HTTPS [default: 0.0.0.0:80].
    #[arg(
        long = "http-listen",
        env = "HOLDSPACE_HTTP_LISTEN",
        value_name = "ADDR"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) http_listen: Option<String>,
    /// With domain: the ACME directory certificates come from
    /// [default: Let's Encrypt, https://acme-v02.api.letsencrypt.org/directory].
    #[arg(
        long = "acme-directory",
        env = "HOLDSPACE_ACME_DIRECTORY",
        value_name = "URL"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) acme_directory: Option<String>,
    /// With domain: the address the certificate authority writes to about the certificate
    /// (expiry, problems) [default: none].
    #[arg(
        long = "acme-email",
        env = "HOLDSPACE_ACME_EMAIL",
        value_name = "ADDRESS"
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) acme_email: Option<String>,
    /// With domain: a PEM root certificate to trust for the ACME directory's own HTTPS (a private
    /// or test CA) [default: the system's roots].
    #[arg(
        long = "acme-ca-file",
        env = "HOLDSPACE_ACME_CA_FILE",
        value_name = "FILE"
    )]
    pub(super) acme_ca_file: Option<PathBuf>,
    /// Renew when less than this many seconds of the certificate remain, instead of the rule
    /// (a third of its lifetime, at most 30 days); tests make a stored certificate due with it.
    #[arg(
        long = "acme-renew-before-secs",
        env = "HOLDSPACE_ACME_RENEW_BEFORE_SECS",
        hide = true
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) acme_renew_before_secs: Option<String>,
    /// Seconds between certificate checks [default: 43200, twelve hours]; tests shorten it.
    #[arg(
        long = "acme-check-secs",
        env = "HOLDSPACE_ACME_CHECK_SECS",
        hide = true
    )]
    #[serde(default, deserialize_with = "check::text")]
    pub(super) acme_check_secs: Option<String>,
}
