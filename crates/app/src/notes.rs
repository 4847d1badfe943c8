//! Session notes as use-cases: only the case's therapist opens, writes, signs and amends the note
//! of one of their sessions, from the moment its room opens. Every opening of a note's text is
//! audited; a change to a signed note is refused, and the attempt audited. Each therapist may
//! keep their own headings as a template of their own (not clinical, so not sealed; saving them
//! is audited).

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::{Action, CaseSide};
use crate::App;
use domain::audit::AuditAction;
use domain::case::Case;
use domain::notes::{NoteInput, OwnHeadings, OwnHeadingsInput, Template};
use jiff::Timestamp;
use store::notes::{Addendum, Note};
use store::StoreError;

/// One session's note as its page shows it.
#[derive(Clone, Debug)]
pub struct NoteView {
    pub appointment: String,
    pub case: Case,
    pub kind: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Whether the session has begun (its room opened): before that there is nothing to note.
    pub begun: bool,
    pub note: Option<Note>,
    pub addenda: Vec<Addendum>,
    /// The therapist's own headings as they are now (a note written with them keeps its own).
    pub own: Option<OwnHeadings>,
}

impl NoteView {
    pub fn signed(&self) -> bool {
        self.note.as_ref().is_some_and(|n| n.signed_at.is_some())
    }
}

