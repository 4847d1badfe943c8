//! The words for the domain's enums (stages, decisions, severities, refusals): the domain names
//! them by id, the reader reads them here, in their language.

use super::{t, t_with, Lang};
use domain::case::{Decision, Stage, TransitionError};
use domain::measures::Severity;

/// "Consultation booked"
pub fn stage(lang: Lang, stage: Stage) -> String {
    t(lang, &format!("stage-{}", stage.as_str()))
}

/// "Continue in therapy"
pub fn decision(lang: Lang, decision: Decision) -> String {
    t(lang, &format!("decision-{}", decision.as_str()))
}

/// "Moderately severe"
pub fn severity(lang: Lang, severity: Severity) -> String {
    t(lang, &format!("severity-{}", severity.as_str()))
}

/// Why a case cannot move, in words the therapist can be shown.
pub fn transition(lang: Lang, error: &TransitionError) -> String {
    let (key, args) = match *error {
        TransitionError::AlreadyThere(at) => {
            ("transition-already-there", vec![("stage", stage(lang, at))])
        }
        TransitionError::NoSuchPath { from, to } => (
            "transition-no-path",
            vec![("from", stage(lang, from)), ("to", stage(lang, to))],
        ),
        TransitionError::DecisionNeeded { from, to } => (
            "transition-decision-needed",
            vec![("from", stage(lang, from)), ("to", stage(lang, to))],
        ),
        TransitionError::DecisionLeadsElsewhere { to, decision: d } => (
            "transition-decision-elsewhere",
            vec![("decision", decision(lang, d)), ("to", stage(lang, to))],
        ),
        TransitionError::NotYetHeld => ("transition-not-yet-held", vec![]),
    };
    t_with(lang, key, &args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use Stage::*;

    fn why(from: Stage, to: Stage, decided: Option<Decision>) -> String {
        transition(Lang::default(), &from.can_move_to(to, decided).unwrap_err())
    }

    #[test]
    fn refusals_say_why_in_plain_words() {
        assert_eq!(
            why(InTherapy, InTherapy, Some(Continue)),
            "The case is already at \"In therapy\"."
        );
        assert_eq!(
            why(Inquiry, InTherapy, Some(Continue)),
            "A case cannot move from \"Inquiry\" to \"In therapy\"."
        );
        assert_eq!(
            why(ConsultationHeld, InTherapy, None),
            "Moving from \"Consultation held\" to \"In therapy\" needs the decision taken at the \
             close of the consultation."
        );
        assert_eq!(
            why(ConsultationHeld, Closed, Some(Continue)),
            "The decision \"Continue in therapy\" does not lead to \"Closed\"."
        );
    }

    #[test]
    fn the_board_lists_the_path_then_the_exits() {
        let labels: Vec<String> = Stage::BOARD
            .iter()
            .map(|s| stage(Lang::default(), *s))
            .collect();
        assert_eq!(
            labels,
            [
                "Inquiry",
                "Consultation booked",
                "Consultation held",
                "In therapy",
                "Ended",
                "Referred",
                "Closed"
            ]
        );
    }

    #[test]
    fn every_decision_and_severity_has_words() {
        for d in Decision::ALL {
            assert!(
                !decision(Lang::default(), d).starts_with("decision-"),
                "{d:?}"
            );
        }
        for s in [
            Severity::Minimal,
            Severity::Mild,
            Severity::Moderate,
            Severity::ModeratelySevere,
            Severity::Severe,
        ] {
            assert!(
                !severity(Lang::default(), s).starts_with("severity-"),
                "{s:?}"
            );
        }
    }
}
