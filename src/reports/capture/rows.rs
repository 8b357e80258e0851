//! The capture writer's lookups: turn recorded events into `report_events` rows. A Buy
//! tap's stream, product and open pin, and a checkout's products and pins, are looked up
//! here (through `store`), off the request path, once per batch where they repeat;
//! events naming nothing known are dropped.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use sqlx::AnyPool;

use super::store::{self, Pin, StreamRef};
use super::{Event, Kind, Row};

/// Per-batch lookups, so a burst of taps on one stream reads it once.
#[derive(Default)]
struct Cache {
    streams: HashMap<(String, String), Option<StreamRef>>,
    variants: HashMap<(i64, i64), Option<i64>>,
    /// Per (shop, stream): the pins that overlap the batch, newest first.
    pins: HashMap<(i64, i64), Vec<Pin>>,
}

/// The pin on screen at `at`: the latest started by then and not yet ended (`pins` newest
/// first, as [`store::pins_between`] reads them).
fn pin_at(pins: &[Pin], at: i64) -> Option<i64> {
    pins.iter()
        .find(|p| p.started_at <= at && p.ended_at.is_none_or(|end| end > at))
        .map(|p| p.id)
}

/// The rows of a batch of events, in order; an event naming an unknown stream or variant
/// gives none, a checkout one per (product, pin) of its lines.
pub async fn resolve(db: &AnyPool, events: Vec<Event>) -> sqlx::Result<Vec<Row>> {
    let mut cache = Cache::default();
    let taps = events.iter().filter_map(|e| match e {
        Event::BuyTap { at, .. } => Some(*at),
        _ => None,
    });
    let (first_tap, last_tap) = taps.fold((i64::MAX, i64::MIN), |(lo, hi), at| {
        (lo.min(at), hi.max(at))
    });
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        match event {
            Event::Product {
                kind,
                shop_id,
                stream_id,
                viewer_id,
                product_id,
                pin_id,
                at,
            } => rows.push(Row {
                shop_id,
                stream_id,
                kind,
                viewer_id,
                product_id,
                pin_id: Some(pin_id),
                at,
            }),
            Event::BuyTap {
                shop,
                stream,
                viewer_id,
                variant_id,
                at,
            } => {
                let key = (shop, stream);
                if !cache.streams.contains_key(&key) {
                    let found = store::stream_by_slugs(db, &key.0, &key.1).await?;
                    cache.streams.insert(key.clone(), found);
                }
                let Some(StreamRef { shop_id, stream_id }) = cache.streams[&key] else {
                    continue;
                };
                let product_id = match cache.variants.get(&(shop_id, variant_id)) {
                    Some(known) => *known,
                    None => {
                        let product = store::variant_product(db, shop_id, variant_id).await?;
                        cache.variants.insert((shop_id, variant_id), product);
                        product
                    }
                };
                let Some(product_id) = product_id else {
                    continue;
                };
                let pins = match cache.pins.entry((shop_id, stream_id)) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => slot.insert(
                        store::pins_between(db, shop_id, stream_id, first_tap, last_tap).await?,
                    ),
                };
                let pin_id = pin_at(pins, at);
                rows.push(Row {
                    shop_id,
                    stream_id,
                    kind: Kind::Buy,
                    viewer_id,
                    product_id,
                    pin_id,
                    at,
                });
            }
            Event::Checkout {
                shop_id,
                stream_id,
                order_id,
                viewer_id,
                at,
            } => {
                for line in store::checkout_lines(db, shop_id, order_id).await? {
                    rows.push(Row {
                        shop_id,
                        stream_id,
                        kind: Kind::Checkout,
                        viewer_id: viewer_id.clone(),
                        product_id: line.product_id,
                        pin_id: line.pin_id,
                        at,
                    });
                }
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(id: i64, started_at: i64, ended_at: Option<i64>) -> Pin {
        Pin {
            id,
            started_at,
            ended_at,
        }
    }

    #[test]
    fn the_pin_on_screen_at_a_moment() {
        // Newest first, as `pins_between` orders them; pin 3 is still on screen.
        let pins = [
            pin(3, 300, None),
            pin(2, 200, Some(300)),
            pin(1, 100, Some(150)),
        ];
        assert_eq!(pin_at(&pins, 99), None, "before any pin");
        assert_eq!(pin_at(&pins, 100), Some(1), "from its start");
        assert_eq!(pin_at(&pins, 150), None, "not at its end");
        assert_eq!(pin_at(&pins, 299), Some(2));
        assert_eq!(
            pin_at(&pins, 300),
            Some(3),
            "the next pin replaces it at once"
        );
        assert_eq!(pin_at(&pins, 10_000), Some(3));
        // Two overlapping pins: the later started wins, as in the SQL it replaces.
        let overlapping = [pin(5, 200, None), pin(4, 100, None)];
        assert_eq!(pin_at(&overlapping, 250), Some(5));
        assert_eq!(pin_at(&overlapping, 150), Some(4));
    }
}
