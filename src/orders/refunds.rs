//! A refund, always through the provider that took the money: the order's own provider
//! (as recorded when it was paid), never the shop's current one, and refused in one
//! sentence when that provider is gone (the shop's Stripe key removed). Each attempt is
//! a `refunds` row written before the call, whose id is the idempotency key; the order's
//! refunded amount moves only once the provider refunded.
//!
//! Amounts are applied as running totals ("bring the refunded amount up to …"), the
//! way Stripe reports them in `charge.refunded`: whichever of our record and Stripe's
//! webhook lands first moves the order, the other finds nothing left to do.

use sqlx::AnyConnection;

use super::domain::{OrderStatus, UnknownStatus};
use super::late::LatePayment;
use super::lifecycle;
use super::store::{self, Actor, Order, PaymentRecord};
use crate::db::Db;
use crate::money::Money;
use crate::payments::stripe::StripeLink;

/// Why money is given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The merchant refunded from the order's page.
    Merchant,
    /// A payment arrived after the reservation ended and the stock was gone.
    LatePayment,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Merchant => "merchant",
            Reason::LatePayment => "late_payment",
        }
    }

    pub fn decode(value: &str) -> Result<Reason, UnknownStatus> {
        [Reason::Merchant, Reason::LatePayment]
            .into_iter()
            .find(|r| r.as_str() == value)
            .ok_or_else(|| UnknownStatus {
                what: "refund reason",
                value: value.to_string(),
            })
    }

    pub fn label(self) -> &'static str {
        match self {
            Reason::Merchant => "Refunded by the shop",
            Reason::LatePayment => "Late payment, stock gone",
        }
    }
}

/// Where an attempt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStatus {
    Pending,
    Succeeded,
    Failed,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
        }
    }

    pub fn decode(value: &str) -> Result<RefundStatus, UnknownStatus> {
        [
            RefundStatus::Pending,
            RefundStatus::Succeeded,
            RefundStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
        .ok_or_else(|| UnknownStatus {
            what: "refund status",
            value: value.to_string(),
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            RefundStatus::Pending => "In progress",
            RefundStatus::Succeeded => "Refunded",
            RefundStatus::Failed => "Failed",
        }
    }
}

/// A refund to carry out.
pub struct Ask {
    pub amount: Money,
    /// (line id, units) to put back on the shelf.
    pub restock: Vec<(i64, i64)>,
    pub reason: Reason,
    pub actor: Actor,
}

/// Why a refund was not made, in one sentence for the merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// The provider failed (or could not be reached): nothing was refunded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The order cannot be refunded this way (not paid, amount out of range, the
    /// provider gone).
    Refused(Refusal),
    /// The provider answered with an error; trying again may work.
    Provider(Refusal),
}

impl Refused {
    pub fn sentence(&self) -> &str {
        match self {
            Refused::Refused(r) | Refused::Provider(r) => &r.0,
        }
    }
}

impl From<Refused> for Refusal {
    fn from(r: Refused) -> Refusal {
        Refusal(r.sentence().to_string())
    }
}

/// The sentence when the provider that took the money is no longer the shop's.
pub fn provider_gone(provider: &str) -> String {
    match provider {
        "stripe" => "This order was paid with Stripe, and the shop's Stripe key was removed: add the key in Settings → Payments to refund it.".into(),
        other => format!("This order was paid with {other}, which this shop no longer uses, so it cannot be refunded from here."),
    }
}

/// Whether `order` takes a refund at all (paid and not refunded in full, or a late
/// payment to give back).
pub fn refundable(order: &Order) -> bool {
    order.refundable().minor > 0
        && ((order.status.is_paid() && order.status != OrderStatus::Refunded)
            || order.late_payment == LatePayment::RefundDue)
}

/// Check `amount` against what is left to refund of `order`, in its currency.
pub fn check_amount(order: &Order, amount: &Money) -> Result<(), Refusal> {
    let left = order.refundable();
    if order.total.same_currency(amount).is_err() {
        return Err(Refusal(format!(
            "Refund in the order's currency, {}.",
            order.currency()
        )));
    }
    if amount.minor <= 0 || amount.minor > left.minor {
        return Err(Refusal(format!(
            "Enter an amount between {} and {left}, what is left to refund.",
            Money::new(1, order.currency()),
        )));
    }
    Ok(())
}

