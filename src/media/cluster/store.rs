//! SQL for `media_origins`: which node holds each live stream's publisher. Every time in
//! it is the database's clock (`db_now`), so nodes with clocks that disagree still agree
//! on which origin is alive.

use sqlx::AnyPool;

use crate::db::Backend;

/// Milliseconds since the Unix epoch on the database server's clock.
fn db_now(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000 AS BIGINT)",
    }
}

/// A stream's origin as recorded, with how long ago it last beat.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Origin {
    pub node_id: String,
    pub media_url: String,
    pub age_ms: i64,
}

/// Record `node` as the origin of `stream_id` unless another node is, with a heartbeat
/// younger than `stale_ms`. Returns the live origin that refused it, or `None` when this
/// node is the origin now.
pub async fn claim(
    db: &AnyPool,
    backend: Backend,
    stream_id: i64,
    node: &str,
    media_url: &str,
    stale_ms: i64,
) -> sqlx::Result<Option<Origin>> {
    let now = db_now(backend);
    let claimed = sqlx::query(&format!(
        "INSERT INTO media_origins (stream_id, node_id, media_url, heartbeat_ms) \
         VALUES ($1, $2, $3, {now}) \
         ON CONFLICT (stream_id) DO UPDATE SET node_id = excluded.node_id, \
         media_url = excluded.media_url, heartbeat_ms = excluded.heartbeat_ms \
         WHERE media_origins.node_id = excluded.node_id \
         OR media_origins.heartbeat_ms < excluded.heartbeat_ms - $4"
    ))
    .bind(stream_id)
    .bind(node)
    .bind(media_url)
    .bind(stale_ms)
    .execute(db)
    .await?
    .rows_affected();
    if claimed > 0 {
        return Ok(None);
    }
    find(db, backend, stream_id).await
}

/// This node's publishers of `stream_ids` are still sending.
pub async fn heartbeat(
    db: &AnyPool,
    backend: Backend,
    node: &str,
    stream_ids: &[i64],
) -> sqlx::Result<()> {
    if stream_ids.is_empty() {
        return Ok(());
    }
    let list = (0..stream_ids.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE media_origins SET heartbeat_ms = {} WHERE node_id = $1 AND stream_id IN ({list})",
        db_now(backend)
    );
    let mut query = sqlx::query(&sql).bind(node);
    for id in stream_ids {
        query = query.bind(*id);
    }
    query.execute(db).await?;
    Ok(())
}

/// The origin of `stream_id`, if one is recorded (alive or not: see `age_ms`).
pub async fn find(db: &AnyPool, backend: Backend, stream_id: i64) -> sqlx::Result<Option<Origin>> {
    sqlx::query_as(&format!(
        "SELECT node_id, media_url, {} - heartbeat_ms AS age_ms \
         FROM media_origins WHERE stream_id = $1",
        db_now(backend)
    ))
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// This node no longer holds `stream_id`'s publisher (it left, or the node stops).
pub async fn release(db: &AnyPool, stream_id: i64, node: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM media_origins WHERE stream_id = $1 AND node_id = $2")
        .bind(stream_id)
        .bind(node)
        .execute(db)
        .await?;
    Ok(())
}

/// Every stream this node holds, at shutdown.
pub async fn release_all(db: &AnyPool, node: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM media_origins WHERE node_id = $1")
        .bind(node)
        .execute(db)
        .await?;
    Ok(())
}

/// Forget origins that stopped beating `dead_ms` ago (their node died without a word);
/// returns their streams.
pub async fn forget_dead(db: &AnyPool, backend: Backend, dead_ms: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(&format!(
        "DELETE FROM media_origins WHERE heartbeat_ms < {} - $1 RETURNING stream_id",
        db_now(backend)
    ))
    .bind(dead_ms)
    .fetch_all(db)
    .await
}
