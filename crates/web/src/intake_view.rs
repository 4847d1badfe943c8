//! What the questionnaire pages show, built from the questionnaire and the answers: each field
//! with its label, hint, value and error, the family rows, the progress, and a response read back.

use super::Values;
use crate::i18n;
use crate::view;
use app::intake::Filling;
use domain::intake::{
    field_id, field_name, AnswerErrors, Kind, Progress, Question, ReadAnswer, ReadSection, Section,
    DEFAULT_ROWS, MAX_ROWS, RELATIONS,
};

/// One radio button or select option.
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub checked: bool,
    pub id: String,
}

/// A text field, select or checkbox with its label, hint and error.
pub struct FieldView {
    pub name: String,
    pub id: String,
    pub label: String,
    pub hint: String,
    pub value: String,
    pub error: Option<String>,
    pub options: Vec<OptionView>,
}

impl FieldView {
    pub(crate) fn new(
        name: String,
        label: String,
        hint: String,
        values: &Values,
        errors: &AnswerErrors,
    ) -> Self {
        FieldView {
            id: field_id(&name),
            value: values.get(&name).cloned().unwrap_or_default(),
            error: errors.get(&name).map(view::tr),
            label,
            hint,
            name,
            options: Vec::new(),
        }
    }

    pub(crate) fn with_options(mut self, options: Vec<(String, String)>) -> Self {
        self.options = options
            .into_iter()
            .enumerate()
            .map(|(i, (value, label))| OptionView {
                checked: value == self.value,
                id: format!("{}-{i}", self.id),
                value,
                label,
            })
            .collect();
        self
    }

    pub fn checked(&self) -> bool {
        !self.value.is_empty()
    }

