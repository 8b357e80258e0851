//! `GET /@{shop}/{stream}/bag`: the shopping bag as JSON for `shop.js`. The stream page
//! is cached and the same for everyone, so what is per shopper or changes by the second
//! comes from here: every featured product as a card (photo, price, variants, stock read
//! now), whether the stream sells now (live, or ended with "selling after the end"), and
//! the shopper's open reservations ("Held for you … Continue to checkout"), found by
//! viewer id. Stock then follows the room's `stock` events (`live::stock`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::buy::Holding;
use super::store;
use crate::error::{ApiError, Error};
use crate::live::store::{self as live_store, pins};
use crate::live::viewer::Viewer;
use crate::state::AppState;
use crate::streams::lifecycle::Status as StreamStatus;

pub async fn show(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
) -> Response {
    match bag(&state, &shop, &stream, &viewer).await {
        Ok(Some(body)) => ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response(),
        Ok(None) => ApiError(Error::NotFound).into_response(),
        Err(err) => ApiError(Error::Database(err)).into_response(),
    }
}

async fn bag(
    state: &AppState,
    shop: &str,
    stream: &str,
    viewer: &Viewer,
) -> sqlx::Result<Option<Value>> {
    let pool = &state.db.pool;
    let Some(selling) = live_store::selling_by_slugs(pool, shop, stream).await? else {
        return Ok(None);
    };
    let stream = selling.stream;
    let sells = match stream.status {
        StreamStatus::Live => true,
        StreamStatus::Ended => selling.sell_after_end,
        _ => false,
    };
    let mut products = Vec::new();
    for featured in pins::featured(pool, stream.shop_id, stream.id).await? {
        if let Some(card) = pins::card(pool, stream.shop_id, featured.id).await? {
            products.push(card);
        }
    }
    let holding = Holding::of(state, stream.id, &viewer.id).await?;
    let mut held = Vec::new();
    for order in &holding.orders {
        let lines = store::lines(pool, order.shop_id, order.id).await?;
        held.push(json!({
            "number": order.number,
            "expires_at": order.expires_at,
            "total": order.total.minor,
            "total_display": order.total.to_string(),
            "paying": order.provider.is_some(),
            "sheet_url": format!("/checkout/{}/sheet", order.token),
            "checkout_url": format!("/checkout/{}", order.token),
            "lines": lines.iter().map(|l| json!({
                "product_id": l.product_id,
                "variant_id": l.variant_id,
                "title": l.title,
                "variant_title": l.variant_title,
                "quantity": l.quantity,
                "amount_display": l.amount().to_string(),
            })).collect::<Vec<_>>(),
        }));
    }
    Ok(Some(json!({
        "selling": sells,
        "status": stream.status,
        "currency": stream.currency,
        "products": products,
        "held": held,
        "buy_url": format!("/@{}/{}/buy", stream.shop_slug, stream.slug),
    })))
}
