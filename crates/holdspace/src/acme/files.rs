//! What ACME leaves in the data directory, under `acme/` (0700): the account (`account.json`)
//! and the certificate with its key (`certificate.pem`), each 0600 and each replaced whole (a
//! new file renamed over the old), so a crash never leaves a certificate beside the wrong key.

use super::renewal::Validity;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use x509_parser::extensions::GeneralName;
use x509_parser::pem::Pem;

/// The ACME account: the directory it belongs to (a new directory needs a new account) and what
/// the client needs to use it again.
#[derive(Serialize, Deserialize)]
pub struct StoredAccount {
    pub directory: String,
    pub credentials: instant_acme::AccountCredentials,
}

/// A certificate read back: its PEM text (key and chain) and what is decided from it.
pub struct StoredCertificate {
    pub pem: String,
    pub validity: Validity,
    pub names: Vec<String>,
    /// Hex, for the log: which certificate is served.
    pub serial: String,
}

pub struct AcmeDir {
    dir: PathBuf,
}

impl AcmeDir {
    /// `data_dir/acme`, created (or narrowed) to its owner alone.
    pub fn open(data_dir: &Path) -> Result<AcmeDir, String> {
        let dir = data_dir.join("acme");
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("cannot restrict {} to its owner: {e}", dir.display()))?;
        }
        Ok(AcmeDir { dir })
    }

    pub fn account_file(&self) -> PathBuf {
        self.dir.join("account.json")
    }

    pub fn certificate_file(&self) -> PathBuf {
        self.dir.join("certificate.pem")
    }

    /// The stored account, if there is one for `directory`.
    pub fn account(&self, directory: &str) -> Result<Option<StoredAccount>, String> {
        let file = self.account_file();
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
        };
        let stored: StoredAccount = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is damaged ({e}); move it away to register a new account",
                file.display()
            )
        })?;
        Ok((stored.directory == directory).then_some(stored))
    }

    pub fn save_account(&self, account: &StoredAccount) -> Result<(), String> {
        let text = serde_json::to_string(account)
            .map_err(|e| format!("cannot write the ACME account: {e}"))?;
        replace(&self.account_file(), text.as_bytes())
    }

    /// The stored certificate, if there is one that can be read; a damaged one is reported and
    /// treated as missing (a new one is ordered).
    pub fn certificate(&self) -> Option<StoredCertificate> {
        let file = self.certificate_file();
        let pem = match std::fs::read_to_string(&file) {
            Ok(pem) => pem,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(file = %file.display(), error = %e, "cannot read the stored certificate; ordering a new one");
                return None;
            }
        };
        match describe(&pem) {
            Ok(certificate) => Some(certificate),
            Err(e) => {
                tracing::warn!(file = %file.display(), error = %e, "the stored certificate is damaged; ordering a new one");
                None
            }
        }
    }

    /// Stores a new key and chain as one file, replacing the old one.
    pub fn save_certificate(&self, key_pem: &str, chain_pem: &str) -> Result<(), String> {
        let mut text = String::with_capacity(key_pem.len() + chain_pem.len() + 1);
        text.push_str(key_pem.trim_end());
        text.push('\n');
        text.push_str(chain_pem);
        replace(&self.certificate_file(), text.as_bytes())
    }
}

/// Reads the leaf certificate (the first CERTIFICATE block) of `pem`: its dates, names, serial.
pub fn describe(pem: &str) -> Result<StoredCertificate, String> {
    for block in Pem::iter_from_buffer(pem.as_bytes()) {
        let block = block.map_err(|e| format!("not valid PEM: {e}"))?;
        if block.label != "CERTIFICATE" {
            continue;
        }
        let cert = block
            .parse_x509()
            .map_err(|e| format!("not a valid certificate: {e}"))?;
        let validity = cert.validity();
        let names = match cert.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    GeneralName::DNSName(dns) => Some(dns.to_ascii_lowercase()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        return Ok(StoredCertificate {
            pem: pem.to_string(),
            validity: Validity {
                not_before: validity.not_before.timestamp(),
                not_after: validity.not_after.timestamp(),
            },
            names,
            serial: cert.raw_serial_as_string().replace(':', ""),
        });
    }
    Err("no certificate in it".into())
}

/// Writes `bytes` to a new file readable by its owner only, then renames it over `path`.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let fresh = path.with_extension("new");
    let _ = std::fs::remove_file(&fresh);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&fresh).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    written
        .and_then(|()| std::fs::rename(&fresh, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_certificates_are_refused_not_trusted() {
        for pem in [
            "",
            "hello",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            &"-----BEGIN CERTIFICATE-----\n".repeat(10_000),
        ] {
            assert!(describe(pem).is_err(), "{:?}", &pem[..pem.len().min(40)]);
        }
    }

    #[test]
    fn files_are_the_owners_alone_and_accounts_belong_to_their_directory() {
        let data = std::env::temp_dir().join(format!("holdspace-acme-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let dir = AcmeDir::open(&data).unwrap();
        assert!(dir.account("https://ca.example/dir").unwrap().is_none());
        assert!(dir.certificate().is_none());
        std::fs::write(dir.account_file(), "{ not json").unwrap();
        assert!(dir.account("https://ca.example/dir").is_err());
        replace(&dir.certificate_file(), b"garbage").unwrap();
        assert!(dir.certificate().is_none(), "damaged means missing");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&data.join("acme")), 0o700);
            assert_eq!(mode(&dir.certificate_file()), 0o600);
        }
        let _ = std::fs::remove_dir_all(&data);
    }
}
