//! ICE servers for the browsers: STUN as configured, and TURN with time-limited credentials by the
//! TURN REST convention, so coturn, eturnal or any compatible relay works without holdspace
//! keeping a user list there.
//!
//! The convention: the username is `<expiry unix seconds>:<user>`, the password is
//! base64(HMAC-SHA1(shared secret, username)). The relay recomputes the password from its copy of
//! the secret and refuses the pair once the expiry has passed.

use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

/// What the operator configures for media relays.
#[derive(Clone, Debug, Default)]
pub struct IceConfig {
    /// `stun:host:port` addresses; none by default, so that no third party learns who calls.
    pub stun_urls: Vec<String>,
    /// `turn:host:port?transport=udp`, `turns:…` addresses of a relay that shares `turn_secret`.
    pub turn_urls: Vec<String>,
    /// The relay's `static-auth-secret`; its `Debug` reads `[REDACTED]`.
    pub turn_secret: Option<SecretString>,
}

impl IceConfig {
    pub fn has_relay(&self) -> bool {
        !self.turn_urls.is_empty() && self.turn_secret.is_some()
    }
}

/// One entry of `RTCConfiguration.iceServers`, as the browser takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// The credential pair for `user`, valid until `expires` (unix seconds).
pub fn credentials(secret: &str, user: &str, expires: i64) -> (String, String) {
    let username = format!("{expires}:{user}");
    let mut mac =
        Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(username.as_bytes());
    let password = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, password)
}

/// The ICE servers for one person until `expires`. `user` is an opaque label (never a name or an
/// address: relays log it).
pub fn ice_servers(config: &IceConfig, user: &str, expires: jiff::Timestamp) -> Vec<IceServer> {
    let mut servers = Vec::new();
    if !config.stun_urls.is_empty() {
        servers.push(IceServer {
            urls: config.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    if let (false, Some(secret)) = (config.turn_urls.is_empty(), &config.turn_secret) {
        let (username, credential) = credentials(secret.expose_secret(), user, expires.as_second());
        servers.push(IceServer {
            urls: config.turn_urls.clone(),
            username: Some(username),
            credential: Some(credential),
        });
    }
    servers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_rest_conventions_hmac() {
        // Computed independently:
        // printf '1700000000:alice' | openssl dgst -sha1 -hmac 'north' -binary | base64
        let (user, pass) = credentials("north", "alice", 1_700_000_000);
        assert_eq!(user, "1700000000:alice");
        assert_eq!(pass, "Cd/49soE35ICqcJF/bCTn8Z4OyE=");
    }

    #[test]
    fn no_relay_without_both_an_address_and_a_secret() {
        let t = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        let none = IceConfig::default();
        assert!(ice_servers(&none, "u", t).is_empty());
        let stun_only = IceConfig {
            stun_urls: vec!["stun:127.0.0.1:3478".into()],
            turn_urls: vec!["turn:127.0.0.1:3478".into()],
            turn_secret: None,
        };
        let servers = ice_servers(&stun_only, "u", t);
        assert_eq!(servers.len(), 1);
        assert!(servers[0].username.is_none());
        let both = IceConfig {
            turn_secret: Some("s".into()),
            ..stun_only
        };
        let servers = ice_servers(&both, "u", t);
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[1].username.as_deref(), Some("1700000000:u"));
    }

    #[test]
    fn the_secret_never_prints() {
        let config = IceConfig {
            turn_urls: vec!["turn:127.0.0.1:3478".into()],
            turn_secret: Some("north-wind-secret".into()),
            stun_urls: vec![],
        };
        let shown = format!(
            "{config:?} {:?}",
            crate::Config {
                ice: config.clone(),
                ..Default::default()
            }
        );
        assert!(!shown.contains("north-wind"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }
}
