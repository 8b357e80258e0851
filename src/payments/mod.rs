//! Payments: one `Provider` trait with two implementations, chosen per shop: Stripe
//! Checkout (when the shop has a Stripe key) and the offline test provider (the default:
//! a local checkout page, no money moves). Stripe webhooks, the reconciliation command
//! and the webhook-secret setting live here too.

pub mod offline;
pub mod reconcile;
pub mod settings;
pub mod signature;
pub mod stripe;
pub mod webhook;

mod events;

use async_trait::async_trait;
use axum::Router;
use axum::routing::{get, post};

use crate::orders::store::{Line, Order};
use crate::state::AppState;

/// What a provider needs to take payment for an order.
pub struct CheckoutRequest<'a> {
    pub order: &'a Order,
    pub lines: &'a [Line],
    /// Absolute URLs: where the shopper lands after paying, or after giving up.
    pub success_url: String,
    pub cancel_url: String,
    /// Each attempt gets its own idempotency key (a replayed 500 would never succeed).
    pub attempt: i64,
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
    /// 'stripe' or 'test', stored on the order.
    fn name(&self) -> &'static str;
    async fn start(&self, request: &CheckoutRequest<'_>) -> Result<Started, Failure>;
    async fn refund(&self, order: &Order, amount: i64, key: &str) -> Result<Refunded, Failure>;
}

/// The shop's provider: Stripe when it has a key, the offline test provider otherwise.
pub async fn provider_for(state: &AppState, shop_id: i64) -> sqlx::Result<Box<dyn Provider>> {
    Ok(
        match crate::catalog::stripe::account::get(&state.db.pool, shop_id).await? {
            Some(account) => Box::new(stripe::StripeProvider::new(
                &state.stripe,
                account.secret_key,
            )),
            None => Box::new(offline::Offline),
        },
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/stripe/{shop}", post(webhook::receive))
        .route(
            "/settings/payments",
            get(settings::show).post(settings::save),
        )
}
