//! Patients: invited by their therapist, signed in by a one-time email link, and their portal
//! (appointments, messages, documents, profile, and all their data as one JSON file).

use crate::accounts::{hash_token, Client, SessionToken};
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::jobs::Task;
use crate::policy::Action;
use crate::ratelimit::Bucket;
use crate::App;
use domain::account::{InviteInput, ProfileInput, Role, User};
use domain::audit::AuditAction;
use domain::case::{Case, Stage};
use domain::ids::{CaseId, UserId};
use jiff::SignedDuration;
use store::{cases, users, StoreError};

pub const MAGIC_LINK_LIFETIME: SignedDuration = SignedDuration::from_mins(15);
pub const INVITATION_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 7);
/// The ended cases the patients list shows until the therapist asks for all.
pub const PATIENTS_ENDED_SHOWN: u32 = 20;

/// Purposes of one-time tokens.
pub(crate) const MAGIC: &str = "magic";
pub(crate) const PATIENT_INVITE: &str = "patient-invite";
pub(crate) const THERAPIST_INVITE: &str = "therapist-invite";

impl App {
    /// A therapist invites a patient: the account and the case are made, and an email with a
    /// sign-in link goes out. The patient, the case, the mail and the audit row commit together.
    #[tracing::instrument(skip_all, fields(case = tracing::field::Empty))]
    pub async fn invite_patient(&self, actor: &Actor, input: &InviteInput) -> AppResult<CaseId> {
        self.require(actor, Action::KeepCaseload).await?;
        let (name, email, zone) = input.validate()?;
        let therapist = actor.user().ok_or(AppError::Unauthenticated)?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let (case, patient) = cases::open_for_patient(
            &mut tx,
            &therapist.id,
            &name,
            &email,
            &zone,
            Stage::Inquiry,
            now,
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict => AppError::field("email", "error-email-taken"),
            e => e.into(),
        })?;
        tracing::Span::current().record("case", case.as_str());
        let task = Task::PatientInvitation {
            patient: patient.id.clone(),
            therapist: therapist.id.clone(),
        };
        store::jobs::enqueue(
            &mut tx,
            task.job(
                format!("patient-invitation:{case}:{}", now.as_second() / 60),
                now,
            ),
            now,
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::PatientInvite,
            case.as_str(),
            patient.id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(case)
    }

    /// Whether the actor may use the patient portal at all.
    pub async fn enter_portal(&self, actor: &Actor) -> AppResult<()> {
        self.require(actor, Action::UsePortal).await
    }

    /// "Email me a sign-in link". The answer is the same whether or not the address is known.
    /// The mail (when there is one to send) and the audit row commit together.
    #[tracing::instrument(skip_all)]
    pub async fn request_magic_link(&self, email: &str, client: &Client) -> AppResult<()> {
        let mut errors = domain::FieldErrors::default();
        let email = domain::validation::email(&mut errors, "email", email);
        errors.finish(())?;
        let now = self.now();
        if !self
            .limits()
            .allow(Bucket::MagicLinkByAddress, &client.ip, now)
            || !self.limits().allow(
                Bucket::MagicLinkByEmail,
                &domain::account::email_key(&email),
                now,
            )
        {
            return Err(AppError::RateLimited);
        }
        // Read before the transaction begins: a use-case never holds one connection while it
        // waits for a second.
        let patient = users::find_by_email(&mut self.db().conn().await?, &email)
            .await?
            .map(|(user, _)| user)
            .filter(|user| user.role == Role::Patient);
        // Known or not, the same work before the answer: one job (which sends nothing for nobody)
        // and one audit row, so the time taken does not tell whether the address is a patient's.
        let mut tx = self.db().begin().await?;
        let task = Task::MagicLink {
            user: patient.map(|user| user.id),
        };
        store::jobs::enqueue(
            &mut tx,
            task.job(format!("magic-link:{}", store::random_hex(16)), now),
            now,
        )
        .await?;
        self.audit_as_in(
            &mut tx,
            "anonymous",
            &client.ip,
            AuditAction::MagicLinkRequest,
            "",
            "",
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        self.wake_jobs();
        Ok(())
    }

    /// Makes a one-time link for `user` (run by the mail job, so the token exists only in the mail).
    pub(crate) async fn mint_link(&self, user: &UserId, purpose: &str) -> AppResult<String> {
        let token = store::random_hex(32);
        let lifetime = if purpose == MAGIC {
            MAGIC_LINK_LIFETIME
        } else {
            INVITATION_LIFETIME
        };
        let now = self.now();
        users::add_login_token(
            &mut self.db().conn().await?,
            &hash_token(&token),
            user,
            purpose,
            now,
            now + lifetime,
        )
        .await?;
        Ok(token)
    }

    /// Who a sign-in link is for, without using it (the landing page asks to confirm, so that a
    /// mail scanner following the link does not use it up).
    pub async fn magic_link_owner(&self, token: &str) -> AppResult<User> {
        let mut c = self.db().conn().await?;
        for purpose in [MAGIC, PATIENT_INVITE] {
            if let Some(u) =
                users::peek_login_token(&mut c, &hash_token(token), purpose, self.now()).await?
            {
                return Ok(u);
            }
        }
        Err(AppError::NotFound)
    }

    /// Uses a sign-in link: once, before it expires. The used link, the session and the audit row
    /// commit together; a refused link's audit row stands alone.
    #[tracing::instrument(skip_all)]
    pub async fn use_magic_link(&self, token: &str, client: &Client) -> AppResult<SessionToken> {
        let now = self.now();
        let mut tx = self.db().begin().await?;
        for purpose in [MAGIC, PATIENT_INVITE] {
            if let Some(user) =
                users::use_login_token(&mut tx, &hash_token(token), purpose, now).await?
            {
                let session = self.start_session(&mut tx, &user, client).await?;
                self.audit_as_in(
                    &mut tx,
                    user.id.as_str(),
                    &client.ip,
                    AuditAction::SignInLink,
                    "",
                    "",
                    Outcome::Ok,
                )
                .await?;
                tx.commit().await?;
                return Ok(session);
            }
        }
        drop(tx);
        self.audit_as(
            "anonymous",
            &client.ip,
            AuditAction::SignInLink,
            "",
            "",
            Outcome::Failed,
        )
        .await?;
        Err(AppError::NotFound)
    }

    /// The cases the actor takes part in: a patient's own, or a therapist's caseload.
    pub async fn my_cases(&self, actor: &Actor) -> AppResult<Vec<Case>> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        match actor.role() {
            Some(Role::Patient) => {
                Ok(cases::of_patient(&mut self.db().conn().await?, &user.id).await?)
            }
            Some(_) => {
                self.require(actor, Action::KeepCaseload).await?;
                Ok(cases::of_therapist(&mut self.db().conn().await?, &user.id).await?)
            }
            None => Err(AppError::SecondFactorRequired),
        }
    }

