//! Who is watching a stream: a viewer counts from their first event stream until the
//! reconnect grace period after their last one closed, so a reload or a flaky phone is
//! one visit (one `viewer_visits` row). The count shown is this node's viewers plus what
//! the other nodes last announced; the peak is kept with it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::registry::{LiveHub, RoomEntry, lock};
use super::room::Room;
use super::store;
use super::store::presence::Source;
use crate::db::now_ms;

/// A node that has not reported its viewer counts for this long is forgotten.
const NODE_STALE: Duration = Duration::from_secs(15);
/// A node re-announces its counts at least this often, so the others' copies stay fresh.
pub const ANNOUNCE_EVERY: Duration = Duration::from_secs(5);

/// The viewers of one room, kept beside it in the hub.
#[derive(Default)]
pub struct Presence {
    /// Viewers connected to this node (or within their reconnect grace period).
    viewers: HashMap<String, Viewer>,
    /// Other nodes' counts, by node.
    remote: HashMap<String, Announced>,
    peak: i64,
    /// What the last tick broadcast, so an unchanged count is not sent again.
    last_broadcast: Option<Counts>,
    /// What this node last told the others, and when.
    last_announced: Option<Announced>,
}

struct Viewer {
    connections: usize,
    visit_id: i64,
    /// When the last connection closed (monotonic, and UTC ms for the visit row): the
    /// viewer still counts during the grace period, then the visit is closed at that time.
    gone_at: Option<(Instant, i64)>,
}

/// A count a node told, and when.
#[derive(Debug, Clone, Copy)]
struct Announced {
    n: i64,
    at: Instant,
}

/// Viewer counts as the studio and the viewer page show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub now: i64,
    pub peak: i64,
}

/// A visit whose grace period ended: close its row at the time the viewer left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    pub visit_id: i64,
    pub left_at_ms: i64,
}

/// What one tick found in a room's presence.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Settled {
    pub expired: Vec<Expired>,
    /// The counts to broadcast, when they changed since the last tick.
    pub changed: Option<Counts>,
    /// This node's count to announce to the others, when due.
    pub announce: Option<i64>,
}

impl Presence {
    /// A room's presence when it is loaded: nobody yet, and the peak the visits recorded.
    pub fn starting_at(peak: i64) -> Presence {
        Presence {
            peak,
            ..Presence::default()
        }
    }

    /// Nobody connected here or in their grace period.
    pub fn is_empty(&self) -> bool {
        self.viewers.is_empty()
    }

    fn local(&self) -> i64 {
        self.viewers.len() as i64
    }

    fn total(&self) -> i64 {
        let remote: i64 = self
            .remote
            .values()
            .filter(|a| a.at.elapsed() < NODE_STALE)
            .map(|a| a.n)
            .sum();
        self.local() + remote
    }

    fn counts(&self) -> Counts {
        Counts {
            now: self.total(),
            peak: self.peak,
        }
    }

    /// Another node says it has `n` viewers in this stream.
    pub fn heard_from(&mut self, node: String, n: i64, at: Instant) {
        self.remote.insert(node, Announced { n, at });
    }

    /// One more connection of a viewer already counted; false for a new visit.
    fn rejoin(&mut self, viewer_id: &str) -> bool {
        match self.viewers.get_mut(viewer_id) {
            Some(v) => {
                // Another tab, or back within the grace period: the same visit goes on.
                v.connections += 1;
                v.gone_at = None;
                true
            }
            None => false,
        }
    }

    /// A new visit (its row is open), or one more connection if a concurrent join of the
    /// same viewer got here first.
    fn arrive(&mut self, viewer_id: &str, visit_id: i64) {
        self.viewers
            .entry(viewer_id.to_string())
            .and_modify(|v| {
                v.connections += 1;
                v.gone_at = None;
            })
            .or_insert(Viewer {
                connections: 1,
                visit_id,
                gone_at: None,
            });
        self.peak = self.peak.max(self.total());
    }

    fn leave(&mut self, viewer_id: &str, at: Instant, at_ms: i64) {
        if let Some(v) = self.viewers.get_mut(viewer_id) {
            v.connections = v.connections.saturating_sub(1);
            if v.connections == 0 {
                v.gone_at = Some((at, at_ms));
            }
        }
    }

