//! The state every handler can reach: the infrastructure (configuration, database,
//! metrics, rate limits) and one handle per feature, each built by its feature from
//! the configuration and the database, so this file only lists them.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::config::Config;
use crate::db::Db;
use crate::web::metrics::Metrics;
use crate::web::ratelimit::RateLimits;

/// Cloned for every request (axum hands each extractor and middleware its own copy), so it is
/// one reference count, not one per part.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of [`AppState`], reached through it by `Deref`.
pub struct Shared {
    pub config: Arc<Config>,
    pub db: Db,
    pub metrics: Arc<Metrics>,
    pub limits: Arc<RateLimits>,
    /// Auth: the session store (database + this node's copy) behind the session layer.
    pub sessions: crate::auth::SessionStore,
    /// Catalogue: the Stripe link (sync wake-ups, API address).
    pub stripe: Arc<crate::catalog::stripe::StripeLink>,
    /// Streams: public page cache, transition channel, background task wake-ups, mailer.
    pub streams: Arc<crate::streams::Streams>,
    /// Media: the WebRTC SFU's rooms and sessions (WHIP/WHEP).
    pub media: Arc<crate::media::MediaHub>,
    /// Live rooms: pins, Q&A, chat, reactions, presence and their event streams.
    pub live: Arc<crate::live::LiveHub>,
    /// The one LISTEN connection (PostgreSQL): the live rooms and the session cache hear
    /// the other nodes through it.
    pub notify: Arc<crate::notify::Notify>,
    /// Orders: the reservation length and the reservation clock's wake-up.
    pub orders: Arc<crate::orders::Orders>,
    /// Mail: the SMTP transport, the outbox worker's wake-up and the features' renderers.
    pub mail: Arc<crate::mail::Mail>,
    /// Reports: the product-event capture channel (impressions, clicks, Buy taps, checkouts).
    pub capture: Arc<crate::reports::capture::Capture>,
}

impl AppState {
    /// Build every feature's handle. Nothing starts here: `Server::start` spawns the
    /// background work once the state exists.
    pub fn new(config: Config, db: Db) -> AppState {
        let media = crate::media::MediaHub::new(&config);
        let metrics = Metrics::new(vec![crate::media::stats::collector(&media)]);
        let notify = crate::notify::Notify::new(db.clone());
        let sessions = crate::auth::SessionStore::new(&db);
        sessions.subscribe(&notify);
        AppState(Arc::new(Shared {
            sessions,
            stripe: crate::catalog::stripe::StripeLink::new(),
            streams: crate::streams::Streams::new(&config, &notify),
            live: crate::live::LiveHub::new(db.clone(), &notify, config.viewer_grace()),
            notify,
            orders: crate::orders::Orders::new(&config),
            capture: crate::reports::capture::Capture::new(metrics.report_events_dropped.clone()),
            media,
            mail: Arc::new(crate::mail::Mail::new(
                &config,
                &[
                    crate::orders::mails::RENDERERS,
                    crate::live::auctions::mails::RENDERERS,
                ]
                .concat(),
            )),
            config: Arc::new(config),
            db,
            metrics,
            limits: Arc::new(RateLimits::default()),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}
