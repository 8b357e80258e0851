//! `POST /webhooks/stripe/{shop}`: Stripe's event deliveries. The signature is checked
//! on the raw body with the shop's webhook secret before anything is parsed; then the
//! event is stored (its id once: a retry is acknowledged without effect) and applied in
//! one transaction. Unknown event types are acknowledged and ignored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::signature;
use crate::state::AppState;

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

pub async fn receive(
    State(state): State<AppState>,
    Path(shop): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let found: Result<Option<(i64, Option<String>)>, sqlx::Error> = sqlx::query_as(
        "SELECT s.id, a.webhook_secret FROM shops s LEFT JOIN stripe_accounts a ON a.shop_id = s.id \
         WHERE s.slug = $1",
    )
    .bind(&shop)
    .fetch_optional(&state.db.pool)
    .await;
    let (shop_id, secret) = match found {
        Ok(Some(row)) => row,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "No such shop."),
        Err(err) => {
            tracing::error!(error = %err, "webhook: shop lookup failed");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, "Try again later.");
        }
    };
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "This shop has no Stripe webhook secret configured.",
        );
    };
    let Some(header) = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "The Stripe-Signature header is missing.",
        );
    };
    let now = crate::db::now_ms() / 1000;
    if let Err(invalid) = signature::verify(&secret, header, &body, now) {
        tracing::info!(shop = %shop, ?invalid, "webhook signature refused");
        return refuse(StatusCode::BAD_REQUEST, invalid.message());
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "The body is not valid JSON.");
    };
    let (Some(id), Some(kind)) = (event["id"].as_str(), event["type"].as_str()) else {
        return refuse(StatusCode::BAD_REQUEST, "The event has no id or type.");
    };
    let raw = String::from_utf8_lossy(&body);
    match super::events::apply(&state, shop_id, id, kind, &event, &raw).await {
        Ok(outcome) => (
            StatusCode::OK,
            Json(json!({ "received": true, "outcome": outcome })),
        )
            .into_response(),
        Err(err) => {
            // Stripe retries a 5xx, which is what we want after a database hiccup.
            tracing::error!(error = %err, event = id, "webhook: applying the event failed");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The event could not be stored; retry later.",
            )
        }
    }
}
