//! The `orders` rows: the typed `Order` (its status an `OrderStatus`, its amounts
//! `Money`), the reads by token, number, id and payment reference, and the small writes
//! of an order's own columns that the lifecycle and checkout make.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyExecutor, FromRow, Row};

use crate::db::now_ms;
use crate::money::Money;
use crate::orders::domain::OrderStatus;
use crate::orders::late::LatePayment;

#[derive(Debug, Clone)]
pub struct Order {
    pub id: i64,
    pub shop_id: i64,
    pub token: String,
    pub number: String,
    pub status: OrderStatus,
    /// The order's total; its currency is the order's currency.
    pub total: Money,
    /// Refunded so far, in the order's currency.
    pub refunded_amount: Money,
    /// What a live coupon took off the lines (`total` is after it), and its code.
    pub discount: Money,
    pub coupon_code: Option<String>,
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
    /// Why the merchant should look at this order (empty when nothing is wrong).
    pub attention: String,
    pub expires_at: i64,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    /// What became of money that arrived after the reservation ended.
    pub late_payment: LatePayment,
    /// The last change (the orders page's live feed asks for what changed since).
    pub updated_at: i64,
}

impl Order {
    pub fn status(&self) -> OrderStatus {
        self.status
    }

    /// The order's currency (ISO 4217, as stored).
    pub fn currency(&self) -> &str {
        &self.total.currency
    }

    /// What is left to refund: the total less what was refunded already.
    pub fn refundable(&self) -> Money {
        Money::new(
            self.total.minor.saturating_sub(self.refunded_amount.minor),
            self.currency(),
        )
    }
}

