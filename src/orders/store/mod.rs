//! The orders' SQL, one file per concern: the `orders` rows (`orders`), their lines
//! (`lines`), the history of moves and payments (`history`), the merchant's filtered list
//! (`filters`) and Buy's read of what it sells (`reservations`). Rows leave here typed:
//! statuses as enums, booleans as `bool`, amounts as `Money`.
//!
//! Buy's writes (`write`, `bulk`) and the lifecycle's stock moves (`catalog::inventory`)
//! run inside their callers' transactions; those that are a single statement are here.

pub mod bag;
mod filters;
mod history;
mod lines;
mod listing;
mod orders;
pub mod payments;
pub mod refunds;
mod reservations;

pub use filters::{OrderQuery, Search, filtered};
pub use history::{
    Actor, OptionalStatus, PaymentEntry, PaymentRecord, TimelineEntry, WebhookEntry,
    checkout_attempts, payments, record_payment, record_transition, timeline, transition, webhooks,
};
pub use lines::{Line, Restocked, lines};
pub use listing::{TickerLine, first_items, ticker_lines};
pub use orders::{
    ORDER_COLUMNS, Order, StreamAddress, add_refund, by_id, by_number, by_stripe, by_token,
    detach_from_stream, due_for_expiry, pin_title, set_checkout_session, set_provider,
    set_shipment, status_of, stream_address, stream_titles,
};
pub use reservations::{Buyable, buyable};

/// The single-line moves (`store::line::release` …), by their own names.
pub mod line {
    pub use super::lines::{release, restock, units};
}
