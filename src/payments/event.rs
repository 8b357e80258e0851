//! What a provider tells us about a charge after the checkout started, in payment terms
//! only: the charge's reference (ours, handed to the provider with the charge), the
//! provider's own ids and the amounts. A webhook or a reconciliation read becomes one
//! [`PaymentEvent`]; `orders` decides what it means for the order.

/// One fact about a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentEvent {
    /// The shopper paid (or there was nothing to pay).
    Completed(Completed),
    /// The shopper chose a delayed method (a bank debit…): how it ends comes later.
    Processing(Checkout),
    /// A delayed payment failed.
    Failed(Checkout),
    /// The payment page expired unpaid.
    Expired(Checkout),
    /// The provider refunded (some of) a payment.
    Refunded(Refund),
}

/// Which checkout an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkout {
    /// Our reference from the charge; absent on objects created outside Showfloor.
    pub reference: Option<String>,
    /// The provider's checkout (a Stripe Checkout Session id).
    pub id: Option<String>,
    /// The provider's payment (a Stripe PaymentIntent id), once there is one.
    pub payment: Option<String>,
}

/// A completed payment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completed {
    pub checkout: Checkout,
    /// What was paid, in minor units of the charge's currency; `None` when not said.
    pub amount: Option<i64>,
    pub payer: Payer,
}

/// Who paid, as the provider collected it (empty when it did not).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Payer {
    pub email: String,
    pub name: String,
    /// The shipping address, one part per line.
    pub address: String,
}

/// A refund at the provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refund {
    /// Our reference, when the refunded payment carries it.
    pub reference: Option<String>,
    /// The provider's payment that was refunded.
    pub payment: Option<String>,
    /// The provider's id of the refunded object (a Stripe charge), kept with our record.
    pub id: Option<String>,
    /// Everything refunded on this payment so far, in minor units: providers report the
    /// running total, so a repeated or reordered delivery cannot refund twice.
    pub total: i64,
}

impl PaymentEvent {
    /// The provider's payment id, when the event names one.
    pub fn payment(&self) -> Option<&str> {
        match self {
            PaymentEvent::Completed(c) => c.checkout.payment.as_deref(),
            PaymentEvent::Processing(c) | PaymentEvent::Failed(c) | PaymentEvent::Expired(c) => {
                c.payment.as_deref()
            }
            PaymentEvent::Refunded(r) => r.payment.as_deref(),
        }
    }

    /// The running refunded total of a refund event; `None` for the others.
    pub fn refunded_total(&self) -> Option<i64> {
        match self {
            PaymentEvent::Refunded(r) => Some(r.total),
            _ => None,
        }
    }
}
