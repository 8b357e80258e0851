//! SQL for the origins allowed to frame a shop's player (the embed page's CSP).

use sqlx::{AnyExecutor, FromRow};

use crate::db::{OnConstraint, now_ms};

/// One origin on the shop's list.
#[derive(Debug, Clone, FromRow)]
pub struct EmbedOrigin {
    pub id: i64,
    /// `https://shop.example`: scheme, host and port, as `domain::origin` accepts it.
    pub origin: String,
}

/// The origins allowed to frame this shop's player, alphabetically.
pub async fn origins(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Vec<EmbedOrigin>> {
    sqlx::query_as("SELECT id, origin FROM embed_origins WHERE shop_id = $1 ORDER BY origin")
        .bind(shop_id)
        .fetch_all(db)
        .await
}

/// Add an origin; false when the shop already lists it.
pub async fn add(db: impl AnyExecutor<'_>, shop_id: i64, origin: &str) -> sqlx::Result<bool> {
    let added =
        sqlx::query("INSERT INTO embed_origins (shop_id, origin, created_at) VALUES ($1, $2, $3)")
            .bind(shop_id)
            .bind(origin)
            .bind(now_ms())
            .execute(db)
            .await
            // The key is (shop_id, origin): both backends name it after its first column.
            .on_unique("embed_origins", "shop_id")?;
    Ok(added.is_some())
}

/// Remove an origin of this shop; false when there is no such origin here.
pub async fn remove(db: impl AnyExecutor<'_>, shop_id: i64, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM embed_origins WHERE id = $1 AND shop_id = $2")
        .bind(id)
        .bind(shop_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
