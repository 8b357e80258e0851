//! The capture writer's lookups: turn recorded events into `report_events` rows. A Buy
//! tap's stream, product and open pin, and a checkout's products and pins, are read
//! here, off the request path; events naming nothing known are dropped.

use sqlx::AnyPool;

use super::capture::{Cache, Event, Kind, Row};

pub async fn resolve(db: &AnyPool, events: Vec<Event>) -> sqlx::Result<Vec<Row>> {
    let mut cache = Cache::default();
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
                let pin_id: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM pins WHERE shop_id = $1 AND stream_id = $2 AND started_at <= $3 \
                     AND (ended_at IS NULL OR ended_at > $3) ORDER BY started_at DESC, id DESC LIMIT 1",
                )
                .bind(shop_id)
                .bind(stream_id)
                .bind(at)
                .fetch_optional(db)
                .await?;
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
