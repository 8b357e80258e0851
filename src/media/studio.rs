//! The studio: the list of the shop's streams to broadcast, and the broadcaster page
//! for one stream (camera and microphone, presets, Go live / End, connection state,
//! outgoing bitrate, media stats, and the WHIP URL for OBS).

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::auth::Member;
use crate::auth::roles::UseStudio;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::streams::{Status, store};
use crate::web::{Layout, Section, assets, render};

/// One stream in the studio's list.
pub struct Entry {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "studio/index.html")]
struct IndexPage {
    layout: Layout,
    streams: Vec<Entry>,
}

/// `GET /studio`: the streams a host can go live with (live first, then upcoming).
pub async fn index(State(state): State<AppState>, user: Member<UseStudio>) -> Result<Response> {
    let list = store::list(
        &state.db.pool,
        user.shop.id,
        &[Status::Live, Status::Scheduled],
        50,
    )
    .await?;
    let streams = list
        .into_iter()
        .map(|s| Entry {
            id: s.id,
            title: s.title.clone(),
            status: s.status().as_str(),
        })
        .collect();
    let page = IndexPage {
        layout: Layout::dashboard(&user, "Studio", Section::Studio).await,
        streams,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "studio/broadcast.html")]
struct BroadcastPage {
    layout: Layout,
    id: i64,
    title: String,
    status: &'static str,
    whip_url: String,
    public_url: String,
    /// `RTCIceServer` objects, JSON (static/ice.js reads them).
    ice_servers: String,
    ice_js: &'static str,
    studio_js: &'static str,
    /// The live room (pins, Q&A, chat) shown beside the broadcaster: src/live.
    room_url: String,
    /// The shop's currency, named beside an amount the host types (a coupon's).
    currency: String,
    live_js: &'static str,
    studio_live_js: &'static str,
    poll_js: &'static str,
    poll_css: &'static str,
    auction_js: &'static str,
    auction_css: &'static str,
    coupon_js: &'static str,
    coupon_css: &'static str,
    giveaway_js: &'static str,
    giveaway_css: &'static str,
    queue_js: &'static str,
    studio_live_css: &'static str,
}

/// `GET /studio/{id}`: the broadcaster for one stream.
pub async fn page(
    State(state): State<AppState>,
    user: Member<UseStudio>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let stream = store::by_id(&state.db.pool, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let base = state.config.base_url();
    let page = BroadcastPage {
        layout: Layout::dashboard(&user, format!("Studio · {}", stream.title), Section::Studio)
            .await,
        id: stream.id,
        title: stream.title.clone(),
        status: stream.status().as_str(),
        whip_url: format!("{base}/whip/{}", stream.public_id),
        public_url: format!("{base}/@{}/{}", user.shop.slug, stream.slug),
        ice_servers: serde_json::to_string(
            &state
                .config
                .ice_servers_for(&format!("whip-{}", stream.public_id)),
        )
        .unwrap_or_else(|_| "[]".into()),
        ice_js: assets::url("ice.js"),
        studio_js: assets::url("studio.js"),
        room_url: format!("/@{}/{}/live", user.shop.slug, stream.slug),
        currency: user.shop.currency.clone(),
        live_js: assets::url("live.js"),
        studio_live_js: assets::url("studio-live.js"),
        poll_js: assets::url("poll.js"),
        poll_css: assets::url("poll.css"),
        auction_js: assets::url("auction.js"),
        auction_css: assets::url("auction.css"),
        coupon_js: assets::url("coupon.js"),
        coupon_css: assets::url("coupon.css"),
        giveaway_js: assets::url("giveaway.js"),
        giveaway_css: assets::url("giveaway.css"),
        queue_js: assets::url("queue.js"),
        studio_live_css: assets::url("studio-live.css"),
    };
    Ok(render(&page))
}

/// `GET /studio/{id}/stats`: the media figures the studio shows, as JSON.
pub async fn stats(
    State(state): State<AppState>,
    user: Member<UseStudio>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let stream = store::by_id(&state.db.pool, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(state.media.stats(stream.id)).into_response())
}
