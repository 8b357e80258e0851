//! The live hub: every room of this process, the presence of viewers, the ~500 ms tick
//! that broadcasts reaction and viewer counts, and the fan-out between nodes through
//! PostgreSQL LISTEN/NOTIFY (on SQLite the process is the only node).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::room::{LiveEvent, Room};
use super::store;
use super::store::presence::Source;
use crate::db::{Backend, Db, now_ms};

/// The PostgreSQL channel every node listens on.
pub const CHANNEL: &str = "showfloor_live";
/// How often counts are aggregated and broadcast.
pub const TICK: Duration = Duration::from_millis(500);
/// A node that has not reported its viewer counts for this long is forgotten.
const NODE_STALE: Duration = Duration::from_secs(15);
/// A node re-announces its counts at least this often.
const ANNOUNCE_EVERY: Duration = Duration::from_secs(5);

/// What nodes tell each other.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum Message {
    /// A durable event already stored with this id.
    Event {
        node: String,
        stream: i64,
        id: i64,
        kind: String,
        data: String,
    },
    /// Reaction taps a node received during its last tick.
    Reactions { node: String, stream: i64, n: u64 },
    /// How many viewers a node has in a stream now.
    Viewers { node: String, stream: i64, n: i64 },
    /// An event for a private audience of the stream (moderators or staff). Not stored.
    Private {
        node: String,
        stream: i64,
        audience: Audience,
        kind: String,
        data: String,
    },
}

pub struct LiveHub {
    db: Db,
    /// Random id of this process, to ignore our own NOTIFY echoes.
    node: String,
    /// How long a disconnected viewer still counts, so a reconnect is the same visit.
    pub grace: Duration,
    rooms: Mutex<HashMap<i64, Arc<RoomEntry>>>,
    /// The address each viewer last wrote from, in memory only, for blocking repeat offenders.
    ips: Mutex<HashMap<String, String>>,
    /// Set when the server stops: every event stream ends, so a graceful shutdown does
    /// not wait for viewers who never hang up (their browsers reconnect elsewhere).
    closing: tokio::sync::watch::Sender<bool>,
}

/// Who a private event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Moderators,
    Staff,
}

/// A room and what the hub tracks beside it.
pub struct RoomEntry {
    pub room: Room,
    /// Events only moderators see (questions waiting for approval); never replayed.
    pub moderation: Room,
    /// Events only the shop's staff see in the studio (orders, revenue); never replayed.
    pub staff: Room,
    pub shop_id: i64,
    presence: Mutex<Presence>,
}

#[derive(Default)]
struct Presence {
    /// Viewers connected to this node (or within their reconnect grace period).
    viewers: HashMap<String, Viewer>,
    /// Other nodes' counts: node → (count, when reported).
    remote: HashMap<String, (i64, Instant)>,
    peak: i64,
    last_broadcast: Option<(i64, i64)>,
    last_announced: Option<(i64, Instant)>,
}

struct Viewer {
    connections: usize,
    visit_id: i64,
    /// When the last connection closed (monotonic, and UTC ms for the visit row): the
    /// viewer still counts during the grace period, then the visit is closed at that time.
    gone_at: Option<(Instant, i64)>,
}

impl Presence {
    fn local(&self) -> i64 {
        self.viewers.len() as i64
    }

    fn total(&self) -> i64 {
        let remote: i64 = self
            .remote
            .values()
            .filter(|(_, at)| at.elapsed() < NODE_STALE)
            .map(|(n, _)| *n)
            .sum();
        self.local() + remote
    }
}

/// Viewer counts as the studio and the viewer page show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub now: i64,
    pub peak: i64,
}

