//! Session notes: one per session, written in a template the therapist chooses (free text, DAP,
//! SOAP, BIRP), signed once complete. A signed note is never changed, only amended by dated
//! addenda. The process notes beside it are the therapist's private working notes, not part of the
//! record a patient may ask for, and stay the therapist's to change. A therapist may also keep
//! their own headings (two to four short lines) as a template of their own; a note written with
//! them keeps its headings inside its sealed body, so changing them later changes no note.

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
    /// The therapist's own headings: they travel with the note ([`Body::headings`]).
    Own,
}

impl Template {
    /// The templates every therapist has; `Own` is offered once a therapist has defined theirs.
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
            Template::Own => "own",
        }
    }

    pub fn parse(raw: &str) -> Option<Template> {
        Template::ALL
            .into_iter()
            .chain([Template::Own])
            .find(|t| t.as_str() == raw.trim())
    }

    /// The translation keys of the sections' headings, in order (none for `Own`: its headings
    /// are the therapist's words, kept with each note).
    pub fn headings(self) -> &'static [&'static str] {
        match self {
            Template::Own => &[],
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
    /// The headings themselves, for a note in the therapist's own headings: sealed with the
    /// note, so a later change of the therapist's headings never reaches it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headings: Vec<String>,
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
    /// Checks a note in one of the built-in templates (own headings are refused: see
    /// [`NoteInput::validate_with`]).
    pub fn validate(&self) -> Validated<Checked> {
        self.validate_with(None)
    }

    /// Checks a note; `own` are the headings a note in the therapist's own template is written
    /// under (the note's own when it has some, else the therapist's), `None` when they have none.
    pub fn validate_with(&self, own: Option<&[String]>) -> Validated<Checked> {
        let mut e = FieldErrors::default();
        let template = match Template::parse(&self.template) {
            Some(Template::Own) if own.is_none() => None,
            other => other,
        }
        .unwrap_or_else(|| {
            e.add("template", "error-note-template");
            Template::Free
        });
        let headings: Vec<String> = match (template, own) {
            (Template::Own, Some(own)) => own.to_vec(),
            _ => Vec::new(),
        };
        let count = match template {
            Template::Own => headings.len(),
            t => t.headings().len(),
        };
        let typed = [
            &self.section_0,
            &self.section_1,
            &self.section_2,
            &self.section_3,
        ];
        let sections: Vec<String> = SECTION_FIELDS
            .into_iter()
            .zip(typed)
            .take(count)
            .map(|(field, text)| validation::text(&mut e, field, text, false, SECTION_MAX))
            .collect();
        let process = validation::text(&mut e, "process", &self.process, false, PROCESS_MAX);
        let body = Body {
            template: template.as_str().to_string(),
            sections,
            headings,
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

/// A therapist's own note template: its name and two to four headings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnHeadings {
    pub name: String,
    pub headings: Vec<String>,
}

/// The longest name of one's own template and the longest heading (characters).
pub const OWN_NAME_MAX: usize = 60;
pub const HEADING_MAX: usize = 60;
/// How many headings one's own template has: at least two (one is free text), at most as many
/// as a note has sections.
pub const HEADINGS_MIN: usize = 2;
pub const HEADINGS_MAX: usize = SECTION_FIELDS.len();

/// The own-headings form as typed: a name, and the headings one a line.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OwnHeadingsInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub headings: String,
}

impl OwnHeadingsInput {
    /// The form filled with what is kept.
    pub fn from_kept(kept: &OwnHeadings) -> OwnHeadingsInput {
        OwnHeadingsInput {
            name: kept.name.clone(),
            headings: kept.headings.join("\n"),
        }
    }

    /// Checks the name and the headings: blank lines are dropped; two to four headings, each
    /// one short line, no two alike (whatever their case), no markup or invisible characters.
    pub fn validate(&self) -> Validated<OwnHeadings> {
        let mut e = FieldErrors::default();
        let name = validation::line(&mut e, "name", &self.name, true, OWN_NAME_MAX);
        if !plain(&name) {
            e.add("name", "error-heading-characters");
        }
        let headings: Vec<String> = self
            .headings
            .lines()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_string)
            .collect();
        let mut seen = std::collections::HashSet::new();
        if headings.is_empty() {
            e.add("headings", "error-required");
        } else if headings.iter().any(|h| h.chars().count() > HEADING_MAX) {
            e.add_limit("headings", "error-heading-too-long", HEADING_MAX);
        } else if headings.iter().any(|h| !plain(h)) {
            e.add("headings", "error-heading-characters");
        } else if headings.len() < HEADINGS_MIN {
            e.add("headings", "error-headings-too-few");
        } else if headings.len() > HEADINGS_MAX {
            e.add_limit("headings", "error-headings-too-many", HEADINGS_MAX);
        } else if !headings.iter().all(|h| seen.insert(h.to_lowercase())) {
            e.add("headings", "error-headings-duplicate");
        }
        e.finish(OwnHeadings { name, headings })
    }
}

/// Whether a short label is plain text: no control, markup or invisible (zero-width,
/// direction-changing) characters, which have no place in a heading and could make one read as
/// another.
fn plain(text: &str) -> bool {
    !text.chars().any(|c| {
        c.is_control()
            || matches!(c, '<' | '>')
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
    })
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

    fn own(name: &str, headings: &str) -> Validated<OwnHeadings> {
        OwnHeadingsInput {
            name: name.into(),
            headings: headings.into(),
        }
        .validate()
    }

    #[test]
    fn own_headings_are_two_to_four_short_distinct_lines() {
        let kept = own(
            " Process ",
            "Themes\r\n\n  Transference \nRisk\nNext time\n",
        )
        .unwrap();
        assert_eq!(kept.name, "Process");
        assert_eq!(
            kept.headings,
            ["Themes", "Transference", "Risk", "Next time"]
        );
        let back = OwnHeadingsInput::from_kept(&kept).validate().unwrap();
        assert_eq!(back, kept);
        let refusal = |name: &str, headings: &str, field: &str| {
            own(name, headings).unwrap_err().get(field).unwrap()
        };
        assert_eq!(refusal("", "A\nB", "name"), "error-required");
        assert_eq!(refusal("P", " \n\n", "headings"), "error-required");
        assert_eq!(refusal("P", "Themes", "headings"), "error-headings-too-few");
        assert_eq!(
            refusal("P", "A\nB\nC\nD\nE", "headings"),
            "error-headings-too-many"
        );
        assert_eq!(
            refusal("P", "Risk\nrisk ", "headings"),
            "error-headings-duplicate"
        );
        let long = "h".repeat(HEADING_MAX + 1);
        assert_eq!(refusal("P", &long, "headings"), "error-heading-too-long");
        assert_eq!(
            refusal(&"n".repeat(OWN_NAME_MAX + 1), "A\nB", "name"),
            "error-too-long"
        );
        assert_eq!(refusal("P\nQ", "A\nB", "name"), "error-invalid-characters");
    }

    #[test]
    fn hostile_headings_are_refused() {
        for bad in [
            "<script>alert(1)</script>\nB",
            "A\n<b>B</b>",
            "A\nB\u{0}",
            "A\nB\u{202E}kcab",
            "A\nzero\u{200B}width",
        ] {
            let e = own("P", bad).unwrap_err();
            assert_eq!(
                e.get("headings"),
                Some("error-heading-characters"),
                "{bad:?}"
            );
        }
        let e = own("<img src=x>", "A\nB").unwrap_err();
        assert_eq!(e.get("name"), Some("error-heading-characters"));
        // Ordinary punctuation and letters of any script are fine.
        assert!(own(
            "Mein Schema",
            "Übertragung & Gegenübertragung\nRisk (today)\nNächstes Mal"
        )
        .is_ok());
    }

    #[test]
    fn a_note_in_own_headings_keeps_them_in_its_body() {
        let headings: Vec<String> = vec!["Themes".into(), "Risk".into(), "Next time".into()];
        let n = input("own", ["t", "r", "n", "dropped"], "save", "")
            .validate_with(Some(&headings))
            .unwrap();
        assert_eq!(n.body.template(), Template::Own);
        assert_eq!(n.body.sections, ["t", "r", "n"]);
        assert_eq!(n.body.headings, headings);
        // Without headings of one's own, "own" is no template.
        let e = input("own", ["t", "", "", ""], "save", "")
            .validate()
            .unwrap_err();
        assert_eq!(e.get("template"), Some("error-note-template"));
        // A built-in template carries no headings, and an older body reads without them.
        let dap = input("dap", ["d", "a", "p", ""], "save", "")
            .validate_with(Some(&headings))
            .unwrap();
        assert!(dap.body.headings.is_empty());
        let old: Body =
            serde_json::from_str(r#"{"template":"dap","sections":["d","a","p"]}"#).unwrap();
        assert_eq!(old, dap.body);
        assert!(!serde_json::to_string(&dap.body)
            .unwrap()
            .contains("headings"));
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