    /// The ids the field's `aria-describedby` names.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// One row of the family list.
pub struct RowView {
    pub legend: String,
    pub relation: FieldView,
    pub name: FieldView,
    pub gender: FieldView,
    pub born: FieldView,
    pub deceased: FieldView,
    pub home: FieldView,
    pub relationship: FieldView,
    pub partner_of: FieldView,
    pub separated: FieldView,
    pub shared_parent: FieldView,
    pub other_parent: FieldView,
    /// Whether any of the links is set or wrong, so the "more" part opens by itself.
    pub links_open: bool,
}

/// One question as the form shows it.
pub struct QuestionView {
    pub kind: &'static str,
    pub field: FieldView,
    /// A measure's items (each a radio group) and its difficulty question.
    pub items: Vec<FieldView>,
    pub stem: String,
    pub attribution: String,
    pub rows: Vec<RowView>,
    pub rows_name: String,
    pub rows_count: usize,
    pub can_add_rows: bool,
    /// A question with an answer that needs attention: the crisis contacts go beside it.
    pub asks_about_risk: bool,
}

fn tr_n(key: &str, n: usize) -> String {
    i18n::t_with(key, &[("n", n.to_string())])
}

fn question_view(
    q: &Question,
    values: &Values,
    errors: &AnswerErrors,
    rows: usize,
) -> QuestionView {
    let name = field_name(&q.id, &[]);
    let field = FieldView::new(
        name.clone(),
        q.label.clone(),
        q.help.clone(),
        values,
        errors,
    );
    let mut view = QuestionView {
        kind: q.kind.as_str(),
        field,
        items: Vec::new(),
        stem: String::new(),
        attribution: String::new(),
        rows: Vec::new(),
        rows_name: field_name(&q.id, &["rows"]),
        rows_count: 0,
        can_add_rows: false,
        asks_about_risk: false,
    };
    match &q.kind {
        Kind::Text | Kind::LongText => {}
        Kind::Choice { choices } => {
            view.asks_about_risk = choices.iter().any(|c| c.risk);
            view.field = view.field.with_options(
                choices
                    .iter()
                    .map(|c| (c.value.clone(), c.label.clone()))
                    .collect(),
            );
        }
        Kind::Measure { measure } => {
            if let Some(m) = domain::measures::by_id(measure) {
                let answers: Vec<(String, String)> = domain::measures::CHOICES
                    .iter()
                    .map(|c| (c.value.to_string(), c.label.to_string()))
                    .collect();
                view.stem = m.stem.to_string();
                view.attribution = format!("{} {}", m.attribution, m.citation);
                view.asks_about_risk = m.risk_item.is_some();
                for (i, text) in m.items.iter().enumerate() {
                    let n = (i + 1).to_string();
                    let item = FieldView::new(
                        field_name(&q.id, &[&n]),
                        format!("{n}. {text}"),
                        String::new(),
                        values,
                        errors,
                    );
                    view.items.push(item.with_options(answers.clone()));
                }
                let difficulty = FieldView::new(
                    field_name(&q.id, &["difficulty"]),
                    m.difficulty.text.to_string(),
                    view::tr("hint-optional-question"),
                    values,
                    errors,
                );
                view.items.push(
                    difficulty.with_options(
                        m.difficulty
                            .choices
                            .iter()
                            .enumerate()
                            .map(|(i, c)| (i.to_string(), c.to_string()))
                            .collect(),
                    ),
                );
            }
        }
        Kind::People => {
            view.rows_count = rows;
            view.can_add_rows = rows < MAX_ROWS;
            view.rows = (1..=rows)
                .map(|row| row_view(&q.id, row, rows, values, errors))
                .collect();
        }
    }
    view
}

fn row_view(
    question: &str,
    row: usize,
    rows: usize,
    values: &Values,
    errors: &AnswerErrors,
) -> RowView {
    let r = row.to_string();
    let field = |f: &str, label_key: &str, hint_key: &str| {
        let hint = if hint_key.is_empty() {
            String::new()
        } else {
            view::tr(hint_key)
        };
        FieldView::new(
            field_name(question, &[&r, f]),
            view::tr(label_key),
            hint,
            values,
            errors,
        )
    };
    let mut relations = vec![(String::new(), view::tr("intake-choose"))];
    relations.extend(
        RELATIONS
            .iter()
            .map(|(v, _)| (v.to_string(), view::tr(&format!("relation-{v}")))),
    );
    let people: Vec<(String, String)> =
        std::iter::once((String::new(), view::tr("intake-link-none")))
            .chain(std::iter::once((
                "self".to_string(),
                view::tr("intake-link-self"),
            )))
            .chain((1..=rows).filter(|n| *n != row).map(|n| {
                let name = values
                    .get(&field_name(question, &[&n.to_string(), "name"]))
                    .filter(|v| !v.trim().is_empty());
                let label = match name {
                    Some(name) => i18n::t_with(
                        "intake-person-named",
                        &[("n", n.to_string()), ("name", name.trim().to_string())],
                    ),
                    None => tr_n("intake-person", n),
                };
                (format!("p{n}"), label)
            }))
            .collect();
    let link = |f: &str, key: &str| field(f, key, "").with_options(people.clone());
    let partner_of = link("partner_of", "intake-field-partner-of");
    let shared_parent = link("shared_parent", "intake-field-shared-parent");
    let other_parent = link("other_parent", "intake-field-other-parent");
    let separated = field("separated", "intake-field-separated", "");
    let links_open = [&partner_of, &shared_parent, &other_parent, &separated]
        .iter()
        .any(|f| !f.value.is_empty() || f.error.is_some());
    RowView {
        legend: tr_n("intake-person", row),
        relation: field("relation", "intake-field-relation", "").with_options(relations),
        name: field("name", "intake-field-name", "hint-intake-name"),
        gender: field("gender", "intake-field-gender", "").with_options(vec![
            (String::new(), view::tr("gender-unspecified")),
            ("female".into(), view::tr("gender-female")),
            ("male".into(), view::tr("gender-male")),
        ]),
        born: field("born", "intake-field-born", "hint-intake-born"),
        deceased: field("deceased", "intake-field-deceased", ""),
        home: field("home", "intake-field-home", ""),
        relationship: field("relationship", "intake-field-relationship", ""),
        partner_of,
        separated,
        shared_parent,
        other_parent,
        links_open,
    }
}

/// How many family rows to show: at least the default, one free below the last person, or as
/// many as "Add more rows" asked for.
fn rows_to_show(values: &Values, asked: Option<usize>) -> usize {
    let highest = values
        .keys()
        .filter_map(|k| {
            let mut parts = k.split('.');
            (parts.next() == Some("q"))
                .then(|| parts.nth(1)?.parse::<usize>().ok())
                .flatten()
        })
        .max()
        .unwrap_or(0);
    DEFAULT_ROWS
        .max(highest + 1)
        .max(asked.unwrap_or(0))
        .min(MAX_ROWS)
}

/// One part of the questionnaire in the list at the foot of the form.
pub struct StepView {
    pub index: usize,
    pub title: String,
    pub current: bool,
}

/// A page of a questionnaire being filled in.
pub struct FormPage {
    pub title: String,
    pub intro: String,
    pub action: String,
    pub index: usize,
    pub section_title: String,
    pub section_help: String,
    pub questions: Vec<QuestionView>,
    pub steps: Vec<StepView>,
    pub is_last: bool,
    pub step_text: String,
    pub progress_text: String,
    pub answered: usize,
    pub total: usize,
    pub risk: bool,
    /// HTML, escaped by its own template.
    pub crisis_contacts: String,
    pub saved: bool,
    pub errors: Vec<(String, String)>,
    pub therapist: String,
    /// The autosave status texts, for the script.
    pub saving: String,
    pub saved_text: String,
    pub failed: String,
}

pub(crate) fn progress_text(p: Progress) -> String {
    i18n::t_with(
        "intake-progress",
        &[
            ("answered", p.answered.to_string()),
            ("total", p.total.to_string()),
        ],
    )
}

pub(crate) fn form_page(
    filling: &Filling,
    index: usize,
    values: &Values,
    errors: &AnswerErrors,
    rows: Option<usize>,
    saved: bool,
) -> FormPage {
    let def = &filling.questionnaire.definition;
    let index = index.min(def.sections.len().saturating_sub(1));
    let nothing = Section {
        id: String::new(),
        title: String::new(),
        help: String::new(),
        questions: Vec::new(),
    };
    let section = def.sections.get(index).unwrap_or(&nothing);
    let rows = rows_to_show(values, rows);
    FormPage {
        title: def.title.clone(),
        intro: if index == 0 {
            def.intro.clone()
        } else {
            String::new()
        },
        action: format!("/portal/questionnaires/{}", filling.response.info.id),
        index,
        section_title: section.title.clone(),
        section_help: section.help.clone(),
        questions: section
            .questions
            .iter()
            .map(|q| question_view(q, values, errors, rows))
            .collect(),
        steps: def
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| StepView {
                index: i,
                title: s.title.clone(),
                current: i == index,
            })
            .collect(),
        is_last: index + 1 == def.sections.len(),
        step_text: i18n::t_with(
            "intake-step",
            &[
                ("n", (index + 1).to_string()),
                ("total", def.sections.len().to_string()),
            ],
        ),
        progress_text: progress_text(filling.progress),
        answered: filling.progress.answered,
        total: filling.progress.total.max(1),
        risk: filling.risk,
        crisis_contacts: crate::view::crisis_html(&filling.crisis_contacts),
        saved,
        errors: errors
            .iter()
            .map(|(f, m)| (field_id(f), view::tr(m)))
            .collect(),
        therapist: filling.case.therapist.name.clone(),
        saving: view::tr("intake-autosave-saving"),
        saved_text: view::tr("intake-autosave-saved"),
        failed: view::tr("intake-autosave-failed"),
    }
}

