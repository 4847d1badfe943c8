//! The questionnaires every practice starts with: the intake, in plain and gentle words, and the
//! PHQ-9 and GAD-7, whose wording lives in `measures` and is never copied or changed.

use super::{Choice, Definition, Kind, Question, Section};
use crate::measures::{self, Measure};

/// The key of the intake questionnaire.
pub const INTAKE: &str = "intake";

/// What every patient with a case finds in their portal, before or after the consultation.
pub const FIRST_SESSION: [&str; 3] = [INTAKE, "phq9", "gad7"];

/// One built-in questionnaire at one version. A changed built-in is a new version here, so that
/// answers to the old one keep their wording.
pub struct Builtin {
    pub key: &'static str,
    pub version: u32,
    pub definition: Definition,
}

/// The stored id of a built-in version, the same in every installation.
pub fn builtin_id(key: &str, version: u32) -> String {
    format!("builtin-{key}-{version}")
}

/// Whether `key` names a published measure.
pub fn is_measure_key(key: &str) -> bool {
    measures::by_id(key).is_some()
}

/// Every built-in questionnaire, newest version of each.
pub fn builtin() -> Vec<Builtin> {
    let mut all = vec![Builtin {
        key: INTAKE,
        version: 1,
        definition: intake(),
    }];
    for m in measures::ALL {
        all.push(Builtin {
            key: m.id,
            version: 1,
            definition: measure(m),
        });
    }
    all
}

fn measure(m: &Measure) -> Definition {
    Definition {
        title: m.title.to_string(),
        intro: String::new(),
        sections: vec![Section {
            id: m.id.to_string(),
            title: m.title.to_string(),
            help: String::new(),
            questions: vec![Question {
                id: m.id.to_string(),
                label: m.stem.to_string(),
                help: String::new(),
                kind: Kind::Measure {
                    measure: m.id.to_string(),
                },
            }],
        }],
    }
}

fn q(id: &str, label: &str, help: &str, kind: Kind) -> Question {
    Question {
        id: id.into(),
        label: label.into(),
        help: help.into(),
        kind,
    }
}

fn long(id: &str, label: &str, help: &str) -> Question {
    q(id, label, help, Kind::LongText)
}

fn short(id: &str, label: &str, help: &str) -> Question {
    q(id, label, help, Kind::Text)
}

fn section(id: &str, title: &str, help: &str, questions: Vec<Question>) -> Section {
    Section {
        id: id.into(),
        title: title.into(),
        help: help.into(),
        questions,
    }
}

fn choice(value: &str, label: &str, risk: bool) -> Choice {
    Choice {
        value: value.into(),
        label: label.into(),
        risk,
    }
}

/// The gentle question about self-harm: any "yes" tells the therapist at once.
pub(crate) fn risk_question() -> Question {
    q(
        "thoughts_of_harm",
        "Have you had thoughts of harming yourself or of ending your life recently?",
        "There is no wrong answer. Many people have such thoughts at difficult times, and it helps \
         your therapist to know. If you are in danger now, please contact the crisis services \
         shown on this page.",
        Kind::Choice {
            choices: vec![
                choice("no", "No", false),
                choice("past", "Not recently, but I have in the past", false),
                choice("sometimes", "Yes, sometimes", true),
                choice("often", "Yes, often", true),
                choice("in_person", "I would rather talk about this in person", false),
            ],
        },
    )
}

