//! Reading a room: its event streams (viewers and moderators) and its state as JSON, which
//! a page renders first and reloads after a `resync`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::store::presence::Source;
use super::store::questions::QuestionStatus;
use super::viewer::Viewer;
use super::{LiveStream, events, public_stream, sse, store};
use crate::error::{ApiError, Error};
use crate::state::AppState;
use crate::streams::Status;

#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    /// The last event id the page was rendered with (the first connection has no
    /// Last-Event-ID header yet).
    after: Option<i64>,
    #[serde(default)]
    r#ref: String,
    #[serde(default)]
    utm_source: String,
    #[serde(default)]
    utm_medium: String,
    #[serde(default)]
    utm_campaign: String,
    #[serde(default)]
    embed: Option<u8>,
    /// `0` from the studio: staff watching the room are not counted as viewers.
    watch: Option<u8>,
    /// `1` from the shop page: it only listens for status changes, nobody watches.
    listen: Option<u8>,
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

pub async fn events(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
    viewer: Viewer,
) -> Result<Response, ApiError> {
    let stream = public_stream(&state, &shop, &stream).await?;
    let last = sse::last_event_id(&headers, query.after);
    let staff = crate::auth::member_of(&viewer.session, &state.db.pool, stream.shop_id)
        .await?
        .is_some();
    let counted = !(staff && query.watch == Some(0))
        && query.listen != Some(1)
        && stream.status == Status::Live;
    let presence = if counted {
        let source = Source {
            referrer: clip(&query.r#ref, 500),
            utm_source: clip(&query.utm_source, 100),
            utm_medium: clip(&query.utm_medium, 100),
            utm_campaign: clip(&query.utm_campaign, 100),
            embedded: query.embed == Some(1),
        };
        Some(
            state
                .live
                .join(stream.shop_id, stream.id, &viewer.id, &source)
                .await?,
        )
    } else {
        None
    };
    let entry = state.live.room(stream.shop_id, stream.id).await?;
    let sse = sse::feed(
        &state.db.pool,
        &entry.room,
        last,
        presence,
        state.live.closing(),
    )
    .await?;
    Ok(sse.into_response())
}

/// The room as JSON: what a page renders and what a viewer reloads after a resync.
pub async fn room_state(
    state: &AppState,
    stream: &LiveStream,
    me: Value,
    viewer_id: Option<&str>,
) -> Result<Value, Error> {
    let pool = &state.db.pool;
    // Read the resume point first: anything that happens while the rest is read is
    // replayed after it, and the page skips what it already shows by id.
    let last_event_id = store::last_event_id(pool, stream.id).await?;
    let settings = store::room_settings(pool, stream.shop_id, stream.id).await?;
    let pin = match store::pins::open_pin(pool, stream.id).await? {
        Some(pin) => store::pins::card(pool, stream.shop_id, pin.product_id)
            .await?
            .map(|card| events::pin(&pin, &card)),
        None => None,
    };
    let questions: Vec<Value> = store::questions::list(pool, stream.id, false)
        .await?
        .iter()
        .map(|q| events::question(q, stream.started_at))
        .collect();
    let featured = match settings.featured_question_id {
        Some(id) => store::questions::get(pool, stream.id, id)
            .await?
            .filter(|q| q.status == QuestionStatus::Visible)
            .map(|q| events::question(&q, stream.started_at)),
        None => None,
    };
    let chat: Vec<Value> = store::chat::recent(pool, stream.id, 50)
        .await?
        .iter()
        .map(events::chat)
        .collect();
    let poll = super::polls::for_state(state, stream, viewer_id).await?;
    let auction = super::auctions::for_state(state, stream).await?;
    let coupon = super::coupons::for_state(state, stream).await?;
    let giveaway = super::giveaways::for_state(state, stream, viewer_id).await?;
    let bidder = match viewer_id {
        Some(viewer) => Some(super::auctions::bidder_for_state(state, stream, viewer).await?),
        None => None,
    };
    let counts = state.live.counts(stream.shop_id, stream.id).await?;
    let entry = state.live.room(stream.shop_id, stream.id).await?;
    Ok(json!({
        "stream": { "id": stream.id, "status": stream.status, "title": stream.title, "started_at": stream.started_at },
        "last_event_id": last_event_id,
        "pin": pin,
        "featured": featured,
        "poll": poll,
        "auction": auction,
        "coupon": coupon,
        "giveaway": giveaway,
        "bidder": bidder,
        "questions": questions,
        "chat": chat,
        "viewers": counts,
        "reactions": entry.room.reactions_total(),
        "settings": { "slow_mode_secs": settings.slow_mode_secs, "premoderation": settings.premoderation },
        "me": me,
    }))
}

pub async fn snapshot(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    headers: HeaderMap,
    viewer: Viewer,
) -> Result<Json<Value>, ApiError> {
    let stream = public_stream(&state, &shop, &stream).await?;
    // A page without a pass gets one (the embed needs it: no cookie reaches a cross-site
    // frame); one that sent its pass keeps it.
    let pass = if viewer.has_pass() {
        None
    } else {
        let ancestor = headers
            .get(super::viewer::ANCESTOR_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        Some(
            viewer
                .issue_pass(&state, stream.shop_id, ancestor, host)
                .await?,
        )
    };
    let access = super::access(&state, stream, &viewer).await?;
    let overlay = match access.user_id {
        Some(_) => {
            let settings =
                store::room_settings(&state.db.pool, access.stream.shop_id, access.stream.id)
                    .await?;
            Some(format!(
                "{}/overlay/{}",
                state.config.base_url(),
                settings.overlay_token
            ))
        }
        None => None,
    };
    let me = json!({
        "name": viewer.name,
        "moderator": access.moderator,
        "staff": access.user_id.is_some(),
        "overlay_url": overlay,
        // The public page is cached and carries no session: the room's posts take their
        // CSRF token from here.
        "csrf": if viewer.has_pass() { String::new() } else { crate::web::csrf::token(&viewer.session).await },
        // Sent back as the X-Showfloor-Viewer header; null when the request carried one.
        "viewer_token": pass,
    });
    Ok(Json(
        room_state(&state, &access.stream, me, Some(&viewer.id)).await?,
    ))
}

/// Moderators' feed: questions waiting for approval. Not replayed; reload the queue on reconnect.
pub async fn moderation_events(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
) -> Result<Response, ApiError> {
    let stream = public_stream(&state, &shop, &stream).await?;
    let access = super::access(&state, stream, &viewer).await?;
    if !access.moderator {
        return Err(ApiError(Error::Forbidden));
    }
    let entry = state
        .live
        .room(access.stream.shop_id, access.stream.id)
        .await?;
    Ok(sse::feed(
        &state.db.pool,
        &entry.moderation,
        None,
        None,
        state.live.closing(),
    )
    .await?
    .into_response())
}

/// Every question not hidden, pending ones included, in queue order (moderators only).
pub async fn queue(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
) -> Result<Json<Value>, ApiError> {
    let stream = public_stream(&state, &shop, &stream).await?;
    let access = super::access(&state, stream, &viewer).await?;
    if !access.moderator {
        return Err(ApiError(Error::Forbidden));
    }
    let questions: Vec<Value> = store::questions::list(&state.db.pool, access.stream.id, true)
        .await?
        .iter()
        .map(|q| events::question(q, access.stream.started_at))
        .collect();
    Ok(Json(json!({ "questions": questions })))
}

/// The studio's feed: orders as they are reserved, paid, refunded (staff of the shop only).
pub async fn staff_events(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
) -> Result<Response, ApiError> {
    let access = super::load_staff(&state, &shop, &stream, &viewer).await?;
    let entry = state
        .live
        .room(access.stream.shop_id, access.stream.id)
        .await?;
    Ok(sse::feed(
        &state.db.pool,
        &entry.staff,
        None,
        None,
        state.live.closing(),
    )
    .await?
    .into_response())
}

/// The studio's running figures (orders, units, revenue, questions) by the report's
/// definitions; the studio reads them on load and after each change it hears of.
pub async fn staff_figures(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
) -> Result<Json<Value>, ApiError> {
    let access = super::load_staff(&state, &shop, &stream, &viewer).await?;
    let figures =
        crate::reports::live::figures(&state.db.pool, access.stream.shop_id, access.stream.id)
            .await?;
    Ok(Json(figures.json(&access.stream.currency)))
}
