//! The API tokens' rows (`api_tokens`): created by the owner, listed on the settings
//! page, revoked, found by hash for each API request, and touched when used.

use sqlx::AnyPool;

use crate::auth::tokens::hash_token;
use crate::db::now_ms;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn create(
    db: &AnyPool,
    shop_id: i64,
    name: &str,
    token: &str,
    user_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (shop_id, name, token_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(shop_id)
    .bind(name)
    .bind(hash_token(token))
    .bind(user_id)
    .bind(now_ms())
    .fetch_one(db)
    .await
}

/// The shop's tokens, active ones first, newest first.
pub async fn list(db: &AnyPool, shop_id: i64) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(
        "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE shop_id = $1 \
         ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id DESC",
    )
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// Revoke one of the shop's tokens; `false` if the shop has no such token. Revoking twice
/// keeps the first time.
pub async fn revoke(db: &AnyPool, shop_id: i64, id: i64) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE shop_id = $2 AND id = $3 \
         RETURNING id",
    )
    .bind(now_ms())
    .bind(shop_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// A token as the API request's check needs it.
#[derive(sqlx::FromRow)]
pub struct Found {
    pub id: i64,
    pub shop_id: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// The token with this SHA-256, revoked or not.
pub async fn by_hash(db: &AnyPool, token_hash: &str) -> sqlx::Result<Option<Found>> {
    sqlx::query_as(
        "SELECT id, shop_id, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// Record that the token was used at `now`.
pub async fn touch(db: &AnyPool, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
