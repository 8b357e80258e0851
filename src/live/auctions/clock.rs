//! The end of an auction. The node that started it sleeps until its clock runs out and
//! closes it, sleeping again when a late bid moved the clock; every node also sweeps once
//! a second for auctions whose clock ran out unclosed (the starting node died or
//! restarted). Either way the close is one conditional UPDATE, so only one of them names
//! the winner, and the winner's mail is queued in the same transaction.

use std::time::Duration;

use tokio::sync::watch;

use super::{announce, mails};
use crate::db::now_ms;
use crate::error::Error;
use crate::live::store::auctions::{self, AuctionRow, AuctionState};
use crate::state::AppState;

/// How long a winner has to pay (Stripe Checkout's longest session, too).
pub const PAY_WITHIN_MS: i64 = 24 * 3600 * 1000;
/// How often every node looks for auctions nobody closed.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Close `row` now (the host cancelling it, or its clock having run out); true when this
/// call closed it. Announces the result.
pub async fn end(state: &AppState, row: &AuctionRow, cancel: bool) -> Result<bool, Error> {
    let now = now_ms();
    let token = crate::token::random_token();
    let mut tx = state.db.pool.begin().await?;
    let closed = auctions::close(&mut tx, row.id, now, now + PAY_WITHIN_MS, &token, cancel).await?;
    if !closed {
        return Ok(false);
    }
    let after = auctions::by_id(&mut *tx, row.id).await?;
    let sold = after.is_some_and(|a| a.state == AuctionState::Sold);
    if sold {
        crate::mail::queue(&mut tx, row.shop_id, mails::WON, row.id).await?;
    }
    tx.commit().await?;
    if sold {
        state.mail.wake.notify_one();
    }
    announce(state, row.shop_id, row.stream_id, row.id).await?;
    Ok(true)
}

/// Sleep until the auction's clock runs out and close it (again, if a late bid moved it).
pub fn watch(state: &AppState, shop_id: i64, stream_id: i64, id: i64) {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            let row = match auctions::get(&state.db.pool, stream_id, id).await {
                Ok(Some(row)) if row.state == AuctionState::Running => row,
                Ok(_) => return,
                Err(err) => {
                    tracing::warn!(auction = id, error = %err, "could not read an auction's clock");
                    tokio::time::sleep(SWEEP_EVERY).await;
                    continue;
                }
            };
            let left = row.ends_at - now_ms();
            if left > 0 {
                tokio::time::sleep(Duration::from_millis(left as u64)).await;
                continue;
            }
            match end(&state, &row, false).await {
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(auction = id, shop = shop_id, error = %err, "could not close an auction");
                    tokio::time::sleep(SWEEP_EVERY).await;
                }
            }
        }
    });
}

/// Every node: close what ran out and nobody closed.
pub fn spawn(state: &AppState, mut shutdown: watch::Receiver<bool>) {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = tokio::time::sleep(SWEEP_EVERY) => {}
            }
            if let Err(err) = sweep(&state).await {
                tracing::warn!(error = %err, "could not sweep the auctions' clocks");
            }
        }
    });
}

async fn sweep(state: &AppState) -> Result<(), Error> {
    for id in auctions::due(&state.db.pool, now_ms()).await? {
        if let Some(row) = auctions::by_id(&state.db.pool, id).await? {
            end(state, &row, false).await?;
        }
    }
    Ok(())
}
