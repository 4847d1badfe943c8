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
use domain::audit::AuditAction;
use store::{users, StoreError};

impl App {
    pub async fn team(&self, actor: &Actor) -> AppResult<Vec<User>> {
        self.require(actor, Action::ManageTeam).await?;
        Ok(users::therapists(&mut self.db().conn().await?).await?)
    }

    /// The owner invites a colleague: an account without a password, and an email with a link,
    /// committed together with the audit row.
    #[tracing::instrument(skip_all, fields(actor = %actor.audit_id()))]
    pub async fn invite_therapist(&self, actor: &Actor, input: &InviteInput) -> AppResult<User> {
        self.require(actor, Action::ManageTeam).await?;
        let (name, email, zone) = input.validate()?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let user = match users::create(
            &mut tx,
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
        store::jobs::enqueue(
            &mut tx,
            task.job(format!("therapist-invitation:{}", user.id), now),
            now,
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::TeamInvite,
            "",
            user.id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(therapist = %user.id, "colleague invited");
        self.wake_jobs();
        Ok(user)
    }

    /// Who an invitation is for (the join page greets them by name).
    pub async fn invitation_for(&self, token: &str) -> AppResult<User> {
        let mut c = self.db().conn().await?;
        users::peek_login_token(&mut c, &hash_token(token), THERAPIST_INVITE, self.now())
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Accepts an invitation with a password; the new therapist then enrols a second factor. The
    /// used invitation, the password, the audit row and the session commit together.
    #[tracing::instrument(skip_all)]
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
        // A link that cannot work is refused before the slow hash.
        self.invitation_for(token).await?;
        // Hashed before the transaction begins: Argon2 is slow, and a held transaction would
        // keep every other writer waiting.
        let hash = hash_password(password).await?;
        let mut tx = self.db().begin().await?;
        let user =
            users::use_login_token(&mut tx, &hash_token(token), THERAPIST_INVITE, self.now())
                .await?
                .ok_or(AppError::NotFound)?;
        users::set_password_hash(&mut tx, &user.id, &hash).await?;
        self.audit_as_in(
            &mut tx,
            user.id.as_str(),
            &client.ip,
            AuditAction::TeamJoin,
            "",
            "",
            Outcome::Ok,
        )
        .await?;
        let session = self.start_session(&mut tx, &user, client).await?;
        tx.commit().await?;
        tracing::info!(user = %user.id, "invitation accepted");
        Ok(session)
    }

    /// The actor's live sessions, this one marked.
    pub async fn my_sessions(&self, actor: &Actor) -> AppResult<Vec<(users::SessionRow, bool)>> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        if actor.role().is_none() {
            return Err(AppError::SecondFactorRequired);
        }
        let current = actor.session().unwrap_or_default().to_string();
        Ok(
            users::sessions_of(&mut self.db().conn().await?, &user.id, self.now())
                .await?
                .into_iter()
                .map(|s| {
                    let here = s.id_hash == current;
                    (s, here)
                })
                .collect(),
        )
    }

    /// Ends every session of the actor, this one included.
    #[tracing::instrument(skip_all, fields(user = %actor.audit_id()))]
    pub async fn sign_out_everywhere(&self, actor: &Actor) -> AppResult<u64> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let n = users::delete_sessions_of(&mut tx, &user.id).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::SignOutEverywhere,
            "",
            &n.to_string(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}
