//! The overview's SQL beyond the shared rows: the order side of many streams at once
//! (`summary::kpis_for`, one query per kind of row for a batch of streams), and what
//! kept orders bought and which products were pinned across a range (`top_products`).

use sqlx::AnyPool;

use crate::reports::figures::metrics::KEPT_SQL;
use crate::reports::figures::store::{LineRow, Visit};
use crate::reports::sources::Scope;
use crate::reports::sources::store::StreamOrder;

/// The streams' ids as an `IN (…)` list: integers inlined, so no parameter limit
/// applies however many streams a batch holds.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Every order (any status) of the given streams of the shop.
pub async fn orders_of(db: &AnyPool, shop_id: i64, ids: &[i64]) -> sqlx::Result<Vec<StreamOrder>> {
    sqlx::query_as(&format!(
        "SELECT stream_id, id, viewer_id, status, total, refunded_amount, created_at FROM orders \
         WHERE shop_id = $1 AND stream_id IN ({ids})",
        ids = id_list(ids)
    ))
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// An order line, with the stream its order is attributed to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StreamLine {
    pub stream_id: i64,
    #[sqlx(flatten)]
    pub line: LineRow,
}

/// Every order line of the given streams' orders.
pub async fn lines_of(db: &AnyPool, shop_id: i64, ids: &[i64]) -> sqlx::Result<Vec<StreamLine>> {
    sqlx::query_as(&format!(
        "SELECT o.stream_id, l.order_id, l.product_id, l.pin_id, l.quantity, l.unit_price \
         FROM order_lines l JOIN orders o ON o.id = l.order_id AND o.shop_id = l.shop_id \
         WHERE l.shop_id = $1 AND o.stream_id IN ({ids})",
        ids = id_list(ids)
    ))
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// A visit, with its stream.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StreamVisit {
    pub stream_id: i64,
    #[sqlx(flatten)]
    pub visit: Visit,
}

/// The visits of the viewers on an order of each of the given streams: enough to tell
/// which buyers were viewers, without reading every visit.
pub async fn buyer_visits_of(
    db: &AnyPool,
    shop_id: i64,
    ids: &[i64],
) -> sqlx::Result<Vec<StreamVisit>> {
    sqlx::query_as(&format!(
        "SELECT v.stream_id, v.viewer_id, v.joined_at, v.left_at FROM \
         (SELECT DISTINCT stream_id, viewer_id FROM orders \
          WHERE shop_id = $1 AND stream_id IN ({ids})) b \
         JOIN viewer_sessions v ON v.stream_id = b.stream_id AND v.viewer_id = b.viewer_id \
         WHERE v.shop_id = $1",
        ids = id_list(ids)
    ))
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// What kept orders bought of one product.
#[derive(sqlx::FromRow)]
pub struct Sold {
    pub product_id: i64,
    pub title: String,
    pub units: i64,
    pub revenue: i64,
    pub orders: i64,
}

/// In how many streams one product was pinned.
#[derive(sqlx::FromRow)]
pub struct Pinned {
    pub product_id: i64,
    pub title: String,
    pub streams: i64,
}

/// Per product, what the kept orders of the streams in scope bought.
pub async fn sold(db: &AnyPool, shop_id: i64, scope: Scope, now: i64) -> sqlx::Result<Vec<Sold>> {
    let cond = scope.condition();
    // The scope's `now` placeholder is unused here; mention it so PostgreSQL can type it.
    let now_param = scope.now_param();
    sqlx::query_as_with(
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
    .await
}

/// Per product, in how many of the streams in scope it was pinned.
pub async fn pinned(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<Pinned>> {
    let cond = scope.condition();
    // The scope's `now` placeholder is unused here; mention it so PostgreSQL can type it.
    let now_param = scope.now_param();
    sqlx::query_as_with(
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
    .await
}
