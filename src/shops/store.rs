//! SQL for shops: the row every page of a shop starts from, and its unique address.

use sqlx::{AnyExecutor, FromRow};

use crate::db::now_ms;
use crate::text::Slug;

#[derive(Debug, Clone, FromRow)]
pub struct Shop {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
    pub created_at: i64,
}

pub struct NewShop<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub currency: &'a str,
    pub time_zone: &'a str,
}

const COLUMNS: &str = "id, slug, name, currency, time_zone, created_at";

pub async fn insert(db: impl AnyExecutor<'_>, shop: &NewShop<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO shops (slug, name, currency, time_zone, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(shop.slug)
    .bind(shop.name)
    .bind(shop.currency)
    .bind(shop.time_zone)
    .bind(now_ms())
    .fetch_one(db)
    .await
}

pub async fn by_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<Shop>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM shops WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_slug(db: impl AnyExecutor<'_>, slug: &str) -> sqlx::Result<Option<Shop>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM shops WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(db)
        .await
}

pub async fn slug_taken(
    db: impl AnyExecutor<'_>,
    slug: &str,
    except_shop: i64,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM shops WHERE slug = $1 AND id <> $2")
        .bind(slug)
        .bind(except_shop)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

/// A free slug close to `base`: base, base-2, base-3, …
pub async fn free_slug(db: &sqlx::AnyPool, base: &str) -> sqlx::Result<String> {
    if !slug_taken(db, base, 0).await? {
        return Ok(base.to_string());
    }
    for n in 2..1000 {
        let candidate = format!("{base}-{n}");
        if !slug_taken(db, &candidate, 0).await? {
            return Ok(candidate);
        }
    }
    Ok(format!(
        "{base}-{}",
        &crate::auth::tokens::random_token()[..6].to_lowercase()
    ))
}

/// The Settings page's fields. The slug arrives parsed: a shop's address is never
/// stored without passing `shops::domain::SHOP_SLUG`.
pub async fn update(
    db: impl AnyExecutor<'_>,
    id: i64,
    name: &str,
    slug: &Slug,
    currency: &str,
    time_zone: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE shops SET name = $1, slug = $2, currency = $3, time_zone = $4 WHERE id = $5",
    )
    .bind(name)
    .bind(slug.as_str())
    .bind(currency)
    .bind(time_zone)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}
