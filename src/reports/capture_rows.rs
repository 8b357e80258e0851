//! The capture writer's lookups: turn recorded events into `report_events` rows. A Buy
//! tap's stream, product and open pin, and a checkout's products and pins, are read
//! here, off the request path; events naming nothing known are dropped.

use std::collections::hash_map::Entry;

use sqlx::AnyPool;

use super::capture::{Cache, Event, Kind, Row};

/// A pin's time on screen (`ended_at` `None` while it still shows).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pin {
    id: i64,
    started_at: i64,
    ended_at: Option<i64>,
}

/// The pin on screen at `at`: the latest started by then and not yet ended (`pins` newest
/// first, as [`pins_between`] reads them).
fn pin_at(pins: &[Pin], at: i64) -> Option<i64> {
    pins.iter()
        .find(|p| p.started_at <= at && p.ended_at.is_none_or(|end| end > at))
        .map(|p| p.id)
}

/// The stream's pins on screen at some moment in `[from, to]`, newest first (one read for a
/// whole batch of Buy taps: a flash sale's thousands of taps are one stream's).
async fn pins_between(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<Pin>> {
    sqlx::query_as(
        "SELECT id, started_at, ended_at FROM pins WHERE shop_id = $1 AND stream_id = $2 \
         AND started_at <= $3 AND (ended_at IS NULL OR ended_at > $4) \
         ORDER BY started_at DESC, id DESC",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(to)
    .bind(from)
    .fetch_all(db)
    .await
}

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
                    let found: Option<(i64, i64)> = sqlx::query_as(
                        "SELECT st.shop_id, st.id FROM streams st JOIN shops sh ON sh.id = st.shop_id \
                         WHERE sh.slug = $1 AND st.slug = $2",
                    )
                    .bind(&key.0)
                    .bind(&key.1)
                    .fetch_optional(db)
                    .await?;
                    cache.streams.insert(key.clone(), found);
                }
                let Some((shop_id, stream_id)) = cache.streams[&key] else {
                    continue;
                };
                let product_id = match cache.variants.get(&(shop_id, variant_id)) {
                    Some(known) => *known,
                    None => {
                        let product: Option<i64> = sqlx::query_scalar(
                            "SELECT product_id FROM variants WHERE id = $1 AND shop_id = $2",
                        )
                        .bind(variant_id)
                        .bind(shop_id)
                        .fetch_optional(db)
                        .await?;
                        cache.variants.insert((shop_id, variant_id), product);
                        product
                    }
                };
                let Some(product_id) = product_id else {
                    continue;
                };
                let pins = match cache.pins.entry((shop_id, stream_id)) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => slot
                        .insert(pins_between(db, shop_id, stream_id, first_tap, last_tap).await?),
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
                let lines: Vec<(i64, Option<i64>)> = sqlx::query_as(
                    "SELECT DISTINCT product_id, pin_id FROM order_lines WHERE order_id = $1 AND shop_id = $2",
                )
                .bind(order_id)
                .bind(shop_id)
                .fetch_all(db)
                .await?;
                for (product_id, pin_id) in lines {
                    rows.push(Row {
                        shop_id,
                        stream_id,
                        kind: Kind::Checkout,
                        viewer_id: viewer_id.clone(),
                        product_id,
                        pin_id,
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
