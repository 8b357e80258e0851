//! Pending → paid inside the caller's transaction: held units become sold, and money
//! that arrives for a released order takes its units again (all or none) or flags the
//! order for a refund. Guarded by conditional UPDATEs like the rest of `lifecycle`.

use sqlx::AnyConnection;

use super::domain::{OrderStatus, StockState};
use super::store::{self, Actor, Order};
use crate::catalog::inventory::{self, Change, Reason};
use crate::db::now_ms;

/// What the provider tells us about a completed payment.
pub struct Payment<'a> {
    pub provider: &'a str,
    pub reference: Option<&'a str>,
    pub amount: i64,
    pub email: &'a str,
    pub name: &'a str,
    pub address: &'a str,
    pub payment_intent: Option<&'a str>,
}

/// How `mark_paid` ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Paid {
    /// Pending → paid now.
    Now,
    /// It was already paid (a replayed event): nothing changed.
    Already,
    /// Money arrived for an expired or cancelled order and its stock was taken again.
    Revived,
    /// Money arrived for an expired or cancelled order whose stock is gone: flagged.
    Flagged,
}

/// Pending → paid: the held units become sold. For a released order (money arrived
/// after the reservation ended) the stock is taken again as a sale when there is
/// enough, or the order is flagged for a refund.
pub async fn mark_paid(
    conn: &mut AnyConnection,
    order: &Order,
    payment: &Payment<'_>,
    actor: Actor,
) -> sqlx::Result<Paid> {
    let now = now_ms();
    let outcome = if store::transition(
        conn,
        order.shop_id,
        order.id,
        OrderStatus::Pending,
        OrderStatus::Paid,
        actor,
        "Payment received",
    )
    .await?
    {
        sqlx::query("UPDATE order_lines SET stock_state = 'sold' WHERE order_id = $1 AND shop_id = $2 AND stock_state = 'held'")
            .bind(order.id)
            .bind(order.shop_id)
            .execute(&mut *conn)
            .await?;
        Paid::Now
    } else {
        let status: String =
            sqlx::query_scalar("SELECT status FROM orders WHERE id = $1 AND shop_id = $2")
                .bind(order.id)
                .bind(order.shop_id)
                .fetch_one(&mut *conn)
                .await?;
        match OrderStatus::parse(&status) {
            Some(s) if s.is_paid() => return Ok(Paid::Already),
            _ => revive(conn, order, actor).await?,
        }
    };
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
    let note = match outcome {
        Paid::Flagged => "Paid after the reservation ended; stock was gone",
        _ => "",
    };
    store::record_payment(
        &mut *conn,
        order,
        &store::PaymentRecord {
            provider: payment.provider,
            kind: "payment",
            reference: payment.reference,
            amount: payment.amount,
            note,
        },
    )
    .await?;
    if payment.amount != order.total.minor && outcome != Paid::Flagged {
        flag(
            conn,
            order,
            "The amount paid differs from the order total: check the payment.",
        )
        .await?;
    }
    Ok(outcome)
}

/// Money for a released order: take its units again (all or none) or flag it.
async fn revive(conn: &mut AnyConnection, order: &Order, actor: Actor) -> sqlx::Result<Paid> {
    let lines = store::lines(&mut *conn, order.shop_id, order.id).await?;
    sqlx::query("SAVEPOINT revive").execute(&mut *conn).await?;
    let reference = format!("order:{}", order.number);
    let mut complete = true;
    for line in lines
        .iter()
        .filter(|l| l.stock_state == StockState::Released && l.tracked)
    {
        let change = Change {
            shop_id: order.shop_id,
            variant_id: line.variant_id,
            delta: -line.quantity,
            reason: Reason::Sale,
            note: "Paid after the reservation ended",
            reference: Some(&reference),
            user_id: None,
        };
        if inventory::record(conn, &change).await?.is_none() {
            complete = false;
            break;
        }
    }
    let status = order.status;
    if !complete {
        sqlx::query("ROLLBACK TO SAVEPOINT revive")
            .execute(&mut *conn)
            .await?;
        flag(
            conn,
            order,
            "Paid after its reservation ended, and the stock is gone: refund this order.",
        )
        .await?;
        return Ok(Paid::Flagged);
    }
    sqlx::query("RELEASE SAVEPOINT revive")
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE order_lines SET stock_state = 'sold' WHERE order_id = $1 AND shop_id = $2 AND stock_state = 'released'")
        .bind(order.id)
        .bind(order.shop_id)
        .execute(&mut *conn)
        .await?;
    let current: String =
        sqlx::query_scalar("SELECT status FROM orders WHERE id = $1 AND shop_id = $2")
            .bind(order.id)
            .bind(order.shop_id)
            .fetch_one(&mut *conn)
            .await?;
    let from = OrderStatus::parse(&current).unwrap_or(status);
    sqlx::query("UPDATE orders SET status = 'paid' WHERE id = $1 AND shop_id = $2")
        .bind(order.id)
        .bind(order.shop_id)
        .execute(&mut *conn)
        .await?;
    store::record_transition(
        conn,
        order.shop_id,
        order.id,
        Some(from),
        OrderStatus::Paid,
        actor,
        "Paid after the reservation ended; stock taken again",
    )
    .await?;
    Ok(Paid::Revived)
}

pub async fn flag(conn: &mut AnyConnection, order: &Order, text: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET attention = $1 WHERE id = $2 AND shop_id = $3")
        .bind(text)
        .bind(order.id)
        .bind(order.shop_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
