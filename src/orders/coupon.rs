//! A live coupon at checkout. The sheet asks what a code would take off
//! (`POST /checkout/{token}/coupon`, nothing taken); Pay sends the code and [`apply`]
//! takes one redemption for the order, lowering its total, before the provider is asked
//! for the lower amount. The cart closes at Pay, so the discount is computed once on the
//! order's final lines. A released order gives the redemption back (`lifecycle`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::checkout::load;
use super::store::{self, Order};
use crate::db::now_ms;
use crate::error::Result;
use crate::live::coupons as live_coupons;
use crate::live::store::coupons::{self, CouponRow, Redemption, Taken};
use crate::live::store::{self as live_store};
use crate::money::Money;
use crate::state::AppState;

/// Why a code does not apply: the status (422 for a code that does not fit the order, 409
/// for one that ran out) and one sentence.
#[derive(Debug)]
pub struct Refused {
    pub status: StatusCode,
    pub message: String,
}

impl Refused {
    fn unfit(message: impl Into<String>) -> Refused {
        Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: message.into(),
        }
    }

    fn conflict(message: impl Into<String>) -> Refused {
        Refused {
            status: StatusCode::CONFLICT,
            message: message.into(),
        }
    }

    /// For the sheet: `{error, fields: {coupon}}`.
    pub fn response(&self) -> Response {
        let body = json!({ "error": self.message, "fields": { "coupon": self.message } });
        (self.status, Json(body)).into_response()
    }
}

/// The code as typed, upper-cased; `None` when blank.
pub fn typed(code: Option<&str>) -> Option<String> {
    code.map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
}

/// The coupon `code` of the order's stream and the discount it gives the order now, or
/// why it gives none. Takes nothing.
async fn quote(
    state: &AppState,
    order: &Order,
    code: &str,
) -> Result<std::result::Result<(CouponRow, i64), Refused>> {
    let pool = &state.db.pool;
    let none = || Refused::unfit(format!("There is no coupon {code} in this stream."));
    let Some(stream_id) = order.stream_id else {
        return Ok(Err(none()));
    };
    let Some(row) = coupons::by_code(pool, stream_id, code).await? else {
        return Ok(Err(none()));
    };
    let Some(stream) = live_store::stream_of_shop(pool, order.shop_id, stream_id).await? else {
        return Ok(Err(none()));
    };
    if !live_coupons::redeemable(&row, stream.status, now_ms()) {
        return Ok(Err(gone(&row, now_ms())));
    }
    if let Some(number) = coupons::used_on(pool, row.id, &order.viewer_id).await?
        && number != order.number
    {
        return Ok(Err(Refused::conflict(format!(
            "You have used {code} already, on order {number}."
        ))));
    }
    if coupons::is_auction_order(pool, order.id).await? {
        return Ok(Err(Refused::unfit(
            "A coupon does not apply to an auction's winning bid.",
        )));
    }
    Ok(live_coupons::terms(&row)
        .discount(&order.total)
        .map(|d| (row, d))
        .map_err(|why| Refused::unfit(why.message())))
}

/// Why a coupon takes no more redemptions.
fn gone(row: &CouponRow, now: i64) -> Refused {
    Refused::conflict(if row.is_on(now) && row.sold_out() {
        format!(
            "{} has been used {} times, its limit: it is no longer available.",
            row.code,
            row.max_redemptions.unwrap_or(row.redeemed)
        )
    } else {
        format!("{} has ended: it is no longer available.", row.code)
    })
}

/// Apply `code` to the pending `order`: one redemption taken, the total lowered. The
/// order as it now is; applying the code it already carries changes nothing.
pub async fn apply(
    state: &AppState,
    order: Order,
    code: &str,
) -> Result<std::result::Result<Order, Refused>> {
    if let Some(current) = &order.coupon_code {
        if current == code {
            return Ok(Ok(order));
        }
        return Ok(Err(Refused::conflict(format!(
            "This order already has {current}: one coupon per order."
        ))));
    }
    let (row, discount) = match quote(state, &order, code).await? {
        Ok(q) => q,
        Err(refused) => return Ok(Err(refused)),
    };
    let pool = &state.db.pool;
    let redemption = Redemption {
        coupon_id: row.id,
        shop_id: order.shop_id,
        order_id: order.id,
        viewer_id: &order.viewer_id,
        basket: order.total.minor,
        discount,
        code: &row.code,
    };
    let now = now_ms();
    match coupons::take(pool, &redemption, now).await? {
        Taken::Applied => {}
        Taken::Gone => {
            let fresh = coupons::get(pool, row.stream_id, row.id)
                .await?
                .unwrap_or(row);
            return Ok(Err(gone(&fresh, now)));
        }
        Taken::AlreadyUsed => {
            return Ok(Err(Refused::conflict(format!(
                "You have used {code} already on another order."
            ))));
        }
        Taken::OrderMoved => {
            return Ok(Err(Refused::conflict(
                "Your order changed while the coupon was applied: try again.",
            )));
        }
    }
    if let Err(err) = live_coupons::redeemed(state, row.shop_id, row.stream_id).await {
        tracing::warn!(coupon = row.id, error = %err, "could not schedule a coupon's count");
    }
    Ok(Ok(store::by_token(pool, &order.token)
        .await?
        .unwrap_or(order)))
}

#[derive(Debug, Deserialize)]
pub struct QuoteForm {
    code: String,
}

/// `POST /checkout/{token}/coupon`: what `code` would take off this order, taking
/// nothing: `{code, label, discount, discount_display, total, total_display}`.
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Json(form): Json<QuoteForm>,
) -> Result<Response> {
    let order = load(&state, &token).await?;
    let Some(code) = typed(Some(&form.code)) else {
        return Ok(Refused::unfit("Type the coupon's code.").response());
    };
    if order.coupon_code.as_deref() == Some(code.as_str()) {
        return Ok(Json(quoted(&order, &code, &order.discount, "")).into_response());
    }
    if let Some(current) = &order.coupon_code {
        return Ok(Refused::conflict(format!(
            "This order already has {current}: one coupon per order."
        ))
        .response());
    }
    match quote(&state, &order, &code).await? {
        Ok((row, discount)) => {
            let label = live_coupons::terms(&row).label();
            let off = Money::new(discount, order.currency());
            Ok(Json(quoted(&order, &code, &off, &label)).into_response())
        }
        Err(refused) => Ok(refused.response()),
    }
}

fn quoted(order: &Order, code: &str, off: &Money, label: &str) -> serde_json::Value {
    let applied = order.coupon_code.is_some();
    let total = if applied {
        order.total.clone()
    } else {
        Money::new(order.total.minor - off.minor, order.currency())
    };
    json!({
        "code": code,
        "label": label,
        "applied": applied,
        "discount": off.minor,
        "discount_display": format!("−{off}"),
        "total": total.minor,
        "total_display": total.to_string(),
    })
}
