//! Product events counted in SQL, where there are too many to read one by one (a
//! million in a big stream): the product table's reach per product and the funnel's
//! acting viewers (docs/metrics.md, "Product events" and "Funnel"). Each query is the
//! documented definition itself, so the raw report and the rollup run the same one.

use sqlx::AnyPool;

/// The viewer-side half of a product table row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    let counts: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT d.product_id, d.kind, CAST(COUNT(*) AS BIGINT) FROM \
         (SELECT DISTINCT e.product_id, e.kind, e.viewer_id, e.pin_id FROM report_events e \
          JOIN pins p ON p.id = e.pin_id AND p.product_id = e.product_id \
          AND p.stream_id = e.stream_id AND p.shop_id = e.shop_id \
          WHERE e.shop_id = $1 AND e.stream_id = $2) d \
         GROUP BY d.product_id, d.kind ORDER BY d.product_id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let mut out: Vec<Reach> = Vec::new();
    for (product_id, kind, n) in counts {
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
    sqlx::query_scalar(
        "SELECT DISTINCT viewer_id FROM report_events \
         WHERE shop_id = $1 AND stream_id = $2 AND kind = $3",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(kind.to_string())
    .fetch_all(db)
    .await
}