    /// The tick's step: expire viewers whose grace ended, and say what changed.
    pub fn settle(&mut self, grace: Duration) -> Settled {
        let mut expired = Vec::new();
        self.viewers.retain(|_, v| match v.gone_at {
            Some((at, left_at_ms)) if at.elapsed() >= grace => {
                expired.push(Expired {
                    visit_id: v.visit_id,
                    left_at_ms,
                });
                false
            }
            _ => true,
        });
        self.peak = self.peak.max(self.total());
        let counts = self.counts();
        let changed = self.last_broadcast != Some(counts);
        self.last_broadcast = Some(counts);
        let local = self.local();
        let announce = match self.last_announced {
            Some(a) => a.n != local || a.at.elapsed() >= ANNOUNCE_EVERY,
            None => local > 0,
        };
        if announce {
            self.last_announced = Some(Announced {
                n: local,
                at: Instant::now(),
            });
        }
        Settled {
            expired,
            changed: changed.then_some(counts),
            announce: announce.then_some(local),
        }
    }

    /// Every visit still open here, closed at `now_ms` unless the viewer already left.
    fn open_visits(&self, now_ms: i64) -> impl Iterator<Item = Expired> + '_ {
        self.viewers.values().map(move |v| Expired {
            visit_id: v.visit_id,
            left_at_ms: v.gone_at.map_or(now_ms, |(_, ms)| ms),
        })
    }
}

impl LiveHub {
    /// A viewer's event stream opened. The returned guard closes the visit when dropped.
    pub async fn join(
        &self,
        shop_id: i64,
        stream_id: i64,
        viewer_id: &str,
        source: &Source,
    ) -> sqlx::Result<PresenceGuard> {
        let entry = self.room(shop_id, stream_id).await?;
        let rejoined = lock(&entry.presence).rejoin(viewer_id);
        if !rejoined {
            let visit_id = store::presence::open_visit(
                &self.db.pool,
                shop_id,
                stream_id,
                viewer_id,
                now_ms(),
                self.grace.as_millis() as i64,
                source,
            )
            .await?;
            lock(&entry.presence).arrive(viewer_id, visit_id);
        }
        Ok(PresenceGuard {
            entry,
            viewer_id: viewer_id.to_string(),
        })
    }

    /// Viewer counts of a stream now.
    pub async fn counts(&self, shop_id: i64, stream_id: i64) -> sqlx::Result<Counts> {
        let entry = self.room(shop_id, stream_id).await?;
        let counts = lock(&entry.presence).counts();
        Ok(counts)
    }

    /// Close every visit this node holds (clean shutdown).
    pub async fn close_all_visits(&self) {
        let now = now_ms();
        let visits: Vec<Expired> = self
            .loaded_rooms()
            .iter()
            .flat_map(|e| lock(&e.presence).open_visits(now).collect::<Vec<_>>())
            .collect();
        for visit in visits {
            let _ =
                store::presence::close_visit(&self.db.pool, visit.visit_id, visit.left_at_ms).await;
        }
    }
}

/// Held by an open event stream; dropping it (the connection closed) starts the grace period.
pub struct PresenceGuard {
    /// Held, the room stays loaded (the hub forgets only rooms nobody holds).
    entry: Arc<RoomEntry>,
    viewer_id: String,
}

impl PresenceGuard {
    pub fn room(&self) -> &Room {
        &self.entry.room
    }
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        lock(&self.entry.presence).leave(&self.viewer_id, Instant::now(), now_ms());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_viewer_back_within_the_grace_period_is_the_same_visit() {
        let mut p = Presence::starting_at(0);
        assert!(!p.rejoin("v1"));
        p.arrive("v1", 10);
        p.leave("v1", Instant::now(), 1_000);
        assert!(p.rejoin("v1"));
        let settled = p.settle(Duration::ZERO);
        assert!(settled.expired.is_empty());
        assert_eq!(settled.changed, Some(Counts { now: 1, peak: 1 }));
        assert_eq!(settled.announce, Some(1));
    }

    #[test]
    fn a_visit_ends_when_the_grace_period_ends_at_the_time_the_viewer_left() {
        let mut p = Presence::starting_at(3);
        p.arrive("v1", 10);
        p.leave("v1", Instant::now(), 1_000);
        let settled = p.settle(Duration::ZERO);
        assert_eq!(
            settled.expired,
            [Expired {
                visit_id: 10,
                left_at_ms: 1_000
            }]
        );
        assert_eq!(settled.changed, Some(Counts { now: 0, peak: 3 }));
        assert!(p.is_empty());
        // Nothing changed since: nothing to broadcast again.
        assert_eq!(p.settle(Duration::ZERO).changed, None);
    }

    #[test]
    fn other_nodes_count_until_their_announcement_goes_stale() {
        let mut p = Presence::starting_at(0);
        p.arrive("v1", 10);
        p.heard_from("n2".into(), 4, Instant::now());
        p.heard_from("n3".into(), 7, Instant::now() - NODE_STALE);
        assert_eq!(p.counts(), Counts { now: 5, peak: 1 });
        assert_eq!(p.settle(Duration::from_secs(60)).changed.unwrap().peak, 5);
    }
}
