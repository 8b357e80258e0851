//! The stored rollups of ended streams (migrations 0006 and 0008): one summary row per
//! stream (`report_stream_summaries`), its minutes (`report_minutes`), its products'
//! reach (`report_product_reach`) and its unique viewers per traffic source
//! (`report_stream_sources`). Written in one transaction by `rollup::build`; read only
//! while fresh (not stale) and built for the stream's current window. The worker's own
//! reads are here too: the event watermark of a build, and the streams to (re)build.

use sqlx::AnyPool;

use crate::reports::figures::kpis::ViewerSummary;
use crate::reports::figures::metrics::Window;
use crate::reports::figures::reach::Reach;
use crate::reports::figures::timeline::Minute;
use crate::reports::figures::viewer_side::ViewerSide;
use crate::reports::sources::SourceCount;

/// Rows per multi-row INSERT (all values are integers or bound text).
const CHUNK: usize = 200;

/// Replace the stream's rollup, with its unique viewers per traffic source.
pub async fn save(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    side: &ViewerSide,
    sources: &[SourceCount],
    now: i64,
) -> sqlx::Result<()> {
    let s = &side.summary;
    let mut tx = db.begin().await?;
    for table in [
        "report_stream_summaries",
        "report_minutes",
        "report_product_reach",
        "report_stream_sources",
    ] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE stream_id = $1 AND shop_id = $2"
        ))
        .bind(stream_id)
        .bind(shop_id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO report_stream_summaries (stream_id, shop_id, window_start, window_end, \
         unique_viewers, peak_viewers, peak_at, watch_time_ms, engaged_viewers, questions_asked, \
         questions_answered, median_answer_ms, clicked_viewers, checkout_viewers, stale, built_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, $15)",
    )
    .bind(stream_id)
    .bind(shop_id)
    .bind(s.window.start)
    .bind(s.window.end)
    .bind(s.unique_viewers as i64)
    .bind(s.peak_viewers)
    .bind(s.peak_at)
    .bind(s.watch_time_ms)
    .bind(s.engaged_viewers as i64)
    .bind(s.questions_asked as i64)
    .bind(s.questions_answered as i64)
    .bind(s.median_answer_ms)
    .bind(s.clicked_viewers as i64)
    .bind(s.checkout_viewers as i64)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for chunk in side.minutes.chunks(CHUNK) {
        let values: Vec<String> = chunk
            .iter()
            .map(|m| {
                format!(
                    "({stream_id}, {shop_id}, {}, {}, {}, {})",
                    m.index, m.start, m.viewers, m.reactions
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO report_minutes (stream_id, shop_id, minute, starts_at, viewers, reactions) \
             VALUES {}",
            values.join(", ")
        ))
        .execute(&mut *tx)
        .await?;
    }
    for chunk in side.reach.chunks(CHUNK) {
        let values: Vec<String> = chunk
            .iter()
            .map(|r| {
                format!(
                    "({stream_id}, {shop_id}, {}, {}, {}, {}, {})",
                    r.product_id, r.impressions, r.clicks, r.buy_taps, r.checkouts
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO report_product_reach (stream_id, shop_id, product_id, impressions, \
             clicks, buy_taps, checkouts) VALUES {}",
            values.join(", ")
        ))
        .execute(&mut *tx)
        .await?;
    }
    // Source names come from visitors' links: bound, never inlined.
    for SourceCount { source, viewers } in sources {
        sqlx::query(
            "INSERT INTO report_stream_sources (stream_id, shop_id, source, unique_viewers) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(stream_id)
        .bind(shop_id)
        .bind(source.clone())
        .bind(*viewers)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    stream_id: i64,
    window_start: i64,
    window_end: i64,
    unique_viewers: i64,
    peak_viewers: i64,
    peak_at: Option<i64>,
    watch_time_ms: i64,
    engaged_viewers: i64,
    questions_asked: i64,
    questions_answered: i64,
    median_answer_ms: Option<i64>,
    clicked_viewers: i64,
    checkout_viewers: i64,
}

impl SummaryRow {
    fn summary(&self) -> ViewerSummary {
        ViewerSummary {
            window: Window {
                start: self.window_start,
                end: self.window_end,
            },
            unique_viewers: self.unique_viewers as usize,
            peak_viewers: self.peak_viewers,
            peak_at: self.peak_at,
            watch_time_ms: self.watch_time_ms,
            engaged_viewers: self.engaged_viewers as usize,
            questions_asked: self.questions_asked as usize,
            questions_answered: self.questions_answered as usize,
            median_answer_ms: self.median_answer_ms,
            clicked_viewers: self.clicked_viewers as usize,
            checkout_viewers: self.checkout_viewers as usize,
        }
    }
}

/// A stored minute: what no longer changes after the end (orders are counted at read
/// time, spikes marked then).
#[derive(sqlx::FromRow)]
struct MinuteRow {
    minute: i64,
    starts_at: i64,
    viewers: i64,
    reactions: i64,
}

const SUMMARY_COLUMNS: &str = "stream_id, window_start, window_end, unique_viewers, \
     peak_viewers, peak_at, watch_time_ms, engaged_viewers, questions_asked, \
     questions_answered, median_answer_ms, clicked_viewers, checkout_viewers";

/// The fresh summaries of the shop: (stream id, its figures). A stale one is left out.
pub async fn summaries(db: &AnyPool, shop_id: i64) -> sqlx::Result<Vec<(i64, ViewerSummary)>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM report_stream_summaries WHERE shop_id = $1 AND stale = 0"
    ))
    .bind(shop_id)
    .fetch_all(db)
    .await?;
    Ok(rows.iter().map(|r| (r.stream_id, r.summary())).collect())
}

