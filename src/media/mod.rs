//! Media: the WebRTC SFU. Broadcasters publish over WHIP (`/whip/{stream}`), shoppers
//! play over WHEP (`/whep/{stream}`); RTP is forwarded, never transcoded. The packet
//! path ([`room`], [`forward`]) knows nothing of the database: [`glue`] tells the
//! streams feature when a publisher arrives or leaves, and closes rooms of ended streams.
//! Design notes: docs/media.md.

/// Test tooling (a WHIP/WHEP client, synthetic media) for the integration tests and the
/// load tool only: the `testkit` feature, off in the server's build.
#[cfg(feature = "testkit")]
pub mod client;
pub mod cluster;
pub mod feedback;
pub mod forward;
pub mod glue;
pub mod gop;
pub mod http;
pub mod keyframe;
pub mod nominate;
pub mod peer;
pub mod publish;
pub mod publish_net;
pub mod rewrite;
pub mod room;
pub mod sdp;
pub mod session;
pub mod stats;
pub mod studio;
#[cfg(feature = "testkit")]
pub mod synth;
pub mod viewer;
pub mod whep;
pub mod whip;

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use governor::{DefaultKeyedRateLimiter, Quota};
use tokio::sync::mpsc;

use crate::config::Config;
use crate::state::AppState;
pub use room::Room;
pub use session::{Session, SessionKind};

/// What the packet path tells the rest of the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    /// The publisher of a stream disconnected (the grace period starts).
    PublisherGone {
        stream_id: i64,
    },
    ViewerJoined {
        stream_id: i64,
    },
    ViewerLeft {
        stream_id: i64,
    },
}

/// The SFU: rooms by stream id, sessions by their random id.
pub struct MediaHub {
    pub peers: peer::PeerFactory,
    /// This node among the others sharing the database: its id, its pulls.
    pub cluster: cluster::Node,
    rooms: Mutex<HashMap<i64, Arc<Room>>>,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    /// The publisher session of each stream.
    publishers: Mutex<HashMap<i64, String>>,
    generation: AtomicU64,
    events: mpsc::UnboundedSender<MediaEvent>,
    events_rx: Mutex<Option<mpsc::UnboundedReceiver<MediaEvent>>>,
    /// WHIP attempts per client address: 20 in a burst, then one every 3 s, so that
    /// guessing a key is hopeless while an encoder's reconnects pass.
    pub publish_attempts: DefaultKeyedRateLimiter<IpAddr>,
}

impl MediaHub {
    pub fn new(config: &Config) -> Arc<MediaHub> {
        let (events, events_rx) = mpsc::unbounded_channel();
        let quota = Quota::with_period(Duration::from_secs(3))
            .expect("non-zero period")
            .allow_burst(NonZeroU32::new(20).expect("non-zero"));
        Arc::new(MediaHub {
            peers: peer::PeerFactory::new(config),
            cluster: cluster::Node::new(config),
            rooms: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            publishers: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(1),
            events,
            events_rx: Mutex::new(Some(events_rx)),
            publish_attempts: DefaultKeyedRateLimiter::keyed(quota),
        })
    }

    pub(crate) fn emit(&self, event: MediaEvent) {
        let _ = self.events.send(event);
    }

    /// The event stream, for the one task that relays it (taken once).
    pub fn take_events(&self) -> Option<mpsc::UnboundedReceiver<MediaEvent>> {
        self.events_rx.lock().expect("hub lock").take()
    }

