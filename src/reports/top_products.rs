//! Top products across the streams of a range (docs/metrics.md, "Shop overview"):
//! what kept orders attributed to those streams bought, and in how many of them each
//! product was pinned. Two GROUP BY queries, merged here.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::AnyPool;

use super::sources::{KEPT_SQL, Scope};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TopProduct {
    pub product_id: i64,
    pub title: String,
    /// Quantities on lines of kept orders.
    pub units: i64,
    /// Those lines' quantity × unit price, minor units (refunds are per order).
    pub revenue: i64,
    /// Kept orders with at least one line of the product.
    pub orders: i64,
    /// Streams of the range in which the product was pinned at least once.
    pub streams_pinned: i64,
}

#[derive(sqlx::FromRow)]
struct Sold {
    product_id: i64,
    title: String,
    units: i64,
    revenue: i64,
    orders: i64,
}

#[derive(sqlx::FromRow)]
struct Pinned {
    product_id: i64,
    title: String,
    streams: i64,
}

/// Every product sold or pinned in the scope, most revenue first (then units, title).
pub async fn top_products(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<TopProduct>> {
    let cond = scope.condition();
    // The scope's `now` placeholder is unused here; mention it so PostgreSQL can type it.
    let now_param = scope.now_param();
    let sold: Vec<Sold> = sqlx::query_as_with(
        &format!(
            "SELECT l.product_id, pr.title, CAST(SUM(l.quantity) AS BIGINT) AS units, \
             CAST(SUM(l.quantity * l.unit_price) AS BIGINT) AS revenue, \
             CAST(COUNT(DISTINCT l.order_id) AS BIGINT) AS orders \
             FROM order_lines l JOIN orders o ON o.id = l.order_id AND o.shop_id = l.shop_id \
             JOIN products pr ON pr.id = l.product_id AND pr.shop_id = l.shop_id \
             WHERE l.shop_id = $1 AND {KEPT_SQL} AND {now_param} = {now_param} \
             AND o.stream_id IN (SELECT s.id FROM streams s WHERE {cond}) \
             GROUP BY l.product_id, pr.title"
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await?;
    let pinned: Vec<Pinned> = sqlx::query_as_with(
        &format!(
            "SELECT p.product_id, pr.title, CAST(COUNT(DISTINCT p.stream_id) AS BIGINT) AS streams \
             FROM pins p JOIN products pr ON pr.id = p.product_id AND pr.shop_id = p.shop_id \
             WHERE p.shop_id = $1 AND {now_param} = {now_param} \
             AND p.stream_id IN (SELECT s.id FROM streams s WHERE {cond}) \
             GROUP BY p.product_id, pr.title"
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await?;
    let mut by_id: BTreeMap<i64, TopProduct> = BTreeMap::new();
    for s in sold {
        let row = by_id.entry(s.product_id).or_default();
        row.product_id = s.product_id;
        row.title = s.title;
        row.units = s.units;
        row.revenue = s.revenue;
        row.orders = s.orders;
    }
    for p in pinned {
        let row = by_id.entry(p.product_id).or_default();
        row.product_id = p.product_id;
        row.title = p.title;
        row.streams_pinned = p.streams;
    }
    let mut rows: Vec<TopProduct> = by_id.into_values().collect();
    rows.sort_by(|a, b| {
        (b.revenue, b.units)
            .cmp(&(a.revenue, a.units))
            .then_with(|| a.title.cmp(&b.title))
    });
    Ok(rows)
}
