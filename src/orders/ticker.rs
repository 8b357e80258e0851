//! The studio's live order ticker: each new, paid, refunded or expired order is put in
//! the stream's live room with the stream's revenue so far. Sent off the request path.

use serde_json::json;

use super::store::Order;
use crate::catalog::money;
use crate::reports;
use crate::state::AppState;

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
        // The running figures by the report's definitions (a fully refunded order is
        // not an order), so the studio and the report agree.
        let figures = match reports::live::figures(&state.db.pool, shop_id, stream_id).await {
            Ok(f) => f.json(&currency),
            Err(err) => {
                tracing::warn!(error = %err, "order ticker: figures unavailable");
                return;
            }
        };
        let data = json!({
            "event": event,
            "number": number,
            "total": total,
            "currency": currency,
            "total_display": money::format(total, &currency),
            "figures": figures,
        });
        // Staff only: order numbers and revenue are not for the viewers' event stream.
        if let Err(err) = state.live.staff(shop_id, stream_id, "order", data).await {
            tracing::warn!(error = %err, "order ticker: could not reach the live room");
        }
    });
}
