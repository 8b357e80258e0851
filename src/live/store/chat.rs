//! Chat messages, blocks, moderators and the shop's word filter.

use sqlx::{AnyExecutor, FromRow};

use crate::db::now_ms;

#[derive(Debug, Clone, FromRow)]
pub struct ChatRow {
    pub id: i64,
    pub viewer_id: String,
    pub display_name: String,
    pub body: String,
    pub created_at: i64,
}

pub async fn insert(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
    viewer_id: &str,
    display_name: &str,
    body: &str,
) -> sqlx::Result<ChatRow> {
    sqlx::query_as(
        "INSERT INTO chat_messages (shop_id, stream_id, viewer_id, display_name, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, viewer_id, display_name, body, created_at",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(viewer_id)
    .bind(display_name)
    .bind(body)
    .bind(now_ms())
    .fetch_one(db)
    .await
}

/// The latest messages not deleted, oldest first.
pub async fn recent(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<ChatRow>> {
    let mut rows: Vec<ChatRow> = sqlx::query_as(
        "SELECT id, viewer_id, display_name, body, created_at FROM chat_messages \
         WHERE stream_id = $1 AND deleted_at IS NULL ORDER BY id DESC LIMIT $2",
    )
    .bind(stream_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.reverse();
    Ok(rows)
}

/// When this viewer last wrote in this stream (slow mode).
pub async fn last_message_at(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    viewer_id: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MAX(created_at) FROM chat_messages WHERE stream_id = $1 AND viewer_id = $2",
    )
    .bind(stream_id)
    .bind(viewer_id)
    .fetch_one(db)
    .await
}

pub async fn delete(db: impl AnyExecutor<'_>, stream_id: i64, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE chat_messages SET deleted_at = $1 WHERE stream_id = $2 AND id = $3 AND deleted_at IS NULL")
        .bind(now_ms())
        .bind(stream_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// What a viewer wrote that a moderator acts on (blocks or promotes its author).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Contribution {
    Question,
    /// A chat message; also any other word, as the room always read it.
    #[serde(other)]
    Chat,
}

/// Who wrote a question or message.
#[derive(Debug, Clone, FromRow)]
pub struct Author {
    pub viewer_id: String,
    pub display_name: String,
}

/// The author of a message or question, for blocking or making a moderator.
pub async fn author(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    kind: Contribution,
    id: i64,
) -> sqlx::Result<Option<Author>> {
    let table = match kind {
        Contribution::Question => "questions",
        Contribution::Chat => "chat_messages",
    };
    sqlx::query_as(&format!(
        "SELECT viewer_id, display_name FROM {table} WHERE stream_id = $1 AND id = $2"
    ))
    .bind(stream_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

pub struct NewBlock<'a> {
    pub shop_id: i64,
    /// None blocks in every stream of the shop.
    pub stream_id: Option<i64>,
    pub viewer_id: &'a str,
    pub ip: Option<&'a str>,
    pub display_name: &'a str,
    pub created_by: i64,
}

pub async fn insert_block(db: impl AnyExecutor<'_>, block: &NewBlock<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO blocks (shop_id, stream_id, viewer_id, ip, display_name, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(block.shop_id)
    .bind(block.stream_id)
    .bind(block.viewer_id)
    .bind(block.ip)
    .bind(block.display_name)
    .bind(block.created_by)
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(())
}

/// Whether this viewer (by token, or by address when a block recorded one) is blocked
/// in this stream or shop-wide.
pub async fn is_blocked(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
    viewer_id: &str,
    ip: &str,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM blocks WHERE shop_id = $1 AND (stream_id IS NULL OR stream_id = $2) \
         AND (viewer_id = $3 OR ip = $4)",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(viewer_id)
    .bind(ip)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// How many times this viewer has been blocked in the shop before (repeat offenders are
/// also blocked by address).
pub async fn previous_blocks(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    viewer_id: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM blocks WHERE shop_id = $1 AND viewer_id = $2")
        .bind(shop_id)
        .bind(viewer_id)
        .fetch_one(db)
        .await
}

pub async fn add_moderator(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
    viewer_id: &str,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO stream_moderators (shop_id, stream_id, viewer_id, display_name, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (stream_id, viewer_id) DO NOTHING",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(viewer_id)
    .bind(name)
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(())
}

pub async fn is_moderator(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    viewer_id: &str,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM stream_moderators WHERE stream_id = $1 AND viewer_id = $2",
    )
    .bind(stream_id)
    .bind(viewer_id)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

pub async fn filter_words(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT word FROM chat_filter_words WHERE shop_id = $1 ORDER BY word")
        .bind(shop_id)
        .fetch_all(db)
        .await
}

pub async fn replace_filter_words(
    db: &sqlx::AnyPool,
    shop_id: i64,
    words: &[String],
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM chat_filter_words WHERE shop_id = $1")
        .bind(shop_id)
        .execute(&mut *tx)
        .await?;
    for word in words {
        sqlx::query("INSERT INTO chat_filter_words (shop_id, word) VALUES ($1, $2) ON CONFLICT (shop_id, word) DO NOTHING")
            .bind(shop_id)
            .bind(word)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
