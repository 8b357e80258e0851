//! What the shopper's bag and checkout sheet read: the shopper's open orders in a stream
//! (by viewer id, so a retry after a lost answer or a restart finds them), the line of a
//! variant in one of them, the first image of the lines' products and the shop's name.

use sqlx::AnyExecutor;

use super::lines::Line;
use super::orders::{ORDER_COLUMNS, Order};

/// The shopper's pending, unexpired orders in the stream, newest first: the first one
/// still open to new lines (no provider yet) is their cart, any of them holds what they
/// reserved.
pub async fn open_orders(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    viewer_id: &str,
    now: i64,
) -> sqlx::Result<Vec<Order>> {
    sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.stream_id = $1 AND o.viewer_id = $2 \
         AND o.status = 'pending' AND o.expires_at > $3 ORDER BY o.id DESC LIMIT 5"
    ))
    .bind(stream_id)
    .bind(viewer_id)
    .bind(now)
    .fetch_all(db)
    .await
}

/// The held line of `variant_id` in the order, if it has one.
pub async fn held_line(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    order_id: i64,
    variant_id: i64,
) -> sqlx::Result<Option<Line>> {
    sqlx::query_as(&format!(
        "SELECT id, product_id, variant_id, title, variant_title, quantity, unit_price, currency, \
         offer_pin_id, stripe_price_id, stock_state, {}, restocked \
         FROM order_lines WHERE order_id = $1 AND shop_id = $2 AND variant_id = $3 \
         AND stock_state = 'held' ORDER BY id LIMIT 1",
        crate::db::flag("tracked")
    ))
    .bind(order_id)
    .bind(shop_id)
    .bind(variant_id)
    .fetch_optional(db)
    .await
}

/// The first image (display file) of a product of the shop, if it has one.
pub async fn product_image(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    product_id: i64,
) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as(
        "SELECT display_file, alt FROM product_images WHERE product_id = $1 AND shop_id = $2 \
         ORDER BY position, id LIMIT 1",
    )
    .bind(product_id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// The shop's name, as the checkout sheet heads it.
pub async fn shop_name(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT name FROM shops WHERE id = $1")
        .bind(shop_id)
        .fetch_optional(db)
        .await
}

/// Every open reservation's stream address, viewer and variant (`orders::held`).
pub async fn held_units(
    db: impl AnyExecutor<'_>,
    now: i64,
) -> sqlx::Result<Vec<(String, String, String, i64)>> {
    sqlx::query_as(
        "SELECT sh.slug, s.slug, o.viewer_id, l.variant_id FROM orders o \
         JOIN order_lines l ON l.order_id = o.id JOIN streams s ON s.id = o.stream_id \
         JOIN shops sh ON sh.id = o.shop_id \
         WHERE o.status = 'pending' AND o.expires_at > $1 AND l.stock_state = 'held'",
    )
    .bind(now)
    .fetch_all(db)
    .await
}

/// The shop's IANA time zone (the checkout page shows the hold's end in it).
pub async fn shop_zone(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT time_zone FROM shops WHERE id = $1")
        .bind(shop_id)
        .fetch_optional(db)
        .await
}
