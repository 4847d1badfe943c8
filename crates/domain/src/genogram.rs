//! The family system as the intake records it, drawn as a genogram (SVG made on the server) and
//! told in plain sentences for screen readers and the printed record.
//!
//! The model is deliberately small. Everyone is described by their relation *to the patient*;
//! the few links that relation alone cannot give are named by id:
//!
//! - `partner_of`: whose partner this person is (or was). For `Partner` and `ExPartner` it
//!   defaults to the patient; set it for a parent's new partner (remarriage) or a sibling's partner.
//!   The patient's mother and father are drawn as a couple without it.
//! - `separated`: the partnership this person is drawn in has ended (separation or divorce): the one
//!   with `partner_of`, or, for a parent or grandparent, the one with the other parent.
//!   `ExPartner` is always separated.
//! - `shared_parent`: for a half-sibling, the parent they share with the patient.
//! - `other_parent`: for a half-sibling, their other parent (by default the shared parent's first
//!   other partner); for a step-sibling, the step-parent they are the child of; for a child of the
//!   patient, the child's other parent (by default the patient's current partner).
//!
//! Ids that name nobody are ignored, so a half-finished intake still draws.

mod kin;
mod layout;
mod lines;
mod svg;

pub use layout::{layout, Layout, Placed, Shape, MAX_WIDTH};
pub use svg::{escape, render_svg};

use kin::Kin;
use serde::{Deserialize, Serialize};

/// The most characters of a name the drawing shows; the intake asks for a first name or initials.
pub const NAME_SHOWN: usize = 12;
/// The most characters of a name or of "how the relationship is" the sentences keep.
pub const TEXT_KEPT: usize = 80;

/// One person in the family system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Unique within one family; only used to link people to each other.
    pub id: String,
    pub relation: Relation,
    /// A first name or initials, never more.
    pub name: String,
    #[serde(default)]
    pub gender: Gender,
    #[serde(default)]
    pub born: Option<Born>,
    #[serde(default)]
    pub deceased: bool,
    #[serde(default)]
    pub lives_with_patient: bool,
    /// How the relationship is, in the patient's short words.
    #[serde(default)]
    pub relationship: String,
    #[serde(default)]
    pub partner_of: Option<String>,
    #[serde(default)]
    pub separated: bool,
    #[serde(default)]
    pub shared_parent: Option<String>,
    #[serde(default)]
    pub other_parent: Option<String>,
}

impl Person {
    /// A person with nothing known beyond who they are to the patient.
    pub fn new(id: &str, relation: Relation, gender: Gender, name: &str) -> Self {
        Person {
            id: id.to_string(),
            relation,
            name: name.to_string(),
            gender,
            born: None,
            deceased: false,
            lives_with_patient: false,
            relationship: String::new(),
            partner_of: None,
            separated: false,
            shared_parent: None,
            other_parent: None,
        }
    }
}

/// Who someone is to the patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The patient.
    #[serde(rename = "self")]
    Self_,
    Mother,
    Father,
    /// Another parent: a second mother or father, an adoptive parent, or (with `partner_of`) a
    /// step-parent.
    Parent,
    Sibling,
    HalfSibling,
    StepSibling,
    Partner,
    ExPartner,
    Child,
    Grandmother(Side),
    Grandfather(Side),
    /// Anyone else who matters: an aunt, a godparent, a friend. Drawn apart, without lines.
    Other,
}

/// Which parent a grandparent is the parent of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Mothers,
    Fathers,
}

/// Gender as the patient gives it; anything but female or male is drawn as a diamond.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
    #[default]
    Unspecified,
}

/// What the patient knows of someone's age.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Born {
    Year(i32),
    Age(u16),
}

