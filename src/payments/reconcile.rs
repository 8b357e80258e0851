//! Reconciliation: ask Stripe how a checkout it was handed ended, as the webhook that
//! may have been missed would have said it. Knows no orders: `orders::stripe_events`
//! picks the checkouts still pending (`showfloor stripe reconcile`) and applies what
//! comes back. Safe to run at any time, as often as wanted: it only reads from Stripe.

use secrecy::SecretString;
use stripe_checkout::checkout_session::RetrieveCheckoutSession;
use stripe_checkout::{CheckoutSessionPaymentStatus, CheckoutSessionStatus};

use super::Failure;
use super::event::{Checkout, Completed, Payer, PaymentEvent};
use super::stripe::{REFERENCE_KEY, StripeLink, StripeProvider, failure};

/// The Checkout Session `checkout_id` as an event: completed when paid, expired when it
/// expired unpaid, `None` while it is still open.
pub async fn check(
    link: &StripeLink,
    secret_key: &SecretString,
    checkout_id: &str,
) -> Result<Option<PaymentEvent>, Failure> {
    let provider = StripeProvider::new(link, secret_key);
    let session = RetrieveCheckoutSession::new(checkout_id)
        .send(provider.client()?)
        .await
        .map_err(failure)?;
    let checkout = Checkout {
        reference: session
            .metadata
            .as_ref()
            .and_then(|m| m.get(REFERENCE_KEY).cloned())
            .or(session.client_reference_id.clone()),
        id: Some(checkout_id.to_string()),
        payment: session
            .payment_intent
            .as_ref()
            .map(|p| p.id().as_str().to_string()),
    };
    let paid = matches!(
        session.payment_status,
        CheckoutSessionPaymentStatus::Paid | CheckoutSessionPaymentStatus::NoPaymentRequired
    );
    Ok(if paid {
        Some(PaymentEvent::Completed(Completed {
            checkout,
            amount: session.amount_total,
            payer: Payer {
                email: session
                    .customer_details
                    .and_then(|d| d.email)
                    .unwrap_or_default(),
                ..Payer::default()
            },
        }))
    } else if matches!(session.status, Some(CheckoutSessionStatus::Expired)) {
        Some(PaymentEvent::Expired(checkout))
    } else {
        None
    })
}
