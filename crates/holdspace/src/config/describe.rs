//! What `holdspace config` prints: every setting, its value with secrets hidden, and its origin.

use super::{check, Settings};
use secrecy::ExposeSecret;

impl Settings {
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
        let lines: [(&str, String); 31] = [
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
            ("log_format", self.log_format.as_str().to_string()),
            ("metrics_token", secret(self.metrics_token.is_some())),
            (
                "metrics_listen",
                self.metrics_listen
                    .map_or_else(|| "(none)".into(), |a| a.to_string()),
            ),
        ];
        lines
            .iter()
            .chain(self.describe_https().iter())
            .map(|(key, value)| format!("{key} = {value}  ({})", self.origin(key)))
            .collect()
    }

    /// The HTTPS settings; without a domain, each says it is not in use. The contact address is
    /// only said to be set: `holdspace config` output gets pasted into support requests.
    fn describe_https(&self) -> [(&'static str, String); 8] {
        let none = || "(none)".to_string();
        let Some(https) = &self.https else {
            return [
                ("domain", "(none: plain HTTP on listen)".into()),
                ("https_listen", none()),
                ("http_listen", none()),
                ("acme_directory", none()),
                ("acme_email", none()),
                ("acme_ca_file", none()),
                ("acme_renew_before_secs", none()),
                ("acme_check_secs", none()),
            ];
        };
        [
            ("domain", https.domain.clone()),
            ("https_listen", https.https_listen.to_string()),
            ("http_listen", https.http_listen.to_string()),
            ("acme_directory", https.directory.clone()),
            (
                "acme_email",
                https.email.as_ref().map_or_else(none, |_| "(set)".into()),
            ),
            (
                "acme_ca_file",
                https.ca_file.as_ref().map_or_else(
                    || "(none: the system's roots)".into(),
                    |f| f.display().to_string(),
                ),
            ),
            (
                "acme_renew_before_secs",
                https.renew_before.map_or_else(
                    || "(a third of the lifetime, at most 30 days)".into(),
                    |d| d.as_secs().to_string(),
                ),
            ),
            ("acme_check_secs", https.check_every.as_secs().to_string()),
        ]
    }
}
