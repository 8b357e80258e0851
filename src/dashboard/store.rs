//! What the getting-started list reads: three counts of what the shop has done. They
//! read the catalogue's and the streams' tables directly (one COUNT each) instead of
//! loading those features' rows only to count them.

use sqlx::AnyPool;

/// What the shop has done so far, for the getting-started list.
pub struct Progress {
    /// Products not archived.
    pub products: i64,
    /// Streams scheduled, whatever their state.
    pub streams: i64,
    /// Streams that went live at least once.
    pub went_live: i64,
}

pub async fn progress(db: &AnyPool, shop_id: i64) -> sqlx::Result<Progress> {
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(shop_id)
            .fetch_one(db)
            .await
    };
    Ok(Progress {
        products: count(
            "SELECT COUNT(*) FROM products WHERE shop_id = $1 AND status <> 'archived'",
        )
        .await?,
        streams: count("SELECT COUNT(*) FROM streams WHERE shop_id = $1").await?,
        went_live: count(
            "SELECT COUNT(*) FROM streams WHERE shop_id = $1 AND started_at IS NOT NULL",
        )
        .await?,
    })
}
