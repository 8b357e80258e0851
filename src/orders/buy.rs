//! `POST /@{shop}/{stream}/buy`: the Buy button. JSON (from checkout.js, CSRF in the
//! header) or a plain form; the answer says where to pay, or why nothing was reserved.
//! The shopper's open order for this stream is their cart, found by their viewer id.
//!
//! "The same Buy" (answered with the reservation the shopper holds, 200, never a second
//! unit): the same viewer id, the same stream and the same variant while an order of
//! theirs holding it is pending and unexpired; the quantity is left as it is unless the
//! Buy says `add: true`. Another product (or variant) is a line added to their cart (the
//! newest pending order no payment was started for), or a new order when there is none.

use super::domain;
use super::reserve::{self, BuyRequest, Refusal};
use super::store::{self, Line, Order};
use crate::db::now_ms;
use crate::error::{ApiError, Error};
use crate::live::store::{self as live_store, SellingStream};
use crate::live::viewer::Viewer;
use crate::money::Money;
use crate::state::AppState;
use crate::streams::lifecycle::Status as StreamStatus;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
struct BuyForm {
    variant_id: Option<serde_json::Value>,
    quantity: Option<serde_json::Value>,
    /// The price and currency the shopper's page showed (checked, never used).
    price: Option<serde_json::Value>,
    currency: Option<String>,
    /// The pin whose live offer the shopper saw.
    pin_id: Option<serde_json::Value>,
    /// The shopper confirmed the regular price after the offer they saw ended.
    accept_regular: Option<bool>,
    /// Reserve more units even if the shopper holds this variant already.
    add: Option<bool>,
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

/// What the shopper already holds in this stream, by viewer id (never the session: in an
/// embed with cookies blocked there is none, and a restart must not forget it).
pub struct Holding {
    /// Their open orders, newest first (`store::bag::open_orders`).
    pub orders: Vec<Order>,
}

impl Holding {
    pub async fn of(state: &AppState, stream_id: i64, viewer_id: &str) -> sqlx::Result<Holding> {
        let orders =
            store::bag::open_orders(&state.db.pool, stream_id, viewer_id, now_ms()).await?;
        Ok(Holding { orders })
    }

    /// The cart: the newest open order no payment was started for.
    pub fn cart(&self) -> Option<Order> {
        self.orders.iter().find(|o| o.provider.is_none()).cloned()
    }

    /// The held line of the variant and its order, if the shopper reserved it already.
    async fn line_of(
        &self,
        state: &AppState,
        variant_id: i64,
    ) -> sqlx::Result<Option<(&Order, Line)>> {
        for order in &self.orders {
            if let Some(line) =
                store::bag::held_line(&state.db.pool, order.shop_id, order.id, variant_id).await?
            {
                return Ok(Some((order, line)));
            }
        }
        Ok(None)
    }
}

/// The shopper's cart in the stream (their open order still taking lines), if any.
pub async fn cart(
    state: &AppState,
    viewer_id: &str,
    stream_id: i64,
) -> crate::error::Result<Option<Order>> {
    Ok(Holding::of(state, stream_id, viewer_id).await?.cart())
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
        Ok((fresh, answer)) if is_json => {
            let status = if fresh {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, Json(answer)).into_response()
        }
        Ok((_, answer)) => {
            Redirect::to(answer["checkout_url"].as_str().unwrap_or("/")).into_response()
        }
        Err(refusal) => refused(refusal),
    }
}

/// A refusal as JSON: one sentence in `error`, and what the page needs to offer next.
fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::SoldOut { message, left } => (
            StatusCode::CONFLICT,
            Json(json!({"error": message, "sold_out": true, "left": left})),
        )
            .into_response(),
        Refusal::TooMany { message, left } => (
            StatusCode::CONFLICT,
            Json(json!({"error": message, "left": left})),
        )
            .into_response(),
        Refusal::OfferEnded { message, price } => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": message,
                "offer_ended": true,
                "price": price.minor,
                "price_display": price.to_string(),
                "currency": price.currency,
            })),
        )
            .into_response(),
        Refusal::NotFound(message) => {
            (StatusCode::NOT_FOUND, Json(json!({"error": message}))).into_response()
        }
        Refusal::Invalid(message) => ApiError(Error::BadRequest(message)).into_response(),
        Refusal::Database(err) => ApiError(Error::Database(err)).into_response(),
    }
}

