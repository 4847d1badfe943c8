//! The PHQ-9 and the GAD-7: their published wording as data, and their scoring.
//!
//! The wording is the developers' English form, kept verbatim: a screening measure is only valid as
//! published, so nothing here is paraphrased, shortened or "improved".

pub mod chart;
pub mod schedule;

use serde::Serialize;

/// One of the four answers to an item, with the points it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub value: u8,
    pub label: &'static str,
}

/// The same four answers serve every item of both measures.
pub const CHOICES: [Choice; 4] = [
    Choice {
        value: 0,
        label: "Not at all",
    },
    Choice {
        value: 1,
        label: "Several days",
    },
    Choice {
        value: 2,
        label: "More than half the days",
    },
    Choice {
        value: 3,
        label: "Nearly every day",
    },
];

/// The highest value an item can take.
pub const MAX_ANSWER: u8 = 3;

/// The question after the items. It is asked but never added to the total: it says how much the
/// problems get in the way, which the therapist reads next to the score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DifficultyQuestion {
    pub text: &'static str,
    pub choices: [&'static str; 4],
}

pub const DIFFICULTY: DifficultyQuestion = DifficultyQuestion {
    text:
        "If you checked off any problems, how difficult have these problems made it for you to do \
           your work, take care of things at home, or get along with other people?",
    choices: [
        "Not difficult at all",
        "Somewhat difficult",
        "Very difficult",
        "Extremely difficult",
    ],
};

/// How severe a total is, in the developers' bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minimal,
    Mild,
    Moderate,
    ModeratelySevere,
    Severe,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minimal => "minimal",
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::ModeratelySevere => "moderately_severe",
            Severity::Severe => "severe",
        }
    }
}

/// A band of totals, both ends included, so a chart can shade it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Band {
    pub from: u8,
    pub to: u8,
    pub severity: Severity,
}

const fn band(from: u8, to: u8, severity: Severity) -> Band {
    Band { from, to, severity }
}

/// A questionnaire as the developers published it.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Measure {
    /// Stable key, stored with every response.
    pub id: &'static str,
    pub title: &'static str,
    /// The question every item answers.
    pub stem: &'static str,
    pub items: &'static [&'static str],
    pub difficulty: DifficultyQuestion,
    /// Must be shown wherever the measure is shown.
    pub attribution: &'static str,
    pub citation: &'static str,
    /// Contiguous, ascending, from 0 to the highest possible total.
    pub bands: &'static [Band],
    /// The 1-based item whose any answer above "Not at all" the therapist must see at once.
    pub risk_item: Option<usize>,
}

const DEVELOPERS: &str =
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and \
                          colleagues, with an educational grant from Pfizer Inc. No permission \
                          required to reproduce, translate, display or distribute.";

pub static PHQ9: Measure = Measure {
    id: "phq9",
    title: "Patient Health Questionnaire-9 (PHQ-9)",
    stem: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items: &[
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself \u{2014} or that you are a failure or have let yourself or your \
         family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite \u{2014} \
         being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ],
    difficulty: DIFFICULTY,
    attribution: DEVELOPERS,
    citation: "Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression \
               severity measure. J Gen Intern Med. 2001;16(9):606-613.",
    bands: &[
        band(0, 4, Severity::Minimal),
        band(5, 9, Severity::Mild),
        band(10, 14, Severity::Moderate),
        band(15, 19, Severity::ModeratelySevere),
        band(20, 27, Severity::Severe),
    ],
    risk_item: Some(9),
};

pub static GAD7: Measure = Measure {
    id: "gad7",
    title: "Generalized Anxiety Disorder 7-item scale (GAD-7)",
    // The published GAD-7 form asks about "the following problems", without the PHQ-9's "any of".
    stem: "Over the last 2 weeks, how often have you been bothered by the following problems?",
    items: &[
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ],
    difficulty: DIFFICULTY,
    attribution: DEVELOPERS,
    citation: "Spitzer RL, Kroenke K, Williams JBW, L\u{f6}we B. A brief measure for assessing \
               generalized anxiety disorder: the GAD-7. Arch Intern Med. 2006;166(10):1092-1097.",
    bands: &[
        band(0, 4, Severity::Minimal),
        band(5, 9, Severity::Mild),
        band(10, 14, Severity::Moderate),
        band(15, 21, Severity::Severe),
    ],
    risk_item: None,
};

/// Every measure the practice offers, in the order the intake asks them.
pub static ALL: [&Measure; 2] = [&PHQ9, &GAD7];

/// The measure stored under `id`, if it is one we know.
pub fn by_id(id: &str) -> Option<&'static Measure> {
    ALL.iter().copied().find(|m| m.id == id)
}

