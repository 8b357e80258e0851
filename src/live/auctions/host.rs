//! The host's side of an auction: put a lot up (checked: a variant of the shop that is for
//! sale and in stock, amounts in the shop's currency, a sane clock) and end it early.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

use super::{announce, clock, invalid};
use crate::db::now_ms;
use crate::error::{ApiError, Error};
use crate::live::load_moderator;
use crate::live::store::auctions::{self, AuctionState, NewAuction};
use crate::live::viewer::Viewer;
use crate::money;
use crate::state::AppState;

/// Clock bounds, in seconds.
pub const SECONDS: std::ops::RangeInclusive<i64> = 10..=600;
/// The late-bid window, in seconds (0: sudden death).
pub const EXTEND_SECONDS: std::ops::RangeInclusive<i64> = 0..=60;

#[derive(Debug, Deserialize)]
pub struct StartForm {
    variant_id: i64,
    /// Amounts as the host typed them, in the shop's currency.
    start_price: String,
    increment: String,
    #[serde(default)]
    reserve: Option<String>,
    seconds: i64,
    /// The late-bid window (0: sudden death).
    #[serde(default)]
    extend_seconds: i64,
}

/// Parse an amount the host typed, or say which field is wrong.
fn amount(field: &'static str, text: &str, currency: &str) -> Result<i64, ApiError> {
    let minor = money::parse(text, currency).map_err(|e| invalid(field, e))?;
    if minor <= 0 {
        return Err(invalid(field, "Give an amount above zero."));
    }
    Ok(minor)
}

/// `POST …/live/auctions`: put a lot up (one running auction per stream).
pub async fn start(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<StartForm>,
) -> Result<Json<Value>, ApiError> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    let Some(lot) = auctions::lot(pool, s.shop_id, form.variant_id).await? else {
        return Err(invalid("variant_id", "Pick a product of this shop."));
    };
    if !lot.active {
        return Err(invalid(
            "variant_id",
            "This product is not for sale: make it active first.",
        ));
    }
    if !lot.unlimited && lot.stock < 1 {
        return Err(invalid(
            "variant_id",
            "This product is out of stock: there is nothing to sell the winner.",
        ));
    }
    let currency = lot.currency.as_str();
    let start_price = amount("start_price", &form.start_price, currency)?;
    let increment = amount("increment", &form.increment, currency)?;
    let reserve = match form.reserve.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(amount("reserve", text, currency)?),
    };
    if reserve.is_some_and(|r| r < start_price) {
        return Err(invalid(
            "reserve",
            "A reserve below the starting price is met by the first bid: leave it empty.",
        ));
    }
    if !SECONDS.contains(&form.seconds) {
        return Err(invalid(
            "seconds",
            "An auction runs from 10 seconds to 10 minutes.",
        ));
    }
    if !EXTEND_SECONDS.contains(&form.extend_seconds) {
        return Err(invalid(
            "extend_seconds",
            "A late bid can bring the clock back by up to 60 seconds (0: sudden death).",
        ));
    }
    let now = now_ms();
    let title = lot.title();
    let new = NewAuction {
        shop_id: s.shop_id,
        stream_id: s.id,
        product_id: lot.product_id,
        variant_id: form.variant_id,
        title: &title,
        currency,
        start_price,
        increment,
        reserve,
        extend_ms: form.extend_seconds * 1000,
        started_at: now,
        ends_at: now + form.seconds * 1000,
    };
    let Some(id) = auctions::start(pool, &new).await? else {
        return Err(ApiError(Error::Conflict(
            "An auction is running: end it before starting the next.".into(),
        )));
    };
    clock::watch(&state, s.shop_id, s.id, id);
    Ok(Json(announce(&state, s.shop_id, s.id, id).await?))
}

/// `POST …/live/auctions/{id}/cancel`: stop a running auction; nobody wins.
pub async fn cancel(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> Result<Json<Value>, ApiError> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    let row = auctions::get(&state.db.pool, s.id, id)
        .await?
        .ok_or(ApiError(Error::NotFound))?;
    if row.state == AuctionState::Running {
        clock::end(&state, &row, true).await?;
    }
    Ok(Json(announce(&state, s.shop_id, s.id, id).await?))
}
