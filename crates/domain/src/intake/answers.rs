//! Answers: read from posted form fields one section at a time, and written back into fields for
//! the form. What they mean is in `meaning.rs`.
//!
//! Every question may be skipped: an empty field removes its answer. Only a measure's total needs
//! every item, so only submitting a measure can be refused for a missing answer.

use super::{field_name, Definition, Kind, LONG_TEXT_MAX, MAX_ROWS, NAME_MAX, SHORT_TEXT_MAX};
use crate::genogram::{Born, Gender, Person, Relation, Side};
use crate::measures::{self, Measure};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every answer of one response, by question id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(pub BTreeMap<String, Answer>);

impl Answers {
    pub fn get(&self, question: &str) -> Option<&Answer> {
        self.0.get(question)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Text(String),
    Choice(String),
    /// A measure's items in order (`None` while unanswered) and the difficulty question.
    Measure {
        items: Vec<Option<u8>>,
        #[serde(default)]
        difficulty: Option<u8>,
    },
    People(Vec<Member>),
}

/// One row of the family list: what a `genogram::Person` needs, with the row it was written in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// From 1, as the form numbers the rows; the person's id is `p<row>`.
    pub row: usize,
    #[serde(default)]
    pub relation: Option<Relation>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub gender: Gender,
    #[serde(default)]
    pub born: Option<Born>,
    #[serde(default)]
    pub deceased: bool,
    #[serde(default)]
    pub lives_with_patient: bool,
    #[serde(default)]
    pub relationship: String,
    /// `self` or `p<row>`, as `genogram::Person` links people.
    #[serde(default)]
    pub partner_of: Option<String>,
    #[serde(default)]
    pub separated: bool,
    #[serde(default)]
    pub shared_parent: Option<String>,
    #[serde(default)]
    pub other_parent: Option<String>,
}

impl Member {
    pub fn id(&self) -> String {
        format!("p{}", self.row)
    }

    /// The genogram's person; a row without a relation is drawn with the others.
    pub fn person(&self) -> Person {
        Person {
            id: self.id(),
            relation: self.relation.unwrap_or(Relation::Other),
            name: self.name.clone(),
            gender: self.gender,
            born: self.born,
            deceased: self.deceased,
            lives_with_patient: self.lives_with_patient,
            relationship: self.relationship.clone(),
            partner_of: self.partner_of.clone(),
            separated: self.separated,
            shared_parent: self.shared_parent.clone(),
            other_parent: self.other_parent.clone(),
        }
    }
}

/// Refusals by field name (`q.<question>…`), each a translation key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnswerErrors(Vec<(String, &'static str)>);

impl AnswerErrors {
    pub fn add(&mut self, field: impl Into<String>, message: &'static str) {
        let field = field.into();
        if self.get(&field).is_none() {
            self.0.push((field, message));
        }
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| *m)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, &'static str)> {
        self.0.iter()
    }
}

/// The relations a row can have, as the form's values.
pub const RELATIONS: [(&str, Relation); 14] = [
    ("mother", Relation::Mother),
    ("father", Relation::Father),
    ("parent", Relation::Parent),
    ("sibling", Relation::Sibling),
    ("half_sibling", Relation::HalfSibling),
    ("step_sibling", Relation::StepSibling),
    ("partner", Relation::Partner),
    ("ex_partner", Relation::ExPartner),
    ("child", Relation::Child),
    ("grandmother_mothers", Relation::Grandmother(Side::Mothers)),
    ("grandfather_mothers", Relation::Grandfather(Side::Mothers)),
    ("grandmother_fathers", Relation::Grandmother(Side::Fathers)),
    ("grandfather_fathers", Relation::Grandfather(Side::Fathers)),
    ("other", Relation::Other),
];

pub fn relation_value(r: Relation) -> &'static str {
    RELATIONS
        .iter()
        .find(|(_, rel)| *rel == r)
        .map_or("self", |(v, _)| v)
}

/// What one family row's fields are called (after `q.<question>.<row>.`).
pub const PERSON_FIELDS: [&str; 11] = [
    "relation",
    "name",
    "gender",
    "born",
    "deceased",
    "home",
    "relationship",
    "partner_of",
    "separated",
    "shared_parent",
    "other_parent",
];

/// A "born" answer that is neither a year of birth nor an age.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotBorn;

