//! The HTTPS settings: `domain` and what goes with it, checked together.

use super::{check, Layers, SettingsArgs};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Let's Encrypt's production directory, the default certificate authority.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// HTTPS served by holdspace itself, with a certificate obtained and renewed by ACME.
#[derive(Clone, Debug)]
pub struct Https {
    pub domain: String,
    pub https_listen: SocketAddr,
    pub http_listen: SocketAddr,
    pub directory: String,
    /// Never logged or printed: the operator's address.
    pub email: Option<String>,
    pub ca_file: Option<PathBuf>,
    /// Overrides the renewal rule (tests).
    pub renew_before: Option<Duration>,
    pub check_every: Duration,
}

impl Https {
    /// The public address HTTPS is reached at when none is given: the domain, with the port
    /// unless it is 443.
    pub fn default_public_url(&self) -> String {
        match self.https_listen.port() {
            443 => format!("https://{}", self.domain),
            port => format!("https://{}:{port}", self.domain),
        }
    }
}

/// The HTTPS settings if `domain` is set. The others mean nothing without it, so one given
/// alone is an error rather than silently ignored.
pub(super) fn https_settings(
    at: &mut Layers,
    given: &mut SettingsArgs,
    file: &mut SettingsArgs,
) -> Result<Option<Https>, String> {
    let domain = at.pick("domain", given.domain.take(), file.domain.take());
    let https_listen = at.pick(
        "https_listen",
        given.https_listen.take(),
        file.https_listen.take(),
    );
    let http_listen = at.pick(
        "http_listen",
        given.http_listen.take(),
        file.http_listen.take(),
    );
    let directory = at.pick(
        "acme_directory",
        given.acme_directory.take(),
        file.acme_directory.take(),
    );
    let email = at.pick(
        "acme_email",
        given.acme_email.take(),
        file.acme_email.take(),
    );
    let ca_file = at.pick(
        "acme_ca_file",
        given.acme_ca_file.take(),
        file.acme_ca_file.take(),
    );
    let renew_before = at.pick(
        "acme_renew_before_secs",
        given.acme_renew_before_secs.take(),
        file.acme_renew_before_secs.take(),
    );
    let check_every = at.pick(
        "acme_check_secs",
        given.acme_check_secs.take(),
        file.acme_check_secs.take(),
    );
    let Some(domain) = domain else {
        let alone = [
            https_listen.map(|v| v.from),
            http_listen.map(|v| v.from),
            directory.map(|v| v.from),
            email.map(|v| v.from),
            ca_file.map(|v| v.from),
            renew_before.map(|v| v.from),
            check_every.map(|v| v.from),
        ];
        return match alone.into_iter().flatten().next() {
            Some(from) => Err(format!(
                "{from} is set but domain (HOLDSPACE_DOMAIN, the name HTTPS is served for) is not"
            )),
            None => Ok(None),
        };
    };
    let listen = |v: Option<super::Given<String>>, default: SocketAddr| match v {
        Some(v) => check::listen(&v.value).map_err(|e| format!("{}: {e}", v.from)),
        None => Ok(default),
    };
    let https_listen = listen(https_listen, SocketAddr::from(([0, 0, 0, 0], 443)))?;
    let http_listen = listen(http_listen, SocketAddr::from(([0, 0, 0, 0], 80)))?;
    if https_listen == http_listen {
        return Err(format!(
            "https_listen and http_listen are both {https_listen}: give them different ports"
        ));
    }
    let ca_file = match ca_file {
        Some(v) => {
            std::fs::metadata(&v.value).map_err(|e| {
                format!(
                    "{}: cannot read the CA file {}: {e}",
                    v.from,
                    v.value.display()
                )
            })?;
            Some(v.value)
        }
        None => None,
    };
    let seconds = |v: Option<super::Given<String>>, least: usize| match v {
        Some(v) => check::count(&v.value, least)
            .map(|n| Some(Duration::from_secs(n as u64)))
            .map_err(|e| format!("{}: {e}", v.from)),
        None => Ok(None),
    };
    Ok(Some(Https {
        domain: check::domain(&domain.value).map_err(|e| format!("{}: {e}", domain.from))?,
        https_listen,
        http_listen,
        directory: match directory {
            Some(v) => check::acme_directory(&v.value).map_err(|e| format!("{}: {e}", v.from))?,
            None => LETS_ENCRYPT.to_string(),
        },
        email: match email {
            Some(v) => Some(check::acme_email(&v.value).map_err(|e| format!("{}: {e}", v.from))?),
            None => None,
        },
        ca_file,
        renew_before: seconds(renew_before, 0)?,
        check_every: seconds(check_every, 1)?.unwrap_or(Duration::from_secs(12 * 60 * 60)),
    }))
}
