//! The exports' own SQL: the orders of a range with what each is attributed to (the
//! stream, the pin open at the first Buy and its product), for `/reports/orders.csv`.
//! Every other CSV reads the numbers its page shows, through those pages' functions.

use sqlx::AnyPool;

use super::orders::AttributedOrder;
use crate::reports::sources::Scope;

/// The orders of the streams in scope, oldest first; `first_visit` is left empty
/// (`orders::attributed_orders` joins it).
pub async fn attributed_orders(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<AttributedOrder>> {
    // The scope's `now` placeholder is unused here; mention it so PostgreSQL can type it.
    let now_param = scope.now_param();
    sqlx::query_as_with(
        &format!(
            "SELECT o.number, o.status, o.viewer_id, o.created_at, o.currency, o.total, \
             o.refunded_amount, o.discount, o.coupon_code, o.stream_id, s.title AS stream_title, s.started_at AS stream_started_at, \
             o.pin_id, p.product_id AS pin_product_id, pr.title AS pin_product, o.stream_offset_s \
             FROM orders o JOIN streams s ON s.id = o.stream_id AND s.shop_id = o.shop_id \
             LEFT JOIN pins p ON p.id = o.pin_id AND p.shop_id = o.shop_id \
             LEFT JOIN products pr ON pr.id = p.product_id AND pr.shop_id = o.shop_id \
             WHERE o.shop_id = $1 AND {cond} AND s.started_at IS NOT NULL \
             AND {now_param} = {now_param} ORDER BY o.created_at, o.id",
            cond = scope.condition(),
        ),
        scope.arguments(shop_id, now),
    )
    .fetch_all(db)
    .await
}
