//! The viewer-side figures of a stream: its viewer summary (KPIs and the funnel's middle
//! steps), its per-minute viewers and reactions, and its products' reach. These no
//! longer change once the stream has ended, so `rollup` stores them; `compute` is the
//! one place they are computed from raw rows, for the rollup and for a live stream (or
//! a missing or stale rollup) alike.

use sqlx::AnyPool;

use super::kpis::{self, ViewerRows, ViewerSummary};
use super::metrics::Window;
use super::reach::{self, Reach};
use super::store;
use super::timeline::{self, Minute};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewerSide {
    pub summary: ViewerSummary,
    /// Viewers and reactions per minute; orders are counted at read time.
    pub minutes: Vec<Minute>,
    pub reach: Vec<Reach>,
}

/// Compute from the raw rows: visits, questions and reaction ticks are read as rows
/// (tens of thousands at most); product events, up to millions, are counted in SQL
/// (`reach`).
pub async fn compute(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    window: Window,
) -> sqlx::Result<ViewerSide> {
    let (visits, questions, chatters, reactions) = tokio::try_join!(
        store::visits(db, shop_id, stream_id),
        store::questions(db, shop_id, stream_id),
        store::chatters(db, shop_id, stream_id),
        store::reactions(db, shop_id, stream_id),
    )?;
    let (clickers, checkouts, reach) = tokio::try_join!(
        reach::actors(db, shop_id, stream_id, "click"),
        reach::actors(db, shop_id, stream_id, "checkout"),
        reach::product_reach(db, shop_id, stream_id),
    )?;
    let minutes = timeline::per_minute(&visits, &reactions, window);
    let rows = ViewerRows {
        visits,
        questions,
        chatters,
        clickers,
        checkouts,
    };
    Ok(ViewerSide {
        summary: kpis::viewer_summary(&rows, window),
        minutes,
        reach,
    })
}
