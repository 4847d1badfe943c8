//! Settings: one struct filled from flags, then `HOLDSPACE_*` variables, then a TOML file, then defaults.
//!
//! clap reads a flag and its variable for every key; serde reads the file into the same struct, so a
//! key has one name everywhere (`data_dir`, `--data-dir`, `HOLDSPACE_DATA_DIR`). `Settings::resolve`
//! merges the two layers once and checks every value, naming the key the way the operator wrote it.

mod check;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Every setting as given, before it is checked. clap fills one from the command line and the
/// environment, serde another from the file (whose keys are these field names).
#[derive(Args, Deserialize, Clone, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct SettingsArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "HOLDSPACE_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// Where the SQLite database, the master key and uploads live [default: ./holdspace-data].
    #[arg(long = "data-dir", env = "HOLDSPACE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// postgres://… to use PostgreSQL instead of SQLite in the data directory.
    #[arg(
        long = "database-url",
        env = "HOLDSPACE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<SecretString>,
    /// A TOML file with any of these settings by their names with underscores (listen, data_dir, …).
    #[arg(long, env = "HOLDSPACE_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// The address people reach the practice at, for links in mail [default: http://ADDR].
    #[arg(long = "public-url", env = "HOLDSPACE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// smtp://host:port or smtps://user:pass@host; without it mail stays in the admin's dev mailbox.
    #[arg(
        long = "smtp-url",
        env = "HOLDSPACE_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    smtp_url: Option<SecretString>,
    /// The sender of the practice's mail [default: holdspace@localhost].
    #[arg(
        long = "mail-from",
        env = "HOLDSPACE_MAIL_FROM",
        value_name = "ADDRESS"
    )]
    mail_from: Option<String>,
    /// 64 hex characters (two, comma-separated, during a rotation) [default: master.key in DIR].
    #[arg(
        long = "master-key",
        env = "HOLDSPACE_MASTER_KEY",
        value_name = "HEX",
        hide_env_values = true
    )]
    #[serde(skip)]
    master_key: Option<SecretString>,
    /// When reminders go out before an appointment, e.g. 48h,90m [default: 24h,1h]; empty for none.
    #[arg(long, env = "HOLDSPACE_REMINDERS", value_name = "LIST")]
    #[serde(default, deserialize_with = "check::text")]
    reminders: Option<String>,
    /// true behind a reverse proxy you run: the client address comes from X-Forwarded-For.
    #[arg(
        long = "trust-proxy",
        env = "HOLDSPACE_TRUST_PROXY",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    #[serde(default, deserialize_with = "check::text")]
    trust_proxy: Option<String>,
    /// With trust_proxy: comma-separated addresses of further proxies in front (a CDN, a load
    /// balancer), skipped from the right of X-Forwarded-For [default: none].
    #[arg(
        long = "trusted-proxies",
        env = "HOLDSPACE_TRUSTED_PROXIES",
        value_name = "ADDRESSES"
    )]
    #[serde(default, deserialize_with = "check::text")]
    trusted_proxies: Option<String>,
    /// Open connections in all; refused with 503 past it [default: 10000, less when the process may
    /// open fewer files].
    #[arg(
        long = "max-connections",
        env = "HOLDSPACE_MAX_CONNECTIONS",
        value_name = "N"
    )]
    #[serde(default, deserialize_with = "check::text")]
    max_connections: Option<String>,
    /// Open connections from one address (an IPv6 /64); refused with 429 past it; 0 for no cap
    /// [default: 64, none with trust_proxy, where every connection is the proxy's].
    #[arg(
        long = "max-connections-per-address",
        env = "HOLDSPACE_MAX_CONNECTIONS_PER_ADDRESS",
        value_name = "N"
    )]
    #[serde(default, deserialize_with = "check::text")]
    max_connections_per_address: Option<String>,
    /// Seconds a client may take to send a request's head, or to start the next one on a kept-alive
    /// connection [default: 20].
    #[arg(
        long = "header-timeout-secs",
        env = "HOLDSPACE_HEADER_TIMEOUT_SECS",
        value_name = "SECONDS"
    )]
    #[serde(default, deserialize_with = "check::text")]
    header_timeout_secs: Option<String>,
    /// Seconds a client may take to send a request's body, an upload included [default: 120].
    #[arg(
        long = "body-timeout-secs",
        env = "HOLDSPACE_BODY_TIMEOUT_SECS",
        value_name = "SECONDS"
    )]
    #[serde(default, deserialize_with = "check::text")]
    body_timeout_secs: Option<String>,
    /// Comma-separated stun: addresses [default: none, so no third party learns who calls whom].
    #[arg(long = "stun-urls", env = "HOLDSPACE_STUN_URLS", value_name = "URLS")]
    #[serde(default, deserialize_with = "check::text")]
    stun_urls: Option<String>,
    /// Comma-separated turn:/turns: addresses of a relay that shares the TURN secret.
    #[arg(long = "turn-urls", env = "HOLDSPACE_TURN_URLS", value_name = "URLS")]
    #[serde(default, deserialize_with = "check::text")]
    turn_urls: Option<String>,
    /// The relay's shared secret (coturn's static-auth-secret).
    #[arg(
        long = "turn-secret",
        env = "HOLDSPACE_TURN_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    turn_secret: Option<SecretString>,
    /// Stripe's secret API key (sk_live_… or sk_test_…) for online card payment; with
    /// stripe_webhook_secret, or neither.
    #[arg(
        long = "stripe-secret-key",
        env = "HOLDSPACE_STRIPE_SECRET_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    stripe_secret_key: Option<SecretString>,
    /// The signing secret (whsec_…) of the webhook endpoint /payments/stripe/webhook.
    #[arg(
        long = "stripe-webhook-secret",
        env = "HOLDSPACE_STRIPE_WEBHOOK_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    stripe_webhook_secret: Option<SecretString>,
    /// Stripe's API address [default: https://api.stripe.com]; tests point it at a stand-in.
    #[arg(
        long = "stripe-api-base",
        env = "HOLDSPACE_STRIPE_API_BASE",
        value_name = "URL"
    )]
    #[serde(default, deserialize_with = "check::text")]
    stripe_api_base: Option<String>,
    /// The audit log's checkpoints, appended outside the database
    /// [default: audit-checkpoints.log in DIR]; keep it where the backups go.
    #[arg(
        long = "audit-checkpoint-file",
        env = "HOLDSPACE_AUDIT_CHECKPOINT_FILE",
        value_name = "FILE"
    )]
    audit_checkpoint_file: Option<PathBuf>,
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
    audit_checkpoint_mail: Option<String>,
    /// Where `serve` writes a backup once a day [default: none, no scheduled backups]; not beside
    /// the master key.
    #[arg(long = "backup-dir", env = "HOLDSPACE_BACKUP_DIR", value_name = "DIR")]
    backup_dir: Option<PathBuf>,
    /// The age public key (age1…) backups are encrypted to; its private key stays off the server.
    #[arg(
        long = "backup-recipient",
        env = "HOLDSPACE_BACKUP_RECIPIENT",
        value_name = "AGE_KEY"
    )]
    #[serde(default, deserialize_with = "check::text")]
    backup_recipient: Option<String>,
    /// Scheduled backups kept: the newest of each of the last N days [default: 7].
    #[arg(
        long = "backup-keep-daily",
        env = "HOLDSPACE_BACKUP_KEEP_DAILY",
        value_name = "N"
    )]
    #[serde(default, deserialize_with = "check::text")]
    backup_keep_daily: Option<String>,
    /// … of the last N weeks [default: 4].
    #[arg(
        long = "backup-keep-weekly",
        env = "HOLDSPACE_BACKUP_KEEP_WEEKLY",
        value_name = "N"
    )]
    #[serde(default, deserialize_with = "check::text")]
    backup_keep_weekly: Option<String>,
    /// … of the last N months [default: 12].
    #[arg(
        long = "backup-keep-monthly",
        env = "HOLDSPACE_BACKUP_KEEP_MONTHLY",
        value_name = "N"
    )]
    #[serde(default, deserialize_with = "check::text")]
    backup_keep_monthly: Option<String>,
    /// The first retry delay of a failed job; tests shorten it.
    #[arg(
        long = "job-retry-base-ms",
        env = "HOLDSPACE_JOB_RETRY_BASE_MS",
        hide = true
    )]
    #[serde(default, deserialize_with = "check::text")]
    job_retry_base_ms: Option<String>,
    /// The instant a debug build believes it starts at (e2e tests); see `clock.rs`.
    #[arg(long = "test-now", env = "HOLDSPACE_TEST_NOW", hide = true)]
    #[serde(skip)]
    test_now: Option<String>,
}

