//! The therapist's first-session workspace: a quiet guide through the hour's areas, notes, and the
//! close — what the therapist thinks is going on, how the two might work together, and what was
//! decided. The decision is what lets a case move on (see `case::Stage::can_move_to`).

use crate::case::{Decision, Stage};
use crate::validation::{self, FieldErrors, Validated};
use serde::{Deserialize, Serialize};

/// The first session's areas, in the order they usually come up.
pub const GUIDE: [&str; 6] = [
    "brings",
    "history",
    "education_work",
    "family",
    "support",
    "frame",
];

const NOTES_MAX: usize = 50_000;
const TEXT_MAX: usize = 5_000;
const LINE_MAX: usize = 200;

/// The form as the therapist sends it (autosaved as they type, or saved with the button).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct WorkspaceInput {
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub going_on: String,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub modality: String,
    #[serde(default)]
    pub fee: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub refer_to: String,
    #[serde(default)]
    pub refer_why: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub share_summary: Option<String>,
    /// The guide's ticked areas arrive as `guide_<key>` fields (a form sends only ticked boxes).
    #[serde(flatten)]
    pub ticked: std::collections::BTreeMap<String, String>,
}

/// The clinical text of a workspace: sealed as one whole under the case's key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Content {
    pub notes: String,
    /// "What I think is going on."
    pub going_on: String,
    /// "How we might work together."
    pub frequency: String,
    pub modality: String,
    pub fee: String,
    pub refer_to: String,
    pub refer_why: String,
    /// Written for the patient; shown in their portal when shared.
    pub summary: String,
}

/// A case's workspace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Workspace {
    pub guide: Vec<String>,
    pub content: Content,
    pub decision: Option<Decision>,
    pub share_summary: bool,
}

impl WorkspaceInput {
    pub fn validate(&self) -> Validated<Workspace> {
        let mut e = FieldErrors::default();
        let guide: Vec<String> = GUIDE
            .iter()
            .filter(|key| self.ticked.contains_key(&format!("guide_{key}")))
            .map(std::string::ToString::to_string)
            .collect();
        let decision = match self.decision.trim() {
            "" => None,
            raw => match Decision::parse(raw) {
                Some(d) => Some(d),
                None => {
                    e.add("decision", "error-choose-one");
                    None
                }
            },
        };
        let content = Content {
            notes: validation::text(&mut e, "notes", &self.notes, false, NOTES_MAX),
            going_on: validation::text(&mut e, "going_on", &self.going_on, false, TEXT_MAX),
            frequency: validation::line(&mut e, "frequency", &self.frequency, false, LINE_MAX),
            modality: validation::line(&mut e, "modality", &self.modality, false, LINE_MAX),
            fee: validation::line(&mut e, "fee", &self.fee, false, LINE_MAX),
            refer_to: validation::line(
                &mut e,
                "refer_to",
                &self.refer_to,
                decision == Some(Decision::Refer),
                LINE_MAX,
            ),
            refer_why: validation::text(&mut e, "refer_why", &self.refer_why, false, TEXT_MAX),
            summary: validation::text(&mut e, "summary", &self.summary, false, TEXT_MAX),
        };
        let share_summary = self.share_summary.is_some();
        if share_summary && content.summary.is_empty() && e.get("summary").is_none() {
            e.add("summary", "error-summary-to-share");
        }
        e.finish(Workspace {
            guide,
            content,
            decision,
            share_summary,
        })
    }
}

/// Where the decision leads a case whose consultation was held; `None` when it stays (undecided
/// keeps the case open until the therapist closes it).
pub fn stage_after(decision: Decision) -> Option<Stage> {
    match decision {
        Decision::Continue => Some(Stage::InTherapy),
        Decision::AnotherConsultation => Some(Stage::ConsultationBooked),
        Decision::Refer => Some(Stage::Referred),
        Decision::PersonDeclined => Some(Stage::Closed),
        Decision::Undecided => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> WorkspaceInput {
        WorkspaceInput {
            ticked: ["guide_family", "guide_brings", "guide_bogus", "other"]
                .into_iter()
                .map(|k| (k.to_string(), "on".to_string()))
                .collect(),
            notes: "Sleeps badly since the move.".into(),
            decision: "continue".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_guide_keeps_known_areas_in_their_order() {
        let w = input().validate().unwrap();
        assert_eq!(w.guide, ["brings", "family"]);
        assert_eq!(w.decision, Some(Decision::Continue));
    }

    #[test]
    fn everything_may_stay_empty() {
        let w = WorkspaceInput::default().validate().unwrap();
        assert_eq!(w, Workspace::default());
    }

    #[test]
    fn a_referral_names_where_to() {
        let mut i = input();
        i.decision = "refer".into();
        let e = i.validate().unwrap_err();
        assert!(e.get("refer_to").is_some());
        i.refer_to = "The eating-disorder clinic at St. Mary's".into();
        assert!(i.validate().is_ok());
    }

    #[test]
    fn huge_hostile_and_unknown_input_is_refused_by_field() {
        let mut i = input();
        i.notes = "x".repeat(NOTES_MAX + 1);
        i.fee = "90 EUR\nper session".into();
        i.decision = "<script>".into();
        i.going_on = "bell \u{7}".into();
        let e = i.validate().unwrap_err();
        for field in ["notes", "fee", "decision", "going_on"] {
            assert!(e.get(field).is_some(), "{field}");
        }
        // Markup is text here: it is escaped where it is shown, never refused for being markup.
        let mut ok = input();
        ok.notes = "<script>alert(1)</script>".into();
        assert_eq!(
            ok.validate().unwrap().content.notes,
            "<script>alert(1)</script>"
        );
    }

    #[test]
    fn a_summary_is_shared_only_when_there_is_one() {
        let mut i = input();
        i.share_summary = Some("on".into());
        assert!(i.validate().unwrap_err().get("summary").is_some());
        i.summary = "We agreed to meet weekly.".into();
        assert!(i.validate().unwrap().share_summary);
    }

    #[test]
    fn each_decision_leads_where_the_stage_rules_allow() {
        for d in Decision::ALL {
            if let Some(next) = stage_after(d) {
                assert_eq!(
                    Stage::ConsultationHeld.can_move_to(next, Some(d)),
                    Ok(()),
                    "{d:?}"
                );
            }
        }
        assert_eq!(stage_after(Decision::Continue), Some(Stage::InTherapy));
    }
}
