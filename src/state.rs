//! The state every handler can reach: configuration, database, metrics, limits.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::config::Config;
use crate::db::Db;
use crate::web::metrics::Metrics;
use crate::web::ratelimit::RateLimits;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub metrics: Arc<Metrics>,
    pub limits: Arc<RateLimits>,
}

impl AppState {
    pub fn new(config: Config, db: Db) -> AppState {
        AppState {
            config: Arc::new(config),
            db,
            metrics: Metrics::new(),
            limits: Arc::new(RateLimits::default()),
        }
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}
