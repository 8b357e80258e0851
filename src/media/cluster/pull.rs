//! An edge's one pull of a stream from its origin node: a WHEP client (receive-only video
//! and audio, a full ICE agent since the origin is ICE-lite) whose tracks feed this
//! node's room exactly as a publisher's do (`publish::read_track`), under a new
//! generation, so local viewers re-base on it as on a reconnecting publisher. Keyframe
//! requests from local viewers go up the pull as PLI, and the origin passes them on.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use rtc::rtp_transceiver::RTCRtpTransceiverDirection;
use rtc::rtp_transceiver::RTCRtpTransceiverInit;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use webrtc::peer_connection::RTCSessionDescription;

use super::http::http;
use super::store::Origin;
use crate::media::MediaHub;
use crate::media::session::{Connection, Events, Session, SessionKind};

/// The whole exchange with the origin (connect, offer, answer) is bounded by this, so a
/// viewer waiting on a dead origin hears so well within five seconds.
pub const PULL_TIMEOUT: Duration = Duration::from_millis(2500);

/// How long gathering may take (host candidates on this node's own addresses: instant).
const GATHER_WAIT: Duration = Duration::from_millis(500);

/// Pull `public_id` (stream `stream_id`) from `origin` into this node's room.
pub async fn start(
    hub: &Arc<MediaHub>,
    stream_id: i64,
    public_id: &str,
    origin: &Origin,
    secret: &str,
) -> anyhow::Result<Arc<Session>> {
    let room = hub.room_or_new(stream_id);
    let generation = hub.next_generation();
    let id = crate::auth::tokens::random_token();
    let (events, state) = Events::new(hub, &id, Some((room.clone(), generation)));
    let gathered = events.gathered.clone();
    let pc = hub.peers.build_client(events).await?;
    let exchange = async {
        for kind in [RtpCodecKind::Video, RtpCodecKind::Audio] {
            let init = RTCRtpTransceiverInit {
                direction: RTCRtpTransceiverDirection::Recvonly,
                ..Default::default()
            };
            pc.add_transceiver_from_kind(kind, Some(init)).await?;
        }
        let offer = pc.create_offer(None).await?;
        pc.set_local_description(offer).await?;
        let _ = tokio::time::timeout(GATHER_WAIT, gathered.notified()).await;
        let offer = pc.local_description().await.context("no local offer")?;
        let auth = format!("Bearer {secret}");
        let headers = [
            ("Content-Type", "application/sdp"),
            ("Authorization", &auth),
        ];
        let path = format!("/internal/whep/{public_id}");
        let reply = http("POST", &origin.media_url, &path, &headers, &offer.sdp).await?;
        if reply.status != 201 {
            bail!(
                "the origin answered {}: {}",
                reply.status,
                reply.body.trim()
            );
        }
        // Viewers re-base on this source from its first packet.
        room.start_generation(generation);
        pc.set_remote_description(RTCSessionDescription::answer(reply.body)?)
            .await?;
        anyhow::Ok(())
    };
    let outcome = tokio::time::timeout(PULL_TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within {PULL_TIMEOUT:?}")));
    if let Err(err) = outcome {
        let _ = pc.close().await;
        return Err(err);
    }
    let session = Arc::new(Session::new(
        id,
        stream_id,
        SessionKind::Pull,
        generation,
        Connection::Peer(pc),
        state,
    ));
    hub.insert_session(session.clone());
    Ok(session)
}
