//! Settings: flags, then `HOLDSPACE_*` variables, then an optional TOML file, then defaults.

use clap::Args;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Args, Clone, Debug, Default)]
pub struct SettingsArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "HOLDSPACE_LISTEN")]
    listen: Option<String>,
    /// Where the SQLite database, the master key and uploads live [default: ./holdspace-data].
    #[arg(long = "data-dir", env = "HOLDSPACE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// postgres://… to use PostgreSQL instead of SQLite in the data directory.
    #[arg(long = "database-url", env = "HOLDSPACE_DATABASE_URL")]
    database_url: Option<String>,
    /// A TOML file with any of: listen, data_dir, database_url, public_url, smtp_url, mail_from, trust_proxy, reminders, stun_urls, turn_urls, turn_secret.
    #[arg(long, env = "HOLDSPACE_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    public_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    trust_proxy: Option<bool>,
    reminders: Option<String>,
    stun_urls: Option<String>,
    turn_urls: Option<String>,
    turn_secret: Option<String>,
}

pub struct Settings {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub public_url: String,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub trust_proxy: bool,
    pub job_retry_base_ms: u64,
    pub reminders: Vec<jiff::SignedDuration>,
    pub ice: app::turn::IceConfig,
}

/// "24h,1h" (or "90m"): when reminders go out before an appointment; empty for none.
fn parse_reminders(text: &str) -> Result<Vec<jiff::SignedDuration>, String> {
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

/// Comma-separated `stun:`/`turn:`/`turns:` addresses; TURN needs its shared secret.
fn ice_config(
    stun: Option<String>,
    turn: Option<String>,
    secret: Option<String>,
) -> Result<app::turn::IceConfig, String> {
    fn list(text: Option<String>, schemes: &[&str], name: &str) -> Result<Vec<String>, String> {
        let items: Vec<String> = text
            .unwrap_or_default()
            .split(',')
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect();
        match items
            .iter()
            .find(|u| !schemes.iter().any(|s| u.starts_with(s)))
        {
            Some(bad) => Err(format!(
                "{name}: {bad:?} does not start with {}",
                schemes.join(" or ")
            )),
            None => Ok(items),
        }
    }
    let stun_urls = list(stun, &["stun:", "stuns:"], "HOLDSPACE_STUN_URLS")?;
    let turn_urls = list(turn, &["turn:", "turns:"], "HOLDSPACE_TURN_URLS")?;
    if !turn_urls.is_empty() && secret.is_none() {
        return Err(
            "HOLDSPACE_TURN_URLS is set but HOLDSPACE_TURN_SECRET (the relay's static-auth-secret) is not"
                .into(),
        );
    }
    Ok(app::turn::IceConfig {
        stun_urls,
        turn_urls,
        turn_secret: secret,
    })
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    pub fn resolve(args: SettingsArgs) -> Result<Settings, String> {
        let file: FileSettings = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| {
                    format!(
                        "the config file {} is not valid: {}",
                        path.display(),
                        e.message()
                    )
                })?
            }
            None => FileSettings::default(),
        };
        let listen = args
            .listen
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        if listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!(
                "--listen {listen:?} is not an address like 127.0.0.1:8080"
            ));
        }
        let public_url = env("HOLDSPACE_PUBLIC_URL")
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(format!(
                "HOLDSPACE_PUBLIC_URL {public_url:?} must start with http:// or https://"
            ));
        }
        let database_url = args.database_url.or(file.database_url);
        if let Some(url) = &database_url {
            if !(url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:"))
            {
                return Err("--database-url must start with postgres:// (or sqlite:)".into());
            }
        }
        let job_retry_base_ms = match env("HOLDSPACE_JOB_RETRY_BASE_MS") {
            Some(v) => v.parse().map_err(|_| {
                format!("HOLDSPACE_JOB_RETRY_BASE_MS {v:?} is not a number of milliseconds")
            })?,
            None => 30_000,
        };
        let reminders = match env("HOLDSPACE_REMINDERS").or(file.reminders) {
            Some(text) => {
                parse_reminders(&text).map_err(|e| format!("HOLDSPACE_REMINDERS: {e}"))?
            }
            None => app::Config::default().reminders,
        };
        let ice = ice_config(
            env("HOLDSPACE_STUN_URLS").or(file.stun_urls),
            env("HOLDSPACE_TURN_URLS").or(file.turn_urls),
            env("HOLDSPACE_TURN_SECRET").or(file.turn_secret),
        )?;
        Ok(Settings {
            ice,
            reminders,
            listen,
            data_dir: args
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("holdspace-data")),
            database_url,
            public_url: public_url.trim_end_matches('/').to_string(),
            smtp_url: env("HOLDSPACE_SMTP_URL").or(file.smtp_url),
            mail_from: env("HOLDSPACE_MAIL_FROM")
                .or(file.mail_from)
                .unwrap_or_else(|| "holdspace@localhost".into()),
            trust_proxy: env("HOLDSPACE_TRUST_PROXY")
                .map(|v| v == "1" || v == "true")
                .or(file.trust_proxy)
                .unwrap_or(false),
            job_retry_base_ms,
        })
    }

    /// Creates the data directory if needed and checks that it can be written.
    pub fn prepare_data_dir(&self) -> Result<(), String> {
        let dir = &self.data_dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
        let probe = dir.join(".write-test");
        std::fs::write(&probe, b"ok")
            .map_err(|e| format!("cannot write to the data directory {}: {e}", dir.display()))?;
        let _ = std::fs::remove_file(probe);
        Ok(())
    }

    /// The master key(s): from `HOLDSPACE_MASTER_KEY` (comma-separated during a rotation), or the
    /// key file in the data directory.
    pub fn master_keys(&self) -> Result<Vec<store::MasterKey>, String> {
        match env("HOLDSPACE_MASTER_KEY") {
            Some(hex) => hex
                .split(',')
                .map(|k| {
                    store::MasterKey::from_hex(k).map_err(|e| format!("HOLDSPACE_MASTER_KEY: {e}"))
                })
                .collect(),
            None => store::MasterKey::load_or_create(&self.key_file()).map_err(|e| e.to_string()),
        }
    }

    pub fn key_file(&self) -> PathBuf {
        self.data_dir.join("master.key")
    }

    pub fn key_from_env(&self) -> bool {
        env("HOLDSPACE_MASTER_KEY").is_some()
    }

    pub fn db_config(&self) -> store::DbConfig {
        match &self.database_url {
            Some(url) => store::DbConfig::url(url.clone()),
            None => store::DbConfig::sqlite_in(&self.data_dir),
        }
    }

    /// The database's address without any password, for messages.
    pub fn database_label(&self) -> String {
        match &self.database_url {
            Some(url) => hide_password(url),
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
        }
    }
}

