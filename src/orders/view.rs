//! Orders as pages show them: amounts formatted in the order's currency, times in the
//! shop's zone. Shared by the shopper's checkout pages and the dashboard.

use super::domain;
use super::store::{Line, Order};
use crate::money;

pub struct LineView {
    pub id: i64,
    pub title: String,
    pub variant_title: String,
    pub quantity: i64,
    pub unit_price: String,
    pub amount: String,
    pub stock_state: String,
    pub restockable: i64,
    pub offer: bool,
}

pub fn lines(lines: &[Line]) -> Vec<LineView> {
    lines
        .iter()
        .map(|l| LineView {
            id: l.id,
            title: l.title.clone(),
            variant_title: l.variant_title.clone(),
            quantity: l.quantity,
            unit_price: money::format(l.unit_price, &l.currency),
            amount: money::format(domain::line_total(l.unit_price, l.quantity), &l.currency),
            stock_state: l.stock_state.clone(),
            restockable: if l.stock_state == "sold" {
                l.quantity - l.restocked
            } else {
                0
            },
            offer: l.offer_pin_id.is_some(),
        })
        .collect()
}

/// The order's total as the shopper reads it.
pub fn total(order: &Order) -> String {
    money::format(order.total, &order.currency)
}

/// `/@{shop}/{stream}` of the order's stream, if it still exists.
pub async fn stream_path(db: &sqlx::AnyPool, order: &Order) -> sqlx::Result<Option<String>> {
    let Some(stream_id) = order.stream_id else {
        return Ok(None);
    };
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT sh.slug, st.slug FROM streams st JOIN shops sh ON sh.id = st.shop_id WHERE st.id = $1 AND st.shop_id = $2",
    )
    .bind(stream_id)
    .bind(order.shop_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(shop, stream)| format!("/@{shop}/{stream}")))
}
