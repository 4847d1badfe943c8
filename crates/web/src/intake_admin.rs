//! The therapist's side of questionnaires: the case page's section (what was sent, what needs
//! attention, "send"), one response read in its own version's words, and the list and editor of
//! the therapist's own copies.

use super::{read_view, FieldView, ReadSectionView, Values};
use crate::error::WebResult;
use crate::extract::Path;
use crate::extract::{Caller, Csrf, CsrfForm, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome};
use crate::{i18n, WebState};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ids::CaseId;
use domain::intake::{AnswerErrors, Kind, Questionnaire, QuestionnaireId, ResponseId};
use serde::Deserialize;

/// A response in the case's list.
pub struct CaseResponseRow {
    pub href: String,
    pub title: String,
    pub version: String,
    pub state: String,
    pub when: String,
    pub risk: bool,
}

/// The case page's "Questionnaires".
pub struct CaseSection {
    pub case_id: String,
    pub attention: Option<(String, String)>,
    pub responses: Vec<CaseResponseRow>,
    pub offered: Vec<(String, String)>,
}

/// What the case page shows of the case's questionnaires (its therapist only).
pub(crate) async fn case_section(
    state: &WebState,
    actor: &app::Actor,
    case: &CaseId,
) -> WebResult<CaseSection> {
    let qs = state.app.case_questionnaires(actor, case).await?;
    let viewer = Viewer::of(actor);
    let when = |at: &jiff::Timestamp| viewer.date_time(at);
    Ok(CaseSection {
        case_id: case.to_string(),
        attention: qs.attention.as_ref().map(|a| {
            (
                format!("/admin/responses/{}", a.response),
                i18n::t_with("intake-attention-since", &[("date", when(&a.raised_at))]),
            )
        }),
        responses: qs
            .responses
            .iter()
            .rev()
            .map(|r| CaseResponseRow {
                href: format!("/admin/responses/{}", r.id),
                title: r.title.clone(),
                version: i18n::t_with("intake-version", &[("n", r.version.to_string())]),
                state: view::tr(&format!("intake-state-{}", r.state())),
                when: when(&r.submitted_at.unwrap_or(r.updated_at)),
                risk: r.risk_raised,
            })
            .collect(),
        offered: qs
            .offered
            .iter()
            .map(|q| (q.key.clone(), q.title().to_string()))
            .collect(),
    })
}

/// The therapist's cases with a response that needs attention, for the patients list.
pub(crate) async fn attention_ids(state: &WebState, actor: &app::Actor) -> WebResult<Vec<String>> {
    Ok(state
        .app
        .cases_needing_attention(actor)
        .await?
        .into_iter()
        .map(|c| c.to_string())
        .collect())
}

#[derive(Deserialize)]
pub struct SendInput {
    #[serde(default)]
    questionnaire: String,
}

/// POST /admin/cases/{id}/questionnaires: sends a questionnaire to the case's patient.
pub async fn send(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<CaseId>,
    CsrfForm(input): CsrfForm<SendInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    state
        .app
        .send_questionnaire(&actor, &id, &input.questionnaire)
        .await?;
    Ok(Redirect::to(&format!("/admin/cases/{id}#questionnaires")).into_response())
}

/// POST /admin/cases/{id}/attention: "I have seen it".
pub async fn seen(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<CaseId>,
    CsrfForm(_): CsrfForm<crate::extract::NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    state.app.attention_seen(&actor, &id).await?;
    Ok(Redirect::to(&format!("/admin/cases/{id}#questionnaires")).into_response())
}

#[derive(Template)]
#[template(path = "intake_admin_response.html")]
struct ResponseTemplate {
    chrome: AdminChrome,
    case_href: String,
    version: String,
    state: String,
    dates: String,
    risk: bool,
    attention: bool,
    sections: Vec<ReadSectionView>,
}

/// GET /admin/responses/{id}: one response, in the words of the version it answered.
pub async fn response(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<ResponseId>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let a = state.app.read_response(&actor, &id).await?;
    let info = &a.response.info;
    let title = format!("{} · {}", a.questionnaire.title(), a.case.patient.name);
    let chrome = AdminChrome::new(&state, &actor, title, "patients", csrf).await;
    let dates = match info.submitted_at {
        Some(at) => i18n::t_with("intake-sent-at", &[("date", chrome.when(&at))]),
        None => i18n::t_with(
            "intake-updated-at",
            &[("date", chrome.when(&info.updated_at))],
        ),
    };
    Ok(Html(render(ResponseTemplate {
        case_href: format!("/admin/cases/{}", a.case.id),
        version: i18n::t_with(
            "intake-version-of",
            &[
                ("n", info.version.to_string()),
                ("title", a.questionnaire.title().to_string()),
            ],
        ),
        state: view::tr(&format!("intake-state-{}", info.state())),
        dates,
        risk: a.risk,
        attention: a.marked,
        sections: read_view(&a.sections, true),
        chrome,
    })?)
    .into_response())
}

