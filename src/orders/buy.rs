//! `POST /@{shop}/{stream}/buy`: the Buy button. JSON (from checkout.js, CSRF in the
//! header) or a plain form; the answer says where to pay, or why nothing was reserved.
//! The shopper's open order for this stream is their cart, remembered in the session.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::domain::{self, OrderStatus};
use super::reserve::{self, BuyRequest, Refusal};
use super::store::{self, Order};
use crate::error::{ApiError, Error};
use crate::live::store::{self as live_store, SellingStream};
use crate::live::viewer::Viewer;
use crate::state::AppState;
use crate::streams::lifecycle::Status as StreamStatus;

#[derive(Debug, Deserialize)]
struct BuyForm {
    variant_id: Option<serde_json::Value>,
    quantity: Option<serde_json::Value>,
    /// The price and currency the shopper's page showed (checked, never used).
    price: Option<serde_json::Value>,
    currency: Option<String>,
    /// The pin whose live offer the shopper saw.
    pin_id: Option<serde_json::Value>,
}

/// A whole number from JSON (number or string) or a form field.
fn number(value: &Option<serde_json::Value>, what: &str) -> Result<Option<i64>, String> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("The {what} must be a whole number.")),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("The {what} must be a whole number.")),
        Some(_) => Err(format!("The {what} must be a whole number.")),
    }
}

fn cart_key(stream_id: i64) -> String {
    format!("cart:{stream_id}")
}

/// The shopper's open order for a stream, if the session remembers one.
pub async fn cart(
    state: &AppState,
    session: &Session,
    stream_id: i64,
) -> crate::error::Result<Option<Order>> {
    let Some(token) = session
        .get::<String>(&cart_key(stream_id))
        .await
        .ok()
        .flatten()
    else {
        return Ok(None);
    };
    Ok(store::by_token(&state.db.pool, &token)
        .await?
        .filter(|o| o.status == OrderStatus::Pending))
}

pub async fn buy(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    match run(&state, &shop, &stream, &viewer, is_json, &body).await {
        Ok(answer) if is_json => (StatusCode::CREATED, Json(answer)).into_response(),
        Ok(answer) => Redirect::to(answer["checkout_url"].as_str().unwrap_or("/")).into_response(),
        Err(Refusal::SoldOut(message)) => (
            StatusCode::CONFLICT,
            Json(json!({"error": message, "sold_out": true})),
        )
            .into_response(),
        Err(Refusal::Invalid(message)) => ApiError(Error::BadRequest(message)).into_response(),
        Err(Refusal::Database(err)) => ApiError(Error::Database(err)).into_response(),
    }
}

async fn run(
    state: &AppState,
    shop: &str,
    stream: &str,
    viewer: &Viewer,
    is_json: bool,
    body: &[u8],
) -> Result<serde_json::Value, Refusal> {
    let form: BuyForm = if is_json {
        serde_json::from_slice(body)
            .map_err(|_| Refusal::Invalid("The request is not valid JSON.".into()))?
    } else {
        serde_urlencoded::from_bytes(body)
            .map_err(|_| Refusal::Invalid("The form could not be read.".into()))?
    };
    let variant_id = number(&form.variant_id, "variant");
    let quantity = number(&form.quantity, "quantity").map(domain::quantity);
    // A Buy tap for reports, sold out or not: a channel send, no database (reports::capture).
    if let Ok(Some(variant_id)) = variant_id {
        state
            .capture
            .record(crate::reports::capture::Event::BuyTap {
                shop: shop.to_string(),
                stream: stream.to_string(),
                viewer_id: viewer.id.clone(),
                variant_id,
                at: crate::db::now_ms(),
            });
    }
    // Known sold out a moment ago (see `hint`): answer without reading anything else.
    if let (Ok(Some(variant_id)), Ok(Ok(quantity))) = (&variant_id, &quantity)
        && state
            .orders
            .hints
            .sold_out(shop, stream, *variant_id, *quantity)
    {
        return Err(reserve::sold_out(*quantity));
    }
    // The stream and its sell-after-end switch in one read, shared by concurrent Buys.
    let SellingStream {
        stream,
        sell_after_end,
    } = state
        .orders
        .streams
        .run((shop.to_string(), stream.to_string()), || {
            live_store::selling_by_slugs(&state.db.pool, shop, stream)
        })
        .await?
        .ok_or_else(|| Refusal::Invalid("This stream does not exist.".into()))?;
    match stream.status {
        StreamStatus::Live => {}
        StreamStatus::Ended if sell_after_end => {}
        StreamStatus::Scheduled => {
            return Err(Refusal::Invalid(
                "This stream has not started yet; products go on sale when it is live.".into(),
            ));
        }
        _ => {
            return Err(Refusal::Invalid(
                "This stream's products are no longer sold here.".into(),
            ));
        }
    }
    let variant_id = variant_id
        .map_err(Refusal::Invalid)?
        .ok_or_else(|| Refusal::Invalid("Choose an option first.".into()))?;
    let quantity = quantity
        .map_err(Refusal::Invalid)?
        .map_err(Refusal::Invalid)?;
    let shown_price = number(&form.price, "price").map_err(Refusal::Invalid)?;
    let offer_pin = number(&form.pin_id, "pin").map_err(Refusal::Invalid)?;
    let cart = cart(state, &viewer.session, stream.id)
        .await
        .map_err(|_| Refusal::Invalid("Your session could not be read; reload the page.".into()))?;
    let reservation_ms = state.orders.reservation().as_millis() as i64;
    let bought = state
        .orders
        .buy(
            &state.db,
            BuyRequest {
                stream: &stream,
                viewer_id: &viewer.id,
                variant_id,
                quantity,
                cart,
                shown_price,
                shown_currency: form.currency,
                offer_pin,
                reservation_ms,
            },
        )
        .await?;
    if bought.new_order {
        let _ = viewer
            .session
            .insert(&cart_key(stream.id), &bought.token)
            .await;
    }
    super::ticker::send(
        state,
        super::ticker::Ticket {
            shop_id: stream.shop_id,
            stream_id: stream.id,
            number: bought.number.clone(),
            total: bought.total,
            event: "reserved",
        },
    );
    Ok(json!({
        "order": bought.number,
        "quantity": bought.quantity,
        "title": bought.title,
        "unit_price": bought.unit_price.minor,
        "price_display": bought.unit_price.to_string(),
        "currency": bought.unit_price.currency,
        "checkout_url": format!("/checkout/{}", bought.token),
        "status_url": format!("/checkout/{}/status", bought.token),
        "reserved_minutes": reservation_ms / 60_000,
    }))
}
