//! The therapist's second factor: TOTP (RFC 6238, 30-second steps, SHA-1, six digits: what every
//! authenticator app speaks) with ten single-use recovery codes. Enrolled at the first sign-in.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::ratelimit::Bucket;
use crate::App;
use domain::account::User;
use domain::audit::AuditAction;
use sha2::{Digest, Sha256};
use store::users;
use totp_rs::{Algorithm, Secret, TOTP};

pub const RECOVERY_CODES: usize = 10;

/// What the enrolment page shows: the secret as text, as an otpauth link, and as a QR code.
pub struct Enrolment {
    pub secret: String,
    pub url: String,
    pub qr_svg: String,
}

fn totp(secret_b32: &str, issuer: &str, account: &str) -> AppResult<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|_| AppError::Config("stored TOTP secret is not base32".into()))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some(issuer.to_string()),
        account.to_string(),
    )
    .map_err(|e| AppError::internal("the TOTP code", e.to_string()))
}

fn new_secret() -> String {
    let mut raw = [0u8; 20];
    getrandom::fill(&mut raw).expect("the operating system's random source failed");
    Secret::Raw(raw.to_vec()).to_encoded().to_string()
}

fn recovery_hash(user: &User, code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    hex::encode(Sha256::digest(format!("{}:{normal}", user.id)))
}

fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let hex = store::random_hex(5);
            format!("{}-{}", &hex[..5], &hex[5..])
        })
        .collect()
}

/// A code typed by a person: digits (spaces allowed) for TOTP, letters and a hyphen for recovery.
enum Typed {
    Totp(String),
    Recovery(String),
}

fn classify(raw: &str) -> Option<Typed> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
        Some(Typed::Totp(compact))
    } else if (10..=11).contains(&compact.len())
        && compact.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
    {
        Some(Typed::Recovery(compact))
    } else {
        None
    }
}

impl App {
    fn issuer(&self, practice: Option<&str>) -> String {
        practice.unwrap_or("holdspace").replace(':', "")
    }

    /// The TOTP time step a code matches (±1 step of clock drift), if any.
    fn matching_step(&self, totp: &TOTP, code: &str) -> Option<i64> {
        let now = self.now().as_second().max(0) as u64;
        [now.saturating_sub(30), now, now + 30]
            .into_iter()
            .find(|t| totp.generate(*t) == code)
            .map(|t| (t / 30) as i64)
    }

    /// Starts (or shows again) an enrolment for a signed-in therapist who has none yet.
    #[tracing::instrument(skip_all, fields(user = %actor.audit_id()))]
    pub async fn totp_enrolment(&self, actor: &Actor) -> AppResult<Enrolment> {
        let user = actor
            .user()
            .filter(|u| u.role.is_therapist())
            .ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let state = users::totp(&mut tx, &user.id).await?;
        if state.enabled {
            return Err(AppError::Forbidden);
        }
        let secret = match state.secret {
            Some(s) => s,
            None => {
                let s = new_secret();
                users::set_totp_secret(&mut tx, &user.id, &s).await?;
                s
            }
        };
        tx.commit().await?;
        let practice = self.practice().await?;
        let totp = totp(
            &secret,
            &self.issuer(practice.as_ref().as_ref().map(|p| p.name.as_str())),
            &user.email,
        )?;
        let url = totp.get_url();
        let qr_svg = qrcode::QrCode::new(url.as_bytes())
            .map(|q| {
                q.render::<qrcode::render::svg::Color>()
                    .min_dimensions(200, 200)
                    .quiet_zone(true)
                    .build()
            })
            .map_err(|e| AppError::internal("the QR code", e))?;
        // Inline in the page: no XML declaration, and a name for screen readers.
        let qr_svg = match qr_svg.find("<svg") {
            Some(at) => {
                qr_svg[at..].replacen("<svg", "<svg role=\"img\" aria-label=\"QR code\"", 1)
            }
            None => qr_svg,
        };
        Ok(Enrolment {
            secret,
            url,
            qr_svg,
        })
    }

