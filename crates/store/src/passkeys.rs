//! Passkeys and the state of WebAuthn ceremonies under way, both sealed (the state stays in the
//! database so that the ceremony may finish on another instance).

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::{ms, new_id};
use domain::ids::UserId;
use jiff::Timestamp;

pub async fn add(
    c: &mut Conn,
    user: &UserId,
    credential_id: &str,
    passkey_json: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let id = new_id();
    let sealed = c
        .keyring
        .seal("passkeys", "passkey_sealed", &id, passkey_json);
    sqlx::query("INSERT INTO passkeys (id, user_id, credential_id, passkey_sealed, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(user.as_str())
        .bind(credential_id)
        .bind(sealed)
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    Ok(())
}

/// A passkey as stored: its row id and its credential, opened.
pub struct StoredPasskey {
    pub id: String,
    pub json: String,
}

#[derive(sqlx::FromRow)]
struct PasskeyRow {
    id: String,
    passkey_sealed: String,
}

/// A person's passkeys, oldest first.
pub async fn of_user(c: &mut Conn, user: &UserId) -> StoreResult<Vec<StoredPasskey>> {
    let rows: Vec<PasskeyRow> = sqlx::query_as(
        "SELECT id, passkey_sealed FROM passkeys WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(user.as_str())
    .fetch_all(c.ex())
    .await?;
    rows.into_iter()
        .map(|r| {
            let json = c
                .keyring
                .open("passkeys", "passkey_sealed", &r.id, &r.passkey_sealed)?;
            Ok(StoredPasskey { id: r.id, json })
        })
        .collect()
}

/// Stores the credential again after use (its signature counter moves on).
pub async fn update(
    c: &mut Conn,
    row_id: &str,
    passkey_json: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let sealed = c
        .keyring
        .seal("passkeys", "passkey_sealed", row_id, passkey_json);
    sqlx::query("UPDATE passkeys SET passkey_sealed = $1, last_used_at = $2 WHERE id = $3")
        .bind(sealed)
        .bind(ms(now))
        .bind(row_id)
        .execute(c.ex())
        .await?;
    Ok(())
}

pub async fn count(c: &mut Conn, user: &UserId) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
        .bind(user.as_str())
        .fetch_one(c.ex())
        .await?;
    Ok(n as u64)
}

/// Keeps a ceremony's state until `expires_at`; answers its id.
pub async fn save_challenge(
    c: &mut Conn,
    user: Option<&UserId>,
    kind: &str,
    state_json: &str,
    expires_at: Timestamp,
) -> StoreResult<String> {
    let id = new_id();
    let sealed = c
        .keyring
        .seal("webauthn_challenges", "state_sealed", &id, state_json);
    sqlx::query("INSERT INTO webauthn_challenges (id, user_id, kind, state_sealed, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(user.map(domain::ids::UserId::as_str))
        .bind(kind)
        .bind(sealed)
        .bind(ms(expires_at))
        .execute(c.ex())
        .await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct ChallengeRow {
    user_id: Option<String>,
    state_sealed: String,
}

/// Takes a ceremony's state (once): its user and state, if it is of `kind` and not expired.
pub async fn take_challenge(
    c: &mut Conn,
    id: &str,
    kind: &str,
    now: Timestamp,
) -> StoreResult<Option<(Option<UserId>, String)>> {
    // Taken and removed in one statement: two finishes of one ceremony cannot both succeed.
    let row: Option<ChallengeRow> =
        sqlx::query_as("DELETE FROM webauthn_challenges WHERE id = $1 AND kind = $2 AND expires_at > $3 RETURNING user_id, state_sealed")
            .bind(id)
            .bind(kind)
            .bind(ms(now))
            .fetch_optional(c.ex())
            .await?;
    sqlx::query("DELETE FROM webauthn_challenges WHERE expires_at <= $1")
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    row.map(|r| {
        Ok((
            r.user_id.map(UserId),
            c.keyring
                .open("webauthn_challenges", "state_sealed", id, &r.state_sealed)?,
        ))
    })
    .transpose()
}
