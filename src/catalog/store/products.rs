//! Products: the row, the form's and the import's input, lookups by id and slug, the
//! slug and SKU checks, and the search text. Every query names the shop: a product id
//! from another shop finds nothing.

use sqlx::{AnyExecutor, FromRow};

use crate::catalog::domain::{ProductOption, Status, SyncState};
use crate::db::now_ms;

#[derive(Debug, Clone, FromRow)]
pub struct Product {
    pub id: i64,
    pub shop_id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub currency: String,
    pub sku: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub tags: String,
    /// JSON list of `ProductOption`; read it with `Product::options()`.
    pub options: String,
    pub stripe_product_id: Option<String>,
    #[sqlx(try_from = "String")]
    pub sync_state: SyncState,
    pub sync_error: Option<String>,
    pub sync_attempts: i64,
    pub sync_next_at: Option<i64>,
    pub synced_at: Option<i64>,
    pub revision: i64,
    pub synced_revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Product {
    pub fn status(&self) -> Status {
        self.status
    }
    pub fn is_archived(&self) -> bool {
        self.status == Status::Archived
    }
    pub fn options(&self) -> Vec<ProductOption> {
        serde_json::from_str(&self.options).unwrap_or_default()
    }
    pub fn tag_list(&self) -> Vec<&str> {
        self.tags.split(", ").filter(|t| !t.is_empty()).collect()
    }
}

const PRODUCT_COLUMNS: &str = "id, shop_id, slug, title, description, price, compare_at_price, \
     currency, sku, status, tags, options, stripe_product_id, sync_state, sync_error, \
     sync_attempts, sync_next_at, synced_at, revision, synced_revision, created_at, updated_at";

/// A validated product, as the form and the CSV import produce it.
#[derive(Debug, Clone)]
pub struct ProductInput {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub currency: String,
    pub sku: Option<String>,
    pub status: Status,
    pub tags: Vec<String>,
    pub options: Vec<ProductOption>,
}

impl ProductInput {
    fn options_json(&self) -> String {
        serde_json::to_string(&self.options).unwrap_or_else(|_| "[]".into())
    }
}

pub async fn insert_product(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    p: &ProductInput,
) -> sqlx::Result<i64> {
    let now = now_ms();
    sqlx::query_scalar(
        "INSERT INTO products (shop_id, slug, title, description, price, compare_at_price, \
         currency, sku, status, tags, options, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(shop_id)
    .bind(&p.slug)
    .bind(&p.title)
    .bind(&p.description)
    .bind(p.price)
    .bind(p.compare_at_price)
    .bind(&p.currency)
    .bind(p.sku.as_deref())
    .bind(p.status.as_str())
    .bind(p.tags.join(", "))
    .bind(p.options_json())
    .bind(now)
    .fetch_one(db)
    .await
}

/// Save the product's own fields; bumps `revision` so a running Stripe sync notices.
pub async fn update_product(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
    p: &ProductInput,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE products SET slug = $1, title = $2, description = $3, price = $4, \
         compare_at_price = $5, currency = $6, sku = $7, status = $8, tags = $9, options = $10, \
         revision = revision + 1, updated_at = $11 WHERE id = $12 AND shop_id = $13",
    )
    .bind(&p.slug)
    .bind(&p.title)
    .bind(&p.description)
    .bind(p.price)
    .bind(p.compare_at_price)
    .bind(&p.currency)
    .bind(p.sku.as_deref())
    .bind(p.status.as_str())
    .bind(p.tags.join(", "))
    .bind(p.options_json())
    .bind(now_ms())
    .bind(id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_status(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
    status: Status,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE products SET status = $1, revision = revision + 1, updated_at = $2 \
         WHERE id = $3 AND shop_id = $4",
    )
    .bind(status.as_str())
    .bind(now_ms())
    .bind(id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn product(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
) -> sqlx::Result<Option<Product>> {
    sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1 AND shop_id = $2"
    ))
    .bind(id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

pub async fn product_by_slug(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    slug: &str,
) -> sqlx::Result<Option<Product>> {
    sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE slug = $1 AND shop_id = $2"
    ))
    .bind(slug)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// Every product of the shop, oldest first (for the CSV export).
pub async fn all_products(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Vec<Product>> {
    sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE shop_id = $1 ORDER BY id"
    ))
    .bind(shop_id)
    .fetch_all(db)
    .await
}

pub async fn product_count(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM products WHERE shop_id = $1")
        .bind(shop_id)
        .fetch_one(db)
        .await
}

pub async fn slug_taken(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    slug: &str,
    except_product: i64,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM products WHERE shop_id = $1 AND slug = $2 AND id <> $3",
    )
    .bind(shop_id)
    .bind(slug)
    .bind(except_product)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// The first free slug among `base`, `base-2`, `base-3`, … (one query).
pub async fn free_slug(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    base: &str,
    except_product: i64,
) -> sqlx::Result<String> {
    let taken: Vec<String> = sqlx::query_scalar(
        "SELECT slug FROM products WHERE shop_id = $1 AND id <> $2 AND (slug = $3 OR slug LIKE $4)",
    )
    .bind(shop_id)
    .bind(except_product)
    .bind(base)
    .bind(format!("{base}-%"))
    .fetch_all(db)
    .await?;
    if !taken.iter().any(|s| s == base) {
        return Ok(base.to_string());
    }
    let next = (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| format!("{base}-x"));
    Ok(next)
}

/// Whether another product of the shop uses `sku`, as its own or a live variant's.
pub async fn sku_taken(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    sku: &str,
    except_product: i64,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM products WHERE shop_id = $1 AND sku = $2 AND id <> $3) \
              + (SELECT COUNT(*) FROM variants WHERE shop_id = $1 AND sku = $2 AND product_id <> $3)",
    )
    .bind(shop_id)
    .bind(sku)
    .bind(except_product)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// Recompute the text the dashboard search looks in: title, SKUs and tags.
pub async fn reindex(
    conn: &mut sqlx::AnyConnection,
    shop_id: i64,
    product_id: i64,
) -> sqlx::Result<()> {
    let Some(p) = product(&mut *conn, shop_id, product_id).await? else {
        return Ok(());
    };
    let skus: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT sku FROM variants WHERE product_id = $1 AND shop_id = $2 AND removed_at IS NULL",
    )
    .bind(product_id)
    .bind(shop_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut parts = vec![p.title.clone(), p.tags.clone()];
    parts.extend(p.sku.clone());
    parts.extend(skus.into_iter().flatten());
    let text = parts.join(" | ").to_lowercase();
    sqlx::query("UPDATE products SET search_text = $1 WHERE id = $2 AND shop_id = $3")
        .bind(text)
        .bind(product_id)
        .bind(shop_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A change to the product's variants: the list's "recently updated" order
/// moves it up, and `revision` tells a running Stripe sync that it pushed a stale copy.
pub async fn bump_revision(db: impl AnyExecutor<'_>, shop_id: i64, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE products SET revision = revision + 1, updated_at = $1 \
         WHERE id = $2 AND shop_id = $3",
    )
    .bind(now_ms())
    .bind(id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An image changed: a change to the product's card, so the list order moves, but
/// Stripe does not carry our images and needs no new revision.
pub async fn touch(db: impl AnyExecutor<'_>, shop_id: i64, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE products SET updated_at = $1 WHERE id = $2 AND shop_id = $3")
        .bind(now_ms())
        .bind(id)
        .bind(shop_id)
        .execute(db)
        .await?;
    Ok(())
}
