//! Orders: Buy from the stream (an order `pending` holding an inventory reservation,
//! priced on the server), the shopper's cart and checkout pages, the reservation clock,
//! the order lifecycle and the merchant's orders pages. Payment providers are in
//! `payments`, which knows no orders: `charge` makes an order a provider's charge, and
//! `payment_events` applies what the provider reports (`stripe_events` routes it).
//!
//! The SQL is in `store` (one file per concern), except where a domain operation runs
//! its statements inside its caller's transaction: Buy's writes (`write`, `bulk`).

pub mod auction_win;
pub mod bag;
pub mod batch;
pub mod bulk;
pub mod buy;
pub mod charge;
pub mod checkout;
pub mod coupon;
pub mod domain;
pub mod expiry;
pub mod flight;
pub mod held;
pub mod hint;
pub mod late;
pub mod lifecycle;
pub mod mails;
pub mod paid;
pub mod payment_events;
pub mod refunds;

pub mod giveaway_claim;
pub mod reserve;
pub mod sheet;
pub mod single;
pub mod store;
pub mod stripe_events;
pub mod test_checkout;
pub mod ticker;
pub mod view;
pub mod write;

mod dashboard;
mod detail;
mod export;
mod filters;
mod fulfilment;
mod refund_form;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::Notify;

use crate::state::AppState;

/// Shared by the Buy handler and the reservation clock.
pub struct Orders {
    /// Rung when a reservation should be looked at now (tests, shutdown).
    pub wake: Notify,
    /// How long Buy holds stock for an unpaid order.
    reservation: Mutex<Duration>,
    /// Variants recently seen sold out (answered without the database).
    pub hints: Arc<hint::SoldOutHints>,
    /// What this node's Buys reserved, so a sold-out hint never refuses a shopper's own unit.
    pub held: held::Held,
    /// Concurrent Buys of one variant share a transaction.
    pub batcher: batch::Batcher,
    /// Order events waiting for the studio's ticker (one figures read per batch).
    pub ticker: ticker::Ticker,
    /// Concurrent Buys share their reads of the stream and of the variant.
    streams: flight::Flights<(String, String), Option<crate::live::store::SellingStream>>,
    items: flight::Flights<(i64, i64, i64), (hint::Observation, Option<store::Buyable>)>,
}

impl Orders {
    /// The feature's handle for `AppState`; Buy holds stock for `config.reservation()`.
    pub fn new(config: &crate::config::Config) -> Arc<Orders> {
        Arc::new(Orders {
            wake: Notify::new(),
            reservation: Mutex::new(config.reservation()),
            hints: Arc::default(),
            held: held::Held::default(),
            batcher: batch::Batcher::default(),
            ticker: ticker::Ticker::default(),
            streams: flight::Flights::default(),
            items: flight::Flights::default(),
        })
    }

    /// Check, price and reserve one Buy (`reserve`, then the variant's batch).
    pub async fn buy(
        &self,
        db: &crate::db::Db,
        req: reserve::BuyRequest<'_>,
    ) -> Result<reserve::Bought, reserve::Refusal> {
        let job = reserve::prepare(db, self, req).await?;
        self.batcher.submit(db, &self.hints, job).await
    }

    pub fn reservation(&self) -> Duration {
        *self.reservation.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Change the reservation length (tests use a short one).
    pub fn set_reservation(&self, length: Duration) {
        *self.reservation.lock().unwrap_or_else(|e| e.into_inner()) = length;
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/@{shop}/{stream}/buy", post(buy::buy))
        .route(
            "/@{shop}/{stream}/live/auctions/{id}/checkout",
            post(auction_win::checkout),
        )
        .route(
            "/@{shop}/{stream}/live/giveaways/{id}/claim",
            post(giveaway_claim::claim),
        )
        .route(
            "/@{shop}/{stream}/live/auctions/{id}/second-chance",
            post(auction_win::second_chance),
        )
        .route("/auctions/pay/{token}", get(auction_win::pay_link))
        .route("/@{shop}/{stream}/bag", get(bag::show))
        .route("/checkout/{token}/sheet", get(sheet::show))
        .route("/checkout/{token}", get(checkout::show))
        .route("/checkout/{token}/status", get(checkout::status))
        .route("/checkout/{token}/pay", post(checkout::pay))
        .route("/checkout/{token}/coupon", post(coupon::show))
        .route("/checkout/{token}/cancel", post(checkout::cancel))
        .route(
            "/checkout/{token}/test",
            get(test_checkout::test_page).post(test_checkout::test_pay),
        )
        .route("/checkout/{token}/done", get(checkout::done))
        .route("/orders", get(dashboard::list))
        .route("/orders/export.csv", get(export::csv))
        .route("/orders/live.json", get(dashboard::live))
        .route("/orders/{number}", get(detail::show))
        .route("/orders/{number}/fulfil", post(detail::fulfil))
        .route("/orders/{number}/refund", post(refund_form::refund))
        .route("/orders/{number}/cancel", post(detail::cancel))
        .route("/webhooks/stripe/{shop}", post(stripe_events::receive))
}

/// Start the reservation clock; it stops with the server.
pub fn spawn_workers(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    expiry::spawn(state, shutdown);
    let (orders, db) = (state.orders.clone(), state.db.clone());
    tokio::spawn(async move { held::load(&orders.held, &db).await });
}
