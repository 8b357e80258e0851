//! What every report is computed from and with, whoever reads it (the stream page, the
//! overview, the exports, the API, the rollup worker): the rows (`store`), one function
//! per metric (`metrics`, defined in docs/metrics.md), the KPIs, product table and
//! funnel assembled from them (`kpis`), product events counted in SQL (`reach`), the
//! per-minute timeline (`timeline`), and `viewer_side::compute`, the one computation of
//! the figures that stop changing when a stream ends. `status` decodes status columns
//! into their enums; `view` says how the numbers read on a page. Nothing here knows about rollups, pages or handlers.

pub mod kpis;
pub mod metrics;
pub mod reach;
pub mod status;
pub mod store;
pub mod timeline;
pub mod view;
pub mod viewer_side;
