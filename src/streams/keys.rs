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
            status: s.status,
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
    store::keys::revoke(&mut **tx, shop_id, stream_id, now).await?;
    let key = tokens::random_token();
    store::keys::insert(
        &mut **tx,
        shop_id,
        stream_id,
        &tokens::hash_token(&key),
        by,
        now,
    )
    .await?;
    Ok(key)
}

// The shop key's reads and revocation are plain SQL, in the store.
pub use super::store::keys::{revoke_shop_key, shop_key_created, stream_key_created};

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
    let hashes = store::keys::valid_hashes(db, stream.shop_id, stream.id).await?;
    let presented = tokens::hash_token(presented.trim());
    let mut matched = subtle::Choice::from(0u8);
    for hash in &hashes {
        matched |= hash.as_bytes().ct_eq(presented.as_bytes());
    }
    Ok(bool::from(matched).then(|| StreamRef::from(&stream)))
}
