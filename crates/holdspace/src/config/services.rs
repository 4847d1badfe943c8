//! The settings of the services holdspace talks to (the video relay, Stripe), checked together.

use super::{check, Given};
use secrecy::{ExposeSecret, SecretString};

/// STUN and TURN addresses, each checked by its scheme; TURN needs its shared secret.
pub(super) fn ice_config(
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
pub(super) fn stripe_config(
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