/// Hand-written so the status is decoded into its enum and the two amounts carry the
/// one `currency` column, here at the store boundary rather than at every use.
impl<'r> FromRow<'r, AnyRow> for Order {
    fn from_row(row: &'r AnyRow) -> sqlx::Result<Order> {
        let status: &str = row.try_get("status")?;
        let status = OrderStatus::decode(status).map_err(|e| sqlx::Error::ColumnDecode {
            index: "status".into(),
            source: Box::new(e),
        })?;
        let currency: String = row.try_get("currency")?;
        let late: &str = row.try_get("late_payment")?;
        let late_payment = LatePayment::decode(late).map_err(|e| sqlx::Error::ColumnDecode {
            index: "late_payment".into(),
            source: Box::new(e),
        })?;
        Ok(Order {
            id: row.try_get("id")?,
            shop_id: row.try_get("shop_id")?,
            token: row.try_get("token")?,
            number: row.try_get("number")?,
            status,
            total: Money::new(row.try_get("total")?, currency.clone()),
            refunded_amount: Money::new(row.try_get("refunded_amount")?, currency.clone()),
            discount: Money::new(row.try_get("discount")?, currency),
            coupon_code: row.try_get("coupon_code")?,
            provider: row.try_get("provider")?,
            viewer_id: row.try_get("viewer_id")?,
            stream_id: row.try_get("stream_id")?,
            pin_id: row.try_get("pin_id")?,
            stream_offset_s: row.try_get("stream_offset_s")?,
            email: row.try_get("email")?,
            customer_name: row.try_get("customer_name")?,
            shipping_address: row.try_get("shipping_address")?,
            carrier: row.try_get("carrier")?,
            tracking_number: row.try_get("tracking_number")?,
            stripe_session_id: row.try_get("stripe_session_id")?,
            stripe_payment_intent: row.try_get("stripe_payment_intent")?,
            attention: row.try_get("attention")?,
            expires_at: row.try_get("expires_at")?,
            created_at: row.try_get("created_at")?,
            paid_at: row.try_get("paid_at")?,
            late_payment,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// The columns `Order` reads, from `orders o`.
pub const ORDER_COLUMNS: &str = "o.id, o.shop_id, o.token, o.number, o.status, o.currency, o.total, \
     o.refunded_amount, o.provider, o.viewer_id, o.stream_id, o.pin_id, o.stream_offset_s, o.email, \
     o.customer_name, o.shipping_address, o.carrier, o.tracking_number, o.stripe_session_id, \
     o.stripe_payment_intent, o.attention, o.expires_at, o.created_at, o.paid_at, o.late_payment, o.updated_at, o.discount, o.coupon_code";

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

/// Pending orders whose reservation ended before `now`, oldest first, at most 200 (the
/// reservation clock takes the rest on its next tick).
pub async fn due_for_expiry(db: impl AnyExecutor<'_>, now: i64) -> sqlx::Result<Vec<Order>> {
    sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.status = $1 AND o.expires_at <= $2 \
         ORDER BY o.expires_at LIMIT 200"
    ))
    .bind(OrderStatus::Pending.as_str())
    .bind(now)
    .fetch_all(db)
    .await
}

/// The order's status now (inside a transaction, after a guarded write moved it).
pub async fn status_of(conn: &mut AnyConnection, order: &Order) -> sqlx::Result<OrderStatus> {
    let status: String =
        sqlx::query_scalar("SELECT status FROM orders WHERE id = $1 AND shop_id = $2")
            .bind(order.id)
            .bind(order.shop_id)
            .fetch_one(&mut *conn)
            .await?;
    OrderStatus::decode(&status).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The provider payment was started with; from then on the cart is closed (the next Buy
/// opens a new order).
pub async fn set_provider(
    db: impl AnyExecutor<'_>,
    order: &Order,
    provider: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET provider = $1 WHERE id = $2 AND shop_id = $3")
        .bind(provider)
        .bind(order.id)
        .bind(order.shop_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The provider's checkout session, so its webhooks find the order.
pub async fn set_checkout_session(
    db: impl AnyExecutor<'_>,
    order: &Order,
    session: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET stripe_session_id = $1 WHERE id = $2 AND shop_id = $3")
        .bind(session)
        .bind(order.id)
        .bind(order.shop_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Take an order out of its stream's figures (a giveaway's prize is not a sale of the
/// stream); it stays in the orders dashboard.
pub async fn detach_from_stream(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    order_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orders SET stream_id = NULL, pin_id = NULL, stream_offset_s = NULL \
         WHERE id = $1 AND shop_id = $2",
    )
    .bind(order_id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The shipment of a fulfilled order, and when it was fulfilled.
pub async fn set_shipment(
    conn: &mut AnyConnection,
    order: &Order,
    carrier: &str,
    tracking: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orders SET carrier = $1, tracking_number = $2, fulfilled_at = $5 \
         WHERE id = $3 AND shop_id = $4",
    )
    .bind(carrier)
    .bind(tracking)
    .bind(order.id)
    .bind(order.shop_id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Add `amount` to what was refunded, if the order is paid and the sum stays within its
/// total (one conditional UPDATE, so two refunds cannot both take the last of it).
/// Returns the refunded sum after it, or None when the guard refused.
pub async fn add_refund(
    conn: &mut AnyConnection,
    order: &Order,
    amount: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE orders SET refunded_amount = refunded_amount + $1, updated_at = $2 \
         WHERE id = $3 AND shop_id = $4 AND refunded_amount + $1 <= total \
         AND status IN ($5, $6, $7) RETURNING refunded_amount",
    )
    .bind(amount)
    .bind(now_ms())
    .bind(order.id)
    .bind(order.shop_id)
    .bind(OrderStatus::Paid.as_str())
    .bind(OrderStatus::Fulfilled.as_str())
    .bind(OrderStatus::PartiallyRefunded.as_str())
    .fetch_optional(&mut *conn)
    .await
}

/// The title of the product a pin showed (the order's attribution).
pub async fn pin_title(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    pin_id: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT p.title FROM pins pn JOIN products p ON p.id = pn.product_id \
         WHERE pn.id = $1 AND pn.shop_id = $2",
    )
    .bind(pin_id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// The public address of a stream: its shop's slug and its own.
#[derive(Debug, Clone, FromRow)]
pub struct StreamAddress {
    pub shop_slug: String,
    pub stream_slug: String,
}

pub async fn stream_address(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Option<StreamAddress>> {
    sqlx::query_as(
        "SELECT sh.slug AS shop_slug, st.slug AS stream_slug FROM streams st \
         JOIN shops sh ON sh.id = st.shop_id WHERE st.id = $1 AND st.shop_id = $2",
    )
    .bind(stream_id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// The shop's streams (id, title), newest first: the orders list's stream filter and
/// the name shown beside each order.
pub async fn stream_titles(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT id, title FROM streams WHERE shop_id = $1 ORDER BY scheduled_at DESC LIMIT 500",
    )
    .bind(shop_id)
    .fetch_all(db)
    .await
}
