//! The OBS overlay: a transparent 1920×1080 page per stream, behind a secret URL, that
//! shows the pinned product, the live offer countdown and the featured question, driven
//! by the same events as the viewer page.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{sse, store};
use crate::error::{ApiError, Error};
use crate::state::AppState;
use crate::web::{assets, render};

#[derive(Template)]
#[template(path = "live/overlay.html")]
struct OverlayPage {
    title: String,
    token: String,
    css: &'static str,
    live_js: &'static str,
    js: &'static str,
    poll_js: &'static str,
    poll_css: &'static str,
    auction_js: &'static str,
    auction_css: &'static str,
    coupon_js: &'static str,
    coupon_css: &'static str,
    giveaway_js: &'static str,
    giveaway_css: &'static str,
}

async fn stream_of(state: &AppState, token: &str) -> Result<store::LiveStream, Error> {
    store::stream_by_overlay_token(&state.db.pool, token)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, Error> {
    let stream = stream_of(&state, &token).await?;
    let mut response = render(&OverlayPage {
        title: stream.title,
        token,
        css: assets::url("overlay.css"),
        live_js: assets::url("live.js"),
        js: assets::url("overlay.js"),
        poll_js: assets::url("poll.js"),
        poll_css: assets::url("poll.css"),
        auction_js: assets::url("auction.js"),
        auction_css: assets::url("auction.css"),
        coupon_js: assets::url("coupon.js"),
        coupon_css: assets::url("coupon.css"),
        giveaway_js: assets::url("giveaway.js"),
        giveaway_css: assets::url("giveaway.css"),
    });
    // Not for search engines or other sites; OBS opens it directly.
    response
        .headers_mut()
        .insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

pub async fn events(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let stream = stream_of(&state, &token).await?;
    let entry = state.live.room(stream.shop_id, stream.id).await?;
    let last = sse::last_event_id(&headers, None);
    Ok(sse::feed(
        &state.db.pool,
        &entry.room,
        last,
        None,
        state.live.closing(),
    )
    .await?
    .into_response())
}

pub async fn snapshot(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let stream = stream_of(&state, &token).await?;
    Ok(Json(
        super::state::room_state(&state, &stream, json!(null), None).await?,
    ))
}
