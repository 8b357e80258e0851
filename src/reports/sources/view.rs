//! The traffic-sources table as pages show it, shared by the stream report and the
//! overview (`templates/reports/_sources.html`).

use super::{Scope, SourceRow, split};
use crate::money;
use crate::reports::figures::view;

/// One formatted row.
pub struct SourceView {
    pub source: String,
    pub viewers: i64,
    pub buyers: i64,
    pub orders: i64,
    pub revenue: String,
    pub conversion: String,
}

pub fn format(rows: &[SourceRow], currency: &str) -> Vec<SourceView> {
    rows.iter()
        .map(|r| SourceView {
            source: r.source.clone(),
            viewers: r.unique_viewers,
            buyers: r.buying_viewers,
            orders: r.orders,
            revenue: money::format(r.revenue, currency),
            conversion: view::rate(r.conversion_rate()),
        })
        .collect()
}

/// The sources of one stream, formatted: what the stream page's section shows.
pub async fn for_stream(
    db: &sqlx::AnyPool,
    shop_id: i64,
    stream_id: i64,
    currency: &str,
    now: i64,
) -> sqlx::Result<Vec<SourceView>> {
    let rows = split(db, shop_id, Scope::Stream(stream_id), now).await?;
    Ok(format(&rows, currency))
}
