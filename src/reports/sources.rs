//! Traffic sources (docs/metrics.md, "Traffic sources"): which channel brought viewers
//! and which brought buyers. A viewer's source is that of their first visit in the live
//! window; `source` names it. The counting runs in SQL (GROUP BY over the raw
//! utm/embed/referrer columns, one row per distinct combination, not per session), and
//! the few groups are then folded into sources here.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::any::AnyArguments;
use sqlx::{AnyPool, Arguments};

use super::metrics::Rate;

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

/// Which streams a split covers.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// One stream of the shop.
    Stream(i64),
    /// The shop's streams that went live in `[start, end)`.
    Range { start: i64, end: i64 },
}

impl Scope {
    /// A condition on `streams s`, with `$1` the shop.
    pub fn condition(&self) -> &'static str {
        match self {
            Scope::Stream(_) => "s.shop_id = $1 AND s.id = $2",
            Scope::Range { .. } => {
                "s.shop_id = $1 AND s.started_at >= $2 AND s.started_at < $3 \
                 AND s.status IN ('live', 'ended')"
            }
        }
    }

    /// The placeholder bound to *now* (the end of a live stream's window).
    pub fn now_param(&self) -> &'static str {
        match self {
            Scope::Stream(_) => "$3",
            Scope::Range { .. } => "$4",
        }
    }

    pub fn arguments(&self, shop_id: i64, now: i64) -> AnyArguments<'static> {
        let mut args = AnyArguments::default();
        let values = match *self {
            Scope::Stream(id) => vec![shop_id, id, now],
            Scope::Range { start, end } => vec![shop_id, start, end, now],
        };
        for v in values {
            // Adding an i64 to Any arguments cannot fail.
            let _ = args.add(v);
        }
        args
    }

    /// `WITH firsts AS (…)`: each viewer's visits in the live window of each stream in
    /// scope, numbered by join time (`n = 1` is the first, which names the source).
    pub fn firsts_cte(&self) -> String {
        format!(
            "firsts AS (SELECT v.stream_id, v.viewer_id, v.utm_source, v.embedded, v.referrer, \
             ROW_NUMBER() OVER (PARTITION BY v.stream_id, v.viewer_id ORDER BY v.joined_at, v.id) AS n \
             FROM viewer_sessions v JOIN streams s ON s.id = v.stream_id AND s.shop_id = v.shop_id \
             WHERE {cond} AND v.shop_id = $1 AND s.started_at IS NOT NULL \
             AND v.joined_at < COALESCE(s.ended_at, {now}) \
             AND (v.left_at IS NULL OR (v.left_at > s.started_at AND v.left_at > v.joined_at) \
                  OR (v.left_at = v.joined_at AND v.joined_at >= s.started_at)))",
            cond = self.condition(),
            now = self.now_param(),
        )
    }
}

/// SQL for `metrics::is_paid` and `metrics::is_kept` on `orders o`.
pub const PAID_SQL: &str = "o.status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded')";
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
    buyers: i64,
}

#[derive(sqlx::FromRow)]
struct OrderGroup {
    utm_source: Option<String>,
    embedded: i64,
    referrer: Option<String>,
    orders: i64,
    revenue: i64,
}

/// Per source, most viewers first; sums over sources equal the stream's (or, for a
/// range, the sum of its streams') unique viewers, buying viewers, orders and revenue.
pub async fn split(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<SourceRow>> {
    let cte = scope.firsts_cte();
    let cond = scope.condition();
    let viewers: Vec<ViewerGroup> = sqlx::query_as_with(
        &format!(
            "WITH {cte}, buyers AS (SELECT DISTINCT o.stream_id, o.viewer_id FROM orders o \
             WHERE o.shop_id = $1 AND {KEPT_SQL} AND o.stream_id IN (SELECT s.id FROM streams s WHERE {cond})) \
             SELECT f.utm_source, CAST(CASE WHEN f.embedded THEN 1 ELSE 0 END AS BIGINT) AS embedded, \
             f.referrer, CAST(COUNT(*) AS BIGINT) AS viewers, CAST(COUNT(b.viewer_id) AS BIGINT) AS buyers \
             FROM firsts f LEFT JOIN buyers b ON b.stream_id = f.stream_id AND b.viewer_id = f.viewer_id \
             WHERE f.n = 1 GROUP BY f.utm_source, f.embedded, f.referrer"
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await?;
    let orders: Vec<OrderGroup> = sqlx::query_as_with(
        &format!(
            "WITH {cte} SELECT f.utm_source, CAST(CASE WHEN f.embedded THEN 1 ELSE 0 END AS BIGINT) AS embedded, \
             f.referrer, CAST(SUM(CASE WHEN {KEPT_SQL} THEN 1 ELSE 0 END) AS BIGINT) AS orders, \
             CAST(SUM(o.total - o.refunded_amount) AS BIGINT) AS revenue \
             FROM orders o LEFT JOIN firsts f ON f.n = 1 AND f.stream_id = o.stream_id AND f.viewer_id = o.viewer_id \
             WHERE o.shop_id = $1 AND {PAID_SQL} AND o.stream_id IN (SELECT s.id FROM streams s WHERE {cond}) \
             GROUP BY f.utm_source, f.embedded, f.referrer"
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await?;
    let mut by_source: BTreeMap<String, SourceRow> = BTreeMap::new();
    for g in viewers {
        let name = source(&g.utm_source, g.embedded != 0, &g.referrer);
        let row = by_source.entry(name).or_default();
        row.unique_viewers += g.viewers;
        row.buying_viewers += g.buyers;
    }
    for g in orders {
        let name = match &g.utm_source {
            Some(utm) => source(utm, g.embedded != 0, g.referrer.as_deref().unwrap_or("")),
            None => NO_VISIT.to_string(),
        };
        let row = by_source.entry(name).or_default();
        row.orders += g.orders;
        row.revenue += g.revenue;
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
