//! Who is a patient: their name, email address and phone number sealed at rest, and the keyed
//! blind index that finds an account by its email address without the database holding it.
//!
//! A stolen database or backup must not say who is in therapy with whom, so every identity of a
//! patient (and of a visitor who wrote through the site, and of a dev mailbox's recipient) is
//! sealed under the installation's data key. Lookups go through an HMAC of the normalised address
//! under a key derived from the master key: equal addresses give equal values, so the unique
//! constraint and the sign-in lookup keep working, and nobody without the key can test a guess.
//! Therapists' own names and addresses stay readable: the public site shows them.

use crate::conn::Conn;
use crate::error::StoreResult;
use crate::seal::Keyring;
use crate::{Backend, Db};
use domain::account::{email_key, Role};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A blind column and the value it is computed from.
#[derive(Clone, Copy, Debug)]
pub struct BlindColumn {
    pub table: &'static str,
    /// The blind column (its name ends in `_blind`).
    pub column: &'static str,
    /// The sealed source, opened under the installation's data key.
    pub sealed: &'static str,
    /// The readable source, for rows that keep it readable (a therapist's own address).
    pub plain: &'static str,
}

/// Every blind column, in one place: an export skips them (they depend on this installation's
/// key) and an import recomputes them with `recompute_blind`.
pub const BLIND_COLUMNS: &[BlindColumn] = &[BlindColumn {
    table: "users",
    column: "email_blind",
    sealed: "email_sealed",
    plain: "email",
}];