/// A response read back: each question with its answer, in the words of its own version.
pub struct ReadItemView {
    pub label: String,
    pub kind: &'static str,
    pub text: String,
    pub lines: Vec<String>,
    /// A measure's items with the answer chosen.
    pub items: Vec<(String, String)>,
    pub stem: String,
    pub difficulty: (String, String),
    pub score: String,
    pub attribution: String,
    pub risk: bool,
}

pub struct ReadSectionView {
    pub title: String,
    pub items: Vec<ReadItemView>,
}

/// `therapist`: the therapist sees a measure's total and band and which answers need their
/// attention; the patient sees their answers (the mark is the therapist's, not theirs to carry).
pub(crate) fn read_view(sections: &[ReadSection], therapist: bool) -> Vec<ReadSectionView> {
    let skipped = view::tr("intake-skipped");
    sections
        .iter()
        .map(|s| ReadSectionView {
            title: s.title.clone(),
            items: s
                .items
                .iter()
                .map(|item| {
                    let mut v = ReadItemView {
                        label: item.label.clone(),
                        kind: "text",
                        text: String::new(),
                        lines: Vec::new(),
                        items: Vec::new(),
                        stem: String::new(),
                        difficulty: (String::new(), String::new()),
                        score: String::new(),
                        attribution: String::new(),
                        risk: therapist && item.risk,
                    };
                    match &item.answer {
                        ReadAnswer::Skipped => {
                            v.kind = "skipped";
                            v.text = skipped.clone();
                        }
                        ReadAnswer::Text { text } => v.text = text.clone(),
                        ReadAnswer::People { sentences } => {
                            v.kind = "people";
                            v.lines = sentences.clone();
                        }
                        ReadAnswer::Measure {
                            measure,
                            stem,
                            items,
                            difficulty_question,
                            difficulty,
                            score,
                            attribution,
                            title,
                        } => {
                            let max = domain::measures::by_id(measure)
                                .map_or(0, domain::measures::Measure::max_total);
                            v.kind = "measure";
                            v.stem = stem.to_string();
                            v.items = items
                                .iter()
                                .map(|(t, a)| {
                                    (
                                        t.to_string(),
                                        a.map_or_else(|| skipped.clone(), str::to_string),
                                    )
                                })
                                .collect();
                            v.difficulty = (
                                difficulty_question.to_string(),
                                difficulty.map_or_else(|| skipped.clone(), str::to_string),
                            );
                            v.attribution = attribution.to_string();
                            if therapist {
                                v.score = match score {
                                    Some(s) => i18n::t_with(
                                        "intake-score",
                                        &[
                                            ("measure", title.to_string()),
                                            ("total", s.total.to_string()),
                                            ("max", max.to_string()),
                                            (
                                                "severity",
                                                app::i18n::names::severity(
                                                    i18n::lang(),
                                                    s.severity,
                                                ),
                                            ),
                                        ],
                                    ),
                                    None => i18n::t_with(
                                        "intake-score-incomplete",
                                        &[
                                            ("measure", title.to_string()),
                                            (
                                                "answered",
                                                items
                                                    .iter()
                                                    .filter(|(_, a)| a.is_some())
                                                    .count()
                                                    .to_string(),
                                            ),
                                            ("items", items.len().to_string()),
                                        ],
                                    ),
                                };
                            }
                        }
                    }
                    v
                })
                .collect(),
        })
        .collect()
}
