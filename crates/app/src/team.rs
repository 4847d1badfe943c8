//! A group practice: the owner invites colleagues, who set a password and enrol a second factor.
//! And everyone's own sessions: the list, and "sign out everywhere".

use crate::accounts::{hash_password, hash_token, Client, SessionToken};
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::Action;
use crate::portal::THERAPIST_INVITE;
use crate::App;
use domain::account::{InviteInput, Role, User};
use store::{users, StoreError};

impl App {
    pub async fn team(&self, actor: &Actor) -> AppResult<Vec<User>> {
        self.require(actor, Action::ManageTeam).await?;
        Ok(users::therapists(self.db()).await?)
    }

    /// The owner invites a colleague: an account without a password, and an email with a link.
    pub async fn invite_therapist(&self, actor: &Actor, input: &InviteInput) -> AppResult<User> {
        self.require(actor, Action::ManageTeam).await?;
        let (name, email, zone) = input.validate()?;
        let now = self.now();
        let user = match users::create(
            self.db(),
            users::NewUser {
                role: Role::Therapist,
                email: &email,
                name: &name,
                time_zone: &zone,
                password_hash: None,
            },
            now,
        )
        .await
        {
            Err(StoreError::Conflict) => return Err(AppError::field("email", "error-email-taken")),
            other => other?,
        };
        let task = Task::TherapistInvitation {
            therapist: user.id.clone(),
        };
        store::jobs::enqueue_alone(
            self.db(),
            task.job(format!("therapist-invitation:{}", user.id), now),
            now,
        )
        .await?;
        self.audit(actor, "team.invite", "", user.id.as_str(), Outcome::Ok)
            .await?;
        self.wake_jobs();
        Ok(user)
    }

    /// Who an invitation is for (the join page greets them by name).
    pub async fn invitation_for(&self, token: &str) -> AppResult<User> {
        users::peek_login_token(self.db(), &hash_token(token), THERAPIST_INVITE, self.now())
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Accepts an invitation with a password; the new therapist then enrols a second factor.
    pub async fn accept_invitation(
        &self,
        token: &str,
        password: &str,
        again: &str,
        client: &Client,
    ) -> AppResult<SessionToken> {
        let mut errors = domain::FieldErrors::default();
        let password = domain::practice::password(&mut errors, "password", password);
        if password != again {
            errors.add("password_again", "error-password-mismatch");
        }
        errors.finish(())?;
        let user =
            users::use_login_token(self.db(), &hash_token(token), THERAPIST_INVITE, self.now())
                .await?
                .ok_or(AppError::NotFound)?;
        users::set_password_hash(self.db(), &user.id, &hash_password(password).await?).await?;
        self.audit_as(
            user.id.as_str(),
            &client.ip,
            "team.join",
            "",
            "",
            Outcome::Ok,
        )
        .await?;
        self.start_session(&user, client).await
    }

    /// The actor's live sessions, this one marked.
    pub async fn my_sessions(&self, actor: &Actor) -> AppResult<Vec<(users::SessionRow, bool)>> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        if actor.role().is_none() {
            return Err(AppError::SecondFactorRequired);
        }
        let current = actor.session().unwrap_or_default().to_string();
        Ok(users::sessions_of(self.db(), &user.id, self.now())
            .await?
            .into_iter()
            .map(|s| {
                let here = s.id_hash == current;
                (s, here)
            })
            .collect())
    }

    /// Ends every session of the actor, this one included.
    pub async fn sign_out_everywhere(&self, actor: &Actor) -> AppResult<u64> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let n = users::delete_sessions_of(self.db(), &user.id).await?;
        self.audit(
            actor,
            "sign_out.everywhere",
            "",
            &n.to_string(),
            Outcome::Ok,
        )
        .await?;
        Ok(n)
    }
}
