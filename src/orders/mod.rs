//! Orders: Buy from the stream (an order `pending` holding an inventory reservation,
//! priced on the server), the shopper's cart and checkout pages, the reservation clock,
//! the order lifecycle and the merchant's orders pages. Payment providers and webhooks
//! are in `payments`.

pub mod buy;
pub mod checkout;
pub mod domain;
pub mod expiry;
pub mod lifecycle;
pub mod reserve;
pub mod store;
pub mod ticker;
pub mod view;

mod dashboard;
mod detail;
mod export;
mod filters;

use std::sync::Mutex;
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
}

impl Orders {
    pub fn new(reservation: Duration) -> Orders {
        Orders {
            wake: Notify::new(),
            reservation: Mutex::new(reservation),
        }
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
        .route("/checkout/{token}", get(checkout::show))
        .route("/checkout/{token}/status", get(checkout::status))
        .route("/checkout/{token}/pay", post(checkout::pay))
        .route("/checkout/{token}/cancel", post(checkout::cancel))
        .route(
            "/checkout/{token}/test",
            get(checkout::test_page).post(checkout::test_pay),
        )
        .route("/checkout/{token}/done", get(checkout::done))
        .route("/orders", get(dashboard::list))
        .route("/orders/export.csv", get(export::csv))
        .route("/orders/{number}", get(detail::show))
        .route("/orders/{number}/fulfil", post(detail::fulfil))
        .route("/orders/{number}/refund", post(detail::refund))
        .route("/orders/{number}/cancel", post(detail::cancel))
}

/// Start the reservation clock; it stops with the server.
pub fn spawn_workers(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    expiry::spawn(state, shutdown);
}
