//! The shopper's pages: the shop page `/@{shop}`, the stream page `/@{shop}/{stream}`,
//! its embeddable twin `/@{shop}/{stream}/embed`, and calendars. They carry no session
//! and no per-visitor token, so each is rendered once and served from `cache` until the
//! shop's streams change.
//!
//! HTTP caching: `Cache-Control: public, no-cache` with an ETag. A browser (or a CDN)
//! may keep a copy but must ask again on every load; the answer is a 304 from memory when
//! nothing changed, and the new page at once after a transition invalidated the cache.
//! A `max-age`, even a short one, would let a reload show the countdown of a stream that
//! is already live.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::cache::{CachedPage, PageKey};
use super::lifecycle::Status;
use super::public_view::{self, NotFoundPage, ShopPage, StreamPage};
use super::{ics, store};
use crate::db::now_ms;
use crate::error::{Error, Result};
use crate::shops::store::{self as shops, Shop};
use crate::state::AppState;
use crate::web::security::DASHBOARD_CSP;

const HTML: &str = "text/html; charset=utf-8";
const CALENDAR: &str = "text/calendar; charset=utf-8";

/// What every public page says about caching (see the module comment).
pub const CACHE_CONTROL: &str = "public, no-cache";

/// Whether the browser's `If-None-Match` already names this page (weak comparison, as
/// RFC 9110 asks of `If-None-Match`).
fn unchanged(request: &HeaderMap, etag: &str) -> bool {
    let etag = etag.trim_start_matches("W/");
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| {
            list.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        })
}

