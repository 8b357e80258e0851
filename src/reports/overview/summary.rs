//! KPIs of many streams at once, for the shop overview: the viewer side from the
//! per-stream summaries built at stream end (`rollup`), the order side from the
//! orders (refunds change it later), all in a handful of queries whatever the number of
//! streams. A live stream, or one whose summary is missing or stale, is computed from
//! its raw rows (`stream::report::load`). The numbers are the same either way
//! (`kpis::kpis_from`).

use std::collections::{BTreeSet, HashMap};

use sqlx::AnyPool;

use super::store::{self, StreamLine, StreamVisit};
use crate::reports::figures::kpis::{self, Kpis, ViewerSummary};
use crate::reports::figures::metrics;
use crate::reports::figures::store::{LineRow, OrderRow, StreamRow, Visit};
use crate::reports::rollup;
use crate::reports::sources::store::StreamOrder;
use crate::reports::stream::report;

/// Streams per batch of reads (`store::orders_of` and its siblings).
const CHUNK: usize = 500;

/// The KPIs of each of `streams` (of shop `shop_id`) that went live, in the given order;
/// streams that never went live are left out.
pub async fn kpis_for(
    db: &AnyPool,
    shop_id: i64,
    streams: &[StreamRow],
    now: i64,
) -> sqlx::Result<Vec<(StreamRow, Kpis)>> {
    let stored: HashMap<i64, ViewerSummary> = rollup::store::summaries(db, shop_id)
        .await?
        .into_iter()
        .collect();
    // A summary counts only for an ended stream whose window it was built for.
    let rolled: Vec<i64> = streams
        .iter()
        .filter(|s| s.ended_at.is_some())
        .filter(|s| {
            let w = metrics::live_window(s, now);
            stored.get(&s.id).is_some_and(|v| Some(v.window) == w)
        })
        .map(|s| s.id)
        .collect();
    let mut orders: HashMap<i64, Vec<OrderRow>> = HashMap::new();
    let mut lines: HashMap<i64, Vec<LineRow>> = HashMap::new();
    let mut buyer_visits: HashMap<i64, Vec<Visit>> = HashMap::new();
    for chunk in rolled.chunks(CHUNK) {
        for StreamOrder { stream_id, order } in store::orders_of(db, shop_id, chunk).await? {
            orders.entry(stream_id).or_default().push(order);
        }
        for StreamLine { stream_id, line } in store::lines_of(db, shop_id, chunk).await? {
            lines.entry(stream_id).or_default().push(line);
        }
        // Only the buyers' visits: enough to tell which buyers were viewers.
        for StreamVisit { stream_id, visit } in store::buyer_visits_of(db, shop_id, chunk).await? {
            buyer_visits.entry(stream_id).or_default().push(visit);
        }
    }
    let rolled: BTreeSet<i64> = rolled.into_iter().collect();
    let mut out = Vec::with_capacity(streams.len());
    for stream in streams {
        if rolled.contains(&stream.id) {
            let summary = &stored[&stream.id];
            let visits = buyer_visits.remove(&stream.id).unwrap_or_default();
            let viewers = metrics::unique_viewers(&visits, summary.window);
            let kpis = kpis::kpis_from(
                summary,
                &viewers,
                orders.get(&stream.id).map_or(&[][..], Vec::as_slice),
                lines.get(&stream.id).map_or(&[][..], Vec::as_slice),
            );
            out.push((stream.clone(), kpis));
        } else {
            if let Some(r) = report::load(db, shop_id, stream, now).await? {
                out.push((stream.clone(), r.kpis));
            }
        }
    }
    Ok(out)
}
