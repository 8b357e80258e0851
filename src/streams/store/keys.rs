//! SQL for stream keys: hashes only (the key itself is shown once and never stored).
//! A key row with no `stream_id` is the shop's persistent key.

use sqlx::AnyExecutor;

use crate::db::now_ms;

/// Revoke the live key of one stream, or (None) the shop's persistent key.
pub async fn revoke(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: Option<i64>,
    at: i64,
) -> sqlx::Result<()> {
    let revoke = match stream_id {
        Some(id) => sqlx::query(
            "UPDATE stream_keys SET revoked_at = $1 \
             WHERE shop_id = $2 AND stream_id = $3 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(shop_id)
        .bind(id),
        None => sqlx::query(
            "UPDATE stream_keys SET revoked_at = $1 \
             WHERE shop_id = $2 AND stream_id IS NULL AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(shop_id),
    };
    revoke.execute(db).await?;
    Ok(())
}

/// Store a new key's hash.
pub async fn insert(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: Option<i64>,
    key_hash: &str,
    by: Option<i64>,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO stream_keys (shop_id, stream_id, key_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(key_hash)
    .bind(by)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Revoke the shop's persistent key without a replacement.
pub async fn revoke_shop_key(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<()> {
    revoke(db, shop_id, None, now_ms()).await
}

/// When the shop's persistent key was created, if it has one.
pub async fn shop_key_created(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MAX(created_at) FROM stream_keys \
         WHERE shop_id = $1 AND stream_id IS NULL AND revoked_at IS NULL",
    )
    .bind(shop_id)
    .fetch_one(db)
    .await
}

/// When the stream's current key was created (None: no key, e.g. revoked by hand).
pub async fn stream_key_created(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MAX(created_at) FROM stream_keys \
         WHERE shop_id = $1 AND stream_id = $2 AND revoked_at IS NULL",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_one(db)
    .await
}

/// The hashes of every key that opens this stream: its own and its shop's persistent one.
pub async fn valid_hashes(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT key_hash FROM stream_keys WHERE shop_id = $1 AND revoked_at IS NULL \
         AND (stream_id = $2 OR stream_id IS NULL)",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await
}
