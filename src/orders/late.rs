//! Money that arrives after an order's reservation ended: what became of it
//! ([`LatePayment`], a column of the order) and the automatic refund when the stock was
//! gone. `paid` decides between taking the units again and refunding; the refund itself
//! goes through `refunds`, after the commit that recorded the payment, because it calls
//! the provider.

use super::domain::UnknownStatus;
use super::refunds::{self, Ask, Reason};
use super::store::{self, Actor};
use crate::db::Db;
use crate::payments::stripe::StripeLink;

/// What became of a payment that arrived after the reservation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LatePayment {
    /// No late payment.
    #[default]
    None,
    /// The units were taken again: the order is paid like any other.
    Revived,
    /// The stock was gone: the money goes back, and has not yet.
    RefundDue,
    /// The stock was gone and the money went back in full.
    Refunded,
}

impl LatePayment {
    pub const ALL: [LatePayment; 4] = [
        LatePayment::None,
        LatePayment::Revived,
        LatePayment::RefundDue,
        LatePayment::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LatePayment::None => "",
            LatePayment::Revived => "revived",
            LatePayment::RefundDue => "refund_due",
            LatePayment::Refunded => "refunded",
        }
    }

    pub fn decode(value: &str) -> Result<LatePayment, UnknownStatus> {
        LatePayment::ALL
            .into_iter()
            .find(|l| l.as_str() == value)
            .ok_or_else(|| UnknownStatus {
                what: "late payment",
                value: value.to_string(),
            })
    }

    /// Whether the money of this late payment is to be (or was) given back.
    pub fn is_refund(self) -> bool {
        matches!(self, LatePayment::RefundDue | LatePayment::Refunded)
    }

    /// The note on the order's page, in a sentence; empty when there is nothing to say.
    pub fn note(self) -> &'static str {
        match self {
            LatePayment::None => "",
            LatePayment::Revived => {
                "The payment arrived after the reservation ended; the items were still in stock, so they were taken again and the order is paid."
            }
            LatePayment::RefundDue => {
                "The payment arrived after the reservation ended and the items had sold meanwhile: the payment is to be refunded in full."
            }
            LatePayment::Refunded => {
                "The payment arrived after the reservation ended and the items had sold meanwhile: it was refunded in full."
            }
        }
    }
}

/// Give back a late payment whose stock was gone, through the provider that took it.
/// A refusal or a provider failure is put on the order for the merchant, who can refund
/// it from its page; nothing is recorded as refunded unless the provider refunded.
pub async fn refund(db: &Db, link: &StripeLink, shop_id: i64, order_id: i64) -> anyhow::Result<()> {
    let Some(order) = store::by_id(&db.pool, shop_id, order_id).await? else {
        return Ok(());
    };
    if order.late_payment != LatePayment::RefundDue || order.refundable().minor <= 0 {
        return Ok(());
    }
    let ask = Ask {
        amount: order.refundable(),
        restock: Vec::new(),
        reason: Reason::LatePayment,
        actor: Actor::System,
    };
    if let Err(refusal) = refunds::give_back(db, link, &order, &ask).await? {
        let text = format!(
            "Paid after its reservation ended, and the stock was gone; the automatic refund did not go through: {} Refund it from this page.",
            refusal.sentence()
        );
        store::refunds::flag(&db.pool, &order, &text).await?;
    }
    Ok(())
}

/// How long a late payment's refund is left alone after its last attempt or change.
pub const RETRY_AFTER_MS: i64 = 10 * 60 * 1000;
/// After this many failed attempts the clock stops and the merchant decides.
pub const MAX_ATTEMPTS: i64 = 5;

/// Try again the late payments still to give back (an attempt failed, or the server
/// stopped before the refund started): the reservation clock calls this now and then.
/// Returns how many were tried.
pub async fn sweep(db: &Db, link: &StripeLink, now: i64) -> anyhow::Result<usize> {
    let due =
        store::refunds::late_refunds_due(&db.pool, now - RETRY_AFTER_MS, MAX_ATTEMPTS).await?;
    for order in &due {
        refund(db, link, order.shop_id, order.id).await?;
    }
    Ok(due.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_payments_decode_or_refuse() {
        for l in LatePayment::ALL {
            assert_eq!(LatePayment::decode(l.as_str()), Ok(l));
        }
        assert!(LatePayment::decode("lost").is_err());
        assert!(LatePayment::RefundDue.is_refund() && !LatePayment::Revived.is_refund());
    }
}
