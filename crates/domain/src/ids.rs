//! Typed identifiers, so an article id cannot be passed where an inquiry id is expected.

use std::fmt;

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// Wraps a stored or generated identifier.
            pub fn new(raw: impl Into<String>) -> Self { Self(raw.into()) }
            pub fn as_str(&self) -> &str { &self.0 }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
    )*};
}

id_type!(
    PageId,
    InquiryId,
    UserId,
    JobId,
    ImageId,
    MailId,
    CaseId,
    MessageId,
    AttachmentId,
    AgreementId
);
