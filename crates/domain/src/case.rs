//! A case: one person's path with one therapist, from the first contact to the end of therapy.
//!
//! A case moves between stages only along the paths the practice works by: an inquiry is booked,
//! the consultation is held, and what follows it depends on what was decided at its close.
//! Nobody starts therapy without the decision to continue, so `in_therapy` is only reached with
//! [`Decision::Continue`]. Referred and closed are the exits; a closed case can open again when
//! the person comes back.

use serde::Serialize;

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Inquiry,
    ConsultationBooked,
    ConsultationHeld,
    InTherapy,
    Ended,
    Referred,
    Closed,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Inquiry => "inquiry",
            Stage::ConsultationBooked => "consultation_booked",
            Stage::ConsultationHeld => "consultation_held",
            Stage::InTherapy => "in_therapy",
            Stage::Ended => "ended",
            Stage::Referred => "referred",
            Stage::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Stage::BOARD.into_iter().find(|s| s.as_str() == raw)
    }

    /// Every stage in the order of the therapist's board: the path first, then the exits.
    pub const BOARD: [Stage; 7] = [
        Stage::Inquiry,
        Stage::ConsultationBooked,
        Stage::ConsultationHeld,
        Stage::InTherapy,
        Stage::Ended,
        Stage::Referred,
        Stage::Closed,
    ];

    /// The stage's column on the board, from 0.
    pub fn board_position(self) -> usize {
        Stage::BOARD.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The stages a case may move to from here, whatever was decided.
    pub fn next_stages(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            Inquiry => &[ConsultationBooked, Closed],
            // Back to inquiry when the consultation is cancelled.
            ConsultationBooked => &[ConsultationHeld, Inquiry, Closed],
            ConsultationHeld => &[InTherapy, ConsultationBooked, Referred, Closed],
            InTherapy => &[Ended, Referred],
            // Back into therapy when the person returns.
            Ended => &[Closed, InTherapy],
            Referred => &[Closed],
            // The person comes back and writes again.
            Closed => &[Inquiry],
        }
    }

    /// Whether a case may move from this stage to `next`, given what was decided at the close of
    /// the consultation. A decision is needed on every move out of a held consultation and on
    /// every move into therapy; elsewhere it is not asked for and not looked at.
    pub fn can_move_to(
        self,
        next: Stage,
        decision: Option<Decision>,
    ) -> Result<(), TransitionError> {
        if self == next {
            return Err(TransitionError::AlreadyThere(self));
        }
        if !self.next_stages().contains(&next) {
            return Err(TransitionError::NoSuchPath {
                from: self,
                to: next,
            });
        }
        let fits = decisions_leading_to(self, next);
        match decision {
            _ if fits.is_empty() => Ok(()),
            Some(d) if fits.contains(&d) => Ok(()),
            Some(d) => Err(TransitionError::DecisionLeadsElsewhere {
                to: next,
                decision: d,
            }),
            None => Err(TransitionError::DecisionNeeded {
                from: self,
                to: next,
            }),
        }
    }
}

impl Stage {
    /// [`Stage::can_move_to`], and the clock: a consultation is "held" only once it can have
    /// begun, that is once its room has opened (the two may meet a few minutes early).
    /// `consultation` is the start of the case's consultation booked in this stage, if one is.
    pub fn can_move_at(
        self,
        next: Stage,
        decision: Option<Decision>,
        consultation: Option<jiff::Timestamp>,
        now: jiff::Timestamp,
    ) -> Result<(), TransitionError> {
        self.can_move_to(next, decision)?;
        let room_opens = |start: jiff::Timestamp| start - crate::room::OPENS_BEFORE;
        if next == Stage::ConsultationHeld
            && consultation.is_some_and(|start| room_opens(start) > now)
        {
            return Err(TransitionError::NotYetHeld);
        }
        Ok(())
    }
}

/// The decisions that allow a move; empty when the move needs none.
fn decisions_leading_to(from: Stage, to: Stage) -> &'static [Decision] {
    use Decision::*;
    match (from, to) {
        (_, Stage::InTherapy) => &[Continue],
        (Stage::ConsultationHeld, Stage::ConsultationBooked) => &[AnotherConsultation],
        (Stage::ConsultationHeld, Stage::Referred) => &[Refer],
        (Stage::ConsultationHeld, Stage::Closed) => &[PersonDeclined, Undecided],
        _ => &[],
    }
}

