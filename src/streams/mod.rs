//! Streams: product demos a merchant schedules, their lifecycle (scheduled → live →
//! ended, or cancelled), stream keys for the broadcaster, the dashboard pages, the
//! public shop and stream pages (cached in memory), calendars and reminders.
//!
//! The media layer calls [`go_live`], [`publisher_gone`], [`end`] and
//! [`verify_stream_key`]; the live room can follow [`Streams::subscribe`].

pub mod cache;
pub mod demo;
pub mod domain;
pub mod keys;
pub mod lifecycle;
pub mod reminders;
pub mod store;
pub mod transitions;

mod covers;
mod dashboard;
mod detail;
mod duplicate;
mod edit;
mod embed;
mod ics;
mod products;
mod public;
mod public_view;
mod views;

use std::sync::{Arc, Weak};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::sync::{Notify, broadcast, watch};

pub use keys::{StreamRef, verify_stream_key};
pub use lifecycle::{Actor, Status};
pub use transitions::{cancel, end, end_abandoned, go_live, publisher_gone};

use crate::config::Config;
use crate::notify::{Heard, Notify as NodeNotify};
use crate::state::AppState;

/// The PostgreSQL channel on which nodes tell each other to forget a shop's cached pages
/// (payload: the shop id).
pub const CACHE_CHANNEL: &str = "showfloor_pages";

/// A transition, as other features hear of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEvent {
    pub stream_id: i64,
    pub shop_id: i64,
    pub from: Status,
    pub to: Status,
    pub at: i64,
}

/// What the streams feature keeps in memory: the public page cache, the transition
/// channel, the wake-ups of its background tasks and the mailer.
pub struct Streams {
    pub cache: cache::PageCache,
    events: broadcast::Sender<StreamEvent>,
    reaper: Notify,
    mail_wake: Notify,
    pub mailer: Option<reminders::mail::Mailer>,
    /// The other nodes (PostgreSQL): their page caches forget what this node changed.
    nodes: Arc<NodeNotify>,
}

impl Streams {
    pub fn new(config: &Config, nodes: &Arc<NodeNotify>) -> Arc<Streams> {
        let streams = Arc::new(Streams {
            cache: cache::PageCache::default(),
            events: broadcast::channel(256).0,
            reaper: Notify::new(),
            mail_wake: Notify::new(),
            mailer: reminders::mail::Mailer::from_config(config),
            nodes: nodes.clone(),
        });
        // Weak: the subscription lives in `notify`, which outlives nothing it points to.
        let weak: Weak<Streams> = Arc::downgrade(&streams);
        nodes.subscribe(CACHE_CHANNEL, move |heard| {
            let Some(streams) = weak.upgrade() else {
                return;
            };
            match heard {
                Heard::Message(payload) => match payload.parse::<i64>() {
                    Ok(shop_id) => streams.cache.invalidate_shop(shop_id),
                    Err(_) => streams.cache.clear(),
                },
                // Invalidations sent meanwhile are lost: trust no copy.
                Heard::Lost => streams.cache.clear(),
            }
        });
        streams
    }

    /// Tell the other nodes to forget the shop's pages, and wait until it is sent (a
    /// transition awaits this before its `status` event goes out, so a page reloading
    /// on that event finds every node's cache already emptied).
    async fn announce(&self, shop_id: i64) {
        if let Err(err) = self.nodes.send(CACHE_CHANNEL, &shop_id.to_string()).await {
            tracing::warn!(error = %err, "page cache NOTIFY failed; other nodes serve old pages until they expire");
        }
    }

    /// Every transition from now on (a lagging receiver misses old ones, never blocks).
    pub fn subscribe(&self) -> broadcast::Receiver<StreamEvent> {
        self.events.subscribe()
    }

    /// Forget the shop's cached public pages (call after changing what they show).
    /// Other nodes hear of it too, a moment later.
    pub fn invalidate_shop(self: &Arc<Self>, shop_id: i64) {
        self.cache.invalidate_shop(shop_id);
        if self.nodes.has_peers() {
            let streams = self.clone();
            tokio::spawn(async move { streams.announce(shop_id).await });
        }
    }

    /// A stream of `shop_id` changed: drop its pages here and on every node, then tell
    /// listeners (the live room's `status` event) and wake the mailer.
    async fn changed(&self, shop_id: i64, event: Option<StreamEvent>) {
        self.cache.invalidate_shop(shop_id);
        if self.nodes.has_peers() {
            self.announce(shop_id).await;
        }
        if let Some(event) = event {
            let _ = self.events.send(event);
            self.mail_wake.notify_one();
        }
    }
}

/// Start the background tasks (automatic end, reminder mails); they stop on shutdown.
pub fn spawn_workers(state: &AppState, shutdown: watch::Receiver<bool>) {
    tokio::spawn(transitions::run_reaper(state.clone(), shutdown.clone()));
    if state.streams.mailer.is_some() {
        tokio::spawn(reminders::mail::run(state.clone(), shutdown));
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/streams", get(dashboard::list).post(edit::create))
        .route("/streams/calendar", get(dashboard::calendar))
        .route("/streams/new", get(edit::new_form))
        .route("/streams/embed", get(embed::page).post(embed::add))
        .route("/streams/embed/{id}/remove", post(embed::remove))
        .route("/streams/shop-key", post(embed::rotate_shop_key))
        .route("/streams/shop-key/revoke", post(embed::revoke_shop_key))
        .route("/streams/{id}", get(detail::page))
        .route(
            "/streams/{id}/edit",
            get(edit::edit_form).post(edit::update),
        )
        .route("/streams/{id}/start", post(detail::start))
        .route("/streams/{id}/end", post(detail::end))
        .route("/streams/{id}/cancel", post(detail::cancel))
        .route("/streams/{id}/duplicate", post(duplicate::duplicate))
        .route("/streams/{id}/key", post(detail::rotate_key))
        .route(
            "/streams/{id}/cover",
            post(covers::upload).layer(DefaultBodyLimit::max(covers::MAX_BYTES + 64 * 1024)),
        )
        .route("/streams/{id}/cover/remove", post(covers::remove))
        .route("/streams/{id}/products", post(products::add))
        .route(
            "/streams/{id}/products/{product}/move",
            post(products::move_one),
        )
        .route(
            "/streams/{id}/products/{product}/remove",
            post(products::remove),
        )
        .route("/streams/{id}/reminders.csv", get(reminders::export))
        .route("/covers/{file}", get(covers::serve))
        .route("/@{shop}", get(public::shop_page))
        .route("/@{shop}/streams.ics", get(public::shop_feed))
        .route("/@{shop}/{stream}", get(public::stream_page))
        .route("/@{shop}/{stream}/embed", get(public::embed_page))
        .route("/@{shop}/{stream}/calendar.ics", get(public::stream_ics))
        .route(
            "/api/streams/{public_id}/reminders",
            post(reminders::subscribe),
        )
        .route(
            "/reminders/unsubscribe/{token}",
            get(reminders::unsubscribe_page),
        )
        .route(
            "/api/reminders/unsubscribe/{token}",
            post(reminders::unsubscribe),
        )
}
