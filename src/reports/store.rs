//! The rows a stream report is computed from: the stream, its viewer visits, pins,
//! questions, chatters, orders with their lines, reaction ticks (product events are
//! aggregated in SQL by `reach.rs`). Every query is scoped by shop; the metrics
//! themselves are in `metrics.rs`.

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

/// The rows of one stream: `sql` selects them with `$1` the shop and `$2` the stream.
async fn of_stream<T>(db: &AnyPool, sql: &str, shop_id: i64, stream_id: i64) -> sqlx::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    sqlx::query_as(sql)
        .bind(shop_id)
        .bind(stream_id)
        .fetch_all(db)
        .await
}

/// Every visit of the stream, in join order.
pub async fn visits(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<Vec<Visit>> {
    of_stream(
        db,
        "SELECT viewer_id, joined_at, left_at FROM viewer_sessions \
         WHERE shop_id = $1 AND stream_id = $2 ORDER BY joined_at, id",
        shop_id,
        stream_id,
    )
    .await
}

/// The visits of viewers who are on an order of the stream: enough to tell which
/// buyers were viewers (`report::kpis_from`), without reading every visit.
pub async fn buyer_visits(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<Vec<Visit>> {
    of_stream(
        db,
        "SELECT v.viewer_id, v.joined_at, v.left_at FROM \
         (SELECT DISTINCT viewer_id FROM orders WHERE shop_id = $1 AND stream_id = $2) b \
         JOIN viewer_sessions v ON v.stream_id = $2 AND v.viewer_id = b.viewer_id \
         WHERE v.shop_id = $1",
        shop_id,
        stream_id,
    )
    .await
}

pub async fn pins(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<Vec<PinRow>> {
    of_stream(
        db,
        "SELECT p.id, p.product_id, pr.title, p.started_at, p.ended_at FROM pins p \
         JOIN products pr ON pr.id = p.product_id AND pr.shop_id = p.shop_id \
         WHERE p.shop_id = $1 AND p.stream_id = $2 ORDER BY p.started_at, p.id",
        shop_id,
        stream_id,
    )
    .await
}

const QUESTION_COLUMNS: &str = "id, viewer_id, body, status, votes, created_at, answered_at";

pub async fn questions(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<QuestionRow>> {
    of_stream(
        db,
        &format!(
            "SELECT {QUESTION_COLUMNS} FROM questions \
             WHERE shop_id = $1 AND stream_id = $2 ORDER BY created_at, id"
        ),
        shop_id,
        stream_id,
    )
    .await
}

/// Top questions (docs/metrics.md): the `limit` most voted ones not hidden, earliest
/// first among equal votes.
pub async fn top_questions(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<QuestionRow>> {
    sqlx::query_as(&format!(
        "SELECT {QUESTION_COLUMNS} FROM questions WHERE shop_id = $1 AND stream_id = $2 \
         AND status <> 'hidden' ORDER BY votes DESC, created_at, id LIMIT $3"
    ))
    .bind(shop_id)
    .bind(stream_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Distinct viewer ids that sent at least one chat message.
pub async fn chatters(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT DISTINCT viewer_id FROM chat_messages WHERE shop_id = $1 AND stream_id = $2",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await
}

pub async fn orders(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<Vec<OrderRow>> {
    of_stream(
        db,
        "SELECT id, viewer_id, status, total, refunded_amount, created_at FROM orders \
         WHERE shop_id = $1 AND stream_id = $2 ORDER BY created_at, id",
        shop_id,
        stream_id,
    )
    .await
}

pub async fn lines(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<Vec<LineRow>> {
    of_stream(
        db,
        "SELECT l.order_id, l.product_id, l.pin_id, l.quantity, l.unit_price FROM order_lines l \
         JOIN orders o ON o.id = l.order_id AND o.shop_id = l.shop_id \
         WHERE l.shop_id = $1 AND o.stream_id = $2 ORDER BY l.id",
        shop_id,
        stream_id,
    )
    .await
}

/// (at, count) of reaction taps, aggregated per room tick.
pub async fn reactions(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    of_stream(
        db,
        "SELECT at, count FROM reaction_ticks WHERE shop_id = $1 AND stream_id = $2 ORDER BY at",
        shop_id,
        stream_id,
    )
    .await
}
