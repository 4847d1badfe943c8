//! Static assets, built into the binary. Their addresses carry a content hash, so browsers may
//! keep them forever and a new release is never served stale.

use crate::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// `/static/<stem>.<hash>.<ext>`
    href: String,
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

/// GET /static/{file}: the hashed name is cached for a year; the plain name briefly.
pub async fn serve(Path(file): Path<String>) -> Response {
    let wanted = format!("/static/{file}");
    if let Some(asset) = ASSETS.iter().find(|a| a.href == wanted) {
        return (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.bytes,
        )
            .into_response();
    }
    if let Some(asset) = ASSETS.iter().find(|a| a.name == file) {
        return (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            asset.bytes,
        )
            .into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}
