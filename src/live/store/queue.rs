//! The studio's queue of prepared formats: rows in the host's order (`position`), fired
//! ones kept (greyed in the studio) so the host sees what ran.

use sqlx::{AnyExecutor, AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct QueuedRow {
    pub id: i64,
    pub kind: String,
    pub label: String,
    pub body: String,
    pub position: i64,
    pub fired_at: Option<i64>,
}

const COLUMNS: &str = "id, kind, label, body, position, fired_at";

pub async fn list(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<Vec<QueuedRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_queue WHERE stream_id = $1 ORDER BY position, id"
    ))
    .bind(stream_id)
    .fetch_all(db)
    .await
}

/// Add at the end; its id.
pub async fn add(
    pool: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    kind: &str,
    label: &str,
    body: &str,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO live_queue (shop_id, stream_id, kind, label, body, position, created_at) \
         VALUES ($1, $2, $3, $4, $5, \
         (SELECT COALESCE(MAX(position), 0) + 1 FROM live_queue WHERE stream_id = $2), $6) RETURNING id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(kind)
    .bind(label)
    .bind(body)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Put the stream's rows in the order of `ids` (every id of the stream, once). False
/// when `ids` is not exactly the stream's rows.
pub async fn reorder(pool: &AnyPool, stream_id: i64, ids: &[i64]) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let mut have: Vec<i64> = sqlx::query_scalar("SELECT id FROM live_queue WHERE stream_id = $1")
        .bind(stream_id)
        .fetch_all(&mut *tx)
        .await?;
    let mut want = ids.to_vec();
    have.sort_unstable();
    want.sort_unstable();
    if have != want {
        return Ok(false);
    }
    for (position, id) in ids.iter().enumerate() {
        sqlx::query("UPDATE live_queue SET position = $1 WHERE id = $2 AND stream_id = $3")
            .bind(position as i64 + 1)
            .bind(id)
            .bind(stream_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

pub async fn remove(pool: &AnyPool, stream_id: i64, id: i64) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("DELETE FROM live_queue WHERE id = $1 AND stream_id = $2")
            .bind(id)
            .bind(stream_id)
            .execute(pool)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Mark fired (once); false when it was not the stream's or had fired already.
pub async fn fired(pool: &AnyPool, stream_id: i64, id: i64, now: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE live_queue SET fired_at = $1 WHERE id = $2 AND stream_id = $3 AND fired_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(stream_id)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}