impl App {
    /// The session `id` of one of the actor's cases, with its case; anyone else gets `NotFound`.
    async fn session_of(
        &self,
        c: &mut store::Conn,
        actor: &Actor,
        id: &str,
    ) -> AppResult<(store::booking::AppointmentView, Case)> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let a = store::booking::get(c, id)
            .await?
            .filter(|a| a.therapist == user.id && !a.cancelled)
            .ok_or(AppError::NotFound)?;
        let case_id = a.case.clone().ok_or(AppError::NotFound)?;
        let case = self
            .case_as(c, actor, &case_id, CaseSide::Therapist)
            .await?;
        Ok((a, case))
    }

    fn begun(&self, start: Timestamp) -> bool {
        self.now() >= start - domain::room::OPENS_BEFORE
    }

    /// A session's note, its addenda and what the page needs; reading a written note is audited.
    #[tracing::instrument(skip_all, fields(appointment = %id))]
    pub async fn session_note(&self, actor: &Actor, id: &str) -> AppResult<NoteView> {
        let mut c = self.db().conn().await?;
        let (a, case) = self.session_of(&mut c, actor, id).await?;
        let note = store::notes::load(&mut c, &a.id).await?;
        let addenda = store::notes::addenda(&mut c, &a.id).await?;
        if note.is_some() {
            self.audit_in(
                &mut c,
                actor,
                AuditAction::NoteRead,
                case.id.as_str(),
                &a.id,
                Outcome::Ok,
            )
            .await?;
        }
        let kind = self.type_name(&mut c, &case, &a.type_key).await?;
        let own = store::notes::own_headings(&mut c, &case.therapist.id).await?;
        Ok(NoteView {
            own,
            begun: self.begun(a.start),
            appointment: a.id,
            case,
            kind,
            start: a.start,
            end: a.end,
            note,
            addenda,
        })
    }

    async fn type_name(&self, c: &mut store::Conn, case: &Case, key: &str) -> AppResult<String> {
        Ok(store::booking::availability(c, &case.therapist.id)
            .await?
            .map_or_else(crate::calendar::default_types, |hours| hours.types)
            .into_iter()
            .find(|t| t.key == key)
            .map_or_else(|| key.to_string(), |t| t.name))
    }

    /// Saves a draft, or signs it. Answers whether the note is signed now. A signed note is
    /// never changed: the attempt is refused next to the note and written to the audit log.
    #[tracing::instrument(skip_all, fields(appointment = %id))]
    pub async fn save_session_note(
        &self,
        actor: &Actor,
        id: &str,
        input: &NoteInput,
    ) -> AppResult<bool> {
        let mut tx = self.db().begin().await?;
        let (a, case) = self.session_of(&mut tx, actor, id).await?;
        self.require_open(&mut tx, actor, &case, "note").await?;
        let own = if Template::parse(&input.template) == Some(Template::Own) {
            self.headings_to_write_under(&mut tx, &case, &a.id).await?
        } else {
            None
        };
        let checked = input.validate_with(own.as_deref())?;
        if !self.begun(a.start) {
            return Err(AppError::field("section_0", "error-note-not-begun"));
        }
        let now = self.now();
        match store::notes::save_draft(
            &mut tx,
            &case.id,
            &a.id,
            &checked.body,
            &checked.process,
            now,
        )
        .await
        {
            Err(StoreError::Conflict) => {
                tx.roll_back().await?;
                let mut c = self.db().conn().await?;
                self.audit_in(
                    &mut c,
                    actor,
                    AuditAction::NoteWrite,
                    case.id.as_str(),
                    &a.id,
                    Outcome::Refused,
                )
                .await?;
                return Err(AppError::field("section_0", "error-note-signed"));
            }
            other => other?,
        }
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::NoteWrite,
            case.id.as_str(),
            &a.id,
            Outcome::Ok,
        )
        .await?;
        if checked.sign {
            let user = actor.user().ok_or(AppError::Unauthenticated)?;
            store::notes::sign(&mut tx, &a.id, &user.id, now).await?;
            self.audit_in(
                &mut tx,
                actor,
                AuditAction::NoteSign,
                case.id.as_str(),
                &a.id,
                Outcome::Ok,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(checked.sign)
    }

    /// The headings a note in the therapist's own template is written under: the note's own once
    /// it has some (a later change of the therapist's headings does not reach it), else the
    /// therapist's as they are now.
    async fn headings_to_write_under(
        &self,
        c: &mut store::Conn,
        case: &Case,
        appointment: &str,
    ) -> AppResult<Option<Vec<String>>> {
        let kept = store::notes::load(c, appointment)
            .await?
            .map(|n| n.body)
            .filter(|b| b.template() == Template::Own && !b.headings.is_empty());
        if let Some(body) = kept {
            return Ok(Some(body.headings));
        }
        Ok(store::notes::own_headings(c, &case.therapist.id)
            .await?
            .map(|o| o.headings))
    }

    /// Changes the private process notes of a session (signed or not).
    #[tracing::instrument(skip_all, fields(appointment = %id))]
    pub async fn save_process_note(&self, actor: &Actor, id: &str, text: &str) -> AppResult<()> {
        let mut e = domain::FieldErrors::default();
        let text =
            domain::validation::text(&mut e, "process", text, false, domain::notes::PROCESS_MAX);
        e.finish(())?;
        let mut tx = self.db().begin().await?;
        let (a, case) = self.session_of(&mut tx, actor, id).await?;
        self.require_open(&mut tx, actor, &case, "note").await?;
        if store::notes::load(&mut tx, &a.id).await?.is_none() {
            return Err(AppError::NotFound);
        }
        store::notes::save_process(&mut tx, &case.id, &a.id, &text, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::NoteWrite,
            case.id.as_str(),
            &a.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a dated addendum to a signed note (a draft is simply changed instead).
    #[tracing::instrument(skip_all, fields(appointment = %id))]
    pub async fn add_note_addendum(&self, actor: &Actor, id: &str, text: &str) -> AppResult<()> {
        let text = domain::notes::addendum(text)?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db().begin().await?;
        let (a, case) = self.session_of(&mut tx, actor, id).await?;
        let signed = store::notes::load(&mut tx, &a.id)
            .await?
            .is_some_and(|n| n.signed_at.is_some());
        if !signed {
            return Err(AppError::field("addendum", "error-addendum-unsigned"));
        }
        store::notes::add_addendum(&mut tx, &case.id, &a.id, &text, &user.id, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::NoteAddendum,
            case.id.as_str(),
            &a.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The case's sessions so far with the state of their notes (newest first, the last
    /// hundred); no note's text is opened for it.
    pub async fn case_sessions(
        &self,
        actor: &Actor,
        id: &domain::ids::CaseId,
    ) -> AppResult<Vec<store::notes::SessionLine>> {
        let mut c = self.db().conn().await?;
        let case = self.case_as(&mut c, actor, id, CaseSide::Therapist).await?;
        // A session counts from the moment its room opens, as its note does.
        let begun_by = self.now() + domain::room::OPENS_BEFORE;
        Ok(store::notes::sessions_of_case(&mut c, &case.id, begun_by, 100).await?)
    }

    /// The actor's own note headings, if they have defined them (therapists only).
    pub async fn own_note_headings(&self, actor: &Actor) -> AppResult<Option<OwnHeadings>> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut c = self.db().conn().await?;
        Ok(store::notes::own_headings(&mut c, &user.id).await?)
    }

    /// Keeps the actor's own note headings in place of the ones they had; notes already written
    /// with the old ones keep theirs. Audited (no case: they are about no one).
    #[tracing::instrument(skip_all)]
    pub async fn save_own_note_headings(
        &self,
        actor: &Actor,
        input: &OwnHeadingsInput,
    ) -> AppResult<()> {
        self.require(actor, Action::KeepCaseload).await?;
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let own = input.validate()?;
        let mut tx = self.db().begin().await?;
        store::notes::save_own_headings(&mut tx, &user.id, &own, self.now()).await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::NoteTemplateSave,
            "",
            user.id.as_str(),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