    /// The therapist's patients list: every open case and the most recently active ended ones
    /// (all of them with `all`), with how many ended ones were left out.
    pub async fn my_caseload(&self, actor: &Actor, all: bool) -> AppResult<(Vec<Case>, u64)> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        self.require(actor, Action::KeepCaseload).await?;
        let mut c = self.db().conn().await?;
        if all {
            return Ok((cases::of_therapist(&mut c, &user.id).await?, 0));
        }
        Ok(cases::caseload(&mut c, &user.id, PATIENTS_ENDED_SHOWN).await?)
    }

    pub async fn profile(&self, actor: &Actor) -> AppResult<ProfileInput> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        if actor.role().is_none() {
            return Err(AppError::SecondFactorRequired);
        }
        let mut c = self.db().conn().await?;
        Ok(ProfileInput {
            name: user.name.clone(),
            email: user.email.clone(),
            time_zone: user.time_zone.clone(),
            language: users::language(&mut c, &user.id).await?,
            country: users::country(&mut c, &user.id).await?.unwrap_or_default(),
        })
    }

    pub async fn update_profile(&self, actor: &Actor, input: &ProfileInput) -> AppResult<()> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        if actor.role().is_none() {
            return Err(AppError::SecondFactorRequired);
        }
        let p = input.validate()?;
        let mut tx = self.db().begin().await?;
        match users::update_profile(
            &mut tx,
            &user.id,
            &p.name,
            &p.email,
            &p.time_zone,
            &p.language,
        )
        .await
        {
            Err(StoreError::Conflict) => return Err(AppError::field("email", "error-email-taken")),
            other => other?,
        }
        users::set_country(&mut tx, &user.id, p.country.as_deref()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::ProfileUpdate,
            "",
            user.id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Everything held about a patient that they may see, as one JSON document.
    pub async fn export_my_data(&self, actor: &Actor) -> AppResult<serde_json::Value> {
        self.require(actor, Action::UsePortal).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let profile = self.profile(actor).await?;
        let mut cases_json = Vec::new();
        let mut c = self.db().conn().await?;
        for case in cases::of_patient(&mut c, &user.id).await? {
            let messages = store::messages::thread(&mut c, &case.id).await?;
            self.audit_in(
                &mut c,
                actor,
                AuditAction::ExportCase,
                case.id.as_str(),
                "messages",
                Outcome::Ok,
            )
            .await?;
            let documents = self.agreements_for_export(&mut c, actor, &case).await?;
            let questionnaires = self.questionnaires_for_export(&mut c, actor, &case).await?;
            let billing = self.billing_for_export(&mut c, &case.id).await?;
            cases_json.push(serde_json::json!({
                "id": case.id,
                "therapist": case.therapist.name,
                "stage": case.stage,
                "opened_at": case.created_at,
                "messages": messages.iter().map(|m| serde_json::json!({
                    "from": m.author_name,
                    "sent_at": m.created_at,
                    "read_at": m.read_at,
                    "text": m.body,
                    "attachments": m.attachments.iter().map(|a| serde_json::json!({"file_name": a.file_name, "type": a.content_type, "size": a.size})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "appointments": [],
                "documents": documents,
                "questionnaires": questionnaires,
                "invoices": billing,
            }));
        }
        let sessions =
            users::sessions_of(&mut self.db().conn().await?, &user.id, self.now()).await?;
        Ok(serde_json::json!({
            "exported_at": self.now(),
            "profile": { "name": profile.name, "email": profile.email, "time_zone": profile.time_zone, "language": profile.language },
            "cases": cases_json,
            "sign_ins": sessions.iter().map(|s| serde_json::json!({"started_at": s.created_at, "last_seen_at": s.last_seen_at, "from": s.ip, "browser": s.user_agent})).collect::<Vec<_>>(),
        }))
    }
}
