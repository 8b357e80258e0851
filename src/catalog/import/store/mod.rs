//! SQL for staged catalogue imports (`catalog_imports`, `catalog_import_rows`): staging,
//! the paged preview, the batches' bookkeeping, and the reads the file is checked against.
//! Every function is one short statement; the batching lives in `apply`.

pub mod bulk;

use sqlx::{AnyConnection, AnyExecutor, FromRow};

use crate::db::{now_ms, placeholders};

/// Where an import stands; decoded here so nothing compares status strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    /// Parsed, checked and previewed; waiting for the merchant's confirmation.
    Staged,
    /// Confirmed; batches are being written.
    Applying,
    /// Refused while applying; the products it wrote are being deleted, a batch at a time.
    RollingBack,
    Done,
    /// Refused while applying; what it had written was removed again.
    Failed,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Staged => "staged",
            ImportStatus::Applying => "applying",
            ImportStatus::RollingBack => "rolling_back",
            ImportStatus::Done => "done",
            ImportStatus::Failed => "failed",
        }
    }
}

/// A status the database holds that this code does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown import status {0:?}")]
pub struct UnknownStatus(String);

impl TryFrom<String> for ImportStatus {
    type Error = UnknownStatus;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Ok(match s.as_str() {
            "staged" => ImportStatus::Staged,
            "applying" => ImportStatus::Applying,
            "rolling_back" => ImportStatus::RollingBack,
            "done" => ImportStatus::Done,
            "failed" => ImportStatus::Failed,
            _ => return Err(UnknownStatus(s)),
        })
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct Import {
    pub id: i64,
    pub shop_id: i64,
    pub token: String,
    pub user_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: ImportStatus,
    pub products: i64,
    pub variant_rows: i64,
    pub applied: i64,
    /// The batch counter a worker claims before each batch (see the migration).
    pub batches: i64,
    pub error: Option<String>,
}

const IMPORT_COLUMNS: &str =
    "id, shop_id, token, user_id, status, products, variant_rows, applied, batches, error";

/// One staged product: its place in the file and the product as JSON (`StagedProduct`).
#[derive(Debug, Clone, FromRow)]
pub struct StagedRow {
    pub position: i64,
    pub row_number: i64,
    pub product: String,
    /// The product a batch created from this row; `None` until then.
    pub product_id: Option<i64>,
}

pub async fn create(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    user_id: i64,
    token: &str,
    products: i64,
    variant_rows: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO catalog_imports (shop_id, token, user_id, status, products, variant_rows, \
         created_at) VALUES ($1, $2, $3, 'staged', $4, $5, $6) RETURNING id",
    )
    .bind(shop_id)
    .bind(token)
    .bind(user_id)
    .bind(products)
    .bind(variant_rows)
    .bind(now_ms())
    .fetch_one(db)
    .await
}

/// One multi-row INSERT of staged products (a few hundred at a time: a short write).
pub async fn stage(
    db: impl AnyExecutor<'_>,
    import_id: i64,
    rows: &[StagedRow],
) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO catalog_import_rows (import_id, position, row_number, product) VALUES {}",
        placeholders(rows.len(), 4)
    );
    let mut query = sqlx::query(&sql);
    for r in rows {
        query = query
            .bind(import_id)
            .bind(r.position)
            .bind(r.row_number)
            .bind(&r.product);
    }
    query.execute(db).await?;
    Ok(())
}

