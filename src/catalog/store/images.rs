//! Product image rows: position, alt text and the two files of each upload. The files
//! themselves, and the pipeline that makes them, are `catalog::images`.

use sqlx::{AnyExecutor, FromRow};

use crate::catalog::images::url;
use crate::db::now_ms;

#[derive(Debug, Clone, FromRow)]
pub struct Image {
    pub id: i64,
    pub product_id: i64,
    pub position: i64,
    pub alt: String,
    pub thumb_file: String,
    pub display_file: String,
    pub width: i64,
    pub height: i64,
}

impl Image {
    pub fn thumb_url(&self) -> String {
        url(&self.thumb_file)
    }
    pub fn display_url(&self) -> String {
        url(&self.display_file)
    }
}

/// The two files of a deleted image row; other rows (of any shop) may still use them.
#[derive(Debug, Clone, FromRow)]
pub struct ImageFiles {
    pub thumb_file: String,
    pub display_file: String,
}

const COLUMNS: &str = "id, product_id, position, alt, thumb_file, display_file, width, height";

pub async fn list(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    product_id: i64,
) -> sqlx::Result<Vec<Image>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM product_images WHERE product_id = $1 AND shop_id = $2 ORDER BY position, id"
    ))
    .bind(product_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}

pub async fn count(db: impl AnyExecutor<'_>, shop_id: i64, product_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM product_images WHERE product_id = $1 AND shop_id = $2")
        .bind(product_id)
        .bind(shop_id)
        .fetch_one(db)
        .await
}

/// Add an image after the product's last one.
pub async fn insert(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    product_id: i64,
    alt: &str,
    thumb_file: &str,
    display_file: &str,
    size: (u32, u32),
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO product_images (product_id, shop_id, position, alt, thumb_file, display_file, \
         width, height, created_at) VALUES ($1, $2, \
         (SELECT COALESCE(MAX(position), 0) + 1 FROM product_images WHERE product_id = $1), \
         $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(product_id)
    .bind(shop_id)
    .bind(alt)
    .bind(thumb_file)
    .bind(display_file)
    .bind(i64::from(size.0))
    .bind(i64::from(size.1))
    .bind(now_ms())
    .fetch_one(db)
    .await
}

pub async fn set_alt(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    product_id: i64,
    id: i64,
    alt: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE product_images SET alt = $1 WHERE id = $2 AND product_id = $3 AND shop_id = $4",
    )
    .bind(alt)
    .bind(id)
    .bind(product_id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_position(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    product_id: i64,
    id: i64,
    position: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE product_images SET position = $1 WHERE id = $2 AND product_id = $3 AND shop_id = $4",
    )
    .bind(position)
    .bind(id)
    .bind(product_id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Delete the row; returns its files so the caller can remove the ones no row uses.
pub async fn delete(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    product_id: i64,
    id: i64,
) -> sqlx::Result<Option<ImageFiles>> {
    sqlx::query_as(
        "DELETE FROM product_images WHERE id = $1 AND product_id = $2 AND shop_id = $3 \
         RETURNING thumb_file, display_file",
    )
    .bind(id)
    .bind(product_id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// Whether any image row (of any shop: identical uploads share a file) uses `file`.
pub async fn file_in_use(db: impl AnyExecutor<'_>, file: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM product_images WHERE thumb_file = $1 OR display_file = $1",
    )
    .bind(file)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}
