//! Auctions in the live room: the host puts one variant of a product up with a starting
//! price, an increment, a clock (10 s – 10 min), an optional reserve, and either sudden
//! death or a clock that a late bid brings back; shoppers with an e-mail verified for the
//! shop (`bidders`) bid by hand or leave a maximum that bids for them (`rules`). The
//! standing lives in the database and changes by one conditional UPDATE per bid
//! (`store::auctions::apply`), so any number of nodes agree; on this node the bids of a
//! room also queue behind one lock, so a burst costs no retries. `clock` ends it and
//! names the winner (once, by the database); the winner pays through an order that
//! `orders::auction_win` makes. Every change goes out as a durable `auction` event, at
//! most one per [`NEWS_EVERY`] while bids pour in.

pub mod bid;
pub mod bidders;
pub mod clock;
pub mod host;
pub mod mails;
pub mod rules;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::store::auctions::{self, AuctionRow};
use super::store::{self as live_store, LiveStream};
use super::viewer::Viewer;
use crate::db::now_ms;
pub(super) use crate::error::invalid;
use crate::error::{ApiError, Error};
use crate::money;
use crate::state::AppState;

/// News of a running auction goes out at most this often (the first bid of a quiet spell
/// at once, the rest of a burst together at the end of the interval).
pub const NEWS_EVERY: Duration = Duration::from_millis(50);

/// What a room keeps for its auction on this node.
#[derive(Default)]
pub struct RoomAuction {
    /// Bids of this node apply one at a time (the database orders those of all nodes).
    pub(super) bids: tokio::sync::Mutex<()>,
    /// A task is sending news; `dirty`: something changed since it last sent.
    sending: AtomicBool,
    dirty: AtomicBool,
    /// The lot's product card (product id, card): read once per auction, not per bid.
    card: std::sync::Mutex<Option<(i64, Value)>>,
}

impl RoomAuction {
    fn cached_card(&self, product_id: i64) -> Option<Value> {
        let card = self.card.lock().unwrap_or_else(|e| e.into_inner());
        card.as_ref()
            .filter(|(id, _)| *id == product_id)
            .map(|(_, c)| c.clone())
    }

    fn keep_card(&self, product_id: i64, card: Value) {
        *self.card.lock().unwrap_or_else(|e| e.into_inner()) = Some((product_id, card));
    }
}

