//! Auctions and their bids. The standing changes only through [`apply`], a conditional
//! UPDATE on the row's `version` (and on the clock), and the close through [`close`], one
//! UPDATE guarded by the state: whatever the race, bids apply one at a time and the winner
//! is named once, by the database. Here: the row and its reads; `standing` changes it,
//! `lots` reads what can be put up.

mod lots;
mod standing;

pub use lots::*;
pub use standing::*;

use sqlx::{AnyExecutor, AnyPool, FromRow};

use crate::live::auctions::rules::{Outcome, Standing};

/// An auction's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuctionState {
    Running,
    /// The clock ended with a bid at or over the reserve: `winner` must pay.
    Sold,
    /// The clock ended with no bid, or under the reserve.
    Unsold,
    /// The host stopped it; nobody wins.
    Cancelled,
}

impl AuctionState {
    pub fn as_str(self) -> &'static str {
        match self {
            AuctionState::Running => "running",
            AuctionState::Sold => "sold",
            AuctionState::Unsold => "unsold",
            AuctionState::Cancelled => "cancelled",
        }
    }
}

impl TryFrom<String> for AuctionState {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Ok(match s.as_str() {
            "running" => AuctionState::Running,
            "sold" => AuctionState::Sold,
            "unsold" => AuctionState::Unsold,
            "cancelled" => AuctionState::Cancelled,
            other => return Err(format!("unknown auction state {other:?}")),
        })
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct AuctionRow {
    pub id: i64,
    pub shop_id: i64,
    pub stream_id: i64,
    pub product_id: i64,
    pub variant_id: i64,
    pub title: String,
    pub currency: String,
    pub start_price: i64,
    pub increment: i64,
    pub reserve: Option<i64>,
    pub extend_ms: i64,
    #[sqlx(try_from = "String")]
    pub state: AuctionState,
    pub started_at: i64,
    pub ends_at: i64,
    pub price: Option<i64>,
    pub leader: Option<String>,
    pub leader_max: Option<i64>,
    pub bids: i64,
    pub version: i64,
    pub closed_at: Option<i64>,
    pub winner: Option<String>,
    pub winner_price: Option<i64>,
    pub pay_by: Option<i64>,
    pub pay_token: Option<String>,
    pub order_id: Option<i64>,
    /// Winners who did not pay, one viewer id per line.
    pub passed: String,
}

impl AuctionRow {
    pub fn standing(&self) -> Standing {
        Standing {
            start_price: self.start_price,
            increment: self.increment,
            price: self.price,
            leader: self.leader.clone(),
            leader_max: self.leader_max,
            ends_at: self.ends_at,
            extend_ms: self.extend_ms,
        }
    }

    /// The row as `apply` leaves it after `outcome` (no need to read it back).
    pub fn after(&self, outcome: &Outcome) -> AuctionRow {
        AuctionRow {
            price: Some(outcome.price),
            leader: Some(outcome.leader.clone()),
            leader_max: Some(outcome.leader_max),
            ends_at: outcome.ends_at,
            bids: self.bids + outcome.recorded.len() as i64,
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// Whether the current price meets the reserve (true without one).
    pub fn reserve_met(&self) -> bool {
        match (self.reserve, self.price) {
            (None, _) => true,
            (Some(r), Some(p)) => p >= r,
            (Some(_), None) => false,
        }
    }
}

const COLUMNS: &str = "id, shop_id, stream_id, product_id, variant_id, title, currency, \
     start_price, increment, reserve, extend_ms, state, started_at, ends_at, price, leader, \
     leader_max, bids, version, closed_at, winner, winner_price, pay_by, pay_token, order_id, passed";

/// A new auction, as the host set it.
pub struct NewAuction<'a> {
    pub shop_id: i64,
    pub stream_id: i64,
    pub product_id: i64,
    pub variant_id: i64,
    pub title: &'a str,
    pub currency: &'a str,
    pub start_price: i64,
    pub increment: i64,
    pub reserve: Option<i64>,
    pub extend_ms: i64,
    pub started_at: i64,
    pub ends_at: i64,
}

/// Start an auction unless one of the stream is running; its id, or None.
pub async fn start(pool: &AnyPool, a: &NewAuction<'_>) -> sqlx::Result<Option<i64>> {
    let mut tx = pool.begin().await?;
    // Writing first takes the write lock on SQLite before the check reads (one running
    // auction per stream, whatever two hosts' clicks do).
    sqlx::query("UPDATE streams SET title = title WHERE id = $1")
        .bind(a.stream_id)
        .execute(&mut *tx)
        .await?;
    let running: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM live_auctions WHERE stream_id = $1 AND state = 'running'",
    )
    .bind(a.stream_id)
    .fetch_optional(&mut *tx)
    .await?;
    if running.is_some() {
        return Ok(None);
    }
    let id = sqlx::query_scalar(
        "INSERT INTO live_auctions (shop_id, stream_id, product_id, variant_id, title, currency, \
         start_price, increment, reserve, extend_ms, started_at, ends_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(a.shop_id)
    .bind(a.stream_id)
    .bind(a.product_id)
    .bind(a.variant_id)
    .bind(a.title)
    .bind(a.currency)
    .bind(a.start_price)
    .bind(a.increment)
    .bind(a.reserve)
    .bind(a.extend_ms)
    .bind(a.started_at)
    .bind(a.ends_at)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// An auction of `stream_id` (another stream's is not found).
pub async fn get(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    id: i64,
) -> sqlx::Result<Option<AuctionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_auctions WHERE id = $1 AND stream_id = $2"
    ))
    .bind(id)
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// The sold auction whose winner's link carries `pay_token`.
pub async fn by_pay_token(
    db: impl AnyExecutor<'_>,
    pay_token: &str,
) -> sqlx::Result<Option<AuctionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_auctions WHERE pay_token = $1 AND state = 'sold'"
    ))
    .bind(pay_token)
    .fetch_optional(db)
    .await
}

/// An auction by id alone, for the clock and the winner's checkout (which check the shop).
pub async fn by_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<AuctionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_auctions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The stream's latest auction (the room shows its result until the next).
pub async fn latest(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<Option<AuctionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_auctions WHERE stream_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1"
    ))
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// Every auction of the stream, oldest first (the report).
pub async fn list(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<Vec<AuctionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_auctions WHERE stream_id = $1 ORDER BY started_at, id"
    ))
    .bind(stream_id)
    .fetch_all(db)
    .await
}

/// Running auctions whose clock has run out at `now` (any shop: the clock's sweep).
pub async fn due(db: impl AnyExecutor<'_>, now: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM live_auctions WHERE state = 'running' AND ends_at <= $1 ORDER BY ends_at LIMIT 100",
    )
    .bind(now)
    .fetch_all(db)
    .await
}
