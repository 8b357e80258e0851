//! The lifecycle applied to the database: the functions the dashboard buttons and the
//! media layer call (`go_live`, `publisher_gone`, `end`, `cancel`), each recording its
//! transition with time and actor, and the background task that ends a stream whose
//! publisher stayed away past the grace period.

use std::time::Duration;

use tokio::sync::watch;

use super::keys::StreamRef;
use super::lifecycle::{Actor, Event, Status};
use super::{StreamEvent, store};
use crate::db::{OnConstraint, now_ms};
use crate::error::{Error, Result};
use crate::state::AppState;

/// Apply `event` to stream `stream_id` (any shop: callers check the shop first) in one
/// transaction: the status changes only if it is still what was read, and the
/// transition row is written with it.
async fn apply(
    state: &AppState,
    stream_id: i64,
    event: Event,
    by: Actor,
    note: &str,
) -> Result<StreamRef> {
    let pool = &state.db.pool;
    let Some(stream) = store::by_internal_id(pool, stream_id).await? else {
        return Err(Error::NotFound);
    };
    let from = stream.status;
    let to = from
        .apply(event)
        .map_err(|illegal| Error::Conflict(illegal.to_string()))?;
    let now = now_ms();
    let mut tx = pool.begin().await?;
    let sql = match to {
        Status::Live => {
            "UPDATE streams SET status = $1, started_at = $2, publisher_gone_at = NULL, \
             revision = revision + 1, updated_at = $2 WHERE id = $3 AND status = $4"
        }
        Status::Ended => {
            "UPDATE streams SET status = $1, ended_at = $2, publisher_gone_at = NULL, \
             revision = revision + 1, updated_at = $2 WHERE id = $3 AND status = $4"
        }
        _ => {
            "UPDATE streams SET status = $1, cancel_note = $5, revision = revision + 1, \
             updated_at = $2 WHERE id = $3 AND status = $4"
        }
    };
    let mut query = sqlx::query(sql)
        .bind(to.as_str())
        .bind(now)
        .bind(stream_id)
        .bind(from.as_str());
    if to == Status::Cancelled {
        query = query.bind(note);
    }
    // One live stream per host: a partial unique index on `streams.host_id` refuses a second.
    let Some(done) = query
        .execute(&mut *tx)
        .await
        .on_unique("streams", "host_id")?
    else {
        return Err(Error::Conflict(format!(
            "{} is already live in another stream. End that stream first: a host presents one stream at a time.",
            stream.host_name.as_deref().unwrap_or("The host")
        )));
    };
    let updated = done.rows_affected();
    if updated != 1 {
        return Err(Error::Conflict(
            "The stream changed meanwhile. Reload the page to see where it is now.".into(),
        ));
    }
    sqlx::query(
        "INSERT INTO stream_transitions (stream_id, shop_id, from_status, to_status, at, actor, \
         actor_user_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(stream_id)
    .bind(stream.shop_id)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(now)
    .bind(by.kind())
    .bind(by.user_id())
    .bind(note)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(stream = stream_id, %from, %to, actor = by.kind(), "stream transition");
    state
        .streams
        .changed(
            stream.shop_id,
            Some(StreamEvent {
                stream_id,
                shop_id: stream.shop_id,
                from,
                to,
                at: now,
            }),
        )
        .await;
    let mut reference = StreamRef::from(&stream);
    reference.status = to;
    Ok(reference)
}

/// The broadcaster started publishing (`Actor::Publisher`), or a host pressed Start.
/// When the publisher comes back to a stream that is still live (within the grace
/// period), the stream simply continues: the pending automatic end is called off.
pub async fn go_live(state: &AppState, stream_id: i64, by: Actor) -> Result<StreamRef> {
    if by != Actor::Publisher {
        return apply(state, stream_id, Event::GoLive, by, "").await;
    }
    let done = sqlx::query(
        "UPDATE streams SET publisher_gone_at = NULL WHERE id = $1 AND status = 'live'",
    )
    .bind(stream_id)
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 1 {
        let stream = store::by_internal_id(&state.db.pool, stream_id)
            .await?
            .ok_or(Error::NotFound)?;
        return Ok(StreamRef::from(&stream));
    }
    apply(state, stream_id, Event::GoLive, by, "").await
}

/// The publisher disconnected: the grace period starts. Returns false if the stream
/// is not live (nothing to do) or its grace period had already started.
pub async fn publisher_gone(state: &AppState, stream_id: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE streams SET publisher_gone_at = $1 \
         WHERE id = $2 AND status = 'live' AND publisher_gone_at IS NULL",
    )
    .bind(now_ms())
    .bind(stream_id)
    .execute(&state.db.pool)
    .await?;
    state.streams.reaper.notify_one();
    Ok(done.rows_affected() == 1)
}

/// End a live stream.
pub async fn end(state: &AppState, stream_id: i64, by: Actor) -> Result<StreamRef> {
    apply(state, stream_id, Event::End, by, "").await
}

/// Call off a scheduled stream, with a note shown on its public page.
pub async fn cancel(state: &AppState, stream_id: i64, by: Actor, note: &str) -> Result<StreamRef> {
    apply(state, stream_id, Event::Cancel, by, note).await
}

/// End every live stream whose publisher has been gone for the grace period as of
/// `now`; returns their ids. The background task calls this; tests call it directly.
pub async fn end_abandoned(state: &AppState, now: i64) -> Result<Vec<i64>> {
    let grace_ms = state.config.stream_end_grace_secs as i64 * 1000;
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM streams WHERE status = 'live' AND publisher_gone_at IS NOT NULL \
         AND publisher_gone_at <= $1 ORDER BY id",
    )
    .bind(now - grace_ms)
    .fetch_all(&state.db.pool)
    .await?;
    let mut ended = Vec::new();
    for id in due {
        match apply(state, id, Event::End, Actor::System, "publisher gone").await {
            Ok(_) => ended.push(id),
            // Another node, or the publisher's return, got there first.
            Err(Error::Conflict(_)) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(ended)
}

/// When the next abandoned stream falls due, if any publisher is gone.
async fn next_deadline(state: &AppState) -> Result<Option<i64>> {
    let earliest: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(publisher_gone_at) FROM streams WHERE status = 'live' \
         AND publisher_gone_at IS NOT NULL",
    )
    .fetch_one(&state.db.pool)
    .await?;
    Ok(earliest.map(|gone| gone + state.config.stream_end_grace_secs as i64 * 1000))
}

/// The background task: sleep until the next deadline (at most a minute, so another
/// node's disconnects are seen too), woken early by `publisher_gone`; stop on shutdown.
pub async fn run_reaper(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(err) = end_abandoned(&state, now_ms()).await {
            tracing::warn!(error = %err, "could not end abandoned streams");
        }
        let wait = match next_deadline(&state).await {
            Ok(Some(deadline)) => (deadline - now_ms()).clamp(100, 60_000) as u64,
            Ok(None) => 60_000,
            Err(err) => {
                tracing::warn!(error = %err, "could not read stream deadlines");
                60_000
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
            _ = state.streams.reaper.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}
