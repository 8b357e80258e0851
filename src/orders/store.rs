//! The orders' SQL: reading orders and lines, and the small writes every state change
//! shares (transition rows, payment rows). The order's history (timeline, payments,
//! webhooks) is read in `history`. Stock moves live in `lifecycle` and `write`, inside
//! their callers' transactions.

use sqlx::{AnyConnection, AnyExecutor, FromRow};

use super::domain::OrderStatus;
use crate::db::now_ms;

pub use super::history::{
    PaymentEntry, TimelineEntry, WebhookEntry, checkout_attempts, payments, timeline, webhooks,
};

#[derive(Debug, Clone, FromRow)]
pub struct Order {
    pub id: i64,
    pub shop_id: i64,
    pub token: String,
    pub number: String,
    pub status: String,
    pub currency: String,
    pub total: i64,
    pub refunded_amount: i64,
    pub provider: Option<String>,
    pub viewer_id: String,
    pub stream_id: Option<i64>,
    pub pin_id: Option<i64>,
    pub stream_offset_s: Option<i64>,
    pub email: String,
    pub customer_name: String,
    pub shipping_address: String,
    pub carrier: String,
    pub tracking_number: String,
    pub stripe_session_id: Option<String>,
    pub stripe_payment_intent: Option<String>,
    pub attention: String,
    pub expires_at: i64,
    pub created_at: i64,
    pub paid_at: Option<i64>,
}

impl Order {
    pub fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.status).unwrap_or(OrderStatus::Pending)
    }
}

pub const ORDER_COLUMNS: &str = "o.id, o.shop_id, o.token, o.number, o.status, o.currency, o.total, \
     o.refunded_amount, o.provider, o.viewer_id, o.stream_id, o.pin_id, o.stream_offset_s, o.email, \
     o.customer_name, o.shipping_address, o.carrier, o.tracking_number, o.stripe_session_id, \
     o.stripe_payment_intent, o.attention, o.expires_at, o.created_at, o.paid_at";

pub async fn by_token(db: impl AnyExecutor<'_>, token: &str) -> sqlx::Result<Option<Order>> {
    sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.token = $1"
    ))
    .bind(token)
    .fetch_optional(db)
    .await
}

pub async fn by_id(db: impl AnyExecutor<'_>, shop_id: i64, id: i64) -> sqlx::Result<Option<Order>> {
    sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.id = $1 AND o.shop_id = $2"
    ))
    .bind(id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

pub async fn by_number(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    number: &str,
) -> sqlx::Result<Option<Order>> {
    sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.number = $1 AND o.shop_id = $2"
    ))
    .bind(number)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// The order a Stripe object points at: by payment intent, else by checkout session.
pub async fn by_stripe(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    payment_intent: Option<&str>,
    session: Option<&str>,
) -> sqlx::Result<Option<Order>> {
    sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.shop_id = $1 AND \
         ((o.stripe_payment_intent IS NOT NULL AND o.stripe_payment_intent = $2) \
         OR (o.stripe_session_id IS NOT NULL AND o.stripe_session_id = $3)) LIMIT 1"
    ))
    .bind(shop_id)
    .bind(payment_intent)
    .bind(session)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct Line {
    pub id: i64,
    pub product_id: i64,
    pub variant_id: i64,
    pub title: String,
    pub variant_title: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub currency: String,
    pub offer_pin_id: Option<i64>,
    pub stripe_price_id: Option<String>,
    pub stock_state: String,
    pub tracked: i64,
    pub restocked: i64,
}

pub async fn lines(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    order_id: i64,
) -> sqlx::Result<Vec<Line>> {
    sqlx::query_as(
        "SELECT id, product_id, variant_id, title, variant_title, quantity, unit_price, currency, \
         offer_pin_id, stripe_price_id, stock_state, \
         CAST(CASE WHEN tracked THEN 1 ELSE 0 END AS BIGINT) AS tracked, restocked \
         FROM order_lines WHERE order_id = $1 AND shop_id = $2 ORDER BY id",
    )
    .bind(order_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// Who moved an order.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Shopper,
    System,
    Stripe,
    TestProvider,
    User(i64),
}

impl Actor {
    pub(super) fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            Actor::Shopper => ("shopper", None),
            Actor::System => ("system", None),
            Actor::Stripe => ("stripe", None),
            Actor::TestProvider => ("test", None),
            Actor::User(id) => ("user", Some(id)),
        }
    }
}

/// Move `order_id` from `from` to `to` if it is still in `from`, with a timeline row.
/// Returns false (and writes nothing) when another change got there first.
pub async fn transition(
    conn: &mut AnyConnection,
    shop_id: i64,
    order_id: i64,
    from: OrderStatus,
    to: OrderStatus,
    actor: Actor,
    note: &str,
) -> sqlx::Result<bool> {
    debug_assert!(from.can_become(to), "{from:?} → {to:?}");
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3 AND shop_id = $4 AND status = $5",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(order_id)
    .bind(shop_id)
    .bind(from.as_str())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    record_transition(conn, shop_id, order_id, Some(from), to, actor, note).await?;
    Ok(true)
}

pub async fn record_transition(
    conn: &mut AnyConnection,
    shop_id: i64,
    order_id: i64,
    from: Option<OrderStatus>,
    to: OrderStatus,
    actor: Actor,
    note: &str,
) -> sqlx::Result<()> {
    let (actor, user_id) = actor.parts();
    sqlx::query(
        "INSERT INTO order_transitions (shop_id, order_id, from_status, to_status, actor, user_id, note, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(shop_id)
    .bind(order_id)
    .bind(from.map(OrderStatus::as_str))
    .bind(to.as_str())
    .bind(actor)
    .bind(user_id)
    .bind(note)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A payment-side fact for the order's history.
pub struct PaymentRecord<'a> {
    pub provider: &'a str,
    pub kind: &'a str,
    pub reference: Option<&'a str>,
    pub amount: i64,
    pub note: &'a str,
}

pub async fn record_payment(
    db: impl AnyExecutor<'_>,
    order: &Order,
    p: &PaymentRecord<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO payments (shop_id, order_id, provider, kind, reference, amount, currency, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(order.shop_id)
    .bind(order.id)
    .bind(p.provider)
    .bind(p.kind)
    .bind(p.reference)
    .bind(p.amount)
    .bind(&order.currency)
    .bind(p.note)
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(())
}
