//! The orders' SQL that payment needs: the paid fields, selling held or released units,
//! the attention flag, a delayed payment's longer hold, and the orders reconciliation
//! asks Stripe about, so payment's statements live in one file; every write runs in the
//! caller's transaction.

use sqlx::{AnyConnection, AnyExecutor, FromRow};

use super::{ORDER_COLUMNS, Order};
use crate::orders::domain::{OrderStatus, StockState};
use crate::orders::paid::Payment;

/// The order's lines whose units are `from` become sold.
pub async fn sell_lines(
    conn: &mut AnyConnection,
    order: &Order,
    from: StockState,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE order_lines SET stock_state = 'sold' WHERE order_id = $1 AND shop_id = $2 AND stock_state = $3",
    )
    .bind(order.id)
    .bind(order.shop_id)
    .bind(from.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Units of a stocked variant that a released line gave back.
#[derive(Debug, FromRow)]
pub struct Released {
    pub variant_id: i64,
    pub quantity: i64,
}

/// The released lines of tracked variants: what a late payment must take again.
pub async fn released_units(
    conn: &mut AnyConnection,
    order: &Order,
) -> sqlx::Result<Vec<Released>> {
    sqlx::query_as(
        "SELECT variant_id, quantity FROM order_lines WHERE order_id = $1 AND shop_id = $2 \
         AND stock_state = $3 AND tracked ORDER BY id",
    )
    .bind(order.id)
    .bind(order.shop_id)
    .bind(StockState::Released.as_str())
    .fetch_all(&mut *conn)
    .await
}

/// Record what the provider said about the payment; empty fields keep what the order had.
pub async fn record_paid(
    conn: &mut AnyConnection,
    order: &Order,
    payment: &Payment<'_>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orders SET paid_at = COALESCE(paid_at, $1), provider = $2, \
         email = CASE WHEN $3 = '' THEN email ELSE $3 END, \
         customer_name = CASE WHEN $4 = '' THEN customer_name ELSE $4 END, \
         shipping_address = CASE WHEN $5 = '' THEN shipping_address ELSE $5 END, \
         stripe_payment_intent = COALESCE($6, stripe_payment_intent), updated_at = $1 \
         WHERE id = $7 AND shop_id = $8",
    )
    .bind(now)
    .bind(payment.provider)
    .bind(payment.email)
    .bind(payment.name)
    .bind(payment.address)
    .bind(payment.payment_intent)
    .bind(order.id)
    .bind(order.shop_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A released order whose units were taken again is paid, whatever it was meanwhile.
pub async fn set_paid(conn: &mut AnyConnection, order: &Order) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET status = $1 WHERE id = $2 AND shop_id = $3")
        .bind(OrderStatus::Paid.as_str())
        .bind(order.id)
        .bind(order.shop_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Put `text` on the order for the merchant (shown until they deal with it).
pub async fn flag(conn: &mut AnyConnection, order: &Order, text: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET attention = $1 WHERE id = $2 AND shop_id = $3")
        .bind(text)
        .bind(order.id)
        .bind(order.shop_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A delayed payment method is on its way: hold the pending order's stock `until`.
pub async fn hold_for_payment(
    conn: &mut AnyConnection,
    order: &Order,
    until: i64,
    payment: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orders SET expires_at = $1, stripe_payment_intent = COALESCE($2, stripe_payment_intent) \
         WHERE id = $3 AND shop_id = $4 AND status = $5",
    )
    .bind(until)
    .bind(payment)
    .bind(order.id)
    .bind(order.shop_id)
    .bind(OrderStatus::Pending.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every pending order with a Stripe checkout, of every shop: what reconciliation checks.
pub async fn pending_stripe_orders(db: impl AnyExecutor<'_>) -> sqlx::Result<Vec<Order>> {
    sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.status = $1 \
         AND o.stripe_session_id IS NOT NULL ORDER BY o.id"
    ))
    .bind(OrderStatus::Pending.as_str())
    .fetch_all(db)
    .await
}
