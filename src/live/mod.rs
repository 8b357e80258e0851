//! The live room of a stream: pinned products and live offers, Q&A, chat, polls, auctions, coupons, giveaways,
//! reactions and presence, delivered to viewers over Server-Sent Events. One in-process room per
//! stream (`room`), the rooms of this process in the `registry` (`LiveHub`), who watches
//! in `presence`, the 500 ms aggregate broadcast in `tick`; every durable event is
//! stored first so a viewer resumes exactly and a restart loses nothing. On PostgreSQL
//! the rooms of one stream on different nodes talk through `peers` (over `crate::notify`).

pub mod auctions;
pub mod coupons;
pub mod events;
pub mod giveaways;
pub mod lifecycle;
pub mod offer;
pub mod peers;
pub mod presence;
pub mod registry;
pub mod room;
pub mod sse;
pub mod stock;
pub mod store;
pub mod tick;
pub mod viewer;

mod moderation;
mod overlay;
mod polls;
mod queue;
mod state;
mod studio;
mod viewer_actions;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::{Permission, roles::UseStudio};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::streams::Status;
use store::LiveStream;
use viewer::Viewer;

pub use registry::LiveHub;

pub fn router() -> Router<AppState> {
    let base = "/@{shop}/{stream}/live";
    Router::new()
        .route(&format!("{base}/events"), get(state::events))
        .route(&format!("{base}/state"), get(state::snapshot))
        .route(&format!("{base}/name"), post(viewer_actions::set_name))
        .route(&format!("{base}/questions"), post(viewer_actions::ask))
        .route(
            &format!("{base}/questions/{{id}}/vote"),
            post(viewer_actions::vote),
        )
        .route(
            &format!("{base}/questions/{{id}}/{{action}}"),
            post(moderation::question_action),
        )
        .route(&format!("{base}/chat"), post(viewer_actions::chat))
        .route(
            &format!("{base}/chat/{{id}}/delete"),
            post(moderation::delete_chat),
        )
        .route(&format!("{base}/reactions"), post(viewer_actions::react))
        .route(&format!("{base}/polls"), post(polls::open))
        .route(&format!("{base}/polls/{{id}}/close"), post(polls::close))
        .route(&format!("{base}/polls/{{id}}/votes"), post(polls::vote))
        .route(&format!("{base}/queue"), get(queue::list).post(queue::add))
        .route(&format!("{base}/queue/order"), post(queue::reorder))
        .route(&format!("{base}/queue/{{id}}/remove"), post(queue::remove))
        .route(&format!("{base}/queue/{{id}}/fired"), post(queue::fired))
        .route(&format!("{base}/giveaways"), post(giveaways::open))
        .route(
            &format!("{base}/giveaways/{{id}}/enter"),
            post(giveaways::entry::enter),
        )
        .route(
            &format!("{base}/giveaways/{{id}}/draw"),
            post(giveaways::run_draw).get(giveaways::record),
        )
        .route(
            &format!("{base}/giveaways/{{id}}/cancel"),
            post(giveaways::cancel),
        )
        .route(&format!("{base}/coupons"), post(coupons::drop))
        .route(&format!("{base}/coupons/{{id}}/end"), post(coupons::end))
        .route(&format!("{base}/auctions"), post(auctions::host::start))
        .route(&format!("{base}/auctions/lots"), get(auctions::lots))
        .route(
            &format!("{base}/auctions/{{id}}/cancel"),
            post(auctions::host::cancel),
        )
        .route(
            &format!("{base}/auctions/{{id}}/bids"),
            post(auctions::bid::bid),
        )
        .route(&format!("{base}/bidder"), post(auctions::bidders::register))
        .route(
            &format!("{base}/bidder/verify"),
            post(auctions::bidders::verify),
        )
        .route(&format!("{base}/pin"), post(moderation::pin))
        .route(&format!("{base}/unpin"), post(moderation::unpin))
        .route(&format!("{base}/blocks"), post(moderation::block))
        .route(&format!("{base}/settings"), post(moderation::settings))
        .route(
            &format!("{base}/moderators"),
            post(moderation::add_moderator),
        )
        .route(
            &format!("{base}/moderation/events"),
            get(state::moderation_events),
        )
        .route(&format!("{base}/moderation/queue"), get(state::queue))
        .route(&format!("{base}/products"), get(studio::products))
        .route(&format!("{base}/staff/events"), get(state::staff_events))
        .route(&format!("{base}/staff/figures"), get(state::staff_figures))
        .route("/overlay/{token}", get(overlay::page))
        .route("/overlay/{token}/events", get(overlay::events))
        .route("/overlay/{token}/state", get(overlay::snapshot))
}

