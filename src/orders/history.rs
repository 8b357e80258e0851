//! An order's history for the detail page and the payment flow: the timeline of
//! transitions, the payment rows and the Stripe events that touched it.

use sqlx::{AnyExecutor, FromRow};

use super::store::Order;

#[derive(Debug, Clone, FromRow)]
pub struct TimelineEntry {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub user_name: Option<String>,
    pub note: String,
    pub at: i64,
}

pub async fn timeline(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    order_id: i64,
) -> sqlx::Result<Vec<TimelineEntry>> {
    sqlx::query_as(
        "SELECT t.from_status, t.to_status, t.actor, u.name AS user_name, t.note, t.at \
         FROM order_transitions t LEFT JOIN users u ON u.id = t.user_id \
         WHERE t.order_id = $1 AND t.shop_id = $2 ORDER BY t.id",
    )
    .bind(order_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct PaymentEntry {
    pub provider: String,
    pub kind: String,
    pub reference: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub note: String,
    pub created_at: i64,
}

pub async fn payments(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    order_id: i64,
) -> sqlx::Result<Vec<PaymentEntry>> {
    sqlx::query_as(
        "SELECT provider, kind, reference, amount, currency, note, created_at FROM payments \
         WHERE order_id = $1 AND shop_id = $2 ORDER BY id",
    )
    .bind(order_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// How many times payment was started for an order (each try gets its own idempotency key).
pub async fn checkout_attempts(db: impl AnyExecutor<'_>, order: &Order) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM payments WHERE order_id = $1 AND shop_id = $2 AND kind IN ('checkout', 'failure')",
    )
    .bind(order.id)
    .bind(order.shop_id)
    .fetch_one(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct WebhookEntry {
    pub event_id: String,
    pub event_type: String,
    pub outcome: String,
    pub received_at: i64,
}

pub async fn webhooks(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    order_id: i64,
) -> sqlx::Result<Vec<WebhookEntry>> {
    sqlx::query_as(
        "SELECT event_id, event_type, outcome, received_at FROM webhook_events \
         WHERE order_id = $1 AND shop_id = $2 ORDER BY id",
    )
    .bind(order_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}
