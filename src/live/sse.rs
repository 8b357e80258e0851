//! Server-Sent Events for a room: the missed durable events first (from memory or the
//! database), then the live feed, deduplicated by event id; heartbeats every 15 s; a
//! viewer that falls behind gets a `resync` event and reloads the room's state.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tokio::sync::broadcast::{self, error::RecvError};

use super::presence::PresenceGuard;
use super::room::{Backlog, LiveEvent, Room};
use super::store;

/// Missed events read back from the database at most; beyond that, resync.
const MAX_REPLAY: i64 = 2000;
pub const HEARTBEAT: Duration = Duration::from_secs(15);

struct Feed {
    rx: broadcast::Receiver<Arc<LiveEvent>>,
    pending: VecDeque<Arc<LiveEvent>>,
    last_id: i64,
    /// Keeps the viewer counted while the connection is open (None for the studio).
    _presence: Option<PresenceGuard>,
    /// Fires when the server stops: the stream ends instead of holding shutdown open.
    closing: tokio::sync::watch::Receiver<bool>,
}

fn to_sse(event: &LiveEvent) -> Event {
    let sse = Event::default().event(&event.kind).data(&*event.data);
    match event.id {
        Some(id) => sse.id(id.to_string()),
        None => sse,
    }
}

/// The event stream of `room` for a client that last saw `last_event_id`.
pub async fn feed(
    pool: &sqlx::AnyPool,
    room: &Room,
    last_event_id: Option<i64>,
    presence: Option<PresenceGuard>,
    closing: tokio::sync::watch::Receiver<bool>,
) -> sqlx::Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>> {
    let (rx, backlog) = room.subscribe(last_event_id);
    let mut pending = VecDeque::new();
    match backlog {
        Backlog::Recent(events) => pending.extend(events),
        Backlog::FromDatabase(after) => {
            let rows = store::events_after(pool, room.stream_id, after, MAX_REPLAY + 1).await?;
            if rows.len() as i64 > MAX_REPLAY {
                pending.push_back(Arc::new(LiveEvent::ephemeral("resync", "{}")));
            } else {
                pending.extend(
                    rows.into_iter()
                        .map(|(id, kind, data)| Arc::new(LiveEvent::durable(id, kind, data))),
                );
            }
        }
    }
    let feed = Feed {
        rx,
        pending,
        last_id: last_event_id.unwrap_or(0),
        _presence: presence,
        closing,
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        loop {
            if let Some(event) = feed.pending.pop_front() {
                if let Some(id) = event.id {
                    feed.last_id = feed.last_id.max(id);
                }
                return Some((Ok(to_sse(&event)), feed));
            }
            if *feed.closing.borrow() {
                return None;
            }
            let received = tokio::select! {
                received = feed.rx.recv() => received,
                _ = feed.closing.changed() => return None,
            };
            match received {
                Ok(event) => {
                    if let Some(id) = event.id {
                        if id <= feed.last_id {
                            continue; // already sent from the backlog
                        }
                        feed.last_id = id;
                    }
                    return Some((Ok(to_sse(&event)), feed));
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "slow viewer dropped to a resync");
                    return Some((Ok(Event::default().event("resync").data("{}")), feed));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat")))
}

/// The `Last-Event-ID` header, or the `after` query value the page rendered with.
pub fn last_event_id(headers: &axum::http::HeaderMap, after: Option<i64>) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(after)
}
