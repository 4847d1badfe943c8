//! Settings: one struct filled from flags, then `HOLDSPACE_*` variables, then a TOML file, then defaults.
//!
//! clap reads a flag and its variable for every key; serde reads the file into the same struct, so a
//! key has one name everywhere (`data_dir`, `--data-dir`, `HOLDSPACE_DATA_DIR`). `Settings::resolve`
//! merges the two layers once and checks every value, naming the key the way the operator wrote it.

mod args;
pub mod check;
mod describe;
mod https;
mod services;

pub use args::SettingsArgs;
pub use https::Https;
use services::{ice_config, stripe_config};

use clap::parser::ValueSource;
use clap::ArgMatches;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
    pub log_format: check::LogFormat,
    /// The bearer token that opens `/metrics` on the practice's address.
    pub metrics_token: Option<SecretString>,
    /// Where `/metrics` is served on its own, without a token.
    pub metrics_listen: Option<SocketAddr>,
    /// Where each value that was given came from: `--listen`, `HOLDSPACE_LISTEN` or the file.
    origins: BTreeMap<&'static str, String>,
    /// HTTPS served by holdspace itself (with `domain`), in place of plain HTTP on `listen`.
    pub https: Option<Https>,
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

    fn merge(
        mut given: SettingsArgs,
        mut file: SettingsArgs,
        mut at: Layers,
    ) -> Result<Settings, String> {
        let https = https::https_settings(&mut at, &mut given, &mut file)?;
        let listen = match at.pick("listen", given.listen, file.listen) {
            Some(v) if https.is_some() => {
                return Err(format!(
                    "{} is for plain HTTP behind a proxy; with domain set, holdspace listens on https_listen and http_listen",
                    v.from
                ))
            }
            Some(v) => check::listen(&v.value).map_err(|e| format!("{}: {e}", v.from))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let public_url = match (
            at.pick("public_url", given.public_url, file.public_url),
            &https,
        ) {
            (Some(v), None) => {
                check::public_url(&v.value).map_err(|e| format!("{}: {e}", v.from))?
            }
            (Some(v), Some(_)) => check::public_url(&v.value)
                .and_then(|url| match url.starts_with("https://") {
                    true => Ok(url),
                    false => Err("with domain set, the public address is https://".into()),
                })
                .map_err(|e| format!("{}: {e}", v.from))?,
            (None, Some(https)) => https.default_public_url(),
            (None, None) => format!("http://{listen}"),
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
        let log_format = match at.pick("log_format", given.log_format, file.log_format) {
            Some(v) => check::log_format(&v.value).map_err(|e| format!("{}: {e}", v.from))?,
            None => check::LogFormat::Text,
        };
        let metrics_token = at.pick("metrics_token", given.metrics_token, file.metrics_token);
        if let Some(v) = &metrics_token {
            check::metrics_token(v.value.expose_secret())
                .map_err(|e| format!("{}: {e}", v.from))?;
        }
        let metrics_listen =
            match at.pick("metrics_listen", given.metrics_listen, file.metrics_listen) {
                Some(v) => {
                    let addr = check::listen(&v.value).map_err(|e| format!("{}: {e}", v.from))?;
                    if addr == listen {
                        return Err(format!(
                            "{}: the metrics need an address of their own, not listen's {listen}",
                            v.from
                        ));
                    }
                    Some(addr)
                }
                None => None,
            };
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
            log_format,
            metrics_token: metrics_token.map(|v| v.value),
            metrics_listen,
            origins: at.origins,
            https,
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
            runner_stale_after: app::health::RUNNER_STALE_AFTER,
        }
    }

    /// The name a value was given by (`--listen`, `HOLDSPACE_LISTEN`, `listen in FILE`), or "default".
    pub(crate) fn origin(&self, key: &str) -> &str {
        self.origins.get(key).map_or("default", String::as_str)
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

#[cfg(test)]
mod https_tests;
#[cfg(test)]
mod tests;
