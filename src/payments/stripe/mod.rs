//! The Stripe provider: a Checkout Session (mode payment) per payment attempt, with the
//! provider's own Price of each line when it has one (synced from the catalogue) or
//! `price_data` otherwise (a live-offer price), our reference in `client_reference_id`
//! and metadata, shipping address and e-mail collection, and the URLs back; a charge
//! with a discount (a live coupon) gets a one-time Stripe coupon for exactly that amount. Payment
//! methods are the ones the merchant enabled in Stripe (automatic payment methods:
//! cards, wallets, WeChat Pay or Alipay where the account has them). Every create
//! carries the request's `Idempotency-Key`. A session ends with the reservation behind
//! it: `expires_at` is the reservation's end, or Stripe's earliest allowed (30 minutes
//! after creation, plus a minute for the clocks) when the reservation ends sooner, and
//! the orders' reservation clock closes it through `expire` when the reservation ends.
//!
//! - `link`: the API address, the client from the shop's key, failures in a sentence.
//! - `events`: webhook payloads read into `PaymentEvent`s.

pub mod events;
pub mod link;

use std::collections::HashMap;

use async_trait::async_trait;
use secrecy::SecretString;
use stripe::{Client, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionDiscounts, CreateCheckoutSessionLineItems,
    CreateCheckoutSessionLineItemsPriceData, CreateCheckoutSessionPaymentIntentData,
    CreateCheckoutSessionShippingAddressCollection,
    CreateCheckoutSessionShippingAddressCollectionAllowedCountries, ExpireCheckoutSession,
    ProductData,
};
use stripe_core::refund::CreateRefund;
use stripe_product::coupon::CreateCoupon;

pub use link::StripeLink;

use super::{CheckoutRequest, Failure, Provider, RefundRequest, Refunded, Started};

/// The metadata key that carries a charge's reference. Its name says what the reference
/// is today (the order id): sessions and payments created before the provider layer
/// carry it under this name, and their refunds still arrive.
pub const REFERENCE_KEY: &str = "showfloor_order_id";

/// Countries Checkout offers for the shipping address: Europe, North America and the
/// large Asia-Pacific markets of live commerce.
const SHIPPING_COUNTRIES: &[&str] = &[
    "AT", "AU", "BE", "BG", "CA", "CH", "CN", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB",
    "GR", "HK", "HR", "HU", "IE", "IT", "JP", "KR", "LT", "LU", "LV", "MT", "NL", "NO", "NZ", "PL",
    "PT", "RO", "SE", "SG", "SI", "SK", "TW", "US",
];

/// Stripe refuses an `expires_at` less than 30 minutes or more than 24 hours after the
/// session's creation; a minute each side absorbs the two clocks and the request's trip.
const SESSION_MIN_MS: i64 = 31 * 60 * 1000;
const SESSION_MAX_MS: i64 = (24 * 60 - 1) * 60 * 1000;

/// The session's `expires_at` (Unix seconds) for a page that should end at `wanted`
/// (Unix ms), created at `now`: as close to `wanted` as Stripe allows.
pub fn session_expiry(wanted: i64, now: i64) -> i64 {
    wanted.clamp(now + SESSION_MIN_MS, now + SESSION_MAX_MS) / 1000
}

pub struct StripeProvider {
    /// A key the client builder refused fails each call with its sentence, not at once:
    /// the order page shows it where the shopper pressed Pay.
    client: Result<Client, Failure>,
}

impl StripeProvider {
    pub fn new(link: &StripeLink, secret_key: &SecretString) -> StripeProvider {
        StripeProvider {
            client: link.client(secret_key).map_err(|f| Failure(f.message)),
        }
    }

    pub(super) fn client(&self) -> Result<&Client, Failure> {
        self.client.as_ref().map_err(Clone::clone)
    }
}

fn strategy(key: &str) -> RequestStrategy {
    // Our keys are short ASCII, well within Stripe's 255 characters.
    RequestStrategy::Idempotent(IdempotencyKey::new(key).expect("short ASCII idempotency key"))
}

pub(super) fn failure(err: StripeError) -> Failure {
    Failure(link::Failure::from(err).message)
}

fn currency(code: &str) -> stripe_types::Currency {
    code.to_ascii_lowercase()
        .parse()
        .unwrap_or(stripe_types::Currency::EUR)
}

fn line_item(line: &super::ChargeLine) -> CreateCheckoutSessionLineItems {
    let mut item = CreateCheckoutSessionLineItems::new();
    item.quantity = Some(line.quantity.max(0) as u64);
    match &line.provider_price {
        Some(price) => item.price = Some(price.clone()),
        None => {
            let mut data =
                CreateCheckoutSessionLineItemsPriceData::new(currency(&line.unit_price.currency));
            data.product_data = Some(ProductData::new(line.title.clone()));
            data.unit_amount = Some(line.unit_price.minor);
            item.price_data = Some(data);
        }
    }
    item
}

