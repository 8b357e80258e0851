//! The order's mails: the confirmation to the buyer and the new-order notice to the shop's
//! owners when an order is paid, the shipping mail when it is fulfilled. Queued in the
//! outbox of the ground-floor `mail` inside the transaction that pays or fulfils the order
//! (`queue_paid`, `queue_shipped`), rendered here when the mail worker sends them
//! (`RENDERERS`), and what did not leave is a note on the order's page (`notes`).

mod render;

use sqlx::AnyConnection;

use super::store::Order;
use crate::mail::{self, Renderer};

pub use render::{MailLine, OrderMail};

pub const CONFIRMATION: &str = "order.confirmation";
pub const NOTICE: &str = "order.notice";
pub const SHIPPED: &str = "order.shipped";

/// What the mail worker renders for each kind orders queue.
pub const RENDERERS: &[(&str, Renderer)] = &[
    (CONFIRMATION, render::confirmation),
    (NOTICE, render::notice),
    (SHIPPED, render::shipped),
];

/// The order was just paid (in the caller's transaction): confirm to the buyer, tell the shop.
pub async fn queue_paid(conn: &mut AnyConnection, order: &Order) -> sqlx::Result<()> {
    mail::queue(conn, order.shop_id, CONFIRMATION, order.id).await?;
    mail::queue(conn, order.shop_id, NOTICE, order.id).await
}

/// The order was just fulfilled (in the caller's transaction): tell the buyer it ships.
pub async fn queue_shipped(conn: &mut AnyConnection, order: &Order) -> sqlx::Result<()> {
    mail::queue(conn, order.shop_id, SHIPPED, order.id).await
}

/// One sentence per mail of this order that did not leave (or is waiting for a retry),
/// for the merchant's order page.
pub async fn notes(db: &sqlx::AnyPool, shop_id: i64, order_id: i64) -> sqlx::Result<Vec<String>> {
    let rows = mail::store::notes(db, shop_id, "order.", order_id).await?;
    Ok(rows
        .into_iter()
        .map(|n| {
            let what = match n.kind.as_str() {
                CONFIRMATION => "The order confirmation to the customer",
                NOTICE => "The new-order notice to the shop",
                SHIPPED => "The shipping mail to the customer",
                _ => "A mail about this order",
            };
            match n.status.as_str() {
                "unsent" => format!("{what} was not sent: {}.", reason(&n.last_error)),
                "failed" => format!(
                    "{what} could not be sent after {} attempts: {}.",
                    n.attempts,
                    reason(&n.last_error)
                ),
                _ => format!(
                    "{what} has not gone out yet (attempt {} refused: {}); it will be tried again.",
                    n.attempts,
                    reason(&n.last_error)
                ),
            }
        })
        .collect())
}

fn reason(error: &str) -> &str {
    let error = error.trim().trim_start_matches("not sent: ");
    let error = error.trim_end_matches('.');
    if error.is_empty() {
        "no reason given"
    } else {
        error
    }
}
