//! A stream's auctions (issue 20) for the marketer: one row per auction with how many
//! bid and how often, the final price against the starting one, who won and whether they
//! paid, and the revenue it brought; as `GET /reports/streams/{id}/auctions.csv` and in
//! the stream's JSON report (`auctions`).

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::csv_out::csv_response;
use crate::auth::Member;
use crate::auth::roles::ViewReports;
use crate::error::{Error, Result};
use crate::live::store::{auctions, bidders};
use crate::orders::domain::OrderStatus;
use crate::reports::figures::store;
use crate::state::AppState;

pub const AUCTION_COLUMNS: [&str; 18] = [
    "auction_id",
    "lot",
    "variant_id",
    "state",
    "currency",
    "starting_price",
    "increment",
    "reserve",
    "bids",
    "bidders",
    "final_price",
    "final_over_start",
    "winner",
    "paid",
    "revenue",
    "started_at",
    "closed_at",
    "stream_id",
];

/// One auction as the report shows it (amounts in minor units of `currency`).
#[derive(Debug, Clone, Serialize)]
pub struct AuctionSummary {
    pub id: i64,
    pub lot: String,
    pub variant_id: i64,
    pub state: &'static str,
    pub currency: String,
    pub starting_price: i64,
    pub increment: i64,
    pub reserve: Option<i64>,
    pub bids: i64,
    pub bidders: i64,
    /// The price when the clock ended (none without bids).
    pub final_price: Option<i64>,
    pub winner: Option<String>,
    pub paid: bool,
    /// What the paid order brought (0 until paid).
    pub revenue: i64,
    pub started_at: String,
    pub closed_at: Option<String>,
}

/// Every auction of the stream, oldest first.
pub async fn summaries(
    db: &sqlx::AnyPool,
    shop_id: i64,
    stream_id: i64,
) -> Result<Vec<AuctionSummary>> {
    let mut out = Vec::new();
    for a in auctions::list(db, stream_id).await? {
        let winner = match &a.winner {
            Some(w) => bidders::names(db, shop_id, &[w.as_str()])
                .await?
                .into_iter()
                .next()
                .map(|(_, name)| name),
            None => None,
        };
        let order = match a.order_id {
            Some(id) => crate::orders::store::by_id(db, shop_id, id).await?,
            None => None,
        };
        let paid = order.as_ref().is_some_and(|o| {
            matches!(
                o.status(),
                OrderStatus::Paid | OrderStatus::Fulfilled | OrderStatus::PartiallyRefunded
            )
        });
        let revenue = order
            .as_ref()
            .filter(|_| paid)
            .map_or(0, |o| o.total.minor - o.refunded_amount.minor);
        out.push(AuctionSummary {
            id: a.id,
            bidders: auctions::bidders(db, a.id).await?,
            lot: a.title,
            variant_id: a.variant_id,
            state: a.state.as_str(),
            currency: a.currency,
            starting_price: a.start_price,
            increment: a.increment,
            reserve: a.reserve,
            bids: a.bids,
            final_price: a.price,
            winner,
            paid,
            revenue,
            started_at: crate::time::iso(a.started_at),
            closed_at: a.closed_at.map(crate::time::iso),
        });
    }
    Ok(out)
}

pub async fn csv(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let db = &state.db.pool;
    store::stream(db, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let rows = summaries(db, user.shop.id, id)
        .await?
        .into_iter()
        .map(|a| {
            let over = a
                .final_price
                .filter(|_| a.starting_price > 0)
                .map(|p| format!("{:.4}", p as f64 / a.starting_price as f64))
                .unwrap_or_default();
            vec![
                a.id.to_string(),
                a.lot,
                a.variant_id.to_string(),
                a.state.to_string(),
                a.currency,
                a.starting_price.to_string(),
                a.increment.to_string(),
                a.reserve.map(|r| r.to_string()).unwrap_or_default(),
                a.bids.to_string(),
                a.bidders.to_string(),
                a.final_price.map(|p| p.to_string()).unwrap_or_default(),
                over,
                a.winner.unwrap_or_default(),
                a.paid.to_string(),
                a.revenue.to_string(),
                a.started_at,
                a.closed_at.unwrap_or_default(),
                id.to_string(),
            ]
        })
        .collect();
    csv_response(&format!("stream-{id}-auctions.csv"), &AUCTION_COLUMNS, rows)
}