impl StripeProvider {
    /// A one-time Stripe coupon for exactly the amount our coupon took off this charge
    /// (never Stripe's own percentage, whose rounding could differ from the order's
    /// total): redeemable once, named by the shopper's code. Its id.
    async fn coupon(
        &self,
        discount: &super::ChargeDiscount,
        metadata: &HashMap<String, String>,
        request: &CheckoutRequest,
    ) -> Result<String, Failure> {
        let coupon = CreateCoupon::new()
            .amount_off(discount.amount.minor)
            .currency(currency(&discount.amount.currency))
            .duration(stripe_product::CouponDuration::Once)
            .max_redemptions(1)
            .name(discount.name.clone())
            .metadata(metadata.clone())
            .customize()
            .request_strategy(strategy(&format!("{}-coupon", request.idempotency_key)))
            .send(self.client()?)
            .await
            .map_err(failure)?;
        Ok(coupon.id.as_str().to_string())
    }
}

#[async_trait]
impl Provider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn start(&self, request: &CheckoutRequest) -> Result<Started, Failure> {
        let charge = &request.charge;
        let mut metadata: HashMap<String, String> = charge
            .labels
            .iter()
            .map(|(name, value)| (format!("showfloor_{name}"), value.clone()))
            .collect();
        metadata.insert(REFERENCE_KEY.to_string(), charge.reference.clone());
        // On the PaymentIntent too: its charges (and their refunds) carry the reference.
        let mut intent = CreateCheckoutSessionPaymentIntentData::new();
        intent.metadata = Some(metadata.clone());
        let countries: Vec<CreateCheckoutSessionShippingAddressCollectionAllowedCountries> =
            SHIPPING_COUNTRIES
                .iter()
                .filter_map(|c| c.parse().ok())
                .collect();
        let mut session = CreateCheckoutSession::new();
        if let Some(discount) = &charge.discount {
            let coupon = self.coupon(discount, &metadata, request).await?;
            session = session.discounts(vec![CreateCheckoutSessionDiscounts {
                coupon: Some(coupon),
                promotion_code: None,
            }]);
        }
        let session = session
            .mode(stripe_checkout::CheckoutSessionMode::Payment)
            .line_items(charge.lines.iter().map(line_item).collect::<Vec<_>>())
            .client_reference_id(charge.reference.clone())
            .metadata(metadata)
            .payment_intent_data(intent)
            .shipping_address_collection(CreateCheckoutSessionShippingAddressCollection::new(
                countries,
            ))
            .expires_at(session_expiry(request.expires_at, crate::db::now_ms()))
            .success_url(request.success_url.clone())
            .cancel_url(request.cancel_url.clone())
            .customize()
            .request_strategy(strategy(&request.idempotency_key))
            .send(self.client()?)
            .await
            .map_err(failure)?;
        let url = session
            .url
            .ok_or_else(|| Failure("Stripe did not return a payment page.".into()))?;
        Ok(Started {
            redirect: url,
            reference: Some(session.id.as_str().to_string()),
        })
    }

    async fn refund(&self, request: &RefundRequest) -> Result<Refunded, Failure> {
        let intent = request.payment.clone().ok_or_else(|| {
            Failure("Stripe has not told us the payment of this order yet; try again once it shows as paid.".into())
        })?;
        let refund = CreateRefund::new()
            .payment_intent(intent)
            .amount(request.amount.minor)
            .metadata(HashMap::from([(
                REFERENCE_KEY.to_string(),
                request.reference.clone(),
            )]))
            .customize()
            .request_strategy(strategy(&request.idempotency_key))
            .send(self.client()?)
            .await
            .map_err(failure)?;
        Ok(Refunded {
            reference: refund.id.as_str().to_string(),
        })
    }

    async fn expire(&self, checkout: &str) -> Result<(), Failure> {
        ExpireCheckoutSession::new(checkout)
            .send(self.client()?)
            .await
            .map_err(failure)?;
        Ok(())
    }
}

/// The Stripe account a key belongs to.
pub struct ConnectedAccount {
    pub id: String,
    /// Its display name, business name or e-mail, whichever it has.
    pub name: Option<String>,
}

/// "Test connection": whose key this is.
pub async fn check_account(client: &Client) -> Result<ConnectedAccount, link::Failure> {
    let account = stripe_connect::account::RetrieveForMyAccountAccount::new()
        .send(client)
        .await?;
    let name = account
        .settings
        .as_ref()
        .and_then(|s| s.dashboard.display_name.clone())
        .or_else(|| {
            account
                .business_profile
                .as_ref()
                .and_then(|b| b.name.clone())
        })
        .or(account.email.clone());
    Ok(ConnectedAccount {
        id: account.id.as_str().to_string(),
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::session_expiry;

    #[test]
    fn a_session_ends_with_its_reservation_within_what_stripe_allows() {
        let now = 1_800_000_000_000;
        // A 15-minute reservation: Stripe's earliest, 31 minutes on.
        assert_eq!(session_expiry(now + 15 * 60_000, now), now / 1000 + 31 * 60);
        // A long hold (a delayed payment): its own end.
        assert_eq!(
            session_expiry(now + 3 * 3_600_000, now),
            now / 1000 + 3 * 3600
        );
        // Beyond a day: Stripe's latest.
        assert_eq!(
            session_expiry(now + 7 * 86_400_000, now),
            now / 1000 + 86_340
        );
    }
}