impl Measure {
    /// The highest total the measure allows.
    pub fn max_total(&self) -> u8 {
        self.items.len() as u8 * MAX_ANSWER
    }

    /// The band a total falls in. The bands start at 0 and follow each other without gaps, so
    /// the last band starting at or below the total is the one that holds it.
    pub fn severity(&self, total: u8) -> Severity {
        self.bands
            .iter()
            .rev()
            .find(|b| b.from <= total)
            .map_or(Severity::Minimal, |b| b.severity)
    }
}

/// The bands of a measure, lowest first, for a chart to draw behind the scores.
pub fn bands(measure: &Measure) -> &'static [Band] {
    measure.bands
}

/// A complete response, scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Score {
    pub measure: &'static str,
    pub total: u8,
    pub severity: Severity,
    /// The answer to the measure's risk item, when it has one.
    pub risk_answer: Option<u8>,
}

impl Score {
    /// Whether the therapist must look at this response before anything else: on the PHQ-9, any
    /// answer but "Not at all" to thoughts of being better off dead or of self-harm.
    pub fn needs_attention(&self) -> bool {
        self.risk_answer.is_some_and(|v| v > 0)
    }
}

/// Why a response cannot be scored. Items are numbered from 1, as on the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("the {measure} has {expected} items, but {given} answers were given")]
    WrongLength {
        measure: &'static str,
        expected: usize,
        given: usize,
    },
    #[error("item {item} has no answer")]
    Missing { item: usize },
    #[error("item {item} has the answer {value}, but answers go from 0 to 3")]
    OutOfRange { item: usize, value: u8 },
}

/// Scores a response. A total is only meaningful when every item is answered, so a partial
/// response is refused rather than prorated.
pub fn score(measure: &Measure, answers: &[Option<u8>]) -> Result<Score, ScoreError> {
    if answers.len() != measure.items.len() {
        return Err(ScoreError::WrongLength {
            measure: measure.id,
            expected: measure.items.len(),
            given: answers.len(),
        });
    }
    let values = answers
        .iter()
        .enumerate()
        .map(|(i, a)| checked(i + 1, *a))
        .collect::<Result<Vec<u8>, _>>()?;
    let total: u8 = values.iter().sum();
    Ok(Score {
        measure: measure.id,
        total,
        severity: measure.severity(total),
        risk_answer: measure.risk_item.map(|item| values[item - 1]),
    })
}