/// What was decided at the close of the first session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Both want to work together: therapy begins.
    Continue,
    /// More time is needed before deciding.
    AnotherConsultation,
    /// Someone else can help better.
    Refer,
    /// The person chose not to go on.
    PersonDeclined,
    /// No decision was reached and the case is closed for now.
    Undecided,
}

impl Decision {
    pub const ALL: [Decision; 5] = [
        Decision::Continue,
        Decision::AnotherConsultation,
        Decision::Refer,
        Decision::PersonDeclined,
        Decision::Undecided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Continue => "continue",
            Decision::AnotherConsultation => "another_consultation",
            Decision::Refer => "refer",
            Decision::PersonDeclined => "person_declined",
            Decision::Undecided => "undecided",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Decision::ALL.into_iter().find(|d| d.as_str() == raw)
    }
}

/// Why a case cannot move. The web shows it in the reader's language (`app::i18n::names`); the
/// `Display` text is for logs and names the stages by their stored ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("already at {}", .0.as_str())]
    AlreadyThere(Stage),
    #[error("no path from {} to {}", .from.as_str(), .to.as_str())]
    NoSuchPath { from: Stage, to: Stage },
    #[error("from {} to {} needs the consultation's decision", .from.as_str(), .to.as_str())]
    DecisionNeeded { from: Stage, to: Stage },
    #[error("the decision {} does not lead to {}", .decision.as_str(), .to.as_str())]
    DecisionLeadsElsewhere { to: Stage, decision: Decision },
    #[error("the consultation has not begun yet")]
    NotYetHeld,
}

