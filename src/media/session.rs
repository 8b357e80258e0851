//! A publisher, viewer or pull session: its peer connection, the tasks serving it, and the
//! connection-state handling that closes it on failure, disconnect timeout or close.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionEventHandler, RTCIceGatheringState, RTCPeerConnectionState,
};

use super::MediaHub;
use super::room::Room;

/// How long a disconnected session may take to come back before it is closed.
pub const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(8);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Publisher,
    Viewer,
    /// This node pulling the stream from its origin node (`super::cluster`): the room's
    /// source, as a publisher is, but it says nothing to the streams feature when it ends.
    Pull,
}

/// What a session's connection is run by.
pub enum Connection {
    /// A `webrtc` crate peer connection and its driver (publishers, pulls).
    Peer(Arc<dyn PeerConnection>),
    /// A viewer connection run by its own task on `rtc`'s core (`super::forward`); notified
    /// to close, it says goodbye (DTLS close) and ends.
    Driven(Arc<Notify>),
}

impl Connection {
    pub async fn close(&self) {
        match self {
            Connection::Peer(pc) => {
                let _ = pc.close().await;
            }
            Connection::Driven(stop) => stop.notify_one(),
        }
    }
}

pub struct Session {
    pub id: String,
    pub stream_id: i64,
    pub kind: SessionKind,
    /// The publisher session's packet generation (0 for viewers).
    pub generation: u64,
    pub conn: Connection,
    pub state: watch::Receiver<RTCPeerConnectionState>,
    pub created: Instant,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// A reconnecting publisher took over: its departure is not "publisher gone".
    replaced: AtomicBool,
}

impl Session {
    pub fn new(
        id: String,
        stream_id: i64,
        kind: SessionKind,
        generation: u64,
        conn: Connection,
        state: watch::Receiver<RTCPeerConnectionState>,
    ) -> Session {
        Session {
            id,
            stream_id,
            kind,
            generation,
            conn,
            state,
            created: Instant::now(),
            tasks: Mutex::new(Vec::new()),
            replaced: AtomicBool::new(false),
        }
    }

    pub fn add_task(&self, task: JoinHandle<()>) {
        self.tasks.lock().expect("session lock").push(task);
    }

    pub fn stop_tasks(&self) {
        for task in self.tasks.lock().expect("session lock").drain(..) {
            task.abort();
        }
    }

    pub fn mark_replaced(&self) {
        self.replaced.store(true, Ordering::Relaxed);
    }

    pub fn replaced(&self) -> bool {
        self.replaced.load(Ordering::Relaxed)
    }

    /// Connected now, or still setting up (not failed, closed or disconnected).
    pub fn is_alive(&self) -> bool {
        matches!(
            *self.state.borrow(),
            RTCPeerConnectionState::Connected
                | RTCPeerConnectionState::Connecting
                | RTCPeerConnectionState::New
                | RTCPeerConnectionState::Unspecified
        )
    }
}

/// Receives one peer connection's events.
pub struct Events {
    pub hub: Weak<MediaHub>,
    pub id: String,
    pub gathered: Arc<Notify>,
    pub state: watch::Sender<RTCPeerConnectionState>,
    /// Publishers and pulls only: where their tracks go.
    pub publish_to: Option<(Arc<Room>, u64)>,
}

impl Events {
    pub fn new(
        hub: &Arc<MediaHub>,
        id: &str,
        publish_to: Option<(Arc<Room>, u64)>,
    ) -> (Arc<Events>, watch::Receiver<RTCPeerConnectionState>) {
        let (state, state_rx) = watch::channel(RTCPeerConnectionState::New);
        let events = Arc::new(Events {
            hub: Arc::downgrade(hub),
            id: id.to_string(),
            gathered: Arc::new(Notify::new()),
            state,
            publish_to,
        });
        (events, state_rx)
    }

    /// The connection's new state: published to the session, and a failed or closed
    /// connection closes the session (a disconnected one after [`DISCONNECT_TIMEOUT`]).
    pub fn state_changed(&self, state: RTCPeerConnectionState) {
        self.state.send_replace(state);
        match state {
            RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed => {
                self.close_later(None)
            }
            RTCPeerConnectionState::Disconnected => self.close_later(Some(DISCONNECT_TIMEOUT)),
            _ => {}
        }
    }

    fn close_later(&self, after: Option<Duration>) {
        let hub = self.hub.clone();
        let id = self.id.clone();
        let mut state = self.state.subscribe();
        tokio::spawn(async move {
            if let Some(wait) = after {
                // Come back within the timeout, or be closed.
                let back = tokio::time::timeout(
                    wait,
                    state.wait_for(|s| *s == RTCPeerConnectionState::Connected),
                )
                .await;
                if matches!(back, Ok(Ok(_))) {
                    return;
                }
            }
            if let Some(hub) = hub.upgrade() {
                hub.close_session(&id).await;
            }
        });
    }
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Events {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.notify_one();
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        self.state_changed(state);
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        if let Some((room, generation)) = &self.publish_to {
            tokio::spawn(super::publish::read_track(room.clone(), *generation, track));
        }
    }
}