impl RoomEntry {
    fn feed(&self, audience: Audience) -> &Room {
        match audience {
            Audience::Moderators => &self.moderation,
            Audience::Staff => &self.staff,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LiveHub {
    pub fn new(db: Db, grace: Duration) -> Arc<LiveHub> {
        Arc::new(LiveHub {
            db,
            node: crate::auth::tokens::random_token()[..12].to_string(),
            grace,
            rooms: Mutex::new(HashMap::new()),
            ips: Mutex::new(HashMap::new()),
            closing: tokio::sync::watch::channel(false).0,
        })
    }

    /// The room of a stream, loaded on first use (its resume point, reaction total and
    /// peak come from the database, so a restart loses nothing).
    pub async fn room(&self, shop_id: i64, stream_id: i64) -> sqlx::Result<Arc<RoomEntry>> {
        if let Some(entry) = lock(&self.rooms).get(&stream_id) {
            return Ok(entry.clone());
        }
        let pool = &self.db.pool;
        let last_id = store::last_event_id(pool, stream_id).await?;
        let reactions = store::reactions_total(pool, stream_id).await?;
        let visits = store::presence::visits(pool, stream_id).await?;
        let (peak, _) = store::presence::peak(&visits, now_ms());
        let entry = Arc::new(RoomEntry {
            room: Room::new(stream_id, last_id, reactions.max(0) as u64),
            moderation: Room::new(stream_id, 0, 0),
            staff: Room::new(stream_id, 0, 0),
            shop_id,
            presence: Mutex::new(Presence {
                peak,
                ..Presence::default()
            }),
        });
        // Another request may have loaded it meanwhile: keep the first.
        Ok(lock(&self.rooms).entry(stream_id).or_insert(entry).clone())
    }

    /// End every event stream of this node (server shutdown).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves when the server starts stopping.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn remember_ip(&self, viewer_id: &str, ip: &str) {
        let mut ips = lock(&self.ips);
        if ips.len() > 100_000 {
            ips.clear(); // bounded memory; only the most recent writers matter
        }
        ips.insert(viewer_id.to_string(), ip.to_string());
    }

    pub fn last_ip(&self, viewer_id: &str) -> Option<String> {
        lock(&self.ips).get(viewer_id).cloned()
    }

    /// Store a durable event, deliver it to this node's viewers and tell the other nodes.
    pub async fn emit(
        &self,
        shop_id: i64,
        stream_id: i64,
        kind: &str,
        data: serde_json::Value,
    ) -> sqlx::Result<i64> {
        let data = data.to_string();
        let id = store::insert_event(&self.db.pool, shop_id, stream_id, kind, &data).await?;
        let entry = self.room(shop_id, stream_id).await?;
        entry
            .room
            .publish(LiveEvent::durable(id, kind, data.clone()));
        self.notify(&Message::Event {
            node: self.node.clone(),
            stream: stream_id,
            id,
            kind: kind.into(),
            data,
        })
        .await;
        Ok(id)
    }

    /// Deliver an event to the moderators of a stream, on every node. Not stored: a
    /// moderator who reconnects reloads the queue.
    pub async fn moderation(
        &self,
        shop_id: i64,
        stream_id: i64,
        kind: &str,
        data: serde_json::Value,
    ) -> sqlx::Result<()> {
        self.private(Audience::Moderators, shop_id, stream_id, kind, data)
            .await
    }

    /// Deliver an event to the studio of a stream, on every node (order ticker). Not stored.
    pub async fn staff(
        &self,
        shop_id: i64,
        stream_id: i64,
        kind: &str,
        data: serde_json::Value,
    ) -> sqlx::Result<()> {
        self.private(Audience::Staff, shop_id, stream_id, kind, data)
            .await
    }

    async fn private(
        &self,
        audience: Audience,
        shop_id: i64,
        stream_id: i64,
        kind: &str,
        data: serde_json::Value,
    ) -> sqlx::Result<()> {
        let data = data.to_string();
        let entry = self.room(shop_id, stream_id).await?;
        entry
            .feed(audience)
            .publish(LiveEvent::ephemeral(kind, data.clone()));
        self.notify(&Message::Private {
            node: self.node.clone(),
            stream: stream_id,
            audience,
            kind: kind.into(),
            data,
        })
        .await;
        Ok(())
    }

    async fn notify(&self, message: &Message) {
        if self.db.backend != Backend::Postgres {
            return;
        }
        let Ok(payload) = serde_json::to_string(message) else {
            return;
        };
        if let Err(err) = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(&payload)
            .execute(&self.db.pool)
            .await
        {
            tracing::warn!(error = %err, "live NOTIFY failed; other nodes miss this event until they resync");
        }
    }

    /// A viewer's event stream opened. The returned guard closes the visit when dropped.
    pub async fn join(
        self: &Arc<Self>,
        shop_id: i64,
        stream_id: i64,
        viewer_id: &str,
        source: &Source,
    ) -> sqlx::Result<PresenceGuard> {
        let entry = self.room(shop_id, stream_id).await?;
        let rejoined = {
            let mut p = lock(&entry.presence);
            match p.viewers.get_mut(viewer_id) {
                Some(v) => {
                    // Another tab, or back within the grace period: the same visit goes on.
                    v.connections += 1;
                    v.gone_at = None;
                    true
                }
                None => false,
            }
        };
        if !rejoined {
            let visit_id = store::presence::open_visit(
                &self.db.pool,
                shop_id,
                stream_id,
                viewer_id,
                now_ms(),
                self.grace_ms(),
                source,
            )
            .await?;
            let mut p = lock(&entry.presence);
            p.viewers
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
            let total = p.total();
            p.peak = p.peak.max(total);
        }
        Ok(PresenceGuard {
            hub: self.clone(),
            entry,
            viewer_id: viewer_id.to_string(),
        })
    }

    fn grace_ms(&self) -> i64 {
        self.grace.as_millis() as i64
    }

    fn leave(&self, entry: &RoomEntry, viewer_id: &str) {
        let mut p = lock(&entry.presence);
        if let Some(v) = p.viewers.get_mut(viewer_id) {
            v.connections = v.connections.saturating_sub(1);
            if v.connections == 0 {
                v.gone_at = Some((Instant::now(), now_ms()));
            }
        }
    }

    /// Viewer counts of a stream now.
    pub async fn counts(&self, shop_id: i64, stream_id: i64) -> sqlx::Result<Counts> {
        let entry = self.room(shop_id, stream_id).await?;
        let p = lock(&entry.presence);
        Ok(Counts {
            now: p.total(),
            peak: p.peak,
        })
    }

    /// Count reaction taps; the tick broadcasts them in aggregate.
    pub async fn react(&self, shop_id: i64, stream_id: i64, n: u64) -> sqlx::Result<()> {
        self.room(shop_id, stream_id).await?.room.add_reactions(n);
        Ok(())
    }

    /// One tick: broadcast reaction and viewer counts that changed, expire viewers whose
    /// grace period ended, forget idle rooms, and tell the other nodes.
    pub async fn tick(&self) {
        let entries: Vec<Arc<RoomEntry>> = lock(&self.rooms).values().cloned().collect();
        for entry in entries {
            let stream = entry.room.stream_id;
            if let Some((n, total)) = entry.room.take_reactions() {
                // Recorded before it is shown, so what viewers saw is what reports count.
                if let Err(err) =
                    store::insert_reaction_tick(&self.db.pool, entry.shop_id, stream, n as i64)
                        .await
                {
                    tracing::warn!(error = %err, "could not record reactions");
                }
                entry.room.publish(LiveEvent::ephemeral(
                    "reactions",
                    json!({ "n": n, "total": total }).to_string(),
                ));
                self.notify(&Message::Reactions {
                    node: self.node.clone(),
                    stream,
                    n,
                })
                .await;
            }
            let mut expired = Vec::new();
            let (counts, announce) = {
                let mut p = lock(&entry.presence);
                let grace = self.grace;
                p.viewers.retain(|_, v| match v.gone_at {
                    Some((at, gone_ms)) if at.elapsed() >= grace => {
                        expired.push((v.visit_id, gone_ms));
                        false
                    }
                    _ => true,
                });
                let total = p.total();
                p.peak = p.peak.max(total);
                let counts = (total, p.peak);
                let changed = p.last_broadcast != Some(counts);
                p.last_broadcast = Some(counts);
                let local = p.local();
                let announce = match p.last_announced {
                    Some((n, at)) => n != local || at.elapsed() >= ANNOUNCE_EVERY,
                    None => local > 0,
                };
                if announce {
                    p.last_announced = Some((local, Instant::now()));
                }
                (changed.then_some(counts), announce.then_some(local))
            };
            for (visit_id, gone_ms) in expired {
                if let Err(err) =
                    store::presence::close_visit(&self.db.pool, visit_id, gone_ms).await
                {
                    tracing::warn!(error = %err, "could not close a viewer visit");
                }
            }
            if let Some((now, peak)) = counts {
                entry.room.publish(LiveEvent::ephemeral(
                    "viewers",
                    json!({ "now": now, "peak": peak }).to_string(),
                ));
            }
            if let Some(n) = announce {
                self.notify(&Message::Viewers {
                    node: self.node.clone(),
                    stream,
                    n,
                })
                .await;
            }
        }
        self.forget_idle_rooms();
    }

    fn forget_idle_rooms(&self) {
        lock(&self.rooms).retain(|_, entry| {
            entry.room.viewers_connected() > 0
                || !lock(&entry.presence).viewers.is_empty()
                || Arc::strong_count(entry) > 1
        });
    }

    /// Apply a message from another node.
    async fn receive(&self, payload: &str) {
        let Ok(message) = serde_json::from_str::<Message>(payload) else {
            tracing::warn!("ignored a malformed live NOTIFY payload");
            return;
        };
        let (node, stream) = match &message {
            Message::Event { node, stream, .. }
            | Message::Reactions { node, stream, .. }
            | Message::Viewers { node, stream, .. }
            | Message::Private { node, stream, .. } => (node.clone(), *stream),
        };
        if node == self.node {
            return;
        }
        // Only rooms this node serves care; others load from the database when opened.
        let Some(entry) = lock(&self.rooms).get(&stream).cloned() else {
            return;
        };
        match message {
            Message::Event { id, kind, data, .. } => {
                entry.room.publish(LiveEvent::durable(id, kind, data))
            }
            Message::Reactions { n, .. } => entry.room.add_reactions_from_peer(n),
            Message::Viewers { n, node, .. } => {
                lock(&entry.presence)
                    .remote
                    .insert(node, (n, Instant::now()));
            }
            Message::Private {
                audience,
                kind,
                data,
                ..
            } => entry
                .feed(audience)
                .publish(LiveEvent::ephemeral(kind, data)),
        }
    }

    /// Close every visit this node holds (clean shutdown).
    pub async fn close_all_visits(&self) {
        let now = now_ms();
        let visits: Vec<(i64, i64)> = lock(&self.rooms)
            .values()
            .flat_map(|e| {
                lock(&e.presence)
                    .viewers
                    .values()
                    .map(|v| (v.visit_id, v.gone_at.map_or(now, |(_, ms)| ms)))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (id, at) in visits {
            let _ = store::presence::close_visit(&self.db.pool, id, at).await;
        }
    }

    /// Run the tick and (on PostgreSQL) the NOTIFY listener until `stop` fires.
    pub async fn run(
        self: Arc<Self>,
        database_url: String,
        sessions: crate::auth::SessionStore,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let listener = if self.db.backend == Backend::Postgres {
            match sqlx::postgres::PgListener::connect(&database_url).await {
                Ok(mut l) => match l
                    .listen_all([CHANNEL, crate::auth::session_store::CHANNEL])
                    .await
                {
                    Ok(()) => Some(l),
                    Err(err) => {
                        tracing::error!(error = %err, "LISTEN failed: live events will not cross nodes");
                        None
                    }
                },
                Err(err) => {
                    tracing::error!(error = %err, "could not open the LISTEN connection: live events will not cross nodes");
                    None
                }
            }
        } else {
            None
        };
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        match listener {
            Some(mut listener) => loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = ticker.tick() => self.tick().await,
                    message = listener.try_recv() => match message {
                        Ok(Some(n)) if n.channel() == CHANNEL => self.receive(n.payload()).await,
                        Ok(Some(n)) => sessions.received(n.payload()),
                        // The connection dropped (PgListener reconnects on the next call):
                        // what was announced meanwhile is lost, so no session copy is trusted.
                        Ok(None) => sessions.forget_all(),
                        Err(err) => tracing::warn!(error = %err, "LISTEN connection error"),
                    },
                }
            },
            None => loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = ticker.tick() => self.tick().await,
                }
            },
        }
        self.close_all_visits().await;
    }
}

/// Held by an open event stream; dropping it (the connection closed) starts the grace period.
pub struct PresenceGuard {
    hub: Arc<LiveHub>,
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
        self.hub.leave(&self.entry, &self.viewer_id);
    }
}
