//! The admin's writing desk: articles, FAQ pages and plain pages; image uploads.

use crate::error::{WebError, WebResult};
use crate::extract::NoFields;
use crate::extract::Path;
use crate::extract::{csrf_matches, Caller, Csrf, CsrfForm};
use crate::site::render;
use crate::view::{self, AdminChrome, Form};
use crate::WebState;
use app::AppError;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::content::{DraftInput, ImageInfo, Page, PageKind};
use domain::ids::PageId;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct KindQuery {
    kind: Option<String>,
    saved: Option<String>,
}

fn kind_of(raw: Option<&str>) -> PageKind {
    raw.and_then(PageKind::parse).unwrap_or(PageKind::Article)
}

fn section(kind: PageKind) -> &'static str {
    kind.as_str()
}

fn list_title(kind: PageKind) -> String {
    view::tr(match kind {
        PageKind::Article => "admin-articles",
        PageKind::Faq => "admin-faq",
        PageKind::Page => "admin-pages",
    })
}

#[derive(Template)]
#[template(path = "admin_pages.html")]
struct ListTemplate {
    chrome: AdminChrome,
    kind: &'static str,
    pages: Vec<Page>,
}

pub async fn list(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<KindQuery>,
) -> WebResult<Response> {
    let kind = kind_of(q.kind.as_deref());
    let pages = state.app.all_pages(&actor, kind).await?;
    let chrome = AdminChrome::new(&state, &actor, list_title(kind), section(kind), csrf).await;
    Ok(Html(render(ListTemplate {
        chrome,
        kind: kind.as_str(),
        pages,
    })?)
    .into_response())
}

#[derive(Template)]
#[template(path = "admin_page_edit.html")]
struct EditTemplate {
    chrome: AdminChrome,
    kind: &'static str,
    page: Option<Page>,
    action: String,
    form: Form,
    preview: Option<String>,
    saved: bool,
}

struct Editor<'a> {
    kind: PageKind,
    page: Option<Page>,
    form: Form,
    preview: Option<String>,
    saved: bool,
    status: StatusCode,
    csrf: String,
    actor: &'a app::Actor,
}

async fn editor(state: &WebState, e: Editor<'_>) -> WebResult<Response> {
    let title = match &e.page {
        Some(p) => crate::i18n::t_with("pages-edit-title", &[("title", p.title.clone())]),
        None => view::tr(&format!("pages-new-{}", e.kind.as_str())),
    };
    let action = e.page.as_ref().map_or_else(
        || "/admin/pages".into(),
        |p| format!("/admin/pages/{}", p.id),
    );
    let chrome = AdminChrome::new(state, e.actor, title, section(e.kind), e.csrf).await;
    let html = render(EditTemplate {
        chrome,
        kind: e.kind.as_str(),
        page: e.page,
        action,
        form: e.form,
        preview: e.preview,
        saved: e.saved,
    })?;
    Ok((e.status, Html(html)).into_response())
}

