//! Payments: the provider layer under orders. It knows no orders: a checkout is started
//! for a neutral [`Charge`] (our reference, lines of title × quantity × unit price), a
//! refund for a [`RefundRequest`], and what a provider reports afterwards (a webhook, a
//! reconciliation read) becomes an [`event::PaymentEvent`] that `orders` applies.
//!
//! - `Provider`, two implementations chosen per shop: `stripe` (Stripe Checkout, when the
//!   shop has a Stripe key) and `offline` (the default: a local test page, no money moves).
//! - `account`, `store`, `settings`: the shop's Stripe key and webhook signing secret, and
//!   their one page, Settings → Payments.
//! - `webhook`, `signature`, `stripe::events`: a delivery checked and read into an event.
//! - `reconcile`: ask Stripe how the checkouts it is handed ended.

pub mod account;
pub mod event;
pub mod offline;
pub mod reconcile;
pub mod settings;
pub mod signature;
pub mod store;
pub mod stripe;
pub mod webhook;

use async_trait::async_trait;
use axum::Router;

use crate::money::Money;
use crate::state::AppState;

/// One line of a charge, as the shopper reads it on the payment page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeLine {
    pub title: String,
    pub quantity: i64,
    pub unit_price: Money,
    /// The provider's own price for this unit (a Stripe Price the catalogue synced), sent
    /// instead of the amount so the provider's reports name the product.
    pub provider_price: Option<String>,
}

/// What to take payment for, in the provider's terms only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// Ours: handed back in every event about this charge (the order id).
    pub reference: String,
    /// Shown beside the payment in the provider's dashboard, as (name, value): the order
    /// number, the stream it was bought from.
    pub labels: Vec<(&'static str, String)>,
    pub lines: Vec<ChargeLine>,
    /// Taken off the lines' sum (a live coupon): what the shopper pays is the sum less it.
    pub discount: Option<ChargeDiscount>,
}

/// An amount off a whole charge, named as the shopper knows it (the coupon's code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeDiscount {
    pub name: String,
    pub amount: Money,
}

/// Start taking payment for a charge.
pub struct CheckoutRequest {
    pub charge: Charge,
    /// Absolute URLs: where the shopper lands after paying, or after giving up.
    pub success_url: String,
    pub cancel_url: String,
    /// Our own payment page, for a provider that has none (the offline test provider).
    pub local_page: String,
    /// One per attempt: a retried request is the same attempt, a new attempt is not (a
    /// replayed 500 would never succeed).
    pub idempotency_key: String,
    /// When the payment page must stop taking money (Unix ms): the end of what the
    /// charge pays for. A provider that cannot end its page that early ends it as soon
    /// as it can and relies on [`Provider::expire`] being called at this time.
    pub expires_at: i64,
}

/// Give back (some of) a payment.
pub struct RefundRequest {
    /// The charge's reference, recorded with the refund at the provider.
    pub reference: String,
    /// The provider's payment (a Stripe PaymentIntent), if it has reported one.
    pub payment: Option<String>,
    pub amount: Money,
    pub idempotency_key: String,
}

/// Where to send the shopper to pay.
pub struct Started {
    pub redirect: String,
    /// The provider's reference (a Checkout Session id), if any.
    pub reference: Option<String>,
}

/// A refund the provider carried out.
pub struct Refunded {
    pub reference: String,
}

/// A provider failure in a sentence the shopper or merchant can act on.
#[derive(Debug, Clone)]
pub struct Failure(pub String);

#[async_trait]
pub trait Provider: Send + Sync {
    /// 'stripe' or 'test', stored with what it did.
    fn name(&self) -> &'static str;
    async fn start(&self, request: &CheckoutRequest) -> Result<Started, Failure>;
    async fn refund(&self, request: &RefundRequest) -> Result<Refunded, Failure>;
    /// Close the payment page `checkout` (a [`Started::reference`]) so it takes no more
    /// money. A provider without a page of its own has nothing to close.
    async fn expire(&self, checkout: &str) -> Result<(), Failure>;
}

/// The provider named `name` ('stripe' or 'test', as [`Provider::name`] recorded it) for
/// the shop, to refund or close what it started: never another provider, so money is
/// always given back by whoever took it. `None` when the shop no longer has it (its
/// Stripe key was removed).
pub async fn provider_named(
    db: &sqlx::AnyPool,
    link: &stripe::StripeLink,
    shop_id: i64,
    name: &str,
) -> sqlx::Result<Option<Box<dyn Provider>>> {
    Ok(match name {
        "stripe" => store::account(db, shop_id).await?.map(|account| {
            Box::new(stripe::StripeProvider::new(link, &account.secret_key)) as Box<dyn Provider>
        }),
        _ => Some(Box::new(offline::Offline)),
    })
}

/// The shop's provider: Stripe when it has a key, the offline test provider otherwise.
pub async fn provider_for(state: &AppState, shop_id: i64) -> sqlx::Result<Box<dyn Provider>> {
    Ok(match store::account(&state.db.pool, shop_id).await? {
        Some(account) => Box::new(stripe::StripeProvider::new(
            &state.stripe,
            &account.secret_key,
        )),
        None => Box::new(offline::Offline),
    })
}

/// Settings → Payments (see `settings::routes` for `on_key`). Stripe's webhook
/// deliveries are routed by `orders`, which applies them.
pub fn router(on_key: settings::OnKeyChange) -> Router<AppState> {
    settings::routes(on_key)
}
