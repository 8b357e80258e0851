//! Engagement reports: what each stream did, for owners and marketers. One folder per
//! job, each building only on the ones listed before it:
//!
//! - `figures`: the rows and the computation every report shares (one function per
//!   metric, docs/metrics.md; KPIs, product table, funnel, per-minute timeline).
//! - `capture`: product events (impressions, clicks, Buy taps, checkouts) recorded off
//!   the request path and written in batches.
//! - `sources`: the traffic-source split, and which streams a query covers (`Scope`).
//! - `rollup`: the figures of an ended stream stored once, so readers need not recompute.
//! - `stream`: one stream's report (page, and the studio's live figures).
//! - `overview`: the shop overview for a date range (list, trends, slots, products).
//! - `exports`: the CSVs; `api`: the JSON API for BI tools and its tokens.
//!
//! Readers take the rollup of an ended stream and compute from raw rows while live or
//! stale; order figures always come from the orders, which refunds change later.

pub mod api;
pub mod capture;
pub mod exports;
pub mod figures;
pub mod overview;
pub mod rollup;
pub mod sources;
pub mod stream;

/// The studio's running figures, at the path the live room and the order ticker call.
pub use stream::live;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(overview::page::index))
        .route("/reports/streams.csv", get(exports::streams::streams))
        .route("/reports/products.csv", get(exports::overview::products))
        .route("/reports/slots.csv", get(exports::overview::slots))
        .route("/reports/sources.csv", get(exports::overview::sources))
        .route("/reports/orders.csv", get(exports::orders::csv))
        .route("/api/reports/streams", get(api::streams))
        .route("/api/reports/streams/{id}", get(api::stream))
        .route(
            "/settings/api-tokens",
            get(api::tokens_page::page).post(api::tokens_page::create),
        )
        .route(
            "/settings/api-tokens/{id}/revoke",
            post(api::tokens_page::revoke),
        )
        .route("/reports/streams/{id}", get(stream::page::stream))
        .route(
            "/reports/streams/{id}/kpis.csv",
            get(exports::streams::kpis),
        )
        .route(
            "/reports/streams/{id}/timeline.csv",
            get(exports::streams::timeline),
        )
        .route("/reports/streams/{id}/polls.csv", get(exports::polls::csv))
        .route(
            "/reports/streams/{id}/auctions.csv",
            get(exports::auctions::csv),
        )
        .route(
            "/reports/streams/{id}/coupons.csv",
            get(exports::coupons::csv),
        )
        .route(
            "/reports/streams/{id}/giveaways.csv",
            get(exports::giveaways::csv),
        )
        .route(
            "/reports/streams/{id}/products.csv",
            get(exports::streams::products),
        )
        .route("/@{shop}/{stream}/live/track", post(capture::track::track))
}
