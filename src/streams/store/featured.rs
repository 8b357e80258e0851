//! SQL for a stream's featured products: the catalogue rows it shows, in order.
//! Only the shop's own active products can be added.

use sqlx::{AnyExecutor, FromRow};

use crate::money::Money;

/// A featured product as the pages show it.
#[derive(Debug, Clone, FromRow)]
pub struct Featured {
    pub product_id: i64,
    pub slug: String,
    pub title: String,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub currency: String,
    /// The product is active (archived and draft products stay featured but unbuyable).
    #[sqlx(try_from = "crate::db::Flag")]
    pub active: bool,
    pub position: i64,
    /// The first image's thumbnail file, if the product has one.
    pub thumb_file: Option<String>,
}

pub async fn list(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<Featured>> {
    sqlx::query_as(
        "SELECT p.id AS product_id, p.slug, p.title, p.price, p.compare_at_price, p.currency, \
         CAST(CASE WHEN p.status = 'active' THEN 1 ELSE 0 END AS BIGINT) AS active, sp.position, \
         (SELECT i.thumb_file FROM product_images i WHERE i.product_id = p.id \
          ORDER BY i.position, i.id LIMIT 1) AS thumb_file \
         FROM stream_products sp JOIN products p ON p.id = sp.product_id AND p.shop_id = sp.shop_id \
         WHERE sp.stream_id = $1 AND sp.shop_id = $2 ORDER BY sp.position, sp.id",
    )
    .bind(stream_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// A product the merchant could feature.
#[derive(Debug, Clone, FromRow)]
pub struct Candidate {
    pub id: i64,
    pub title: String,
    price: i64,
    currency: String,
}

impl Candidate {
    pub fn price(&self) -> Money {
        Money::new(self.price, &self.currency)
    }
}

/// The shop's active products that could be featured, by title.
pub async fn candidates(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Vec<Candidate>> {
    sqlx::query_as(
        "SELECT id, title, price, currency FROM products WHERE shop_id = $1 AND status = 'active' \
         ORDER BY title, id LIMIT 1000",
    )
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// The shop's active product `product_id`, or None (another shop's, archived, draft, unknown).
pub async fn active_product(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    product_id: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT title FROM products WHERE id = $1 AND shop_id = $2 AND status = 'active'",
    )
    .bind(product_id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// The first `limit` active products of the shop, oldest first (the demo features them).
pub async fn first_active(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM products WHERE shop_id = $1 AND status = 'active' ORDER BY id LIMIT $2",
    )
    .bind(shop_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Append a product; false if it is already featured.
pub async fn add(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
    product_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO stream_products (stream_id, shop_id, product_id, position) \
         SELECT $1, $2, $3, COALESCE(MAX(position), 0) + 1 FROM stream_products WHERE stream_id = $1 \
         ON CONFLICT (stream_id, product_id) DO NOTHING",
    )
    .bind(stream_id)
    .bind(shop_id)
    .bind(product_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
    product_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "DELETE FROM stream_products WHERE stream_id = $1 AND shop_id = $2 AND product_id = $3",
    )
    .bind(stream_id)
    .bind(shop_id)
    .bind(product_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Rewrite the positions as 1, 2, 3… in the given order (ids not featured are ignored).
pub async fn set_order(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    shop_id: i64,
    stream_id: i64,
    product_ids: &[i64],
) -> sqlx::Result<()> {
    for (i, product_id) in product_ids.iter().enumerate() {
        sqlx::query(
            "UPDATE stream_products SET position = $1 \
             WHERE stream_id = $2 AND shop_id = $3 AND product_id = $4",
        )
        .bind(i as i64 + 1)
        .bind(stream_id)
        .bind(shop_id)
        .bind(product_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Copy the featured products of one stream to another (duplicate).
pub async fn copy(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    from_stream: i64,
    to_stream: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO stream_products (stream_id, shop_id, product_id, position) \
         SELECT $1, sp.shop_id, sp.product_id, sp.position FROM stream_products sp \
         JOIN products p ON p.id = sp.product_id \
         WHERE sp.stream_id = $2 AND sp.shop_id = $3 AND p.status = 'active'",
    )
    .bind(to_stream)
    .bind(from_stream)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}