/// The blind index of an email address: HMAC-SHA256 under the installation's blind index key over
/// the address as sign-in normalises it, in hex.
pub fn email_blind(keyring: &Keyring, email: &str) -> String {
    let key = keyring.derived_key("blind index");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*key).expect("HMAC takes any key");
    mac.update(email_key(email).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether a person of this role has their identity sealed (everyone but the practice's own).
pub(crate) fn sealed_role(role: Role) -> bool {
    role == Role::Patient
}

/// A readable value, or the opening of its sealed twin where the row has one.
pub(crate) fn opened(
    keyring: &Keyring,
    table: &str,
    column: &str,
    row: &str,
    plain: String,
    sealed: Option<&str>,
) -> StoreResult<String> {
    match sealed {
        Some(s) => keyring.open(table, column, row, s),
        None => Ok(plain),
    }
}

/// The name of a patient joined into a list (the therapist's day, a calendar, a room): selected
/// as `u.id AS patient_id, u.name AS patient_name, u.name_sealed AS patient_name_sealed`.
#[derive(sqlx::FromRow, Debug)]
pub(crate) struct PatientName {
    patient_id: String,
    patient_name: String,
    patient_name_sealed: Option<String>,
}

impl PatientName {
    pub(crate) fn id(&self) -> &str {
        &self.patient_id
    }

    pub(crate) fn open(self, keyring: &Keyring) -> StoreResult<String> {
        opened(
            keyring,
            "users",
            "name_sealed",
            &self.patient_id,
            self.patient_name,
            self.patient_name_sealed.as_deref(),
        )
    }
}

/// The same for a name that may be missing (a left join).
#[derive(sqlx::FromRow, Debug)]
pub(crate) struct MaybePatientName {
    patient_id: Option<String>,
    patient_name: Option<String>,
    patient_name_sealed: Option<String>,
}

impl MaybePatientName {
    pub(crate) fn id(&self) -> Option<&str> {
        self.patient_id.as_deref()
    }

    pub(crate) fn open(self, keyring: &Keyring) -> StoreResult<Option<String>> {
        match (self.patient_id, self.patient_name) {
            (Some(id), Some(name)) => opened(
                keyring,
                "users",
                "name_sealed",
                &id,
                name,
                self.patient_name_sealed.as_deref(),
            )
            .map(Some),
            _ => Ok(None),
        }
    }
}

/// Recomputes every blind column of one row of `table` (keyed by `id`) from its source: the
/// sealed value where there is one, the readable one otherwise. An import calls it for each row.
pub async fn recompute_blind(c: &mut Conn, table: &str, id: &str) -> StoreResult<()> {
    for b in BLIND_COLUMNS.iter().filter(|b| b.table == table) {
        #[derive(sqlx::FromRow)]
        struct Source {
            plain: Option<String>,
            sealed: Option<String>,
        }
        let sql = format!(
            "SELECT {} AS plain, {} AS sealed FROM {} WHERE id = $1",
            b.plain, b.sealed, b.table
        );
        let Some(source): Option<Source> =
            sqlx::query_as(&sql).bind(id).fetch_optional(c.ex()).await?
        else {
            continue;
        };
        let value = opened(
            &c.keyring,
            b.table,
            b.sealed,
            id,
            source.plain.unwrap_or_default(),
            source.sealed.as_deref(),
        )?;
        let blind = email_blind(&c.keyring, &value);
        sqlx::query(&format!(
            "UPDATE {} SET {} = $1 WHERE id = $2",
            b.table, b.column
        ))
        .bind(blind)
        .bind(id)
        .execute(c.ex())
        .await?;
    }
    Ok(())
}

/// What `seal_plaintext` changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sealed {
    pub users: u64,
    pub inquiries: u64,
    pub mails: u64,
}

/// The one-time step for a database written before identities were sealed: seals every plain
/// identity, fills the blind index, and clears the plain columns, in one transaction. Runs at
/// every start once the keyring is loaded; a second run finds nothing to do. A blind value never
/// holds an `@`, so a user row whose `email_blind` has one still carries the old plain key.
pub async fn seal_plaintext(db: &Db) -> StoreResult<Sealed> {
    let mut c = db.begin().await?;
    if db.backend() == Backend::Sqlite {
        // The plain text this step clears must not linger in the file's free space.
        sqlx::query("PRAGMA secure_delete = ON")
            .execute(c.ex())
            .await?;
    }
    let done = Sealed {
        users: seal_users(&mut c).await?,
        inquiries: seal_inquiries(&mut c).await?,
        mails: seal_mailbox(&mut c).await?,
    };
    c.commit().await?;
    if done != Sealed::default() {
        forget_old_versions(db).await?;
        tracing::info!(
            users = done.users,
            inquiries = done.inquiries,
            mails = done.mails,
            "sealed identities kept in plain text"
        );
    }
    Ok(done)
}

#[derive(sqlx::FromRow)]
struct PlainUser {
    id: String,
    role: String,
    email: String,
    name: String,
    email_sealed: Option<String>,
}

async fn seal_users(c: &mut Conn) -> StoreResult<u64> {
    let rows: Vec<PlainUser> = sqlx::query_as(
        "SELECT id, role, email, name, email_sealed FROM users
         WHERE email_blind LIKE '%@%' OR (role = 'patient' AND email_sealed IS NULL)",
    )
    .fetch_all(c.ex())
    .await?;
    for u in &rows {
        let sealed = Role::parse(&u.role).is_some_and(sealed_role);
        let email = opened(
            &c.keyring,
            "users",
            "email_sealed",
            &u.id,
            u.email.clone(),
            u.email_sealed.as_deref(),
        )?;
        let blind = email_blind(&c.keyring, &email);
        if sealed && u.email_sealed.is_none() {
            let name = c.keyring.seal("users", "name_sealed", &u.id, &u.name);
            let mail = c.keyring.seal("users", "email_sealed", &u.id, &email);
            sqlx::query("UPDATE users SET name = '', email = '', name_sealed = $1, email_sealed = $2, email_blind = $3 WHERE id = $4")
                .bind(name)
                .bind(mail)
                .bind(blind)
                .bind(&u.id)
                .execute(c.ex())
                .await?;
        } else {
            sqlx::query("UPDATE users SET email_blind = $1 WHERE id = $2")
                .bind(blind)
                .bind(&u.id)
                .execute(c.ex())
                .await?;
        }
    }
    Ok(rows.len() as u64)
}

#[derive(sqlx::FromRow)]
struct PlainInquiry {
    id: String,
    name: String,
    email: String,
    phone: Option<String>,
}

async fn seal_inquiries(c: &mut Conn) -> StoreResult<u64> {
    let rows: Vec<PlainInquiry> =
        sqlx::query_as("SELECT id, name, email, phone FROM inquiries WHERE email_sealed IS NULL")
            .fetch_all(c.ex())
            .await?;
    for r in &rows {
        let k = &c.keyring;
        let name = k.seal("inquiries", "name_sealed", &r.id, &r.name);
        let email = k.seal("inquiries", "email_sealed", &r.id, &r.email);
        let phone = r
            .phone
            .as_deref()
            .map(|p| k.seal("inquiries", "phone_sealed", &r.id, p));
        sqlx::query("UPDATE inquiries SET name = '', email = '', phone = NULL, name_sealed = $1, email_sealed = $2, phone_sealed = $3 WHERE id = $4")
            .bind(name)
            .bind(email)
            .bind(phone)
            .bind(&r.id)
            .execute(c.ex())
            .await?;
    }
    Ok(rows.len() as u64)
}

#[derive(sqlx::FromRow)]
struct PlainMail {
    id: String,
    to_address: String,
}

async fn seal_mailbox(c: &mut Conn) -> StoreResult<u64> {
    let rows: Vec<PlainMail> =
        sqlx::query_as("SELECT id, to_address FROM mailbox WHERE to_address_sealed IS NULL")
            .fetch_all(c.ex())
            .await?;
    for m in &rows {
        let sealed = c
            .keyring
            .seal("mailbox", "to_address_sealed", &m.id, &m.to_address);
        sqlx::query("UPDATE mailbox SET to_address = '', to_address_sealed = $1 WHERE id = $2")
            .bind(sealed)
            .bind(&m.id)
            .execute(c.ex())
            .await?;
    }
    Ok(rows.len() as u64)
}

/// Drops the old row versions that still hold the plain text: SQLite's write-ahead log (the
/// file's pages were overwritten with their free space zeroed), PostgreSQL's dead tuples (the
/// three tables are rewritten; they are small, and this runs once).
async fn forget_old_versions(db: &Db) -> StoreResult<()> {
    let mut c = db.conn().await?;
    let statements: &[&str] = match db.backend() {
        Backend::Sqlite => &["PRAGMA wal_checkpoint(TRUNCATE)"],
        Backend::Postgres => &[
            "VACUUM FULL users",
            "VACUUM FULL inquiries",
            "VACUUM FULL mailbox",
        ],
    };
    for sql in statements {
        sqlx::query(sql).execute(c.ex()).await?;
    }
    Ok(())
}

/// The email address of user `id`, opened where it is sealed.
pub async fn email_of(c: &mut Conn, id: &str) -> StoreResult<Option<String>> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT email, email_sealed FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(c.ex())
            .await?;
    row.map(|(plain, sealed)| {
        opened(
            &c.keyring,
            "users",
            "email_sealed",
            id,
            plain,
            sealed.as_deref(),
        )
    })
    .transpose()
}
