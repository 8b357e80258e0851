//! A shopper's bid: checked against who may bid (a confirmed address), then decided by the
//! rules against the standing as read and applied by a conditional UPDATE; when another
//! node's bid got in between, read and decide again. A refusal says the next valid bid.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::rules::{self, Offer, Refused};
use super::{invalid, news_soon, view};
use crate::db::now_ms;
use crate::error::{ApiError, Error};
use crate::live::load_live;
use crate::live::store::auctions::{self, AuctionRow, AuctionState};
use crate::live::store::{self as live_store};
use crate::live::viewer::Viewer;
use crate::money;
use crate::state::AppState;

/// Tries when another node's bid moved the standing between our read and our write.
const TRIES: usize = 50;

#[derive(Debug, Deserialize)]
pub struct BidForm {
    /// The bid in minor units (the next valid bid when absent: the one-tap bid).
    #[serde(default)]
    amount: Option<i64>,
    /// The most the server may bid for them: minor units, or text as the shopper typed it.
    #[serde(default)]
    max: Option<Value>,
}

/// A refusal with the sentence and what the page needs to offer next.
fn refusal(status: StatusCode, message: String, extra: Value) -> Response {
    let mut body = json!({ "error": message });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    (status, Json(body)).into_response()
}

/// `POST …/live/auctions/{id}/bids`: a bid, by hand or with a maximum.
pub async fn bid(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
    Json(form): Json<BidForm>,
) -> Response {
    match place(&state, &shop, &stream, id, &viewer, &form).await {
        Ok(answer) => Json(answer).into_response(),
        Err(Bounce::Said(response)) => response,
        Err(Bounce::Api(err)) => err.into_response(),
    }
}

/// Why a bid went no further: a refusal written out with what the page needs (`Said`), or
/// an error the API turns into its answer.
enum Bounce {
    Said(Response),
    Api(ApiError),
}

impl<E: Into<ApiError>> From<E> for Bounce {
    fn from(e: E) -> Bounce {
        Bounce::Api(e.into())
    }
}

async fn place(
    state: &AppState,
    shop: &str,
    stream: &str,
    id: i64,
    viewer: &Viewer,
    form: &BidForm,
) -> Result<Value, Bounce> {
    let access = load_live(state, shop, stream, viewer).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    // Read outside the lock too: a missing auction (or another stream's) is a 404 before
    // anything else, and a refusal costs no turn in the queue; the standing is read again
    // under the lock, where only that read counts.
    let row = auctions::get(pool, s.id, id)
        .await?
        .ok_or(ApiError(Error::NotFound))?;
    let bidder = live_store::bidders::get(pool, s.shop_id, &viewer.id).await?;
    if !bidder.as_ref().is_some_and(|b| b.may_bid()) {
        return Err(Bounce::Said(refusal(
            StatusCode::FORBIDDEN,
            "To bid, add your name and e-mail address: we send you a code to confirm it.".into(),
            json!({ "needs": "verify" }),
        )));
    }
    let max = match &form.max {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::String(text)) => {
            Some(money::parse(text, &row.currency).map_err(|e| invalid("max", e))?)
        }
        Some(_) => return Err(invalid("max", "Give your maximum as an amount.").into()),
    };
    let entry: Arc<_> = state.live.room(s.shop_id, s.id).await?;
    // Read under the lock: a standing read before it would be stale by the time our turn
    // came, and its write would fail only to be read again.
    let turn = entry.auction.bids.lock().await;
    let mut row = auctions::get(pool, s.id, id)
        .await?
        .ok_or(ApiError(Error::NotFound))?;
    for _ in 0..TRIES {
        let now = now_ms();
        let standing = row.standing();
        // No amount: the next valid bid, or a maximum's opening bid; a maximum below the
        // next valid bid is simply too low. (The page always sends the amount it showed.)
        let next = standing.next_bid();
        let amount = form
            .amount
            .unwrap_or_else(|| max.map_or(next, |m| m.min(next)));
        let offer = Offer {
            amount,
            max: max.unwrap_or(amount).max(amount),
        };
        if row.state != AuctionState::Running {
            return Err(ended());
        }
        if max.is_some_and(|m| m < amount) {
            return Err(invalid("max", "Your maximum must be at least your bid.").into());
        }
        let outcome = match rules::decide(&standing, &viewer.id, offer, now) {
            Ok(outcome) => outcome,
            Err(refused) => return Err(refused_bid(&row, refused)),
        };
        if auctions::apply(pool, &row, &outcome, now).await? {
            drop(turn);
            news_soon(state, s, id, &entry);
            let price = money::format(outcome.price, &row.currency);
            let message = if outcome.leading {
                format!("You lead at {price}.")
            } else {
                format!("A maximum placed earlier outbid you at once: the price is {price}.")
            };
            let after = row.after(&outcome);
            return Ok(json!({
                "leading": outcome.leading,
                "message": message,
                "auction": view(state, &after).await?,
            }));
        }
        // Another node's bid (or the clock) moved the standing: read it and decide again.
        row = auctions::get(pool, s.id, id)
            .await?
            .ok_or(ApiError(Error::NotFound))?;
    }
    Err(Bounce::Said(refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        "Bids are arriving faster than we can take them: try again.".into(),
        json!({}),
    )))
}

fn ended() -> Bounce {
    Bounce::Said(refusal(
        StatusCode::CONFLICT,
        "This auction has ended.".into(),
        json!({ "ended": true }),
    ))
}

fn refused_bid(row: &AuctionRow, refused: Refused) -> Bounce {
    let show = |minor: i64| money::format(minor, &row.currency);
    let (message, extra) = match refused {
        Refused::Ended => return ended(),
        Refused::TooLow { next } => (
            match row.price {
                Some(price) if row.leader.is_some() => format!(
                    "The price is {} now: bid at least {}.",
                    show(price),
                    show(next)
                ),
                _ => format!("The first bid is at least {}.", show(next)),
            },
            json!({ "next_bid": next, "next_bid_display": show(next) }),
        ),
        Refused::Leading { max } => (
            format!(
                "You lead already (your maximum is {}): raise your maximum to bid more.",
                show(max)
            ),
            json!({ "leading": true }),
        ),
        Refused::MaxBelowAmount => {
            return Bounce::Api(invalid("max", "Your maximum must be at least your bid."));
        }
    };
    Bounce::Said(refusal(StatusCode::CONFLICT, message, extra))
}
