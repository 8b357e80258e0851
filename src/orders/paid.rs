//! Pending → paid inside the caller's transaction: held units become sold, and money
//! that arrives for a released order takes its units again (all or none, the order is
//! paid and `late_payment` says it was revived) or is marked for an automatic refund
//! (`late_payment` = refund due; `late::refund` carries it out after the commit). Guarded by conditional UPDATEs like the rest of `lifecycle`; the
//! statements are in `store::payments`.

use sqlx::{AnyConnection, Connection};

use super::domain::{OrderStatus, StockState};
use super::late::LatePayment;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paid {
    /// Pending → paid now.
    Now,
    /// It was already paid (a replayed event): nothing changed.
    Already,
    /// Money arrived for an expired or cancelled order and its stock was taken again.
    Revived,
    /// Money arrived for an expired or cancelled order whose stock is gone: it keeps its
    /// status and the payment is to be refunded (`late::refund`).
    Flagged,
}

impl Paid {
    /// In a few words, for a webhook's outcome and the order's history.
    pub fn as_str(self) -> &'static str {
        match self {
            Paid::Now => "paid",
            Paid::Already => "already paid",
            Paid::Revived => "paid after the reservation ended; stock taken again",
            Paid::Flagged => "paid after the reservation ended; stock gone, refunding the payment",
        }
    }
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
        store::payments::sell_lines(conn, order, StockState::Held).await?;
        Paid::Now
    } else if store::status_of(conn, order).await?.is_paid() {
        return Ok(Paid::Already);
    } else {
        revive(conn, order, actor).await?
    };
    store::payments::record_paid(conn, order, payment, now).await?;
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
    if outcome != Paid::Flagged {
        super::mails::queue_paid(conn, order).await?;
    }
    Ok(outcome)
}

/// Money for a released order: take its units again (all or none) or flag it.
async fn revive(conn: &mut AnyConnection, order: &Order, actor: Actor) -> sqlx::Result<Paid> {
    let released = store::payments::released_units(conn, order).await?;
    let reference = format!("order:{}", order.number);
    // A savepoint: one variant sold out meanwhile puts every unit taken so far back.
    let mut all_or_none = conn.begin().await?;
    for line in &released {
        let change = Change {
            shop_id: order.shop_id,
            variant_id: line.variant_id,
            delta: -line.quantity,
            reason: Reason::Sale,
            note: "Paid after the reservation ended",
            reference: Some(&reference),
            user_id: None,
        };
        if inventory::record(&mut all_or_none, &change)
            .await?
            .is_none()
        {
            all_or_none.rollback().await?;
            let from = store::status_of(conn, order).await?;
            store::refunds::set_late_payment(conn, order, LatePayment::RefundDue).await?;
            store::record_transition(
                conn,
                order.shop_id,
                order.id,
                Some(from),
                from,
                actor,
                "Paid after the reservation ended, and the stock was gone: the payment is refunded",
            )
            .await?;
            return Ok(Paid::Flagged);
        }
    }
    all_or_none.commit().await?;
    store::payments::sell_lines(conn, order, StockState::Released).await?;
    let from = store::status_of(conn, order).await?;
    store::payments::set_paid(conn, order).await?;
    store::refunds::set_late_payment(conn, order, LatePayment::Revived).await?;
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

/// Put `text` on the order for the merchant's attention.
pub async fn flag(conn: &mut AnyConnection, order: &Order, text: &str) -> sqlx::Result<()> {
    store::payments::flag(conn, order, text).await
}