fn checked(item: usize, answer: Option<u8>) -> Result<u8, ScoreError> {
    match answer {
        None => Err(ScoreError::Missing { item }),
        Some(value) if value > MAX_ANSWER => Err(ScoreError::OutOfRange { item, value }),
        Some(value) => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Answers that add up to `total`, filled from the first item on.
    fn summing_to(measure: &Measure, total: u8) -> Vec<Option<u8>> {
        let mut left = total;
        let answers = (0..measure.items.len())
            .map(|_| {
                let v = left.min(MAX_ANSWER);
                left -= v;
                Some(v)
            })
            .collect();
        assert_eq!(left, 0, "{total} is more than the {} allows", measure.id);
        answers
    }

    fn severity_of(measure: &Measure, total: u8) -> Severity {
        let s = score(measure, &summing_to(measure, total)).unwrap();
        assert_eq!(s.total, total);
        s.severity
    }

    #[test]
    fn phq9_bands_change_exactly_at_the_cut_offs() {
        use Severity::*;
        for (total, band) in [
            (0, Minimal),
            (4, Minimal),
            (5, Mild),
            (9, Mild),
            (10, Moderate),
            (14, Moderate),
            (15, ModeratelySevere),
            (19, ModeratelySevere),
            (20, Severe),
            (27, Severe),
        ] {
            assert_eq!(severity_of(&PHQ9, total), band, "PHQ-9 total {total}");
        }
    }

    #[test]
    fn gad7_bands_change_exactly_at_the_cut_offs() {
        use Severity::*;
        for (total, band) in [
            (0, Minimal),
            (4, Minimal),
            (5, Mild),
            (9, Mild),
            (10, Moderate),
            (14, Moderate),
            (15, Severe),
            (21, Severe),
        ] {
            assert_eq!(severity_of(&GAD7, total), band, "GAD-7 total {total}");
        }
    }

    #[test]
    fn the_measures_have_nine_and_seven_items() {
        assert_eq!(PHQ9.items.len(), 9);
        assert_eq!(GAD7.items.len(), 7);
        assert_eq!(PHQ9.max_total(), 27);
        assert_eq!(GAD7.max_total(), 21);
    }

    #[test]
    fn bands_cover_every_possible_total_once_and_in_order() {
        for m in ALL {
            let bands = bands(m);
            assert_eq!(bands.first().map(|b| b.from), Some(0));
            assert_eq!(bands.last().map(|b| b.to), Some(m.max_total()));
            for pair in bands.windows(2) {
                assert_eq!(pair[0].to + 1, pair[1].from, "{}", m.id);
                assert!(pair[0].severity < pair[1].severity, "{}", m.id);
            }
        }
    }

    #[test]
    fn a_wrong_number_of_answers_is_refused() {
        for given in [0, 8, 10] {
            assert_eq!(
                score(&PHQ9, &vec![Some(0); given]),
                Err(ScoreError::WrongLength {
                    measure: "phq9",
                    expected: 9,
                    given
                })
            );
        }
        assert!(matches!(
            score(&GAD7, &[Some(0); 9]),
            Err(ScoreError::WrongLength {
                expected: 7,
                given: 9,
                ..
            })
        ));
    }

    #[test]
    fn a_missing_answer_is_refused_and_named() {
        let mut answers = vec![Some(1); 7];
        answers[6] = None;
        assert_eq!(score(&GAD7, &answers), Err(ScoreError::Missing { item: 7 }));
        answers[0] = None;
        assert_eq!(score(&GAD7, &answers), Err(ScoreError::Missing { item: 1 }));
    }

    #[test]
    fn an_answer_above_three_is_refused_and_named() {
        let mut answers = vec![Some(0); 9];
        answers[3] = Some(4);
        assert_eq!(
            score(&PHQ9, &answers),
            Err(ScoreError::OutOfRange { item: 4, value: 4 })
        );
        answers[3] = Some(u8::MAX);
        let err = score(&PHQ9, &answers).unwrap_err();
        assert_eq!(
            err.to_string(),
            "item 4 has the answer 255, but answers go from 0 to 3"
        );
    }

    #[test]
    fn item_nine_above_zero_needs_attention() {
        let mut answers = vec![Some(0); 9];
        assert!(!score(&PHQ9, &answers).unwrap().needs_attention());
        for v in 1..=3 {
            answers[8] = Some(v);
            let s = score(&PHQ9, &answers).unwrap();
            assert!(s.needs_attention(), "item 9 = {v}");
            assert_eq!(s.risk_answer, Some(v));
            assert_eq!(
                s.severity,
                Severity::Minimal,
                "a low total does not hide the risk"
            );
        }
    }

    #[test]
    fn other_items_never_need_attention_and_the_gad7_has_no_risk_item() {
        let mut phq = vec![Some(3); 9];
        phq[8] = Some(0);
        assert!(!score(&PHQ9, &phq).unwrap().needs_attention());
        let gad = score(&GAD7, &[Some(3); 7]).unwrap();
        assert_eq!(gad.risk_answer, None);
        assert!(!gad.needs_attention());
    }

    #[test]
    fn measures_are_found_by_their_stored_id() {
        assert_eq!(by_id("phq9").map(|m| m.items.len()), Some(9));
        assert_eq!(by_id("gad7").map(|m| m.items.len()), Some(7));
        assert!(by_id("PHQ9").is_none());
    }

    #[test]
    fn the_wording_keeps_the_items_that_matter_most_verbatim() {
        assert_eq!(
            PHQ9.items[8],
            "Thoughts that you would be better off dead or of hurting yourself in some way"
        );
        assert_eq!(GAD7.items[0], "Feeling nervous, anxious or on edge");
        assert!(PHQ9
            .attribution
            .ends_with("No permission required to reproduce, translate, display or distribute."));
        assert!(GAD7.citation.contains("L\u{f6}we B"));
        assert!(ALL
            .iter()
            .all(|m| !m.items.iter().any(|i| i.contains("  "))));
    }

    fn response() -> impl Strategy<Value = (&'static Measure, Vec<u8>)> {
        prop_oneof![Just(&PHQ9), Just(&GAD7)].prop_flat_map(|m: &'static Measure| {
            (
                Just(m),
                proptest::collection::vec(0..=MAX_ANSWER, m.items.len()),
            )
        })
    }

    proptest! {
        #[test]
        fn any_complete_response_scores_to_its_sum_in_exactly_one_band((m, values) in response()) {
            let answers: Vec<Option<u8>> = values.iter().copied().map(Some).collect();
            let s = score(m, &answers).unwrap();
            let sum: u32 = values.iter().map(|&v| u32::from(v)).sum();
            prop_assert_eq!(u32::from(s.total), sum);
            let holding: Vec<&Band> =
                bands(m).iter().filter(|b| (b.from..=b.to).contains(&s.total)).collect();
            prop_assert_eq!(holding.len(), 1);
            prop_assert_eq!(holding[0].severity, s.severity);
        }
    }
}
