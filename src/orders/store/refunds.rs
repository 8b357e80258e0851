//! The refunds' SQL: one `refunds` row per attempt at the provider (pending, then
//! succeeded or failed with the provider's sentence), the refunded amount of an order
//! whose late payment is given back, and the order's `late_payment` column.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyExecutor, FromRow, Row};

use super::Order;
use crate::db::now_ms;
use crate::money::Money;
use crate::orders::late::LatePayment;
use crate::orders::refunds::{Reason, RefundStatus};

/// A new attempt, before the provider is called; its id makes the idempotency key.
pub async fn begin(
    db: impl AnyExecutor<'_>,
    order: &Order,
    provider: &str,
    amount: i64,
    reason: Reason,
    user_id: Option<i64>,
) -> sqlx::Result<i64> {
    let now = now_ms();
    sqlx::query_scalar(
        "INSERT INTO refunds (shop_id, order_id, provider, amount, currency, reason, status, user_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(order.shop_id)
    .bind(order.id)
    .bind(provider)
    .bind(amount)
    .bind(order.currency())
    .bind(reason.as_str())
    .bind(RefundStatus::Pending.as_str())
    .bind(user_id)
    .bind(now)
    .fetch_one(db)
    .await
}

/// The attempt `id` ended: succeeded with the provider's refund id, or failed with why.
pub async fn finish(
    db: impl AnyExecutor<'_>,
    id: i64,
    status: RefundStatus,
    provider_id: Option<&str>,
    failure: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE refunds SET status = $1, provider_id = $2, failure = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(provider_id)
    .bind(failure)
    .bind(now_ms())
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// One attempt, as the order's page lists it.
#[derive(Debug, Clone)]
pub struct RefundRow {
    pub provider: String,
    pub amount: Money,
    pub reason: Reason,
    pub status: RefundStatus,
    pub provider_id: Option<String>,
    pub failure: String,
    pub created_at: i64,
}

impl<'r> FromRow<'r, AnyRow> for RefundRow {
    fn from_row(row: &'r AnyRow) -> sqlx::Result<RefundRow> {
        let decode =
            |index: &str, e: crate::orders::domain::UnknownStatus| sqlx::Error::ColumnDecode {
                index: index.into(),
                source: Box::new(e),
            };
        let reason: &str = row.try_get("reason")?;
        let status: &str = row.try_get("status")?;
        Ok(RefundRow {
            provider: row.try_get("provider")?,
            amount: Money::new(
                row.try_get("amount")?,
                row.try_get::<String, _>("currency")?,
            ),
            reason: Reason::decode(reason).map_err(|e| decode("reason", e))?,
            status: RefundStatus::decode(status).map_err(|e| decode("status", e))?,
            provider_id: row.try_get("provider_id")?,
            failure: row.try_get("failure")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

pub async fn of_order(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    order_id: i64,
) -> sqlx::Result<Vec<RefundRow>> {
    sqlx::query_as(
        "SELECT provider, amount, currency, reason, status, provider_id, failure, created_at \
         FROM refunds WHERE order_id = $1 AND shop_id = $2 ORDER BY id",
    )
    .bind(order_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// What became of a late payment.
pub async fn set_late_payment(
    conn: &mut AnyConnection,
    order: &Order,
    late: LatePayment,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orders SET late_payment = $1, updated_at = $2 WHERE id = $3 AND shop_id = $4",
    )
    .bind(late.as_str())
    .bind(now_ms())
    .bind(order.id)
    .bind(order.shop_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Add `amount` to what was given back of a late payment, within its total (one
/// conditional UPDATE); in full it is `refunded` and needs no more attention. Returns the
/// refunded sum after it, or None when the guard refused.
pub async fn add_late_refund(
    conn: &mut AnyConnection,
    order: &Order,
    amount: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE orders SET refunded_amount = refunded_amount + $1, updated_at = $2, \
         late_payment = CASE WHEN refunded_amount + $1 >= total THEN $3 ELSE late_payment END, \
         attention = CASE WHEN refunded_amount + $1 >= total THEN '' ELSE attention END \
         WHERE id = $4 AND shop_id = $5 AND refunded_amount + $1 <= total \
         AND late_payment IN ($6, $3) RETURNING refunded_amount",
    )
    .bind(amount)
    .bind(now_ms())
    .bind(LatePayment::Refunded.as_str())
    .bind(order.id)
    .bind(order.shop_id)
    .bind(LatePayment::RefundDue.as_str())
    .fetch_optional(&mut *conn)
    .await
}

/// Put `text` on the order for the merchant, outside any transaction.
pub async fn flag(db: impl AnyExecutor<'_>, order: &Order, text: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET attention = $1, updated_at = $2 WHERE id = $3 AND shop_id = $4")
        .bind(text)
        .bind(now_ms())
        .bind(order.id)
        .bind(order.shop_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Late payments still to give back whose last attempt (if any) is older than `quiet_since`
/// and that changed before it too (so the attempt started beside their webhook had its
/// turn), with fewer than `max_attempts` attempts: what the clock tries again.
pub async fn late_refunds_due(
    db: impl AnyExecutor<'_>,
    quiet_since: i64,
    max_attempts: i64,
) -> sqlx::Result<Vec<Order>> {
    sqlx::query_as(&format!(
        "SELECT {cols} FROM orders o WHERE o.late_payment = $1 AND o.refunded_amount < o.total \
         AND o.updated_at < $2 \
         AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id AND r.updated_at >= $2) \
         AND (SELECT COUNT(*) FROM refunds r WHERE r.order_id = o.id) < $3 \
         ORDER BY o.id LIMIT 50",
        cols = super::ORDER_COLUMNS
    ))
    .bind(LatePayment::RefundDue.as_str())
    .bind(quiet_since)
    .bind(max_attempts)
    .fetch_all(db)
    .await
}
