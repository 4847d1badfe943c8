//! Accounts and their server-side sessions.

use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use crate::{ms, new_id, ts};
use domain::account::{email_key, Role, User};
use domain::ids::UserId;
use jiff::Timestamp;
use sqlx::{Any, Transaction};

pub struct NewUser<'a> {
    pub role: Role,
    pub email: &'a str,
    pub name: &'a str,
    pub time_zone: &'a str,
    pub password_hash: Option<&'a str>,
}

const USER_COLUMNS: &str = "id, role, email, name, time_zone";
type UserRow = (String, String, String, String, String);

fn user(r: UserRow) -> StoreResult<User> {
    let role = Role::parse(&r.1).ok_or(StoreError::Seal("unknown role"))?;
    Ok(User { id: UserId(r.0), role, email: r.2, name: r.3, time_zone: r.4 })
}

pub(crate) async fn insert(tx: &mut Transaction<'_, Any>, u: NewUser<'_>, now: Timestamp) -> StoreResult<User> {
    let id = new_id();
    sqlx::query("INSERT INTO users (id, role, email, email_key, name, time_zone, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&id)
        .bind(u.role.as_str())
        .bind(u.email)
        .bind(email_key(u.email))
        .bind(u.name)
        .bind(u.time_zone)
        .bind(u.password_hash)
        .bind(ms(now))
        .execute(&mut **tx)
        .await?;
    Ok(User { id: UserId(id), role: u.role, email: u.email.to_string(), name: u.name.to_string(), time_zone: u.time_zone.to_string() })
}

/// Adds an account. `Conflict` when the email is taken (in any case).
pub async fn create(db: &Db, u: NewUser<'_>, now: Timestamp) -> StoreResult<User> {
    let mut tx = db.pool.begin().await?;
    let user = insert(&mut tx, u, now).await?;
    tx.commit().await?;
    Ok(user)
}

pub async fn get(db: &Db, id: &UserId) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND disabled_at IS NULL"))
        .bind(id.as_str())
        .fetch_optional(&db.pool)
        .await?;
    row.map(user).transpose()
}

/// The account with this email and its password hash, for signing in.
pub async fn by_email(db: &Db, email: &str) -> StoreResult<Option<(User, Option<String>)>> {
    let row: Option<(String, String, String, String, String, Option<String>)> =
        sqlx::query_as(&format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email_key = $1 AND disabled_at IS NULL"))
            .bind(email_key(email))
            .fetch_optional(&db.pool)
            .await?;
    match row {
        Some((a, b, c, d, e, hash)) => Ok(Some((user((a, b, c, d, e))?, hash))),
        None => Ok(None),
    }
}

pub async fn set_password_hash(db: &Db, id: &UserId, hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(id.as_str()).execute(&db.pool).await?;
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
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: &'a UserId,
    pub expires_at: Timestamp,
    pub user_agent: &'a str,
    pub ip: &'a str,
}

pub async fn create_session(db: &Db, s: NewSession<'_>, now: Timestamp) -> StoreResult<()> {
    sqlx::query("INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip) VALUES ($1, $2, $3, $3, $4, $5, $6)")
        .bind(s.id_hash)
        .bind(s.user_id.as_str())
        .bind(ms(now))
        .bind(ms(s.expires_at))
        .bind(s.user_agent)
        .bind(s.ip)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The live session with this id hash, if it has not expired.
pub async fn session(db: &Db, id_hash: &str, now: Timestamp) -> StoreResult<Option<SessionRow>> {
    let row: Option<(String, i64, i64, i64, String, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT s.id_hash, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, s.ip, u.id, u.role, u.email, u.name, u.time_zone
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
    )
    .bind(id_hash)
    .bind(ms(now))
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok(SessionRow {
            id_hash: r.0,
            created_at: ts(r.1),
            last_seen_at: ts(r.2),
            expires_at: ts(r.3),
            user_agent: r.4,
            ip: r.5,
            user: user((r.6, r.7, r.8, r.9, r.10))?,
        })
    })
    .transpose()
}

pub async fn touch_session(db: &Db, id_hash: &str, now: Timestamp, expires_at: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3")
        .bind(ms(now))
        .bind(ms(expires_at))
        .bind(id_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, id_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&db.pool).await?;
    Ok(())
}

/// Removes sessions that have ended; returns how many.
pub async fn purge_expired_sessions(db: &Db, now: Timestamp) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(ms(now)).execute(&db.pool).await?;
    Ok(done.rows_affected())
}