/// The checked settings. `Debug` shows `[REDACTED]` for the database and SMTP addresses (both may
/// carry a password), the TURN secret, the Stripe keys and the master key.
#[derive(Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    database_url: Option<SecretString>,
    pub public_url: String,
    smtp_url: Option<SecretString>,
    pub mail_from: String,
    pub trust_proxy: bool,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The connection caps and the request deadlines. `total` is as given (or the default):
    /// `serve` lowers it to what the open-files limit allows.
    pub limits: web::ConnLimits,
    pub job_retry_base_ms: u64,
    pub reminders: Vec<jiff::SignedDuration>,
    pub ice: app::turn::IceConfig,
    /// Online card payment; `None` without Stripe's keys.
    pub stripe: Option<app::stripe::Config>,
    /// Debug builds only: the instant the server's clock starts at.
    pub test_now: Option<String>,
    pub audit_checkpoint_file: PathBuf,
    pub audit_checkpoint_mail: bool,
    /// The age recipient backups are encrypted to, if one is set.
    pub backup_recipient: Option<app::backup::Recipient>,
    /// Scheduled backups: where, and how many are kept.
    pub backup_dir: Option<PathBuf>,
    pub backup_keep: app::backup::keep::Keep,
    master_key: Option<SecretString>,
    /// Where each value that was given came from: `--listen`, `HOLDSPACE_LISTEN` or the file.
    origins: BTreeMap<&'static str, String>,
}

