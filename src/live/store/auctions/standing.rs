//! How an auction's standing changes: a bid applied by a conditional UPDATE on the row's
//! version, the close guarded by its state, and what happens to a sold lot after (the
//! winner's order, a second chance); plus the bids as recorded.

use sqlx::{AnyConnection, AnyExecutor, AnyPool};

use super::AuctionRow;
use crate::live::auctions::rules::Outcome;
/// Apply a bid's outcome to the standing read at `version`, with its bids in order; false
/// when the standing moved on since (another bid, the close): read it again and decide again.
pub async fn apply(
    pool: &AnyPool,
    row: &AuctionRow,
    outcome: &Outcome,
    now: i64,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let n = outcome.recorded.len() as i64;
    let moved = sqlx::query(
        "UPDATE live_auctions SET price = $1, leader = $2, leader_max = $3, ends_at = $4, \
         bids = bids + $5, version = version + 1 \
         WHERE id = $6 AND version = $7 AND state = 'running' AND ends_at > $8",
    )
    .bind(outcome.price)
    .bind(&outcome.leader)
    .bind(outcome.leader_max)
    .bind(outcome.ends_at)
    .bind(n)
    .bind(row.id)
    .bind(row.version)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    for (i, bid) in outcome.recorded.iter().enumerate() {
        sqlx::query(
            "INSERT INTO live_auction_bids (auction_id, seq, viewer_id, amount, kind, placed_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(row.id)
        .bind(row.bids + 1 + i as i64)
        .bind(&bid.viewer_id)
        .bind(bid.amount)
        .bind(bid.kind.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// End a running auction whose clock ran out by `now` (or, with `cancel`, at once): sold to
/// the leader when the price meets the reserve, to pay by `pay_by` through `pay_token`'s
/// link. False when it had ended already or its clock was extended: the caller reads again.
pub async fn close(
    conn: &mut AnyConnection,
    id: i64,
    now: i64,
    pay_by: i64,
    pay_token: &str,
    cancel: bool,
) -> sqlx::Result<bool> {
    const SOLD: &str = "$2 = 0 AND leader IS NOT NULL AND price >= COALESCE(reserve, 0)";
    let done = sqlx::query(&format!(
        "UPDATE live_auctions SET closed_at = $1, \
         state = CASE WHEN $2 = 1 THEN 'cancelled' WHEN {SOLD} THEN 'sold' ELSE 'unsold' END, \
         winner = CASE WHEN {SOLD} THEN leader END, \
         winner_price = CASE WHEN {SOLD} THEN price END, \
         pay_by = CASE WHEN {SOLD} THEN $3 END, \
         pay_token = CASE WHEN {SOLD} THEN $4 END, \
         version = version + 1 \
         WHERE id = $5 AND state = 'running' AND ($2 = 1 OR ends_at <= $1)"
    ))
    .bind(now)
    .bind(i64::from(cancel))
    .bind(pay_by)
    .bind(pay_token)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The highest bid of each bidder but `except`, highest first, the earlier first on a tie
/// (who is offered a lot its winner did not pay for).
pub async fn runners_up(
    db: impl AnyExecutor<'_>,
    auction_id: i64,
    except: &[String],
) -> sqlx::Result<Vec<(String, i64)>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT viewer_id, MAX(amount), MIN(seq) FROM live_auction_bids WHERE auction_id = $1 \
         GROUP BY viewer_id ORDER BY MAX(amount) DESC, MIN(seq)",
    )
    .bind(auction_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(v, _, _)| !except.contains(v))
        .map(|(v, amount, _)| (v, amount))
        .collect())
}

/// How many people bid on the auction (the report).
pub async fn bidders(db: impl AnyExecutor<'_>, auction_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(DISTINCT viewer_id) FROM live_auction_bids WHERE auction_id = $1",
    )
    .bind(auction_id)
    .fetch_one(db)
    .await
}

/// The bids in order (the report's CSV, tests).
pub async fn bids(
    db: impl AnyExecutor<'_>,
    auction_id: i64,
) -> sqlx::Result<Vec<(i64, String, i64, String, i64)>> {
    sqlx::query_as(
        "SELECT seq, viewer_id, amount, kind, placed_at FROM live_auction_bids \
         WHERE auction_id = $1 ORDER BY seq",
    )
    .bind(auction_id)
    .fetch_all(db)
    .await
}

/// Hand a sold lot whose winner did not pay to `viewer_id` at `price`, to pay by `pay_by`
/// through `pay_token`'s link; false unless it was still `previous`'s (the caller checked
/// that their order was not paid).
pub async fn offer_to(
    db: impl AnyExecutor<'_>,
    id: i64,
    previous: &str,
    viewer_id: &str,
    price: i64,
    pay_by: i64,
    pay_token: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE live_auctions SET winner = $1, winner_price = $2, pay_by = $3, pay_token = $4, \
         order_id = NULL, passed = passed || $7, version = version + 1 \
         WHERE id = $5 AND state = 'sold' AND winner = $6",
    )
    .bind(viewer_id)
    .bind(price)
    .bind(pay_by)
    .bind(pay_token)
    .bind(id)
    .bind(previous)
    .bind(format!("{previous}\n"))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Set the order the winner pays through, once; false when one is set already.
pub async fn set_order(
    db: impl AnyExecutor<'_>,
    id: i64,
    winner: &str,
    order_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE live_auctions SET order_id = $1 WHERE id = $2 AND state = 'sold' AND winner = $3 \
         AND order_id IS NULL",
    )
    .bind(order_id)
    .bind(id)
    .bind(winner)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
