//! The catalogue's Stripe calls through async-stripe (products, prices), made with the
//! shop's key (`account`, read through payments, where the key and its settings page
//! live). The background sync that drives these calls is `catalog::sync`.
//!
//! Each call is sent once with an `Idempotency-Key` derived from what it does (product,
//! revision, amount), so a retry after a timeout or a 5xx never creates a duplicate;
//! the retries themselves are the sync worker's, persisted with their backoff.

pub mod account;
pub mod settings;

use std::collections::HashMap;

use stripe::{Client, IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_product::price::{CreatePrice, UpdatePrice};
use stripe_product::product::{CreateProduct, UpdateProduct};

/// The link to Stripe (API address, client from the key, failures) lives in payments,
/// which the catalogue sits above.
pub use crate::payments::stripe::link::{Failure, StripeLink};

fn strategy(key: &str) -> RequestStrategy {
    // Our keys are short ASCII, well within Stripe's 255 characters.
    RequestStrategy::Idempotent(IdempotencyKey::new(key).expect("valid idempotency key"))
}

fn currency(code: &str) -> stripe_types::Currency {
    code.to_ascii_lowercase()
        .parse()
        .unwrap_or(stripe_types::Currency::EUR)
}

/// What Stripe should know about a product.
pub struct ProductData<'a> {
    pub id: i64,
    pub shop_id: i64,
    pub name: &'a str,
    pub description: &'a str,
    pub active: bool,
}

impl ProductData<'_> {
    fn metadata(&self) -> HashMap<String, String> {
        HashMap::from([
            ("showfloor_product_id".to_string(), self.id.to_string()),
            ("showfloor_shop_id".to_string(), self.shop_id.to_string()),
        ])
    }
}

pub async fn create_product(
    client: &Client,
    p: &ProductData<'_>,
    key: &str,
) -> Result<String, Failure> {
    let mut request = CreateProduct::new(p.name)
        .active(p.active)
        .metadata(p.metadata());
    if !p.description.is_empty() {
        request = request.description(p.description);
    }
    let product = request
        .customize()
        .request_strategy(strategy(key))
        .send(client)
        .await?;
    Ok(product.id.as_str().to_string())
}

pub async fn update_product(
    client: &Client,
    stripe_id: &str,
    p: &ProductData<'_>,
    key: &str,
) -> Result<(), Failure> {
    UpdateProduct::new(stripe_id)
        .name(p.name)
        .description(p.description)
        .active(p.active)
        .metadata(p.metadata())
        .customize()
        .request_strategy(strategy(key))
        .send(client)
        .await?;
    Ok(())
}

/// What Stripe should charge for one variant.
pub struct PriceData<'a> {
    pub stripe_product: &'a str,
    pub product_id: i64,
    pub variant_id: i64,
    pub nickname: &'a str,
    pub amount: i64,
    pub currency: &'a str,
}

pub async fn create_price(
    client: &Client,
    p: &PriceData<'_>,
    key: &str,
) -> Result<String, Failure> {
    let metadata = HashMap::from([
        ("showfloor_product_id".to_string(), p.product_id.to_string()),
        ("showfloor_variant_id".to_string(), p.variant_id.to_string()),
    ]);
    let price = CreatePrice::new(currency(p.currency))
        .product(p.stripe_product)
        .unit_amount(p.amount)
        .nickname(p.nickname)
        .metadata(metadata)
        .customize()
        .request_strategy(strategy(key))
        .send(client)
        .await?;
    Ok(price.id.as_str().to_string())
}

/// Stripe prices cannot change; a replaced one is switched off.
pub async fn deactivate_price(client: &Client, price_id: &str, key: &str) -> Result<(), Failure> {
    UpdatePrice::new(price_id)
        .active(false)
        .customize()
        .request_strategy(strategy(key))
        .send(client)
        .await?;
    Ok(())
}
