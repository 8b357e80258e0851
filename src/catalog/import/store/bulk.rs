//! The multi-row writes of one import batch: a few statements for hundreds of products,
//! so a batch holds the database for milliseconds on either backend instead of the
//! thousands of round trips a product-by-product write costs (seconds on a busy
//! PostgreSQL). The rows are planned in memory by `import::bulk`.

use sqlx::{AnyConnection, FromRow, Row};

use crate::catalog::store::ProductInput;
use crate::db::{now_ms, placeholders};

/// A product to insert, with the dashboard search text computed like `store::reindex`.
pub struct NewProduct<'a> {
    pub input: &'a ProductInput,
    pub search_text: String,
}

/// One multi-row INSERT; returns (id, slug), which the caller matches up by slug (unique
/// per shop): SQLite does not promise RETURNING rows in VALUES order.
pub async fn insert_products(
    conn: &mut AnyConnection,
    shop_id: i64,
    products: &[NewProduct<'_>],
) -> sqlx::Result<Vec<(i64, String)>> {
    let now = now_ms();
    let sql = format!(
        "INSERT INTO products (shop_id, slug, title, description, price, compare_at_price, \
         currency, sku, status, tags, options, search_text, created_at, updated_at) VALUES {} \
         RETURNING id, slug",
        placeholders(products.len(), 14)
    );
    let mut query = sqlx::query(&sql);
    for p in products {
        let i = p.input;
        query = query
            .bind(shop_id)
            .bind(&i.slug)
            .bind(&i.title)
            .bind(&i.description)
            .bind(i.price)
            .bind(i.compare_at_price)
            .bind(&i.currency)
            .bind(i.sku.as_deref())
            .bind(i.status.as_str())
            .bind(i.tags.join(", "))
            .bind(serde_json::to_string(&i.options).unwrap_or_else(|_| "[]".into()))
            .bind(&p.search_text)
            .bind(now)
            .bind(now);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// A variant to insert with its starting stock (the ledger row comes from [`insert_ledger`]).
pub struct NewVariant {
    pub product_id: i64,
    pub position: i64,
    pub title: String,
    pub sku: Option<String>,
    pub price_override: Option<i64>,
    pub unlimited: bool,
    pub stock: i64,
}

#[derive(Debug, FromRow)]
pub struct InsertedVariant {
    pub id: i64,
    pub product_id: i64,
    pub title: String,
}

pub async fn insert_variants(
    conn: &mut AnyConnection,
    shop_id: i64,
    variants: &[NewVariant],
) -> sqlx::Result<Vec<InsertedVariant>> {
    let now = now_ms();
    let sql = format!(
        "INSERT INTO variants (product_id, shop_id, position, title, sku, price_override, \
         unlimited, stock, created_at, updated_at) VALUES {} RETURNING id, product_id, title",
        placeholders(variants.len(), 10)
    );
    let mut query = sqlx::query_as(&sql);
    for v in variants {
        query = query
            .bind(v.product_id)
            .bind(shop_id)
            .bind(v.position)
            .bind(&v.title)
            .bind(v.sku.as_deref())
            .bind(v.price_override)
            .bind(v.unlimited)
            .bind(v.stock)
            .bind(now)
            .bind(now);
    }
    query.fetch_all(&mut *conn).await
}

/// The `import` ledger row of each new variant's starting stock: (product, variant, units).
/// The variants are new and were inserted holding exactly these units, so this is the
/// same pair of facts `inventory::record` writes (stock and ledger agree), in one statement.
pub async fn insert_ledger(
    conn: &mut AnyConnection,
    shop_id: i64,
    user_id: Option<i64>,
    stock: &[(i64, i64, i64)],
) -> sqlx::Result<()> {
    if stock.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let sql = format!(
        "INSERT INTO inventory_ledger (shop_id, product_id, variant_id, delta, stock_after, \
         reason, user_id, created_at) VALUES {}",
        placeholders(stock.len(), 8)
    );
    let mut query = sqlx::query(&sql);
    for (product_id, variant_id, units) in stock {
        query = query
            .bind(shop_id)
            .bind(*product_id)
            .bind(*variant_id)
            .bind(*units)
            .bind(*units)
            .bind("import")
            .bind(user_id)
            .bind(now);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Which of `skus` the shop already uses (derived variant SKUs are dropped when taken).
pub async fn taken_skus(
    conn: &mut AnyConnection,
    shop_id: i64,
    skus: &[String],
) -> sqlx::Result<Vec<String>> {
    if skus.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (0..skus.len()).map(|i| format!("${}", i + 2)).collect();
    let list = list.join(", ");
    let sql = format!(
        "SELECT sku FROM products WHERE shop_id = $1 AND sku IN ({list}) \
         UNION SELECT sku FROM variants WHERE shop_id = $1 AND sku IN ({list})"
    );
    let mut query = sqlx::query_scalar(&sql).bind(shop_id);
    for sku in skus {
        query = query.bind(sku);
    }
    query.fetch_all(&mut *conn).await
}

/// Mark the batch's staged rows applied in one UPDATE: (position, product id).
pub async fn mark_applied(
    conn: &mut AnyConnection,
    import_id: i64,
    applied: &[(i64, i64)],
) -> sqlx::Result<()> {
    let mut cases = String::new();
    let mut positions = Vec::new();
    for i in 0..applied.len() {
        cases.push_str(&format!(" WHEN ${} THEN ${}", 2 * i + 2, 2 * i + 3));
        positions.push(format!("${}", 2 * i + 2));
    }
    let sql = format!(
        "UPDATE catalog_import_rows SET product_id = CASE position{cases} END \
         WHERE import_id = $1 AND position IN ({})",
        positions.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(import_id);
    for (position, product_id) in applied {
        query = query.bind(*position).bind(*product_id);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}
