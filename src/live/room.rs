//! One room per live stream: a broadcast channel every viewer's event stream reads,
//! plus the recent durable events so a reconnecting viewer resumes from its
//! `Last-Event-ID` without gaps or duplicates. A viewer too slow for the channel is
//! told to resync from a snapshot instead of holding the room back.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::broadcast;

/// How many durable events a room keeps in memory for resumes; older ones come from
/// the database.
pub const RECENT_EVENTS: usize = 512;
/// Per-viewer backlog before a slow viewer is dropped to a resync.
pub const CHANNEL_CAPACITY: usize = 1024;

/// One event as every viewer receives it, serialised once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    /// The database id of a durable event (questions, chat, pins…); None for ephemeral
    /// ones (reaction and viewer counts) that a resume does not replay.
    pub id: Option<i64>,
    /// The SSE event name, e.g. `pin`, `question`, `chat`, `reactions`, `viewers`.
    pub kind: String,
    /// JSON payload.
    pub data: Arc<str>,
}

impl LiveEvent {
    pub fn durable(id: i64, kind: impl Into<String>, data: impl Into<Arc<str>>) -> Self {
        LiveEvent {
            id: Some(id),
            kind: kind.into(),
            data: data.into(),
        }
    }

    pub fn ephemeral(kind: impl Into<String>, data: impl Into<Arc<str>>) -> Self {
        LiveEvent {
            id: None,
            kind: kind.into(),
            data: data.into(),
        }
    }
}

/// Where a resuming viewer's missed events come from.
#[derive(Debug, PartialEq, Eq)]
pub enum Backlog {
    /// All missed events were still in memory.
    Recent(Vec<Arc<LiveEvent>>),
    /// Some were evicted: read durable events with id > this from the database.
    FromDatabase(i64),
}

pub struct Room {
    pub stream_id: i64,
    tx: broadcast::Sender<Arc<LiveEvent>>,
    recent: std::sync::Mutex<Recent>,
    /// Reaction taps received since the last tick, and in total.
    reactions_pending: AtomicU64,
    reactions_total: AtomicU64,
}

struct Recent {
    events: VecDeque<Arc<LiveEvent>>,
    /// Highest id no longer in `events` (evicted, or written before this room was loaded).
    forgotten_up_to: i64,
}

