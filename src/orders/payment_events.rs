//! What a [`PaymentEvent`] does to an order, inside the caller's transaction: completed
//! marks it paid, processing holds its stock for a delayed method, failed and expired
//! release it, refunded brings its refunded amount up to the provider's total.
//! Deliveries may come out of order: a refund before its payment waits (on its
//! delivery's row) until the payment lands; an expiry after payment changes nothing.
//! A refund is applied to any order that has money (paid, or a late payment kept in its
//! expired/cancelled status); money that arrives late for stock that is gone is marked
//! for an automatic refund, which the caller runs after its commit (`late_refund`).
//!
//! Events come from Stripe, the one provider that reports after the fact (the offline
//! provider pays on our own page), so what they do is recorded as Stripe's.

use sqlx::AnyConnection;

use super::domain::OrderStatus;
use super::late::LatePayment;
use super::lifecycle::{self, Payment};
use super::refunds;
use super::store::{self, Actor, Order};
use crate::payments::event::{Checkout, Completed, PaymentEvent, Refund};
use crate::payments::store as payments_store;

/// How long the stock is held for a delayed payment method (a bank debit takes days).
const DELAYED_PAYMENT_HOLD_MS: i64 = 7 * 24 * 3600 * 1000;

/// What applying an event came to.
pub struct Applied {
    /// The order it concerned, as it was read before the change; `None` if none matched.
    pub order: Option<Order>,
    /// In a few words, for the provider's answer and the order's history.
    pub outcome: String,
    /// Whether the order moved (paid, released, refunded).
    pub moved: bool,
    /// A late payment found its stock gone: after the commit, `late::refund` gives it
    /// back through the provider.
    pub late_refund: bool,
}

impl Applied {
    fn new(order: Option<Order>, outcome: impl Into<String>, moved: bool) -> Applied {
        Applied {
            order,
            outcome: outcome.into(),
            moved,
            late_refund: false,
        }
    }

    /// Nothing to do: `outcome` says why.
    pub fn ignored(order: Option<Order>, outcome: impl Into<String>) -> Applied {
        Applied::new(order, outcome, false)
    }
}

/// Apply `event` for the shop `shop_id`.
pub async fn apply(
    conn: &mut AnyConnection,
    shop_id: i64,
    event: &PaymentEvent,
) -> anyhow::Result<Applied> {
    Ok(match event {
        PaymentEvent::Completed(completed) => paid(conn, shop_id, completed).await?,
        PaymentEvent::Processing(checkout) => processing(conn, shop_id, checkout).await?,
        PaymentEvent::Failed(checkout) => {
            let to = (OrderStatus::Cancelled, "The payment failed");
            ended(conn, shop_id, checkout, to).await?
        }
        PaymentEvent::Expired(checkout) => {
            let to = (OrderStatus::Expired, "Checkout expired at Stripe");
            ended(conn, shop_id, checkout, to).await?
        }
        PaymentEvent::Refunded(refund) => refunded(conn, shop_id, refund).await?,
    })
}

/// Our reference is the order id.
fn order_id(reference: Option<&str>) -> Option<i64> {
    reference.and_then(|r| r.parse::<i64>().ok())
}

/// The order a checkout belongs to: its reference, else the provider's checkout id.
async fn checkout_order(
    conn: &mut AnyConnection,
    shop_id: i64,
    checkout: &Checkout,
) -> sqlx::Result<Option<Order>> {
    if let Some(id) = order_id(checkout.reference.as_deref())
        && let Some(order) = store::by_id(&mut *conn, shop_id, id).await?
    {
        return Ok(Some(order));
    }
    store::by_stripe(&mut *conn, shop_id, None, checkout.id.as_deref()).await
}