fn respond(page: CachedPage, request: &HeaderMap, attachment: Option<&str>) -> Response {
    let not_modified = page.status == 200 && unchanged(request, &page.etag);
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK),
            page.body,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    if !not_modified {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(page.content_type),
        );
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    if let Ok(etag) = HeaderValue::from_str(&page.etag) {
        headers.insert(header::ETAG, etag);
    }
    if let Some(csp) = page.csp {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        // Browsers obey frame-ancestors over X-Frame-Options; old ones get same-origin only.
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    if let Some(name) = attachment
        && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn html<T: Template>(shop_id: i64, status: StatusCode, page: &T) -> Result<CachedPage> {
    let body = page.render().map_err(anyhow::Error::from)?;
    Ok(CachedPage::new(
        shop_id,
        status.as_u16(),
        HTML,
        Bytes::from(body),
        None,
    ))
}

/// Serve `key` from the cache, or build it, cache it when it is a success, and serve it.
async fn cached<F, Fut>(
    state: &AppState,
    key: PageKey,
    request: &HeaderMap,
    attachment: Option<&str>,
    build: F,
) -> Result<Response>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<CachedPage>>,
{
    if let Some(page) = state.streams.cache.get(&key) {
        return Ok(respond(page, request, attachment));
    }
    let generation = state.streams.cache.generation();
    let page = build().await?;
    if page.status == 200 {
        state.streams.cache.put(key, page.clone(), generation);
    }
    Ok(respond(page, request, attachment))
}

async fn shop_by_slug(state: &AppState, slug: &str) -> Result<Shop> {
    shops::by_slug(&state.db.pool, slug)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn shop_page(
    State(state): State<AppState>,
    Path(shop): Path<String>,
    request: HeaderMap,
) -> Result<Response> {
    cached(
        &state,
        PageKey::Shop(shop.clone()),
        &request,
        None,
        || async {
            let shop = shop_by_slug(&state, &shop).await?;
            let page: ShopPage = public_view::shop_page(&state, &shop).await?;
            html(shop.id, StatusCode::OK, &page)
        },
    )
    .await
}

async fn stream_or_404(
    state: &AppState,
    shop: &Shop,
    slug: &str,
) -> Result<std::result::Result<store::Stream, CachedPage>> {
    match store::by_slug(&state.db.pool, shop.id, slug).await? {
        Some(stream) => Ok(Ok(stream)),
        None => Ok(Err(html(
            shop.id,
            StatusCode::NOT_FOUND,
            &NotFoundPage::new(shop),
        )?)),
    }
}

pub async fn stream_page(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    request: HeaderMap,
) -> Result<Response> {
    cached(
        &state,
        PageKey::Stream(shop.clone(), stream.clone()),
        &request,
        None,
        || async {
            let shop = shop_by_slug(&state, &shop).await?;
            let stream = match stream_or_404(&state, &shop, &stream).await? {
                Ok(stream) => stream,
                Err(not_found) => return Ok(not_found),
            };
            let page: StreamPage = public_view::stream_page(&state, &shop, &stream, false).await?;
            html(shop.id, StatusCode::OK, &page)
        },
    )
    .await
}

/// The policy of the embed page: the site's usual one, framed only by the listed origins.
pub fn embed_csp(origins: &[String]) -> String {
    let mut ancestors = vec!["'self'".to_string()];
    ancestors.extend(origins.iter().cloned());
    DASHBOARD_CSP.replace(
        "frame-ancestors 'none'",
        &format!("frame-ancestors {}", ancestors.join(" ")),
    )
}

pub async fn embed_page(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    request: HeaderMap,
) -> Result<Response> {
    cached(
        &state,
        PageKey::Embed(shop.clone(), stream.clone()),
        &request,
        None,
        || async {
            let shop = shop_by_slug(&state, &shop).await?;
            let stream = match stream_or_404(&state, &shop, &stream).await? {
                Ok(stream) => stream,
                Err(not_found) => return Ok(not_found),
            };
            let page: StreamPage = public_view::stream_page(&state, &shop, &stream, true).await?;
            let origins: Vec<String> = store::embed::origins(&state.db.pool, shop.id)
                .await?
                .into_iter()
                .map(|o| o.origin)
                .collect();
            let mut cached = html(shop.id, StatusCode::OK, &page)?;
            cached.csp =
                Some(HeaderValue::from_str(&embed_csp(&origins)).map_err(anyhow::Error::from)?);
            Ok(cached)
        },
    )
    .await
}

fn domain(state: &AppState) -> String {
    state
        .config
        .base_url()
        .split("://")
        .nth(1)
        .unwrap_or("showfloor")
        .split('/')
        .next()
        .unwrap_or("showfloor")
        .to_string()
}

pub async fn stream_ics(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    request: HeaderMap,
) -> Result<Response> {
    let filename = format!("{stream}.ics");
    cached(
        &state,
        PageKey::Ics(shop.clone(), stream.clone()),
        &request,
        Some(&filename),
        || async {
            let shop = shop_by_slug(&state, &shop).await?;
            let stream = store::by_slug(&state.db.pool, shop.id, &stream)
                .await?
                .ok_or(Error::NotFound)?;
            let url = format!("{}/@{}/{}", state.config.base_url(), shop.slug, stream.slug);
            let domain = domain(&state);
            let ctx = ics::EventContext {
                shop_name: &shop.name,
                page_url: &url,
                domain: &domain,
                now_ms: now_ms(),
            };
            Ok(CachedPage::new(
                shop.id,
                200,
                CALENDAR,
                Bytes::from(ics::single(&stream, &ctx)),
                None,
            ))
        },
    )
    .await
}

pub async fn shop_feed(
    State(state): State<AppState>,
    Path(shop): Path<String>,
    request: HeaderMap,
) -> Result<Response> {
    cached(
        &state,
        PageKey::Feed(shop.clone()),
        &request,
        None,
        || async {
            let shop = shop_by_slug(&state, &shop).await?;
            let pool = &state.db.pool;
            let mut streams =
                store::list(pool, shop.id, &[Status::Scheduled, Status::Live], 200).await?;
            streams
                .extend(store::list(pool, shop.id, &[Status::Ended, Status::Cancelled], 50).await?);
            let base = state.config.base_url();
            let events: Vec<(store::Stream, String)> = streams
                .into_iter()
                .map(|s| {
                    let url = format!("{base}/@{}/{}", shop.slug, s.slug);
                    (s, url)
                })
                .collect();
            let body = ics::feed(&shop.name, &events, &domain(&state), now_ms());
            Ok(CachedPage::new(
                shop.id,
                200,
                CALENDAR,
                Bytes::from(body),
                None,
            ))
        },
    )
    .await
}
