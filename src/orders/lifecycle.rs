//! The order's moves after Buy, each inside the caller's transaction and each guarded by
//! a conditional UPDATE (in `store`): release (expired or cancelled), fulfilled, refunded
//! with or without restock. Stock moves through `catalog::inventory::record`, so the
//! invariant `initial + restocks = available + reserved + sold` holds at every commit.
//! Payment (pending → paid, or a late payment for a released order) is in `paid`.
//!
//! `expire` and `cancel` are the same release as a whole step: its own transaction, and
//! after the commit the sold-out hints dropped and the studio's ticker told. The
//! reservation clock, the checkout pages and the dashboard all release through them.

use sqlx::AnyConnection;

use super::domain::{OrderStatus, StockState};
use super::store::{self, Actor, Order};
use crate::catalog::inventory::{self, Change, Reason};
use crate::live::store::pins;
use crate::money::Money;
use crate::state::AppState;

pub use super::paid::{Paid, Payment, flag, mark_paid};

/// Pending → expired or cancelled, giving every held unit (and offer unit, and live
/// coupon) back.
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
        if !store::line::release(conn, line.id).await? {
            continue;
        }
        if line.tracked {
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
    // A live coupon it held goes back to the coupon's count (the studio hears it from
    // `release_now`, or at the next redemption).
    crate::live::store::coupons::release(conn, order.id).await?;
    Ok(true)
}

/// The reservation of a pending `order` ended unpaid: release it as expired. False when
/// it had moved on already (paid at the last moment, or released by someone else).
pub async fn expire(state: &AppState, order: &Order) -> sqlx::Result<bool> {
    release_now(
        state,
        order,
        OrderStatus::Expired,
        Actor::System,
        "Reservation ended without payment",
    )
    .await
}

/// The shopper or the shop calls a pending `order` off. False when it was not pending.
pub async fn cancel(
    state: &AppState,
    order: &Order,
    actor: Actor,
    note: &str,
) -> sqlx::Result<bool> {
    release_now(state, order, OrderStatus::Cancelled, actor, note).await
}

async fn release_now(
    state: &AppState,
    order: &Order,
    to: OrderStatus,
    actor: Actor,
    note: &str,
) -> sqlx::Result<bool> {
    let mut tx = state.db.pool.begin().await?;
    let done = release(&mut tx, order, to, actor, note).await?;
    tx.commit().await?;
    if done {
        // After the commit: the units are back, so no "sold out" remembered from before
        // it may outlive it (see `hint`).
        state.orders.hints.raised();
        super::ticker::emit(state, order, to.as_str());
        close_checkout(state, order);
        if let (Some(_), Some(stream_id)) = (&order.coupon_code, order.stream_id)
            && let Err(err) = crate::live::coupons::redeemed(state, order.shop_id, stream_id).await
        {
            tracing::warn!(order = order.id, error = %err, "could not schedule a coupon's count");
        }
    }
    Ok(done)
}

/// The reservation behind a provider's payment page ended: close the page, so the
/// shopper cannot pay for units that went back on sale (a Stripe session cannot be made
/// to end before 30 minutes, so it is expired through the API). Off the caller's path;
/// if the call fails, the session still ends at its `expires_at`, and a payment that
/// slips through is revived or refunded (`paid`, `late`).
fn close_checkout(state: &AppState, order: &Order) {
    let (Some(provider), Some(checkout)) =
        (order.provider.clone(), order.stripe_session_id.clone())
    else {
        return;
    };
    let (state, shop_id, order_id) = (state.clone(), order.shop_id, order.id);
    tokio::spawn(async move {
        let db = &state.db.pool;
        let provider = match crate::payments::provider_named(db, &state.stripe, shop_id, &provider)
            .await
        {
            Ok(Some(provider)) => provider,
            Ok(None) => return,
            Err(err) => {
                tracing::warn!(error = %err, order = order_id, "closing the checkout: no provider");
                return;
            }
        };
        if let Err(failure) = provider.expire(&checkout).await {
            tracing::warn!(order = order_id, error = %failure.0, "closing the checkout failed; it ends at its expires_at");
        }
    });
}

/// A refund of `amount` with `restock` as (line id, units). False when the amount is not
/// in the order's currency, is more than what is left to refund, or the order is not paid.
pub async fn refund(
    conn: &mut AnyConnection,
    order: &Order,
    amount: &Money,
    restock: &[(i64, i64)],
    actor: Actor,
    record: &store::PaymentRecord<'_>,
) -> sqlx::Result<bool> {
    if order.total.same_currency(amount).is_err() {
        return Ok(false);
    }
    let Some(refunded) = store::add_refund(conn, order, amount.minor).await? else {
        return Ok(false);
    };
    let reference = format!("order:{}", order.number);
    for &(line_id, units) in restock.iter().filter(|(_, u)| *u > 0) {
        let line = store::line::restock(conn, order.id, line_id, units).await?;
        if let Some(store::Restocked {
            variant_id,
            tracked: true,
        }) = line
        {
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
    let from = store::status_of(conn, order).await?;
    let to = OrderStatus::after_refund(refunded, order.total.minor);
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
        .filter(|l| l.stock_state == StockState::Sold)
        .map(|l| (l.id, l.restockable()))
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
    let from = order.status;
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
    store::set_shipment(conn, order, carrier, tracking).await?;
    Ok(true)
}
