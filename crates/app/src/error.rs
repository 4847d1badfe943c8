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
    /// The case has ended (or was referred on): its record is read-only.
    #[error("the case is over; its record is read-only")]
    CaseOver,
    /// An issued invoice or credit note never changes: a mistake is corrected by a credit note.
    #[error("the invoice is issued")]
    InvoiceIssued,
    /// Misconfiguration found at start (bad SMTP URL and the like).
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// Something inside failed that the person can do nothing about (a template, a hash, a
    /// serialiser): what was being done, and the error itself as the source.
    #[error("{what} failed")]
    Internal {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl AppError {
    /// An internal failure while doing `what`, keeping `source` for the log.
    pub fn internal(
        what: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        AppError::Internal {
            what,
            source: source.into(),
        }
    }

    /// The error and its sources, one after the other, for the log line an operator reads.
    pub fn chain(&self) -> String {
        chain(self)
    }

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

/// `error: its source: the source's source…`, the whole chain on one line.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
