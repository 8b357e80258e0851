//! The Stripe link: the shop's key (`account`), the calls the catalogue makes through
//! async-stripe (products, prices, the account check), and the key settings page.
//! The background sync that drives these calls is `catalog::sync`.
//!
//! Each call is sent once with an `Idempotency-Key` derived from what it does (product,
//! revision, amount), so a retry after a timeout or a 5xx never creates a duplicate;
//! the retries themselves are the sync worker's, persisted with their backoff.

pub mod account;
pub mod settings;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_product::price::{CreatePrice, UpdatePrice};
use stripe_product::product::{CreateProduct, UpdateProduct};
use tokio::sync::Notify;

/// Shared by the handlers and the sync worker.
pub struct StripeLink {
    /// Handlers ring this after a change; the worker wakes at once.
    pub wake: Notify,
    /// `None`: api.stripe.com. Tests and stripe-mock users point it elsewhere (ends in `/`).
    api_base: Mutex<Option<String>>,
    /// First retry delay; doubled per attempt.
    backoff: Mutex<Duration>,
}

impl StripeLink {
    pub fn new() -> Arc<StripeLink> {
        // Ignored when a provider is already installed (by us or another feature).
        let _ = rustls::crypto::ring::default_provider().install_default();
        Arc::new(StripeLink {
            wake: Notify::new(),
            api_base: Mutex::new(std::env::var("SHOWFLOOR_STRIPE_API_BASE").ok()),
            backoff: Mutex::new(Duration::from_secs(10)),
        })
    }

    /// Send Stripe calls to `url` (e.g. a local fake Stripe) instead of api.stripe.com.
    pub fn set_api_base(&self, url: impl Into<String>) {
        let mut url = url.into();
        if !url.ends_with('/') {
            url.push('/');
        }
        *self.api_base.lock().unwrap_or_else(|e| e.into_inner()) = Some(url);
    }

    pub fn set_backoff(&self, first_retry: Duration) {
        *self.backoff.lock().unwrap_or_else(|e| e.into_inner()) = first_retry;
    }

    pub fn backoff(&self, attempt: i64) -> Duration {
        let base = *self.backoff.lock().unwrap_or_else(|e| e.into_inner());
        base.saturating_mul(1 << attempt.clamp(0, 10) as u32)
            .min(Duration::from_secs(3600))
    }

    pub fn client(&self, secret_key: &str) -> Result<Client, Failure> {
        let mut builder = ClientBuilder::new(secret_key)
            .timeout(Duration::from_secs(20))
            .app_info(
                "Showfloor",
                Some(env!("CARGO_PKG_VERSION").to_string()),
                None,
            );
        if let Some(url) = self
            .api_base
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            builder = builder.url(url);
        }
        builder
            .build()
            .map_err(|e| Failure::permanent(format!("The Stripe key cannot be used: {e}")))
    }
}

/// Why a call failed, in a sentence for the merchant, and whether trying later may help.
#[derive(Debug, Clone)]
pub struct Failure {
    pub message: String,
    pub retryable: bool,
}

impl Failure {
    fn permanent(message: String) -> Failure {
        Failure {
            message,
            retryable: false,
        }
    }
}

impl From<StripeError> for Failure {
    fn from(err: StripeError) -> Failure {
        match err {
            StripeError::Stripe(api, status) => {
                let message = api
                    .message
                    .clone()
                    .unwrap_or_else(|| format!("{:?}", api.type_));
                Failure {
                    message: format!("Stripe said: {message} (HTTP {status})"),
                    retryable: matches!(status, 409 | 429 | 500..=599),
                }
            }
            StripeError::Timeout => Failure {
                message: "Stripe did not answer in time.".into(),
                retryable: true,
            },
            StripeError::ClientError(e) => Failure {
                message: format!("Could not reach Stripe: {e}"),
                retryable: true,
            },
            StripeError::JSONDeserialize(_) => Failure {
                message: "Stripe sent an answer we could not read.".into(),
                retryable: true,
            },
            StripeError::ConfigError(e) => Failure::permanent(format!("Stripe configuration: {e}")),
        }
    }
}

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

/// "Test connection": the account the key belongs to, as (id, display name).
pub async fn check_account(client: &Client) -> Result<(String, Option<String>), Failure> {
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
    Ok((account.id.as_str().to_string(), name))
}