/// One value and the name its operator gave it by, for messages.
struct Given<T> {
    value: T,
    from: String,
}

/// The two layers: what clap read (and whether from a flag or a variable), and the file.
struct Layers<'a> {
    matches: Option<&'a ArgMatches>,
    file: Option<&'a Path>,
    origins: BTreeMap<&'static str, String>,
}

impl Layers<'_> {
    /// The command line's value if it is not blank, else the file's. clap has already let a flag
    /// win over its variable.
    fn pick<T: check::Blank>(
        &mut self,
        key: &'static str,
        given: Option<T>,
        file: Option<T>,
    ) -> Option<Given<T>> {
        let from = match (
            given.filter(|v| !v.is_blank()),
            file.filter(|v| !v.is_blank()),
        ) {
            (Some(value), _) => Some((value, self.given_name(key))),
            (None, Some(value)) => Some((value, self.file_name(key))),
            (None, None) => None,
        };
        let (value, from) = from?;
        self.origins.insert(key, from.clone());
        Some(Given { value, from })
    }

    /// Like `pick`, but an empty value counts: `reminders = ""` means none.
    fn pick_keeping_empty(
        &mut self,
        key: &'static str,
        given: Option<String>,
        file: Option<String>,
    ) -> Option<Given<String>> {
        let picked = match (given, file) {
            (Some(value), _) => Given {
                value,
                from: self.given_name(key),
            },
            (None, Some(value)) => Given {
                value,
                from: self.file_name(key),
            },
            (None, None) => return None,
        };
        self.origins.insert(key, picked.from.clone());
        Some(picked)
    }

    fn given_name(&self, key: &str) -> String {
        match self.matches.and_then(|m| m.value_source(key)) {
            Some(ValueSource::EnvVariable) => format!("HOLDSPACE_{}", key.to_uppercase()),
            _ => format!("--{}", key.replace('_', "-")),
        }
    }

    fn file_name(&self, key: &str) -> String {
        match self.file {
            Some(path) => format!("{key} in {}", path.display()),
            None => key.to_string(),
        }
    }
}

