//! The studio's live order ticker: each new, paid, refunded or expired order is put in
//! the stream's live room with the stream's revenue so far. Sent off the request path.
//!
//! The running figures are read once per batch, not once per order: while a stream's
//! figures are being read, its next orders queue and share the following read. In a
//! flash sale a hundred orders land within milliseconds, and reading every order of the
//! stream for each of them competed with the sale for the database.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Mutex;

use serde_json::json;

use super::store::Order;
use crate::money::Money;
use crate::reports;
use crate::state::AppState;

/// One line of the ticker.
pub struct Ticket {
    pub shop_id: i64,
    pub stream_id: i64,
    pub number: String,
    /// The order's total after this change.
    pub total: Money,
    /// reserved, paid, refunded, expired…
    pub event: &'static str,
}

/// Tickets waiting for their stream's next figures read, by stream. A stream has an
/// entry exactly while a task is sending its tickets.
#[derive(Default)]
pub struct Ticker {
    waiting: Mutex<HashMap<i64, Vec<Ticket>>>,
}

impl Ticker {
    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Vec<Ticket>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Tell the stream's room about `order` (`event`: reserved, paid, refunded, expired…).
pub fn emit(state: &AppState, order: &Order, event: &'static str) {
    let Some(stream_id) = order.stream_id else {
        return;
    };
    send(
        state,
        Ticket {
            shop_id: order.shop_id,
            stream_id,
            number: order.number.clone(),
            total: order.total.clone(),
            event,
        },
    );
}

/// Queue `ticket`; the stream's sender task is started if none is running.
pub fn send(state: &AppState, ticket: Ticket) {
    let stream_id = ticket.stream_id;
    {
        let mut waiting = state.orders.ticker.waiting();
        match waiting.entry(stream_id) {
            Entry::Occupied(mut running) => {
                running.get_mut().push(ticket);
                return;
            }
            Entry::Vacant(idle) => {
                idle.insert(vec![ticket]);
            }
        }
    }
    tokio::spawn(run(state.clone(), stream_id));
}

async fn run(state: AppState, stream_id: i64) {
    loop {
        let batch = {
            let mut waiting = state.orders.ticker.waiting();
            match waiting.get_mut(&stream_id) {
                Some(tickets) if !tickets.is_empty() => std::mem::take(tickets),
                _ => {
                    waiting.remove(&stream_id);
                    return;
                }
            }
        };
        // Read after every ticket of the batch was committed, so the figures include them.
        let shop_id = batch[0].shop_id;
        let figures = match reports::live::figures(&state.db.pool, shop_id, stream_id).await {
            Ok(f) => f,
            Err(err) => {
                tracing::warn!(error = %err, "order ticker: figures unavailable");
                continue;
            }
        };
        // What was bought and by whom, for the whole batch in one read.
        let numbers: Vec<String> = batch.iter().map(|t| t.number.clone()).collect();
        let lines = super::store::ticker_lines(&state.db.pool, shop_id, &numbers)
            .await
            .unwrap_or_else(|err| {
                tracing::warn!(error = %err, "order ticker: lines unavailable");
                HashMap::new()
            });
        for ticket in batch {
            let line = lines.get(&ticket.number).cloned().unwrap_or_default();
            // The running figures by the report's definitions (a fully refunded order is
            // not an order), so the studio and the report agree.
            let data = json!({
                "event": ticket.event,
                "number": ticket.number,
                "total": ticket.total.minor,
                "currency": ticket.total.currency,
                "total_display": ticket.total.to_string(),
                "what": line.what,
                "first_name": line.first_name,
                "figures": figures.json(&ticket.total.currency),
            });
            // Staff only: order numbers and revenue are not for the viewers' event stream.
            if let Err(err) = state.live.staff(shop_id, stream_id, "order", data).await {
                tracing::warn!(error = %err, "order ticker: could not reach the live room");
            }
        }
    }
}
