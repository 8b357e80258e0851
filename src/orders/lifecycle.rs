//! The order's moves after Buy, each inside the caller's transaction and each guarded by
//! a conditional UPDATE: release (expired or cancelled), paid, fulfilled, refunded with
//! or without restock. Stock moves through `catalog::inventory::record`, so the
//! invariant `initial + restocks = available + reserved + sold` holds at every commit.
//! Payment (pending → paid, or a late payment for a released order) is in `paid`.

use sqlx::AnyConnection;

use super::domain::OrderStatus;
use super::store::{self, Actor, Order};
use crate::catalog::inventory::{self, Change, Reason};
use crate::db::now_ms;
use crate::live::store::pins;

pub use super::paid::{Paid, Payment, flag, mark_paid};

/// Pending → expired or cancelled, giving every held unit (and offer unit) back.
/// False when the order was no longer pending (paid meanwhile, or already released).
pub async fn release(
    conn: &mut AnyConnection,
    order: &Order,
    to: OrderStatus,
    actor: Actor,
    note: &str,
) -> sqlx::Result<bool> {
    if !store::transition(
        conn,
        order.shop_id,
        order.id,
        OrderStatus::Pending,
        to,
        actor,
        note,
    )
    .await?
    {
        return Ok(false);
    }
    let reference = format!("order:{}", order.number);
    for line in store::lines(&mut *conn, order.shop_id, order.id).await? {
        let moved = sqlx::query(
            "UPDATE order_lines SET stock_state = 'released' WHERE id = $1 AND stock_state = 'held'",
        )
        .bind(line.id)
        .execute(&mut *conn)
        .await?;
        if moved.rows_affected() != 1 {
            continue;
        }
        if line.tracked != 0 {
            let change = Change {
                shop_id: order.shop_id,
                variant_id: line.variant_id,
                delta: line.quantity,
                reason: Reason::Release,
                note,
                reference: Some(&reference),
                user_id: None,
            };
            if inventory::record(conn, &change).await?.is_none() {
                tracing::warn!(
                    order = order.id,
                    variant = line.variant_id,
                    "released units of a variant no longer stocked"
                );
            }
        }
        if let Some(pin) = line.offer_pin_id {
            pins::return_offer_units(&mut *conn, pin, line.quantity).await?;
        }
    }
    Ok(true)
}

/// A refund of `amount` with `restock` as (line id, units). False when the amount is
/// more than what is left to refund or the order is not paid.
pub async fn refund(
    conn: &mut AnyConnection,
    order: &Order,
    amount: i64,
    restock: &[(i64, i64)],
    actor: Actor,
    record: &store::PaymentRecord<'_>,
) -> sqlx::Result<bool> {
    let refunded: Option<i64> = sqlx::query_scalar(
        "UPDATE orders SET refunded_amount = refunded_amount + $1, updated_at = $2 \
         WHERE id = $3 AND shop_id = $4 AND refunded_amount + $1 <= total \
         AND status IN ('paid', 'fulfilled', 'partially_refunded') RETURNING refunded_amount",
    )
    .bind(amount)
    .bind(now_ms())
    .bind(order.id)
    .bind(order.shop_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(refunded) = refunded else {
        return Ok(false);
    };
    let reference = format!("order:{}", order.number);
    for &(line_id, units) in restock.iter().filter(|(_, u)| *u > 0) {
        let line: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE order_lines SET restocked = restocked + $1 WHERE id = $2 AND order_id = $3 \
             AND stock_state = 'sold' AND restocked + $1 <= quantity RETURNING variant_id, \
             CAST(CASE WHEN tracked THEN 1 ELSE 0 END AS BIGINT)",
        )
        .bind(units)
        .bind(line_id)
        .bind(order.id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((variant_id, 1)) = line {
            let change = Change {
                shop_id: order.shop_id,
                variant_id,
                delta: units,
                reason: Reason::RefundRestock,
                note: "",
                reference: Some(&reference),
                user_id: match actor {
                    Actor::User(id) => Some(id),
                    _ => None,
                },
            };
            inventory::record(conn, &change).await?;
        }
    }
    let current: String =
        sqlx::query_scalar("SELECT status FROM orders WHERE id = $1 AND shop_id = $2")
            .bind(order.id)
            .bind(order.shop_id)
            .fetch_one(&mut *conn)
            .await?;
    let from = OrderStatus::parse(&current).unwrap_or(OrderStatus::Paid);
    let to = OrderStatus::after_refund(refunded, order.total);
    if from != to {
        store::transition(conn, order.shop_id, order.id, from, to, actor, record.note).await?;
    } else {
        store::record_transition(
            conn,
            order.shop_id,
            order.id,
            Some(from),
            to,
            actor,
            record.note,
        )
        .await?;
    }
    store::record_payment(&mut *conn, order, record).await?;
    Ok(true)
}

/// Units of each sold line not yet restocked: what a full restock puts back.
pub async fn restockable(conn: &mut AnyConnection, order: &Order) -> sqlx::Result<Vec<(i64, i64)>> {
    Ok(store::lines(&mut *conn, order.shop_id, order.id)
        .await?
        .into_iter()
        .filter(|l| l.stock_state == "sold")
        .map(|l| (l.id, l.quantity - l.restocked))
        .collect())
}

/// Paid → fulfilled, with the carrier and tracking number if given.
pub async fn fulfil(
    conn: &mut AnyConnection,
    order: &Order,
    carrier: &str,
    tracking: &str,
    actor: Actor,
) -> sqlx::Result<bool> {
    let from = order.status();
    if !from.can_become(OrderStatus::Fulfilled)
        || !store::transition(
            conn,
            order.shop_id,
            order.id,
            from,
            OrderStatus::Fulfilled,
            actor,
            "",
        )
        .await?
    {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE orders SET carrier = $1, tracking_number = $2 WHERE id = $3 AND shop_id = $4",
    )
    .bind(carrier)
    .bind(tracking)
    .bind(order.id)
    .bind(order.shop_id)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}
