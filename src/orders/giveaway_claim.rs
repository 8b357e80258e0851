//! A giveaway's winner claims the prize: a zero-amount order of the prize's variant made
//! once, paid at once (no provider: there is nothing to charge, so Stripe is not asked),
//! with the name, e-mail and shipping address the winner gives. The merchant ships it from
//! the orders dashboard like any other order; the confirmation mail goes out as for any
//! paid order. It is not the stream's sale: the order is taken out of the stream's figures
//! (the giveaway's own row in the report says who claimed).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::lifecycle::{self, Paid, Payment};
use super::reserve::Refusal;
use super::store::{self, Actor};
use super::test_checkout::{TestForm, refused_fields, validate};
use super::write;
use crate::error::{ApiError, Error};
use crate::live::store::giveaways;
use crate::live::viewer::Viewer;
use crate::money::Money;
use crate::state::AppState;

/// How long a claim's order would be held unpaid; it is paid in the same transaction.
const HOLD_MS: i64 = 15 * 60 * 1000;

/// `POST /@{shop}/{stream}/live/giveaways/{id}/claim`: `{name, email, address}` from the
/// winner's page; `{number, confirmation_url}`, the same order on a second claim.
pub async fn claim(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
    Json(form): Json<TestForm>,
) -> Result<Response, ApiError> {
    let s = crate::live::public_stream(&state, &shop, &stream).await?;
    let pool = &state.db.pool;
    let g = giveaways::get(pool, s.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let Some(place) = giveaways::winners(pool, g.id)
        .await?
        .into_iter()
        .find(|w| w.viewer_id == viewer.id)
    else {
        return Err(Error::Refused("Only a winner can claim this prize.".into()).into());
    };
    if let Some(order_id) = place.order_id
        && let Some(order) = store::by_id(pool, g.shop_id, order_id).await?
    {
        return Ok(claimed(&order.number, &order.token));
    }
    let errors = validate(&form);
    if !errors.is_empty() {
        return Ok(refused_fields(&errors));
    }
    let one = super::single::One {
        shop_id: g.shop_id,
        stream_id: g.stream_id,
        variant_id: g.variant_id,
        viewer_id: &viewer.id,
        unit_price: Money::new(0, &*s.currency),
        reservation_ms: HOLD_MS,
        gone: "This prize is no longer in the shop's catalogue; the shop will contact you.",
    };
    let job = super::single::job(&state, one).await?;
    let mut tx = pool.begin().await?;
    let mut short = false;
    let bought = match write::write(&mut tx, &job, &mut short).await {
        Ok(bought) => bought,
        Err(Refusal::Database(err)) => return Err(Error::from(err).into()),
        Err(Refusal::SoldOut { .. }) => {
            return Err(Error::Conflict(
                "The prize has run out of stock; the shop will contact you.".into(),
            )
            .into());
        }
        Err(_) => return Err(Error::Conflict("This prize cannot be claimed now.".into()).into()),
    };
    if !giveaways::set_claim(&mut *tx, g.id, place.place, bought.order_id).await? {
        // Another tap claimed it first: that order is the one.
        drop(tx);
        return Box::pin(claim(
            State(state),
            Path((shop, stream, id)),
            viewer,
            Json(form),
        ))
        .await;
    }
    store::detach_from_stream(&mut *tx, g.shop_id, bought.order_id).await?;
    let order = store::by_id(&mut *tx, g.shop_id, bought.order_id)
        .await?
        .ok_or(Error::NotFound)?;
    let payment = Payment {
        provider: "giveaway",
        reference: None,
        amount: 0,
        email: form.email.trim(),
        name: form.name.trim(),
        address: form.address.trim(),
        payment_intent: None,
    };
    if lifecycle::mark_paid(&mut tx, &order, &payment, Actor::Shopper).await? != Paid::Now {
        return Err(Error::Conflict("This prize cannot be claimed now.".into()).into());
    }
    tx.commit().await?;
    super::ticker::emit(&state, &order, "paid");
    Ok(claimed(&order.number, &order.token))
}

fn claimed(number: &str, token: &str) -> Response {
    Json(json!({
        "number": number,
        "confirmation_url": format!("/checkout/{token}/done"),
    }))
    .into_response()
}