/// Who is acting in a room, and on which stream.
pub struct Access {
    pub stream: LiveStream,
    /// A staff member of the stream's shop allowed in the studio.
    pub user_id: Option<i64>,
    /// Staff, or a trusted viewer the host made a moderator.
    pub moderator: bool,
}

/// A stream by its public address, or 404.
pub async fn public_stream(state: &AppState, shop: &str, stream: &str) -> Result<LiveStream> {
    store::stream_by_slugs(&state.db.pool, shop, stream)
        .await?
        .ok_or(Error::NotFound)
}

async fn access(state: &AppState, stream: LiveStream, viewer: &Viewer) -> Result<Access> {
    let staff = crate::auth::member_of(&viewer.session, &state.db.pool, stream.shop_id)
        .await?
        .filter(|(_, role)| UseStudio::ROLES.contains(role))
        .map(|(id, _)| id);
    let moderator =
        staff.is_some() || store::chat::is_moderator(&state.db.pool, stream.id, &viewer.id).await?;
    Ok(Access {
        stream,
        user_id: staff,
        moderator,
    })
}

/// The room of a live stream, for a contribution: 409 when it is not live.
pub async fn load_live(
    state: &AppState,
    shop: &str,
    stream: &str,
    viewer: &Viewer,
) -> Result<Access> {
    let stream = public_stream(state, shop, stream).await?;
    require_live(&stream)?;
    state.live.remember_ip(&viewer.id, &viewer.ip);
    access(state, stream, viewer).await
}

fn require_live(stream: &LiveStream) -> Result<()> {
    match stream.status {
        Status::Live => Ok(()),
        Status::Scheduled => Err(Error::Conflict("This stream has not started yet.".into())),
        Status::Cancelled => Err(Error::Conflict("This stream was cancelled.".into())),
        Status::Ended => Err(Error::Conflict("This stream has ended.".into())),
    }
}

/// A moderator (or, with `staff_only`, a studio member) acting on a live room. Viewers
/// and members without studio rights are refused with 403, another shop's stream 404.
pub async fn load_moderator(
    state: &AppState,
    shop: &str,
    stream: &str,
    viewer: &Viewer,
    staff_only: bool,
) -> Result<Access> {
    let stream = public_stream(state, shop, stream).await?;
    let access = access(state, stream, viewer).await?;
    let allowed = if staff_only {
        access.user_id.is_some()
    } else {
        access.moderator
    };
    if !allowed {
        return Err(Error::Forbidden);
    }
    require_live(&access.stream)?;
    Ok(access)
}

/// A studio member of the stream's shop (any stream state: the panel loads before going live).
pub async fn load_staff(
    state: &AppState,
    shop: &str,
    stream: &str,
    viewer: &Viewer,
) -> Result<Access> {
    let stream = public_stream(state, shop, stream).await?;
    let access = access(state, stream, viewer).await?;
    if access.user_id.is_none() {
        return Err(Error::Forbidden);
    }
    Ok(access)
}

/// The address a viewer last wrote from (kept in memory only), for blocking repeat offenders.
pub fn last_ip(state: &AppState, viewer_id: &str) -> Option<String> {
    state.live.last_ip(viewer_id)
}
