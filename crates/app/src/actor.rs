//! Who is asking: nobody in particular, or a signed-in person with a live session.

use domain::account::{Role, User};

#[derive(Clone, Debug)]
pub enum Actor {
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
    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::Anonymous => None,
            Actor::Signed(s) => Some(&s.user),
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.user().map(|u| u.role)
    }

    pub fn is_signed_in(&self) -> bool {
        matches!(self, Actor::Signed(_))
    }
}
