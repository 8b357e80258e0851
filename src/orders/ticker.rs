//! The studio's live order ticker: each new, paid, refunded or expired order is put in
//! the stream's live room with the stream's revenue so far. Sent off the request path.

use serde_json::json;

use super::store::Order;
use crate::catalog::money;
use crate::state::AppState;

/// Revenue of a stream: paid orders' totals less refunds, in minor units.
pub async fn stream_revenue(
    db: &sqlx::AnyPool,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(total - refunded_amount), 0) AS BIGINT) FROM orders \
         WHERE shop_id = $1 AND stream_id = $2 AND status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded')",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_one(db)
    .await
}

/// Tell the stream's room about `order` (`event`: reserved, paid, refunded, expired…).
pub fn emit(state: &AppState, order: &Order, event: &'static str) {
    let Some(stream_id) = order.stream_id else {
        return;
    };
    let state = state.clone();
    let (shop_id, number, total, currency) = (
        order.shop_id,
        order.number.clone(),
        order.total,
        order.currency.clone(),
    );
    tokio::spawn(async move {
        let (orders, revenue) = match stream_revenue(&state.db.pool, shop_id, stream_id).await {
            Ok(r) => r,
            Err(err) => {
                tracing::warn!(error = %err, "order ticker: revenue unavailable");
                return;
            }
        };
        let data = json!({
            "event": event,
            "number": number,
            "total": total,
            "currency": currency,
            "total_display": money::format(total, &currency),
            "paid_orders": orders,
            "revenue": revenue,
            "revenue_display": money::format(revenue, &currency),
        });
        // Staff only: order numbers and revenue are not for the viewers' event stream.
        if let Err(err) = state.live.staff(shop_id, stream_id, "order", data).await {
            tracing::warn!(error = %err, "order ticker: could not reach the live room");
        }
    });
}