/// Refund `ask` of `order` through its provider. Ok(Err) when it was refused or the
/// provider failed (then nothing changed but the failed attempt's row); Err for the
/// database.
pub async fn give_back(
    db: &Db,
    link: &StripeLink,
    order: &Order,
    ask: &Ask,
) -> anyhow::Result<Result<Money, Refused>> {
    if !refundable(order) {
        let text = "Only a paid order with money left to refund can be refunded.";
        return Ok(Err(Refused::Refused(Refusal(text.into()))));
    }
    if let Err(refusal) = check_amount(order, &ask.amount) {
        return Ok(Err(Refused::Refused(refusal)));
    }
    let name = order.provider.as_deref().unwrap_or("test");
    let Some(provider) =
        crate::payments::provider_named(&db.pool, link, order.shop_id, name).await?
    else {
        return Ok(Err(Refused::Refused(Refusal(provider_gone(name)))));
    };
    let user_id = match ask.actor {
        Actor::User(id) => Some(id),
        _ => None,
    };
    let amount = ask.amount.minor;
    let attempt = store::refunds::begin(
        &db.pool,
        order,
        provider.name(),
        amount,
        ask.reason,
        user_id,
    )
    .await?;
    let key = format!("showfloor-o{}-refund-{attempt}", order.id);
    let request = super::charge::refund_request(order, &ask.amount, &key);
    let refunded = match provider.refund(&request).await {
        Ok(refunded) => refunded,
        Err(failure) => {
            store::refunds::finish(&db.pool, attempt, RefundStatus::Failed, None, &failure.0)
                .await?;
            let text = format!(
                "Nothing was refunded: {}. Try again in a moment.",
                failure.0.trim_end_matches('.')
            );
            return Ok(Err(Refused::Provider(Refusal(text))));
        }
    };
    let mut tx = db.pool.begin().await?;
    store::refunds::finish(
        &mut *tx,
        attempt,
        RefundStatus::Succeeded,
        Some(&refunded.reference),
        "",
    )
    .await?;
    let note = match (ask.reason, order.late_payment.is_refund()) {
        (Reason::LatePayment, _) => "Late payment refunded automatically (the stock was gone)",
        (Reason::Merchant, true) => "Late payment refunded from the dashboard",
        (Reason::Merchant, false) => "Refunded from the dashboard",
    };
    let record = PaymentRecord {
        provider: provider.name(),
        kind: "refund",
        reference: Some(&refunded.reference),
        amount,
        note,
    };
    let target = order.refunded_amount.minor + amount;
    bring_up_to(
        &mut tx,
        order,
        target,
        Some(&ask.restock),
        ask.actor,
        &record,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(ask.amount.clone()))
}

/// Bring `order`'s refunded amount up to `target` (a running total), reading it afresh
/// inside the transaction. `restock` (line id, units) is what goes back on the shelf;
/// `None` lets a full refund of an unshipped order put every unit back. The record's
/// amount is replaced by what actually moved. False when nothing was left to do.
pub async fn bring_up_to(
    conn: &mut AnyConnection,
    order: &Order,
    target: i64,
    restock: Option<&[(i64, i64)]>,
    actor: Actor,
    record: &PaymentRecord<'_>,
) -> sqlx::Result<bool> {
    let Some(fresh) = store::by_id(&mut *conn, order.shop_id, order.id).await? else {
        return Ok(false);
    };
    let delta = target.min(fresh.total.minor) - fresh.refunded_amount.minor;
    if delta <= 0 {
        return Ok(false);
    }
    let record = PaymentRecord {
        amount: delta,
        ..*record
    };
    if fresh.late_payment.is_refund() {
        if store::refunds::add_late_refund(conn, &fresh, delta)
            .await?
            .is_none()
        {
            return Ok(false);
        }
        let status = fresh.status;
        store::record_transition(
            conn,
            fresh.shop_id,
            fresh.id,
            Some(status),
            status,
            actor,
            record.note,
        )
        .await?;
        store::record_payment(&mut *conn, &fresh, &record).await?;
        return Ok(true);
    }
    if !fresh.status.is_paid() {
        return Ok(false);
    }
    let restock = match restock {
        Some(units) => units.to_vec(),
        None if target >= fresh.total.minor && fresh.status == OrderStatus::Paid => {
            lifecycle::restockable(conn, &fresh).await?
        }
        None => Vec::new(),
    };
    let delta = Money::new(delta, fresh.currency());
    lifecycle::refund(conn, &fresh, &delta, &restock, actor, &record).await
}
