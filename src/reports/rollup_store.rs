//! The stored rollups of ended streams (migrations 0006 and 0008): one summary row per
//! stream (`report_stream_summaries`), its minutes (`report_minutes`), its products'
//! reach (`report_product_reach`) and its unique viewers per traffic source
//! (`report_stream_sources`). Written in one transaction by `rollup::build`; read only
//! while fresh (not stale) and built for the stream's current window.

use sqlx::AnyPool;

use super::metrics::Window;
use super::reach::Reach;
use super::report::ViewerSummary;
use super::timeline::Minute;
use super::viewer_side::ViewerSide;

/// Rows per multi-row INSERT (all values are integers or bound text).
const CHUNK: usize = 200;

/// A stream whose stored rollup is fresh and built for its current window, as a
/// condition on `streams s` (the SQL twin of `load` returning `Some`).
pub const ROLLED_SQL: &str = "(s.ended_at IS NOT NULL AND EXISTS (SELECT 1 FROM \
     report_stream_summaries r WHERE r.stream_id = s.id AND r.shop_id = s.shop_id \
     AND r.stale = 0 AND r.window_start = s.started_at AND r.window_end = s.ended_at))";

/// Replace the stream's rollup. `sources` are (source, unique viewers).
pub async fn save(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    side: &ViewerSide,
    sources: &[(String, i64)],
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
    for (source, viewers) in sources {
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

/// The stored viewer side of a stream, if fresh and built for `window`.
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
    let minutes: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT minute, starts_at, viewers, reactions FROM report_minutes \
         WHERE shop_id = $1 AND stream_id = $2 ORDER BY minute",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await?;
    let reach: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
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
            .map(|(index, start, viewers, reactions)| Minute {
                index,
                start,
                viewers,
                orders: 0,
                reactions,
                spike: false,
            })
            .collect(),
        reach: reach
            .into_iter()
            .map(
                |(product_id, impressions, clicks, buy_taps, checkouts)| Reach {
                    product_id,
                    impressions,
                    clicks,
                    buy_taps,
                    checkouts,
                },
            )
            .collect(),
    }))
}
