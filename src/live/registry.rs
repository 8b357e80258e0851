//! The rooms of this process: `LiveHub` loads a stream's room on first use, forgets it
//! when nobody is left, and delivers events to it (storing durable ones first, then
//! telling the other nodes through `peers`). Presence and the tick live beside it, in
//! `presence` and `tick`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::peers::Message;
use super::presence::Presence;
use super::room::{LiveEvent, Room};
use super::store;
use crate::db::{Db, now_ms};
use crate::notify::Notify;

pub struct LiveHub {
    pub(super) db: Db,
    /// Where messages to the other nodes go (nothing is sent on SQLite).
    pub(super) notify: Arc<Notify>,
    /// Random id of this process, to ignore our own NOTIFY echoes.
    pub(super) node: String,
    /// How long a disconnected viewer still counts, so a reconnect is the same visit.
    pub grace: Duration,
    pub(super) rooms: Mutex<HashMap<i64, Arc<RoomEntry>>>,
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

/// What a format's coalesced news is about (an index into `RoomEntry::due`).
#[derive(Debug, Clone, Copy)]
pub(super) enum Due {
    /// A poll's results (`polls`).
    PollResults = 0,
    /// A coupon's redemption count (`coupons`).
    CouponCount = 1,
    /// A giveaway's entry count (`giveaways`).
    GiveawayCount = 2,
}

/// A room and what the hub tracks beside it.
pub struct RoomEntry {
    pub room: Room,
    /// Events only moderators see (questions waiting for approval); never replayed.
    pub moderation: Room,
    /// Events only the shop's staff see in the studio (orders, revenue); never replayed.
    pub staff: Room,
    pub shop_id: i64,
    pub(super) presence: Mutex<Presence>,
    /// What the viewers were last told about stock and the offer (`stock`).
    pub(super) stock: Mutex<super::stock::Shown>,
    /// News due to go out at the end of an interval, per format ([`RoomEntry::soon`]).
    pub(super) due: [std::sync::atomic::AtomicBool; 3],
    /// The running auction's bids on this node, one at a time, and its coalesced news.
    pub(super) auction: super::auctions::RoomAuction,
}

impl RoomEntry {
    pub(super) fn feed(&self, audience: Audience) -> &Room {
        match audience {
            Audience::Moderators => &self.moderation,
            Audience::Staff => &self.staff,
        }
    }
}

/// A poisoned lock only means another thread panicked mid-update of counts or maps that
/// stay usable, so the room goes on rather than failing every later request.
pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LiveHub {
    /// The hub, subscribed through `notify` to what the other nodes' rooms say.
    pub fn new(db: Db, notify: &Arc<Notify>, grace: Duration) -> Arc<LiveHub> {
        let hub = Arc::new(LiveHub {
            db,
            notify: notify.clone(),
            node: crate::auth::tokens::random_token()[..12].to_string(),
            grace,
            rooms: Mutex::new(HashMap::new()),
            ips: Mutex::new(HashMap::new()),
            closing: tokio::sync::watch::channel(false).0,
        });
        super::peers::subscribe(&hub, notify);
        hub
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
            presence: Mutex::new(Presence::starting_at(peak)),
            stock: Mutex::default(),
            due: Default::default(),
            auction: Default::default(),
        });
        // Another request may have loaded it meanwhile: keep the first.
        Ok(lock(&self.rooms).entry(stream_id).or_insert(entry).clone())
    }

    /// The room of a stream if this node serves it now (a message from another node
    /// concerns no one here otherwise: a room loaded later reads the database).
    pub(super) fn loaded(&self, stream_id: i64) -> Option<Arc<RoomEntry>> {
        lock(&self.rooms).get(&stream_id).cloned()
    }

    /// Every room this node serves now.
    pub(super) fn loaded_rooms(&self) -> Vec<Arc<RoomEntry>> {
        lock(&self.rooms).values().cloned().collect()
    }

    /// Drop rooms nobody watches, nobody is counted in and no request holds.
    pub(super) fn forget_idle_rooms(&self) {
        lock(&self.rooms).retain(|_, entry| {
            entry.room.viewers_connected() > 0
                || !lock(&entry.presence).is_empty()
                || Arc::strong_count(entry) > 1
        });
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
        self.tell_peers(&Message::Event {
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
        self.tell_peers(&Message::Private {
            node: self.node.clone(),
            stream: stream_id,
            audience,
            kind: kind.into(),
            data,
        })
        .await;
        Ok(())
    }

    /// Count reaction taps; the tick broadcasts them in aggregate.
    pub async fn react(&self, shop_id: i64, stream_id: i64, n: u64) -> sqlx::Result<()> {
        self.room(shop_id, stream_id).await?.room.add_reactions(n);
        Ok(())
    }
}

impl RoomEntry {
    /// Run `send` once at the end of an interval of `every`, however often this is called
    /// during it: the first call schedules it, the others ride along. A thousand votes in
    /// a second are a handful of events, not a thousand.
    pub(super) fn soon<F, Fut>(self: &Arc<Self>, what: Due, every: std::time::Duration, send: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        use std::sync::atomic::Ordering;
        if self.due[what as usize].swap(true, Ordering::AcqRel) {
            return;
        }
        let entry = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(every).await;
            entry.due[what as usize].store(false, Ordering::Release);
            send().await;
        });
    }
}