/// "1956" is a year of birth, "67" an age; anything else is refused.
pub fn parse_born(raw: &str) -> Result<Option<Born>, NotBorn> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > 4 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NotBorn);
    }
    let n: u32 = value.parse().map_err(|_| NotBorn)?;
    match n {
        0..=129 => Ok(Some(Born::Age(n as u16))),
        1800..=2200 => Ok(Some(Born::Year(n as i32))),
        _ => Err(NotBorn),
    }
}

/// Trims and checks a typed answer; `one_line` turns line breaks into spaces.
fn checked_text(raw: &str, max: usize, one_line: bool) -> Result<String, &'static str> {
    let mut value = raw.trim().to_string();
    if one_line {
        value = value.replace(['\r', '\n', '\t'], " ");
    }
    if value.chars().count() > max {
        return Err(match max {
            NAME_MAX => "error-name-too-long",
            SHORT_TEXT_MAX => "error-answer-too-long-short",
            _ => "error-answer-too-long",
        });
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("error-invalid-characters");
    }
    Ok(value)
}

fn posted<'a>(fields: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map_or("", String::as_str)
}

fn value_0_to_3(raw: &str) -> Result<Option<u8>, ()> {
    match raw.trim() {
        "" => Ok(None),
        v => match v.parse::<u8>() {
            Ok(n) if n <= measures::MAX_ANSWER => Ok(Some(n)),
            _ => Err(()),
        },
    }
}

/// Reads the questions of section `section` from `fields` into `answers`. Nothing is changed
/// when anything is refused: the refusals come back by field name, and the form shows what was
/// typed.
pub fn read_section(
    def: &Definition,
    section: usize,
    fields: &BTreeMap<String, String>,
    answers: &mut Answers,
) -> AnswerErrors {
    let mut errors = AnswerErrors::default();
    let Some(s) = def.sections.get(section) else {
        return errors;
    };
    let mut read = Vec::new();
    for q in &s.questions {
        let name = field_name(&q.id, &[]);
        let answer = match &q.kind {
            Kind::Text | Kind::LongText => {
                let (max, one_line) = match q.kind {
                    Kind::Text => (SHORT_TEXT_MAX, true),
                    _ => (LONG_TEXT_MAX, false),
                };
                match checked_text(posted(fields, &name), max, one_line) {
                    Ok(v) if v.is_empty() => None,
                    Ok(v) => Some(Answer::Text(v)),
                    Err(e) => {
                        errors.add(name, e);
                        None
                    }
                }
            }
            Kind::Choice { choices } => match posted(fields, &name).trim() {
                "" => None,
                v if choices.iter().any(|c| c.value == v) => Some(Answer::Choice(v.to_string())),
                _ => {
                    errors.add(name, "error-answer-choice");
                    None
                }
            },
            Kind::Measure { measure } => {
                measures::by_id(measure).and_then(|m| read_measure(m, &q.id, fields, &mut errors))
            }
            Kind::People => read_people(&q.id, fields, &mut errors),
        };
        read.push((q.id.clone(), answer));
    }
    if errors.is_empty() {
        for (id, answer) in read {
            match answer {
                Some(a) => {
                    answers.0.insert(id, a);
                }
                None => {
                    answers.0.remove(&id);
                }
            }
        }
    }
    errors
}

fn read_measure(
    m: &Measure,
    question: &str,
    fields: &BTreeMap<String, String>,
    errors: &mut AnswerErrors,
) -> Option<Answer> {
    let mut items = Vec::with_capacity(m.items.len());
    for n in 1..=m.items.len() {
        let name = field_name(question, &[&n.to_string()]);
        match value_0_to_3(posted(fields, &name)) {
            Ok(v) => items.push(v),
            Err(()) => {
                errors.add(name, "error-answer-choice");
                items.push(None);
            }
        }
    }
    let name = field_name(question, &["difficulty"]);
    let difficulty = value_0_to_3(posted(fields, &name)).unwrap_or_else(|()| {
        errors.add(name, "error-answer-choice");
        None
    });
    (items.iter().any(Option::is_some) || difficulty.is_some())
        .then_some(Answer::Measure { items, difficulty })
}

