//! The node's routing loop, every [`TICK`]: as an origin, beat for each stream whose
//! publisher here still sends and let go of those whose publisher left; as an edge, stop
//! a pull [`LINGER`] after its last viewer left, and pull again when the stream's origin
//! moved to another node (or a node whose publisher moved away still has viewers). At
//! shutdown it lets go of every stream, so the next origin need not wait for the timeout.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use webrtc::peer_connection::RTCPeerConnectionState;

use super::{BEAT_SILENCE, pull, store};
use crate::media::publish::PUBLISHER_SILENCE;
use crate::media::{MediaHub, SessionKind};
use crate::state::AppState;

pub const TICK: Duration = Duration::from_millis(500);

/// How long a pull outlives its last local viewer (a viewer who reloads finds it warm).
pub const LINGER: Duration = Duration::from_secs(10);

/// Origin rows this old belong to a node that died without a word: deleted.
const FORGET_DEAD: Duration = Duration::from_secs(30);

pub fn spawn(state: &AppState, mut shutdown: watch::Receiver<bool>) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut rounds: u64 = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => break,
            }
            rounds += 1;
            if let Err(err) = round(&state, rounds.is_multiple_of(20)).await {
                tracing::warn!(error = %err, "media routing round failed");
            }
        }
        let node = &state.media.cluster;
        if let Err(err) = store::release_all(&state.db.pool, &node.id).await {
            tracing::warn!(error = %err, "could not let go of this node's streams");
        }
    });
}

async fn round(state: &AppState, housekeeping: bool) -> sqlx::Result<()> {
    let hub = &state.media;
    let (db, backend) = (&state.db.pool, state.db.backend);
    let node = &hub.cluster;

    // Origin: beat while the publisher sends; let go once it is gone.
    let sending: Vec<i64> = hub
        .rooms()
        .iter()
        .filter(|room| {
            hub.publisher(room.stream_id).is_some_and(|p| p.is_alive())
                && room.silence() < BEAT_SILENCE
        })
        .map(|room| room.stream_id)
        .collect();
    store::heartbeat(db, backend, &node.id, &sending).await?;
    let gone: Vec<i64> = {
        let mut claimed = node.claimed.lock().expect("node lock");
        let gone: Vec<i64> = claimed
            .iter()
            .copied()
            .filter(|id| hub.publisher(*id).is_none())
            .collect();
        for id in &gone {
            claimed.remove(id);
        }
        gone
    };
    for stream_id in gone {
        store::release(db, stream_id, &node.id).await?;
    }
    // A publisher here that went silent while the stream's origin moved elsewhere (it
    // reconnected to another node): replaced, as a reconnect on one node replaces it, so
    // its departure does not start the stream's end-of-stream grace period.
    for room in hub.rooms() {
        let Some(publisher) = hub.publisher(room.stream_id) else {
            continue;
        };
        if room.silence() < PUBLISHER_SILENCE {
            continue;
        }
        let origin = store::find(db, backend, room.stream_id).await?;
        if origin.is_some_and(|o| o.alive() && o.node_id != node.id) {
            publisher.mark_replaced();
            hub.close_session(&publisher.id).await;
        }
    }

    // Edge: linger, re-pull when the origin moved.
    let now = Instant::now();
    let mut pulled = HashSet::new();
    for (stream_id, p) in node.pulls() {
        pulled.insert(stream_id);
        if viewers(hub, stream_id) == 0 {
            match p.idle_since {
                None => node.set_idle(stream_id, Some(now)),
                Some(since) if now - since >= LINGER => {
                    hub.close_session(&p.session).await;
                }
                Some(_) => {}
            }
            continue;
        }
        node.set_idle(stream_id, None);
        let origin = store::find(db, backend, stream_id).await?;
        match origin.filter(store::Origin::alive) {
            // The publisher is here now (WHIP closes the pull too; this is the backstop).
            Some(o) if o.node_id == node.id => {
                hub.close_session(&p.session).await;
            }
            // The origin moved, or this pull broke (failed before its session was even
            // registered, or closed by the origin): pull again.
            Some(o) if o.node_id != p.origin || broken(hub, &p.session) => {
                repull(state, stream_id, &o, Some(&p.session)).await;
            }
            _ => {}
        }
    }

    // A node whose viewers' source went away (its publisher moved to another node, or
    // its pull broke): pull from wherever the stream is now.
    for room in hub.rooms() {
        let stream_id = room.stream_id;
        let sending = hub.publisher(stream_id).is_some_and(|p| p.is_alive())
            && room.silence() < PUBLISHER_SILENCE;
        if pulled.contains(&stream_id) || sending || viewers(hub, stream_id) == 0 {
            continue;
        }
        let origin = store::find(db, backend, stream_id).await?;
        if let Some(origin) = origin.filter(|o| o.alive() && o.node_id != node.id) {
            repull(state, stream_id, &origin, None).await;
        }
    }

    if housekeeping {
        // Their node died: nobody else will say the publisher left (the stream's grace
        // period starts, as when a publisher leaves a live node).
        for stream_id in store::forget_dead(db, backend, FORGET_DEAD.as_millis() as i64).await? {
            hub.emit(crate::media::MediaEvent::PublisherGone { stream_id });
        }
    }
    Ok(())
}

/// A pull whose connection failed or closed (a disconnected one gets its timeout first).
fn broken(hub: &MediaHub, session: &str) -> bool {
    hub.session(session).is_none_or(|s| {
        matches!(
            *s.state.borrow(),
            RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed
        )
    })
}

fn viewers(hub: &MediaHub, stream_id: i64) -> usize {
    hub.sessions_of(stream_id)
        .iter()
        .filter(|s| s.kind == SessionKind::Viewer)
        .count()
}

/// Pull `stream_id` from `origin`, in place of the pull `old` if there is one.
async fn repull(state: &AppState, stream_id: i64, origin: &store::Origin, old: Option<&str>) {
    let hub = &state.media;
    let node = &hub.cluster;
    let Some(secret) = node.secret() else {
        return;
    };
    let Some(public_id) = public_id(state, stream_id).await else {
        return;
    };
    let gate = node.starting(stream_id);
    let _one_at_a_time = gate.lock().await;
    if let Some(old) = old {
        hub.close_session(old).await;
    }
    match pull::start(hub, stream_id, &public_id, origin, secret).await {
        Ok(session) => {
            tracing::info!(stream = stream_id, origin = %origin.node_id, "pulling from the stream's new origin");
            node.pull_started(stream_id, session.id.clone(), origin.node_id.clone());
        }
        Err(err) => {
            tracing::warn!(stream = stream_id, origin = %origin.media_url, error = %err, "could not pull from the origin node; trying again");
        }
    }
}

async fn public_id(state: &AppState, stream_id: i64) -> Option<String> {
    crate::streams::store::by_internal_id(&state.db.pool, stream_id)
        .await
        .ok()
        .flatten()
        .map(|s| s.public_id)
}
