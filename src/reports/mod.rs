//! Engagement reports: what each stream did, for owners and marketers. `store` reads
//! the rows, `metrics` holds one function per metric (defined in docs/metrics.md),
//! `report` and `timeline` assemble them, `chart` lays out the SVG, `pages` and
//! `export` serve HTML and CSV.

pub mod chart;
pub mod export;
pub mod metrics;
pub mod pages;
pub mod report;
pub mod store;
pub mod timeline;
pub mod view;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(pages::index))
        .route("/reports/streams.csv", get(export::streams))
        .route("/reports/streams/{id}", get(pages::stream))
        .route("/reports/streams/{id}/kpis.csv", get(export::kpis))
        .route("/reports/streams/{id}/timeline.csv", get(export::timeline))
}
