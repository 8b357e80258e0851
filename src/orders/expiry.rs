//! The reservation clock: a background task that releases the stock of pending orders
//! whose reservation has ended, and stops on the shutdown signal. Each order is
//! released in its own transaction, guarded by its status, so a payment that lands at
//! the same moment wins or loses cleanly.

use std::time::Duration;

use tokio::sync::watch;

use super::domain::OrderStatus;
use super::store::{Actor, ORDER_COLUMNS, Order};
use crate::db::now_ms;
use crate::state::AppState;

/// How often the clock looks for ended reservations.
const TICK: Duration = Duration::from_secs(1);

pub fn spawn(state: &AppState, mut stop: watch::Receiver<bool>) {
    let state = state.clone();
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
    let due: Vec<Order> = sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.status = 'pending' AND o.expires_at <= $1 \
         ORDER BY o.expires_at LIMIT 200"
    ))
    .bind(now_ms())
    .fetch_all(&state.db.pool)
    .await?;
    let mut released = 0;
    for order in &due {
        let mut tx = state.db.pool.begin().await?;
        let done = super::lifecycle::release(
            &mut tx,
            order,
            OrderStatus::Expired,
            Actor::System,
            "Reservation ended without payment",
        )
        .await?;
        tx.commit().await?;
        if done {
            // After the commit, so no "sold out" read from before it outlives it.
            state.orders.hints.raised();
            released += 1;
            super::ticker::emit(state, order, "expired");
        }
    }
    Ok(released)
}