/// The innermost subcommand's matches: the one that carries the settings' flags.
fn leaf(matches: &ArgMatches) -> &ArgMatches {
    match matches.subcommand() {
        Some((_, sub)) => leaf(sub),
        None => matches,
    }
}

fn read_file(path: &Path) -> Result<SettingsArgs, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .and_then(|span| text.get(..span.start))
            .map(|before| before.matches('\n').count() + 1);
        match line {
            Some(line) => format!(
                "the config file {} is not valid at line {line}: {}",
                path.display(),
                e.message()
            ),
            None => format!(
                "the config file {} is not valid: {}",
                path.display(),
                e.message()
            ),
        }
    })
}

impl Settings {
    /// Reads the file named by `--config`/`HOLDSPACE_CONFIG`, merges it under what clap read, and
    /// checks every value. `matches` tells a flag from a variable in messages.
    pub fn resolve(args: SettingsArgs, matches: &ArgMatches) -> Result<Settings, String> {
        let file = match &args.config {
            Some(path) if !path.as_os_str().is_empty() => Some(read_file(path)?),
            _ => None,
        };
        let path = args.config.clone();
        let layers = Layers {
            matches: Some(leaf(matches)),
            file: path.as_deref(),
            origins: BTreeMap::new(),
        };
        Self::merge(args, file.unwrap_or_default(), layers)
    }

