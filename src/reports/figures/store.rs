//! The rows a stream report is computed from: the stream, its viewer visits, pins,
//! questions, chatters, orders with their lines, reaction ticks (product events are
//! counted here in SQL and folded by `reach`), the unsorted rows of the studio's live
//! figures, and the streams of a date range. Every query is scoped by shop; the metrics
//! themselves are in `metrics`.

use sqlx::AnyPool;

use crate::orders::domain::OrderStatus;
use crate::streams::Status;

/// A stream as reports see it: its live window and how to name it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StreamRow {
    pub id: i64,
    pub title: String,
    #[sqlx(try_from = "super::status::StatusText")]
    pub status: Status,
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
    /// Hidden by a moderator: not counted as asked (docs/metrics.md).
    #[sqlx(try_from = "crate::db::Flag")]
    pub hidden: bool,
    pub votes: i64,
    pub created_at: i64,
    pub answered_at: Option<i64>,
}

/// An order attributed to the stream (`orders.stream_id`), whatever its status.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub viewer_id: String,
    #[sqlx(try_from = "super::status::StatusText")]
    pub status: OrderStatus,
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
/// buyers were viewers (`kpis::kpis_from`), without reading every visit.
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

/// `hidden` as a 0/1 BIGINT on both backends, for [`crate::db::Flag`].
const QUESTION_COLUMNS: &str = "id, viewer_id, body, \
     CAST(CASE WHEN status = 'hidden' THEN 1 ELSE 0 END AS BIGINT) AS hidden, votes, created_at, answered_at";

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

/// Reaction taps, counted by the live room once per tick (they name no viewer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ReactionTick {
    pub at: i64,
    pub count: i64,
}

/// The stream's reaction ticks, in time order.
pub async fn reactions(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<ReactionTick>> {
    of_stream(
        db,
        "SELECT at, count FROM reaction_ticks WHERE shop_id = $1 AND stream_id = $2 ORDER BY at",
        shop_id,
        stream_id,
    )
    .await
}

/// Distinct (viewer, pin) pairs with an event of one kind on one product, under one of
/// that product's own pins (`reach::product_reach` folds them per product).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReachCount {
    pub product_id: i64,
    pub kind: String,
    pub pairs: i64,
}

/// The reach counts of the stream's products, by product.
pub async fn reach_counts(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<ReachCount>> {
    sqlx::query_as(
        "SELECT d.product_id, d.kind, CAST(COUNT(*) AS BIGINT) AS pairs FROM \
         (SELECT DISTINCT e.product_id, e.kind, e.viewer_id, e.pin_id FROM report_events e \
          JOIN pins p ON p.id = e.pin_id AND p.product_id = e.product_id \
          AND p.stream_id = e.stream_id AND p.shop_id = e.shop_id \
          WHERE e.shop_id = $1 AND e.stream_id = $2) d \
         GROUP BY d.product_id, d.kind ORDER BY d.product_id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await
}

/// Distinct viewer ids with an event of `kind` on any product of the stream.
pub async fn actors(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    kind: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT DISTINCT viewer_id FROM report_events \
         WHERE shop_id = $1 AND stream_id = $2 AND kind = $3",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(kind.to_string())
    .fetch_all(db)
    .await
}

/// The stream's orders, lines and questions for the studio's running figures
/// (`stream::live`): unsorted, since those figures are counts and sums, and read at
/// every change of a live stream.
pub async fn live_rows(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<LiveRows> {
    let orders = of_stream(
        db,
        "SELECT id, viewer_id, status, total, refunded_amount, created_at FROM orders \
         WHERE shop_id = $1 AND stream_id = $2",
        shop_id,
        stream_id,
    )
    .await?;
    let lines = of_stream(
        db,
        "SELECT l.order_id, l.product_id, l.pin_id, l.quantity, l.unit_price FROM order_lines l \
         JOIN orders o ON o.id = l.order_id AND o.shop_id = l.shop_id \
         WHERE l.shop_id = $1 AND o.stream_id = $2",
        shop_id,
        stream_id,
    )
    .await?;
    let questions = of_stream(
        db,
        &format!("SELECT {QUESTION_COLUMNS} FROM questions WHERE shop_id = $1 AND stream_id = $2"),
        shop_id,
        stream_id,
    )
    .await?;
    Ok(LiveRows {
        orders,
        lines,
        questions,
    })
}

/// What `live_rows` reads.
pub struct LiveRows {
    pub orders: Vec<OrderRow>,
    pub lines: Vec<LineRow>,
    pub questions: Vec<QuestionRow>,
}

/// The shop's streams that went live in `[start, end)` (UTC ms), latest first.
pub async fn streams_between(
    db: &AnyPool,
    shop_id: i64,
    start: i64,
    end: i64,
) -> sqlx::Result<Vec<StreamRow>> {
    sqlx::query_as(&format!(
        "SELECT {STREAM_COLUMNS} FROM streams \
         WHERE shop_id = $1 AND started_at IS NOT NULL AND started_at >= $2 AND started_at < $3 \
         AND status IN ('live', 'ended') ORDER BY started_at DESC, id DESC"
    ))
    .bind(shop_id)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await
}
