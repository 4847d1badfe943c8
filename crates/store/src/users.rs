//! Accounts and their server-side sessions.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::identity::{email_blind, opened, sealed_role};
use crate::seal::Keyring;
use crate::{ms, new_id, ts};
use domain::account::{Role, User};
use domain::ids::UserId;
use jiff::Timestamp;

pub struct NewUser<'a> {
    pub role: Role,
    pub email: &'a str,
    pub name: &'a str,
    pub time_zone: &'a str,
    pub password_hash: Option<&'a str>,
}

const USER_COLUMNS: &str = "id, role, email, name, email_sealed, name_sealed, time_zone";

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    role: String,
    email: String,
    name: String,
    email_sealed: Option<String>,
    name_sealed: Option<String>,
    time_zone: String,
}

impl UserRow {
    fn user(self, keyring: &Keyring) -> StoreResult<User> {
        let role = Role::parse(&self.role).ok_or(StoreError::Seal("unknown role"))?;
        let email = opened(
            keyring,
            "users",
            "email_sealed",
            &self.id,
            self.email,
            self.email_sealed.as_deref(),
        )?;
        let name = opened(
            keyring,
            "users",
            "name_sealed",
            &self.id,
            self.name,
            self.name_sealed.as_deref(),
        )?;
        Ok(User {
            id: UserId(self.id),
            role,
            email,
            name,
            time_zone: self.time_zone,
        })
    }
}

/// What the `name`, `email`, `name_sealed` and `email_sealed` columns of a user hold: a patient's
/// name and address sealed (the plain columns empty), anyone else's readable.
struct StoredIdentity {
    name: String,
    email: String,
    name_sealed: Option<String>,
    email_sealed: Option<String>,
}

fn stored_identity(
    keyring: &Keyring,
    id: &str,
    role: Role,
    name: &str,
    email: &str,
) -> StoredIdentity {
    if sealed_role(role) {
        StoredIdentity {
            name: String::new(),
            email: String::new(),
            name_sealed: Some(keyring.seal("users", "name_sealed", id, name)),
            email_sealed: Some(keyring.seal("users", "email_sealed", id, email)),
        }
    } else {
        StoredIdentity {
            name: name.to_string(),
            email: email.to_string(),
            name_sealed: None,
            email_sealed: None,
        }
    }
}

/// Adds an account. `Conflict` when the email is taken (in any case).
pub async fn create(c: &mut Conn, u: NewUser<'_>, now: Timestamp) -> StoreResult<User> {
    let id = new_id();
    let stored = stored_identity(&c.keyring, &id, u.role, u.name, u.email);
    let blind = email_blind(&c.keyring, u.email);
    sqlx::query("INSERT INTO users (id, role, email, email_blind, name, time_zone, password_hash, created_at, name_sealed, email_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(&id)
        .bind(u.role.as_str())
        .bind(stored.email)
        .bind(blind)
        .bind(stored.name)
        .bind(u.time_zone)
        .bind(u.password_hash)
        .bind(ms(now))
        .bind(stored.name_sealed)
        .bind(stored.email_sealed)
        .execute(c.ex())
        .await?;
    Ok(User {
        id: UserId(id),
        role: u.role,
        email: u.email.to_string(),
        name: u.name.to_string(),
        time_zone: u.time_zone.to_string(),
    })
}

pub async fn get(c: &mut Conn, id: &UserId) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND disabled_at IS NULL"
    ))
    .bind(id.as_str())
    .fetch_optional(c.ex())
    .await?;
    row.map(|r| r.user(&c.keyring)).transpose()
}

#[derive(sqlx::FromRow)]
struct SignInRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: Option<String>,
}

