//! The path ahead, kept: the treatment focus a case works by (what is going on and how the two
//! work with it), its goals, the date they look at it again, and the dated reviews written since.
//! Reviews are never edited: a second thought is another review.

use crate::validation::{self, FieldErrors, Validated};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub const FOCUS_MAX: usize = 5_000;
pub const GOAL_MAX: usize = 300;
pub const GOALS_MAX: usize = 12;
pub const REVIEW_MAX: usize = 10_000;
/// A date further away than this is a typing mistake, not a plan.
const REVIEW_WITHIN_YEARS: i64 = 3;

/// The focus form as the therapist sends it: the goals one a line.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct FocusInput {
    #[serde(default)]
    pub focus: String,
    #[serde(default)]
    pub goals: String,
    #[serde(default)]
    pub review_on: String,
}

/// The clinical text of a focus: sealed as one whole under the case's key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Focus {
    pub focus: String,
    pub goals: Vec<String>,
}

/// A focus as checked: its text, and the day it is to be reviewed (the therapist's calendar day).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFocus {
    pub focus: Focus,
    pub review_on: Option<Date>,
}

impl FocusInput {
    /// Checks the form against `today` (in the therapist's zone): a review date is a real day,
    /// not before today and within three years.
    pub fn validate(&self, today: Date) -> Validated<CheckedFocus> {
        let mut e = FieldErrors::default();
        let focus = validation::text(&mut e, "focus", &self.focus, true, FOCUS_MAX);
        let goals = goals(&mut e, &self.goals);
        let review_on = date_from(&mut e, "review_on", &self.review_on, today, false);
        e.finish(CheckedFocus {
            focus: Focus { focus, goals },
            review_on,
        })
    }
}

fn goals(e: &mut FieldErrors, raw: &str) -> Vec<String> {
    let lines: Vec<String> = raw
        .lines()
        .map(|l| l.trim().trim_start_matches(['-', '*', '•']).trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if lines.len() > GOALS_MAX {
        e.add_limit("goals", "error-goals-too-many", GOALS_MAX);
    } else if lines.iter().any(|l| l.chars().count() > GOAL_MAX) {
        e.add_limit("goals", "error-goal-too-long", GOAL_MAX);
    } else if lines
        .iter()
        .any(|l| l.chars().any(|c| c.is_control() && c != '\t'))
    {
        e.add("goals", "error-invalid-characters");
    }
    lines
}

/// A calendar day typed as `2027-03-15`, not before `today` and within three years of it.
/// Empty is `None`, or `error-required` when `required`.
pub fn date_from(
    e: &mut FieldErrors,
    field: &'static str,
    raw: &str,
    today: Date,
    required: bool,
) -> Option<Date> {
    let raw = raw.trim();
    if raw.is_empty() {
        if required {
            e.add(field, "error-required");
        }
        return None;
    }
    let Ok(date) = raw.parse::<Date>() else {
        e.add(field, "error-day");
        return None;
    };
    if date < today {
        e.add(field, "error-day-past");
        return None;
    }
    let latest = today
        .checked_add(jiff::Span::new().years(REVIEW_WITHIN_YEARS))
        .unwrap_or(Date::MAX);
    if date > latest {
        e.add(field, "error-day-far");
        return None;
    }
    Some(date)
}

/// A review's text, checked.
pub fn review(raw: &str) -> Validated<String> {
    let mut e = FieldErrors::default();
    let text = validation::text(&mut e, "review", raw, true, REVIEW_MAX);
    e.finish(text)
}

/// What the focus page starts from when nothing was kept yet: the first session's "what I think is
/// going on", then (after a blank line) its "how we might work together" joined by commas. No
/// goals: those are the two people's to name.
pub fn seeded_from(going_on: &str, working: &[&str]) -> Focus {
    let working: Vec<&str> = working
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .collect();
    let mut focus = going_on.trim().to_string();
    if !working.is_empty() {
        if !focus.is_empty() {
            focus.push_str("\n\n");
        }
        focus.push_str(&working.join(", "));
    }
    Focus {
        focus,
        goals: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 27);

    fn input(focus: &str, goals: &str, review_on: &str) -> FocusInput {
        FocusInput {
            focus: focus.into(),
            goals: goals.into(),
            review_on: review_on.into(),
        }
    }

    #[test]
    fn goals_are_one_a_line_with_bullets_and_blank_lines_dropped() {
        let f = input(
            "Grief.",
            "- sleep again\n\n* see the sister\n",
            "2027-02-26",
        )
        .validate(TODAY)
        .unwrap();
        assert_eq!(f.focus.goals, vec!["sleep again", "see the sister"]);
        assert_eq!(f.review_on, Some(date(2027, 2, 26)));
    }

    #[test]
    fn empty_huge_and_hostile_input_is_refused_by_field() {
        let e = input("", "", "").validate(TODAY).unwrap_err();
        assert_eq!(e.get("focus"), Some("error-required"));
        assert_eq!(e.get("review_on"), None, "the review date is optional");
        let many = "goal\n".repeat(GOALS_MAX + 1);
        let e = input(&"x".repeat(FOCUS_MAX + 1), &many, "tomorrow")
            .validate(TODAY)
            .unwrap_err();
        assert_eq!(e.get("focus"), Some("error-too-long"));
        assert_eq!(e.get("goals"), Some("error-goals-too-many"));
        assert_eq!(e.get("review_on"), Some("error-day"));
        let e = input("ok", &"g".repeat(GOAL_MAX + 1), "2026-11-26")
            .validate(TODAY)
            .unwrap_err();
        assert_eq!(e.get("goals"), Some("error-goal-too-long"));
        assert_eq!(e.get("review_on"), Some("error-day-past"));
        let e = input("a\u{0}b", "ok", "2031-01-01")
            .validate(TODAY)
            .unwrap_err();
        assert_eq!(e.get("focus"), Some("error-invalid-characters"));
        assert_eq!(e.get("review_on"), Some("error-day-far"));
        for hostile in [
            "2027-02-30",
            "'; DROP TABLE cases;--",
            "2027-13-01",
            "next friday",
        ] {
            let e = input("ok", "", hostile).validate(TODAY).unwrap_err();
            assert!(e.get("review_on").is_some(), "{hostile}");
        }
    }

    #[test]
    fn a_review_needs_text_within_the_limit() {
        assert_eq!(
            review("  ").unwrap_err().get("review"),
            Some("error-required")
        );
        assert!(review(&"r".repeat(REVIEW_MAX + 1)).is_err());
        assert_eq!(review(" Sleeping better. ").unwrap(), "Sleeping better.");
    }

    #[test]
    fn the_focus_is_seeded_from_the_path_ahead() {
        let f = seeded_from(
            " Grief after the move. ",
            &["weekly", "", " psychodynamic "],
        );
        assert_eq!(f.focus, "Grief after the move.\n\nweekly, psychodynamic");
        assert!(f.goals.is_empty());
        assert_eq!(seeded_from("", &[]), Focus::default());
    }
}