/// The answer to a Buy: the reservation now holding the units.
fn answer(order: &Order, line: &Line, total: &Money, reservation_ms: i64) -> serde_json::Value {
    json!({
        "order": order.number,
        "quantity": line.quantity,
        "title": line.title,
        "unit_price": line.unit_price.minor,
        "price_display": line.unit_price.to_string(),
        "currency": line.unit_price.currency,
        "total": total.minor,
        "total_display": total.to_string(),
        "checkout_url": format!("/checkout/{}", order.token),
        "status_url": format!("/checkout/{}/status", order.token),
        "sheet_url": format!("/checkout/{}/sheet", order.token),
        "expires_at": order.expires_at,
        "reserved_minutes": reservation_ms / 60_000,
    })
}

/// Check the Buy, give back what the shopper already holds of this variant, or reserve.
/// The answer is (whether units were taken now, the reservation as JSON).
async fn run(
    state: &AppState,
    shop: &str,
    stream: &str,
    viewer: &Viewer,
    is_json: bool,
    body: &[u8],
) -> Result<(bool, serde_json::Value), Refusal> {
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
    // Known sold out a moment ago (see `hint`): answer without reading anything else,
    // unless the unit may be this shopper's own (a retry), which the database answers.
    if let (Ok(Some(variant_id)), Ok(Ok(quantity))) = (&variant_id, &quantity)
        && state
            .orders
            .hints
            .sold_out(shop, stream, *variant_id, *quantity)
        && !state
            .orders
            .held
            .may_hold(shop, stream, &viewer.id, *variant_id)
    {
        return Err(reserve::sold_out(*quantity));
    }
    // The same for a live offer known to have ended a moment ago: the regular price is
    // offered at once (a tap confirming it, `accept_regular`, goes on to the database).
    if let (Ok(Some(variant_id)), Ok(Ok(quantity)), Ok(Some(pin))) =
        (&variant_id, &quantity, &number(&form.pin_id, "pin"))
        && !form.accept_regular.unwrap_or(false)
        && let Some(regular) =
            state
                .orders
                .hints
                .offer_ended(shop, stream, *pin, *variant_id, *quantity)
        && !state
            .orders
            .held
            .may_hold(shop, stream, &viewer.id, *variant_id)
    {
        return Err(reserve::offer_ended(regular));
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
        .ok_or_else(|| Refusal::NotFound("This stream does not exist.".into()))?;
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
    let quantity = match quantity.map_err(Refusal::Invalid)? {
        Ok(q) => q,
        Err(message) if message.contains("up to") => {
            return Err(Refusal::TooMany {
                message,
                left: domain::MAX_QUANTITY,
            });
        }
        Err(message) => return Err(Refusal::Invalid(message)),
    };
    let shown_price = number(&form.price, "price").map_err(Refusal::Invalid)?;
    let offer_pin = number(&form.pin_id, "pin").map_err(Refusal::Invalid)?;
    let reservation_ms = state.orders.reservation().as_millis() as i64;
    // The same Buy again (same shopper, stream and variant while the order is pending):
    // their reservation, unchanged. `add` asks for more units on a line of their own.
    let holding = Holding::of(state, stream.id, &viewer.id).await?;
    if !form.add.unwrap_or(false)
        && let Some((order, line)) = holding.line_of(state, variant_id).await?
    {
        return Ok((false, answer(order, &line, &order.total, reservation_ms)));
    }
    let cart = holding.cart();
    let cart_expires = cart.as_ref().map(|c| c.expires_at);
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
                accept_regular: form.accept_regular.unwrap_or(false),
                reservation_ms,
            },
        )
        .await?;
    state
        .orders
        .held
        .remember(&stream.shop_slug, &stream.slug, &viewer.id, variant_id);
    super::ticker::send(
        state,
        super::ticker::Ticket {
            shop_id: stream.shop_id,
            stream_id: stream.id,
            number: bought.number.clone(),
            total: bought.total.clone(),
            event: "reserved",
        },
    );
    let now = now_ms();
    Ok((
        true,
        json!({
            "order": bought.number,
            "quantity": bought.quantity,
            "title": bought.title,
            "unit_price": bought.unit_price.minor,
            "price_display": bought.unit_price.to_string(),
            "currency": bought.unit_price.currency,
            "total": bought.total.minor,
            "total_display": bought.total.to_string(),
            "checkout_url": format!("/checkout/{}", bought.token),
            "status_url": format!("/checkout/{}/status", bought.token),
            "sheet_url": format!("/checkout/{}/sheet", bought.token),
            "expires_at": cart_expires
                .filter(|_| !bought.new_order)
                .unwrap_or(now + reservation_ms),
            "reserved_minutes": reservation_ms / 60_000,
        }),
    ))
}