/// The stored viewer side of a stream, if fresh and built for `window` (the same test in
/// SQL, for queries over many streams, is `sources::store::ROLLED_SQL`).
pub async fn load(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    window: Window,
) -> sqlx::Result<Option<ViewerSide>> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM report_stream_summaries \
         WHERE shop_id = $1 AND stream_id = $2 AND stale = 0"
    ))
    .bind(shop_id)
    .bind(stream_id)
    .fetch_optional(db)
    .await?;
    let Some(summary) = row.map(|r| r.summary()).filter(|s| s.window == window) else {
        return Ok(None);
    };
    let minutes: Vec<MinuteRow> = sqlx::query_as(
        "SELECT minute, starts_at, viewers, reactions FROM report_minutes \
         WHERE shop_id = $1 AND stream_id = $2 ORDER BY minute",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let reach: Vec<Reach> = sqlx::query_as(
        "SELECT product_id, impressions, clicks, buy_taps, checkouts FROM report_product_reach \
         WHERE shop_id = $1 AND stream_id = $2 ORDER BY product_id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    Ok(Some(ViewerSide {
        summary,
        minutes: minutes
            .into_iter()
            .map(|m| Minute {
                index: m.minute,
                start: m.starts_at,
                viewers: m.viewers,
                orders: 0,
                reactions: m.reactions,
                spike: false,
            })
            .collect(),
        reach,
    }))
}

/// The newest product event of any stream: reading a stream's own newest one (`MAX(id)
/// WHERE stream_id`) sent PostgreSQL down the whole primary key for a stream without
/// events.
pub async fn last_event_id(db: &AnyPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM report_events")
        .fetch_one(db)
        .await
}

/// Whether an event of the stream was written after `watermark` (during a build).
pub async fn written_since(db: &AnyPool, stream_id: i64, watermark: i64) -> sqlx::Result<bool> {
    let newer: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT id FROM report_events \
         WHERE id > $1 AND stream_id = $2 LIMIT 1) newer",
    )
    .bind(watermark)
    .bind(stream_id)
    .fetch_one(db)
    .await?;
    Ok(newer > 0)
}

/// Mark the stream's summary stale: a product event arrived after it was built.
pub async fn mark_stale(db: &AnyPool, stream_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE report_stream_summaries SET stale = 1 WHERE stream_id = $1")
        .bind(stream_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A stream to build, by shop and id.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct StreamKey {
    pub shop_id: i64,
    pub stream_id: i64,
}

/// Up to `limit` streams whose summary is stale, oldest stream first.
pub async fn stale(db: &AnyPool, limit: i64) -> sqlx::Result<Vec<StreamKey>> {
    sqlx::query_as(&format!(
        "SELECT shop_id, stream_id FROM report_stream_summaries WHERE stale = 1 \
         ORDER BY stream_id LIMIT {limit}"
    ))
    .fetch_all(db)
    .await
}

/// Up to `limit` ended streams without a summary (they ended before rollups existed,
/// or while the worker was down), latest ended first.
pub async fn missing(db: &AnyPool, limit: i64) -> sqlx::Result<Vec<StreamKey>> {
    sqlx::query_as(&format!(
        "SELECT s.shop_id, s.id AS stream_id FROM streams s WHERE s.status = 'ended' \
         AND s.started_at IS NOT NULL AND s.ended_at IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM report_stream_summaries r WHERE r.stream_id = s.id) \
         ORDER BY s.ended_at DESC, s.id DESC LIMIT {limit}"
    ))
    .fetch_all(db)
    .await
}