pub async fn by_token(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    token: &str,
) -> sqlx::Result<Option<Import>> {
    sqlx::query_as(&format!(
        "SELECT {IMPORT_COLUMNS} FROM catalog_imports WHERE token = $1 AND shop_id = $2"
    ))
    .bind(token)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

pub async fn by_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<Import>> {
    sqlx::query_as(&format!(
        "SELECT {IMPORT_COLUMNS} FROM catalog_imports WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Imports a stopped process left half applied or half rolled back; resumed on start.
pub async fn unfinished(db: impl AnyExecutor<'_>) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM catalog_imports WHERE status IN ('applying', 'rolling_back') ORDER BY id",
    )
    .fetch_all(db)
    .await
}

/// Staged → applying, once: a second confirmation (double click, second tab) changes nothing.
pub async fn start(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "UPDATE catalog_imports SET status = 'applying' WHERE id = $1 AND status = 'staged'",
    )
    .bind(id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// The first statement of every batch: move the counter on from what this worker last
/// saw. `false`: another worker moved it (or the import left `status`), so this one stops.
pub async fn claim_batch(
    conn: &mut AnyConnection,
    id: i64,
    seen: i64,
    status: ImportStatus,
) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "UPDATE catalog_imports SET batches = batches + 1 WHERE id = $1 AND batches = $2 \
         AND status = $3",
    )
    .bind(id)
    .bind(seen)
    .bind(status.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Applying → rolling back (inside a claimed batch), with the merchant's reason.
pub async fn begin_rollback(conn: &mut AnyConnection, id: i64, error: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE catalog_imports SET status = 'rolling_back', error = $1 WHERE id = $2")
        .bind(error)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The final marker (`done`) or the end of a rollback (`failed`).
pub async fn finish(conn: &mut AnyConnection, id: i64, status: ImportStatus) -> sqlx::Result<()> {
    sqlx::query("UPDATE catalog_imports SET status = $1, finished_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A page of the preview, in file order.
pub async fn page(
    db: impl AnyExecutor<'_>,
    import_id: i64,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<StagedRow>> {
    sqlx::query_as(
        "SELECT position, row_number, product, product_id FROM catalog_import_rows WHERE import_id = $1 \
         ORDER BY position LIMIT $2 OFFSET $3",
    )
    .bind(import_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

/// The next products no batch has written yet, after position `after` (the worker's
/// cursor: without it each batch would step over every applied row again).
pub async fn unapplied(
    db: impl AnyExecutor<'_>,
    import_id: i64,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<StagedRow>> {
    sqlx::query_as(
        "SELECT position, row_number, product, product_id FROM catalog_import_rows \
         WHERE import_id = $1 AND position > $2 AND product_id IS NULL ORDER BY position LIMIT $3",
    )
    .bind(import_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Inside the same batch: count its `n` products for the progress page.
pub async fn count_applied(conn: &mut AnyConnection, import_id: i64, n: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE catalog_imports SET applied = applied + $1 WHERE id = $2")
        .bind(n)
        .bind(import_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Products this import created after `after` (a position), in file order: for the
/// rollback and for queueing the Stripe sync once the import is complete.
pub async fn created_products(
    db: impl AnyExecutor<'_>,
    import_id: i64,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<StagedRow>> {
    sqlx::query_as(
        "SELECT position, row_number, product, product_id FROM catalog_import_rows \
         WHERE import_id = $1 AND product_id IS NOT NULL AND position > $2 \
         ORDER BY position LIMIT $3",
    )
    .bind(import_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Rollback of one product the import created: the product (its variants, ledger rows and
/// images go with it by `ON DELETE CASCADE`), and its staged row forgets it.
pub async fn remove_created(
    conn: &mut AnyConnection,
    shop_id: i64,
    import_id: i64,
    product_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM products WHERE id = $1 AND shop_id = $2")
        .bind(product_id)
        .bind(shop_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE catalog_import_rows SET product_id = NULL WHERE import_id = $1 AND product_id = $2",
    )
    .bind(import_id)
    .bind(product_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE catalog_imports SET applied = applied - 1 WHERE id = $1")
        .bind(import_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Delete up to `limit` staged rows of a finished or abandoned import; returns how many.
/// Called in a loop so a 100,000-row import is cleared in short writes, not one.
pub async fn clear_rows(db: impl AnyExecutor<'_>, import_id: i64, limit: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM catalog_import_rows WHERE import_id = $1 AND position IN \
         (SELECT position FROM catalog_import_rows WHERE import_id = $1 ORDER BY position LIMIT $2)",
    )
    .bind(import_id)
    .bind(limit)
    .execute(db)
    .await?
    .rows_affected())
}

/// The shop's earlier previews that were never confirmed (a new upload replaces them).
pub async fn abandoned(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM catalog_imports WHERE shop_id = $1 AND status = 'staged' ORDER BY id",
    )
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// Forget an import whose rows are cleared.
pub async fn delete(db: impl AnyExecutor<'_>, import_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM catalog_imports WHERE id = $1")
        .bind(import_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Every slug the shop uses: a file is checked against them in memory, not one query per row.
pub async fn slugs(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT slug FROM products WHERE shop_id = $1")
        .bind(shop_id)
        .fetch_all(db)
        .await
}

/// Every SKU the shop uses, on products and variants (a removed variant's SKU is NULL).
pub async fn skus(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT sku FROM products WHERE shop_id = $1 AND sku IS NOT NULL \
         UNION SELECT sku FROM variants WHERE shop_id = $1 AND sku IS NOT NULL",
    )
    .bind(shop_id)
    .fetch_all(db)
    .await
}
