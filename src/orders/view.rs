//! Orders as pages show them: amounts formatted in the order's currency, times in the
//! shop's zone. Shared by the shopper's checkout pages and the dashboard.

use super::store::{self, Line, Order};

pub struct LineView {
    pub id: i64,
    pub title: String,
    pub variant_title: String,
    pub quantity: i64,
    pub unit_price: String,
    pub amount: String,
    /// Units a refund may put back on the shelf.
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
            unit_price: l.unit_price.to_string(),
            amount: l.amount().to_string(),
            restockable: l.restockable(),
            offer: l.offer_pin_id.is_some(),
        })
        .collect()
}

/// The order's total as the shopper reads it.
pub fn total(order: &Order) -> String {
    order.total.to_string()
}

/// `/@{shop}/{stream}` of the order's stream, if it still exists.
pub async fn stream_path(db: &sqlx::AnyPool, order: &Order) -> sqlx::Result<Option<String>> {
    let Some(stream_id) = order.stream_id else {
        return Ok(None);
    };
    Ok(store::stream_address(db, order.shop_id, stream_id)
        .await?
        .map(|a| format!("/@{}/{}", a.shop_slug, a.stream_slug)))
}
