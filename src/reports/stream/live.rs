//! The studio's running figures while a stream is live: orders, units, revenue and
//! questions, computed by the report's own metric functions (docs/metrics.md) over the
//! same rows, so the studio and the report never disagree. Watching now and the peak
//! come from the live room's presence, whose peak is `live::store::presence::peak`, the
//! function the report's `peak_concurrent` uses too.

use serde_json::{Value, json};
use sqlx::AnyPool;

use crate::money;
use crate::reports::figures::metrics;
use crate::reports::figures::store::{self, LiveRows};

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
    let LiveRows {
        orders,
        lines,
        questions,
    } = store::live_rows(db, shop_id, stream_id).await?;
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
