//! The traffic-source split's SQL: buyers' first visits, visits grouped by their raw
//! source columns, the per-source counts stored by the rollup, and the orders of the
//! streams in scope. Every query takes its condition and arguments from the `Scope`.

use sqlx::AnyPool;

use super::{BuyerFirst, Scope, SourceCount};
use crate::reports::figures::store::OrderRow;

/// A stream whose stored rollup is fresh and built for its current window, as a
/// condition on `streams s` (the SQL twin of `rollup::store::load` returning `Some`).
pub const ROLLED_SQL: &str = "(s.ended_at IS NOT NULL AND EXISTS (SELECT 1 FROM \
     report_stream_summaries r WHERE r.stream_id = s.id AND r.shop_id = s.shop_id \
     AND r.stale = 0 AND r.window_start = s.started_at AND r.window_end = s.ended_at))";

/// The first visit in the live window of each viewer on an order (any status) of the
/// streams in scope (`Scope::firsts_cte` with `buyers_only`).
pub async fn buyer_firsts(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<BuyerFirst>> {
    sqlx::query_as_with(
        &format!(
            "WITH {cte} SELECT f.stream_id, f.viewer_id, f.utm_source, {embedded}, f.referrer \
             FROM firsts f WHERE f.n = 1",
            cte = scope.firsts_cte(true, ""),
            embedded = crate::db::flag("f.embedded"),
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await
}

/// Viewers whose first visit had these raw source columns.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ViewerGroup {
    pub utm_source: String,
    #[sqlx(try_from = "crate::db::Flag")]
    pub embedded: bool,
    pub referrer: String,
    pub viewers: i64,
}

/// Unique viewers of the streams in scope grouped by their first visit's raw source
/// columns; with `unrolled_only`, only streams without a fresh rollup.
pub async fn viewer_groups(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
    unrolled_only: bool,
) -> sqlx::Result<Vec<ViewerGroup>> {
    let extra = if unrolled_only {
        format!("NOT {ROLLED_SQL}")
    } else {
        String::new()
    };
    sqlx::query_as_with(
        &format!(
            "WITH {cte} SELECT f.utm_source, {embedded}, \
             f.referrer, CAST(COUNT(*) AS BIGINT) AS viewers FROM firsts f WHERE f.n = 1 \
             GROUP BY f.utm_source, f.embedded, f.referrer",
            cte = scope.firsts_cte(false, &extra),
            embedded = crate::db::flag("f.embedded"),
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await
}

/// The stored unique viewers per source of the streams in scope with a fresh rollup.
pub async fn rolled_counts(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<SourceCount>> {
    // The scope's `now` placeholder is unused here; mention it so PostgreSQL can type it.
    let now_param = scope.now_param();
    sqlx::query_as_with(
        &format!(
            "SELECT c.source, CAST(SUM(c.unique_viewers) AS BIGINT) AS viewers FROM report_stream_sources c \
             JOIN streams s ON s.id = c.stream_id AND s.shop_id = c.shop_id \
             WHERE {cond} AND {ROLLED_SQL} AND {now_param} = {now_param} GROUP BY c.source",
            cond = scope.condition()
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await
}

/// An order, with the stream it is attributed to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StreamOrder {
    pub stream_id: i64,
    #[sqlx(flatten)]
    pub order: OrderRow,
}

/// Every order (any status) attributed to a stream in scope.
pub async fn orders_in_scope(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<StreamOrder>> {
    let now_param = scope.now_param();
    sqlx::query_as_with(
        &format!(
            "SELECT o.stream_id, o.id, o.viewer_id, o.status, o.total, o.refunded_amount, o.created_at \
             FROM orders o WHERE o.shop_id = $1 AND {now_param} = {now_param} \
             AND o.stream_id IN (SELECT s.id FROM streams s WHERE {cond})",
            cond = scope.condition()
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await
}
