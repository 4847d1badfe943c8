//! Who is asking, and from where: nobody in particular, or a signed-in person with a live session.

use domain::account::{Role, User};

#[derive(Clone, Debug)]
pub struct Actor {
    pub who: Who,
    /// The client's address, for the audit log and rate limits.
    pub source: String,
}

#[derive(Clone, Debug)]
pub enum Who {
    Anonymous,
    Signed(Signed),
}

#[derive(Clone, Debug)]
pub struct Signed {
    pub user: User,
    /// The hash of the session id (the id itself is only ever in the cookie).
    pub session: String,
    /// Whether this session has passed the second factor (therapists) or needs none (patients).
    pub verified: bool,
}

impl Actor {
    pub fn anonymous(source: impl Into<String>) -> Actor {
        Actor {
            who: Who::Anonymous,
            source: source.into(),
        }
    }

    pub fn signed(user: User, session: String, verified: bool, source: impl Into<String>) -> Actor {
        Actor {
            who: Who::Signed(Signed {
                user,
                session,
                verified,
            }),
            source: source.into(),
        }
    }

    /// Signed in, but still owing the second factor.
    pub fn needs_second_factor(&self) -> bool {
        matches!(&self.who, Who::Signed(s) if !s.verified)
    }

    /// The session's hash, when signed in.
    pub fn session(&self) -> Option<&str> {
        match &self.who {
            Who::Signed(s) => Some(&s.session),
            Who::Anonymous => None,
        }
    }

    pub fn user(&self) -> Option<&User> {
        match &self.who {
            Who::Anonymous => None,
            Who::Signed(s) => Some(&s.user),
        }
    }

    /// The role the policy counts: a therapist's counts only once the second factor is passed.
    pub fn role(&self) -> Option<Role> {
        match &self.who {
            Who::Signed(s) if s.verified => Some(s.user.role),
            _ => None,
        }
    }

    pub fn is_signed_in(&self) -> bool {
        matches!(self.who, Who::Signed(_))
    }

    /// How the audit log names this actor.
    pub fn audit_id(&self) -> String {
        self.user()
            .map_or_else(|| "anonymous".into(), |u| u.id.to_string())
    }
}
