//! An order's history: the guarded status move with its timeline row (who moved it and
//! why), the payment rows, and the reads of both and of the Stripe events that touched it
//! for the detail page and the payment flow.

use sqlx::{AnyConnection, AnyExecutor, FromRow};

use super::Order;
use crate::db::now_ms;
use crate::orders::domain::OrderStatus;

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
    /// The `actor` and `user_id` columns of the timeline row.
    pub(in crate::orders) fn parts(self) -> (&'static str, Option<i64>) {
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

/// The timeline row alone (a new order, or a refund that leaves the status as it was).
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

/// A payment-side fact for the order's history; the amount is in the order's currency.
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
    .bind(order.currency())
    .bind(p.note)
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct TimelineEntry {
    #[sqlx(try_from = "OptionalStatus")]
    pub from_status: Option<OrderStatus>,
    #[sqlx(try_from = "String")]
    pub to_status: OrderStatus,
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

/// The nullable `from_status` column (NULL for the row of a new order), for `try_from`.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub struct OptionalStatus(Option<String>);

impl TryFrom<OptionalStatus> for Option<OrderStatus> {
    type Error = crate::orders::domain::UnknownStatus;

    fn try_from(value: OptionalStatus) -> Result<Self, Self::Error> {
        value.0.as_deref().map(OrderStatus::decode).transpose()
    }
}
