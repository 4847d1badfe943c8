//! Signing in and out, sessions, the first-run setup, and therapists added from the command line.
//!
//! The session id lives only in the cookie; the database keeps its SHA-256. Passwords are Argon2id
//! with the crate's defaults (19 MiB, 2 passes), hashed off the async threads.

use crate::actor::{Actor, Who};
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::ratelimit::Bucket;
use crate::App;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use domain::account::{Role, User};
use domain::audit::AuditAction;
use domain::practice::{Details, SetupInput};
use jiff::SignedDuration;
use sha2::{Digest, Sha256};
use store::{practice, users, Conn, StoreError};

/// Where a request came from, for rate limits and the session list.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

/// A therapist added from the command line, enrolled in TOTP at once so that scripts can sign in.
pub struct AddedTherapist {
    pub user: User,
    pub totp_secret: String,
    pub recovery_codes: Vec<String>,
}

/// A new session's id: goes into the cookie, never into the database.
pub struct SessionToken(pub String);

pub const SETUP_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(1);

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| AppError::internal("password hashing", e))?
    .map_err(|e| AppError::internal("password hashing", e.to_string()))
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let hash = if hash.is_empty() { decoy_hash() } else { hash };
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A real hash of a random password, verified when the email is unknown so that the answer takes
/// as long as for a known one.
fn decoy_hash() -> String {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(store::random_hex(16).as_bytes(), &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

pub const DEFAULT_CRISIS_CONTACTS: &str =
    "In an emergency, call your local emergency number (112 in the EU, 999 in the UK, 911 in the US and Canada).";

/// After this many failed sign-ins at one account within an hour, from anywhere, the therapist is
/// told (once an hour at most).
const GUESSING_NOTICE_AFTER: u32 = 5;

impl App {
    /// Signs a therapist in with email and password. Every failure answers the same, whether the
    /// email is unknown or the password wrong.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: &Client,
    ) -> AppResult<(SessionToken, User)> {
        let now = self.now();
        let account = domain::account::email_key(email);
        let by_address = self
            .limits()
            .allow(Bucket::SignInByAddress, &client.ip, now);
        let by_address_and_account = self.limits().allow(
            Bucket::SignInByAddressAndEmail,
            &format!("{} {account}", client.ip),
            now,
        );
        let everywhere = self.limits().allow(Bucket::SignInEverywhere, "", now);
        if !by_address || !by_address_and_account || !everywhere {
            self.audit_as(
                "anonymous",
                &client.ip,
                AuditAction::SignIn,
                "",
                "",
                Outcome::Refused,
            )
            .await?;
            return Err(AppError::RateLimited);
        }
        // Looked up on a plain connection that is given back before the (slow) hash is checked:
        // a transaction held across Argon2 would keep every other writer waiting on SQLite.
        let found = if email.len() > 254 || password.len() > domain::practice::PASSWORD_MAX {
            None
        } else {
            users::find_by_email(&mut self.db().conn().await?, email).await?
        };
        let (user, hash) = match found {
            Some((user, Some(hash))) if user.role.is_therapist() => (Some(user), hash),
            _ => (None, String::new()),
        };
        let ok = verify_password(password.to_string(), hash).await;
        match user {
            Some(user) if ok => {
                let mut tx = self.db().begin().await?;
                let token = self.start_session(&mut tx, &user, client).await?;
                self.audit_as_in(
                    &mut tx,
                    user.id.as_str(),
                    &client.ip,
                    AuditAction::SignIn,
                    "",
                    "",
                    Outcome::Ok,
                )
                .await?;
                tx.commit().await?;
                tracing::info!(user = %user.id, "signed in");
                Ok((token, user))
            }
            known => {
                // Nothing else is written for a failed sign-in: its audit row stands alone (and,
                // the fifth time within an hour, a mail that tells the therapist, in the same
                // transaction).
                let who = known
                    .as_ref()
                    .map_or_else(|| "unknown".into(), |u| u.id.to_string());
                if let Some(user) = &known {
                    let failures =
                        self.limits()
                            .count(Bucket::FailedSignInsOfAccount, user.id.as_str(), now);
                    if failures == GUESSING_NOTICE_AFTER {
                        let mut tx = self.db().begin().await?;
                        let task = crate::jobs::Task::SignInsFailed {
                            user: user.id.clone(),
                        };
                        store::jobs::enqueue(
                            &mut tx,
                            task.job(
                                format!("sign-ins-failed:{}:{}", user.id, now.as_millisecond()),
                                now,
                            ),
                            now,
                        )
                        .await?;
                        tx.commit().await?;
                        self.wake_jobs();
                    }
                }
                self.audit_as(
                    &who,
                    &client.ip,
                    AuditAction::SignIn,
                    "",
                    "",
                    Outcome::Failed,
                )
                .await?;
                tracing::info!("sign-in refused");
                Err(AppError::field("email", "error-sign-in"))
            }
        }
    }

    /// A new session for `user`, written inside the caller's transaction.
    pub(crate) async fn start_session(
        &self,
        tx: &mut Conn,
        user: &User,
        client: &Client,
    ) -> AppResult<SessionToken> {
        let now = self.now();
        let token = store::random_hex(32);
        let ua: String = client.user_agent.chars().take(300).collect();
        let expires_at = self.config().session_policy.expires_at(now, now);
        users::create_session(
            tx,
            users::NewSession {
                id_hash: &hash_token(&token),
                user_id: &user.id,
                expires_at,
                user_agent: &ua,
                ip: &client.ip,
            },
            now,
        )
        .await?;
        Ok(SessionToken(token))
    }

    /// The actor behind a session cookie; anonymous when the session is unknown or has ended.
    /// A live session's idle clock restarts (written at most once a minute).
    pub async fn actor_for(&self, token: Option<&str>, source: &str) -> AppResult<Actor> {
        let Some(token) =
            token.filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        else {
            return Ok(Actor::anonymous(source));
        };
        let now = self.now();
        let id_hash = hash_token(token);
        // One statement each, on one connection: the touch is a single update, so it needs no
        // transaction (and most requests only read).
        let mut c = self.db().conn().await?;
        let Some(session) = users::session(&mut c, &id_hash, now).await? else {
            return Ok(Actor::anonymous(source));
        };
        if now.duration_since(session.last_seen_at) > SignedDuration::from_secs(60) {
            let expires_at = self
                .config()
                .session_policy
                .expires_at(session.created_at, now);
            users::touch_session(&mut c, &id_hash, now, expires_at).await?;
        }
        // Patients sign in by email link (the link is the factor); therapists need their second factor.
        let verified = session.user.role == Role::Patient || session.second_factor_at.is_some();
        Ok(Actor::signed(session.user, id_hash, verified, source))
    }

    #[tracing::instrument(skip_all)]
    pub async fn sign_out(&self, actor: &Actor) -> AppResult<()> {
        if let Who::Signed(s) = &actor.who {
            let mut tx = self.db().begin().await?;
            users::delete_session(&mut tx, &s.session).await?;
            self.audit_in(&mut tx, actor, AuditAction::SignOut, "", "", Outcome::Ok)
                .await?;
            tx.commit().await?;
            tracing::info!(user = %s.user.id, "signed out");
        }
        Ok(())
    }

    /// Whether the practice still has to be created (first run without `--demo`).
    pub async fn needs_setup(&self) -> AppResult<bool> {
        Ok(!practice::exists(&mut self.db().conn().await?).await?)
    }

    /// A one-time link that creates the practice, good for one hour.
    #[tracing::instrument(skip_all)]
    pub async fn create_setup_link(&self) -> AppResult<String> {
        let token = store::random_hex(24);
        let now = self.now();
        let mut tx = self.db().begin().await?;
        practice::add_setup_token(&mut tx, &hash_token(&token), now, now + SETUP_LINK_LIFETIME)
            .await?;
        tx.commit().await?;
        Ok(self.link(&format!("/setup/{token}")))
    }

    pub async fn setup_link_usable(&self, token: &str) -> AppResult<bool> {
        if !self.limits().allow(Bucket::Setup, "setup", self.now()) {
            return Err(AppError::RateLimited);
        }
        let mut c = self.db().conn().await?;
        Ok(practice::setup_token_usable(&mut c, &hash_token(token), self.now()).await?)
    }

    /// Creates the practice and its owner through the setup link, and signs the owner in: the
    /// practice, the owner, the used link, the audit row and the session commit together.
    #[tracing::instrument(skip_all)]
    pub async fn complete_setup(
        &self,
        token: &str,
        input: &SetupInput,
        client: &Client,
    ) -> AppResult<SessionToken> {
        let setup = input.validate()?;
        if !self.setup_link_usable(token).await? {
            return Err(AppError::NotFound);
        }
        let details = Details {
            name: setup.practice_name.clone(),
            owner_name: setup.owner_name.clone(),
            email: setup.email.clone(),
            time_zone: setup.time_zone.clone(),
            crisis_contacts: DEFAULT_CRISIS_CONTACTS.into(),
            ..Default::default()
        };
        let hash = hash_password(setup.password.clone()).await?;
        let owner = practice::NewOwner {
            email: &setup.email,
            name: &setup.owner_name,
            time_zone: &setup.time_zone,
            password_hash: &hash,
        };
        let mut tx = self.db().begin().await?;
        let user = match practice::create(
            &mut tx,
            &details,
            owner,
            Some(&hash_token(token)),
            self.now(),
        )
        .await
        {
            Err(StoreError::Conflict) => return Err(AppError::NotFound),
            other => other?,
        };
        self.audit_as_in(
            &mut tx,
            user.id.as_str(),
            &client.ip,
            AuditAction::PracticeSetup,
            "",
            "",
            Outcome::Ok,
        )
        .await?;
        let session = self.start_session(&mut tx, &user, client).await?;
        store::site::bump(&mut tx).await?;
        tx.commit().await?;
        self.site_changed();
        tracing::info!(user = %user.id, "practice created");
        Ok(session)
    }

    /// Adds a therapist from the command line. On a practice that does not exist yet, the first one
    /// becomes its owner and the practice is created with their details (edit the rest in the admin).
    /// The account (and the practice), the second factor and its recovery codes commit together.
    #[tracing::instrument(skip_all)]
    pub async fn add_therapist(
        &self,
        email: &str,
        name: &str,
        time_zone: &str,
        password: &str,
    ) -> AppResult<AddedTherapist> {
        let mut errors = domain::FieldErrors::default();
        let email = domain::validation::email(&mut errors, "email", email);
        let name = domain::validation::line(&mut errors, "name", name, true, 120);
        let time_zone = domain::practice::time_zone(&mut errors, "time_zone", time_zone);
        let password = domain::practice::password(&mut errors, "password", password);
        let (email, name, time_zone, password) =
            errors.finish((email, name, time_zone, password))?;
        let hash = hash_password(password).await?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let result = if practice::exists(&mut tx).await? {
            users::create(
                &mut tx,
                users::NewUser {
                    role: Role::Therapist,
                    email: &email,
                    name: &name,
                    time_zone: &time_zone,
                    password_hash: Some(&hash),
                },
                now,
            )
            .await
        } else {
            let details = Details {
                name: format!("{name} — psychotherapy"),
                owner_name: name.clone(),
                email: email.clone(),
                time_zone: time_zone.clone(),
                crisis_contacts: DEFAULT_CRISIS_CONTACTS.into(),
                ..Default::default()
            };
            let owner = practice::NewOwner {
                email: &email,
                name: &name,
                time_zone: &time_zone,
                password_hash: &hash,
            };
            practice::create(&mut tx, &details, owner, None, now).await
        };
        let user = match result {
            Err(StoreError::Conflict) => return Err(AppError::field("email", "error-email-taken")),
            other => other?,
        };
        let (totp_secret, recovery_codes) = self.enrol_directly(&mut tx, &user).await?;
        store::site::bump(&mut tx).await?;
        tx.commit().await?;
        self.site_changed();
        Ok(AddedTherapist {
            user,
            totp_secret,
            recovery_codes,
        })
    }
}
