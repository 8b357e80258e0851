//! Static files (CSS, JS, icons) compiled into the binary, so `cargo run` and an
//! installed binary serve the same files wherever they are started. URLs carry a
//! content hash, so the files can be cached for a year.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    body: &'static [u8],
    content_type: &'static str,
    /// `/static/{hash}/{name}`: changes whenever the content does.
    url: String,
}

macro_rules! asset {
    ($name:literal, $type:literal) => {
        (
            $name,
            include_bytes!(concat!("../../static/", $name)).as_slice(),
            $type,
        )
    };
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        asset!("app.css", "text/css; charset=utf-8"),
        asset!("htmx.min.js", "text/javascript; charset=utf-8"),
        asset!("app.js", "text/javascript; charset=utf-8"),
        asset!("favicon.svg", "image/svg+xml"),
        asset!("ice.js", "text/javascript; charset=utf-8"),
        asset!("studio.js", "text/javascript; charset=utf-8"),
        asset!("player.js", "text/javascript; charset=utf-8"),
        asset!("viewer.css", "text/css; charset=utf-8"),
        asset!("viewer.js", "text/javascript; charset=utf-8"),
        asset!("catalog.js", "text/javascript; charset=utf-8"),
        asset!("orders.js", "text/javascript; charset=utf-8"),
        asset!("live.js", "text/javascript; charset=utf-8"),
        asset!("room.js", "text/javascript; charset=utf-8"),
        asset!("studio-live.js", "text/javascript; charset=utf-8"),
        asset!("studio-live.css", "text/css; charset=utf-8"),
        asset!("room.css", "text/css; charset=utf-8"),
        asset!("overlay.css", "text/css; charset=utf-8"),
        asset!("overlay.js", "text/javascript; charset=utf-8"),
        asset!("checkout.js", "text/javascript; charset=utf-8"),
        asset!("shop.js", "text/javascript; charset=utf-8"),
        asset!("stage.js", "text/javascript; charset=utf-8"),
        asset!("poll.js", "text/javascript; charset=utf-8"),
        asset!("poll.css", "text/css; charset=utf-8"),
        asset!("auction.js", "text/javascript; charset=utf-8"),
        asset!("auction.css", "text/css; charset=utf-8"),
        asset!("coupon.js", "text/javascript; charset=utf-8"),
        asset!("coupon.css", "text/css; charset=utf-8"),
        asset!("giveaway.js", "text/javascript; charset=utf-8"),
        asset!("giveaway.css", "text/css; charset=utf-8"),
        asset!("queue.js", "text/javascript; charset=utf-8"),
        asset!("player-early.js", "text/javascript; charset=utf-8"),
    ]
    .into_iter()
    .map(|(name, body, content_type)| {
        let hash = hex::encode(&Sha256::digest(body)[..6]);
        Asset {
            name,
            body,
            content_type,
            url: format!("/static/{hash}/{name}"),
        }
    })
    .collect()
});

/// The cache-busting URL of a static file; panics at first use if the name is not embedded,
/// which the tests catch, since every page renders through it.
pub fn url(name: &str) -> &'static str {
    embedded(name).url.as_str()
}

fn embedded(name: &str) -> &'static Asset {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("static asset {name} is not embedded"))
}

/// A script's text, for a page to carry inline (the live page's player head start: no
/// request to wait for). Its hash is in every page's policy ([`inline_hash`]).
pub fn inline(name: &str) -> &'static str {
    let asset = embedded(name);
    std::str::from_utf8(asset.body).unwrap_or_else(|_| panic!("static asset {name} is not UTF-8"))
}

/// The Content-Security-Policy source that admits [`inline`]'s script and nothing else:
/// `'sha256-…'` of its exact text.
pub fn inline_hash(name: &str) -> String {
    use base64::Engine;
    let digest = Sha256::digest(inline(name).as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// `GET /static/{hash}/{name}`: any hash serves the current file (an old page still gets
/// a stylesheet), but only the current hash is cached as immutable.
pub async fn serve(Path((hash, name)): Path<(String, String)>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cache = if asset.url.split('/').nth(2) == Some(hash.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        asset.body,
    )
        .into_response()
}
