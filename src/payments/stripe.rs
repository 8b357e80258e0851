//! The Stripe provider: a Checkout Session (mode payment) per payment attempt, with the
//! synced Stripe Price of each line or `price_data` for a live-offer price, the order
//! and stream in `client_reference_id` and metadata, shipping address and e-mail
//! collection, and URLs back to the shopper's order. Payment methods are the ones the
//! merchant enabled in Stripe (automatic payment methods: cards, wallets, WeChat Pay or
//! Alipay where the account has them). Every create carries an `Idempotency-Key`.

use std::collections::HashMap;

use async_trait::async_trait;
use stripe::{Client, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionPaymentIntentData, CreateCheckoutSessionShippingAddressCollection,
    CreateCheckoutSessionShippingAddressCollectionAllowedCountries, ProductData,
    RetrieveCheckoutSession,
};
use stripe_core::refund::CreateRefund;

use super::{CheckoutRequest, Failure, Provider, Refunded, Started};
use crate::catalog::stripe::StripeLink;
use crate::orders::store::Order;

/// Countries Checkout offers for the shipping address: Europe, North America and the
/// large Asia-Pacific markets of live commerce.
const SHIPPING_COUNTRIES: &[&str] = &[
    "AT", "AU", "BE", "BG", "CA", "CH", "CN", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB",
    "GR", "HK", "HR", "HU", "IE", "IT", "JP", "KR", "LT", "LU", "LV", "MT", "NL", "NO", "NZ", "PL",
    "PT", "RO", "SE", "SG", "SI", "SK", "TW", "US",
];

pub struct StripeProvider {
    client: Result<Client, String>,
}

impl StripeProvider {
    pub fn new(link: &StripeLink, secret_key: String) -> StripeProvider {
        StripeProvider {
            client: link.client(&secret_key).map_err(|f| f.message),
        }
    }

    fn client(&self) -> Result<&Client, Failure> {
        self.client.as_ref().map_err(|m| Failure(m.clone()))
    }
}

fn strategy(key: &str) -> RequestStrategy {
    RequestStrategy::Idempotent(IdempotencyKey::new(key).expect("short ASCII idempotency key"))
}

fn failure(err: StripeError) -> Failure {
    let sentence = crate::catalog::stripe::Failure::from(err).message;
    Failure(sentence)
}

fn currency(code: &str) -> stripe_types::Currency {
    code.to_ascii_lowercase()
        .parse()
        .unwrap_or(stripe_types::Currency::EUR)
}

#[async_trait]
impl Provider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn start(&self, request: &CheckoutRequest<'_>) -> Result<Started, Failure> {
        let order = request.order;
        let line_items: Vec<CreateCheckoutSessionLineItems> = request
            .lines
            .iter()
            .map(|line| {
                let mut item = CreateCheckoutSessionLineItems::new();
                item.quantity = Some(line.quantity as u64);
                match &line.stripe_price_id {
                    Some(price) => item.price = Some(price.clone()),
                    None => {
                        let mut data =
                            CreateCheckoutSessionLineItemsPriceData::new(currency(line.currency()));
                        let name = if line.variant_title.is_empty() {
                            line.title.clone()
                        } else {
                            format!("{} — {}", line.title, line.variant_title)
                        };
                        data.product_data = Some(ProductData::new(name));
                        data.unit_amount = Some(line.unit_price.minor);
                        item.price_data = Some(data);
                    }
                }
                item
            })
            .collect();
        let metadata = HashMap::from([
            ("showfloor_order_id".to_string(), order.id.to_string()),
            ("showfloor_order_number".to_string(), order.number.clone()),
            (
                "showfloor_stream_id".to_string(),
                order.stream_id.map(|s| s.to_string()).unwrap_or_default(),
            ),
        ]);
        let mut intent = CreateCheckoutSessionPaymentIntentData::new();
        intent.metadata = Some(metadata.clone());
        let countries: Vec<CreateCheckoutSessionShippingAddressCollectionAllowedCountries> =
            SHIPPING_COUNTRIES
                .iter()
                .filter_map(|c| c.parse().ok())
                .collect();
        let key = format!("showfloor-o{}-checkout-{}", order.id, request.attempt);
        let session = CreateCheckoutSession::new()
            .mode(stripe_checkout::CheckoutSessionMode::Payment)
            .line_items(line_items)
            .client_reference_id(order.id.to_string())
            .metadata(metadata)
            .payment_intent_data(intent)
            .shipping_address_collection(CreateCheckoutSessionShippingAddressCollection::new(
                countries,
            ))
            .success_url(request.success_url.clone())
            .cancel_url(request.cancel_url.clone())
            .customize()
            .request_strategy(strategy(&key))
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

    async fn refund(&self, order: &Order, amount: i64, key: &str) -> Result<Refunded, Failure> {
        let intent = order
            .stripe_payment_intent
            .clone()
            .ok_or_else(|| Failure("Stripe has not told us the payment of this order yet; try again once it shows as paid.".into()))?;
        let refund = CreateRefund::new()
            .payment_intent(intent)
            .amount(amount)
            .metadata(HashMap::from([(
                "showfloor_order_id".to_string(),
                order.id.to_string(),
            )]))
            .customize()
            .request_strategy(strategy(key))
            .send(self.client()?)
            .await
            .map_err(failure)?;
        Ok(Refunded {
            reference: refund.id.as_str().to_string(),
        })
    }
}

/// A Checkout Session as reconciliation needs it.
pub struct SessionState {
    pub paid: bool,
    pub expired: bool,
    pub payment_intent: Option<String>,
    pub amount_total: Option<i64>,
    pub email: Option<String>,
}

impl StripeProvider {
    pub async fn session(&self, id: &str) -> Result<SessionState, Failure> {
        let session = RetrieveCheckoutSession::new(id)
            .send(self.client()?)
            .await
            .map_err(failure)?;
        Ok(SessionState {
            paid: matches!(
                session.payment_status,
                stripe_checkout::CheckoutSessionPaymentStatus::Paid
                    | stripe_checkout::CheckoutSessionPaymentStatus::NoPaymentRequired
            ),
            expired: matches!(
                session.status,
                Some(stripe_checkout::CheckoutSessionStatus::Expired)
            ),
            payment_intent: session
                .payment_intent
                .as_ref()
                .map(|p| p.id().as_str().to_string()),
            amount_total: session.amount_total,
            email: session.customer_details.and_then(|d| d.email),
        })
    }
}