/// One questionnaire in the list.
pub struct ListRow {
    pub href: String,
    pub title: String,
    pub source: String,
    pub copy_id: Option<String>,
}

#[derive(Template)]
#[template(path = "intake_admin_list.html")]
struct ListTemplate {
    chrome: AdminChrome,
    rows: Vec<ListRow>,
}

/// GET /admin/questionnaires: the built-in questionnaires and the therapist's own copies.
pub async fn list(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let all = state.app.questionnaires(&actor).await?;
    let rows = all
        .iter()
        .map(|q| {
            let has_own = all.iter().any(|o| o.key == q.key && !o.is_builtin());
            ListRow {
                href: format!("/admin/questionnaires/{}", q.id),
                title: q.title().to_string(),
                source: if q.is_builtin() {
                    view::tr(if q.can_be_copied() {
                        "intake-source-builtin"
                    } else {
                        "intake-source-measure"
                    })
                } else {
                    i18n::t_with("intake-source-own", &[("n", q.version.to_string())])
                },
                copy_id: (q.is_builtin() && q.can_be_copied() && !has_own)
                    .then(|| q.id.to_string()),
            }
        })
        .collect();
    let chrome = AdminChrome::new(
        &state,
        &actor,
        view::tr("intake-admin-title"),
        "patients",
        csrf,
    )
    .await;
    Ok(Html(render(ListTemplate { chrome, rows })?).into_response())
}

/// POST /admin/questionnaires/{id}/copy: "Make my own copy".
pub async fn copy(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<QuestionnaireId>,
    CsrfForm(_): CsrfForm<crate::extract::NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let copy = state.app.copy_questionnaire(&actor, &id).await?;
    Ok(Redirect::to(&format!("/admin/questionnaires/{copy}")).into_response())
}

/// A question in the editor.
pub struct EditQuestion {
    pub kind: String,
    pub label: FieldView,
    pub help: FieldView,
    pub order: FieldView,
    pub remove: Option<FieldView>,
    /// A measure: shown, never edited.
    pub fixed: bool,
}

pub struct EditSection {
    pub title: FieldView,
    pub help: FieldView,
    pub questions: Vec<EditQuestion>,
    pub new_label: FieldView,
    pub new_kind: FieldView,
}

#[derive(Template)]
#[template(path = "intake_admin_editor.html")]
struct EditorTemplate {
    chrome: AdminChrome,
    id: String,
    version: String,
    own: bool,
    copyable: bool,
    saved: bool,
    title: FieldView,
    intro: FieldView,
    sections: Vec<EditSection>,
    errors: Vec<(String, String)>,
}

/// The editor's fields as the definition fills them.
fn editor_values(q: &Questionnaire) -> Values {
    let d = &q.definition;
    let mut v = Values::new();
    v.insert("title".into(), d.title.clone());
    v.insert("intro".into(), d.intro.clone());
    for s in &d.sections {
        v.insert(format!("s.{}.title", s.id), s.title.clone());
        v.insert(format!("s.{}.help", s.id), s.help.clone());
        for (i, question) in s.questions.iter().enumerate() {
            v.insert(format!("q.{}.label", question.id), question.label.clone());
            v.insert(format!("q.{}.help", question.id), question.help.clone());
            v.insert(format!("q.{}.order", question.id), (i + 1).to_string());
        }
    }
    v
}

/// The editor's form as it is shown: the values, what was refused, whether it was just saved.
struct Typed {
    values: Values,
    errors: AnswerErrors,
    saved: bool,
}

