//! Passkeys and the state of WebAuthn ceremonies under way, both sealed (the state stays in the
//! database so that the ceremony may finish on another instance).

use crate::db::Db;
use crate::error::StoreResult;
use crate::{ms, new_id};
use domain::ids::UserId;
use jiff::Timestamp;

pub async fn add(
    db: &Db,
    user: &UserId,
    credential_id: &str,
    passkey_json: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let id = new_id();
    sqlx::query("INSERT INTO passkeys (id, user_id, credential_id, passkey_sealed, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(user.as_str())
        .bind(credential_id)
        .bind(db.keyring.seal("passkeys", "passkey_sealed", &id, passkey_json))
        .bind(ms(now))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A person's passkeys as stored (row id, credential JSON), oldest first.
pub async fn of_user(db: &Db, user: &UserId) -> StoreResult<Vec<(String, String)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, passkey_sealed FROM passkeys WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(user.as_str())
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|(id, sealed)| {
            Ok((
                id.clone(),
                db.keyring
                    .open("passkeys", "passkey_sealed", &id, &sealed)?,
            ))
        })
        .collect()
}

/// Stores the credential again after use (its signature counter moves on).
pub async fn update(db: &Db, row_id: &str, passkey_json: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE passkeys SET passkey_sealed = $1, last_used_at = $2 WHERE id = $3")
        .bind(
            db.keyring
                .seal("passkeys", "passkey_sealed", row_id, passkey_json),
        )
        .bind(ms(now))
        .bind(row_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn count(db: &Db, user: &UserId) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
        .bind(user.as_str())
        .fetch_one(&db.pool)
        .await?;
    Ok(n as u64)
}

/// Keeps a ceremony's state until `expires_at`; answers its id.
pub async fn save_challenge(
    db: &Db,
    user: Option<&UserId>,
    kind: &str,
    state_json: &str,
    expires_at: Timestamp,
) -> StoreResult<String> {
    let id = new_id();
    sqlx::query("INSERT INTO webauthn_challenges (id, user_id, kind, state_sealed, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(user.map(|u| u.as_str()))
        .bind(kind)
        .bind(db.keyring.seal("webauthn_challenges", "state_sealed", &id, state_json))
        .bind(ms(expires_at))
        .execute(&db.pool)
        .await?;
    Ok(id)
}

/// Takes a ceremony's state (once): its user and state, if it is of `kind` and not expired.
pub async fn take_challenge(
    db: &Db,
    id: &str,
    kind: &str,
    now: Timestamp,
) -> StoreResult<Option<(Option<UserId>, String)>> {
    // Taken and removed in one statement: two finishes of one ceremony cannot both succeed.
    let row: Option<(Option<String>, String)> =
        sqlx::query_as("DELETE FROM webauthn_challenges WHERE id = $1 AND kind = $2 AND expires_at > $3 RETURNING user_id, state_sealed")
            .bind(id)
            .bind(kind)
            .bind(ms(now))
            .fetch_optional(&db.pool)
            .await?;
    sqlx::query("DELETE FROM webauthn_challenges WHERE expires_at <= $1")
        .bind(ms(now))
        .execute(&db.pool)
        .await?;
    row.map(|(user, sealed)| {
        Ok((
            user.map(UserId),
            db.keyring
                .open("webauthn_challenges", "state_sealed", id, &sealed)?,
        ))
    })
    .transpose()
}
