//! Passkeys (WebAuthn, through webauthn-rs): a patient signs in with one instead of an email
//! link; a therapist may use one as the second factor instead of a TOTP code.
//!
//! The relying party is the public URL's host; browsers allow passkeys only on a domain name
//! (`localhost` included), never on a bare IP address, so the feature is off for such URLs.

use crate::accounts::{Client, SessionToken};
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::ratelimit::Bucket;
use crate::App;
use domain::account::{Role, User};
use domain::audit::AuditAction;
use domain::ids::UserId;
use jiff::SignedDuration;
use sha2::{Digest, Sha256};
use store::{passkeys, users, Conn};
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Uuid,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

const CEREMONY_LIFETIME: SignedDuration = SignedDuration::from_mins(5);

/// A ceremony's options for the browser, and the id under which its state waits.
pub struct Started {
    pub ceremony: String,
    pub options: serde_json::Value,
}

fn bad(e: impl std::fmt::Display) -> AppError {
    tracing::info!(error = %e, "passkey ceremony refused");
    AppError::field("passkey", "error-passkey")
}

impl App {
    /// The relying party, or `None` where passkeys cannot work (an IP address as the host).
    fn webauthn(&self) -> Option<Webauthn> {
        let origin = url::Url::parse(&self.config().public_url).ok()?;
        let host = origin.host_str()?.to_string();
        if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            return None;
        }
        WebauthnBuilder::new(&host, &origin)
            .ok()?
            .rp_name("holdspace")
            .build()
            .ok()
    }

    pub fn passkeys_available(&self) -> bool {
        self.webauthn().is_some()
    }

    fn webauthn_or_refuse(&self) -> AppResult<Webauthn> {
        self.webauthn().ok_or(AppError::NotFound)
    }

    async fn passkeys_of(&self, c: &mut Conn, user: &UserId) -> AppResult<Vec<(String, Passkey)>> {
        let stored = passkeys::of_user(c, user).await?;
        Ok(stored
            .into_iter()
            .filter_map(|k| {
                serde_json::from_str::<Passkey>(&k.json)
                    .ok()
                    .map(|p| (k.id, p))
            })
            .collect())
    }

    /// Starts adding a passkey to the signed-in person's account.
    #[tracing::instrument(skip_all, fields(user = %actor.audit_id()))]
    pub async fn start_passkey_registration(&self, actor: &Actor) -> AppResult<Started> {
        let webauthn = self.webauthn_or_refuse()?;
        let user = actor
            .user()
            .filter(|_| actor.role().is_some())
            .ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let existing = self.passkeys_of(&mut tx, &user.id).await?;
        let exclude = existing.iter().map(|(_, p)| p.cred_id().clone()).collect();
        // User ids are 128 random bits in hex: the same bits make the WebAuthn user handle.
        let uuid = Uuid::from_slice(&hex::decode(user.id.as_str()).unwrap_or_default())
            .unwrap_or(Uuid::nil());
        let (options, state) = webauthn
            .start_passkey_registration(uuid, &user.email, &user.name, Some(exclude))
            .map_err(bad)?;
        let state = serde_json::to_string::<PasskeyRegistration>(&state).map_err(bad)?;
        let ceremony = passkeys::save_challenge(
            &mut tx,
            Some(&user.id),
            "register",
            &state,
            self.now() + CEREMONY_LIFETIME,
        )
        .await?;
        tx.commit().await?;
        Ok(Started {
            ceremony,
            options: serde_json::to_value(options).map_err(bad)?,
        })
    }

    /// Adds the passkey; the used ceremony, the passkey and the audit row commit together.
    #[tracing::instrument(skip_all, fields(user = %actor.audit_id()))]
    pub async fn finish_passkey_registration(
        &self,
        actor: &Actor,
        ceremony: &str,
        credential: serde_json::Value,
    ) -> AppResult<()> {
        let webauthn = self.webauthn_or_refuse()?;
        let user = actor
            .user()
            .filter(|_| actor.role().is_some())
            .ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let (owner, state) = passkeys::take_challenge(&mut tx, ceremony, "register", self.now())
            .await?
            .ok_or_else(|| bad("no such ceremony"))?;
        if owner.as_ref() != Some(&user.id) {
            return Err(bad("ceremony of someone else"));
        }
        let state: PasskeyRegistration = serde_json::from_str(&state).map_err(bad)?;
        let credential: RegisterPublicKeyCredential =
            serde_json::from_value(credential).map_err(bad)?;
        let passkey = webauthn
            .finish_passkey_registration(&credential, &state)
            .map_err(bad)?;
        let cred_id = serde_json::to_string(passkey.cred_id()).map_err(bad)?;
        passkeys::add(
            &mut tx,
            &user.id,
            cred_id.trim_matches('"'),
            &serde_json::to_string(&passkey).map_err(bad)?,
            self.now(),
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict => AppError::field("passkey", "error-passkey-known"),
            e => e.into(),
        })?;
        self.audit_in(&mut tx, actor, AuditAction::PasskeyAdd, "", "", Outcome::Ok)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn passkey_count(&self, actor: &Actor) -> AppResult<u64> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        Ok(passkeys::count(&mut self.db().conn().await?, &user.id).await?)
    }

    /// Starts a patient's sign-in by passkey. An unknown address gets options of the same shape
    /// (with a credential no authenticator has), so the answer tells nobody who is a patient.
    #[tracing::instrument(skip_all)]
    pub async fn start_passkey_sign_in(&self, email: &str, client: &Client) -> AppResult<Started> {
        let webauthn = self.webauthn_or_refuse()?;
        if !self
            .limits()
            .allow(Bucket::MagicLinkByAddress, &client.ip, self.now())
        {
            return Err(AppError::RateLimited);
        }
        let mut tx = self.db().begin().await?;
        let patient = match users::find_by_email(&mut tx, email).await? {
            Some((u, _)) if u.role == Role::Patient => Some(u),
            _ => None,
        };
        let keys = match &patient {
            Some(u) => self.passkeys_of(&mut tx, &u.id).await?,
            None => Vec::new(),
        };
        if keys.is_empty() {
            return Ok(decoy(&webauthn, email));
        }
        let started = self
            .start_authentication(
                &mut tx,
                &webauthn,
                patient.as_ref().map(|u| &u.id),
                &keys,
                "sign-in",
            )
            .await?;
        tx.commit().await?;
        Ok(started)
    }

    async fn start_authentication(
        &self,
        tx: &mut Conn,
        webauthn: &Webauthn,
        user: Option<&UserId>,
        keys: &[(String, Passkey)],
        kind: &str,
    ) -> AppResult<Started> {
        let creds: Vec<Passkey> = keys.iter().map(|(_, p)| p.clone()).collect();
        let (options, state) = webauthn.start_passkey_authentication(&creds).map_err(bad)?;
        let state = serde_json::to_string::<PasskeyAuthentication>(&state).map_err(bad)?;
        let ceremony =
            passkeys::save_challenge(tx, user, kind, &state, self.now() + CEREMONY_LIFETIME)
                .await?;
        Ok(Started {
            ceremony,
            options: serde_json::to_value(options).map_err(bad)?,
        })
    }

    /// Checks an answer to a ceremony inside the caller's transaction: the ceremony is used up
    /// and the passkey's counter moves on only if the caller commits.
    async fn finish_authentication(
        &self,
        tx: &mut Conn,
        ceremony: &str,
        kind: &str,
        credential: serde_json::Value,
    ) -> AppResult<User> {
        let webauthn = self.webauthn_or_refuse()?;
        let (owner, state) = passkeys::take_challenge(tx, ceremony, kind, self.now())
            .await?
            .ok_or_else(|| bad("no such ceremony"))?;
        let owner = owner.ok_or_else(|| bad("ceremony without a person"))?;
        let state: PasskeyAuthentication = serde_json::from_str(&state).map_err(bad)?;
        let credential: PublicKeyCredential = serde_json::from_value(credential).map_err(bad)?;
        let result = webauthn
            .finish_passkey_authentication(&credential, &state)
            .map_err(bad)?;
        for (row, mut key) in self.passkeys_of(tx, &owner).await? {
            if key.update_credential(&result) == Some(true) {
                passkeys::update(
                    tx,
                    &row,
                    &serde_json::to_string(&key).map_err(bad)?,
                    self.now(),
                )
                .await?;
            }
        }
        users::get(tx, &owner).await?.ok_or(AppError::NotFound)
    }

    /// Finishes a patient's passkey sign-in with a new session: the used ceremony, the passkey's
    /// counter, the session and the audit row commit together; a refusal's audit row stands alone.
    #[tracing::instrument(skip_all)]
    pub async fn finish_passkey_sign_in(
        &self,
        ceremony: &str,
        credential: serde_json::Value,
        client: &Client,
    ) -> AppResult<SessionToken> {
        let mut tx = self.db().begin().await?;
        match self
            .finish_authentication(&mut tx, ceremony, "sign-in", credential)
            .await
        {
            Ok(user) if user.role == Role::Patient => {
                let session = self.start_session(&mut tx, &user, client).await?;
                self.audit_as_in(
                    &mut tx,
                    user.id.as_str(),
                    &client.ip,
                    AuditAction::SignInPasskey,
                    "",
                    "",
                    Outcome::Ok,
                )
                .await?;
                tx.commit().await?;
                Ok(session)
            }
            Ok(_) | Err(_) => {
                // The ceremony is used up even when refused: it is taken once, whatever the answer.
                tx.commit().await?;
                self.audit_as(
                    "anonymous",
                    &client.ip,
                    AuditAction::SignInPasskey,
                    "",
                    "",
                    Outcome::Failed,
                )
                .await?;
                Err(bad("sign-in refused"))
            }
        }
    }

    /// A therapist who gave their password starts the second factor with a passkey.
    #[tracing::instrument(skip_all, fields(user = %actor.audit_id()))]
    pub async fn start_passkey_second_factor(&self, actor: &Actor) -> AppResult<Started> {
        let webauthn = self.webauthn_or_refuse()?;
        let user = actor
            .user()
            .filter(|u| u.role.is_therapist())
            .ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let keys = self.passkeys_of(&mut tx, &user.id).await?;
        if keys.is_empty() {
            return Err(bad("no passkey"));
        }
        let started = self
            .start_authentication(&mut tx, &webauthn, Some(&user.id), &keys, "second-factor")
            .await?;
        tx.commit().await?;
        Ok(started)
    }

    /// The passkey as second factor: the used ceremony, the passkey's counter, the session's
    /// second factor and the audit row commit together.
    #[tracing::instrument(skip_all, fields(user = %actor.audit_id()))]
    pub async fn finish_passkey_second_factor(
        &self,
        actor: &Actor,
        ceremony: &str,
        credential: serde_json::Value,
    ) -> AppResult<()> {
        let user = actor
            .user()
            .filter(|u| u.role.is_therapist())
            .ok_or(AppError::Unauthenticated)?;
        let session = actor.session().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let owner = match self
            .finish_authentication(&mut tx, ceremony, "second-factor", credential)
            .await
        {
            Ok(owner) => owner,
            Err(e) => {
                // The ceremony is used up even when refused: it is taken once, whatever the answer.
                tx.commit().await?;
                self.audit(
                    actor,
                    AuditAction::TwoFactorPasskey,
                    "",
                    "",
                    Outcome::Failed,
                )
                .await?;
                return Err(e);
            }
        };
        if owner.id != user.id {
            tx.commit().await?;
            return Err(bad("someone else's passkey"));
        }
        users::confirm_second_factor(&mut tx, session, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::TwoFactorPasskey,
            "",
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Options shaped like a real sign-in's, for an address with no passkey: the credential id is
/// derived from the address, so asking twice gives the same answer.
fn decoy(webauthn: &Webauthn, email: &str) -> Started {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let id =
        b64.encode(&Sha256::digest(format!("decoy:{}", domain::account::email_key(email)))[..16]);
    let mut challenge = [0u8; 32];
    getrandom::fill(&mut challenge).expect("the operating system's random source failed");
    let rp_id = webauthn
        .get_allowed_origins()
        .first()
        .and_then(|o| o.host_str().map(str::to_string))
        .unwrap_or_default();
    Started {
        ceremony: store::random_hex(16),
        options: serde_json::json!({
            "publicKey": {
                "challenge": b64.encode(challenge),
                "timeout": 300000,
                "rpId": rp_id,
                "allowCredentials": [{ "type": "public-key", "id": id }],
                "userVerification": "required",
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relying_party_for_localhost_and_a_domain_but_not_an_ip() {
        for (url, ok) in [
            ("http://localhost:8080", true),
            ("https://practice.example.org", true),
            ("http://127.0.0.1:8080", false),
        ] {
            let origin = url::Url::parse(url).unwrap();
            let host = origin.host_str().unwrap().to_string();
            let built =
                WebauthnBuilder::new(&host, &origin).and_then(webauthn_rs::WebauthnBuilder::build);
            assert_eq!(built.is_ok(), ok, "{url}: {:?}", built.err());
        }
    }
}
