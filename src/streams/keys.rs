//! Stream keys: the WHIP bearer token a broadcaster presents. 256 random bits, shown
//! once, stored as a SHA-256 hash, rotatable, compared in constant time. A shop may
//! also keep one persistent key that works for any of its streams.

use subtle::ConstantTimeEq;

use super::store;
use crate::auth::tokens;
use crate::db::now_ms;

/// What the media layer learns about the stream a valid key opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRef {
    pub id: i64,
    pub shop_id: i64,
    pub public_id: String,
    pub slug: String,
    pub status: super::Status,
}

impl From<&store::Stream> for StreamRef {
    fn from(s: &store::Stream) -> Self {
        StreamRef {
            id: s.id,
            shop_id: s.shop_id,
            public_id: s.public_id.clone(),
            slug: s.slug.clone(),
            status: s.status(),
        }
    }
}

/// Revoke the stream's current key and create a new one; returns the key, to show once.
/// `stream_id` None rotates the shop's persistent key.
pub async fn rotate(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    shop_id: i64,
    stream_id: Option<i64>,
    by: Option<i64>,
) -> sqlx::Result<String> {
    let now = now_ms();
    let revoke = match stream_id {
        Some(id) => sqlx::query(
            "UPDATE stream_keys SET revoked_at = $1 \
             WHERE shop_id = $2 AND stream_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(shop_id)
        .bind(id),
        None => sqlx::query(
            "UPDATE stream_keys SET revoked_at = $1 \
             WHERE shop_id = $2 AND stream_id IS NULL AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(shop_id),
    };
    revoke.execute(&mut **tx).await?;
    let key = tokens::random_token();
    sqlx::query(
        "INSERT INTO stream_keys (shop_id, stream_id, key_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(tokens::hash_token(&key))
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(key)
}

/// Revoke the shop's persistent key without a replacement.
pub async fn revoke_shop_key(db: impl sqlx::AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE stream_keys SET revoked_at = $1 \
         WHERE shop_id = $2 AND stream_id IS NULL AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

/// When the shop's persistent key was created, if it has one.
pub async fn shop_key_created(
    db: impl sqlx::AnyExecutor<'_>,
    shop_id: i64,
) -> sqlx::Result<Option<i64>> {
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
    db: impl sqlx::AnyExecutor<'_>,
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

/// The stream `public_id_or_id` names (its public id, or its numeric id) if `presented`
/// is its current key or its shop's persistent key. Every candidate hash is compared
/// in constant time, so the answer's timing says nothing about how close a guess was.
pub async fn verify_stream_key(
    db: &sqlx::AnyPool,
    public_id_or_id: &str,
    presented: &str,
) -> sqlx::Result<Option<StreamRef>> {
    let stream = match store::by_public_id(db, public_id_or_id).await? {
        Some(s) => Some(s),
        None => match public_id_or_id.parse::<i64>() {
            Ok(id) => store::by_internal_id(db, id).await?,
            Err(_) => None,
        },
    };
    let Some(stream) = stream else {
        return Ok(None);
    };
    let hashes: Vec<String> = sqlx::query_scalar(
        "SELECT key_hash FROM stream_keys WHERE shop_id = $1 AND revoked_at IS NULL \
         AND (stream_id = $2 OR stream_id IS NULL)",
    )
    .bind(stream.shop_id)
    .bind(stream.id)
    .fetch_all(db)
    .await?;
    let presented = tokens::hash_token(presented.trim());
    let mut matched = subtle::Choice::from(0u8);
    for hash in &hashes {
        matched |= hash.as_bytes().ct_eq(presented.as_bytes());
    }
    Ok(bool::from(matched).then(|| StreamRef::from(&stream)))
}
