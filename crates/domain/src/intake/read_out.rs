//! A response as a person reads it back: each question with its answer in words, the family in
//! plain sentences, a measure's items with the answers chosen and, when complete, its score.

use super::answers::{Answer, Answers};
use super::meaning::people_of;
use super::{Definition, Kind};
use crate::genogram;
use crate::measures::{self, Measure, Score, CHOICES, DIFFICULTY};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadSection {
    pub title: String,
    pub items: Vec<ReadItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadItem {
    pub question: String,
    pub label: String,
    pub answer: ReadAnswer,
    /// The answer is one that needs the therapist's attention.
    pub risk: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReadAnswer {
    Skipped,
    Text {
        text: String,
    },
    People {
        sentences: Vec<String>,
    },
    Measure {
        measure: &'static str,
        title: &'static str,
        stem: &'static str,
        /// Each item's wording and the answer chosen.
        items: Vec<(&'static str, Option<&'static str>)>,
        difficulty_question: &'static str,
        difficulty: Option<&'static str>,
        /// Only when every item is answered.
        score: Option<Score>,
        attribution: &'static str,
    },
}

fn choice_label(v: Option<u8>) -> Option<&'static str> {
    v.and_then(|v| CHOICES.iter().find(|c| c.value == v).map(|c| c.label))
}

/// Every section and question of `def`, in order, with the answer given (or "skipped").
pub fn read_out(def: &Definition, answers: &Answers, self_name: &str) -> Vec<ReadSection> {
    def.sections
        .iter()
        .map(|s| ReadSection {
            title: s.title.clone(),
            items: s
                .questions
                .iter()
                .map(|q| {
                    let given = answers.get(&q.id);
                    let mut risk = false;
                    let answer = match (&q.kind, given) {
                        (_, None) => ReadAnswer::Skipped,
                        (Kind::Choice { choices }, Some(Answer::Choice(v))) => {
                            let chosen = choices.iter().find(|c| &c.value == v);
                            risk = chosen.is_some_and(|c| c.risk);
                            ReadAnswer::Text {
                                text: chosen.map_or_else(|| v.clone(), |c| c.label.clone()),
                            }
                        }
                        (
                            Kind::Measure { measure },
                            Some(Answer::Measure { items, difficulty }),
                        ) => match measures::by_id(measure) {
                            Some(m) => {
                                risk = m
                                    .risk_item
                                    .and_then(|i| items.get(i - 1).copied().flatten())
                                    .is_some_and(|v| v > 0);
                                read_measure(m, items, *difficulty)
                            }
                            None => ReadAnswer::Skipped,
                        },
                        (Kind::People, Some(Answer::People(members))) => ReadAnswer::People {
                            sentences: genogram::text_alternative(&people_of(members, self_name)),
                        },
                        (_, Some(Answer::Text(t))) => ReadAnswer::Text { text: t.clone() },
                        (_, Some(Answer::Choice(t))) => ReadAnswer::Text { text: t.clone() },
                        _ => ReadAnswer::Skipped,
                    };
                    ReadItem {
                        question: q.id.clone(),
                        label: match &q.kind {
                            Kind::Measure { measure } => measures::by_id(measure)
                                .map_or_else(|| q.label.clone(), |m| m.title.to_string()),
                            _ => q.label.clone(),
                        },
                        answer,
                        risk,
                    }
                })
                .collect(),
        })
        .collect()
}

fn read_measure(m: &'static Measure, items: &[Option<u8>], difficulty: Option<u8>) -> ReadAnswer {
    let answers: Vec<Option<u8>> = (0..m.items.len())
        .map(|i| items.get(i).copied().flatten())
        .collect();
    ReadAnswer::Measure {
        measure: m.id,
        title: m.title,
        stem: m.stem,
        items: m
            .items
            .iter()
            .zip(&answers)
            .map(|(text, v)| (*text, choice_label(*v)))
            .collect(),
        difficulty_question: DIFFICULTY.text,
        difficulty: difficulty.and_then(|d| DIFFICULTY.choices.get(usize::from(d)).copied()),
        score: measures::score(m, &answers).ok(),
        attribution: m.attribution,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::{builtin, read_section};
    use std::collections::BTreeMap;

    #[test]
    fn a_response_reads_back_in_words_with_skipped_questions_said_so() {
        let def = builtin()
            .into_iter()
            .find(|b| b.key == "intake")
            .unwrap()
            .definition;
        let mut answers = Answers::default();
        let posted: BTreeMap<String, String> = [
            ("q.thoughts_of_harm", "often"),
            ("q.past_therapy", "Once, in 2019"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert!(read_section(&def, 1, &posted, &mut answers).is_empty());
        let read = read_out(&def, &answers, "Sam");
        assert_eq!(read.len(), def.sections.len());
        let mental = &read[1];
        assert_eq!(
            mental.items[0].answer,
            ReadAnswer::Text {
                text: "Once, in 2019".into()
            }
        );
        assert_eq!(mental.items[1].answer, ReadAnswer::Skipped);
        let harm = mental
            .items
            .iter()
            .find(|i| i.question == "thoughts_of_harm")
            .unwrap();
        assert!(harm.risk);
        assert_eq!(
            harm.answer,
            ReadAnswer::Text {
                text: "Yes, often".into()
            }
        );
    }

    #[test]
    fn a_measure_reads_back_with_its_wording_and_score() {
        let def = builtin()
            .into_iter()
            .find(|b| b.key == "gad7")
            .unwrap()
            .definition;
        let mut answers = Answers::default();
        let posted: BTreeMap<String, String> = (1..=7)
            .map(|n| (format!("q.gad7.{n}"), "2".to_string()))
            .chain([("q.gad7.difficulty".to_string(), "1".to_string())])
            .collect();
        assert!(read_section(&def, 0, &posted, &mut answers).is_empty());
        let read = read_out(&def, &answers, "Sam");
        let ReadAnswer::Measure {
            items,
            score,
            difficulty,
            ..
        } = &read[0].items[0].answer
        else {
            panic!("a measure")
        };
        assert_eq!(
            items[0],
            (
                "Feeling nervous, anxious or on edge",
                Some("More than half the days")
            )
        );
        assert_eq!(score.unwrap().total, 14);
        assert_eq!(*difficulty, Some("Somewhat difficult"));
        assert!(!read[0].items[0].risk);
    }
}
