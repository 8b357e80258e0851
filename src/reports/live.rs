//! The studio's running figures while a stream is live: orders, units, revenue and
//! questions, computed by the report's own metric functions (docs/metrics.md) over the
//! same rows, so the studio and the report never disagree. Watching now and the peak
//! come from the live room's presence, whose peak is `live::store::presence::peak`, the
//! function the report's `peak_concurrent` uses too.

use serde_json::{Value, json};
use sqlx::AnyPool;

use super::metrics;
use super::store::{LineRow, OrderRow, QuestionRow};
use crate::money;

/// The running figures of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFigures {
    pub orders: usize,
    pub units: i64,
    pub revenue: i64,
    pub questions_asked: usize,
    pub questions_answered: usize,
    pub median_answer_ms: Option<i64>,
}

/// Read the stream's orders and questions and apply the report's definitions. A live
/// stream has few enough of them to read at every change (the ticker runs off the
/// request path).
pub async fn figures(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<LiveFigures> {
    let orders: Vec<OrderRow> = sqlx::query_as(
        "SELECT id, viewer_id, status, total, refunded_amount, created_at FROM orders \
         WHERE shop_id = $1 AND stream_id = $2",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let lines: Vec<LineRow> = sqlx::query_as(
        "SELECT l.order_id, l.product_id, l.pin_id, l.quantity, l.unit_price FROM order_lines l \
         JOIN orders o ON o.id = l.order_id AND o.shop_id = l.shop_id \
         WHERE l.shop_id = $1 AND o.stream_id = $2",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let questions: Vec<QuestionRow> = sqlx::query_as(
        "SELECT id, viewer_id, body, status, votes, created_at, answered_at FROM questions \
         WHERE shop_id = $1 AND stream_id = $2",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    Ok(LiveFigures {
        orders: metrics::orders(&orders),
        units: metrics::units(&orders, &lines),
        revenue: metrics::revenue(&orders),
        questions_asked: metrics::questions_asked(&questions),
        questions_answered: metrics::questions_answered(&questions),
        median_answer_ms: metrics::median_answer_ms(&questions),
    })
}

impl LiveFigures {
    /// The figures as the studio reads them, amounts formatted in the shop's currency.
    pub fn json(&self, currency: &str) -> Value {
        json!({
            "orders": self.orders,
            "units": self.units,
            "revenue": self.revenue,
            "revenue_display": money::format(self.revenue, currency),
            "currency": currency,
            "questions_asked": self.questions_asked,
            "questions_answered": self.questions_answered,
            "median_answer_ms": self.median_answer_ms,
        })
    }
}
