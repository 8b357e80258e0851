//! What can be put up for auction, and who to tell about a sold lot.

use sqlx::{AnyExecutor, FromRow};
/// What can be auctioned: a variant of the shop and its product.
#[derive(Debug, Clone, FromRow)]
pub struct Lot {
    pub product_id: i64,
    pub product_title: String,
    pub variant_title: String,
    pub currency: String,
    #[sqlx(try_from = "crate::db::Flag")]
    pub active: bool,
    #[sqlx(try_from = "crate::db::Flag")]
    pub unlimited: bool,
    pub stock: i64,
}

impl Lot {
    /// "Jacket" or "Jacket · M / Blue".
    pub fn title(&self) -> String {
        if self.variant_title.is_empty() {
            self.product_title.clone()
        } else {
            format!("{} · {}", self.product_title, self.variant_title)
        }
    }
}

/// A variant of `shop_id` (another shop's is not found), with its product.
pub async fn lot(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    variant_id: i64,
) -> sqlx::Result<Option<Lot>> {
    sqlx::query_as(
        "SELECT v.product_id, p.title AS product_title, v.title AS variant_title, p.currency, \
         CAST(CASE WHEN p.status = 'active' THEN 1 ELSE 0 END AS BIGINT) AS active, \
         CAST(CASE WHEN v.unlimited THEN 1 ELSE 0 END AS BIGINT) AS unlimited, v.stock \
         FROM variants v JOIN products p ON p.id = v.product_id \
         WHERE v.id = $1 AND v.shop_id = $2 AND v.removed_at IS NULL",
    )
    .bind(variant_id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// What the winner's mail needs: (the shop's name and zone, the stream's public path, the
/// winner's name and address).
#[derive(Debug, Clone, FromRow)]
pub struct WinnerContact {
    pub shop_name: String,
    pub time_zone: String,
    pub shop_slug: String,
    pub stream_slug: String,
    pub name: String,
    pub email: String,
}

pub async fn winner_contact(
    db: impl AnyExecutor<'_>,
    id: i64,
) -> sqlx::Result<Option<WinnerContact>> {
    sqlx::query_as(
        "SELECT sh.name AS shop_name, sh.time_zone, sh.slug AS shop_slug, st.slug AS stream_slug, \
         b.name, b.email FROM live_auctions a JOIN shops sh ON sh.id = a.shop_id \
         JOIN streams st ON st.id = a.stream_id \
         JOIN live_bidders b ON b.shop_id = a.shop_id AND b.viewer_id = a.winner \
         WHERE a.id = $1 AND a.state = 'sold'",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// A variant the studio can put up: (variant id, lot title, regular price, currency, units
/// left or None when unlimited).
pub type LotChoice = (i64, String, i64, String, Option<i64>);

/// The variants of the stream's featured products, in the stream's order.
pub async fn lots(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<LotChoice>> {
    let rows: Vec<(i64, String, String, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT v.id, p.title, v.title, COALESCE(v.price_override, p.price), p.currency, \
         CAST(CASE WHEN v.unlimited THEN 1 ELSE 0 END AS BIGINT), v.stock \
         FROM stream_products sp JOIN products p ON p.id = sp.product_id \
         JOIN variants v ON v.product_id = p.id \
         WHERE sp.stream_id = $1 AND sp.shop_id = $2 AND p.status = 'active' AND v.removed_at IS NULL \
         ORDER BY sp.position, v.position",
    )
    .bind(stream_id)
    .bind(shop_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, product, variant, price, currency, unlimited, stock)| {
                let title = if variant.is_empty() {
                    product
                } else {
                    format!("{product} · {variant}")
                };
                (
                    id,
                    title,
                    price,
                    currency,
                    (unlimited == 0).then_some(stock),
                )
            },
        )
        .collect())
}
