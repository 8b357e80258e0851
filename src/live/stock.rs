//! The room follows the stock and the live offer. Every tick (`tick`, ~500 ms) each room
//! with viewers reads the stock of the variants its stream sells and its open pin, and
//! tells its viewers what changed since the last tick in one ephemeral `stock` event;
//! an offer whose units are all taken or whose time is up is closed once, for good, and
//! announced as a durable `offer_ended` event.
//!
//! Why a read per tick rather than a hook in every writer: it sees every way stock moves
//! (Buys in a flash-sale batch, reservations expiring, cancels, refunds, a restock in the
//! catalogue, another node's writes) without the catalogue or the order paths knowing
//! about rooms, and thousands of Buys a second become at most one event per tick. Each
//! node reads for its own viewers, so nothing travels between nodes but the durable
//! `offer_ended` (claimed by one conditional UPDATE, so announced once).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::registry::{LiveHub, RoomEntry, lock};
use super::room::LiveEvent;
use super::store::pins;
use crate::db::now_ms;

/// What the room's viewers were last told: stock per variant, units left on the offer.
#[derive(Default)]
pub struct Shown {
    stock: HashMap<i64, Option<i64>>,
    offer: Option<(i64, Option<i64>)>,
    started: bool,
}

impl LiveHub {
    pub(super) async fn tick_stock(&self, entry: &RoomEntry) {
        if entry.room.viewers_connected() == 0 {
            return;
        }
        if let Err(err) = self.follow_stock(entry).await {
            tracing::warn!(error = %err, "could not read the room's stock");
        }
    }

    async fn follow_stock(&self, entry: &RoomEntry) -> sqlx::Result<()> {
        let pool = &self.db.pool;
        let stream = entry.room.stream_id;
        let now = now_ms();
        let mut pin = pins::open_pin(pool, stream).await?;
        if let Some(p) = &pin
            && let Some(offer) = p.offer()
            && offer.check(now, 1).is_err()
            && let Some((pin_id, product_id)) = pins::close_ended_offer(pool, stream, now).await?
        {
            let reason = if offer.ends_at.is_some_and(|end| now >= end) {
                "expired"
            } else {
                "sold_out"
            };
            let data = json!({ "pin_id": pin_id, "product_id": product_id, "reason": reason });
            self.emit(entry.shop_id, stream, "offer_ended", data)
                .await?;
            pin = pins::open_pin(pool, stream).await?;
        }
        let rows = pins::stream_stock(pool, entry.shop_id, stream).await?;
        let offer = pin
            .as_ref()
            .and_then(|p| p.offer().map(|o| (p.id, o.units_left())));
        let changed = {
            let mut shown = lock(&entry.stock);
            changes(&mut shown, &rows, offer)
        };
        if let Some(data) = changed {
            entry
                .room
                .publish(LiveEvent::ephemeral("stock", data.to_string()));
        }
        Ok(())
    }
}

/// The `stock` event for what differs from `shown` (which then holds the new values),
/// or None when nothing changed. The first reading of a room is only remembered: its
/// viewers loaded the same values with the page.
fn changes(
    shown: &mut Shown,
    rows: &[pins::StockRow],
    offer: Option<(i64, Option<i64>)>,
) -> Option<Value> {
    let mut variants = Vec::new();
    for row in rows {
        let before = shown.stock.insert(row.variant_id, row.stock);
        if shown.started && before != Some(row.stock) {
            let available = row.stock.is_none_or(|s| s > 0);
            let was = match before {
                Some(s) => s.is_none_or(|s| s > 0),
                None => available,
            };
            let change = match (was, available) {
                (true, false) => Some("sold_out"),
                (false, true) => Some("back_in_stock"),
                _ => None,
            };
            variants.push(json!({
                "id": row.variant_id,
                "product_id": row.product_id,
                "stock": row.stock,
                "available": available,
                "change": change,
            }));
        }
    }
    let offer_changed = shown.started && shown.offer != offer;
    shown.offer = offer;
    let first = !shown.started;
    shown.started = true;
    if first || (variants.is_empty() && !offer_changed) {
        return None;
    }
    let offer = offer.map(|(pin_id, left)| json!({ "pin_id": pin_id, "units_left": left }));
    Some(json!({ "variants": variants, "offer": offer }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, stock: Option<i64>) -> pins::StockRow {
        pins::StockRow {
            variant_id: id,
            product_id: 1,
            stock,
        }
    }

    #[test]
    fn only_what_changed_is_told_and_sold_out_and_back_in_stock_are_named() {
        let mut shown = Shown::default();
        assert_eq!(
            changes(
                &mut shown,
                &[row(1, Some(2)), row(2, None)],
                Some((9, Some(3)))
            ),
            None
        );
        assert_eq!(
            changes(
                &mut shown,
                &[row(1, Some(2)), row(2, None)],
                Some((9, Some(3)))
            ),
            None
        );
        let sold = changes(
            &mut shown,
            &[row(1, Some(0)), row(2, None)],
            Some((9, Some(2))),
        )
        .unwrap();
        assert_eq!(sold["variants"].as_array().unwrap().len(), 1);
        assert_eq!(sold["variants"][0]["change"], "sold_out");
        assert_eq!(sold["offer"]["units_left"], 2);
        let back = changes(
            &mut shown,
            &[row(1, Some(5)), row(2, None)],
            Some((9, Some(2))),
        )
        .unwrap();
        assert_eq!(back["variants"][0]["change"], "back_in_stock");
        assert!(back["offer"].is_object());
    }
}
