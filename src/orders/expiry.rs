//! The reservation clock: a background task that releases the stock of pending orders
//! whose reservation has ended, and stops on the shutdown signal. Each order is
//! released in its own transaction (`lifecycle::expire`), guarded by its status, so a
//! payment that lands at the same moment wins or loses cleanly. Once a minute it also
//! tries again the late payments still to refund (`late::sweep`).

use std::time::Duration;

use tokio::sync::watch;

use super::{lifecycle, store};
use crate::db::now_ms;
use crate::state::AppState;

/// How often the clock looks for ended reservations.
const TICK: Duration = Duration::from_secs(1);
/// How often it looks for late payments still to refund.
const SWEEP: Duration = Duration::from_secs(60);

pub fn spawn(state: &AppState, mut stop: watch::Receiver<bool>) {
    let state = state.clone();
    // Its own task: a refund is a call to the provider, which must not hold up releases.
    let (sweeper, mut stop_sweeping) = (state.clone(), stop.clone());
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(SWEEP) => {}
                _ = stop_sweeping.changed() => return,
            }
            if let Err(err) = super::late::sweep(&sweeper.db, &sweeper.stripe, now_ms()).await {
                tracing::warn!(error = %err, "refunding late payments failed; retrying");
            }
        }
    });
    tokio::spawn(async move {
        loop {
            if let Err(err) = expire_due(&state).await {
                tracing::warn!(error = %err, "releasing ended reservations failed; retrying");
            }
            tokio::select! {
                _ = tokio::time::sleep(TICK) => {}
                _ = state.orders.wake.notified() => {}
                _ = stop.changed() => return,
            }
        }
    });
}

/// Release every pending order whose reservation has ended; returns how many.
pub async fn expire_due(state: &AppState) -> anyhow::Result<usize> {
    let due = store::due_for_expiry(&state.db.pool, now_ms()).await?;
    let mut released = 0;
    for order in &due {
        if lifecycle::expire(state, order).await? {
            released += 1;
        }
    }
    Ok(released)
}
