//! Per-stream summaries of the viewer-side KPIs (`report_stream_summaries`), built when a
//! stream ends with the same functions as the raw report (`report::viewer_summary`), so
//! both paths give the same numbers. Building is idempotent (one upsert per stream). A
//! late product event marks the summary stale (`capture::insert`); the worker rebuilds
//! stale ones every few seconds. Until a summary exists, readers compute from raw rows.

use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use super::metrics::{self, Window};
use super::report::{self, ViewerSummary};
use super::store;
use crate::state::AppState;
use crate::streams::Status;

const STALE_EVERY: Duration = Duration::from_secs(5);

/// Build (or rebuild) the summary of an ended stream. `Ok(false)` when the stream is not
/// the shop's or has not ended (a live stream's figures still move).
pub async fn build(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<bool> {
    let Some(stream) = store::stream(db, shop_id, stream_id).await? else {
        return Ok(false);
    };
    let Some(ended_at) = stream.ended_at else {
        return Ok(false);
    };
    let Some(window) = metrics::live_window(&stream, ended_at) else {
        return Ok(false);
    };
    let last_event = last_event_id(db, stream_id).await?;
    let data = store::stream_data(db, shop_id, stream_id).await?;
    let s = report::viewer_summary(&data, window);
    let now = crate::db::now_ms();
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM report_stream_summaries WHERE stream_id = $1 AND shop_id = $2")
        .bind(stream_id)
        .bind(shop_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO report_stream_summaries (stream_id, shop_id, window_start, window_end, \
         unique_viewers, peak_viewers, peak_at, watch_time_ms, engaged_viewers, questions_asked, \
         questions_answered, median_answer_ms, stale, built_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13)",
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
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    // An event written while we read is not in this summary: leave it stale.
    if last_event_id(db, stream_id).await? != last_event {
        sqlx::query("UPDATE report_stream_summaries SET stale = 1 WHERE stream_id = $1")
            .bind(stream_id)
            .execute(db)
            .await?;
    }
    Ok(true)
}

async fn last_event_id(db: &AnyPool, stream_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM report_events WHERE stream_id = $1",
    )
    .bind(stream_id)
    .fetch_one(db)
    .await
}

/// A stored summary: (stream id, its figures, stale).
type Stored = (i64, ViewerSummary, bool);

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
    stale: i64,
}

/// Every summary of the shop.
pub async fn summaries(db: &AnyPool, shop_id: i64) -> sqlx::Result<Vec<Stored>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT stream_id, window_start, window_end, unique_viewers, peak_viewers, peak_at, \
         watch_time_ms, engaged_viewers, questions_asked, questions_answered, median_answer_ms, \
         stale FROM report_stream_summaries WHERE shop_id = $1",
    )
    .bind(shop_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let s = ViewerSummary {
                window: Window {
                    start: r.window_start,
                    end: r.window_end,
                },
                unique_viewers: r.unique_viewers as usize,
                peak_viewers: r.peak_viewers,
                peak_at: r.peak_at,
                watch_time_ms: r.watch_time_ms,
                engaged_viewers: r.engaged_viewers as usize,
                questions_asked: r.questions_asked as usize,
                questions_answered: r.questions_answered as usize,
                median_answer_ms: r.median_answer_ms,
            };
            (r.stream_id, s, r.stale != 0)
        })
        .collect())
}

/// Build a summary when a stream ends (after writing the events captured so far), and
/// rebuild stale ones every few seconds.
pub fn spawn(state: &AppState, mut shutdown: watch::Receiver<bool>) {
    let mut transitions = state.streams.subscribe();
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(STALE_EVERY);
        loop {
            tokio::select! {
                transition = transitions.recv() => match transition {
                    Ok(t) if matches!(t.to, Status::Ended) => {
                        state.capture.flush().await;
                        if let Err(err) = build(&state.db.pool, t.shop_id, t.stream_id).await {
                            tracing::warn!(stream = t.stream_id, error = %err, "report summary not built");
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                _ = tick.tick() => {
                    if let Err(err) = rebuild_stale(&state.db.pool).await {
                        tracing::warn!(error = %err, "stale report summaries not rebuilt");
                    }
                }
                _ = shutdown.changed() => break,
            }
        }
    });
}

async fn rebuild_stale(db: &AnyPool) -> sqlx::Result<()> {
    let stale: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT shop_id, stream_id FROM report_stream_summaries WHERE stale = 1 LIMIT 20",
    )
    .fetch_all(db)
    .await?;
    for (shop_id, stream_id) in stale {
        build(db, shop_id, stream_id).await?;
    }
    Ok(())
}
