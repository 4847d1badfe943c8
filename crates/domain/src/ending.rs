//! Ending well: the therapist plans the last day (a calendar day in their zone), then closes the
//! case with a summary, perhaps a letter, and — when someone else takes the work on — to whom and
//! why it was referred. From then on the case's record is read-only.

use crate::case::Stage;
use crate::focus::date_from;
use crate::validation::{self, FieldErrors, Validated};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub const SUMMARY_MAX: usize = 10_000;
pub const LETTER_MAX: usize = 20_000;
pub const LINE_MAX: usize = 200;
pub const WHY_MAX: usize = 5_000;

/// Whether a case in `stage` is over: its record is read-only then. (A stage or a reference to
/// one, so that templates can ask too.)
pub fn is_over(stage: impl std::borrow::Borrow<Stage>) -> bool {
    matches!(stage.borrow(), Stage::Ended | Stage::Referred)
}

/// The planned ending as the form sends it.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct PlanInput {
    #[serde(default)]
    pub ending_on: String,
    /// Ticked to confirm that the booked sessions after the day are cancelled.
    #[serde(default)]
    pub confirm: Option<String>,
}

impl PlanInput {
    /// The last day, not before `today` (the therapist's day) and within three years.
    pub fn validate(&self, today: Date) -> Validated<Date> {
        let mut e = FieldErrors::default();
        let day = date_from(&mut e, "ending_on", &self.ending_on, today, true);
        match day {
            Some(d) => e.finish(d),
            None => Err(e),
        }
    }
}

/// How a case closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosingKind {
    Ended,
    Referred,
}

impl ClosingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClosingKind::Ended => "ended",
            ClosingKind::Referred => "referred",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [ClosingKind::Ended, ClosingKind::Referred]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }

    /// The stage the case moves to.
    pub fn stage(self) -> Stage {
        match self {
            ClosingKind::Ended => Stage::Ended,
            ClosingKind::Referred => Stage::Referred,
        }
    }
}

/// The closing form.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct CloseInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub referred_to: String,
    #[serde(default)]
    pub referral_why: String,
    #[serde(default)]
    pub letter_to: String,
    #[serde(default)]
    pub letter_body: String,
    /// Ticked to confirm that the record becomes read-only.
    #[serde(default)]
    pub confirm: Option<String>,
}

/// Who the case was referred to, and why.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Referral {
    pub to: String,
    pub why: String,
}

/// A letter to the patient or a referrer: who it is for (name and role, free text) and its body.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Letter {
    pub to: String,
    pub body: String,
}

/// The clinical text of a closing: sealed as one whole under the case's key.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Closing {
    pub kind: ClosingKind,
    pub summary: String,
    pub referral: Option<Referral>,
    pub letter: Option<Letter>,
}

