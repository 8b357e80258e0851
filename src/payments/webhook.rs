//! Stripe's event deliveries, `POST /webhooks/stripe/{shop}`, checked and read: the
//! signature is verified on the raw body with the shop's signing secret before anything
//! is parsed, then the event is read into a [`PaymentEvent`]. What it does to an order
//! is decided in `orders` (`orders::stripe_events`, which routes this URL), inside one
//! transaction with the delivery's row (`store::record_delivery`: each event id once).

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::event::PaymentEvent;
use super::{signature, store};

/// A delivery whose signature checked out.
pub struct Delivery {
    pub shop_id: i64,
    /// Stripe's event id (`evt_…`): stored once per shop.
    pub id: String,
    /// Stripe's event type (`checkout.session.completed`…).
    pub kind: String,
    /// The body as received, kept for the merchant's record.
    pub raw: String,
    /// `None`: a type Showfloor does not use; it is acknowledged and ignored.
    pub event: Option<PaymentEvent>,
}

/// Why a delivery was refused, answered as `{"error": …}` with its status.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    message: &'static str,
}

impl Refusal {
    fn new(status: StatusCode, message: &'static str) -> Refusal {
        Refusal { status, message }
    }

    /// Stripe retries a 5xx, which is what we want after a database hiccup.
    pub fn retry_later() -> Refusal {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The event could not be stored; retry later.",
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

/// The answer to an applied (or duplicate, or ignored) delivery.
pub fn accepted(outcome: &str) -> Response {
    (
        StatusCode::OK,
        Json(json!({ "received": true, "outcome": outcome })),
    )
        .into_response()
}

/// Check the delivery addressed to `shop` and read its event.
pub async fn verify(
    db: &sqlx::AnyPool,
    shop: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Delivery, Refusal> {
    let target = match store::webhook_target(db, shop).await {
        Ok(Some(target)) => target,
        Ok(None) => return Err(Refusal::new(StatusCode::NOT_FOUND, "No such shop.")),
        Err(err) => {
            tracing::error!(error = %err, "webhook: shop lookup failed");
            return Err(Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Try again later.",
            ));
        }
    };
    let Some(secret) = target.secret else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "This shop has no Stripe webhook secret configured.",
        ));
    };
    let Some(header) = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
    else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "The Stripe-Signature header is missing.",
        ));
    };
    let now = crate::db::now_ms() / 1000;
    if let Err(invalid) = signature::verify(secret.expose_secret(), header, body, now) {
        tracing::info!(shop = %shop, ?invalid, "webhook signature refused");
        return Err(Refusal::new(StatusCode::BAD_REQUEST, invalid.message()));
    }
    let Ok(event) = serde_json::from_slice::<Value>(body) else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "The body is not valid JSON.",
        ));
    };
    let (Some(id), Some(kind)) = (event["id"].as_str(), event["type"].as_str()) else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "The event has no id or type.",
        ));
    };
    Ok(Delivery {
        shop_id: target.shop_id,
        id: id.to_string(),
        kind: kind.to_string(),
        raw: String::from_utf8_lossy(body).into_owned(),
        event: super::stripe::events::parse(kind, &event["data"]["object"]),
    })
}
