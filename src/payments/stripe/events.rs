//! Stripe's webhook events read into [`PaymentEvent`]s. Only the fields Showfloor needs
//! are read, so an event shaped by another Stripe API version still works; a type we do
//! not use reads as `None` (acknowledged and ignored).

use serde_json::Value;

use super::REFERENCE_KEY;
use crate::payments::event::{Checkout, Completed, Payer, PaymentEvent, Refund};

/// The event of type `kind` whose `data.object` is `object`.
pub fn parse(kind: &str, object: &Value) -> Option<PaymentEvent> {
    Some(match kind {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            let checkout = checkout(object);
            let status = object["payment_status"].as_str().unwrap_or("");
            if status == "paid" || status == "no_payment_required" {
                let details = &object["customer_details"];
                PaymentEvent::Completed(Completed {
                    checkout,
                    amount: object["amount_total"].as_i64(),
                    payer: Payer {
                        email: text(&details["email"]),
                        name: text(&details["name"]),
                        address: address(object),
                    },
                })
            } else {
                PaymentEvent::Processing(checkout)
            }
        }
        "checkout.session.async_payment_failed" => PaymentEvent::Failed(checkout(object)),
        "checkout.session.expired" => PaymentEvent::Expired(checkout(object)),
        "charge.refunded" => PaymentEvent::Refunded(Refund {
            // A charge carries our metadata only (no client reference).
            reference: object["metadata"][REFERENCE_KEY].as_str().map(String::from),
            payment: object["payment_intent"].as_str().map(String::from),
            id: object["id"].as_str().map(String::from),
            total: object["amount_refunded"].as_i64().unwrap_or(0),
        }),
        _ => return None,
    })
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or("").to_string()
}

/// A Checkout Session's reference: our metadata, else the client reference we set too.
fn checkout(object: &Value) -> Checkout {
    Checkout {
        reference: object["metadata"][REFERENCE_KEY]
            .as_str()
            .or(object["client_reference_id"].as_str())
            .map(String::from),
        id: object["id"].as_str().map(String::from),
        payment: object["payment_intent"].as_str().map(String::from),
    }
}

/// The shipping address, from wherever this API version puts it, one part per line.
fn address(object: &Value) -> String {
    let shipping = [
        &object["collected_information"]["shipping_details"],
        &object["shipping_details"],
        &object["customer_details"],
    ]
    .into_iter()
    .find(|s| s["address"].is_object());
    let Some(shipping) = shipping else {
        return String::new();
    };
    let a = &shipping["address"];
    let mut parts: Vec<String> = shipping["name"]
        .as_str()
        .map(String::from)
        .into_iter()
        .collect();
    for key in ["line1", "line2", "postal_code", "city", "state", "country"] {
        if let Some(v) = a[key].as_str().filter(|v| !v.is_empty()) {
            parts.push(v.to_string());
        }
    }
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_paid_session_reads_as_completed_with_the_payer() {
        let object = json!({"id": "cs_1", "client_reference_id": "7", "payment_status": "paid",
            "payment_intent": "pi_1", "amount_total": 4900,
            "customer_details": {"email": "sam@example.com", "name": "Sam"},
            "collected_information": {"shipping_details": {"name": "Sam", "address": {"line1": "1 Main St", "line2": "", "city": "Lyon", "country": "FR"}}}});
        let Some(PaymentEvent::Completed(c)) = parse("checkout.session.completed", &object) else {
            panic!("completed");
        };
        assert_eq!(c.checkout.reference.as_deref(), Some("7"));
        assert_eq!(c.checkout.id.as_deref(), Some("cs_1"));
        assert_eq!(c.checkout.payment.as_deref(), Some("pi_1"));
        assert_eq!(c.amount, Some(4900));
        assert_eq!(c.payer.email, "sam@example.com");
        assert_eq!(c.payer.address, "Sam\n1 Main St\nLyon\nFR");
    }

    #[test]
    fn metadata_names_the_reference_before_the_client_reference() {
        let object = json!({"id": "cs_1", "client_reference_id": "7", "metadata": {"showfloor_order_id": "8"}});
        let event = parse("checkout.session.expired", &object).unwrap();
        let PaymentEvent::Expired(checkout) = event else {
            panic!("expired");
        };
        assert_eq!(checkout.reference.as_deref(), Some("8"));
    }

    #[test]
    fn an_unpaid_completion_is_still_processing_and_other_kinds_map_or_are_ignored() {
        let unpaid = json!({"id": "cs_2", "payment_status": "unpaid"});
        assert!(matches!(
            parse("checkout.session.completed", &unpaid),
            Some(PaymentEvent::Processing(_))
        ));
        assert!(matches!(
            parse("checkout.session.async_payment_failed", &unpaid),
            Some(PaymentEvent::Failed(_))
        ));
        assert_eq!(parse("customer.created", &json!({})), None);
        let refund = json!({"id": "ch_1", "payment_intent": "pi_1", "amount_refunded": 1200, "metadata": {}});
        let event = parse("charge.refunded", &refund).unwrap();
        assert_eq!(event.payment(), Some("pi_1"));
        assert_eq!(event.refunded_total(), Some(1200));
        let PaymentEvent::Refunded(r) = event else {
            panic!("refunded");
        };
        assert_eq!((r.reference, r.id.as_deref()), (None, Some("ch_1")));
    }
}