fn intake() -> Definition {
    Definition {
        title: "Getting to know you".into(),
        intro: "These questions help your therapist prepare for your first conversation. Answer \
                what you like, in your own words, and skip anything: there is time to talk about \
                all of it together. Your answers are saved as you go, and only your therapist \
                reads them."
            .into(),
        sections: vec![
            section(
                "brings_you",
                "What brings you",
                "",
                vec![long(
                    "what_brings_you",
                    "What brings you to therapy at this time?",
                    "In your own words: what is happening, since when, and how it affects you. A \
                     few sentences are enough.",
                )],
            ),
            section(
                "mental_health",
                "Your mental health so far",
                "",
                vec![
                    long(
                        "past_therapy",
                        "Have you had therapy or counselling before?",
                        "If so: roughly when, for how long, and what it was like for you.",
                    ),
                    long(
                        "diagnoses",
                        "Has a doctor or therapist ever given you a diagnosis for your mental \
                         health?",
                        "",
                    ),
                    long(
                        "mental_health_medication",
                        "Do you take, or have you taken, medication for your mental health?",
                        "Which medication, and since when, if you know.",
                    ),
                    long(
                        "hospital_stays",
                        "Have you ever stayed in a hospital or clinic for your mental health?",
                        "",
                    ),
                    risk_question(),
                ],
            ),
            section(
                "physical_health",
                "Your physical health",
                "",
                vec![
                    long(
                        "physical_conditions",
                        "Do you live with any illness, pain or other physical health condition?",
                        "",
                    ),
                    long(
                        "physical_medication",
                        "Do you take any medication for your physical health?",
                        "",
                    ),
                    short(
                        "doctor",
                        "Who is your family doctor, if you have one?",
                        "A name and a town are enough.",
                    ),
                ],
            ),
            section(
                "education",
                "Education",
                "",
                vec![long(
                    "education",
                    "What schooling, training or studies have you done?",
                    "And, if you like, how that time was for you.",
                )],
            ),
            section(
                "work",
                "Work",
                "",
                vec![long(
                    "work",
                    "What do you do for work, or what did you do last?",
                    "How is your work for you at the moment?",
                )],
            ),
            section(
                "family",
                "Your family",
                "Tell us about the people in your family: parents, brothers and sisters, \
                 partners, children, grandparents, and anyone else who belongs. A first name or \
                 initials is enough. Leave out anything you do not know or would rather not say.",
                vec![
                    q(
                        "family",
                        "The people in your family",
                        "One row for each person. You do not need to fill in every row.",
                        Kind::People,
                    ),
                    long(
                        "family_more",
                        "Is there anything else about your family you would like your therapist \
                         to know?",
                        "",
                    ),
                ],
            ),
            section(
                "growing_up",
                "Growing up",
                "",
                vec![
                    long(
                        "caretakers",
                        "Who were the important people who looked after you when you were \
                         growing up?",
                        "For example parents, grandparents, foster parents, or others.",
                    ),
                    long(
                        "caretaker_relationships",
                        "How were your relationships with them?",
                        "",
                    ),
                ],
            ),
            section(
                "support",
                "Support around you",
                "",
                vec![
                    long(
                        "support_partner",
                        "If you have a partner: how does your relationship support you at the \
                         moment?",
                        "",
                    ),
                    long(
                        "support_friends",
                        "Who are the friends or people you can turn to?",
                        "",
                    ),
                    long(
                        "support_community",
                        "Are you part of a community, for example a club, a faith community, a \
                         neighbourhood or an online group?",
                        "",
                    ),
                ],
            ),
            section(
                "hopes",
                "Your hopes",
                "",
                vec![long(
                    "hopes",
                    "What do you hope for from therapy?",
                    "What would you like to be different when it has helped?",
                )],
            ),
            section(
                "practical",
                "Practical wishes",
                "",
                vec![
                    short("days", "Which days of the week suit you for sessions?", ""),
                    short("times", "Which times of day suit you?", ""),
                    short(
                        "language",
                        "In which language would you like to have therapy?",
                        "",
                    ),
                ],
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::valid_id;

    #[test]
    fn every_builtin_has_unique_valid_ids() {
        for b in builtin() {
            let mut seen = std::collections::BTreeSet::new();
            for s in &b.definition.sections {
                assert!(valid_id(&s.id), "{}", s.id);
            }
            for (_, q) in b.definition.questions() {
                assert!(valid_id(&q.id), "{}", q.id);
                assert!(seen.insert(q.id.clone()), "{} twice in {}", q.id, b.key);
            }
        }
    }

    #[test]
    fn the_intake_covers_the_first_session_and_asks_about_risk_gently() {
        let d = intake();
        let sections: Vec<&str> = d.sections.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            sections,
            [
                "brings_you",
                "mental_health",
                "physical_health",
                "education",
                "work",
                "family",
                "growing_up",
                "support",
                "hopes",
                "practical"
            ]
        );
        let risk = d.question("thoughts_of_harm").unwrap();
        let Kind::Choice { choices } = &risk.kind else {
            panic!("a choice")
        };
        let flagged: Vec<&str> = choices
            .iter()
            .filter(|c| c.risk)
            .map(|c| c.value.as_str())
            .collect();
        assert_eq!(flagged, ["sometimes", "often"]);
        assert!(matches!(d.question("family").unwrap().kind, Kind::People));
    }

    #[test]
    fn measures_keep_their_published_stem_and_are_not_copied() {
        let all = builtin();
        let phq = all.iter().find(|b| b.key == "phq9").unwrap();
        assert_eq!(phq.definition.title, measures::PHQ9.title);
        assert_eq!(
            phq.definition.sections[0].questions[0].label,
            measures::PHQ9.stem
        );
        assert!(is_measure_key("gad7") && !is_measure_key(INTAKE));
        assert_eq!(builtin_id("intake", 1), "builtin-intake-1");
    }
}
