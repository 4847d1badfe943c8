//! The practice's details (one row: one installation is one practice) and the first-run setup.

use crate::conn::Conn;
use crate::error::{StoreError, StoreResult};
use crate::{ms, users};
use domain::account::{Role, User};
use domain::practice::Details;
use jiff::Timestamp;

const ROW: &str = "practice";

#[derive(sqlx::FromRow)]
struct DetailsRow {
    name: String,
    tagline: String,
    owner_name: String,
    email: String,
    phone: String,
    time_zone: String,
    crisis_contacts: String,
    home_intro: String,
    message_policy: String,
    support_contact: String,
}

impl From<DetailsRow> for Details {
    fn from(r: DetailsRow) -> Details {
        Details {
            name: r.name,
            tagline: r.tagline,
            owner_name: r.owner_name,
            email: r.email,
            phone: r.phone,
            time_zone: r.time_zone,
            crisis_contacts: r.crisis_contacts,
            home_intro: r.home_intro,
            message_policy: r.message_policy,
            support_contact: r.support_contact,
        }
    }
}

pub async fn get(c: &mut Conn) -> StoreResult<Option<Details>> {
    let row: Option<DetailsRow> = sqlx::query_as(
        "SELECT name, tagline, owner_name, email, phone, time_zone, crisis_contacts, home_intro, message_policy, support_contact FROM practice WHERE id = $1",
    )
    .bind(ROW)
    .fetch_optional(c.ex())
    .await?;
    Ok(row.map(Details::from))
}

/// The currency the practice's fees are in; `None` before the practice is set up.
pub async fn currency(c: &mut Conn) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT currency FROM practice WHERE id = $1")
            .bind(ROW)
            .fetch_optional(c.ex())
            .await?,
    )
}

/// Sets the currency the practice's fees are in (invoices keep the currency they were issued in).
pub async fn set_currency(c: &mut Conn, currency: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE practice SET currency = $1, updated_at = $2 WHERE id = $3")
        .bind(currency)
        .bind(ms(now))
        .bind(ROW)
        .execute(c.ex())
        .await?;
    Ok(())
}

/// When the owner confirmed keeping a copy of the master key away from the server; `None` when
/// not (yet, or since the last rotation), or before the practice is set up.
pub async fn master_key_copy_at(c: &mut Conn) -> StoreResult<Option<Timestamp>> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT master_key_copy_at FROM practice WHERE id = $1")
            .bind(ROW)
            .fetch_optional(c.ex())
            .await?;
    Ok(at.flatten().map(crate::ts))
}

/// Records the owner's confirmation (`None` clears it: a new master key needs a new copy).
pub async fn set_master_key_copy_at(c: &mut Conn, at: Option<Timestamp>) -> StoreResult<()> {
    sqlx::query("UPDATE practice SET master_key_copy_at = $1 WHERE id = $2")
        .bind(at.map(ms))
        .bind(ROW)
        .execute(c.ex())
        .await?;
    Ok(())
}

pub async fn exists(c: &mut Conn) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM practice")
        .fetch_one(c.ex())
        .await?;
    Ok(n > 0)
}

pub async fn update(c: &mut Conn, d: &Details, now: Timestamp) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE practice SET name = $1, tagline = $2, owner_name = $3, email = $4, phone = $5, time_zone = $6, crisis_contacts = $7, home_intro = $8, message_policy = $9, support_contact = $10, updated_at = $11 WHERE id = $12",
    )
    .bind(&d.name)
    .bind(&d.tagline)
    .bind(&d.owner_name)
    .bind(&d.email)
    .bind(&d.phone)
    .bind(&d.time_zone)
    .bind(&d.crisis_contacts)
    .bind(&d.home_intro)
    .bind(&d.message_policy)
    .bind(&d.support_contact)
    .bind(ms(now))
    .bind(ROW)
    .execute(c.ex())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The owner's account as it is created at setup.
pub struct NewOwner<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub time_zone: &'a str,
    pub password_hash: &'a str,
}

/// Creates the practice and its owner (in the caller's transaction), consuming the setup token if one is
/// given. `Conflict` when a practice exists already or the token was used or expired.
pub async fn create(
    c: &mut Conn,
    details: &Details,
    owner: NewOwner<'_>,
    setup_token_hash: Option<&str>,
    now: Timestamp,
) -> StoreResult<User> {
    if let Some(hash) = setup_token_hash {
        let used = sqlx::query("UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1")
            .bind(ms(now))
            .bind(hash)
            .execute(c.ex())
            .await?;
        if used.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
    }
    sqlx::query(
        "INSERT INTO practice (id, name, tagline, owner_name, email, phone, time_zone, crisis_contacts, home_intro, message_policy, support_contact, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(ROW)
    .bind(&details.name)
    .bind(&details.tagline)
    .bind(&details.owner_name)
    .bind(&details.email)
    .bind(&details.phone)
    .bind(&details.time_zone)
    .bind(&details.crisis_contacts)
    .bind(&details.home_intro)
    .bind(&details.message_policy)
    .bind(&details.support_contact)
    .bind(ms(now))
    .execute(c.ex())
    .await?;
    let user = users::create(
        c,
        users::NewUser {
            role: Role::Owner,
            email: owner.email,
            name: owner.name,
            time_zone: owner.time_zone,
            password_hash: Some(owner.password_hash),
        },
        now,
    )
    .await?;
    Ok(user)
}

/// Records a one-time setup link's token (hashed); it is good for one use before `expires_at`.
pub async fn add_setup_token(
    c: &mut Conn,
    token_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(ms(now))
    .bind(ms(expires_at))
    .execute(c.ex())
    .await?;
    Ok(())
}

/// Whether a setup token may still be used (checked again, atomically, when it is consumed).
pub async fn setup_token_usable(
    c: &mut Conn,
    token_hash: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash)
        .bind(ms(now))
        .fetch_one(c.ex())
        .await?;
    Ok(n == 1)
}

#[derive(sqlx::FromRow)]
struct CrisisLineRow {
    country: String,
    contacts: String,
}

/// Every country's crisis services the practice keeps (by country code).
pub async fn crisis_lines(c: &mut Conn) -> StoreResult<Vec<domain::crisis::Line>> {
    let rows: Vec<CrisisLineRow> =
        sqlx::query_as("SELECT country, contacts FROM crisis_lines ORDER BY country")
            .fetch_all(c.ex())
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| domain::crisis::Line {
            country: r.country,
            contacts: r.contacts,
        })
        .collect())
}

/// Writes one country's services, replacing what it had.
pub async fn save_crisis_line(
    c: &mut Conn,
    line: &domain::crisis::Line,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO crisis_lines (country, contacts, updated_at) VALUES ($1, $2, $3) ON CONFLICT (country) DO UPDATE SET contacts = excluded.contacts, updated_at = excluded.updated_at")
        .bind(&line.country)
        .bind(&line.contacts)
        .bind(ms(now))
        .execute(c.ex())
        .await?;
    Ok(())
}

/// Removes one country's services; whether there were any.
pub async fn remove_crisis_line(c: &mut Conn, country: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM crisis_lines WHERE country = $1")
        .bind(country)
        .execute(c.ex())
        .await?;
    Ok(done.rows_affected() > 0)
}
