//! What the rooms of one stream on different nodes tell each other, over `notify`'s
//! `showfloor_live` channel: durable events already stored, private events, reaction
//! taps and viewer counts. Each node applies what it hears to the rooms it serves and
//! ignores its own echo. On SQLite the process is the only node and nothing is sent.

use std::sync::{Arc, Weak};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::registry::{Audience, LiveHub, lock};
use super::room::LiveEvent;
use crate::notify::{Heard, Notify};

/// The PostgreSQL channel every node listens on.
pub const CHANNEL: &str = "showfloor_live";

/// What nodes tell each other.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub(super) enum Message {
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

/// Hear the other nodes. The subscription holds the hub weakly: the hub holds `notify`,
/// and a strong reference back would keep both alive forever.
pub(super) fn subscribe(hub: &Arc<LiveHub>, notify: &Notify) {
    let hub: Weak<LiveHub> = Arc::downgrade(hub);
    notify.subscribe(CHANNEL, move |heard| {
        let Some(hub) = hub.upgrade() else { return };
        match heard {
            Heard::Message(payload) => hub.receive(payload),
            // Nothing to undo: other nodes re-announce their counts within
            // `presence::ANNOUNCE_EVERY` (stale ones expire), and durable events sent
            // meanwhile are stored, so the next snapshot (a page load or a resync) has them.
            Heard::Lost => {
                tracing::warn!("LISTEN connection lost: live events of other nodes may be missed")
            }
        }
    });
}

impl LiveHub {
    /// Tell the other nodes. A failure is logged, not returned: this node's viewers already
    /// have the event, and the others see it when they resume from the database.
    pub(super) async fn tell_peers(&self, message: &Message) {
        if !self.notify.has_peers() {
            return; // the only node: skip serialising what nobody hears
        }
        let Ok(payload) = serde_json::to_string(message) else {
            return;
        };
        if let Err(err) = self.notify.send(CHANNEL, &payload).await {
            tracing::warn!(error = %err, "live NOTIFY failed; other nodes miss this event until they resync");
        }
    }

    /// Apply a message from another node.
    fn receive(&self, payload: &str) {
        let Ok(message) = serde_json::from_str::<Message>(payload) else {
            tracing::warn!("ignored a malformed live NOTIFY payload");
            return;
        };
        let (node, stream) = match &message {
            Message::Event { node, stream, .. }
            | Message::Reactions { node, stream, .. }
            | Message::Viewers { node, stream, .. }
            | Message::Private { node, stream, .. } => (node, *stream),
        };
        if *node == self.node {
            return;
        }
        // Only rooms this node serves care; others load from the database when opened.
        let Some(entry) = self.loaded(stream) else {
            return;
        };
        match message {
            Message::Event { id, kind, data, .. } => {
                entry.room.publish(LiveEvent::durable(id, kind, data))
            }
            Message::Reactions { n, .. } => entry.room.add_reactions_from_peer(n),
            Message::Viewers { n, node, .. } => {
                lock(&entry.presence).heard_from(node, n, Instant::now())
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_the_wire_format_other_nodes_read() {
        // Nodes of two versions share a database during a rolling upgrade.
        let message = Message::Viewers {
            node: "n1".into(),
            stream: 7,
            n: 3,
        };
        assert_eq!(
            serde_json::to_string(&message).unwrap(),
            r#"{"t":"viewers","node":"n1","stream":7,"n":3}"#
        );
        let private: Message = serde_json::from_str(
            r#"{"t":"private","node":"n2","stream":7,"audience":"staff","kind":"order","data":"{}"}"#,
        )
        .unwrap();
        assert!(matches!(
            private,
            Message::Private {
                audience: Audience::Staff,
                ..
            }
        ));
    }
}
