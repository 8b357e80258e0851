//! `GET /checkout/{token}/sheet`: an order as the in-page checkout sheet shows it
//! (`checkout.js`): the shop's name, the lines with their product's photo, the total in
//! the shop's currency, when the reservation ends (UTC ms; the page counts down in words
//! and shows times in the shopper's zone), which provider takes the payment and where,
//! whether a confirmation mail will really be sent, and the live coupon it carries.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::checkout::load;
use super::{store, view};
use crate::error::Result;
use crate::state::AppState;

pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let order = load(&state, &token).await?;
    let pool = &state.db.pool;
    let lines = store::lines(pool, order.shop_id, order.id).await?;
    let mut shown = Vec::with_capacity(lines.len());
    for line in &lines {
        let image = store::bag::product_image(pool, order.shop_id, line.product_id).await?;
        shown.push(json!({
            "title": line.title,
            "variant_title": line.variant_title,
            "quantity": line.quantity,
            "unit_price_display": line.unit_price.to_string(),
            "amount_display": line.amount().to_string(),
            "offer": line.offer_pin_id.is_some(),
            "image": image.as_ref().map(|(file, _)| crate::catalog::images::url(file)),
            "image_alt": image.map(|(_, alt)| alt).filter(|a| !a.is_empty()).unwrap_or_else(|| line.title.clone()),
        }));
    }
    let provider = crate::payments::provider_for(&state, order.shop_id).await?;
    let shop_name = store::bag::shop_name(pool, order.shop_id)
        .await?
        .unwrap_or_default();
    let body = json!({
        "number": order.number,
        "status": order.status,
        "paid": order.status().is_paid(),
        "shop_name": shop_name,
        // Shops have no logo yet; the sheet shows one when this is set.
        "shop_logo": serde_json::Value::Null,
        "lines": shown,
        "total": order.total.minor,
        "coupon": order.coupon_code,
        "discount_display": order.coupon_code.as_ref().map(|_| format!("−{}", order.discount)),
        "coupon_url": format!("/checkout/{token}/coupon"),
        "total_display": view::total(&order),
        "currency": order.total.currency,
        "expires_at": order.expires_at,
        "provider": provider.name(),
        "paying": order.provider.is_some(),
        "pay_url": format!("/checkout/{token}/pay"),
        "test_url": format!("/checkout/{token}/test"),
        "cancel_url": format!("/checkout/{token}/cancel"),
        "status_url": format!("/checkout/{token}/status"),
        "confirmation_url": format!("/checkout/{token}/done"),
        "email": (!order.email.is_empty()).then_some(order.email.clone()),
        // Say "a confirmation is on its way" only when mail can go out at all.
        "mail": state.config.smtp_url.is_some(),
    });
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}
