//! Top products across the streams of a range (docs/metrics.md, "Shop overview"):
//! what kept orders attributed to those streams bought, and in how many of them each
//! product was pinned. Two GROUP BY queries (`store::sold`, `store::pinned`), merged here.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::AnyPool;

use super::store;
use crate::reports::sources::Scope;

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

/// Every product sold or pinned in the scope, most revenue first (then units, title).
pub async fn top_products(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<TopProduct>> {
    let sold = store::sold(db, shop_id, scope, now).await?;
    let pinned = store::pinned(db, shop_id, scope, now).await?;
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