impl Room {
    /// A room whose durable events up to `persisted_up_to` are only in the database.
    pub fn new(stream_id: i64, persisted_up_to: i64, reactions_total: u64) -> Room {
        let (tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        Room {
            stream_id,
            tx,
            recent: std::sync::Mutex::new(Recent {
                events: VecDeque::new(),
                forgotten_up_to: persisted_up_to,
            }),
            reactions_pending: AtomicU64::new(0),
            reactions_total: AtomicU64::new(reactions_total),
        }
    }

    /// Deliver an event to every viewer of this room (on this node).
    pub fn publish(&self, event: LiveEvent) {
        let event = Arc::new(event);
        if let Some(id) = event.id {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            // Events from other nodes can arrive slightly out of order; keep ids sorted.
            let at = recent.events.partition_point(|e| e.id.unwrap_or(0) < id);
            if recent.events.get(at).is_some_and(|e| e.id == Some(id)) {
                return; // already delivered (our own NOTIFY echo)
            }
            recent.events.insert(at, event.clone());
            while recent.events.len() > RECENT_EVENTS {
                if let Some(old) = recent.events.pop_front() {
                    recent.forgotten_up_to = recent.forgotten_up_to.max(old.id.unwrap_or(0));
                }
            }
        }
        // No receivers is fine: nobody is watching right now.
        let _ = self.tx.send(event);
    }

    /// Subscribe, and say what a viewer who last saw `last_event_id` has missed.
    /// Subscribing first means nothing published meanwhile is lost; the caller skips
    /// duplicates by id.
    pub fn subscribe(
        &self,
        last_event_id: Option<i64>,
    ) -> (broadcast::Receiver<Arc<LiveEvent>>, Backlog) {
        let rx = self.tx.subscribe();
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let backlog = match last_event_id {
            None => Backlog::Recent(Vec::new()),
            Some(last) if last < recent.forgotten_up_to => Backlog::FromDatabase(last),
            Some(last) => Backlog::Recent(
                recent
                    .events
                    .iter()
                    .filter(|e| e.id.is_some_and(|id| id > last))
                    .cloned()
                    .collect(),
            ),
        };
        (rx, backlog)
    }

    pub fn viewers_connected(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Count reaction taps; they are broadcast in aggregate at the next tick.
    pub fn add_reactions(&self, n: u64) {
        self.reactions_pending.fetch_add(n, Ordering::Relaxed);
    }

    /// Take the taps since the last tick: (new, total), or None if there were none.
    pub fn take_reactions(&self) -> Option<(u64, u64)> {
        let n = self.reactions_pending.swap(0, Ordering::Relaxed);
        if n == 0 {
            return None;
        }
        let total = self.reactions_total.fetch_add(n, Ordering::Relaxed) + n;
        Some((n, total))
    }

    /// Taps another node counted: they join this node's next broadcast total without
    /// being recorded again (that node recorded them).
    pub fn add_reactions_from_peer(&self, n: u64) {
        let total = self.reactions_total.fetch_add(n, Ordering::Relaxed) + n;
        self.publish(LiveEvent::ephemeral(
            "reactions",
            format!("{{\"n\":{n},\"total\":{total}}}"),
        ));
    }

    pub fn reactions_total(&self) -> u64 {
        self.reactions_total.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(backlog: Backlog) -> Vec<i64> {
        match backlog {
            Backlog::Recent(events) => events.iter().filter_map(|e| e.id).collect(),
            Backlog::FromDatabase(from) => vec![-from],
        }
    }

    #[tokio::test]
    async fn subscribers_receive_published_events_in_order() {
        let room = Room::new(1, 0, 0);
        let (mut rx, _) = room.subscribe(None);
        room.publish(LiveEvent::durable(1, "pin", "{}"));
        room.publish(LiveEvent::ephemeral("viewers", "{\"now\":3}"));
        assert_eq!(rx.recv().await.unwrap().id, Some(1));
        assert_eq!(rx.recv().await.unwrap().kind, "viewers");
    }

    #[test]
    fn a_resume_gets_exactly_the_missed_durable_events() {
        let room = Room::new(1, 0, 0);
        for id in 1..=5 {
            room.publish(LiveEvent::durable(id, "chat", "{}"));
            room.publish(LiveEvent::ephemeral("reactions", "{}"));
        }
        assert_eq!(ids(room.subscribe(Some(3)).1), vec![4, 5]);
        assert_eq!(ids(room.subscribe(Some(5)).1), Vec::<i64>::new());
        assert_eq!(ids(room.subscribe(None).1), Vec::<i64>::new());
    }

    #[test]
    fn a_resume_from_before_the_memory_window_reads_the_database() {
        let room = Room::new(1, 10, 0);
        room.publish(LiveEvent::durable(11, "chat", "{}"));
        assert_eq!(room.subscribe(Some(4)).1, Backlog::FromDatabase(4));
        assert_eq!(ids(room.subscribe(Some(10)).1), vec![11]);

        for id in 12..(12 + RECENT_EVENTS as i64) {
            room.publish(LiveEvent::durable(id, "chat", "{}"));
        }
        assert_eq!(
            room.subscribe(Some(10)).1,
            Backlog::FromDatabase(10),
            "11 was evicted: a viewer who last saw 10 reads the database"
        );
        assert_eq!(
            ids(room.subscribe(Some(11)).1).len(),
            RECENT_EVENTS,
            "one who saw 11 is served from memory"
        );
    }

    #[test]
    fn an_echoed_event_is_not_delivered_twice_and_late_ones_are_ordered() {
        let room = Room::new(1, 0, 0);
        let (mut rx, _) = room.subscribe(None);
        room.publish(LiveEvent::durable(2, "chat", "{}"));
        room.publish(LiveEvent::durable(2, "chat", "{}"));
        room.publish(LiveEvent::durable(1, "chat", "{}"));
        assert_eq!(rx.try_recv().unwrap().id, Some(2));
        assert_eq!(rx.try_recv().unwrap().id, Some(1));
        assert!(rx.try_recv().is_err());
        assert_eq!(ids(room.subscribe(Some(0)).1), vec![1, 2]);
    }

    #[test]
    fn reactions_are_aggregated_between_ticks() {
        let room = Room::new(1, 0, 7);
        assert_eq!(room.take_reactions(), None);
        room.add_reactions(3);
        room.add_reactions(2);
        assert_eq!(room.take_reactions(), Some((5, 12)));
        assert_eq!(room.take_reactions(), None);
        assert_eq!(room.reactions_total(), 12);
    }

    #[tokio::test]
    async fn a_slow_viewer_lags_instead_of_blocking_the_room() {
        let room = Room::new(1, 0, 0);
        let (mut slow, _) = room.subscribe(None);
        for id in 0..(CHANNEL_CAPACITY as i64 + 10) {
            room.publish(LiveEvent::ephemeral("reactions", format!("{id}")));
        }
        assert!(matches!(
            slow.recv().await,
            Err(broadcast::error::RecvError::Lagged(_))
        ));
    }
}