    pub fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::Relaxed)
    }

    pub fn room(&self, stream_id: i64) -> Option<Arc<Room>> {
        self.rooms
            .lock()
            .expect("hub lock")
            .get(&stream_id)
            .cloned()
    }

    pub fn room_or_new(&self, stream_id: i64) -> Arc<Room> {
        self.rooms
            .lock()
            .expect("hub lock")
            .entry(stream_id)
            .or_insert_with(|| Room::new(stream_id))
            .clone()
    }

    pub fn rooms(&self) -> Vec<Arc<Room>> {
        self.rooms
            .lock()
            .expect("hub lock")
            .values()
            .cloned()
            .collect()
    }

    pub fn session(&self, id: &str) -> Option<Arc<Session>> {
        self.sessions.lock().expect("hub lock").get(id).cloned()
    }

    pub fn insert_session(&self, session: Arc<Session>) {
        let mut sessions = self.sessions.lock().expect("hub lock");
        if session.kind == SessionKind::Publisher {
            self.publishers
                .lock()
                .expect("hub lock")
                .insert(session.stream_id, session.id.clone());
        }
        sessions.insert(session.id.clone(), session);
    }

    /// The current publisher session of a stream.
    pub fn publisher(&self, stream_id: i64) -> Option<Arc<Session>> {
        let id = self
            .publishers
            .lock()
            .expect("hub lock")
            .get(&stream_id)
            .cloned()?;
        self.session(&id)
    }

    /// Sessions of a stream, publisher and viewers.
    pub fn sessions_of(&self, stream_id: i64) -> Vec<Arc<Session>> {
        self.sessions
            .lock()
            .expect("hub lock")
            .values()
            .filter(|s| s.stream_id == stream_id)
            .cloned()
            .collect()
    }

    pub fn session_count(&self) -> usize {
        self.sessions.lock().expect("hub lock").len()
    }

    /// End a session: stop its tasks, close its connection, tell whoever needs to know.
    /// Idempotent; returns false if there was no such session.
    pub async fn close_session(&self, id: &str) -> bool {
        let Some(session) = self.sessions.lock().expect("hub lock").remove(id) else {
            return false;
        };
        session.stop_tasks();
        session.conn.close().await;
        let stream_id = session.stream_id;
        match session.kind {
            SessionKind::Publisher => {
                let was_current = {
                    let mut publishers = self.publishers.lock().expect("hub lock");
                    let current = publishers.get(&stream_id) == Some(&session.id);
                    if current {
                        publishers.remove(&stream_id);
                    }
                    current
                };
                if let Some(room) = self.room(stream_id) {
                    room.publisher_left(session.generation);
                }
                if was_current && !session.replaced() {
                    self.emit(MediaEvent::PublisherGone { stream_id });
                }
            }
            SessionKind::Pull => {
                if let Some(room) = self.room(stream_id) {
                    room.publisher_left(session.generation);
                }
                self.cluster.pull_closed(stream_id, &session.id);
            }
            SessionKind::Viewer => {
                if let Some(room) = self.room(stream_id) {
                    room.viewer_loss
                        .lock()
                        .expect("room lock")
                        .remove(&session.id);
                }
                self.emit(MediaEvent::ViewerLeft { stream_id });
            }
        }
        self.forget_idle_room(stream_id);
        true
    }

    /// Drop a room nobody uses any more (its counters go with it).
    fn forget_idle_room(&self, stream_id: i64) {
        let busy = self
            .sessions
            .lock()
            .expect("hub lock")
            .values()
            .any(|s| s.stream_id == stream_id);
        if !busy {
            self.rooms.lock().expect("hub lock").remove(&stream_id);
        }
    }

    /// The stream ended: every session of it closes.
    pub async fn end_stream(&self, stream_id: i64) {
        for session in self.sessions_of(stream_id) {
            self.close_session(&session.id).await;
        }
        self.rooms.lock().expect("hub lock").remove(&stream_id);
    }

    /// Server shutdown: close everything.
    pub async fn shutdown(&self) {
        let ids: Vec<String> = self
            .sessions
            .lock()
            .expect("hub lock")
            .keys()
            .cloned()
            .collect();
        for id in ids {
            self.close_session(&id).await;
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/whip/{stream}", post(whip::publish).options(http::options))
        .route(
            "/whip/{stream}/{session}",
            axum::routing::delete(whip::stop)
                .patch(http::no_trickle)
                .options(http::options),
        )
        .route(
            "/whep/{stream}",
            post(whep::play).get(whep::status).options(http::options),
        )
        .route(
            "/whep/{stream}/{session}",
            axum::routing::delete(whep::leave)
                .patch(http::no_trickle)
                .options(http::options),
        )
        .route("/internal/whep/{stream}", post(cluster::internal::pull))
        .route("/studio/{stream}", get(studio::page))
        .route("/studio/{stream}/publish", post(whip::publish_from_studio))
        .route(
            "/studio/{stream}/publish/{session}",
            axum::routing::delete(whip::stop_from_studio),
        )
        .route("/studio/{stream}/stats", get(studio::stats))
}
