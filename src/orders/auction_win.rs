//! Paying for a won auction. The winner's "Pay" (on the stream page, or the link in their
//! mail) makes an order for the winning amount, held until the auction's pay-by time, and
//! sends them to its checkout like any other order (Stripe Checkout or the offline
//! provider). The order is made once: it is written in the same transaction that records
//! it on the auction, and a second tap finds it there. A winner who lets the time run out
//! loses the lot; the merchant can then offer it to the next-highest bidder at their
//! highest bid (`second_chance`), each bidder once.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value, json};

use super::domain::OrderStatus;
use super::reserve::Refusal;
use super::{store, write};
use crate::db::now_ms;
use crate::error::{ApiError, Error, Result};
use crate::live::auctions::{self, clock, mails};
use crate::live::store::auctions::{self as auction_store, AuctionRow, AuctionState};
use crate::live::viewer::Viewer;
use crate::money::Money;
use crate::state::AppState;

/// The checkout token of the order the winner of `a` pays through, made if needed.
async fn ensure_order(state: &AppState, a: &AuctionRow) -> Result<String> {
    let pool = &state.db.pool;
    let (Some(winner), Some(price), Some(pay_by)) = (&a.winner, a.winner_price, a.pay_by) else {
        return Err(Error::Conflict("Nobody won this auction.".into()));
    };
    if let Some(order_id) = a.order_id
        && let Some(order) = store::by_id(pool, a.shop_id, order_id).await?
        && !matches!(
            order.status(),
            OrderStatus::Expired | OrderStatus::Cancelled
        )
    {
        return Ok(order.token);
    }
    let now = now_ms();
    if now >= pay_by {
        return Err(Error::Conflict(
            "The time to pay for this lot ran out; the shop may offer it to another bidder.".into(),
        ));
    }
    let one = super::single::One {
        shop_id: a.shop_id,
        stream_id: a.stream_id,
        variant_id: a.variant_id,
        viewer_id: winner,
        unit_price: Money::new(price, &*a.currency),
        reservation_ms: pay_by - now,
        gone: "This lot is no longer in the shop's catalogue; the shop will contact you.",
    };
    let job = super::single::job(state, one).await?;
    let mut tx = pool.begin().await?;
    let mut short = false;
    let bought = match write::write(&mut tx, &job, &mut short).await {
        Ok(bought) => bought,
        Err(Refusal::Database(err)) => return Err(err.into()),
        Err(Refusal::SoldOut { .. }) => {
            return Err(Error::Conflict(
                "The last unit of this lot has been sold meanwhile; the shop will contact you."
                    .into(),
            ));
        }
        Err(_) => return Err(Error::Conflict("This lot cannot be paid for now.".into())),
    };
    if !auction_store::set_order(&mut *tx, a.id, winner, bought.order_id).await? {
        // Another tap made it first: that order is the one.
        drop(tx);
        let fresh = auction_store::by_id(pool, a.id)
            .await?
            .ok_or(Error::NotFound)?;
        return match fresh.order_id {
            Some(id) if fresh.winner == a.winner => store::by_id(pool, a.shop_id, id)
                .await?
                .map(|o| o.token)
                .ok_or(Error::NotFound),
            _ => Err(Error::Conflict(
                "This lot has gone to another bidder.".into(),
            )),
        };
    }
    tx.commit().await?;
    state.orders.wake.notify_one();
    Ok(job.token)
}

/// `POST /@{shop}/{stream}/live/auctions/{id}/checkout`: the winner's Pay on the stream page.
pub async fn checkout(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> std::result::Result<Json<Value>, ApiError> {
    let stream = crate::live::public_stream(&state, &shop, &stream).await?;
    let a = auction_store::get(&state.db.pool, stream.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    if a.state != AuctionState::Sold || a.winner.as_deref() != Some(viewer.id.as_str()) {
        return Err(Error::Refused("Only the winning bidder can pay for this lot.".into()).into());
    }
    let token = ensure_order(&state, &a).await?;
    Ok(Json(json!({
        "checkout_url": format!("/checkout/{token}"),
        "sheet_url": format!("/checkout/{token}/sheet"),
    })))
}

/// `GET /auctions/pay/{token}`: the link in the winner's mail, from any browser.
pub async fn pay_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
    let a = auction_store::by_pay_token(&state.db.pool, &token)
        .await?
        .ok_or(Error::NotFound)?;
    let order = ensure_order(&state, &a).await?;
    Ok(Redirect::to(&format!("/checkout/{order}")).into_response())
}

/// `POST /@{shop}/{stream}/live/auctions/{id}/second-chance`: the studio offers a lot its
/// winner did not pay for in time to the next-highest bidder.
pub async fn second_chance(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> std::result::Result<Json<Value>, ApiError> {
    let access = crate::live::load_staff(&state, &shop, &stream, &viewer).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    let a = auction_store::get(pool, s.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let (AuctionState::Sold, Some(winner)) = (a.state, a.winner.clone()) else {
        return Err(Error::Conflict("Only a sold lot can go to another bidder.".into()).into());
    };
    let now = now_ms();
    if let Some(order_id) = a.order_id
        && let Some(order) = store::by_id(pool, a.shop_id, order_id).await?
    {
        match order.status() {
            OrderStatus::Expired | OrderStatus::Cancelled => {}
            OrderStatus::Pending if now >= a.pay_by.unwrap_or(0) => {}
            OrderStatus::Pending => {
                return Err(Error::Conflict(
                    "The winner is paying for it now: wait for their checkout to end.".into(),
                )
                .into());
            }
            _ => return Err(Error::Conflict("The winner has paid for this lot.".into()).into()),
        }
    } else if now < a.pay_by.unwrap_or(0) {
        return Err(Error::Conflict(
            "The winner still has time to pay: a lot goes to another bidder only after that."
                .into(),
        )
        .into());
    }
    let mut except: Vec<String> = a.passed.lines().map(str::to_owned).collect();
    except.push(winner.clone());
    let Some((next, amount)) = auction_store::runners_up(pool, a.id, &except)
        .await?
        .into_iter()
        .next()
    else {
        return Err(Error::Conflict("No other bidder is left to offer it to.".into()).into());
    };
    let token = crate::token::random_token();
    let mut tx = pool.begin().await?;
    let moved = auction_store::offer_to(
        &mut *tx,
        a.id,
        &winner,
        &next,
        amount,
        now + clock::PAY_WITHIN_MS,
        &token,
    )
    .await?;
    if !moved {
        return Err(Error::Conflict("This lot has just changed hands: reload.".into()).into());
    }
    crate::mail::queue(&mut tx, a.shop_id, mails::SECOND_CHANCE, a.id).await?;
    tx.commit().await?;
    state.mail.wake.notify_one();
    Ok(Json(
        auctions::announce(&state, s.shop_id, s.id, a.id).await?,
    ))
}