/// A case as the therapist's list and the portal show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Case {
    pub id: crate::ids::CaseId,
    pub patient: crate::account::User,
    pub therapist: crate::account::User,
    pub stage: Stage,
    pub created_at: jiff::Timestamp,
    /// Messages from the other side not yet read by the one looking.
    pub unread: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consultation_is_held_only_from_its_start() {
        let start: jiff::Timestamp = "2026-11-30T08:00:00Z".parse().unwrap();
        let before = start - jiff::SignedDuration::from_mins(11);
        let booked = Stage::ConsultationBooked;
        assert_eq!(
            booked.can_move_at(Stage::ConsultationHeld, None, Some(start), before),
            Err(TransitionError::NotYetHeld)
        );
        assert_eq!(
            booked.can_move_at(
                Stage::ConsultationHeld,
                None,
                Some(start),
                start - crate::room::OPENS_BEFORE
            ),
            Ok(()),
            "met in the room a few minutes early: held"
        );
        assert_eq!(
            booked.can_move_at(Stage::ConsultationHeld, None, Some(start), start),
            Ok(())
        );
        assert_eq!(
            booked.can_move_at(Stage::ConsultationHeld, None, None, before),
            Ok(()),
            "nothing booked here: the therapist knows when they met"
        );
        assert_eq!(
            booked.can_move_at(Stage::Inquiry, None, Some(start), before),
            Ok(()),
            "other moves do not wait for the consultation"
        );
        assert!(matches!(
            Stage::Inquiry.can_move_at(Stage::ConsultationHeld, None, None, start),
            Err(TransitionError::NoSuchPath { .. })
        ));
    }

    #[test]
    fn every_stage_reads_back() {
        for s in Stage::BOARD {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stage::parse("bogus"), None);
    }

    use proptest::prelude::*;
    use Decision::*;
    use Stage::*;

    /// What a move is expected to do, whatever decision comes with it.
    #[derive(Clone, Copy, Debug)]
    enum Expect {
        Deny,
        /// Allowed with or without a decision.
        Free,
        /// Allowed only with one of these decisions.
        Only(&'static [Decision]),
    }
    use Expect::*;

    const CLOSING: &[Decision] = &[PersonDeclined, Undecided];

    #[rustfmt::skip]
    const TABLE: [(Stage, Stage, Expect); 49] = [
        (Inquiry, Inquiry, Deny),
        (Inquiry, ConsultationBooked, Free),
        (Inquiry, ConsultationHeld, Deny),
        (Inquiry, InTherapy, Deny),
        (Inquiry, Ended, Deny),
        (Inquiry, Referred, Deny),
        (Inquiry, Closed, Free),
        (ConsultationBooked, Inquiry, Free),
        (ConsultationBooked, ConsultationBooked, Deny),
        (ConsultationBooked, ConsultationHeld, Free),
        (ConsultationBooked, InTherapy, Deny),
        (ConsultationBooked, Ended, Deny),
        (ConsultationBooked, Referred, Deny),
        (ConsultationBooked, Closed, Free),
        (ConsultationHeld, Inquiry, Deny),
        (ConsultationHeld, ConsultationBooked, Only(&[AnotherConsultation])),
        (ConsultationHeld, ConsultationHeld, Deny),
        (ConsultationHeld, InTherapy, Only(&[Continue])),
        (ConsultationHeld, Ended, Deny),
        (ConsultationHeld, Referred, Only(&[Refer])),
        (ConsultationHeld, Closed, Only(CLOSING)),
        (InTherapy, Inquiry, Deny),
        (InTherapy, ConsultationBooked, Deny),
        (InTherapy, ConsultationHeld, Deny),
        (InTherapy, InTherapy, Deny),
        (InTherapy, Ended, Free),
        (InTherapy, Referred, Free),
        (InTherapy, Closed, Deny),
        (Ended, Inquiry, Deny),
        (Ended, ConsultationBooked, Deny),
        (Ended, ConsultationHeld, Deny),
        (Ended, InTherapy, Only(&[Continue])),
        (Ended, Ended, Deny),
        (Ended, Referred, Deny),
        (Ended, Closed, Free),
        (Referred, Inquiry, Deny),
        (Referred, ConsultationBooked, Deny),
        (Referred, ConsultationHeld, Deny),
        (Referred, InTherapy, Deny),
        (Referred, Ended, Deny),
        (Referred, Referred, Deny),
        (Referred, Closed, Free),
        (Closed, Inquiry, Free),
        (Closed, ConsultationBooked, Deny),
        (Closed, ConsultationHeld, Deny),
        (Closed, InTherapy, Deny),
        (Closed, Ended, Deny),
        (Closed, Referred, Deny),
        (Closed, Closed, Deny),
    ];

    fn every_decision() -> impl Iterator<Item = Option<Decision>> {
        std::iter::once(None).chain(Decision::ALL.into_iter().map(Some))
    }

    #[test]
    fn the_table_names_every_pair_of_stages_once() {
        for from in Stage::BOARD {
            for to in Stage::BOARD {
                let rows = TABLE
                    .iter()
                    .filter(|(f, t, _)| *f == from && *t == to)
                    .count();
                assert_eq!(rows, 1, "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn every_move_is_allowed_or_refused_as_the_table_says() {
        for (from, to, expect) in TABLE {
            for decision in every_decision() {
                let allowed = match expect {
                    Deny => false,
                    Free => true,
                    Only(fits) => decision.is_some_and(|d| fits.contains(&d)),
                };
                assert_eq!(
                    from.can_move_to(to, decision).is_ok(),
                    allowed,
                    "{from:?} -> {to:?} with {decision:?}"
                );
            }
        }
    }

    #[test]
    fn refusals_name_the_stages_and_the_decision() {
        // The words a therapist reads are app::i18n's (names::transition); these are the facts.
        assert_eq!(
            InTherapy.can_move_to(InTherapy, Some(Continue)),
            Err(TransitionError::AlreadyThere(InTherapy))
        );
        assert_eq!(
            ConsultationHeld
                .can_move_to(InTherapy, Some(Refer))
                .unwrap_err(),
            TransitionError::DecisionLeadsElsewhere {
                to: InTherapy,
                decision: Refer
            }
        );
    }

    #[test]
    fn the_board_lists_the_path_then_the_exits() {
        for (i, s) in Stage::BOARD.into_iter().enumerate() {
            assert_eq!(s.board_position(), i);
        }
    }

    #[test]
    fn every_decision_reads_back() {
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        assert_eq!(Decision::parse("Continue"), None);
    }

    fn stage() -> impl Strategy<Value = Stage> {
        proptest::sample::select(Stage::BOARD.to_vec())
    }

    fn decision() -> impl Strategy<Value = Option<Decision>> {
        proptest::option::of(proptest::sample::select(Decision::ALL.to_vec()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn therapy_is_only_entered_with_the_decision_to_continue(
            moves in proptest::collection::vec((stage(), decision()), 0..60)
        ) {
            let mut at = Inquiry;
            let mut consultation_held = false;
            for (next, decision) in moves {
                if at.can_move_to(next, decision).is_err() {
                    continue;
                }
                if next == InTherapy {
                    prop_assert_eq!(decision, Some(Continue), "{:?} -> in therapy", at);
                    prop_assert!(consultation_held, "therapy before any consultation was held");
                }
                consultation_held |= next == ConsultationHeld;
                at = next;
            }
        }
    }
}
