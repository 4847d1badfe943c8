//! What answers mean: how far a response has come, whether it needs the therapist's attention at
//! once, what stops it from being sent, the measures' scores, and the family for the genogram.

use super::answers::{Answer, Answers, Member};
use super::{Definition, Kind};
use crate::genogram::{Gender, Person, Relation};
use crate::measures::{self, Measure, Score, ScoreError};
use serde::Serialize;

/// How far a response has come: a measure counts each item, every other question counts once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub answered: usize,
    pub total: usize,
}

pub fn progress(def: &Definition, answers: &Answers) -> Progress {
    let mut p = Progress {
        answered: 0,
        total: 0,
    };
    for (_, q) in def.questions() {
        match (&q.kind, answers.get(&q.id)) {
            (Kind::Measure { measure }, answer) => {
                p.total += measures::by_id(measure).map_or(0, |m| m.items.len());
                if let Some(Answer::Measure { items, .. }) = answer {
                    p.answered += items.iter().filter(|v| v.is_some()).count();
                }
            }
            (_, answer) => {
                p.total += 1;
                p.answered += usize::from(answer.is_some());
            }
        }
    }
    p
}

/// Whether any answer needs the therapist's attention at once: a choice marked as a risk, or a
/// measure's risk item (the PHQ-9's ninth) above "Not at all", answered or not yet complete.
pub fn risk(def: &Definition, answers: &Answers) -> bool {
    def.questions()
        .any(|(_, q)| match (&q.kind, answers.get(&q.id)) {
            (Kind::Choice { choices }, Some(Answer::Choice(v))) => {
                choices.iter().any(|c| c.risk && &c.value == v)
            }
            (Kind::Measure { measure }, Some(Answer::Measure { items, .. })) => {
                measures::by_id(measure)
                    .and_then(|m| m.risk_item)
                    .and_then(|i| items.get(i - 1).copied().flatten())
                    .is_some_and(|v| v > 0)
            }
            _ => false,
        })
}

/// Each measure in the questionnaire, scored by its published cut-offs; a measure with an item
/// left out has no total ("incomplete"), whatever else was answered.
pub fn scores(
    def: &Definition,
    answers: &Answers,
) -> Vec<(&'static Measure, Result<Score, ScoreError>)> {
    def.questions()
        .filter_map(|(_, q)| match &q.kind {
            Kind::Measure { measure } => measures::by_id(measure).map(|m| {
                let items = match answers.get(&q.id) {
                    Some(Answer::Measure { items, .. }) => items.clone(),
                    _ => vec![None; m.items.len()],
                };
                (m, measures::score(m, &items))
            }),
            _ => None,
        })
        .collect()
}

/// The family as the genogram draws it: the patient first (as `self`, under `self_name`), then
/// every row of the questionnaire's first family list. Empty when no one was entered.
pub fn family(def: &Definition, answers: &Answers, self_name: &str) -> Vec<Person> {
    let members = def
        .questions()
        .filter(|(_, q)| matches!(q.kind, Kind::People))
        .find_map(|(_, q)| match answers.get(&q.id) {
            Some(Answer::People(m)) if !m.is_empty() => Some(m),
            _ => None,
        });
    members.map_or_else(Vec::new, |m| people_of(m, self_name))
}

