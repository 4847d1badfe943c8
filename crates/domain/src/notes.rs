//! Session notes: one per session, written in a template the therapist chooses (free text, DAP,
//! SOAP, BIRP), signed once complete. A signed note is never changed, only amended by dated
//! addenda. The process notes beside it are the therapist's private working notes, not part of the
//! record a patient may ask for, and stay the therapist's to change.

use crate::validation::{self, FieldErrors, Validated};
use serde::{Deserialize, Serialize};

/// The longest section of a note, the process notes, and an addendum (characters).
pub const SECTION_MAX: usize = 20_000;
pub const PROCESS_MAX: usize = 20_000;
pub const ADDENDUM_MAX: usize = 10_000;

/// How a note is laid out: its sections' headings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Template {
    #[default]
    Free,
    /// Data, assessment, plan.
    Dap,
    /// Subjective, objective, assessment, plan.
    Soap,
    /// Behaviour, intervention, response, plan.
    Birp,
}

impl Template {
    pub const ALL: [Template; 4] = [
        Template::Free,
        Template::Dap,
        Template::Soap,
        Template::Birp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Template::Free => "free",
            Template::Dap => "dap",
            Template::Soap => "soap",
            Template::Birp => "birp",
        }
    }

    pub fn parse(raw: &str) -> Option<Template> {
        Template::ALL.into_iter().find(|t| t.as_str() == raw.trim())
    }

    /// The translation keys of the sections' headings, in order.
    pub fn headings(self) -> &'static [&'static str] {
        match self {
            Template::Free => &["note-section-note"],
            Template::Dap => &[
                "note-section-data",
                "note-section-assessment",
                "note-section-plan",
            ],
            Template::Soap => &[
                "note-section-subjective",
                "note-section-objective",
                "note-section-assessment",
                "note-section-plan",
            ],
            Template::Birp => &[
                "note-section-behaviour",
                "note-section-intervention",
                "note-section-response",
                "note-section-plan",
            ],
        }
    }
}

/// A note's sections as sealed: the template's name and one text per heading.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    pub template: String,
    pub sections: Vec<String>,
}

impl Body {
    pub fn template(&self) -> Template {
        Template::parse(&self.template).unwrap_or_default()
    }

    /// Whether nothing is written in any section.
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|s| s.trim().is_empty())
    }
}

/// The note's form as typed: up to four sections, the process notes, and whether to sign.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct NoteInput {
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub section_0: String,
    #[serde(default)]
    pub section_1: String,
    #[serde(default)]
    pub section_2: String,
    #[serde(default)]
    pub section_3: String,
    #[serde(default)]
    pub process: String,
    /// "sign" to sign it now, anything else to keep it a draft.
    #[serde(default)]
    pub action: String,
    /// The therapist's confirmation that a signed note is final.
    #[serde(default)]
    pub confirm: String,
}

/// The section fields' names, in order.
pub const SECTION_FIELDS: [&str; 4] = ["section_0", "section_1", "section_2", "section_3"];

/// A note checked: its body, its process notes, and whether it is to be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub body: Body,
    pub process: String,
    pub sign: bool,
}

impl NoteInput {
    pub fn validate(&self) -> Validated<Checked> {
        let mut e = FieldErrors::default();
        let template = Template::parse(&self.template).unwrap_or_else(|| {
            e.add("template", "error-note-template");
            Template::Free
        });
        let typed = [
            &self.section_0,
            &self.section_1,
            &self.section_2,
            &self.section_3,
        ];
        let sections: Vec<String> = template
            .headings()
            .iter()
            .zip(SECTION_FIELDS)
            .zip(typed)
            .map(|((_, field), text)| validation::text(&mut e, field, text, false, SECTION_MAX))
            .collect();
        let process = validation::text(&mut e, "process", &self.process, false, PROCESS_MAX);
        let body = Body {
            template: template.as_str().to_string(),
            sections,
        };
        let sign = self.action == "sign";
        if sign {
            if body.is_empty() {
                e.add("section_0", "error-note-empty");
            }
            if !matches!(self.confirm.as_str(), "on" | "true" | "yes") {
                e.add("confirm", "error-note-confirm");
            }
        }
        e.finish(Checked {
            body,
            process,
            sign,
        })
    }
}

/// An addendum as typed.
pub fn addendum(raw: &str) -> Validated<String> {
    let mut e = FieldErrors::default();
    let text = validation::text(&mut e, "addendum", raw, true, ADDENDUM_MAX);
    e.finish(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(template: &str, sections: [&str; 4], action: &str, confirm: &str) -> NoteInput {
        NoteInput {
            template: template.into(),
            section_0: sections[0].into(),
            section_1: sections[1].into(),
            section_2: sections[2].into(),
            section_3: sections[3].into(),
            process: String::new(),
            action: action.into(),
            confirm: confirm.into(),
        }
    }

    #[test]
    fn a_template_keeps_as_many_sections_as_it_has_headings() {
        let dap = input("dap", ["d", "a", "p", "dropped"], "save", "")
            .validate()
            .unwrap();
        assert_eq!(dap.body.sections, ["d", "a", "p"]);
        assert_eq!(dap.body.template(), Template::Dap);
        assert!(!dap.sign);
        for t in Template::ALL {
            assert_eq!(Template::parse(t.as_str()), Some(t));
            assert!(t.headings().len() <= SECTION_FIELDS.len());
        }
    }

    #[test]
    fn a_draft_may_be_empty_but_a_signed_note_must_say_something_and_be_confirmed() {
        assert!(input("free", ["", "", "", ""], "save", "")
            .validate()
            .is_ok());
        let e = input("free", ["  ", "", "", ""], "sign", "on")
            .validate()
            .unwrap_err();
        assert_eq!(e.get("section_0"), Some("error-note-empty"));
        let e = input("free", ["We spoke of the move.", "", "", ""], "sign", "")
            .validate()
            .unwrap_err();
        assert_eq!(e.get("confirm"), Some("error-note-confirm"));
        let ok = input("free", ["We spoke of the move.", "", "", ""], "sign", "on")
            .validate()
            .unwrap();
        assert!(ok.sign);
    }

    #[test]
    fn unknown_templates_huge_and_hostile_text_are_refused() {
        let e = input("<script>", ["x", "", "", ""], "save", "")
            .validate()
            .unwrap_err();
        assert_eq!(e.get("template"), Some("error-note-template"));
        let huge = "x".repeat(SECTION_MAX + 1);
        let e = input("soap", ["", "", "", &huge], "save", "")
            .validate()
            .unwrap_err();
        assert_eq!(e.get("section_3"), Some("error-too-long"));
        let e = input("free", ["nul\u{0} byte", "", "", ""], "save", "")
            .validate()
            .unwrap_err();
        assert!(e.get("section_0").is_some());
        // Markup is text: kept as typed, escaped where shown.
        let kept = input("free", ["<b>not bold</b>", "", "", ""], "save", "")
            .validate()
            .unwrap();
        assert_eq!(kept.body.sections[0], "<b>not bold</b>");
        assert!(addendum("").is_err());
        assert!(addendum(&"y".repeat(ADDENDUM_MAX + 1)).is_err());
        assert_eq!(
            addendum(" A late correction. ").unwrap(),
            "A late correction."
        );
    }
}
