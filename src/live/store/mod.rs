//! SQL for the live room. Every function names the stream (and the shop where a row is
//! reached from a URL), so nothing here reads across shops.

pub mod auctions;
pub mod bidders;
pub mod chat;
pub mod coupons;
pub mod giveaways;
pub mod pins;
pub mod polls;
pub mod presence;
pub mod questions;
pub mod queue;
pub mod viewer_tokens;

use sqlx::{AnyExecutor, FromRow};

use crate::db::now_ms;

/// The stream a live-room URL names, as the room needs it.
#[derive(Debug, Clone, FromRow)]
pub struct LiveStream {
    pub id: i64,
    pub shop_id: i64,
    pub slug: String,
    pub title: String,
    #[sqlx(try_from = "String")]
    pub status: crate::streams::Status,
    pub started_at: Option<i64>,
    pub shop_slug: String,
    pub currency: String,
    pub time_zone: String,
}

const STREAM_COLUMNS: &str = "st.id, st.shop_id, st.slug, st.title, st.status, st.started_at, \
     sh.slug AS shop_slug, sh.currency, sh.time_zone";

/// A stream by its public address `/@{shop}/{stream}`.
pub async fn stream_by_slugs(
    db: impl AnyExecutor<'_>,
    shop: &str,
    stream: &str,
) -> sqlx::Result<Option<LiveStream>> {
    sqlx::query_as(&format!(
        "SELECT {STREAM_COLUMNS} FROM streams st JOIN shops sh ON sh.id = st.shop_id \
         WHERE sh.slug = $1 AND st.slug = $2"
    ))
    .bind(shop)
    .bind(stream)
    .fetch_optional(db)
    .await
}

/// A stream as Buy needs it: the room's columns and whether it still sells after it ended.
#[derive(Debug, Clone, FromRow)]
pub struct SellingStream {
    #[sqlx(flatten)]
    pub stream: LiveStream,
    #[sqlx(try_from = "crate::db::Flag")]
    pub sell_after_end: bool,
}

/// Built once: Buy reads it for every sale, and the columns are `STREAM_COLUMNS`'.
static SELLING_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {STREAM_COLUMNS}, {} FROM streams st JOIN shops sh ON sh.id = st.shop_id \
         WHERE sh.slug = $1 AND st.slug = $2",
        crate::db::flag("st.sell_after_end")
    )
});

/// `stream_by_slugs` with the stream's sell-after-end switch, in the same one read.
pub async fn selling_by_slugs(
    db: impl AnyExecutor<'_>,
    shop: &str,
    stream: &str,
) -> sqlx::Result<Option<SellingStream>> {
    sqlx::query_as(&SELLING_SQL)
        .bind(shop)
        .bind(stream)
        .fetch_optional(db)
        .await
}

/// A stream of the signed-in member's shop, by id (dashboard and studio URLs).
pub async fn stream_of_shop(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Option<LiveStream>> {
    sqlx::query_as(&format!(
        "SELECT {STREAM_COLUMNS} FROM streams st JOIN shops sh ON sh.id = st.shop_id \
         WHERE st.shop_id = $1 AND st.id = $2"
    ))
    .bind(shop_id)
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct RoomSettings {
    pub slow_mode_secs: i64,
    #[sqlx(try_from = "crate::db::Flag")]
    pub premoderation: bool,
    pub featured_question_id: Option<i64>,
    pub overlay_token: String,
}

/// The room's settings, created with defaults on first use.
pub async fn room_settings(
    db: &sqlx::AnyPool,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<RoomSettings> {
    sqlx::query(
        "INSERT INTO live_rooms (stream_id, shop_id, overlay_token) VALUES ($1, $2, $3) \
         ON CONFLICT (stream_id) DO NOTHING",
    )
    .bind(stream_id)
    .bind(shop_id)
    .bind(crate::auth::tokens::random_token())
    .execute(db)
    .await?;
    sqlx::query_as(&format!(
        "SELECT slow_mode_secs, {}, featured_question_id, overlay_token \
             FROM live_rooms WHERE stream_id = $1",
        crate::db::flag("premoderation")
    ))
    .bind(stream_id)
    .fetch_one(db)
    .await
}

pub async fn set_slow_mode(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    secs: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE live_rooms SET slow_mode_secs = $1 WHERE stream_id = $2")
        .bind(secs)
        .bind(stream_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_premoderation(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    on: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE live_rooms SET premoderation = $1 WHERE stream_id = $2")
        .bind(on)
        .bind(stream_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_featured_question(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    question: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE live_rooms SET featured_question_id = $1 WHERE stream_id = $2")
        .bind(question)
        .bind(stream_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The stream an overlay token opens (the token is the secret in the overlay's URL).
pub async fn stream_by_overlay_token(
    db: impl AnyExecutor<'_>,
    token: &str,
) -> sqlx::Result<Option<LiveStream>> {
    sqlx::query_as(&format!(
        "SELECT {STREAM_COLUMNS} FROM live_rooms r JOIN streams st ON st.id = r.stream_id \
         JOIN shops sh ON sh.id = st.shop_id WHERE r.overlay_token = $1"
    ))
    .bind(token)
    .fetch_optional(db)
    .await
}

// --- Durable events ------------------------------------------------------------------

pub async fn insert_event(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
    kind: &str,
    payload: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO live_events (shop_id, stream_id, kind, payload, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(kind)
    .bind(payload)
    .bind(now_ms())
    .fetch_one(db)
    .await
}

pub async fn last_event_id(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<i64> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT MAX(id) FROM live_events WHERE stream_id = $1")
            .bind(stream_id)
            .fetch_one(db)
            .await?;
    Ok(id.unwrap_or(0))
}

/// Durable events after `after`, oldest first, at most `limit`.
pub async fn events_after(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, String, String)>> {
    sqlx::query_as(
        "SELECT id, kind, payload FROM live_events WHERE stream_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(stream_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

// --- Reactions -----------------------------------------------------------------------

pub async fn insert_reaction_tick(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
    count: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO reaction_ticks (shop_id, stream_id, at, count) VALUES ($1, $2, $3, $4)",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(now_ms())
    .bind(count)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn reactions_total(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<i64> {
    let total: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(count) AS BIGINT) FROM reaction_ticks WHERE stream_id = $1",
    )
    .bind(stream_id)
    .fetch_one(db)
    .await?;
    Ok(total.unwrap_or(0))
}
