//! The link to Stripe's API, shared by payments (Checkout, refunds, reconciliation) and
//! the catalogue's product sync: where calls go, how a client is built from the shop's
//! key, and what a failed call means in a sentence. Moved here from the catalogue so
//! that payments, the layer under orders, reaches Stripe without reaching up a floor.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use stripe::{Client, ClientBuilder, StripeError};
use tokio::sync::Notify;

/// One per process, in `AppState::stripe`.
pub struct StripeLink {
    /// The catalogue's sync worker waits on this; a change to a product rings it.
    pub wake: Notify,
    /// `None`: api.stripe.com. Tests and stripe-mock users point it elsewhere (ends in `/`).
    api_base: Mutex<Option<String>>,
    /// The sync worker's first retry delay; doubled per attempt.
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

    /// A client for the shop's key. The key is exposed only here, to the client builder.
    pub fn client(&self, secret_key: &SecretString) -> Result<Client, Failure> {
        let mut builder = ClientBuilder::new(secret_key.expose_secret())
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
