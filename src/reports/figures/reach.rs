//! Product events counted in SQL, where there are too many to read one by one (a
//! million in a big stream): the product table's reach per product and the funnel's
//! acting viewers (docs/metrics.md, "Product events" and "Funnel"). Each query
//! (`store::reach_counts`, `store::actors`) is the documented definition itself, so the
//! raw report and the rollup run the same one; this file folds its counts into rows.

use sqlx::AnyPool;

use super::store::{self, ReachCount};

/// The viewer-side half of a product table row.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Reach {
    pub product_id: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub buy_taps: i64,
    pub checkouts: i64,
}

/// Reach of each product card: distinct (viewer, pin) pairs with an event of each kind
/// for the product under one of its own pins of the stream. One impression per viewer
/// per pin counts, however often the card was drawn; the same for clicks, Buy taps and
/// checkouts started (a product bought under another product's pin counts for neither).
pub async fn product_reach(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<Vec<Reach>> {
    let counts = store::reach_counts(db, shop_id, stream_id).await?;
    let mut out: Vec<Reach> = Vec::new();
    for ReachCount {
        product_id,
        kind,
        pairs: n,
    } in counts
    {
        if out.last().is_none_or(|r| r.product_id != product_id) {
            out.push(Reach {
                product_id,
                ..Reach::default()
            });
        }
        if let Some(r) = out.last_mut() {
            match kind.as_str() {
                "impression" => r.impressions = n,
                "click" => r.clicks = n,
                "buy" => r.buy_taps = n,
                "checkout" => r.checkouts = n,
                _ => {}
            }
        }
    }
    Ok(out)
}

/// Distinct viewer ids with an event of `kind` (click, checkout) on any product of the
/// stream; `metrics::acting_viewers` keeps the unique viewers among them.
pub async fn actors(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    kind: &str,
) -> sqlx::Result<Vec<String>> {
    store::actors(db, shop_id, stream_id, kind).await
}