async fn editor_page(
    state: &WebState,
    actor: &app::Actor,
    q: Questionnaire,
    csrf: String,
    typed: Typed,
    status: StatusCode,
) -> WebResult<Response> {
    let Typed {
        values,
        errors,
        saved,
    } = typed;
    let user = actor.user().map(|u| u.id.clone());
    let own = q.therapist.is_some() && q.therapist == user;
    let f = |name: String, key: &str, hint: &str| {
        let hint = if hint.is_empty() {
            String::new()
        } else {
            view::tr(hint)
        };
        FieldView::new(name, view::tr(key), hint, &values, &errors)
    };
    let sections = q
        .definition
        .sections
        .iter()
        .map(|s| EditSection {
            title: f(format!("s.{}.title", s.id), "intake-edit-section-title", ""),
            help: f(format!("s.{}.help", s.id), "intake-edit-section-help", ""),
            questions: s
                .questions
                .iter()
                .map(|question| {
                    let qf =
                        |field: &str, key: &str| f(format!("q.{}.{field}", question.id), key, "");
                    EditQuestion {
                        kind: view::tr(&format!("intake-kind-{}", question.kind.as_str())),
                        label: {
                            let mut l = qf("label", "intake-edit-label");
                            if matches!(question.kind, Kind::Measure { .. }) {
                                l.value = question.label.clone();
                            }
                            l
                        },
                        help: qf("help", "intake-edit-help"),
                        order: qf("order", "intake-edit-order"),
                        remove: question
                            .kind
                            .is_text()
                            .then(|| qf("remove", "intake-edit-remove")),
                        fixed: matches!(question.kind, Kind::Measure { .. }),
                    }
                })
                .collect(),
            new_label: f(
                format!("s.{}.new_label", s.id),
                "intake-edit-new",
                "hint-intake-edit-new",
            ),
            new_kind: f(format!("s.{}.new_kind", s.id), "intake-edit-new-kind", "").with_options(
                vec![
                    ("long_text".into(), view::tr("intake-kind-long_text")),
                    ("text".into(), view::tr("intake-kind-text")),
                ],
            ),
        })
        .collect();
    let chrome = AdminChrome::new(state, actor, q.title().to_string(), "patients", csrf).await;
    let version = if q.is_builtin() {
        view::tr(if q.can_be_copied() {
            "intake-source-builtin"
        } else {
            "intake-source-measure"
        })
    } else {
        i18n::t_with("intake-source-own", &[("n", q.version.to_string())])
    };
    let template = EditorTemplate {
        id: q.id.to_string(),
        version,
        own,
        copyable: q.is_builtin() && q.can_be_copied(),
        saved,
        title: f("title".into(), "intake-edit-title", ""),
        intro: f("intro".into(), "intake-edit-intro", ""),
        sections,
        errors: errors
            .iter()
            .map(|(field, m)| (domain::intake::field_id(field), view::tr(m)))
            .collect(),
        chrome,
    };
    Ok((status, Html(render(template)?)).into_response())
}

#[derive(Deserialize, Default)]
pub struct EditorQuery {
    saved: Option<String>,
}

/// GET /admin/questionnaires/{id}: a built-in questionnaire to read (and copy), or one's own to edit.
pub async fn editor(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<QuestionnaireId>,
    axum::extract::Query(query): axum::extract::Query<EditorQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let q = state.app.questionnaire(&actor, &id).await?;
    let values = editor_values(&q);
    editor_page(
        &state,
        &actor,
        q,
        csrf,
        Typed {
            values,
            errors: AnswerErrors::default(),
            saved: query.saved.is_some(),
        },
        StatusCode::OK,
    )
    .await
}

/// POST /admin/questionnaires/{id}: a changed copy is saved as its next version.
pub async fn save_edit(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<QuestionnaireId>,
    CsrfForm(posted): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let fields: Values = posted.into_iter().filter(|(k, _)| k != "csrf").collect();
    match state.app.edit_questionnaire(&actor, &id, &fields).await? {
        Ok(version) => Ok(
            Redirect::to(&format!("/admin/questionnaires/{}?saved=1", version.id)).into_response(),
        ),
        Err(errors) => {
            let q = state.app.questionnaire(&actor, &id).await?;
            let mut values = editor_values(&q);
            values.extend(fields);
            editor_page(
                &state,
                &actor,
                q,
                csrf,
                Typed {
                    values,
                    errors,
                    saved: false,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The cases whose "needs attention" mark is not yet seen, for the patients list.
#[derive(Default)]
pub struct AttentionSet(Vec<String>);

impl AttentionSet {
    pub fn has(&self, case: &CaseId) -> bool {
        self.0.iter().any(|c| c == case.as_str())
    }
}

/// The actor's cases with a response that needs their attention.
pub(crate) async fn attention_set(state: &WebState, actor: &app::Actor) -> WebResult<AttentionSet> {
    Ok(AttentionSet(attention_ids(state, actor).await?))
}
