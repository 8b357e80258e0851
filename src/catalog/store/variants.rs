//! Variants, the buyable unit: the row, lookups, and the per-variant fields. Stock
//! itself changes only through `catalog::inventory` (stock and ledger in one place).

use sqlx::{AnyExecutor, FromRow};

use crate::db::{Flag, now_ms};

/// The buyable unit. `stock` is what can be sold now; `unlimited` ones are never out.
#[derive(Debug, Clone, FromRow)]
pub struct Variant {
    pub id: i64,
    pub product_id: i64,
    pub position: i64,
    pub title: String,
    pub sku: Option<String>,
    pub price_override: Option<i64>,
    #[sqlx(try_from = "Flag")]
    pub unlimited: bool,
    pub stock: i64,
    pub stripe_price_id: Option<String>,
    pub stripe_price_amount: Option<i64>,
    pub stripe_price_currency: Option<String>,
}

impl Variant {
    /// The price a shopper pays for this variant.
    pub fn price(&self, product: &super::Product) -> i64 {
        self.price_override.unwrap_or(product.price)
    }
}

const VARIANT_COLUMNS: &str = "id, product_id, position, title, sku, price_override, \
     CAST(CASE WHEN unlimited THEN 1 ELSE 0 END AS BIGINT) AS unlimited, \
     stock, stripe_price_id, stripe_price_amount, stripe_price_currency";

/// The live variants of a product, in option order.
pub async fn variants(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    product_id: i64,
) -> sqlx::Result<Vec<Variant>> {
    sqlx::query_as(&format!(
        "SELECT {VARIANT_COLUMNS} FROM variants WHERE product_id = $1 AND shop_id = $2 \
         AND removed_at IS NULL ORDER BY position, id"
    ))
    .bind(product_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}

pub async fn variant(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
) -> sqlx::Result<Option<Variant>> {
    sqlx::query_as(&format!(
        "SELECT {VARIANT_COLUMNS} FROM variants WHERE id = $1 AND shop_id = $2 AND removed_at IS NULL"
    ))
    .bind(id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// A new variant with no stock; stock arrives through `inventory::record`.
pub async fn insert_variant(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    product_id: i64,
    position: i64,
    title: &str,
    sku: Option<&str>,
    unlimited: bool,
) -> sqlx::Result<i64> {
    let now = now_ms();
    sqlx::query_scalar(
        "INSERT INTO variants (product_id, shop_id, position, title, sku, unlimited, stock, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) RETURNING id",
    )
    .bind(product_id)
    .bind(shop_id)
    .bind(position)
    .bind(title)
    .bind(sku)
    .bind(unlimited)
    .bind(now)
    .fetch_one(db)
    .await
}

pub async fn place_variant(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
    position: i64,
    title: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE variants SET position = $1, title = $2, updated_at = $3 WHERE id = $4 AND shop_id = $5",
    )
    .bind(position)
    .bind(title)
    .bind(now_ms())
    .bind(id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The merchant's per-variant fields: SKU, price override, unlimited stock.
pub async fn update_variant(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
    sku: Option<&str>,
    price_override: Option<i64>,
    unlimited: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE variants SET sku = $1, price_override = $2, unlimited = $3, updated_at = $4 \
         WHERE id = $5 AND shop_id = $6",
    )
    .bind(sku)
    .bind(price_override)
    .bind(unlimited)
    .bind(now_ms())
    .bind(id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Hide a variant an option edit removed; orders that point at it keep working.
/// Its SKU is released so a new variant can take it.
pub async fn remove_variant(db: impl AnyExecutor<'_>, shop_id: i64, id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE variants SET removed_at = $1, sku = NULL, updated_at = $1 WHERE id = $2 AND shop_id = $3",
    )
    .bind(now_ms())
    .bind(id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Mark a new variant as never running out (the product form's "unlimited" box).
pub async fn set_unlimited(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
    unlimited: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE variants SET unlimited = $1 WHERE id = $2 AND shop_id = $3")
        .bind(unlimited)
        .bind(id)
        .bind(shop_id)
        .execute(db)
        .await?;
    Ok(())
}