impl Relation {
    /// The relation in words, as gendered as the patient made it.
    pub fn label(self, gender: Gender) -> &'static str {
        let by = |female, male, neutral| match gender {
            Gender::Female => female,
            Gender::Male => male,
            Gender::Unspecified => neutral,
        };
        match self {
            Relation::Self_ => "Self",
            Relation::Mother => "Mother",
            Relation::Father => "Father",
            Relation::Parent => "Parent",
            Relation::Sibling => by("Sister", "Brother", "Sibling"),
            Relation::HalfSibling => by("Half-sister", "Half-brother", "Half-sibling"),
            Relation::StepSibling => by("Stepsister", "Stepbrother", "Stepsibling"),
            Relation::Partner => "Partner",
            Relation::ExPartner => "Former partner",
            Relation::Child => by("Daughter", "Son", "Child"),
            Relation::Grandmother(Side::Mothers) => "Grandmother (mother's side)",
            Relation::Grandmother(Side::Fathers) => "Grandmother (father's side)",
            Relation::Grandfather(Side::Mothers) => "Grandfather (mother's side)",
            Relation::Grandfather(Side::Fathers) => "Grandfather (father's side)",
            Relation::Other => "Other",
        }
    }
}

/// Trims, folds runs of white space into one space, drops control characters and cuts to `max`
/// characters, marking the cut with an ellipsis.
fn tidy(raw: &str, max: usize) -> String {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let joined: String = words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if joined.chars().count() <= max {
        return joined;
    }
    let mut cut: String = joined.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The name as the drawing shows it.
fn shown_name(p: &Person) -> String {
    tidy(&p.name, NAME_SHOWN)
}

/// The age as the drawing shows it, under the name.
fn shown_born(p: &Person) -> Option<String> {
    p.born.map(|b| match b {
        Born::Year(y) => format!("b. {y}"),
        Born::Age(a) => format!("age {a}"),
    })
}

/// The family in plain sentences, one per person: the patient first, then each generation from
/// the oldest, in the order the drawing shows them.
pub fn text_alternative(people: &[Person]) -> Vec<String> {
    sentences(&Kin::new(people))
}

fn sentences(kin: &Kin) -> Vec<String> {
    kin.reading_order()
        .into_iter()
        .map(|i| sentence(kin, i))
        .collect()
}

fn sentence(kin: &Kin, i: usize) -> String {
    let p = &kin.people[i];
    let name = match tidy(&p.name, TEXT_KEPT) {
        n if n.is_empty() => "(no name given)".to_string(),
        n => n,
    };
    let mut out = format!("{}: {name}", p.relation.label(p.gender));
    if let Some(link) = link(kin, i) {
        out.push_str(&format!(" ({link})"));
    }
    match p.born {
        Some(Born::Year(y)) => out.push_str(&format!(", born {y}")),
        Some(Born::Age(a)) => out.push_str(&format!(", age {a}")),
        None => {}
    }
    if p.deceased {
        out.push_str(", deceased");
    }
    if p.lives_with_patient && p.relation != Relation::Self_ {
        out.push_str(", lives in the same household");
    }
    if !out.ends_with('.') {
        out.push('.');
    }
    let relationship = tidy(&p.relationship, TEXT_KEPT);
    if !relationship.is_empty() {
        out.push_str(&format!(" Relationship: {relationship}"));
        if !relationship.ends_with(['.', '!', '?', '…']) {
            out.push('.');
        }
    }
    out
}

/// How a person is tied to the others, when the relation to the patient does not say it all.
fn link(kin: &Kin, i: usize) -> Option<String> {
    let p = &kin.people[i];
    let parents = kin.parents_of(i);
    match p.relation {
        Relation::HalfSibling => parents
            .first()
            .map(|&s| format!("shares {}", kin.mention(s))),
        Relation::StepSibling => parents
            .first()
            .map(|&s| format!("child of {}", kin.mention(s))),
        Relation::Child => parents
            .iter()
            .find(|&&o| Some(o) != kin.patient)
            .map(|&o| format!("with {}", kin.mention(o))),
        Relation::Self_ => None,
        _ => {
            let (with, separated) = kin.partnership_of(i)?;
            let own_parents = matches!(
                p.relation,
                Relation::Mother
                    | Relation::Father
                    | Relation::Grandmother(_)
                    | Relation::Grandfather(_)
            );
            if kin.patient == Some(with) {
                (separated && p.relation == Relation::Partner).then(|| "separated".to_string())
            } else if separated {
                Some(format!("separated from {}", kin.mention(with)))
            } else {
                (!own_parents).then(|| format!("partner of {}", kin.mention(with)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn person(id: &str, relation: Relation, gender: Gender, name: &str) -> Person {
        Person::new(id, relation, gender, name)
    }

    #[test]
    fn sentences_name_relation_age_death_and_household() {
        let mut ruth = person("m", Relation::Mother, Gender::Female, "Ruth");
        ruth.born = Some(Born::Year(1956));
        ruth.deceased = true;
        let mut leo = person("b", Relation::Sibling, Gender::Male, " Leo ");
        leo.born = Some(Born::Age(31));
        leo.lives_with_patient = true;
        leo.relationship = "close,  we talk daily".into();
        let people = [
            person("me", Relation::Self_, Gender::Female, "Sam"),
            ruth,
            leo,
        ];
        assert_eq!(
            text_alternative(&people),
            [
                "Self: Sam.",
                "Mother: Ruth, born 1956, deceased.",
                "Brother: Leo, age 31, lives in the same household. Relationship: close, we talk daily.",
            ]
        );
    }

    #[test]
    fn half_and_step_siblings_say_whose_child_they_are() {
        let mut tom = person("t", Relation::HalfSibling, Gender::Male, "Tom");
        tom.shared_parent = Some("f".into());
        let mut anna = person("a", Relation::Partner, Gender::Female, "Anna");
        anna.partner_of = Some("f".into());
        let mut lea = person("l", Relation::StepSibling, Gender::Female, "Lea");
        lea.other_parent = Some("a".into());
        let people = [
            person("me", Relation::Self_, Gender::Unspecified, "Sam"),
            person("f", Relation::Father, Gender::Male, "David"),
            anna,
            tom,
            lea,
        ];
        let lines = text_alternative(&people);
        assert!(
            lines.contains(&"Half-brother: Tom (shares father).".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"Partner: Anna (partner of father).".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"Stepsister: Lea (child of father's partner Anna).".to_string()),
            "{lines:?}"
        );
    }

    #[test]
    fn separated_parents_and_former_partners_are_said_so() {
        let mut mother = person("m", Relation::Mother, Gender::Female, "Ruth");
        mother.separated = true;
        let mut ex = person("x", Relation::ExPartner, Gender::Male, "J.");
        ex.relationship = "still painful".into();
        let people = [
            person("me", Relation::Self_, Gender::Female, "Sam"),
            person("f", Relation::Father, Gender::Male, "David"),
            mother,
            ex,
        ];
        let lines = text_alternative(&people);
        assert!(
            lines.contains(&"Mother: Ruth (separated from father).".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"Former partner: J. Relationship: still painful.".to_string()),
            "{lines:?}"
        );
    }

    #[test]
    fn a_missing_name_or_age_is_left_out_not_invented() {
        let people = [
            person("me", Relation::Self_, Gender::Male, ""),
            person("g", Relation::Grandfather(Side::Fathers), Gender::Male, "B"),
        ];
        assert_eq!(
            text_alternative(&people),
            ["Self: (no name given).", "Grandfather (father's side): B."]
        );
    }

    #[test]
    fn the_intake_answer_reads_from_json_with_defaults() {
        let json = r#"[
            {"id": "me", "relation": "self", "name": "Sam"},
            {"id": "g", "relation": {"grandmother": "mothers"}, "name": "Eva",
             "gender": "female", "born": {"age": 88}, "deceased": true}
        ]"#;
        let people: Vec<Person> = serde_json::from_str(json).unwrap();
        assert_eq!(people[0].gender, Gender::Unspecified);
        assert_eq!(people[1].relation, Relation::Grandmother(Side::Mothers));
        assert_eq!(
            text_alternative(&people)[1],
            "Grandmother (mother's side): Eva, age 88, deceased."
        );
    }

    #[test]
    fn long_names_are_cut_and_marked() {
        assert_eq!(tidy("Maximiliane-Theresa", NAME_SHOWN), "Maximiliane…");
        assert_eq!(tidy("Mia\u{7}\t Rose", NAME_SHOWN), "Mia Rose");
        assert_eq!(tidy("Jo", NAME_SHOWN), "Jo");
    }
}
