//! Traffic sources (docs/metrics.md, "Traffic sources"): which channel brought viewers
//! and which brought buyers. A viewer's source is that of their first visit in the live
//! window; `source` names it. Unique viewers are counted in SQL (GROUP BY over the raw
//! utm/embed/referrer columns, folded into sources here) and stored per ended stream by
//! the rollup; buyers, orders and revenue come from the orders and the buyers' own
//! first visits, with the order definitions of `metrics.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use sqlx::AnyPool;

use super::metrics::{self, Rate};
use super::rollup_store::ROLLED_SQL;
pub use super::scope::Scope;
use super::store::OrderRow;

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

/// SQL for `metrics::is_kept` on `orders o` (top products group lines in SQL).
pub const KEPT_SQL: &str = "o.status IN ('paid', 'fulfilled', 'partially_refunded') \
     AND (o.refunded_amount < o.total OR o.total = 0)";

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

#[derive(sqlx::FromRow)]
struct ViewerGroup {
    utm_source: String,
    embedded: i64,
    referrer: String,
    viewers: i64,
}

/// A buyer's first visit in the live window: the raw columns that name its source.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BuyerFirst {
    pub stream_id: i64,
    pub viewer_id: String,
    pub utm_source: String,
    pub embedded: i64,
    pub referrer: String,
}

impl BuyerFirst {
    pub fn source(&self) -> String {
        source(&self.utm_source, self.embedded != 0, &self.referrer)
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
    let firsts: Vec<BuyerFirst> = sqlx::query_as_with(
        &format!(
            "WITH {cte} SELECT f.stream_id, f.viewer_id, f.utm_source, \
             CAST(CASE WHEN f.embedded THEN 1 ELSE 0 END AS BIGINT) AS embedded, f.referrer \
             FROM firsts f WHERE f.n = 1",
            cte = scope.firsts_cte(true, "")
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await?;
    Ok(firsts
        .into_iter()
        .map(|f| ((f.stream_id, f.viewer_id.clone()), f))
        .collect())
}

/// Unique viewers per source over the streams in scope, counted from their visits
/// (GROUP BY the raw columns, folded into sources here). With `unrolled_only`, only the
/// streams without a fresh rollup (the others' counts are stored, `rolled_counts`).
pub async fn viewer_counts(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
    unrolled_only: bool,
) -> sqlx::Result<Vec<(String, i64)>> {
    let extra = if unrolled_only {
        format!("NOT {ROLLED_SQL}")
    } else {
        String::new()
    };
    let groups: Vec<ViewerGroup> = sqlx::query_as_with(
        &format!(
            "WITH {cte} SELECT f.utm_source, CAST(CASE WHEN f.embedded THEN 1 ELSE 0 END AS BIGINT) AS embedded, \
             f.referrer, CAST(COUNT(*) AS BIGINT) AS viewers FROM firsts f WHERE f.n = 1 \
             GROUP BY f.utm_source, f.embedded, f.referrer",
            cte = scope.firsts_cte(false, &extra)
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await?;
    let mut by_source: BTreeMap<String, i64> = BTreeMap::new();
    for g in groups {
        *by_source
            .entry(source(&g.utm_source, g.embedded != 0, &g.referrer))
            .or_default() += g.viewers;
    }
    Ok(by_source.into_iter().collect())
}

/// The stored unique viewers per source of the streams in scope with a fresh rollup.
async fn rolled_counts(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<(String, i64)>> {
    // The scope's `now` placeholder is unused here; mention it so PostgreSQL can type it.
    let now_param = scope.now_param();
    sqlx::query_as_with(
        &format!(
            "SELECT c.source, CAST(SUM(c.unique_viewers) AS BIGINT) FROM report_stream_sources c \
             JOIN streams s ON s.id = c.stream_id AND s.shop_id = c.shop_id \
             WHERE {cond} AND {ROLLED_SQL} AND {now_param} = {now_param} GROUP BY c.source",
            cond = scope.condition()
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await
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
        rolled_counts(db, shop_id, scope, now),
    )?;
    let mut by_source: BTreeMap<String, SourceRow> = BTreeMap::new();
    for (name, viewers) in raw.into_iter().chain(rolled) {
        by_source.entry(name).or_default().unique_viewers += viewers;
    }
    let first_source: HashMap<(i64, String), String> = buyer_firsts(db, shop_id, scope, now)
        .await?
        .into_iter()
        .map(|(key, f)| (key, f.source()))
        .collect();
    let now_param = scope.now_param();
    let orders: Vec<(i64, i64, String, String, i64, i64, i64)> = sqlx::query_as_with(
        &format!(
            "SELECT o.stream_id, o.id, o.viewer_id, o.status, o.total, o.refunded_amount, o.created_at \
             FROM orders o WHERE o.shop_id = $1 AND {now_param} = {now_param} \
             AND o.stream_id IN (SELECT s.id FROM streams s WHERE {cond})",
            cond = scope.condition()
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await?;
    let mut buyers: BTreeSet<(i64, &str)> = BTreeSet::new();
    for (stream_id, id, viewer_id, status, total, refunded_amount, created_at) in &orders {
        let order = OrderRow {
            id: *id,
            viewer_id: viewer_id.clone(),
            status: status.clone(),
            total: *total,
            refunded_amount: *refunded_amount,
            created_at: *created_at,
        };
        if !metrics::is_paid(&order) {
            continue;
        }
        let key = (*stream_id, viewer_id.clone());
        let name = first_source.get(&key).map_or(NO_VISIT, String::as_str);
        let row = by_source.entry(name.to_string()).or_default();
        row.revenue += total - refunded_amount;
        if metrics::is_kept(&order) {
            row.orders += 1;
            if first_source.contains_key(&key) && buyers.insert((*stream_id, viewer_id.as_str())) {
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