/// The account with this email and its password hash, for signing in (found by the blind index,
/// so the address is matched as sign-in normalises it, whatever its case).
pub async fn find_by_email(
    c: &mut Conn,
    email: &str,
) -> StoreResult<Option<(User, Option<String>)>> {
    let row: Option<SignInRow> =
        sqlx::query_as(&format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email_blind = $1 AND disabled_at IS NULL"))
            .bind(email_blind(&c.keyring, email))
            .fetch_optional(c.ex())
            .await?;
    row.map(|r| Ok((r.user.user(&c.keyring)?, r.password_hash)))
        .transpose()
}

pub async fn set_password_hash(c: &mut Conn, id: &UserId, hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

/// A session as stored: only the hash of its id is known to the database.
#[derive(Clone, Debug)]
pub struct SessionRow {
    pub id_hash: String,
    pub user: User,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub user_agent: String,
    pub ip: String,
    pub second_factor_at: Option<Timestamp>,
}

/// A `sessions` row as read.
#[derive(sqlx::FromRow)]
struct SessionColumns {
    id_hash: String,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    user_agent: String,
    ip: String,
    second_factor_at: Option<i64>,
}

impl SessionColumns {
    fn with(self, user: User) -> SessionRow {
        SessionRow {
            id_hash: self.id_hash,
            user,
            created_at: ts(self.created_at),
            last_seen_at: ts(self.last_seen_at),
            expires_at: ts(self.expires_at),
            user_agent: self.user_agent,
            ip: self.ip,
            second_factor_at: self.second_factor_at.map(ts),
        }
    }
}

#[derive(sqlx::FromRow)]
struct SessionWithUser {
    #[sqlx(flatten)]
    session: SessionColumns,
    #[sqlx(flatten)]
    user: UserRow,
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: &'a UserId,
    pub expires_at: Timestamp,
    pub user_agent: &'a str,
    pub ip: &'a str,
}

pub async fn create_session(c: &mut Conn, s: NewSession<'_>, now: Timestamp) -> StoreResult<()> {
    sqlx::query("INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip) VALUES ($1, $2, $3, $3, $4, $5, $6)")
        .bind(s.id_hash)
        .bind(s.user_id.as_str())
        .bind(ms(now))
        .bind(ms(s.expires_at))
        .bind(s.user_agent)
        .bind(s.ip)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// The live session with this id hash, if it has not expired.
pub async fn session(
    c: &mut Conn,
    id_hash: &str,
    now: Timestamp,
) -> StoreResult<Option<SessionRow>> {
    let row: Option<SessionWithUser> = sqlx::query_as(
        "SELECT s.id_hash, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, s.ip, s.second_factor_at,
                u.id, u.role, u.email, u.name, u.email_sealed, u.name_sealed, u.time_zone
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
    )
    .bind(id_hash)
    .bind(ms(now))
    .fetch_optional(c.ex())
    .await?;
    row.map(|r| Ok(r.session.with(r.user.user(&c.keyring)?)))
        .transpose()
}

pub async fn touch_session(
    c: &mut Conn,
    id_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3")
        .bind(ms(now))
        .bind(ms(expires_at))
        .bind(id_hash)
        .execute(c.ex())
        .await?;
    Ok(())
}

pub async fn delete_session(c: &mut Conn, id_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// Removes sessions that have ended; returns how many.
pub async fn purge_expired_sessions(c: &mut Conn, now: Timestamp) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected())
}

/// The second factor's state of an account.
#[derive(Clone, Debug)]
pub struct TotpState {
    pub secret: Option<String>,
    pub enabled: bool,
    pub last_step: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct TotpRow {
    totp_secret_sealed: Option<String>,
    totp_enabled_at: Option<i64>,
    totp_last_step: Option<i64>,
}

pub async fn totp(c: &mut Conn, id: &UserId) -> StoreResult<TotpState> {
    let row: Option<TotpRow> = sqlx::query_as(
        "SELECT totp_secret_sealed, totp_enabled_at, totp_last_step FROM users WHERE id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(c.ex())
    .await?;
    let row = row.ok_or(StoreError::NotFound)?;
    let secret = row
        .totp_secret_sealed
        .map(|s| {
            c.keyring
                .open("users", "totp_secret_sealed", id.as_str(), &s)
        })
        .transpose()?;
    Ok(TotpState {
        secret,
        enabled: row.totp_enabled_at.is_some(),
        last_step: row.totp_last_step,
    })
}

/// Keeps a (not yet confirmed) secret; it counts once `enable_totp` confirms it.
pub async fn set_totp_secret(c: &mut Conn, id: &UserId, secret: &str) -> StoreResult<()> {
    let sealed = c
        .keyring
        .seal("users", "totp_secret_sealed", id.as_str(), secret);
    sqlx::query("UPDATE users SET totp_secret_sealed = $1, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $2").bind(sealed).bind(id.as_str()).execute(c.ex()).await?;
    Ok(())
}

/// Confirms the secret and replaces the recovery codes (inside the caller's transaction).
pub async fn enable_totp(
    c: &mut Conn,
    id: &UserId,
    step: i64,
    recovery_hashes: &[String],
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE users SET totp_enabled_at = $1, totp_last_step = $2 WHERE id = $3")
        .bind(ms(now))
        .bind(step)
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    for hash in recovery_hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(id.as_str())
            .bind(hash)
            .execute(c.ex())
            .await?;
    }
    Ok(())
}

/// Records the time step of an accepted code, only if it is newer than the last: a code is never
/// accepted twice. Returns whether it was newer.
pub async fn use_totp_step(c: &mut Conn, id: &UserId, step: i64) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)")
        .bind(step)
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Uses a recovery code once. Returns whether it was there and unused.
pub async fn use_recovery_code(
    c: &mut Conn,
    id: &UserId,
    code_hash: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
        .bind(ms(now))
        .bind(id.as_str())
        .bind(code_hash)
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left(c: &mut Conn, id: &UserId) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(id.as_str())
    .fetch_one(c.ex())
    .await?;
    Ok(n as u64)
}

/// Marks a session as having passed the second factor.
pub async fn confirm_second_factor(c: &mut Conn, id_hash: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET second_factor_at = $1 WHERE id_hash = $2")
        .bind(ms(now))
        .bind(id_hash)
        .execute(c.ex())
        .await?;
    Ok(())
}

pub async fn second_factor_done(c: &mut Conn, id_hash: &str) -> StoreResult<bool> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT second_factor_at FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(c.ex())
            .await?;
    Ok(matches!(at, Some(Some(_))))
}

/// A person's live sessions, newest first.
pub async fn sessions_of(
    c: &mut Conn,
    id: &UserId,
    now: Timestamp,
) -> StoreResult<Vec<SessionRow>> {
    let user = get(c, id).await?.ok_or(StoreError::NotFound)?;
    let rows: Vec<SessionColumns> = sqlx::query_as(
        "SELECT id_hash, created_at, last_seen_at, expires_at, user_agent, ip, second_factor_at FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC",
    )
    .bind(id.as_str())
    .bind(ms(now))
    .fetch_all(c.ex())
    .await?;
    Ok(rows.into_iter().map(|r| r.with(user.clone())).collect())
}

/// Ends every session of a person ("sign out everywhere").
pub async fn delete_sessions_of(c: &mut Conn, id: &UserId) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id.as_str())
        .execute(c.ex())
        .await?
        .rows_affected())
}

