//! The offline test provider: the default when a shop has no Stripe key. Payment is a
//! local page that collects name, e-mail and address and marks the order paid; it says
//! plainly that no money moves. Refunds are recorded locally.

use async_trait::async_trait;

use super::{CheckoutRequest, Failure, Provider, Refunded, Started};
use crate::orders::store::Order;

pub struct Offline;

#[async_trait]
impl Provider for Offline {
    fn name(&self) -> &'static str {
        "test"
    }

    async fn start(&self, request: &CheckoutRequest<'_>) -> Result<Started, Failure> {
        Ok(Started {
            redirect: format!("/checkout/{}/test", request.order.token),
            reference: None,
        })
    }

    async fn refund(&self, order: &Order, amount: i64, _key: &str) -> Result<Refunded, Failure> {
        Ok(Refunded {
            reference: format!("test-refund-{}-{amount}", order.number),
        })
    }
}