    fn merge(given: SettingsArgs, file: SettingsArgs, mut at: Layers) -> Result<Settings, String> {
        let listen = match at.pick("listen", given.listen, file.listen) {
            Some(v) => check::listen(&v.value).map_err(|e| format!("{}: {e}", v.from))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let public_url = match at.pick("public_url", given.public_url, file.public_url) {
            Some(v) => check::public_url(&v.value).map_err(|e| format!("{}: {e}", v.from))?,
            None => format!("http://{listen}"),
        };
        let database_url = at.pick("database_url", given.database_url, file.database_url);
        if let Some(v) = &database_url {
            check::database_url(v.value.expose_secret()).map_err(|e| format!("{}: {e}", v.from))?;
        }
        let smtp_url = at.pick("smtp_url", given.smtp_url, file.smtp_url);
        if let Some(v) = &smtp_url {
            check::smtp_url(v.value.expose_secret()).map_err(|e| format!("{}: {e}", v.from))?;
        }
        let master_key = at.pick("master_key", given.master_key, file.master_key);
        if let Some(v) = &master_key {
            parse_master_keys(v.value.expose_secret()).map_err(|e| format!("{}: {e}", v.from))?;
        }
        let trust_proxy = match at.pick("trust_proxy", given.trust_proxy, file.trust_proxy) {
            Some(v) => check::toggle(&v.value).map_err(|e| format!("{}: {e}", v.from))?,
            None => false,
        };
        let trusted_proxies = match at.pick(
            "trusted_proxies",
            given.trusted_proxies,
            file.trusted_proxies,
        ) {
            Some(v) => check::addresses(&v.value).map_err(|e| format!("{}: {e}", v.from))?,
            None => Vec::new(),
        };
        let defaults = web::ConnLimits::default();
        let total = match at.pick(
            "max_connections",
            given.max_connections,
            file.max_connections,
        ) {
            Some(v) => check::count(&v.value, 1).map_err(|e| format!("{}: {e}", v.from))?,
            None => defaults.total,
        };
        let per_address = match at.pick(
            "max_connections_per_address",
            given.max_connections_per_address,
            file.max_connections_per_address,
        ) {
            Some(v) => check::count(&v.value, 0).map_err(|e| format!("{}: {e}", v.from))?,
            // Behind a proxy every connection comes from it: a cap per address would be a cap on
            // everyone. The proxy limits its clients; `max_connections` still holds.
            None if trust_proxy => 0,
            None => defaults.per_address,
        };
        let header_timeout = match at.pick(
            "header_timeout_secs",
            given.header_timeout_secs,
            file.header_timeout_secs,
        ) {
            Some(v) => check::count(&v.value, 1).map_err(|e| format!("{}: {e}", v.from))?,
            None => usize::try_from(defaults.header_timeout.as_secs()).unwrap_or(20),
        };
        let body_timeout = match at.pick(
            "body_timeout_secs",
            given.body_timeout_secs,
            file.body_timeout_secs,
        ) {
            Some(v) => check::count(&v.value, 1).map_err(|e| format!("{}: {e}", v.from))?,
            None => usize::try_from(defaults.body_timeout.as_secs()).unwrap_or(120),
        };
        let limits = web::ConnLimits {
            header_timeout: std::time::Duration::from_secs(header_timeout as u64),
            body_timeout: std::time::Duration::from_secs(body_timeout as u64),
            per_address,
            total,
        };
        let job_retry_base_ms = match at.pick(
            "job_retry_base_ms",
            given.job_retry_base_ms,
            file.job_retry_base_ms,
        ) {
            Some(v) => v.value.trim().parse().map_err(|_| {
                format!("{}: {:?} is not a number of milliseconds", v.from, v.value)
            })?,
            None => 30_000,
        };
        let reminders = match at.pick_keeping_empty("reminders", given.reminders, file.reminders) {
            Some(v) => check::reminders(&v.value).map_err(|e| format!("{}: {e}", v.from))?,
            None => app::Config::default().reminders,
        };
        let stun = at.pick("stun_urls", given.stun_urls, file.stun_urls);
        let turn = at.pick("turn_urls", given.turn_urls, file.turn_urls);
        let turn_secret = at.pick("turn_secret", given.turn_secret, file.turn_secret);
        let ice = ice_config(stun, turn, turn_secret)?;
        let stripe = stripe_config(
            at.pick(
                "stripe_secret_key",
                given.stripe_secret_key,
                file.stripe_secret_key,
            ),
            at.pick(
                "stripe_webhook_secret",
                given.stripe_webhook_secret,
                file.stripe_webhook_secret,
            ),
            at.pick(
                "stripe_api_base",
                given.stripe_api_base,
                file.stripe_api_base,
            ),
        )?;
        let test_now = at.pick("test_now", given.test_now, None).map(|v| v.value);
        let backup_recipient = match at.pick(
            "backup_recipient",
            given.backup_recipient,
            file.backup_recipient,
        ) {
            Some(v) => Some(
                app::backup::parse_recipient(&v.value).map_err(|e| format!("{}: {e}", v.from))?,
            ),
            None => None,
        };
        let backup_dir = at
            .pick("backup_dir", given.backup_dir, file.backup_dir)
            .map(|v| v.value);
        if backup_dir.is_some() && backup_recipient.is_none() {
            return Err(
                "backup_dir needs backup_recipient: the age public key scheduled backups are encrypted to"
                    .into(),
            );
        }
        let defaults = app::backup::keep::Keep::default();
        let mut keep_count =
            |key: &'static str, given: Option<String>, file: Option<String>, default: u32| match at
                .pick(key, given, file)
            {
                Some(v) => v.value.trim().parse::<u32>().map_err(|_| {
                    format!("{}: {:?} is not a whole number of backups", v.from, v.value)
                }),
                None => Ok(default),
            };
        let backup_keep = app::backup::keep::Keep {
            daily: keep_count(
                "backup_keep_daily",
                given.backup_keep_daily,
                file.backup_keep_daily,
                defaults.daily,
            )?,
            weekly: keep_count(
                "backup_keep_weekly",
                given.backup_keep_weekly,
                file.backup_keep_weekly,
                defaults.weekly,
            )?,
            monthly: keep_count(
                "backup_keep_monthly",
                given.backup_keep_monthly,
                file.backup_keep_monthly,
                defaults.monthly,
            )?,
        };
        let data_dir = at
            .pick("data_dir", given.data_dir, file.data_dir)
            .map_or_else(|| PathBuf::from("holdspace-data"), |v| v.value);
        let audit_checkpoint_file = at
            .pick(
                "audit_checkpoint_file",
                given.audit_checkpoint_file,
                file.audit_checkpoint_file,
            )
            .map_or_else(|| data_dir.join("audit-checkpoints.log"), |v| v.value);
        let audit_checkpoint_mail = match at.pick(
            "audit_checkpoint_mail",
            given.audit_checkpoint_mail,
            file.audit_checkpoint_mail,
        ) {
            Some(v) => check::toggle(&v.value).map_err(|e| format!("{}: {e}", v.from))?,
            None => false,
        };
        let mail_from = at.pick("mail_from", given.mail_from, file.mail_from);
        Ok(Settings {
            listen,
            data_dir,
            database_url: database_url.map(|v| v.value),
            public_url,
            smtp_url: smtp_url.map(|v| v.value),
            mail_from: mail_from.map_or_else(|| "holdspace@localhost".into(), |v| v.value),
            trust_proxy,
            trusted_proxies,
            limits,
            job_retry_base_ms,
            reminders,
            ice,
            stripe,
            test_now,
            audit_checkpoint_file,
            audit_checkpoint_mail,
            backup_recipient,
            backup_dir,
            backup_keep,
            master_key: master_key.map(|v| v.value),
            origins: at.origins,
        })
    }

    /// Creates the data directory if needed (readable by its owner only, 0700) and checks that
    /// it can be written.
    pub fn prepare_data_dir(&self) -> Result<(), String> {
        let dir = &self.data_dir;
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
        let probe = dir.join(".write-test");
        std::fs::write(&probe, b"ok")
            .map_err(|e| format!("cannot write to the data directory {}: {e}", dir.display()))?;
        let _ = std::fs::remove_file(probe);
        Ok(())
    }

    /// The master key(s): as given (comma-separated during a rotation), or the key file in the
    /// data directory.
    pub fn master_keys(&self) -> Result<Vec<store::MasterKey>, String> {
        match &self.master_key {
            Some(hex) => parse_master_keys(hex.expose_secret())
                .map_err(|e| format!("{}: {e}", self.origin("master_key"))),
            None => store::MasterKey::load_or_create(&self.key_file()).map_err(|e| e.to_string()),
        }
    }

    /// The SQLite database and its WAL and shared-memory files; none on PostgreSQL.
    pub fn sqlite_files(&self) -> Vec<PathBuf> {
        if self.database_url.is_some() {
            return Vec::new();
        }
        [
            "holdspace.sqlite",
            "holdspace.sqlite-wal",
            "holdspace.sqlite-shm",
        ]
        .iter()
        .map(|name| self.data_dir.join(name))
        .collect()
    }

    /// The data directory prepared, then the master key(s) from it or as given.
    pub fn master_keys_in_prepared_dir(&self) -> Result<Vec<store::MasterKey>, String> {
        self.prepare_data_dir()?;
        self.master_keys()
    }

    pub fn key_file(&self) -> PathBuf {
        self.data_dir.join("master.key")
    }

    /// Whether the master key was given (flag or variable) rather than kept in the key file.
    pub fn master_key_given(&self) -> bool {
        self.master_key.is_some()
    }

    pub fn db_config(&self) -> store::DbConfig {
        match &self.database_url {
            Some(url) => store::DbConfig::url(url.expose_secret()),
            None => store::DbConfig::sqlite_in(&self.data_dir),
        }
    }

    /// The database's address without any password, for messages.
    pub fn database_label(&self) -> String {
        match &self.database_url {
            Some(url) => check::without_password(url.expose_secret()),
            None => self.data_dir.join("holdspace.sqlite").display().to_string(),
        }
    }

    pub fn app_config(&self) -> app::Config {
        app::Config {
            public_url: self.public_url.clone(),
            smtp_url: self.smtp_url.clone(),
            mail_from: self.mail_from.clone(),
            job_retry_base_ms: self.job_retry_base_ms,
            session_policy: Default::default(),
            reminders: self.reminders.clone(),
            ice: self.ice.clone(),
            stripe: self.stripe.clone(),
            audit_checkpoint_file: Some(self.audit_checkpoint_file.clone()),
            audit_checkpoint_mail: self.audit_checkpoint_mail,
            master_key_file: (!self.master_key_given()).then(|| self.key_file()),
            backups: match (&self.backup_dir, &self.backup_recipient) {
                (Some(dir), Some(recipient)) => Some(app::backup::BackupSchedule {
                    dir: dir.clone(),
                    recipient: recipient.to_string(),
                    keep: self.backup_keep,
                }),
                _ => None,
            },
        }
    }

    /// The name a value was given by (`--listen`, `HOLDSPACE_LISTEN`, `listen in FILE`), or "default".
    fn origin(&self, key: &str) -> &str {
        self.origins.get(key).map_or("default", String::as_str)
    }

    /// One line per setting for `holdspace config`: its value (addresses without their password,
    /// secrets as `[REDACTED]`) and where it came from.
    pub fn describe(&self) -> Vec<String> {
        let secret = |given: bool| if given { "[REDACTED]" } else { "(none)" }.to_string();
        let list = |urls: &[String]| {
            if urls.is_empty() {
                "(none)".to_string()
            } else {
                urls.join(",")
            }
        };
        let reminders: Vec<String> = self
            .reminders
            .iter()
            .map(|d| match d.as_mins() {
                m if m % 60 == 0 => format!("{}h", m / 60),
                m => format!("{m}m"),
            })
            .collect();
        let per_address = match self.limits.per_address {
            0 => "0 (no cap)".to_string(),
            n => n.to_string(),
        };
        let lines: [(&str, String); 28] = [
            ("listen", self.listen.to_string()),
            ("data_dir", self.data_dir.display().to_string()),
            ("database_url", self.database_label()),
            ("public_url", self.public_url.clone()),
            (
                "smtp_url",
                self.smtp_url.as_ref().map_or_else(
                    || "(none: the dev mailbox)".into(),
                    |u| check::without_password(u.expose_secret()),
                ),
            ),
            ("mail_from", self.mail_from.clone()),
            (
                "master_key",
                match &self.master_key {
                    Some(_) => "[REDACTED]".into(),
                    None => self.key_file().display().to_string(),
                },
            ),
            ("reminders", reminders.join(",")),
            ("trust_proxy", self.trust_proxy.to_string()),
            (
                "trusted_proxies",
                self.trusted_proxies
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("max_connections", self.limits.total.to_string()),
            ("max_connections_per_address", per_address),
            (
                "header_timeout_secs",
                self.limits.header_timeout.as_secs().to_string(),
            ),
            (
                "body_timeout_secs",
                self.limits.body_timeout.as_secs().to_string(),
            ),
            ("stun_urls", list(&self.ice.stun_urls)),
            ("turn_urls", list(&self.ice.turn_urls)),
            ("turn_secret", secret(self.ice.turn_secret.is_some())),
            ("stripe_secret_key", secret(self.stripe.is_some())),
            ("stripe_webhook_secret", secret(self.stripe.is_some())),
            (
                "stripe_api_base",
                self.stripe
                    .as_ref()
                    .map_or_else(|| "(none)".into(), |s| s.api_base.to_string()),
            ),
            ("job_retry_base_ms", self.job_retry_base_ms.to_string()),
            (
                "audit_checkpoint_file",
                self.audit_checkpoint_file.display().to_string(),
            ),
            (
                "audit_checkpoint_mail",
                self.audit_checkpoint_mail.to_string(),
            ),
            (
                "backup_dir",
                self.backup_dir
                    .as_ref()
                    .map_or_else(|| "(none)".into(), |d| d.display().to_string()),
            ),
            (
                "backup_recipient",
                self.backup_recipient
                    .as_ref()
                    .map_or_else(|| "(none)".into(), ToString::to_string),
            ),
            ("backup_keep_daily", self.backup_keep.daily.to_string()),
            ("backup_keep_weekly", self.backup_keep.weekly.to_string()),
            ("backup_keep_monthly", self.backup_keep.monthly.to_string()),
        ];
        lines
            .iter()
            .map(|(key, value)| format!("{key} = {value}  ({})", self.origin(key)))
            .collect()
    }
}

/// Comma-separated hex keys, each 64 characters.
fn parse_master_keys(text: &str) -> Result<Vec<store::MasterKey>, String> {
    text.split(',')
        .map(|k| {
            store::MasterKey::from_hex(k).map_err(|_| {
                "the master key must be 64 hex characters (two keys, comma-separated, during a rotation)"
                    .to_string()
            })
        })
        .collect()
}

/// STUN and TURN addresses, each checked by its scheme; TURN needs its shared secret.
fn ice_config(
    stun: Option<Given<String>>,
    turn: Option<Given<String>>,
    secret: Option<Given<SecretString>>,
) -> Result<app::turn::IceConfig, String> {
    let stun_urls = match stun {
        Some(v) => {
            check::ice_urls(&v.value, check::Ice::Stun).map_err(|e| format!("{}: {e}", v.from))?
        }
        None => Vec::new(),
    };
    let (turn_urls, turn_from) = match turn {
        Some(v) => (
            check::ice_urls(&v.value, check::Ice::Turn).map_err(|e| format!("{}: {e}", v.from))?,
            v.from,
        ),
        None => (Vec::new(), String::new()),
    };
    if !turn_urls.is_empty() && secret.is_none() {
        return Err(format!(
            "{turn_from} is set but turn_secret (HOLDSPACE_TURN_SECRET, the relay's static-auth-secret) is not"
        ));
    }
    Ok(app::turn::IceConfig {
        stun_urls,
        turn_urls,
        turn_secret: secret.map(|v| v.value),
    })
}

/// Stripe's two secrets together or not at all, each of the shape Stripe gives it; the API
/// address only with them.
fn stripe_config(
    key: Option<Given<SecretString>>,
    webhook: Option<Given<SecretString>>,
    api_base: Option<Given<String>>,
) -> Result<Option<app::stripe::Config>, String> {
    let (key, webhook) = match (key, webhook) {
        (Some(key), Some(webhook)) => (key, webhook),
        (None, None) => {
            return match api_base {
                Some(v) => Err(format!(
                    "{} is set but stripe_secret_key and stripe_webhook_secret are not",
                    v.from
                )),
                None => Ok(None),
            }
        }
        (Some(v), None) => {
            return Err(format!(
                "{} is set but stripe_webhook_secret (HOLDSPACE_STRIPE_WEBHOOK_SECRET, the \
                 webhook endpoint's signing secret) is not: set both or neither",
                v.from
            ))
        }
        (None, Some(v)) => {
            return Err(format!(
                "{} is set but stripe_secret_key (HOLDSPACE_STRIPE_SECRET_KEY) is not: set both \
                 or neither",
                v.from
            ))
        }
    };
    check::stripe_secret_key(key.value.expose_secret())
        .map_err(|e| format!("{}: {e}", key.from))?;
    check::stripe_webhook_secret(webhook.value.expose_secret())
        .map_err(|e| format!("{}: {e}", webhook.from))?;
    let mut config = app::stripe::Config::new(key.value, webhook.value);
    if let Some(v) = api_base {
        config.api_base =
            check::stripe_api_base(&v.value).map_err(|e| format!("{}: {e}", v.from))?;
    }
    Ok(Some(config))
}

#[cfg(test)]
mod tests;