async fn paid(
    conn: &mut AnyConnection,
    shop_id: i64,
    completed: &Completed,
) -> anyhow::Result<Applied> {
    let checkout = &completed.checkout;
    let Some(order) = checkout_order(conn, shop_id, checkout).await? else {
        return Ok(Applied::ignored(None, "ignored: no such order"));
    };
    let payment = Payment {
        provider: "stripe",
        reference: checkout.id.as_deref(),
        amount: completed.amount.unwrap_or(order.total.minor),
        email: &completed.payer.email,
        name: &completed.payer.name,
        address: &completed.payer.address,
        payment_intent: checkout.payment.as_deref(),
    };
    let paid = lifecycle::mark_paid(conn, &order, &payment, Actor::Stripe).await?;
    let mut outcome = paid.as_str().to_string();
    // A refund that arrived before this payment applies now.
    let waiting =
        payments_store::refund_waiting(conn, shop_id, order.id, checkout.payment.as_deref())
            .await?;
    if let Some(total) = waiting
        && apply_refund_total(conn, shop_id, order.id, total, None).await?
    {
        outcome.push_str(", then refunded (the refund had arrived first)");
    }
    let moved = paid != lifecycle::Paid::Already;
    let late_refund = paid == lifecycle::Paid::Flagged
        && store::by_id(&mut *conn, shop_id, order.id)
            .await?
            .is_some_and(|o| o.late_payment == LatePayment::RefundDue && o.refundable().minor > 0);
    let mut applied = Applied::new(Some(order), outcome, moved);
    applied.late_refund = late_refund;
    Ok(applied)
}

/// A delayed method (bank debit…): keep the stock until the provider says how it ended.
async fn processing(
    conn: &mut AnyConnection,
    shop_id: i64,
    checkout: &Checkout,
) -> anyhow::Result<Applied> {
    let Some(order) = checkout_order(conn, shop_id, checkout).await? else {
        return Ok(Applied::ignored(None, "ignored: no such order"));
    };
    let until = crate::db::now_ms() + DELAYED_PAYMENT_HOLD_MS;
    store::payments::hold_for_payment(conn, &order, until, checkout.payment.as_deref()).await?;
    Ok(Applied::ignored(
        Some(order),
        "awaiting an asynchronous payment",
    ))
}

/// Failed or expired: the order is released, unless it belongs to a later checkout.
async fn ended(
    conn: &mut AnyConnection,
    shop_id: i64,
    checkout: &Checkout,
    (to, note): (OrderStatus, &str),
) -> anyhow::Result<Applied> {
    let Some(order) = checkout_order(conn, shop_id, checkout).await? else {
        return Ok(Applied::ignored(None, "ignored: no such order"));
    };
    if order.stripe_session_id.as_deref() != checkout.id.as_deref() {
        let outcome = "ignored: an earlier checkout of this order";
        return Ok(Applied::ignored(Some(order), outcome));
    }
    if lifecycle::release(conn, &order, to, Actor::Stripe, note).await? {
        let outcome = format!("{}: stock released", to.as_str());
        return Ok(Applied::new(Some(order), outcome, true));
    }
    let outcome = format!("ignored: the order is {}", order.status().as_str());
    Ok(Applied::ignored(Some(order), outcome))
}

async fn refunded(
    conn: &mut AnyConnection,
    shop_id: i64,
    refund: &Refund,
) -> anyhow::Result<Applied> {
    let by_reference = match order_id(refund.reference.as_deref()) {
        Some(id) => store::by_id(&mut *conn, shop_id, id).await?,
        None => None,
    };
    let order = match by_reference {
        Some(order) => Some(order),
        None => store::by_stripe(&mut *conn, shop_id, refund.payment.as_deref(), None).await?,
    };
    let waiting = "waiting: the payment has not arrived yet";
    // Kept on the delivery's row (with the order, if found): `paid` applies it when the
    // payment lands.
    let Some(order) = order else {
        return Ok(Applied::ignored(None, waiting));
    };
    // Pending, or released without money yet: the payment is still to come.
    if !order.status().is_paid() && !order.late_payment.is_refund() {
        return Ok(Applied::ignored(Some(order), waiting));
    }
    let reference = refund.id.as_deref();
    let moved = apply_refund_total(conn, shop_id, order.id, refund.total, reference).await?;
    let outcome = if moved {
        "refund recorded"
    } else {
        "already recorded"
    };
    Ok(Applied::new(Some(order), outcome, moved))
}

/// Bring the order's refunded amount up to the provider's cumulative `total`. A full
/// refund of an order not yet shipped puts its units back on the shelf.
pub async fn apply_refund_total(
    conn: &mut AnyConnection,
    shop_id: i64,
    order_id: i64,
    total: i64,
    reference: Option<&str>,
) -> sqlx::Result<bool> {
    let Some(order) = store::by_id(&mut *conn, shop_id, order_id).await? else {
        return Ok(false);
    };
    let record = store::PaymentRecord {
        provider: "stripe",
        kind: "refund",
        reference,
        amount: 0,
        note: if order.late_payment.is_refund() {
            "Late payment refunded in Stripe"
        } else {
            "Refunded in Stripe"
        },
    };
    refunds::bring_up_to(conn, &order, total, None, Actor::Stripe, &record).await
}