fn hide_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_read_like_24h_and_90m() {
        assert_eq!(
            parse_reminders("24h, 90m").unwrap(),
            [
                jiff::SignedDuration::from_hours(24),
                jiff::SignedDuration::from_mins(90)
            ]
        );
        assert!(parse_reminders("").unwrap().is_empty());
        for bad in ["24", "1d", "-3h", "h", "99999h"] {
            assert!(parse_reminders(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relays_need_their_scheme_and_a_secret() {
        let ok = ice_config(
            Some("stun:127.0.0.1:3478".into()),
            Some("turn:127.0.0.1:3478?transport=udp, turns:relay.example:5349".into()),
            Some("s".into()),
        )
        .unwrap();
        assert_eq!(ok.turn_urls.len(), 2);
        assert!(ok.has_relay());
        assert!(ice_config(None, Some("turn:h:3478".into()), None).is_err());
        assert!(ice_config(Some("http://h".into()), None, None).is_err());
        assert!(!ice_config(None, None, None).unwrap().has_relay());
    }

    #[test]
    fn passwords_never_appear_in_messages() {
        assert_eq!(
            hide_password("postgres://u:secret@db:5432/x"),
            "postgres://u:***@db:5432/x"
        );
        assert_eq!(hide_password("postgres://db/x"), "postgres://db/x");
    }
}
