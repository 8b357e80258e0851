//! Media beyond one node. Several nodes share one database behind a load balancer that
//! sends any request anywhere. The node a stream's publisher is connected to is its
//! **origin**, recorded in `media_origins` with a heartbeat on the database's clock
//! ([`store`]). A WHEP request for that stream on another node makes that node an
//! **edge**: it pulls the stream once from the origin over WHEP itself ([`pull`], to the
//! origin's internal endpoint [`internal`], authorised by `--node-secret`, never the
//! stream key), serves every local viewer from that one pull as if it were a publisher,
//! and stops pulling a while after its last viewer left ([`route`]). When the publisher
//! reconnects to another node, that node becomes the origin and the others pull from it
//! as a new generation: their viewers continue with a keyframe, on continuous sequence
//! numbers, without reloading.
//!
//! No cluster protocol of our own: the routing table is the database the nodes share,
//! the relay is WHEP (as live777's cascade and MediaMTX's read replicas do).

pub mod http;
pub mod internal;
pub mod pull;
pub mod route;
pub mod store;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use super::http::Refusal;
use super::room::Room;
use crate::config::Config;
use crate::state::AppState;

/// An origin that has not beaten for this long is dead: another node may take the stream
/// over, and edges stop pulling from it. Heartbeats go every [`route::TICK`] while the
/// publisher sends, and stop once it has been silent for [`BEAT_SILENCE`]: a publisher
/// whose connection dropped can reconnect to another node after about 2.5 s of silence
/// (on one node a reconnect replaces it after `publish::PUBLISHER_SILENCE`, 2 s).
pub const ORIGIN_STALE: Duration = Duration::from_millis(1500);

impl store::Origin {
    /// Its node still beats for it ([`ORIGIN_STALE`], on the database's clock).
    pub fn alive(&self) -> bool {
        self.age_ms <= ORIGIN_STALE.as_millis() as i64
    }
}

/// A publisher silent this long no longer keeps its node the origin.
pub const BEAT_SILENCE: Duration = Duration::from_secs(1);

/// This node among those sharing the database.
pub struct Node {
    /// Random per process: a restarted node is a new node.
    pub id: String,
    url: OnceLock<String>,
    secret: Option<SecretString>,
    pulls: Mutex<HashMap<i64, PullState>>,
    /// Streams this node recorded itself the origin of.
    claimed: Mutex<HashSet<i64>>,
    /// One pull being set up per stream, however many viewers arrive at once.
    starting: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// The last egress sample: when, bytes, and the rate it gave.
    egress: Mutex<(Instant, u64, f64)>,
}

/// A pull this node runs.
#[derive(Debug, Clone)]
pub struct PullState {
    pub session: String,
    /// The origin node it pulls from.
    pub origin: String,
    /// Since when it has had no local viewer.
    pub idle_since: Option<Instant>,
}

impl Node {
    pub fn new(config: &Config) -> Node {
        Node {
            id: crate::auth::tokens::random_token()[..12].to_string(),
            url: OnceLock::new(),
            secret: config.node_secret.clone(),
            pulls: Mutex::new(HashMap::new()),
            claimed: Mutex::new(HashSet::new()),
            starting: Mutex::new(HashMap::new()),
            egress: Mutex::new((Instant::now(), 0, 0.0)),
        }
    }

    /// Bits per second sent to viewers, from the running total `bytes` (rooms that closed
    /// take their bytes with them: the rate never goes below zero).
    pub fn egress_rate(&self, bytes: u64) -> f64 {
        let mut e = self.egress.lock().expect("node lock");
        let elapsed = e.0.elapsed().as_secs_f64();
        if elapsed >= 1.0 {
            let rate = bytes.saturating_sub(e.1) as f64 * 8.0 / elapsed;
            *e = (Instant::now(), bytes, rate);
        }
        e.2
    }

    /// Where the other nodes reach this one (known once the listener is bound).
    pub fn set_url(&self, url: String) {
        let _ = self.url.set(url);
    }

    pub fn url(&self) -> &str {
        self.url.get().map_or("", String::as_str)
    }

    /// The node credential, when this node takes part in pulls.
    pub fn secret(&self) -> Option<&str> {
        self.secret.as_ref().map(|s| s.expose_secret())
    }

