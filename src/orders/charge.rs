//! An order in the terms of a payment provider: its lines as a neutral charge, a
//! refund of some of it. Payments knows no orders, so this is where an order becomes
//! what a provider is asked for; what comes back is applied in `payment_events`.

use super::store::{Line, Order};
use crate::money::Money;
use crate::payments::{Charge, ChargeDiscount, ChargeLine, CheckoutRequest, RefundRequest};

/// The order's lines as a charge (less its coupon); the order id is the reference every
/// event carries.
pub fn charge(order: &Order, lines: &[Line]) -> Charge {
    Charge {
        reference: order.id.to_string(),
        labels: vec![
            ("order_number", order.number.clone()),
            (
                "stream_id",
                order.stream_id.map(|s| s.to_string()).unwrap_or_default(),
            ),
        ],
        lines: lines.iter().map(charge_line).collect(),
        discount: order.coupon_code.as_ref().map(|code| ChargeDiscount {
            name: code.clone(),
            amount: order.discount.clone(),
        }),
    }
}

fn charge_line(line: &Line) -> ChargeLine {
    ChargeLine {
        title: if line.variant_title.is_empty() {
            line.title.clone()
        } else {
            format!("{} — {}", line.title, line.variant_title)
        },
        quantity: line.quantity,
        unit_price: line.unit_price.clone(),
        provider_price: line.stripe_price_id.clone(),
    }
}

/// Payment attempt `attempt` (1, 2, …) for the order, from the shop at `base_url`.
pub fn checkout_request(
    order: &Order,
    lines: &[Line],
    base_url: &str,
    attempt: i64,
) -> CheckoutRequest {
    let token = &order.token;
    CheckoutRequest {
        charge: charge(order, lines),
        success_url: format!("{base_url}/checkout/{token}/done"),
        cancel_url: format!("{base_url}/checkout/{token}"),
        local_page: format!("/checkout/{token}/test"),
        idempotency_key: format!("showfloor-o{}-checkout-{attempt}", order.id),
        // The page stops taking money when the reservation ends.
        expires_at: order.expires_at,
    }
}

/// A refund of `amount`, sent once under `key`.
pub fn refund_request(order: &Order, amount: &Money, key: &str) -> RefundRequest {
    RefundRequest {
        reference: order.id.to_string(),
        payment: order.stripe_payment_intent.clone(),
        amount: amount.clone(),
        idempotency_key: key.to_string(),
    }
}
