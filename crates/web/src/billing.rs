//! Billing's pages: the therapist's overview and run, the billing details and the practice's
//! currency, the accountant's file, a case's fee and documents. An invoice's own page is in
//! `invoices`, bank statements in `statements`, the patient's side in `portal_invoices`.

use crate::error::WebResult;
use crate::extract::{Caller, Csrf, CsrfForm, NoFields, Path, Viewer};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::{i18n, WebState};
use app::billing::Invoice;
use app::AppError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ids::CaseId;
use domain::invoice::{Kind, ProfileInput};
use jiff::civil::Date;
use serde::Deserialize;

/// One document as a list shows it: (page, number or "draft", patient, date, amount, standing).
type Row = (String, String, String, String, String, String);

pub(crate) fn standing_text(i: &Invoice) -> String {
    if i.is_draft() {
        return view::tr("billing-standing-draft");
    }
    if i.kind == Kind::CreditNote {
        return view::tr("billing-standing-credit-note");
    }
    view::tr(&format!(
        "billing-standing-{}",
        domain::invoice::standing(i.total, i.credited, i.paid).as_str()
    ))
}

fn row(r: &app::i18n::format::Reader, i: &Invoice, patient: &str, base: &str) -> Row {
    (
        format!("{base}/{}", i.id),
        i.number
            .clone()
            .unwrap_or_else(|| view::tr("billing-draft")),
        patient.to_string(),
        r.civil_date(i.issued_on.unwrap_or(i.period.0)),
        r.money(
            if i.kind == Kind::CreditNote {
                -i.total
            } else {
                i.total
            },
            &i.currency,
        ),
        standing_text(i),
    )
}

