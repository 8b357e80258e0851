//! KPIs of many streams at once, for the shop overview: the viewer side from the
//! per-stream summaries built at stream end (`rollup.rs`), the order side from the
//! orders (refunds change it later), all in a handful of queries whatever the number of
//! streams. A live stream, or one whose summary is missing or stale, is computed from
//! its raw rows (`stream_report::load`). The numbers are the same either way
//! (`report::kpis_from`).

use std::collections::{BTreeSet, HashMap};

use sqlx::AnyPool;

use super::metrics;
use super::report::{self, Kpis};
use super::rollup_store;
use super::store::{LineRow, OrderRow, StreamRow, Visit};
use super::stream_report;

/// Ids per `IN (…)` list (inlined integers, so no parameter limit applies).
const CHUNK: usize = 500;

/// The KPIs of each of `streams` (of shop `shop_id`) that went live, in the given order;
/// streams that never went live are left out.
pub async fn kpis_for(
    db: &AnyPool,
    shop_id: i64,
    streams: &[StreamRow],
    now: i64,
) -> sqlx::Result<Vec<(StreamRow, Kpis)>> {
    let stored: HashMap<i64, report::ViewerSummary> = rollup_store::summaries(db, shop_id)
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
        let ids = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let rows: Vec<(i64, i64, String, String, i64, i64, i64)> = sqlx::query_as(&format!(
            "SELECT stream_id, id, viewer_id, status, total, refunded_amount, created_at FROM orders \
             WHERE shop_id = $1 AND stream_id IN ({ids})"
        ))
        .bind(shop_id)
        .fetch_all(db)
        .await?;
        for (stream, id, viewer_id, status, total, refunded_amount, created_at) in rows {
            orders.entry(stream).or_default().push(OrderRow {
                id,
                viewer_id,
                status,
                total,
                refunded_amount,
                created_at,
            });
        }
        let rows: Vec<(i64, i64, i64, Option<i64>, i64, i64)> = sqlx::query_as(&format!(
            "SELECT o.stream_id, l.order_id, l.product_id, l.pin_id, l.quantity, l.unit_price \
             FROM order_lines l JOIN orders o ON o.id = l.order_id AND o.shop_id = l.shop_id \
             WHERE l.shop_id = $1 AND o.stream_id IN ({ids})"
        ))
        .bind(shop_id)
        .fetch_all(db)
        .await?;
        for (stream, order_id, product_id, pin_id, quantity, unit_price) in rows {
            lines.entry(stream).or_default().push(LineRow {
                order_id,
                product_id,
                pin_id,
                quantity,
                unit_price,
            });
        }
        // Only the buyers' visits: enough to tell which buyers were viewers.
        let rows: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(&format!(
            "SELECT v.stream_id, v.viewer_id, v.joined_at, v.left_at FROM \
             (SELECT DISTINCT stream_id, viewer_id FROM orders \
              WHERE shop_id = $1 AND stream_id IN ({ids})) b \
             JOIN viewer_sessions v ON v.stream_id = b.stream_id AND v.viewer_id = b.viewer_id \
             WHERE v.shop_id = $1"
        ))
        .bind(shop_id)
        .fetch_all(db)
        .await?;
        for (stream, viewer_id, joined_at, left_at) in rows {
            buyer_visits.entry(stream).or_default().push(Visit {
                viewer_id,
                joined_at,
                left_at,
            });
        }
    }
    let rolled: BTreeSet<i64> = rolled.into_iter().collect();
    let mut out = Vec::with_capacity(streams.len());
    for stream in streams {
        if rolled.contains(&stream.id) {
            let summary = &stored[&stream.id];
            let visits = buyer_visits.remove(&stream.id).unwrap_or_default();
            let viewers = metrics::unique_viewers(&visits, summary.window);
            let kpis = report::kpis_from(
                summary,
                &viewers,
                orders.get(&stream.id).map_or(&[][..], Vec::as_slice),
                lines.get(&stream.id).map_or(&[][..], Vec::as_slice),
            );
            out.push((stream.clone(), kpis));
        } else {
            if let Some(r) = stream_report::load(db, shop_id, stream, now).await? {
                out.push((stream.clone(), r.kpis));
            }
        }
    }
    Ok(out)
}
