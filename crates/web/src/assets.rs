//! Static assets, built into the binary. Their addresses carry a content hash, so browsers may
//! keep them forever and a new release is never served stale.

use crate::compress::{self, Encoded};
use crate::extract::Path;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::{LazyLock, OnceLock};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// `/static/<stem>.<hash>.<ext>`
    href: String,
    /// Its compressed forms, made at the first request for it.
    encoded: OnceLock<Encoded>,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        (
            "site.css",
            "text/css; charset=utf-8",
            include_bytes!("../static/site.css").as_slice(),
        ),
        (
            "favicon.svg",
            "image/svg+xml",
            include_bytes!("../static/favicon.svg").as_slice(),
        ),
        (
            "zone.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../static/zone.js").as_slice(),
        ),
        (
            "passkeys.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../static/passkeys.js").as_slice(),
        ),
        (
            "techcheck.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../static/techcheck.js").as_slice(),
        ),
        (
            "room.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../static/room.js").as_slice(),
        ),
        (
            "day.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../static/day.js").as_slice(),
        ),
        (
            "autosave.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../static/autosave.js").as_slice(),
        ),
    ]
    .into_iter()
    .map(|(name, content_type, bytes)| {
        let hash = hex::encode(&Sha256::digest(bytes)[..6]);
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        Asset {
            name,
            content_type,
            bytes,
            href: format!("/static/{stem}.{hash}.{ext}"),
            encoded: OnceLock::new(),
        }
    })
    .collect()
});

fn href(name: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .map_or("/static/missing", |a| a.href.as_str())
}

pub fn stylesheet() -> &'static str {
    href("site.css")
}

pub fn zone_script() -> &'static str {
    href("zone.js")
}

pub fn passkeys_script() -> &'static str {
    href("passkeys.js")
}

pub fn room_script() -> &'static str {
    href("room.js")
}

pub fn tech_check_script() -> &'static str {
    href("techcheck.js")
}

pub fn day_script() -> &'static str {
    href("day.js")
}

pub fn autosave_script() -> &'static str {
    href("autosave.js")
}

pub fn favicon() -> &'static str {
    href("favicon.svg")
}

/// GET /static/{file}: the hashed name is cached for a year; the plain name briefly. Sent in
/// the coding the browser asks for (the stylesheet is some 50 KB as written, a fifth of it
/// compressed), with an ETag.
pub async fn serve(method: Method, headers: HeaderMap, Path(file): Path<String>) -> Response {
    let wanted = format!("/static/{file}");
    let (asset, cache_control) = match ASSETS.iter().find(|a| a.href == wanted) {
        Some(asset) => (asset, "public, max-age=31536000, immutable"),
        None => match ASSETS.iter().find(|a| a.name == file) {
            Some(asset) => (asset, "public, max-age=300"),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    let encoded = match asset.encoded.get() {
        Some(encoded) => encoded,
        // Once per asset and process: the densest compression, off the async threads.
        None => match tokio::task::spawn_blocking(|| {
            asset
                .encoded
                .get_or_init(|| Encoded::new(Bytes::from_static(asset.bytes)))
        })
        .await
        {
            Ok(encoded) => encoded,
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    };
    let mut own = HeaderMap::new();
    own.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    own.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    own.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    let text = |name| {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    compress::respond(
        encoded,
        StatusCode::OK,
        &own,
        text(header::ACCEPT_ENCODING).as_deref(),
        text(header::IF_NONE_MATCH).as_deref(),
        method == Method::HEAD,
    )
}