/// How many rows the form showed: the `rows` field, or the highest row posted, at most `MAX_ROWS`.
fn posted_rows(question: &str, fields: &BTreeMap<String, String>) -> usize {
    let prefix = field_name(question, &[]) + ".";
    let highest = fields
        .keys()
        .filter_map(|k| k.strip_prefix(&prefix))
        .filter_map(|rest| rest.split('.').next()?.parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    let said = posted(fields, &field_name(question, &["rows"]))
        .trim()
        .parse::<usize>()
        .unwrap_or(0);
    said.max(highest).min(MAX_ROWS)
}

fn read_people(
    question: &str,
    fields: &BTreeMap<String, String>,
    errors: &mut AnswerErrors,
) -> Option<Answer> {
    let rows = posted_rows(question, fields);
    let mut members = Vec::new();
    for row in 1..=rows {
        let r = row.to_string();
        let name_of = |field: &str| field_name(question, &[&r, field]);
        let get = |field: &str| posted(fields, &name_of(field)).trim();
        let checked = |field: &str| !get(field).is_empty();
        let relation = match get("relation") {
            "" => None,
            v => match RELATIONS.iter().find(|(value, _)| *value == v) {
                Some((_, rel)) => Some(*rel),
                None => {
                    errors.add(name_of("relation"), "error-answer-choice");
                    None
                }
            },
        };
        let mut text = |field: &str, max: usize| {
            checked_text(get(field), max, true).unwrap_or_else(|e| {
                errors.add(name_of(field), e);
                String::new()
            })
        };
        let name = text("name", NAME_MAX);
        let relationship = text("relationship", SHORT_TEXT_MAX);
        let gender = match get("gender") {
            "" => Gender::Unspecified,
            "female" => Gender::Female,
            "male" => Gender::Male,
            _ => {
                errors.add(name_of("gender"), "error-answer-choice");
                Gender::Unspecified
            }
        };
        let born = parse_born(get("born")).unwrap_or_else(|NotBorn| {
            errors.add(name_of("born"), "error-born");
            None
        });
        let mut link = |field: &str| match get(field) {
            "" => None,
            "self" => Some("self".to_string()),
            v => match v.strip_prefix('p').and_then(|n| n.parse::<usize>().ok()) {
                Some(n) if (1..=rows).contains(&n) && n != row => Some(format!("p{n}")),
                _ => {
                    errors.add(name_of(field), "error-answer-choice");
                    None
                }
            },
        };
        let member = Member {
            row,
            relation,
            name,
            gender,
            born,
            deceased: checked("deceased"),
            lives_with_patient: checked("home"),
            relationship,
            partner_of: link("partner_of"),
            separated: checked("separated"),
            shared_parent: link("shared_parent"),
            other_parent: link("other_parent"),
        };
        if !is_blank(&member) {
            members.push(member);
        }
    }
    (!members.is_empty()).then_some(Answer::People(members))
}

fn is_blank(m: &Member) -> bool {
    m.relation.is_none()
        && m.name.is_empty()
        && m.gender == Gender::Unspecified
        && m.born.is_none()
        && !m.deceased
        && !m.lives_with_patient
        && m.relationship.is_empty()
        && m.partner_of.is_none()
        && !m.separated
        && m.shared_parent.is_none()
        && m.other_parent.is_none()
}

/// The answers as form fields (checkboxes as `on`), to fill the form in again.
pub fn fields_of(def: &Definition, answers: &Answers) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (_, q) in def.questions() {
        let Some(answer) = answers.get(&q.id) else {
            continue;
        };
        match answer {
            Answer::Text(v) | Answer::Choice(v) => {
                out.insert(field_name(&q.id, &[]), v.clone());
            }
            Answer::Measure { items, difficulty } => {
                for (i, v) in items.iter().enumerate() {
                    if let Some(v) = v {
                        out.insert(field_name(&q.id, &[&(i + 1).to_string()]), v.to_string());
                    }
                }
                if let Some(d) = difficulty {
                    out.insert(field_name(&q.id, &["difficulty"]), d.to_string());
                }
            }
            Answer::People(members) => {
                for m in members {
                    let r = m.row.to_string();
                    let mut set = |field: &str, value: String| {
                        if !value.is_empty() {
                            out.insert(field_name(&q.id, &[&r, field]), value);
                        }
                    };
                    let on = |b: bool| if b { "on".to_string() } else { String::new() };
                    set(
                        "relation",
                        m.relation.map_or("", relation_value).to_string(),
                    );
                    set("name", m.name.clone());
                    set(
                        "gender",
                        match m.gender {
                            Gender::Female => "female",
                            Gender::Male => "male",
                            Gender::Unspecified => "",
                        }
                        .to_string(),
                    );
                    set(
                        "born",
                        match m.born {
                            Some(Born::Year(y)) => y.to_string(),
                            Some(Born::Age(a)) => a.to_string(),
                            None => String::new(),
                        },
                    );
                    set("deceased", on(m.deceased));
                    set("home", on(m.lives_with_patient));
                    set("relationship", m.relationship.clone());
                    set("partner_of", m.partner_of.clone().unwrap_or_default());
                    set("separated", on(m.separated));
                    set("shared_parent", m.shared_parent.clone().unwrap_or_default());
                    set("other_parent", m.other_parent.clone().unwrap_or_default());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::builtin;

    fn intake() -> Definition {
        builtin()
            .into_iter()
            .find(|b| b.key == "intake")
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
    fn text_answers_are_kept_trimmed_and_an_empty_field_skips_the_question() {
        let def = intake();
        let mut answers = Answers::default();
        let errors = read_section(
            &def,
            0,
            &fields(&[("q.what_brings_you", "  I cannot sleep <script>x</script> ")]),
            &mut answers,
        );
        assert!(errors.is_empty());
        assert_eq!(
            answers.get("what_brings_you"),
            Some(&Answer::Text("I cannot sleep <script>x</script>".into()))
        );
        read_section(&def, 0, &fields(&[]), &mut answers);
        assert!(answers.is_empty(), "emptied means skipped");
    }

    #[test]
    fn too_long_or_control_characters_are_refused_by_field_and_nothing_changes() {
        let def = intake();
        let mut answers = Answers::default();
        let huge = "a".repeat(LONG_TEXT_MAX + 1);
        let errors = read_section(
            &def,
            0,
            &fields(&[("q.what_brings_you", &huge)]),
            &mut answers,
        );
        assert_eq!(
            errors.get("q.what_brings_you"),
            Some("error-answer-too-long")
        );
        assert!(answers.is_empty());
        let practical = section_of(&def, "practical");
        let errors = read_section(
            &def,
            practical,
            &fields(&[
                ("q.days", &"b".repeat(SHORT_TEXT_MAX + 1)),
                ("q.times", "mornings\u{0}"),
                ("q.language", "English"),
            ]),
            &mut answers,
        );
        assert_eq!(errors.get("q.days"), Some("error-answer-too-long-short"));
        assert_eq!(errors.get("q.times"), Some("error-invalid-characters"));
        assert!(answers.is_empty(), "a refused section changes nothing");
    }

    #[test]
    fn odd_family_rows_are_refused_by_field() {
        let def = intake();
        let s = section_of(&def, "family");
        let mut answers = Answers::default();
        let errors = read_section(
            &def,
            s,
            &fields(&[
                ("q.family.rows", "8"),
                ("q.family.1.relation", "cousin"),
                ("q.family.1.born", "soon"),
                ("q.family.2.name", &"n".repeat(NAME_MAX + 1)),
                ("q.family.3.partner_of", "p3"),
                ("q.family.3.other_parent", "p99"),
                ("q.family.4.gender", "x"),
            ]),
            &mut answers,
        );
        for (field, message) in [
            ("q.family.1.relation", "error-answer-choice"),
            ("q.family.1.born", "error-born"),
            ("q.family.2.name", "error-name-too-long"),
            ("q.family.3.partner_of", "error-answer-choice"),
            ("q.family.3.other_parent", "error-answer-choice"),
            ("q.family.4.gender", "error-answer-choice"),
        ] {
            assert_eq!(errors.get(field), Some(message), "{field}");
        }
        assert!(answers.is_empty());
    }

    #[test]
    fn more_rows_than_allowed_are_not_read() {
        let def = intake();
        let s = section_of(&def, "family");
        let mut answers = Answers::default();
        let far = format!("q.family.{}.name", MAX_ROWS + 5);
        read_section(
            &def,
            s,
            &fields(&[("q.family.rows", "9999"), (&far, "Far")]),
            &mut answers,
        );
        assert!(answers.is_empty());
    }

    #[test]
    fn born_reads_years_and_ages() {
        assert_eq!(parse_born("1956"), Ok(Some(Born::Year(1956))));
        assert_eq!(parse_born(" 67 "), Ok(Some(Born::Age(67))));
        assert_eq!(parse_born(""), Ok(None));
        for bad in ["500", "-3", "12345", "1956a", "sixty"] {
            assert!(parse_born(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn answers_read_from_json_as_stored() {
        let json = r#"{"what_brings_you":{"text":"x"},"phq9":{"measure":{"items":[1,null]}},
            "family":{"people":[{"row":2,"relation":{"grandmother":"mothers"},"name":"Eva"}]}}"#;
        let a: Answers = serde_json::from_str(json).unwrap();
        assert_eq!(a.0.len(), 3);
        assert_eq!(
            serde_json::from_str::<Answers>(&serde_json::to_string(&a).unwrap()).unwrap(),
            a
        );
    }
}
