//! Engagement reports: what each stream did, for owners and marketers. `store` reads
//! the rows, `metrics` holds one function per metric (defined in docs/metrics.md),
//! `reach` counts product events in SQL. `viewer_side` computes what no longer changes
//! once a stream has ended (viewer KPIs, per-minute viewers and reactions, product
//! reach); `rollup` stores it at stream end (`rollup_store`) and backfills missing
//! rollups. `stream_report` assembles a stream's report from the rollup (or raw rows
//! while live or stale) plus its orders, `summary` the KPIs of many streams for the
//! overview, `sources` the traffic-source split; `timeline` and `chart` lay out the
//! per-minute chart; `pages`, `stream_page`, `export` (`csv_out`) and `api` serve HTML,
//! CSV and JSON.

pub mod api;
pub mod capture;
mod capture_rows;
pub mod capture_track;
pub mod chart;
pub mod csv_out;
pub mod export;
pub mod live;
pub mod metrics;
pub mod orders_export;
pub mod overview;
pub mod overview_export;
pub mod pages;
pub mod range;
pub mod reach;
pub mod report;
pub mod rollup;
pub mod rollup_store;
pub mod scope;
pub mod slots;
pub mod source_view;
pub mod sources;
pub mod store;
pub mod stream_page;
pub mod stream_report;
pub mod summary;
pub mod timeline;
pub mod tokens;
pub mod tokens_page;
pub mod top_products;
pub mod trends;
pub mod view;
pub mod viewer_side;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(pages::index))
        .route("/reports/streams.csv", get(export::streams))
        .route("/reports/products.csv", get(overview_export::products))
        .route("/reports/slots.csv", get(overview_export::slots))
        .route("/reports/sources.csv", get(overview_export::sources))
        .route("/reports/orders.csv", get(orders_export::csv))
        .route("/api/reports/streams", get(api::streams))
        .route("/api/reports/streams/{id}", get(api::stream))
        .route(
            "/settings/api-tokens",
            get(tokens_page::page).post(tokens_page::create),
        )
        .route(
            "/settings/api-tokens/{id}/revoke",
            post(tokens_page::revoke),
        )
        .route("/reports/streams/{id}", get(stream_page::stream))
        .route("/reports/streams/{id}/kpis.csv", get(export::kpis))
        .route("/reports/streams/{id}/timeline.csv", get(export::timeline))
        .route("/reports/streams/{id}/products.csv", get(export::products))
        .route("/@{shop}/{stream}/live/track", post(capture_track::track))
}
