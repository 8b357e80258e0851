//! The publisher side of a room: accept a WHIP offer (replacing a dead session of
//! the same stream), and read each incoming track into the room's fan-out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::RTCSessionDescription;

use super::http::Refusal;
use super::keyframe::{VideoCodec, is_keyframe};
use super::rewrite::Media;
use super::room::Room;
use super::session::{Events, Session, SessionKind};
use super::{MediaHub, peer};

/// A publisher that has sent nothing for this long may be replaced by a reconnect.
pub const PUBLISHER_SILENCE: Duration = Duration::from_secs(2);

/// Start publishing `stream_id` with `offer`; returns the session and the answer SDP.
pub async fn start(
    hub: &Arc<MediaHub>,
    stream_id: i64,
    offer: RTCSessionDescription,
) -> Result<(Arc<Session>, String), Refusal> {
    if let Some(current) = hub.publisher(stream_id) {
        // Dead: its connection failed or closed, or it has sent nothing for a while
        // (a dropped network often looks connected until ICE times out).
        let silent = hub
            .room(stream_id)
            .is_some_and(|room| room.silence() > PUBLISHER_SILENCE)
            && current.created.elapsed() > PUBLISHER_SILENCE;
        if current.is_alive() && !silent {
            return Err(Refusal::conflict(
                "already_publishing",
                "This stream is already being broadcast from another encoder or tab. Stop that one first.",
            ));
        }
        // A reconnect: the old session is dead, the new one takes over without a gap
        // in the stream's "live" state.
        current.mark_replaced();
        hub.close_session(&current.id).await;
    }
    let room = hub.room_or_new(stream_id);
    let generation = hub.next_generation();
    room.start_generation(generation);
    let id = crate::auth::tokens::random_token();
    let (events, state) = Events::new(hub, &id, Some((room, generation)));
    let gathered = events.gathered.clone();
    let pc = hub.peers.build(events).await?;
    let answer = match peer::answer(&hub.peers, &pc, offer, &gathered).await {
        Ok(answer) => answer,
        Err(err) => {
            let _ = pc.close().await;
            return Err(Refusal::bad_request(format!(
                "The offer could not be answered: {err}."
            )));
        }
    };
    let session = Arc::new(Session::new(
        id,
        stream_id,
        SessionKind::Publisher,
        generation,
        super::session::Connection::Peer(pc),
        state,
    ));
    hub.insert_session(session.clone());
    Ok((session, answer))
}

/// Forward one publisher track into the room until it ends.
pub async fn read_track(room: Arc<Room>, generation: u64, track: Arc<dyn TrackRemote>) {
    let Some(ssrc) = track.ssrcs().await.first().copied() else {
        return;
    };
    let Some(codec) = track.codec(ssrc).await else {
        return;
    };
    let is_video = track.kind().await == RtpCodecKind::Video;
    let video_codec = VideoCodec::from_mime(&codec.mime_type);
    if is_video && video_codec.is_none() {
        tracing::warn!(mime = %codec.mime_type, "publisher video codec not forwarded");
        return;
    }
    room.track_opened(generation, codec, is_video.then(|| (track.clone(), ssrc)));
    if is_video {
        room.request_keyframe();
    }
    let mut payload_type = None;
    while let Some(event) = track.poll().await {
        let TrackRemoteEvent::OnRtpPacket(mut packet) = event else {
            continue;
        };
        let header = &mut packet.header;
        // Only the primary stream (not RTX) and one codec; no padding-only probes.
        if header.ssrc != ssrc || packet.payload.is_empty() {
            continue;
        }
        if *payload_type.get_or_insert(header.payload_type) != header.payload_type {
            continue;
        }
        // The viewer's sender refuses extensions it did not negotiate, and ids differ per
        // connection anyway: strip them; each viewer's sender adds its own.
        header.extension = false;
        header.extension_profile = 0;
        header.extensions.clear();
        header.extensions_padding = 0;
        header.padding = false;
        let keyframe = video_codec.is_some_and(|c| is_keyframe(c, &packet.payload));
        room.publish(
            Media {
                generation,
                keyframe,
                packet,
                received: Instant::now(),
            },
            is_video,
        );
    }
}
