//! Per-stream rollups, built when a stream ends: its viewer-side figures
//! (`viewer_side::compute`, the same computation the raw report runs, so both paths give
//! the same numbers) and its unique viewers per traffic source, stored by `store`.
//! Building is idempotent (the stream's rows are replaced in one transaction). A late
//! product event marks the summary stale (`capture`'s batched insert); the
//! worker rebuilds stale ones every few seconds, and builds those of streams that ended
//! before the rollups existed (a batch per tick, the first at startup). Until a fresh
//! rollup exists, readers compute from raw rows.

pub mod store;

use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use crate::reports::figures::{self, metrics, viewer_side};
use crate::reports::sources::{self, Scope};
use crate::state::AppState;
use crate::streams::Status;

const TICK_EVERY: Duration = Duration::from_secs(5);
/// Streams rebuilt (stale) or built (backfill) per tick.
const BATCH: i64 = 20;

/// Builds run one at a time in a process: the worker's end-of-stream build and its
/// catch-up batch (or a caller's build) never replace the same rows concurrently.
static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Build (or rebuild) the rollup of an ended stream. `Ok(false)` when the stream is not
/// the shop's or has not ended (a live stream's figures still move).
pub async fn build(db: &AnyPool, shop_id: i64, stream_id: i64) -> sqlx::Result<bool> {
    let _one_at_a_time = BUILDING.lock().await;
    let Some(stream) = figures::store::stream(db, shop_id, stream_id).await? else {
        return Ok(false);
    };
    let Some(ended_at) = stream.ended_at else {
        return Ok(false);
    };
    let Some(window) = metrics::live_window(&stream, ended_at) else {
        return Ok(false);
    };
    let watermark = store::last_event_id(db).await?;
    let side = viewer_side::compute(db, shop_id, stream_id, window).await?;
    let by_source =
        sources::viewer_counts(db, shop_id, Scope::Stream(stream_id), ended_at, false).await?;
    store::save(
        db,
        shop_id,
        stream_id,
        &side,
        &by_source,
        crate::db::now_ms(),
    )
    .await?;
    // An event written while we read is not in this rollup: leave it stale.
    if store::written_since(db, stream_id, watermark).await? {
        store::mark_stale(db, stream_id).await?;
    }
    Ok(true)
}

/// Build a rollup when a stream ends (after writing the events captured so far); every
/// few seconds (and at startup), rebuild stale ones and build missing ones.
pub fn spawn(state: &AppState, mut shutdown: watch::Receiver<bool>) {
    let mut transitions = state.streams.subscribe();
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK_EVERY);
        loop {
            tokio::select! {
                transition = transitions.recv() => match transition {
                    Ok(t) if matches!(t.to, Status::Ended) => {
                        state.capture.flush().await;
                        if let Err(err) = build(&state.db.pool, t.shop_id, t.stream_id).await {
                            tracing::warn!(stream = t.stream_id, error = %err, "report rollup not built");
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                _ = tick.tick() => {
                    if let Err(err) = catch_up(&state.db.pool).await {
                        tracing::warn!(error = %err, "report rollups not caught up");
                    }
                }
                _ = shutdown.changed() => break,
            }
        }
    });
}

/// One batch of stale rollups rebuilt, then one batch of missing ones built (ended
/// streams without a summary: they ended before rollups existed, or while the worker
/// was down). Returns how many streams were built.
pub async fn catch_up(db: &AnyPool) -> sqlx::Result<usize> {
    let stale = store::stale(db, BATCH).await?;
    let missing = store::missing(db, BATCH).await?;
    let mut built = 0;
    for store::StreamKey { shop_id, stream_id } in stale.into_iter().chain(missing) {
        // One stream that fails to build must not hold up the others.
        match build(db, shop_id, stream_id).await {
            Ok(true) => built += 1,
            Ok(false) => {}
            Err(err) => tracing::warn!(stream = stream_id, error = %err, "report rollup not built"),
        }
    }
    Ok(built)
}
