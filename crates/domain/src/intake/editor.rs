//! The therapist's edit of their own copy: titles and help texts, a new order, removing a text
//! question or adding one. Measures keep their published wording, and the question about
//! self-harm and the family list cannot be removed (only reworded), so that a copy never loses
//! the risk path or the genogram. The result is a new version; the old one is never changed.

use super::answers::AnswerErrors;
use super::{valid_id, Definition, Kind, Question};
use std::collections::BTreeMap;

const TITLE_MAX: usize = 200;
const LABEL_MAX: usize = 500;
const HELP_MAX: usize = 2_000;

fn text(
    fields: &BTreeMap<String, String>,
    errors: &mut AnswerErrors,
    name: &str,
    current: &str,
    required: bool,
    max: usize,
) -> String {
    let Some(raw) = fields.get(name) else {
        return current.to_string();
    };
    let value = raw.trim().to_string();
    if required && value.is_empty() {
        errors.add(name, "error-required");
    } else if value.chars().count() > max {
        // Each limit has its own message, so the message can state it.
        errors.add(
            name,
            match max {
                TITLE_MAX => "error-too-long-title",
                LABEL_MAX => "error-too-long-label",
                _ => "error-too-long-help",
            },
        );
    } else if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.add(name, "error-invalid-characters");
    }
    value
}

/// Applies the posted editor form to `def`. Field names: `title`, `intro`, `s.<section>.title`,
/// `s.<section>.help`, `s.<section>.new_label` and `new_kind` (a question to add),
/// `q.<question>.label`, `help`, `order` (a number) and `remove`. A field not posted keeps its value.
pub fn edit(
    def: &Definition,
    fields: &BTreeMap<String, String>,
    mut new_id: impl FnMut() -> String,
) -> Result<Definition, AnswerErrors> {
    let mut errors = AnswerErrors::default();
    let mut out = Definition {
        title: text(fields, &mut errors, "title", &def.title, true, TITLE_MAX),
        intro: text(fields, &mut errors, "intro", &def.intro, false, HELP_MAX),
        sections: Vec::new(),
    };
    for section in &def.sections {
        let s = |field: &str| format!("s.{}.{field}", section.id);
        let mut edited = section.clone();
        edited.title = text(
            fields,
            &mut errors,
            &s("title"),
            &section.title,
            true,
            TITLE_MAX,
        );
        edited.help = text(
            fields,
            &mut errors,
            &s("help"),
            &section.help,
            false,
            HELP_MAX,
        );
        let mut ordered: Vec<(i64, usize, Question)> = Vec::new();
        for (index, q) in section.questions.iter().enumerate() {
            let f = |field: &str| format!("q.{}.{field}", q.id);
            let removed = fields.get(&f("remove")).is_some_and(|v| !v.is_empty());
            if removed && q.kind.is_text() {
                continue;
            }
            let order = match fields.get(&f("order")).map(|v| v.trim()) {
                None | Some("") => index as i64 + 1,
                Some(v) => v.parse::<i64>().unwrap_or_else(|_| {
                    errors.add(f("order"), "error-number");
                    index as i64 + 1
                }),
            };
            let mut q = q.clone();
            if !matches!(q.kind, Kind::Measure { .. }) {
                q.label = text(fields, &mut errors, &f("label"), &q.label, true, LABEL_MAX);
                q.help = text(fields, &mut errors, &f("help"), &q.help, false, HELP_MAX);
            }
            ordered.push((order, index, q));
        }
        let new_label = text(fields, &mut errors, &s("new_label"), "", false, LABEL_MAX);
        if !new_label.is_empty() {
            let kind = match fields.get(&s("new_kind")).map(String::as_str) {
                Some("text") => Kind::Text,
                _ => Kind::LongText,
            };
            let id = new_id();
            if valid_id(&id) && def.question(&id).is_none() {
                ordered.push((
                    i64::MAX,
                    usize::MAX,
                    Question {
                        id,
                        label: new_label,
                        help: String::new(),
                        kind,
                    },
                ));
            }
        }
        ordered.sort_by_key(|(order, index, _)| (*order, *index));
        edited.questions = ordered.into_iter().map(|(_, _, q)| q).collect();
        if !edited.questions.is_empty() {
            out.sections.push(edited);
        }
    }
    if out.sections.is_empty() {
        errors.add("title", "error-questionnaire-empty");
    }
    errors.finish_with(out)
}

impl AnswerErrors {
    fn finish_with<T>(self, value: T) -> Result<T, AnswerErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::builtin;

    fn intake() -> Definition {
        builtin()
            .into_iter()
            .find(|b| b.key == "intake")
            .unwrap()
            .definition
    }

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn nothing_posted_changes_nothing() {
        let def = intake();
        assert_eq!(edit(&def, &fields(&[]), || "qnew".into()).unwrap(), def);
    }

    #[test]
    fn titles_help_order_removal_and_a_new_question() {
        let def = intake();
        let edited = edit(
            &def,
            &fields(&[
                ("title", "Before we meet"),
                ("s.work.help", "Paid or unpaid."),
                ("q.doctor.remove", "on"),
                ("q.physical_medication.order", "0"),
                ("q.thoughts_of_harm.remove", "on"),
                (
                    "s.hopes.new_label",
                    "What would a good first session be like?",
                ),
                ("s.hopes.new_kind", "text"),
            ]),
            || "q_added".into(),
        )
        .unwrap();
        assert_eq!(edited.title, "Before we meet");
        assert_eq!(edited.sections[4].help, "Paid or unpaid.");
        let physical: Vec<&str> = edited.sections[2]
            .questions
            .iter()
            .map(|q| q.id.as_str())
            .collect();
        assert_eq!(physical, ["physical_medication", "physical_conditions"]);
        assert!(
            edited.question("thoughts_of_harm").is_some(),
            "the risk question stays"
        );
        let added = edited.question("q_added").unwrap();
        assert_eq!(added.kind, Kind::Text);
        assert_eq!(edited.sections[8].questions.last().unwrap().id, "q_added");
    }

    #[test]
    fn empty_labels_and_bad_orders_are_refused_by_field() {
        let def = intake();
        let errors = edit(
            &def,
            &fields(&[
                ("title", " "),
                ("q.hopes.label", ""),
                ("q.hopes.order", "first"),
            ]),
            || "x".into(),
        )
        .unwrap_err();
        assert_eq!(errors.get("title"), Some("error-required"));
        assert_eq!(errors.get("q.hopes.label"), Some("error-required"));
        assert_eq!(errors.get("q.hopes.order"), Some("error-number"));
    }
}
