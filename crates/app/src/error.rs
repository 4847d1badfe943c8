//! The application's one error type; `web` turns each variant into a response in one place.

use domain::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// Signed in, but not allowed (only where the thing's existence is not private).
    #[error("forbidden")]
    Forbidden,
    /// Sign-in is needed.
    #[error("sign-in required")]
    Unauthenticated,
    /// Signed in with a password; the second factor is still owed.
    #[error("second factor required")]
    SecondFactorRequired,
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("too many attempts")]
    RateLimited,
    /// Misconfiguration found at start (bad SMTP URL and the like).
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl AppError {
    /// A single-field refusal.
    pub fn field(field: &'static str, message: &'static str) -> Self {
        let mut e = FieldErrors::default();
        e.add(field, message);
        AppError::Invalid(e)
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}

pub type AppResult<T> = Result<T, AppError>;
