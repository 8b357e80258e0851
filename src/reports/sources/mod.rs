//! Traffic sources (docs/metrics.md, "Traffic sources"): which channel brought viewers
//! and which brought buyers. A viewer's source is that of their first visit in the live
//! window; `source` names it. Unique viewers are counted in SQL (GROUP BY over the raw
//! utm/embed/referrer columns, folded into sources here) and stored per ended stream by
//! the rollup; buyers, orders and revenue come from the orders and the buyers' own
//! first visits, with the order definitions of `figures::metrics`. The SQL is in
//! `store`; `scope` says which streams a query covers; `view` formats the table.

mod scope;
pub mod store;
pub mod view;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use sqlx::AnyPool;

use crate::reports::figures::metrics::{self, Rate};
pub use scope::Scope;
use store::StreamOrder;

/// What an order with no visit of its buyer in the live window is filed under (a
/// shopper who bought from the stream page without opening the live room).
pub const NO_VISIT: &str = "(no live visit)";

/// The source of a visit: its `utm_source` if it has one (trimmed, lower-cased), else
/// "embed" for the player embedded on the merchant's site, else the referrer's host
/// (without "www."), else "direct".
pub fn source(utm_source: &str, embedded: bool, referrer: &str) -> String {
    let utm = utm_source.trim();
    if !utm.is_empty() {
        return utm.to_lowercase();
    }
    if embedded {
        return "embed".into();
    }
    url::Url::parse(referrer.trim())
        .ok()
        .and_then(|u| u.host_str().map(|h| h.to_lowercase()))
        .map(|h| h.strip_prefix("www.").map(str::to_string).unwrap_or(h))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "direct".into())
}

/// One source's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceRow {
    pub source: String,
    pub unique_viewers: i64,
    pub buying_viewers: i64,
    /// Kept orders of buyers whose first visit came from this source.
    pub orders: i64,
    /// Their revenue, as `metrics::revenue` counts it (minor units).
    pub revenue: i64,
}

impl SourceRow {
    pub fn conversion_rate(&self) -> Option<Rate> {
        Rate::of(self.buying_viewers as usize, self.unique_viewers as usize)
    }
}

/// Unique viewers of one source.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SourceCount {
    pub source: String,
    pub viewers: i64,
}

/// A buyer's first visit in the live window: the raw columns that name its source.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BuyerFirst {
    pub stream_id: i64,
    pub viewer_id: String,
    pub utm_source: String,
    #[sqlx(try_from = "crate::db::Flag")]
    pub embedded: bool,
    pub referrer: String,
}

impl BuyerFirst {
    pub fn source(&self) -> String {
        source(&self.utm_source, self.embedded, &self.referrer)
    }
}

/// The first visit in the live window of each viewer on an order (any status) of the
/// streams in scope, by (stream, viewer): the order side's sources, found through the
/// orders (`Scope::firsts_cte` with `buyers_only`) and joined to them in Rust.
pub async fn buyer_firsts(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<HashMap<(i64, String), BuyerFirst>> {
    let firsts = store::buyer_firsts(db, shop_id, scope, now).await?;
    Ok(firsts
        .into_iter()
        .map(|f| ((f.stream_id, f.viewer_id.clone()), f))
        .collect())
}

/// Unique viewers per source over the streams in scope, counted from their visits
/// (GROUP BY the raw columns, folded into sources here). With `unrolled_only`, only the
/// streams without a fresh rollup (the others' counts are stored, `store::rolled_counts`).
pub async fn viewer_counts(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
    unrolled_only: bool,
) -> sqlx::Result<Vec<SourceCount>> {
    let groups = store::viewer_groups(db, shop_id, scope, now, unrolled_only).await?;
    let mut by_source: BTreeMap<String, i64> = BTreeMap::new();
    for g in groups {
        *by_source
            .entry(source(&g.utm_source, g.embedded, &g.referrer))
            .or_default() += g.viewers;
    }
    Ok(by_source
        .into_iter()
        .map(|(source, viewers)| SourceCount { source, viewers })
        .collect())
}

/// Per source, most viewers first; sums over sources equal the stream's (or, for a
/// range, the sum of its streams') unique viewers, buying viewers, orders and revenue.
/// Unique viewers come from the rollups of ended streams and from the visits of the
/// others; the order side is always read from the orders (refunds change it), with the
/// first visits of the buyers only.
pub async fn split(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<SourceRow>> {
    let (raw, rolled) = tokio::try_join!(
        viewer_counts(db, shop_id, scope, now, true),
        store::rolled_counts(db, shop_id, scope, now),
    )?;
    let mut by_source: BTreeMap<String, SourceRow> = BTreeMap::new();
    for SourceCount { source, viewers } in raw.into_iter().chain(rolled) {
        by_source.entry(source).or_default().unique_viewers += viewers;
    }
    let first_source: HashMap<(i64, String), String> = buyer_firsts(db, shop_id, scope, now)
        .await?
        .into_iter()
        .map(|(key, f)| (key, f.source()))
        .collect();
    let orders = store::orders_in_scope(db, shop_id, scope, now).await?;
    let mut buyers: BTreeSet<(i64, &str)> = BTreeSet::new();
    for StreamOrder { stream_id, order } in &orders {
        if !metrics::is_paid(order) {
            continue;
        }
        let key = (*stream_id, order.viewer_id.clone());
        let name = first_source.get(&key).map_or(NO_VISIT, String::as_str);
        let row = by_source.entry(name.to_string()).or_default();
        row.revenue += order.total - order.refunded_amount;
        if metrics::is_kept(order) {
            row.orders += 1;
            if first_source.contains_key(&key)
                && buyers.insert((*stream_id, order.viewer_id.as_str()))
            {
                row.buying_viewers += 1;
            }
        }
    }
    let mut rows: Vec<SourceRow> = by_source
        .into_iter()
        .map(|(name, row)| SourceRow {
            source: name,
            ..row
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.unique_viewers, b.revenue)
            .cmp(&(a.unique_viewers, a.revenue))
            .then_with(|| a.source.cmp(&b.source))
    });
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::source;

    #[test]
    fn a_source_is_utm_then_embed_then_referrer_host_then_direct() {
        assert_eq!(source(" Newsletter ", true, "https://x.com/"), "newsletter");
        assert_eq!(source("", true, "https://shop.example/"), "embed");
        assert_eq!(
            source("", false, "https://www.Instagram.com/p/1"),
            "instagram.com"
        );
        assert_eq!(source("", false, "not a url"), "direct");
        assert_eq!(source("", false, ""), "direct");
    }
}
