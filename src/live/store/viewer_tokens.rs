//! Viewer passes: the hash of a token handed to a page, the viewer it names and the
//! display name that viewer chose (see migration 0010).

use sqlx::{AnyExecutor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct PassRow {
    pub viewer_id: String,
    pub name: Option<String>,
}

pub async fn insert(
    db: impl AnyExecutor<'_>,
    token_hash: &str,
    viewer_id: &str,
    shop_id: i64,
    name: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO viewer_tokens (token_hash, viewer_id, shop_id, name, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(viewer_id)
    .bind(shop_id)
    .bind(name)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The pass with this hash, if issued after `since`.
pub async fn find(
    db: impl AnyExecutor<'_>,
    token_hash: &str,
    since: i64,
) -> sqlx::Result<Option<PassRow>> {
    sqlx::query_as(
        "SELECT viewer_id, name FROM viewer_tokens WHERE token_hash = $1 AND created_at >= $2",
    )
    .bind(token_hash)
    .bind(since)
    .fetch_optional(db)
    .await
}

pub async fn set_name(db: impl AnyExecutor<'_>, token_hash: &str, name: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE viewer_tokens SET name = $1 WHERE token_hash = $2")
        .bind(name)
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_before(db: impl AnyExecutor<'_>, cutoff: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM viewer_tokens WHERE created_at < $1")
        .bind(cutoff)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
