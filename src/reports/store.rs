//! The rows a stream report is computed from, read once per report: the stream, its
//! viewer visits, pins, questions, chatters, orders with their lines, reaction ticks.
//! Every query is scoped by shop; the metrics themselves are in `metrics.rs`.

use sqlx::AnyPool;

/// A stream as reports see it: its live window and how to name it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StreamRow {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub scheduled_at: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
}

/// One viewer visit (reconnects within the grace period are already one row).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Visit {
    pub viewer_id: String,
    pub joined_at: i64,
    /// NULL while the viewer is still watching.
    pub left_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PinRow {
    pub id: i64,
    pub product_id: i64,
    pub title: String,
    pub started_at: i64,
    /// NULL while the product is still pinned.
    pub ended_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuestionRow {
    pub id: i64,
    pub viewer_id: String,
    pub body: String,
    pub status: String,
    pub votes: i64,
    pub created_at: i64,
    pub answered_at: Option<i64>,
}

/// An order attributed to the stream (`orders.stream_id`), whatever its status.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub viewer_id: String,
    pub status: String,
    pub total: i64,
    pub refunded_amount: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LineRow {
    pub order_id: i64,
    pub product_id: i64,
    /// The pin open when this line was bought.
    pub pin_id: Option<i64>,
    pub quantity: i64,
    pub unit_price: i64,
}

/// A product event (`report_events`, written by `capture`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    /// impression, click, buy or checkout.
    pub kind: String,
    pub viewer_id: String,
    pub product_id: i64,
    /// The pin open at the time (for a checkout, the pin the line was bought under).
    pub pin_id: Option<i64>,
    pub at: i64,
}

/// Everything one stream report reads.
#[derive(Debug, Clone, Default)]
pub struct StreamData {
    pub visits: Vec<Visit>,
    pub pins: Vec<PinRow>,
    pub questions: Vec<QuestionRow>,
    /// Distinct viewer ids that sent at least one chat message.
    pub chatters: Vec<String>,
    pub orders: Vec<OrderRow>,
    pub lines: Vec<LineRow>,
    /// (at, count) of reaction taps, aggregated per room tick.
    pub reactions: Vec<(i64, i64)>,
    /// Product events: impressions, clicks, Buy taps, checkouts started.
    pub events: Vec<EventRow>,
}

const STREAM_COLUMNS: &str = "id, title, status, scheduled_at, started_at, ended_at";

/// One of the shop's streams; another shop's id is `None`.
pub async fn stream(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<Option<StreamRow>> {
    sqlx::query_as(&format!(
        "SELECT {STREAM_COLUMNS} FROM streams WHERE shop_id = $1 AND id = $2"
    ))
    .bind(shop_id)
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// The shop's streams that went live (live now or ended), latest first.
pub async fn reported_streams(db: &AnyPool, shop_id: i64) -> sqlx::Result<Vec<StreamRow>> {
    sqlx::query_as(&format!(
        "SELECT {STREAM_COLUMNS} FROM streams WHERE shop_id = $1 AND started_at IS NOT NULL \
         AND status IN ('live', 'ended') ORDER BY started_at DESC, id DESC"
    ))
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// Load every row the report of `stream_id` needs.
pub async fn stream_data(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<StreamData> {
    let visits = sqlx::query_as(
        "SELECT viewer_id, joined_at, left_at FROM viewer_sessions \
         WHERE shop_id = $1 AND stream_id = $2 ORDER BY joined_at, id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let pins = sqlx::query_as(
        "SELECT p.id, p.product_id, pr.title, p.started_at, p.ended_at FROM pins p \
         JOIN products pr ON pr.id = p.product_id AND pr.shop_id = p.shop_id \
         WHERE p.shop_id = $1 AND p.stream_id = $2 ORDER BY p.started_at, p.id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let questions = sqlx::query_as(
        "SELECT id, viewer_id, body, status, votes, created_at, answered_at FROM questions \
         WHERE shop_id = $1 AND stream_id = $2 ORDER BY created_at, id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let chatters = sqlx::query_scalar(
        "SELECT DISTINCT viewer_id FROM chat_messages WHERE shop_id = $1 AND stream_id = $2",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let orders = sqlx::query_as(
        "SELECT id, viewer_id, status, total, refunded_amount, created_at FROM orders \
         WHERE shop_id = $1 AND stream_id = $2 ORDER BY created_at, id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let lines = sqlx::query_as(
        "SELECT l.order_id, l.product_id, l.pin_id, l.quantity, l.unit_price FROM order_lines l \
         JOIN orders o ON o.id = l.order_id AND o.shop_id = l.shop_id \
         WHERE l.shop_id = $1 AND o.stream_id = $2 ORDER BY l.id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let reactions = sqlx::query_as(
        "SELECT at, count FROM reaction_ticks WHERE shop_id = $1 AND stream_id = $2 ORDER BY at",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let events = sqlx::query_as(
        "SELECT kind, viewer_id, product_id, pin_id, at FROM report_events \
         WHERE shop_id = $1 AND stream_id = $2 ORDER BY at, id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    Ok(StreamData {
        events,
        visits,
        pins,
        questions,
        chatters,
        orders,
        lines,
        reactions,
    })
}
