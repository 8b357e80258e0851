//! The Stripe sync's bookkeeping on `products` and `variants`: queueing, the lease a
//! worker takes on a due product, the outcome of a push, and the Stripe ids as they
//! arrive. The worker that drives it is `catalog::sync`.

use sqlx::{AnyConnection, AnyExecutor, AnyPool, FromRow};

use crate::catalog::domain::{Status, SyncState};
use crate::db::now_ms;

/// Queue the product for Stripe if the shop has a key and Stripe knows it or should.
pub async fn mark_pending(
    conn: &mut AnyConnection,
    shop_id: i64,
    product_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE products SET sync_state = $1, sync_error = NULL, sync_attempts = 0, \
         sync_next_at = $2 WHERE id = $3 AND shop_id = $4 \
         AND EXISTS (SELECT 1 FROM stripe_accounts s WHERE s.shop_id = $4) \
         AND (status = $5 OR stripe_product_id IS NOT NULL)",
    )
    .bind(SyncState::Pending.as_str())
    .bind(now_ms())
    .bind(product_id)
    .bind(shop_id)
    .bind(Status::Active.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Queue every product of the shop (a key was just saved).
pub async fn mark_all_pending(db: &AnyPool, shop_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE products SET sync_state = $1, sync_error = NULL, sync_attempts = 0, \
         revision = revision + 1, sync_next_at = $2 WHERE shop_id = $3 \
         AND (status = $4 OR stripe_product_id IS NOT NULL)",
    )
    .bind(SyncState::Pending.as_str())
    .bind(now_ms())
    .bind(shop_id)
    .bind(Status::Active.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// The key was removed: nothing is pending any more.
pub async fn clear_pending(db: &AnyPool, shop_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE products SET sync_state = $1, sync_error = NULL, sync_attempts = 0, \
         sync_next_at = NULL WHERE shop_id = $2 AND sync_state IN ($3, $4)",
    )
    .bind(SyncState::None.as_str())
    .bind(shop_id)
    .bind(SyncState::Pending.as_str())
    .bind(SyncState::Failed.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// A product whose next attempt is due; `next_at` is what the lease compares against.
#[derive(Debug, Clone, FromRow)]
pub struct Due {
    pub id: i64,
    pub shop_id: i64,
    pub sync_next_at: i64,
}

/// Up to `limit` pending products due at `now`, the longest waiting first.
pub async fn due(db: impl AnyExecutor<'_>, now: i64, limit: i64) -> sqlx::Result<Vec<Due>> {
    sqlx::query_as(
        "SELECT id, shop_id, sync_next_at FROM products WHERE sync_state = $1 \
         AND sync_next_at <= $2 ORDER BY sync_next_at LIMIT $3",
    )
    .bind(SyncState::Pending.as_str())
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Take the product until `until`; false when another worker (or an edit) moved its
/// `sync_next_at` first, so two servers never push the same product at once.
pub async fn claim(db: impl AnyExecutor<'_>, due: &Due, until: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE products SET sync_next_at = $1 WHERE id = $2 AND sync_state = $3 \
         AND sync_next_at = $4",
    )
    .bind(until)
    .bind(due.id)
    .bind(SyncState::Pending.as_str())
    .bind(due.sync_next_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// When the earliest pending product is due, if any is.
pub async fn next_due(db: impl AnyExecutor<'_>) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MIN(sync_next_at) FROM products WHERE sync_state = $1")
        .bind(SyncState::Pending.as_str())
        .fetch_one(db)
        .await
}

/// Stripe has `revision`: synced, unless an edit arrived meanwhile (then due again now).
pub async fn record_synced(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
    revision: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE products SET synced_revision = $1, sync_error = NULL, sync_attempts = 0, \
         synced_at = $2, sync_state = CASE WHEN revision = $1 THEN $3 ELSE $4 END, \
         sync_next_at = CASE WHEN revision = $1 THEN NULL ELSE $2 END \
         WHERE id = $5 AND shop_id = $6",
    )
    .bind(revision)
    .bind(now)
    .bind(SyncState::Synced.as_str())
    .bind(SyncState::Pending.as_str())
    .bind(id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

/// A failed push: its message and count, and the next attempt (`None`: given up,
/// shown as failed). Only a still-pending product is touched, so a key removed
/// meanwhile stays removed.
pub async fn record_failure(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
    message: &str,
    attempts: i64,
    next_at: Option<i64>,
) -> sqlx::Result<()> {
    let state = match next_at {
        Some(_) => SyncState::Pending,
        None => SyncState::Failed,
    };
    sqlx::query(
        "UPDATE products SET sync_state = $1, sync_error = $2, sync_attempts = $3, \
         sync_next_at = $4 WHERE id = $5 AND shop_id = $6 AND sync_state = $7",
    )
    .bind(state.as_str())
    .bind(message)
    .bind(attempts)
    .bind(next_at)
    .bind(id)
    .bind(shop_id)
    .bind(SyncState::Pending.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// A new revision so the next push uses fresh idempotency keys (the retry button).
pub async fn new_revision(db: impl AnyExecutor<'_>, shop_id: i64, id: i64) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE products SET revision = revision + 1 WHERE id = $1 AND shop_id = $2")
            .bind(id)
            .bind(shop_id)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Recorded as soon as Stripe answers, so a later failure never creates it twice.
pub async fn set_stripe_product(
    db: impl AnyExecutor<'_>,
    id: i64,
    stripe_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE products SET stripe_product_id = $1 WHERE id = $2")
        .bind(stripe_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The variant's current Stripe price, with the amount and currency it was made for:
/// a price change shows as a mismatch and gets a new Stripe price.
pub async fn set_stripe_price(
    db: impl AnyExecutor<'_>,
    variant_id: i64,
    price_id: &str,
    price: &crate::money::Money,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE variants SET stripe_price_id = $1, stripe_price_amount = $2, \
         stripe_price_currency = $3 WHERE id = $4",
    )
    .bind(price_id)
    .bind(price.minor)
    .bind(&price.currency)
    .bind(variant_id)
    .execute(db)
    .await?;
    Ok(())
}

/// A Stripe price still active for a variant an option edit removed.
#[derive(Debug, Clone, FromRow)]
pub struct RemovedPrice {
    pub variant_id: i64,
    pub stripe_price_id: String,
}

pub async fn removed_prices(
    db: impl AnyExecutor<'_>,
    product_id: i64,
) -> sqlx::Result<Vec<RemovedPrice>> {
    sqlx::query_as(
        "SELECT id AS variant_id, stripe_price_id FROM variants WHERE product_id = $1 \
         AND removed_at IS NOT NULL AND stripe_price_id IS NOT NULL",
    )
    .bind(product_id)
    .fetch_all(db)
    .await
}

/// The removed variant's price is switched off at Stripe: forget it, once.
pub async fn forget_stripe_price(db: impl AnyExecutor<'_>, variant_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE variants SET stripe_price_id = NULL WHERE id = $1")
        .bind(variant_id)
        .execute(db)
        .await?;
    Ok(())
}
