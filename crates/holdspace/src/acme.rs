//! HTTPS served by holdspace itself (`--domain`): a certificate obtained and renewed by ACME
//! (HTTP-01), HTTPS with it, and plain HTTP beside it for the CA's challenges and redirects.
//! A stored certificate is served from the first second; a failed order is logged and retried
//! with a growing wait, never by exiting.

mod files;
mod order;
mod renewal;

use crate::config::Https;
use files::{AcmeDir, StoredCertificate};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::watch;

/// Serves the practice over HTTPS on `https.https_listen` and plain HTTP on `https.http_listen`
/// until `shutdown` resolves, keeping the certificate renewed meanwhile.
pub async fn serve(
    https: Https,
    data_dir: &Path,
    state: web::WebState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let secure = bind(https.https_listen).await?;
    let plain = bind(https.http_listen).await?;
    let dir = AcmeDir::open(data_dir)?;
    let slot = Arc::new(web::CertSlot::default());
    let challenges = web::Challenges::default();
    let stored = dir.certificate().filter(|c| usable(c, &https.domain));
    if let Some(stored) = &stored {
        match slot.install(&stored.pem, &stored.pem) {
            Ok(()) => tracing::info!(
                domain = %https.domain,
                serial = %stored.serial,
                expires = %timestamp(stored.validity.not_after),
                "serving the stored certificate"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "cannot use the stored certificate; ordering a new one");
            }
        }
    }
    let origin = url::Url::parse(&state.app.config().public_url)
        .map(|url| url.origin().ascii_serialization())
        .map_err(|e| format!("the public address is not valid: {e}"))?;
    let limits = state.limits.clone();
    tracing::info!(
        https = %https.https_listen,
        http = %https.http_listen,
        domain = %https.domain,
        directory = %https.directory,
        "serving HTTPS"
    );
    let renewer = Renewer {
        current: stored.filter(|_| slot.is_set()).map(|c| c.validity),
        https,
        dir,
        slot: slot.clone(),
        challenges: challenges.clone(),
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let plain_site = web::plain_router(&origin, challenges);
    let plain_server = tokio::spawn(web::serve_plain(
        plain,
        plain_site,
        limits,
        stopped(stop_rx.clone()),
    ));
    // The plain listener answers before the first order asks the CA to look at it.
    tokio::spawn(renewer.run());
    let tls = web::tls_config(slot)?;
    let served = web::serve_https(secure, state, tls, stopped(stop_rx)).await;
    let _ = plain_server.await;
    served.map_err(|e| format!("server stopped: {e}"))
}

async fn bind(address: std::net::SocketAddr) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(address).await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::PermissionDenied && address.port() < 1024 {
            " (ports below 1024 need CAP_NET_BIND_SERVICE, which the service unit grants)"
        } else {
            ""
        };
        format!("cannot listen on {address}: {e}{hint}")
    })
}

/// A stored certificate is served only while valid and only for the configured domain (a changed
/// domain orders a new one).
fn usable(stored: &StoredCertificate, domain: &str) -> bool {
    stored.validity.valid_at(now()) && stored.names.iter().any(|n| n == domain)
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn timestamp(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map_or_else(|_| seconds.to_string(), |t| t.to_string())
}

/// Keeps the certificate renewed: a check at start and every `check_every`, an order when the
/// served certificate is missing or due, a growing wait after a failure.
struct Renewer {
    https: Https,
    dir: AcmeDir,
    slot: Arc<web::CertSlot>,
    challenges: web::Challenges,
    /// The validity of the certificate being served, if any.
    current: Option<renewal::Validity>,
}

impl Renewer {
    async fn run(mut self) {
        let mut failures = 0u32;
        loop {
            let wait = match self.check().await {
                Ok(()) => {
                    failures = 0;
                    self.https.check_every
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let wait = renewal::retry_after(failures, self.https.check_every);
                    let serving = match self.current {
                        Some(v) if v.valid_at(now()) => format!(
                            "the current certificate is served until {}",
                            timestamp(v.not_after)
                        ),
                        _ => "HTTPS has no certificate to offer until then".into(),
                    };
                    tracing::error!(
                        domain = %self.https.domain,
                        retry_in_secs = wait.as_secs(),
                        "cannot obtain a certificate: {e}; {serving}; trying again in {} s",
                        wait.as_secs()
                    );
                    wait
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn check(&mut self) -> Result<(), String> {
        if let Some(current) = self.current {
            if !renewal::due(current, now(), self.https.renew_before) {
                return Ok(());
            }
            tracing::info!(
                domain = %self.https.domain,
                expires = %timestamp(current.not_after),
                "the certificate is due for renewal"
            );
        }
        tracing::info!(domain = %self.https.domain, "ordering a certificate");
        let issued = order::order(&self.https, &self.dir, &self.challenges).await?;
        let pem = format!("{}\n{}", issued.key_pem.trim_end(), issued.chain_pem);
        let described = files::describe(&pem)?;
        self.slot.install(&pem, &pem)?;
        self.current = Some(described.validity);
        tracing::info!(
            domain = %self.https.domain,
            serial = %described.serial,
            expires = %timestamp(described.validity.not_after),
            "certificate obtained and served"
        );
        // Served even if it cannot be kept: a restart would then order another.
        self.dir
            .save_certificate(&issued.key_pem, &issued.chain_pem)
    }
}