/// Send the auction now as a durable `auction` event; gives back what was sent.
pub async fn announce(
    state: &AppState,
    shop_id: i64,
    stream_id: i64,
    id: i64,
) -> Result<Value, Error> {
    let row = auctions::get(&state.db.pool, stream_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let data = view(state, &row).await?;
    state
        .live
        .emit(shop_id, stream_id, "auction", data.clone())
        .await?;
    Ok(data)
}

/// News within [`NEWS_EVERY`]: sent at once when none went out lately; a burst's later
/// bids ride on one more event at the end of the interval.
pub(super) fn news_soon(
    state: &AppState,
    s: &LiveStream,
    id: i64,
    entry: &Arc<super::registry::RoomEntry>,
) {
    let news = &entry.auction;
    news.dirty.store(true, Ordering::Release);
    if news.sending.swap(true, Ordering::AcqRel) {
        return;
    }
    let (state, entry, shop_id, stream_id) = (state.clone(), entry.clone(), s.shop_id, s.id);
    tokio::spawn(async move {
        let news = &entry.auction;
        loop {
            if news.dirty.swap(false, Ordering::AcqRel) {
                if let Err(err) = announce(&state, shop_id, stream_id, id).await {
                    tracing::warn!(auction = id, error = %err, "could not send an auction's news");
                }
                tokio::time::sleep(NEWS_EVERY).await;
                continue;
            }
            news.sending.store(false, Ordering::Release);
            // A bid that came between the check and the release found `sending` set and
            // left its news to us: take it back unless another task did.
            if !news.dirty.load(Ordering::Acquire) || news.sending.swap(true, Ordering::AcqRel) {
                break;
            }
        }
    });
}

/// A short public name for a bidder, so a page can tell "you lead" without anyone
/// learning another's viewer id (which is a credential).
pub fn bidder_ref(viewer_id: &str) -> String {
    crate::token::hash_token(&format!("bidder:{viewer_id}"))[..16].to_string()
}

/// The auction as every viewer sees it: names, never viewer ids or the leader's maximum.
pub async fn view(state: &AppState, a: &AuctionRow) -> Result<Value, Error> {
    let pool = &state.db.pool;
    let who: Vec<&str> = [a.leader.as_deref(), a.winner.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let names = live_store::bidders::names(pool, a.shop_id, &who).await?;
    let name_of = |v: &Option<String>| {
        v.as_ref()
            .and_then(|v| names.iter().find(|(id, _)| id == v).map(|(_, n)| n.clone()))
    };
    let entry = state.live.room(a.shop_id, a.stream_id).await?;
    let card = match entry.auction.cached_card(a.product_id) {
        Some(card) => card,
        None => {
            let card = json!(live_store::pins::card(pool, a.shop_id, a.product_id).await?);
            entry.auction.keep_card(a.product_id, card.clone());
            card
        }
    };
    let show = |minor: i64| money::format(minor, &a.currency);
    let next = a.standing().next_bid();
    let data = json!({
        "id": a.id,
        "title": a.title,
        "product": card,
        "currency": a.currency,
        "start_price": a.start_price,
        "start_display": show(a.start_price),
        "increment": a.increment,
        "increment_display": show(a.increment),
        "price": a.price,
        "price_display": a.price.map(show),
        "next_bid": next,
        "next_bid_display": show(next),
        "leader": name_of(&a.leader),
        "leader_ref": a.leader.as_deref().map(bidder_ref),
        "bids": a.bids,
        "started_at": a.started_at,
        "ends_at": a.ends_at,
        "extend_s": a.extend_ms / 1000,
        "state": a.state.as_str(),
        "reserve_met": a.reserve.map(|_| a.reserve_met()),
        "winner": name_of(&a.winner),
        "winner_ref": a.winner.as_deref().map(bidder_ref),
        "winner_price": a.winner_price,
        "winner_price_display": a.winner_price.map(show),
        "pay_by": a.pay_by,
        "paying": a.order_id.is_some(),
        "now": now_ms(),
    });
    Ok(data)
}

/// The stream's latest auction for the room's state.
pub async fn for_state(state: &AppState, stream: &LiveStream) -> Result<Option<Value>, Error> {
    let Some(row) = auctions::latest(&state.db.pool, stream.id).await? else {
        return Ok(None);
    };
    Ok(Some(view(state, &row).await?))
}

/// Who the viewer is as a bidder of the shop, for their room state: the public ref an
/// auction names its leader and winner by, and their name, address and whether they may bid.
pub async fn bidder_for_state(
    state: &AppState,
    stream: &LiveStream,
    viewer_id: &str,
) -> Result<Value, Error> {
    let bidder = live_store::bidders::get(&state.db.pool, stream.shop_id, viewer_id).await?;
    Ok(json!({
        "ref": bidder_ref(viewer_id),
        "profile": bidder.map(|b| json!({ "name": b.name, "email": b.email, "verified": b.may_bid() })),
    }))
}

/// `GET …/live/auctions/lots`: what the studio can put up (the stream's products' variants).
pub async fn lots(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
) -> Result<Json<Value>, ApiError> {
    let access = super::load_staff(&state, &shop, &stream, &viewer).await?;
    let s = &access.stream;
    let lots: Vec<Value> = auctions::lots(&state.db.pool, s.shop_id, s.id)
        .await?
        .into_iter()
        .map(|(id, title, price, currency, left)| {
            json!({
                "variant_id": id,
                "title": title,
                "price_display": money::format(price, &currency),
                "left": left,
            })
        })
        .collect();
    Ok(Json(json!({ "lots": lots })))
}
