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
}

impl Actor {
    pub fn anonymous(source: impl Into<String>) -> Actor {
        Actor { who: Who::Anonymous, source: source.into() }
    }

    pub fn signed(user: User, session: String, source: impl Into<String>) -> Actor {
        Actor { who: Who::Signed(Signed { user, session }), source: source.into() }
    }

    pub fn user(&self) -> Option<&User> {
        match &self.who {
            Who::Anonymous => None,
            Who::Signed(s) => Some(&s.user),
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.user().map(|u| u.role)
    }

    pub fn is_signed_in(&self) -> bool {
        matches!(self.who, Who::Signed(_))
    }

    /// How the audit log names this actor.
    pub fn audit_id(&self) -> String {
        self.user().map(|u| u.id.to_string()).unwrap_or_else(|| "anonymous".into())
    }
}
