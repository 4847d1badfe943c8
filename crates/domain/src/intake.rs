//! Questionnaires as versioned data: the intake, and the PHQ-9 and GAD-7 as the portal asks them.
//!
//! A questionnaire is a [`Definition`] (sections of questions) stored under an owner (none for the
//! built-in ones, or a therapist for their own copy), a key (`intake`, `phq9`, `gad7`) and a
//! version. A version is never changed once written: an edit is a new version, and every response
//! stays bound to the version it answered. Answers are plain data ([`Answers`]); this module turns
//! posted form fields into answers and back, and says what they mean (progress, risk, scores, the
//! family for the genogram) without any I/O.

mod answers;
mod builtin;
mod editor;
mod meaning;
mod read_out;

pub use answers::{
    fields_of, parse_born, read_section, relation_value, Answer, AnswerErrors, Answers, Member,
    PERSON_FIELDS, RELATIONS,
};
pub use builtin::{builtin, builtin_id, is_measure_key, Builtin, FIRST_SESSION, INTAKE};
pub use editor::edit;
pub use meaning::{family, progress, risk, scores, Progress};
pub use read_out::{read_out, ReadAnswer, ReadItem, ReadSection};

use crate::ids::{CaseId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The most characters a one-line answer keeps.
pub const SHORT_TEXT_MAX: usize = 300;
/// The most characters a long answer keeps.
pub const LONG_TEXT_MAX: usize = 5_000;
/// A first name or initials.
pub const NAME_MAX: usize = 40;
/// Rows of the family list shown at first, without JavaScript as with it.
pub const DEFAULT_ROWS: usize = 8;
/// Rows "Add more rows" adds each time.
pub const MORE_ROWS: usize = 4;
/// The most people one family list holds.
pub const MAX_ROWS: usize = 40;

pub use crate::ids::{QuestionnaireId, ResponseId};

/// What a questionnaire asks, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    pub title: String,
    #[serde(default)]
    pub intro: String,
    pub sections: Vec<Section>,
}

/// One page of a questionnaire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub help: String,
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable within the questionnaire's versions: answers are stored under it.
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub help: String,
    pub kind: Kind,
}

/// How a question is answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// One line.
    Text,
    /// As much as the person wants to write.
    LongText,
    /// One of a few answers; an answer marked `risk` tells the therapist at once.
    Choice { choices: Vec<Choice> },
    /// A published measure (`phq9`, `gad7`), asked in its published wording from `measures`.
    Measure { measure: String },
    /// The family system: one row per person, as the genogram needs them.
    People,
}

impl Kind {
    /// The kinds a therapist may add to, or remove from, their copy.
    pub fn is_text(&self) -> bool {
        matches!(self, Kind::Text | Kind::LongText)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::LongText => "long_text",
            Kind::Choice { .. } => "choice",
            Kind::Measure { .. } => "measure",
            Kind::People => "people",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    #[serde(default)]
    pub risk: bool,
}

impl Definition {
    /// Every question with the index of its section.
    pub fn questions(&self) -> impl Iterator<Item = (usize, &Question)> {
        self.sections
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.questions.iter().map(move |q| (i, q)))
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().map(|(_, q)| q).find(|q| q.id == id)
    }
}

/// One stored version of a questionnaire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Questionnaire {
    pub id: QuestionnaireId,
    /// `None` for the practice's built-in questionnaires.
    pub therapist: Option<UserId>,
    pub key: String,
    pub version: u32,
    pub definition: Definition,
    pub created_at: Timestamp,
}

impl Questionnaire {
    pub fn title(&self) -> &str {
        &self.definition.title
    }

    pub fn is_builtin(&self) -> bool {
        self.therapist.is_none()
    }

    /// Measures are asked only in their published wording: nobody edits or copies them.
    pub fn can_be_copied(&self) -> bool {
        !is_measure_key(&self.key)
    }
}

/// Where a response stands: still being filled in, or sent to the therapist (then read-only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
        }
    }

    pub fn parse(raw: &str) -> Status {
        if raw == "submitted" {
            Status::Submitted
        } else {
            Status::Draft
        }
    }
}

/// A response without its (sealed) answers: what a list shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResponseInfo {
    pub id: ResponseId,
    pub case: CaseId,
    pub questionnaire: QuestionnaireId,
    pub key: String,
    pub version: u32,
    /// The title of the version it answers.
    pub title: String,
    pub status: Status,
    /// Whether anything was ever saved.
    pub started: bool,
    /// Whether an answer in it has raised the case's "needs attention".
    pub risk_raised: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub submitted_at: Option<Timestamp>,
}

impl ResponseInfo {
    /// `not_started`, `in_progress` or `sent`, for a list.
    pub fn state(&self) -> &'static str {
        match (self.status, self.started) {
            (Status::Submitted, _) => "sent",
            (Status::Draft, true) => "in_progress",
            (Status::Draft, false) => "not_started",
        }
    }
}

/// A response with its answers opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Response {
    pub info: ResponseInfo,
    pub answers: Answers,
}

/// The mark on a case that a response needs the therapist's attention, until they have seen it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attention {
    pub case: CaseId,
    pub response: ResponseId,
    pub raised_at: Timestamp,
}

/// The name a form field has for question `question` (and, for a measure's item or a family row, more).
pub fn field_name(question: &str, rest: &[&str]) -> String {
    let mut name = format!("q.{question}");
    for part in rest {
        name.push('.');
        name.push_str(part);
    }
    name
}

/// The element id for a field name: dots become dashes, so it is also a valid fragment.
pub fn field_id(name: &str) -> String {
    name.replace('.', "-")
}

/// Whether `id` can name a question or section: short, lower-case letters, digits, `_` and `-`.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}
