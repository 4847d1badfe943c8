//! The therapist's own copies of a questionnaire ("Make my own copy", and edits that become new
//! versions), and the patient's answers in their data export.

use super::first_name;
use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::App;
use domain::audit::AuditAction;
use domain::case::Case;
use domain::intake::{self, AnswerErrors, Questionnaire, QuestionnaireId};
use std::collections::BTreeMap;
use store::Conn;

impl App {
    /// The patient's questionnaires in one case, read back in words, for their data export.
    pub(crate) async fn questionnaires_for_export(
        &self,
        c: &mut Conn,
        actor: &Actor,
        case: &Case,
    ) -> AppResult<serde_json::Value> {
        let mut out = Vec::new();
        for info in store::intake::of_case(c, &case.id).await? {
            if !info.started {
                continue;
            }
            let Some(response) = store::intake::response(c, &info.id).await? else {
                continue;
            };
            let questionnaire = self.version_of(c, &response).await?;
            let read = intake::read_out(
                &questionnaire.definition,
                &response.answers,
                first_name(&case.patient.name),
            );
            out.push(serde_json::json!({
                "title": info.title,
                "version": info.version,
                "status": info.status,
                "started_at": info.created_at,
                "saved_at": info.updated_at,
                "sent_at": info.submitted_at,
                "answers": read,
            }));
        }
        if !out.is_empty() {
            self.audit_in(
                c,
                actor,
                AuditAction::ExportCase,
                case.id.as_str(),
                "responses",
                Outcome::Ok,
            )
            .await?;
        }
        Ok(serde_json::Value::Array(out))
    }
}

/// The therapist's own copies: "Make my own copy" of a built-in, and edits that become versions.
impl App {
    /// The newest built-in questionnaires and the therapist's own copies.
    #[tracing::instrument(skip_all)]
    pub async fn questionnaires(&self, actor: &Actor) -> AppResult<Vec<Questionnaire>> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        self.ensure_builtin(&mut c).await?;
        Ok(store::intake::newest_for(&mut c, &user.id).await?)
    }

    /// A built-in version, or one of the therapist's own; anyone else's does not exist for them.
    #[tracing::instrument(skip_all, fields(questionnaire = %id))]
    pub async fn questionnaire(
        &self,
        actor: &Actor,
        id: &QuestionnaireId,
    ) -> AppResult<Questionnaire> {
        self.questionnaire_in(&mut self.db().conn().await?, actor, id)
            .await
    }

    async fn questionnaire_in(
        &self,
        c: &mut Conn,
        actor: &Actor,
        id: &QuestionnaireId,
    ) -> AppResult<Questionnaire> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        self.ensure_builtin(c).await?;
        match store::intake::questionnaire(c, id).await? {
            Some(q) if q.therapist.as_ref().is_none_or(|t| *t == user.id) => Ok(q),
            _ => Err(AppError::NotFound),
        }
    }

    /// "Make my own copy": the therapist's first version of the questionnaire, or, when they
    /// have one already, their newest. Measures keep their published wording and are not copied.
    #[tracing::instrument(skip_all, fields(questionnaire = %id))]
    pub async fn copy_questionnaire(
        &self,
        actor: &Actor,
        id: &QuestionnaireId,
    ) -> AppResult<QuestionnaireId> {
        // The policy's refusal is recorded on its own, before the transaction takes the lock.
        self.require(actor, Action::KeepCaseload).await?;
        let mut tx = self.db().begin().await?;
        let q = self.questionnaire_in(&mut tx, actor, id).await?;
        if !q.can_be_copied() {
            return Err(AppError::Forbidden);
        }
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let own = store::intake::current(&mut tx, &user.id, &q.key).await?;
        if let Some(own) = own.filter(|o| o.therapist.is_some()) {
            return Ok(own.id);
        }
        let copy = store::intake::add_version(&mut tx, &user.id, &q.key, &q.definition, self.now())
            .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::QuestionnaireCopy,
            "",
            copy.id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(copy.id)
    }

    /// Applies the editor's form to one of the therapist's own versions. A change becomes a new
    /// version (the one edited, and every response to it, stay as they are); no change, no version.
    #[tracing::instrument(skip_all, fields(questionnaire = %id))]
    pub async fn edit_questionnaire(
        &self,
        actor: &Actor,
        id: &QuestionnaireId,
        fields: &BTreeMap<String, String>,
    ) -> AppResult<Result<Questionnaire, AnswerErrors>> {
        self.require(actor, Action::KeepCaseload).await?;
        let mut tx = self.db().begin().await?;
        let q = self.questionnaire_in(&mut tx, actor, id).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        if q.therapist.as_ref() != Some(&user.id) {
            return Err(AppError::Forbidden);
        }
        let edited = match intake::edit(&q.definition, fields, || {
            format!("q{}", store::random_hex(4))
        }) {
            Ok(d) => d,
            Err(errors) => return Ok(Err(errors)),
        };
        if edited == q.definition {
            return Ok(Ok(q));
        }
        let version =
            store::intake::add_version(&mut tx, &user.id, &q.key, &edited, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::QuestionnaireEdit,
            "",
            version.id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(version))
    }
}