/// Records a one-time token (magic link, invitation); only its hash is kept.
pub async fn add_login_token(
    c: &mut Conn,
    token_hash: &str,
    user: &UserId,
    purpose: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO login_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(user.as_str())
        .bind(purpose)
        .bind(ms(now))
        .bind(ms(expires_at))
        .execute(c.ex())
        .await?;
    Ok(())
}

/// The account a live, unused token of `purpose` belongs to, without using it.
pub async fn peek_login_token(
    c: &mut Conn,
    token_hash: &str,
    purpose: &str,
    now: Timestamp,
) -> StoreResult<Option<User>> {
    let id: Option<String> = sqlx::query_scalar("SELECT user_id FROM login_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3")
        .bind(token_hash)
        .bind(purpose)
        .bind(ms(now))
        .fetch_optional(c.ex())
        .await?;
    match id {
        Some(id) => get(c, &UserId(id)).await,
        None => Ok(None),
    }
}

/// Uses a token: it works once, before it expires. Returns its account.
pub async fn use_login_token(
    c: &mut Conn,
    token_hash: &str,
    purpose: &str,
    now: Timestamp,
) -> StoreResult<Option<User>> {
    let user = peek_login_token(c, token_hash, purpose, now).await?;
    let done = sqlx::query("UPDATE login_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1")
        .bind(ms(now))
        .bind(token_hash)
        .bind(purpose)
        .execute(c.ex())
        .await?;
    Ok(if done.rows_affected() == 1 {
        user
    } else {
        None
    })
}

/// The practice's therapists (owner first).
pub async fn therapists(c: &mut Conn) -> StoreResult<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE role IN ('owner', 'therapist') AND disabled_at IS NULL ORDER BY role DESC, name"))
        .fetch_all(c.ex())
        .await?;
    rows.into_iter().map(|r| r.user(&c.keyring)).collect()
}

pub async fn language(c: &mut Conn, id: &UserId) -> StoreResult<String> {
    Ok(
        sqlx::query_scalar("SELECT language FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(c.ex())
            .await?
            .unwrap_or_else(|| "en".into()),
    )
}

/// The country a person gave (none: guess it from their zone).
pub async fn country(c: &mut Conn, id: &UserId) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar::<_, Option<String>>("SELECT country FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(c.ex())
            .await?
            .flatten(),
    )
}

/// Sets the country a person gave; `None` goes back to the zone's guess.
pub async fn set_country(c: &mut Conn, id: &UserId, country: Option<&str>) -> StoreResult<()> {
    sqlx::query("UPDATE users SET country = $1 WHERE id = $2")
        .bind(country)
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

/// Sets the country a person gave unless they gave one before (a booking does not overrule the
/// profile).
pub async fn set_country_if_unset(c: &mut Conn, id: &UserId, country: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET country = $1 WHERE id = $2 AND country IS NULL")
        .bind(country)
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}

/// Changes a person's own profile. `Conflict` when the new email belongs to someone else.
pub async fn update_profile(
    c: &mut Conn,
    id: &UserId,
    name: &str,
    email: &str,
    time_zone: &str,
    language: &str,
) -> StoreResult<()> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(c.ex())
        .await?;
    let role = role
        .as_deref()
        .and_then(Role::parse)
        .ok_or(StoreError::NotFound)?;
    let stored = stored_identity(&c.keyring, id.as_str(), role, name, email);
    let blind = email_blind(&c.keyring, email);
    sqlx::query("UPDATE users SET name = $1, email = $2, email_blind = $3, time_zone = $4, language = $5, name_sealed = $6, email_sealed = $7 WHERE id = $8")
        .bind(stored.name)
        .bind(stored.email)
        .bind(blind)
        .bind(time_zone)
        .bind(language)
        .bind(stored.name_sealed)
        .bind(stored.email_sealed)
        .bind(id.as_str())
        .execute(c.ex())
        .await?;
    Ok(())
}