    /// Whether `presented` is the node credential (compared in constant time).
    pub fn accepts(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.secret()
            .is_some_and(|s| bool::from(s.as_bytes().ct_eq(presented.as_bytes())))
    }

    pub fn pull_of(&self, stream_id: i64) -> Option<PullState> {
        self.pulls
            .lock()
            .expect("node lock")
            .get(&stream_id)
            .cloned()
    }

    pub fn pulls(&self) -> Vec<(i64, PullState)> {
        let pulls = self.pulls.lock().expect("node lock");
        pulls.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    fn pull_started(&self, stream_id: i64, session: String, origin: String) {
        self.pulls.lock().expect("node lock").insert(
            stream_id,
            PullState {
                session,
                origin,
                idle_since: None,
            },
        );
    }

    /// A pull session closed (only forgets it if it is still the stream's pull).
    pub fn pull_closed(&self, stream_id: i64, session: &str) {
        let mut pulls = self.pulls.lock().expect("node lock");
        if pulls.get(&stream_id).is_some_and(|p| p.session == session) {
            pulls.remove(&stream_id);
        }
    }

    fn set_idle(&self, stream_id: i64, idle_since: Option<Instant>) {
        if let Some(p) = self.pulls.lock().expect("node lock").get_mut(&stream_id) {
            p.idle_since = idle_since;
        }
    }

    fn starting(&self, stream_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        self.starting
            .lock()
            .expect("node lock")
            .entry(stream_id)
            .or_default()
            .clone()
    }
}

/// WHIP on this node: record it as the stream's origin, unless a live origin elsewhere
/// holds the stream (the same 409 as a second encoder on one node).
pub async fn claim(state: &AppState, stream_id: i64) -> Result<(), Refusal> {
    let node = &state.media.cluster;
    let refused = store::claim(
        &state.db.pool,
        state.db.backend,
        stream_id,
        &node.id,
        node.url(),
        ORIGIN_STALE.as_millis() as i64,
    )
    .await?;
    if refused.is_some() {
        return Err(Refusal::conflict(
            "already_publishing",
            "This stream is already being broadcast from another encoder or tab. Stop that one first.",
        ));
    }
    node.claimed.lock().expect("node lock").insert(stream_id);
    Ok(())
}

/// Whether another node holds the stream's publisher, alive (by its heartbeat).
pub async fn live_elsewhere(state: &AppState, stream_id: i64) -> sqlx::Result<bool> {
    let origin = store::find(&state.db.pool, state.db.backend, stream_id).await?;
    Ok(origin.is_some_and(|o| o.alive() && o.node_id != state.media.cluster.id))
}

/// WHEP on this node for a stream it has no source for: if a live origin elsewhere has
/// it, pull it here (once) and give back the room its viewers join. `Ok(None)`: no other
/// node has it either (the caller says "the host is connecting").
pub async fn edge_room(
    state: &AppState,
    stream_id: i64,
    public_id: &str,
) -> Result<Option<Arc<Room>>, Refusal> {
    let hub = &state.media;
    let node = &hub.cluster;
    let Some(origin) = store::find(&state.db.pool, state.db.backend, stream_id).await? else {
        return Ok(None);
    };
    if origin.node_id == node.id || !origin.alive() {
        return Ok(None);
    }
    let Some(secret) = node.secret() else {
        tracing::warn!(
            stream = stream_id,
            origin = %origin.node_id,
            "a viewer asked for a stream published on another node, but this node has no --node-secret to pull it with"
        );
        return Err(Refusal::unavailable(
            "origin_unreachable",
            "The video is on another server this one cannot reach. Retrying…",
        ));
    };
    let gate = node.starting(stream_id);
    let _one_at_a_time = gate.lock().await;
    if node.pull_of(stream_id).is_some() {
        return Ok(hub.room(stream_id));
    }
    match pull::start(hub, stream_id, public_id, &origin, secret).await {
        Ok(session) => {
            node.pull_started(stream_id, session.id.clone(), origin.node_id.clone());
            Ok(hub.room(stream_id))
        }
        Err(err) => {
            tracing::warn!(stream = stream_id, origin = %origin.media_url, error = %err, "could not pull from the origin node");
            Err(Refusal::unavailable(
                "origin_unreachable",
                "The video's server is not answering. Retrying…",
            ))
        }
    }
}
