//! The hub's heartbeat: every ~500 ms each room broadcasts its reaction taps in one
//! aggregate and its viewer counts when they changed, expired visits are closed, idle
//! rooms forgotten, and the other nodes told this node's share. Aggregating here is
//! what keeps a burst of taps from becoming one event per tap for every viewer.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::peers::Message;
use super::registry::{LiveHub, RoomEntry, lock};
use super::room::LiveEvent;
use super::store;

/// How often counts are aggregated and broadcast.
pub const TICK: Duration = Duration::from_millis(500);

impl LiveHub {
    /// One tick over every room this node serves.
    pub async fn tick(&self) {
        for entry in self.loaded_rooms() {
            self.tick_reactions(&entry).await;
            self.tick_presence(&entry).await;
            self.tick_stock(&entry).await;
        }
        self.forget_idle_rooms();
    }

    async fn tick_reactions(&self, entry: &RoomEntry) {
        let Some((n, total)) = entry.room.take_reactions() else {
            return;
        };
        let stream = entry.room.stream_id;
        // Recorded before it is shown, so what viewers saw is what reports count.
        if let Err(err) =
            store::insert_reaction_tick(&self.db.pool, entry.shop_id, stream, n as i64).await
        {
            tracing::warn!(error = %err, "could not record reactions");
        }
        entry.room.publish(LiveEvent::ephemeral(
            "reactions",
            json!({ "n": n, "total": total }).to_string(),
        ));
        self.tell_peers(&Message::Reactions {
            node: self.node.clone(),
            stream,
            n,
        })
        .await;
    }

    async fn tick_presence(&self, entry: &RoomEntry) {
        let settled = lock(&entry.presence).settle(self.grace);
        for visit in settled.expired {
            if let Err(err) =
                store::presence::close_visit(&self.db.pool, visit.visit_id, visit.left_at_ms).await
            {
                tracing::warn!(error = %err, "could not close a viewer visit");
            }
        }
        if let Some(counts) = settled.changed {
            entry.room.publish(LiveEvent::ephemeral(
                "viewers",
                json!({ "now": counts.now, "peak": counts.peak }).to_string(),
            ));
        }
        if let Some(n) = settled.announce {
            self.tell_peers(&Message::Viewers {
                node: self.node.clone(),
                stream: entry.room.stream_id,
                n,
            })
            .await;
        }
    }

    /// Tick until `stop` fires, then close the visits this node still holds. What other
    /// nodes say arrives through `notify`, on its own task.
    pub async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut ticker = tokio::time::interval(TICK);
        // A tick delayed by a slow database is not worth catching up: counts are current.
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                _ = ticker.tick() => self.tick().await,
            }
        }
        self.close_all_visits().await;
    }
}
