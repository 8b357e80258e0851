//! The offline test provider: the default when a shop has no Stripe key. Payment is our
//! own page (the request's `local_page`), which collects name, e-mail and address and
//! marks the order paid; it says plainly that no money moves. Refunds are recorded locally.

use async_trait::async_trait;

use super::{CheckoutRequest, Failure, Provider, RefundRequest, Refunded, Started};

pub struct Offline;

#[async_trait]
impl Provider for Offline {
    fn name(&self) -> &'static str {
        "test"
    }

    async fn start(&self, request: &CheckoutRequest) -> Result<Started, Failure> {
        Ok(Started {
            redirect: request.local_page.clone(),
            reference: None,
        })
    }

    async fn refund(&self, request: &RefundRequest) -> Result<Refunded, Failure> {
        Ok(Refunded {
            reference: format!("test-refund-{}", request.idempotency_key),
        })
    }

    async fn expire(&self, _checkout: &str) -> Result<(), Failure> {
        Ok(())
    }
}