    /// Confirms an enrolment with a first code; answers the recovery codes, shown once. The
    /// confirmed secret, the codes, the session's second factor and the audit row commit together.
    #[tracing::instrument(skip_all, fields(user = %actor.audit_id()))]
    pub async fn confirm_totp(&self, actor: &Actor, code: &str) -> AppResult<Vec<String>> {
        let user = actor
            .user()
            .filter(|u| u.role.is_therapist())
            .ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let state = users::totp(&mut tx, &user.id).await?;
        let (Some(secret), false) = (state.secret, state.enabled) else {
            return Err(AppError::Forbidden);
        };
        if !self.limits().allow(
            Bucket::SecondFactor,
            &format!("{} {}", actor.source, user.id),
            self.now(),
        ) {
            return Err(AppError::RateLimited);
        }
        let totp = totp(&secret, "holdspace", &user.email)?;
        let Some(Typed::Totp(digits)) = classify(code) else {
            return Err(AppError::field("code", "error-code"));
        };
        let step = self
            .matching_step(&totp, &digits)
            .ok_or_else(|| AppError::field("code", "error-code"))?;
        let codes = new_recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(user, c)).collect();
        users::enable_totp(&mut tx, &user.id, step, &hashes, self.now()).await?;
        if let Some(session) = actor.session() {
            users::confirm_second_factor(&mut tx, session, self.now()).await?;
        }
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::TwoFactorEnrolled,
            "",
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Whether the signed-in therapist has a confirmed second factor (to verify) or not (to enrol).
    pub async fn totp_enabled(&self, actor: &Actor) -> AppResult<bool> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        Ok(users::totp(&mut self.db().conn().await?, &user.id)
            .await?
            .enabled)
    }

    /// Passes the second factor with a current code, or a recovery code (once). The used step or
    /// code, the session's second factor and the audit row commit together; a wrong code's audit
    /// row stands alone.
    #[tracing::instrument(skip_all, fields(user = %actor.audit_id()))]
    pub async fn verify_second_factor(&self, actor: &Actor, code: &str) -> AppResult<()> {
        let user = actor
            .user()
            .filter(|u| u.role.is_therapist())
            .ok_or(AppError::Unauthenticated)?;
        let session = actor.session().ok_or(AppError::Unauthenticated)?;
        if !self.limits().allow(
            Bucket::SecondFactor,
            &format!("{} {}", actor.source, user.id),
            self.now(),
        ) {
            self.audit(actor, AuditAction::TwoFactor, "", "", Outcome::Refused)
                .await?;
            return Err(AppError::RateLimited);
        }
        let mut tx = self.db().begin().await?;
        let state = users::totp(&mut tx, &user.id).await?;
        let (Some(secret), true) = (state.secret, state.enabled) else {
            return Err(AppError::SecondFactorRequired);
        };
        let ok = match classify(code) {
            Some(Typed::Totp(digits)) => {
                match self.matching_step(&totp(&secret, "holdspace", &user.email)?, &digits) {
                    // A code is good once: a step at or before the last one used is refused.
                    Some(step) => users::use_totp_step(&mut tx, &user.id, step).await?,
                    None => false,
                }
            }
            Some(Typed::Recovery(text)) => {
                users::use_recovery_code(&mut tx, &user.id, &recovery_hash(user, &text), self.now())
                    .await?
            }
            None => false,
        };
        if !ok {
            drop(tx);
            self.audit(actor, AuditAction::TwoFactor, "", "", Outcome::Failed)
                .await?;
            return Err(AppError::field("code", "error-code"));
        }
        users::confirm_second_factor(&mut tx, session, self.now()).await?;
        self.audit_in(&mut tx, actor, AuditAction::TwoFactor, "", "", Outcome::Ok)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enrols a therapist directly (the command line and the demo), inside the caller's
    /// transaction: answers the secret and codes.
    pub(crate) async fn enrol_directly(
        &self,
        tx: &mut store::Conn,
        user: &User,
    ) -> AppResult<(String, Vec<String>)> {
        let secret = new_secret();
        users::set_totp_secret(tx, &user.id, &secret).await?;
        let codes = new_recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(user, c)).collect();
        // Step 0: any real code is newer.
        users::enable_totp(tx, &user.id, 0, &hashes, self.now()).await?;
        Ok((secret, codes))
    }
}

/// The current code for a base32 secret (scripts, tests and the demo's printed help).
pub fn current_code(secret_b32: &str, at: jiff::Timestamp) -> Option<String> {
    let bytes = Secret::Encoded(secret_b32.to_string()).to_bytes().ok()?;
    let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into()).ok()?;
    Some(totp.generate(at.as_second().max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_codes_are_told_apart() {
        assert!(matches!(classify(" 123 456 "), Some(Typed::Totp(c)) if c == "123456"));
        assert!(matches!(classify("a1b2c-3d4e5"), Some(Typed::Recovery(_))));
        assert!(classify("").is_none());
        assert!(classify("12345").is_none());
        assert!(classify("<script>").is_none());
        assert!(classify(&"9".repeat(10_000)).is_none());
    }

    #[test]
    fn rfc_6238_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (eight digits); six digits: 287082.
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(
            current_code(&secret, jiff::Timestamp::from_second(59).unwrap()).as_deref(),
            Some("287082")
        );
    }
}