impl CloseInput {
    pub fn validate(&self) -> Validated<Closing> {
        let mut e = FieldErrors::default();
        let kind = ClosingKind::parse(self.kind.trim());
        if kind.is_none() {
            e.add("kind", "error-choose-one");
        }
        let referred = kind == Some(ClosingKind::Referred);
        let summary = validation::text(&mut e, "summary", &self.summary, true, SUMMARY_MAX);
        let to = validation::line(&mut e, "referred_to", &self.referred_to, referred, LINE_MAX);
        let why = validation::text(
            &mut e,
            "referral_why",
            &self.referral_why,
            referred,
            WHY_MAX,
        );
        let body = validation::text(&mut e, "letter_body", &self.letter_body, false, LETTER_MAX);
        let letter_to = validation::line(
            &mut e,
            "letter_to",
            &self.letter_to,
            !body.is_empty(),
            LINE_MAX,
        );
        if !letter_to.is_empty() && body.is_empty() && e.get("letter_body").is_none() {
            e.add("letter_body", "error-letter-body");
        }
        if self.confirm.is_none() {
            e.add("confirm", "error-closing-confirm");
        }
        let Some(kind) = kind else {
            return Err(e);
        };
        e.finish(Closing {
            kind,
            summary,
            referral: referred.then_some(Referral { to, why }),
            letter: (!body.is_empty()).then_some(Letter {
                to: letter_to,
                body,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn close(kind: &str) -> CloseInput {
        CloseInput {
            kind: kind.into(),
            summary: "Twelve weeks; sleeping again.".into(),
            confirm: Some("on".into()),
            ..Default::default()
        }
    }

    #[test]
    fn only_ended_and_referred_cases_are_over() {
        assert!(is_over(Stage::Ended) && is_over(Stage::Referred));
        assert!(!is_over(Stage::InTherapy) && !is_over(Stage::Closed));
    }

    #[test]
    fn a_plan_needs_a_day_from_today() {
        let today = date(2026, 11, 27);
        let plan = |raw: &str| {
            PlanInput {
                ending_on: raw.into(),
                confirm: None,
            }
            .validate(today)
        };
        assert_eq!(plan("2027-03-12").unwrap(), date(2027, 3, 12));
        assert_eq!(
            plan("2026-11-27").unwrap(),
            today,
            "today may be the last day"
        );
        assert_eq!(
            plan("").unwrap_err().get("ending_on"),
            Some("error-required")
        );
        assert_eq!(
            plan("2026-11-26").unwrap_err().get("ending_on"),
            Some("error-day-past")
        );
        assert_eq!(
            plan("<script>").unwrap_err().get("ending_on"),
            Some("error-day")
        );
        assert_eq!(
            plan(&"9".repeat(10_000)).unwrap_err().get("ending_on"),
            Some("error-day")
        );
    }

    #[test]
    fn closing_needs_a_summary_and_a_confirmation() {
        let c = close("ended").validate().unwrap();
        assert_eq!(c.kind, ClosingKind::Ended);
        assert!(c.referral.is_none() && c.letter.is_none());
        let mut empty = close("");
        empty.summary = "  ".into();
        empty.confirm = None;
        let e = empty.validate().unwrap_err();
        assert_eq!(e.get("kind"), Some("error-choose-one"));
        assert_eq!(e.get("summary"), Some("error-required"));
        assert_eq!(e.get("confirm"), Some("error-closing-confirm"));
        let mut huge = close("ended");
        huge.summary = "s".repeat(SUMMARY_MAX + 1);
        huge.letter_body = "l".repeat(LETTER_MAX + 1);
        huge.letter_to = "a\nb".into();
        let e = huge.validate().unwrap_err();
        assert_eq!(e.get("summary"), Some("error-too-long"));
        assert_eq!(e.get("letter_body"), Some("error-too-long"));
        assert_eq!(e.get("letter_to"), Some("error-invalid-characters"));
    }

    #[test]
    fn a_referral_says_to_whom_and_why_and_a_letter_to_whom() {
        let e = close("referred").validate().unwrap_err();
        assert_eq!(e.get("referred_to"), Some("error-required"));
        assert_eq!(e.get("referral_why"), Some("error-required"));
        let mut r = close("referred");
        r.referred_to = "Dr. Lee, trauma clinic".into();
        r.referral_why = "EMDR for the accident.".into();
        r.letter_body = "Dear Dr. Lee,".into();
        assert_eq!(
            r.validate().unwrap_err().get("letter_to"),
            Some("error-required")
        );
        r.letter_to = "Dr. Lee (psychiatrist)".into();
        let c = r.validate().unwrap();
        assert_eq!(c.kind.stage(), Stage::Referred);
        assert_eq!(c.referral.unwrap().to, "Dr. Lee, trauma clinic");
        assert_eq!(c.letter.unwrap().to, "Dr. Lee (psychiatrist)");
        let mut only_to = close("ended");
        only_to.letter_to = "Robin".into();
        assert_eq!(
            only_to.validate().unwrap_err().get("letter_body"),
            Some("error-letter-body")
        );
    }
}