fn form_of(page: &Page) -> Form {
    Form::default()
        .with("title", page.title.clone())
        .with("slug", page.slug.clone())
        .with("description", page.description.clone())
        .with("body", page.body.clone())
        .with(
            "tags",
            page.tags
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
        .with("position", page.position.to_string())
}

pub async fn new_form(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Query(q): Query<KindQuery>,
) -> WebResult<Response> {
    let kind = kind_of(q.kind.as_deref());
    state.app.start_draft(&actor).await?;
    editor(
        &state,
        Editor {
            kind,
            page: None,
            form: Form::default(),
            preview: None,
            saved: false,
            status: StatusCode::OK,
            csrf,
            actor: &actor,
        },
    )
    .await
}

pub async fn edit_form(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<PageId>,
    Query(q): Query<KindQuery>,
) -> WebResult<Response> {
    let page = state.app.page_for_editing(&actor, &id).await?;
    let form = form_of(&page);
    editor(
        &state,
        Editor {
            kind: page.kind,
            page: Some(page),
            form,
            preview: None,
            saved: q.saved.is_some(),
            status: StatusCode::OK,
            csrf,
            actor: &actor,
        },
    )
    .await
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct EditInput {
    #[serde(flatten)]
    draft: DraftInput,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    action: String,
}

pub async fn create(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    CsrfForm(input): CsrfForm<EditInput>,
) -> WebResult<Response> {
    let kind = kind_of(Some(&input.kind));
    if input.action == "preview" {
        let preview = Some(state.app.preview(&actor, &input.draft.body).await?);
        let form = Form::from_input(&input.draft, Default::default());
        return editor(
            &state,
            Editor {
                kind,
                page: None,
                form,
                preview,
                saved: false,
                status: StatusCode::OK,
                csrf,
                actor: &actor,
            },
        )
        .await;
    }
    match state.app.create_page(&actor, kind, &input.draft).await {
        Ok(page) => Ok(Redirect::to(&format!("/admin/pages/{}?saved=1", page.id)).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input.draft, errors);
            editor(
                &state,
                Editor {
                    kind,
                    page: None,
                    form,
                    preview: None,
                    saved: false,
                    status,
                    csrf,
                    actor: &actor,
                },
            )
            .await
        }
    }
}

pub async fn update(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
    Path(id): Path<PageId>,
    CsrfForm(input): CsrfForm<EditInput>,
) -> WebResult<Response> {
    let page = state.app.page_for_editing(&actor, &id).await?;
    if input.action == "preview" {
        let preview = Some(state.app.preview(&actor, &input.draft.body).await?);
        let form = Form::from_input(&input.draft, Default::default());
        return editor(
            &state,
            Editor {
                kind: page.kind,
                page: Some(page),
                form,
                preview,
                saved: false,
                status: StatusCode::OK,
                csrf,
                actor: &actor,
            },
        )
        .await;
    }
    match state.app.update_page(&actor, &id, &input.draft).await {
        Ok(page) => Ok(Redirect::to(&format!("/admin/pages/{}?saved=1", page.id)).into_response()),
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let form = Form::from_input(&input.draft, errors);
            editor(
                &state,
                Editor {
                    kind: page.kind,
                    page: Some(page),
                    form,
                    preview: None,
                    saved: false,
                    status,
                    csrf,
                    actor: &actor,
                },
            )
            .await
        }
    }
}

pub async fn publish(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<PageId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.set_page_published(&actor, &id, true).await?;
    Ok(Redirect::to(&format!("/admin/pages/{id}")).into_response())
}

pub async fn unpublish(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<PageId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    state.app.set_page_published(&actor, &id, false).await?;
    Ok(Redirect::to(&format!("/admin/pages/{id}")).into_response())
}

pub async fn delete(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Path(id): Path<PageId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    let page = state.app.page_for_editing(&actor, &id).await?;
    state.app.delete_page(&actor, &id).await?;
    Ok(Redirect::to(&format!("/admin/pages?kind={}", page.kind.as_str())).into_response())
}

#[derive(Template)]
#[template(path = "admin_images.html")]
struct ImagesTemplate {
    chrome: AdminChrome,
    images: Vec<(ImageInfo, String)>,
    uploaded: Option<String>,
    error: String,
}

async fn images_page(
    state: &WebState,
    actor: &app::Actor,
    csrf: String,
    uploaded: Option<String>,
    error: String,
    status: StatusCode,
) -> WebResult<Response> {
    let images = state.app.images(actor).await?;
    let chrome = AdminChrome::new(state, actor, view::tr("admin-images"), "images", csrf).await;
    Ok((
        status,
        Html(render(ImagesTemplate {
            chrome,
            images,
            uploaded,
            error,
        })?),
    )
        .into_response())
}

pub async fn images(
    State(state): State<WebState>,
    Caller(actor): Caller,
    Csrf(csrf): Csrf,
) -> WebResult<Response> {
    images_page(&state, &actor, csrf, None, String::new(), StatusCode::OK).await
}

/// POST /admin/images (multipart): the `csrf` field must come first, then the `image` file.
pub async fn upload(
    State(state): State<WebState>,
    Caller(actor): Caller,
    csrf: Csrf,
    multipart: Result<Multipart, MultipartRejection>,
) -> WebResult<Response> {
    // Without a multipart body there is no token to check: refused like any unchecked POST.
    let Ok(mut multipart) = multipart else {
        return Err(WebError(AppError::Forbidden));
    };
    let mut token_ok = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf") => token_ok = csrf_matches(field.text().await.ok().as_deref(), &csrf),
            Some("image") if token_ok => {
                let name = field.file_name().unwrap_or("image").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| WebError(AppError::field("image", "error-image-too-large")))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if !token_ok {
        return Err(WebError(AppError::Forbidden));
    }
    let (name, bytes) = file.unwrap_or_default();
    match state.app.upload_image(&actor, &name, &bytes).await {
        Ok(path) => {
            images_page(
                &state,
                &actor,
                csrf.0,
                Some(path),
                String::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, errors) = view::refused(e, None)?;
            let message = errors.get("image").map(view::tr).unwrap_or_default();
            images_page(&state, &actor, csrf.0, None, message, status).await
        }
    }
}
