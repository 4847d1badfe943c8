//! One certificate ordered by ACME (RFC 8555) with the HTTP-01 challenge: the account (stored,
//! or registered once), the order, the answers the plain-HTTP listener gives while the CA
//! checks them, the key and CSR (rcgen, on ring), the certificate.

use super::files::{AcmeDir, StoredAccount};
use crate::config::Https;
use instant_acme::{
    Account, AccountBuilder, AuthorizationStatus, ChallengeType, Identifier, NewAccount, NewOrder,
    OrderStatus, RetryPolicy,
};
use std::time::Duration;

/// A new key and certificate chain, both PEM.
pub struct Issued {
    pub key_pem: String,
    pub chain_pem: String,
}

/// How long the CA may take to check the challenge and to issue: Let's Encrypt usually takes
/// seconds; past this the attempt counts as failed and is retried later.
const PATIENCE: Duration = Duration::from_secs(120);

/// Orders a certificate for `https.domain`. The challenges answered are removed again whatever
/// happens.
pub async fn order(
    https: &Https,
    dir: &AcmeDir,
    challenges: &web::Challenges,
) -> Result<Issued, String> {
    let account = account(https, dir).await?;
    let identifiers = [Identifier::Dns(https.domain.clone())];
    let mut order = account
        .new_order(&NewOrder::new(&identifiers))
        .await
        .map_err(|e| format!("the CA refused the order: {e}"))?;
    let mut answered = Vec::new();
    let result = async {
        let mut authorizations = order.authorizations();
        while let Some(authorization) = authorizations.next().await {
            let mut authorization =
                authorization.map_err(|e| format!("cannot read the authorization: {e}"))?;
            match authorization.status {
                AuthorizationStatus::Valid => continue,
                AuthorizationStatus::Pending => {}
                other => return Err(format!("the authorization is {other:?}")),
            }
            let mut challenge = authorization
                .challenge(ChallengeType::Http01)
                .ok_or("the CA offers no HTTP-01 challenge")?;
            let token = challenge.token.clone();
            challenges.insert(&token, challenge.key_authorization().as_str());
            answered.push(token);
            challenge
                .set_ready()
                .await
                .map_err(|e| format!("the CA did not take the challenge: {e}"))?;
        }
        let retries = RetryPolicy::new()
            .initial_delay(Duration::from_millis(250))
            .timeout(PATIENCE);
        let status = order.poll_ready(&retries).await.map_err(|e| {
            format!(
                "the CA could not check http://{}/.well-known/acme-challenge/ (is port 80 reachable from the internet?): {e}",
                https.domain
            )
        })?;
        if status != OrderStatus::Ready {
            return Err(format!(
                "the CA could not check http://{}/.well-known/acme-challenge/ (is port 80 reachable from the internet?): the order is {status:?}",
                https.domain
            ));
        }
        let key_pem = order
            .finalize()
            .await
            .map_err(|e| format!("the CA refused to issue: {e}"))?;
        let chain_pem = order
            .poll_certificate(&retries)
            .await
            .map_err(|e| format!("the CA did not deliver the certificate: {e}"))?;
        Ok(Issued { key_pem, chain_pem })
    }
    .await;
    for token in &answered {
        challenges.remove(token);
    }
    result
}

/// The stored account for the directory, or a new one registered (and stored) now.
async fn account(https: &Https, dir: &AcmeDir) -> Result<Account, String> {
    if let Some(stored) = dir.account(&https.directory)? {
        return builder(https)?
            .from_credentials(stored.credentials)
            .await
            .map_err(|e| format!("cannot reach the ACME directory {}: {e}", https.directory));
    }
    let contact = https.email.as_ref().map(|e| format!("mailto:{e}"));
    let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
    let (account, credentials) = builder(https)?
        .create(
            &NewAccount {
                contact: &contacts,
                terms_of_service_agreed: true,
                only_return_existing: false,
            },
            https.directory.clone(),
            None,
        )
        .await
        .map_err(|e| {
            format!(
                "cannot register an ACME account at {}: {e}",
                https.directory
            )
        })?;
    dir.save_account(&StoredAccount {
        directory: https.directory.clone(),
        credentials,
    })?;
    tracing::info!(directory = %https.directory, "ACME account registered");
    Ok(account)
}

/// The HTTP client for the directory: the system's roots, or only the given CA.
fn builder(https: &Https) -> Result<AccountBuilder, String> {
    match &https.ca_file {
        Some(file) => Account::builder_with_root(file).map_err(|e| {
            format!(
                "cannot use {} as the ACME directory's CA: {e}",
                file.display()
            )
        }),
        None => Account::builder().map_err(|e| format!("cannot set up the ACME client: {e}")),
    }
}