/// The patient (as `self`) and the people of one family list.
pub(crate) fn people_of(members: &[Member], self_name: &str) -> Vec<Person> {
    let mut people = vec![Person::new(
        "self",
        Relation::Self_,
        Gender::Unspecified,
        self_name,
    )];
    people.extend(members.iter().map(Member::person));
    people
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genogram::Born;
    use crate::intake::{builtin, fields_of, read_section};
    use std::collections::BTreeMap;

    fn intake() -> Definition {
        builtin()
            .into_iter()
            .find(|b| b.key == "intake")
            .unwrap()
            .definition
    }

    fn measure_def(key: &str) -> Definition {
        builtin()
            .into_iter()
            .find(|b| b.key == key)
            .unwrap()
            .definition
    }

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn section_of(def: &Definition, id: &str) -> usize {
        def.sections.iter().position(|s| s.id == id).unwrap()
    }

    #[test]
    fn a_choice_must_be_one_offered_and_risk_choices_are_seen() {
        let def = intake();
        let s = section_of(&def, "mental_health");
        let mut answers = Answers::default();
        let errors = read_section(
            &def,
            s,
            &fields(&[("q.thoughts_of_harm", "maybe")]),
            &mut answers,
        );
        assert_eq!(
            errors.get("q.thoughts_of_harm"),
            Some("error-answer-choice")
        );
        for (value, flagged) in [
            ("no", false),
            ("past", false),
            ("in_person", false),
            ("sometimes", true),
            ("often", true),
        ] {
            let errors = read_section(
                &def,
                s,
                &fields(&[("q.thoughts_of_harm", value)]),
                &mut answers,
            );
            assert!(errors.is_empty());
            assert_eq!(risk(&def, &answers), flagged, "{value}");
        }
    }

    #[test]
    fn a_measure_reads_items_refuses_odd_values_and_scores_when_complete() {
        let def = measure_def("phq9");
        let mut answers = Answers::default();
        let errors = read_section(
            &def,
            0,
            &fields(&[("q.phq9.1", "2"), ("q.phq9.4", "4"), ("q.phq9.5", "x")]),
            &mut answers,
        );
        assert_eq!(errors.get("q.phq9.4"), Some("error-answer-choice"));
        assert_eq!(errors.get("q.phq9.5"), Some("error-answer-choice"));
        assert!(answers.is_empty());

        let mut posted: Vec<(String, String)> = (1..=8)
            .map(|n| (format!("q.phq9.{n}"), "1".to_string()))
            .collect();
        let map: BTreeMap<String, String> = posted.iter().cloned().collect();
        assert!(read_section(&def, 0, &map, &mut answers).is_empty());
        assert!(
            scores(&def, &answers)[0].1.is_err(),
            "eight of nine items: no total"
        );
        assert!(!risk(&def, &answers));
        assert_eq!(
            progress(&def, &answers),
            Progress {
                answered: 8,
                total: 9
            }
        );

        posted.push(("q.phq9.9".into(), "1".into()));
        posted.push(("q.phq9.difficulty".into(), "2".into()));
        let map: BTreeMap<String, String> = posted.into_iter().collect();
        assert!(read_section(&def, 0, &map, &mut answers).is_empty());
        assert!(risk(&def, &answers), "item 9 above 0");
        let scored = scores(&def, &answers);
        let s = scored[0].1.unwrap();
        assert_eq!((s.total, s.severity), (9, crate::measures::Severity::Mild));
        assert_eq!(fields_of(&def, &answers), map);
    }

    #[test]
    fn the_family_rows_become_genogram_people_with_links_and_round_trip() {
        let def = intake();
        let s = section_of(&def, "family");
        let posted = fields(&[
            ("q.family.rows", "8"),
            ("q.family.1.relation", "mother"),
            ("q.family.1.name", "Ruth"),
            ("q.family.1.gender", "female"),
            ("q.family.1.born", "1956"),
            ("q.family.1.deceased", "on"),
            ("q.family.1.separated", "on"),
            ("q.family.2.relation", "father"),
            ("q.family.2.name", "David"),
            ("q.family.4.relation", "half_sibling"),
            ("q.family.4.name", "Tom"),
            ("q.family.4.born", "31"),
            ("q.family.4.shared_parent", "p2"),
            ("q.family.4.home", "on"),
            ("q.family.4.relationship", "close"),
            ("q.family.6.name", "Mia"),
        ]);
        let mut answers = Answers::default();
        assert!(read_section(&def, s, &posted, &mut answers).is_empty());
        let people = family(&def, &answers, "Sam");
        assert_eq!(people.len(), 5);
        assert_eq!(people[0].relation, Relation::Self_);
        assert_eq!(people[0].name, "Sam");
        let tom = people.iter().find(|p| p.name == "Tom").unwrap();
        assert_eq!(tom.id, "p4");
        assert_eq!(tom.born, Some(Born::Age(31)));
        assert_eq!(tom.shared_parent.as_deref(), Some("p2"));
        assert!(tom.lives_with_patient);
        let mia = people.iter().find(|p| p.name == "Mia").unwrap();
        assert_eq!(
            mia.relation,
            Relation::Other,
            "no relation given: drawn apart"
        );
        let lines = crate::genogram::text_alternative(&people);
        assert!(
            lines.contains(&"Half-sibling: Tom (shares father), age 31, lives in the same household. Relationship: close.".to_string()),
            "{lines:?}"
        );
        let mut again = fields_of(&def, &answers);
        again.insert("q.family.rows".into(), "8".into());
        assert_eq!(again, posted);
    }
}

#[cfg(test)]
mod partial {
    use super::*;
    use crate::intake::{builtin, read_section};
    use std::collections::BTreeMap;

    fn def(key: &str) -> Definition {
        builtin()
            .into_iter()
            .find(|b| b.key == key)
            .unwrap()
            .definition
    }

    #[test]
    fn item_nine_alone_raises_the_risk_and_a_partial_measure_has_no_total() {
        let phq = def("phq9");
        let mut answers = Answers::default();
        let posted: BTreeMap<String, String> = [("q.phq9.9".to_string(), "2".to_string())].into();
        assert!(read_section(&phq, 0, &posted, &mut answers).is_empty());
        assert!(
            risk(&phq, &answers),
            "item 9 counts whatever else is missing"
        );
        assert!(scores(&phq, &answers)[0].1.is_err());
        let gad = def("gad7");
        let mut answers = Answers::default();
        let six: BTreeMap<String, String> = (1..=6)
            .map(|n| (format!("q.gad7.{n}"), "3".to_string()))
            .collect();
        assert!(read_section(&gad, 0, &six, &mut answers).is_empty());
        assert!(scores(&gad, &answers)[0].1.is_err(), "no prorated total");
    }
}