#[derive(Template)]
#[template(path = "admin_billing.html")]
struct OverviewPage {
    chrome: AdminChrome,
    notice: String,
    profile_complete: bool,
    form: Form,
    drafts: Vec<Row>,
    issued: Vec<Row>,
    /// (month, invoiced, received)
    months: Vec<(String, String, String)>,
    totals: (String, String, String, String),
    /// (case billing page, patient, balance)
    balances: Vec<(String, String, String)>,
    year: i16,
    export_from: String,
    export_to: String,
    /// (statement page, when, credits)
    imports: Vec<(String, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct OverviewQuery {
    year: Option<i16>,
    drafts: Option<usize>,
    sessions: Option<usize>,
    nofee: Option<usize>,
}

async fn overview_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    q: OverviewQuery,
    form: Option<Form>,
    status: StatusCode,
) -> WebResult<Response> {
    let o = state.app.billing_overview(actor, q.year).await?;
    let r = Viewer::of(actor);
    let money = |v: i64| r.money(v, &o.currency);
    let notice = match (q.drafts, q.sessions) {
        (Some(d), Some(s)) => {
            let mut text = i18n::t_with(
                "billing-prepared",
                &[("drafts", d.to_string()), ("sessions", s.to_string())],
            );
            if q.nofee.unwrap_or(0) > 0 {
                text.push(' ');
                text.push_str(&view::tr("billing-prepared-nofee"));
            }
            text
        }
        _ => String::new(),
    };
    let months = o
        .months
        .iter()
        .filter(|(_, i, p)| *i != 0 || *p != 0)
        .map(|(m, i, p)| (view::tr(&format!("month-{m}")), money(*i), money(*p)))
        .collect();
    let imports = state
        .app
        .statement_imports(actor)
        .await?
        .into_iter()
        .map(|(id, _, n, at)| {
            (
                format!("/admin/billing/statements/{id}"),
                r.date(&at),
                n.to_string(),
            )
        })
        .collect();
    let run_month = o.run_month.strftime("%Y-%m").to_string();
    let page = OverviewPage {
        chrome: AdminChrome::new(state, actor, view::tr("billing-title"), "billing", csrf).await,
        notice,
        profile_complete: o.profile_complete,
        form: form
            .unwrap_or_else(|| Form::default().with("month", run_month))
            .labelled("month", "field-billing-month"),
        drafts: o
            .drafts
            .iter()
            .map(|(i, n)| row(&r, i, n, "/admin/billing/invoices"))
            .collect(),
        issued: o
            .issued
            .iter()
            .map(|(i, n)| row(&r, i, n, "/admin/billing/invoices"))
            .collect(),
        months,
        totals: (
            money(o.invoiced_year),
            money(o.received_year),
            money(o.outstanding),
            money(o.overdue),
        ),
        balances: o
            .balances
            .iter()
            .map(|(c, n, b)| (format!("/admin/cases/{c}/billing"), n.clone(), money(*b)))
            .collect(),
        year: o.year,
        export_from: format!("{}-01-01", o.year),
        export_to: format!("{}-12-31", o.year),
        imports,
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /admin/billing
pub async fn overview(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<OverviewQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    overview_page(&state, &actor, csrf, q, None, StatusCode::OK).await
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct RunForm {
    #[serde(default)]
    month: String,
}

/// POST /admin/billing/run: drafts for a month's sessions.
pub async fn run(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(form): CsrfForm<RunForm>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let month = format!("{}-01", form.month.trim()).parse::<Date>();
    let result = match month {
        Ok(m) => state.app.prepare_invoices(&actor, m).await,
        Err(_) => Err(AppError::field("month", "error-billing-month")),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!(
            "/admin/billing?drafts={}&sessions={}&nofee={}",
            p.drafts, p.sessions, p.without_fee
        ))
        .into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let typed = Form::from_input(&form, errors);
            overview_page(
                &state,
                &actor,
                csrf,
                OverviewQuery::default(),
                Some(typed),
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_billing_profile.html")]
struct ProfilePage {
    chrome: AdminChrome,
    form: Form,
    /// The practice's currency, for its owner to change (`None`: not the owner).
    currency: Option<Form>,
    papers: Vec<(String, String)>,
    cadences: Vec<(String, String)>,
    saved: bool,
}

async fn profile_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    form: Option<Form>,
    currency: Option<Form>,
    saved: bool,
    status: StatusCode,
) -> WebResult<Response> {
    let currency = if app::policy::can(actor, app::policy::Action::ManagePractice)
        == app::policy::Decision::Allow
    {
        let current = state.app.currency().await?;
        Some(
            currency
                .unwrap_or_else(|| Form::default().with("currency", current))
                .labelled("currency", "field-currency"),
        )
    } else {
        None
    };
    let form = match form {
        Some(f) => f,
        None => {
            let input = state.app.billing_profile(actor).await?.map_or_else(
                || ProfileInput {
                    payment_days: "14".into(),
                    paper: "a4".into(),
                    cadence: "monthly".into(),
                    ..ProfileInput::default()
                },
                |p| ProfileInput::from(&p),
            );
            Form::from_input(&input, domain::FieldErrors::default())
        }
    };
    let form = [
        "issuer",
        "address",
        "tax_id",
        "registration",
        "country",
        "account_holder",
        "iban",
        "bic",
        "exemption",
        "payment_days",
        "paper",
        "cadence",
        "reminder_days",
        "number_prefix",
    ]
    .into_iter()
    .fold(form, |f, name| {
        f.labelled(name, &format!("field-billing-{name}"))
    });
    let page = ProfilePage {
        chrome: AdminChrome::new(
            state,
            actor,
            view::tr("billing-profile-title"),
            "billing",
            csrf,
        )
        .await,
        form,
        currency,
        papers: ["a4", "letter"]
            .into_iter()
            .map(|p| (p.to_string(), view::tr(&format!("billing-paper-{p}"))))
            .collect(),
        cadences: ["monthly", "per_session"]
            .into_iter()
            .map(|p| (p.to_string(), view::tr(&format!("billing-cadence-{p}"))))
            .collect(),
        saved,
    };
    Ok((status, Html(render(page)?)).into_response())
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<u8>,
}

/// GET /admin/billing/profile
pub async fn profile(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<SavedQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    profile_page(
        &state,
        &actor,
        csrf,
        None,
        None,
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

/// POST /admin/billing/profile
pub async fn save_profile(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<ProfileInput>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.save_billing_profile(&actor, &input).await {
        Ok(()) => Ok(Redirect::to("/admin/billing/profile?saved=1").into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            profile_page(
                &state,
                &actor,
                csrf,
                Some(Form::from_input(&input, errors)),
                None,
                false,
                status,
            )
            .await
        }
    }
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct CurrencyForm {
    #[serde(default)]
    currency: String,
}

/// POST /admin/billing/currency: the practice's currency (the owner's).
pub async fn set_currency(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<CurrencyForm>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state.app.set_currency(&actor, &input.currency).await {
        Ok(()) => Ok(Redirect::to("/admin/billing/profile?saved=1").into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let typed = Form::from_input(&input, errors);
            profile_page(&state, &actor, csrf, None, Some(typed), false, status).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// GET /admin/billing/export.csv?from=…&to=…
pub async fn export(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Query(q): Query<ExportQuery>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let today = Viewer::of(&actor).local_date(&state.app.now());
    let from = q
        .from
        .parse::<Date>()
        .unwrap_or_else(|_| Date::new(today.year(), 1, 1).unwrap_or(today));
    let to = q.to.parse::<Date>().unwrap_or(today);
    let csv = state.app.accountant_csv(&actor, from, to).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"billing-{from}-{to}.csv\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        csv,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "admin_case_billing.html")]
struct CaseBillingPage {
    chrome: AdminChrome,
    case_id: String,
    form: Form,
    fee_hint: String,
    documents: Vec<Row>,
    balance: String,
    /// The "For insurers" section, for a practice in the United States only.
    us: Option<UsSection>,
    /// (code, text) of the places of service.
    places: Vec<(String, String)>,
}

/// The case page's "For insurers" section: the details form, the estimate form, the estimates.
struct UsSection {
    claims: Form,
    estimate: Form,
    /// (link, date, total) of the estimates given, newest first.
    estimates: Vec<(String, String, String)>,
}

/// Which of the case billing page's forms comes back with what was typed.
pub(crate) enum Typed {
    Nothing,
    Terms(Form),
    Claims(Form),
    Estimate(Form),
}

fn us_section(
    r: &app::i18n::format::Reader,
    c: app::billing::claims::CaseClaims,
    fee: Option<i64>,
    typed: &mut Typed,
) -> UsSection {
    let digits = domain::money::minor_digits(&c.currency);
    let claims = match std::mem::replace(typed, Typed::Nothing) {
        Typed::Claims(f) => f,
        other => {
            *typed = other;
            Form::from_input(
                &domain::claims::ClaimsInput::from(&c.claims),
                domain::FieldErrors::default(),
            )
        }
    };
    let estimate = match std::mem::replace(typed, Typed::Nothing) {
        Typed::Estimate(f) => f,
        other => {
            *typed = other;
            let fee = fee
                .map(|f| domain::money::plain(f, digits))
                .unwrap_or_default();
            Form::default()
                .with("code_1", "90791")
                .with("fee_1", fee.clone())
                .with("sessions_1", "1")
                .with("code_2", "90837")
                .with("fee_2", fee)
                .with("period_from", c.today.to_string())
                .with(
                    "period_to",
                    domain::claims::longest_period_end(c.today).to_string(),
                )
        }
    };
    let estimate = (1..=domain::claims::SERVICES_MAX).fold(estimate, |f, n| {
        f.labelled(&format!("code_{n}"), "field-estimate-code")
            .labelled(&format!("fee_{n}"), "field-estimate-fee")
            .labelled(&format!("sessions_{n}"), "field-estimate-sessions")
    });
    UsSection {
        claims,
        estimate,
        estimates: c
            .estimates
            .iter()
            .map(|e| {
                (
                    format!("/admin/billing/estimates/{}", e.id),
                    r.date(&e.created_at),
                    r.money(e.total, &c.currency),
                )
            })
            .collect(),
    }
}

/// The places of service a US superbill may name: (code, text).
fn place_options() -> Vec<(String, String)> {
    domain::claims::Place::ALL
        .iter()
        .map(|p| {
            (
                p.code().to_string(),
                view::tr(&format!("claims-place-{}", p.code())),
            )
        })
        .collect()
}

pub(crate) async fn case_billing_page(
    state: &WebState,
    actor: &app::Actor,
    id: &CaseId,
    csrf: String,
    mut typed: Typed,
    status: StatusCode,
) -> WebResult<Response> {
    let b = state.app.case_billing(actor, id).await?;
    let r = Viewer::of(actor);
    let us = state
        .app
        .case_claims(actor, id)
        .await?
        .map(|c| us_section(&r, c, b.terms.fee.or(b.type_fee), &mut typed));
    let form = match typed {
        Typed::Terms(f) => Some(f),
        _ => None,
    };
    let digits = domain::money::minor_digits(&b.currency);
    let form = form
        .unwrap_or_else(|| {
            Form::default()
                .with(
                    "fee",
                    b.terms
                        .fee
                        .map(|f| domain::money::plain(f, digits))
                        .unwrap_or_default(),
                )
                .with("recipient", b.terms.recipient.clone())
        })
        .labelled("fee", "field-case-fee")
        .labelled("recipient", "field-case-recipient");
    let fee_hint = match (b.agreed_fee, b.type_fee) {
        (Some(f), _) => i18n::t_with("hint-case-fee-agreed", &[("fee", r.money(f, &b.currency))]),
        (None, Some(f)) => i18n::t_with("hint-case-fee", &[("fee", r.money(f, &b.currency))]),
        (None, None) => view::tr("hint-case-fee-none"),
    };
    let page = CaseBillingPage {
        chrome: AdminChrome::new(
            state,
            actor,
            i18n::t_with("billing-case-title", &[("name", b.patient.clone())]),
            "billing",
            csrf,
        )
        .await,
        case_id: id.to_string(),
        form,
        fee_hint,
        documents: b
            .invoices
            .iter()
            .map(|i| row(&r, i, &b.patient, "/admin/billing/invoices"))
            .collect(),
        balance: r.money(b.balance, &b.currency),
        us,
        places: place_options(),
    };
    Ok((status, Html(render(page)?)).into_response())
}

/// GET /admin/cases/{id}/billing
pub async fn case_billing(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    case_billing_page(&state, &actor, &id, csrf, Typed::Nothing, StatusCode::OK).await
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct TermsForm {
    #[serde(default)]
    fee: String,
    #[serde(default)]
    recipient: String,
}

/// POST /admin/cases/{id}/billing
pub async fn save_terms(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<CaseId>,
    CsrfForm(form): CsrfForm<TermsForm>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    match state
        .app
        .save_case_terms(&actor, &id, &form.fee, &form.recipient)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/cases/{id}/billing")).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            case_billing_page(
                &state,
                &actor,
                &id,
                csrf,
                Typed::Terms(Form::from_input(&form, errors)),
                status,
            )
            .await
        }
    }
}

/// POST /admin/cases/{id}/billing/new: an empty draft for this case.
pub async fn new_invoice(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<CaseId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.enter_admin(&actor).await?;
    let invoice = state.app.new_invoice(&actor, &id).await?;
    Ok(Redirect::to(&format!("/admin/billing/invoices/{invoice}")).into_response())
}
