//! The viewer side: answer a WHEP offer with tracks carrying the publisher's codecs,
//! then one forwarder task per track reads the room's fan-out, rewrites each packet
//! for this viewer and hands it to the viewer's connection; one more task per track
//! reads the viewer's RTCP (keyframe requests, loss reports).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rtc::media_stream::MediaStreamTrack;
use rtc::rtcp;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::peer_connection::{RTCPeerConnectionState, RTCSessionDescription};
use webrtc::rtp_transceiver::RtpSender;

use super::http::Refusal;
use super::rewrite::{Media, Rewriter};
use super::room::{Room, Tracks};
use super::session::{Events, Session, SessionKind};
use super::{MediaEvent, MediaHub, peer};

/// How much faster than real time a joining viewer gets the cached GOP.
const REPLAY_SPEEDUP: u32 = 4;

/// Join `room` as a viewer with `offer`; returns the session and the answer SDP.
pub async fn join(
    hub: &Arc<MediaHub>,
    room: Arc<Room>,
    tracks: Tracks,
    offer: RTCSessionDescription,
) -> Result<(Arc<Session>, String), Refusal> {
    let id = crate::auth::tokens::random_token();
    let (events, state) = Events::new(hub, &id, None);
    let gathered = events.gathered.clone();
    let pc = hub.peers.build(events, true).await?;
    let mut outgoing = Vec::new();
    for (codec, kind) in [
        (tracks.video.clone(), RtpCodecKind::Video),
        (tracks.audio.clone(), RtpCodecKind::Audio),
    ] {
        let Some(codec) = codec else { continue };
        let ssrc = rand::random::<u32>();
        let track = Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
            format!("showfloor-{}", room.stream_id),
            format!("{kind}-{ssrc}"),
            format!("{kind}"),
            kind,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(ssrc),
                    ..Default::default()
                },
                codec: codec.clone(),
                ..Default::default()
            }],
        )));
        let sender = match pc.add_track(track.clone() as Arc<dyn TrackLocal>).await {
            Ok(sender) => sender,
            Err(err) => {
                let _ = pc.close().await;
                return Err(Refusal::bad_request(format!(
                    "Cannot add the {kind} track: {err}."
                )));
            }
        };
        outgoing.push((track, sender, codec, ssrc, kind == RtpCodecKind::Video));
    }
    let answer = match peer::answer(&pc, offer, &gathered).await {
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
        room.stream_id,
        SessionKind::Viewer,
        0,
        pc.clone(),
        state.clone(),
    ));
    for (track, sender, codec, ssrc, video) in outgoing {
        let Some(payload_type) = negotiated_payload_type(&sender, &codec).await else {
            let _ = pc.close().await;
            return Err(Refusal::bad_request(format!(
                "This player cannot receive {} that the broadcaster sends.",
                codec.mime_type
            )));
        };
        let rewriter = Rewriter::new(ssrc, payload_type, codec.clock_rate, video);
        session.add_task(tokio::spawn(forward(
            room.clone(),
            state.clone(),
            track.clone(),
            rewriter,
            video,
        )));
        session.add_task(tokio::spawn(read_feedback(
            room.clone(),
            session.id.clone(),
            track,
        )));
    }
    hub.insert_session(session.clone());
    hub.emit(MediaEvent::ViewerJoined {
        stream_id: room.stream_id,
    });
    Ok((session, answer))
}

/// The payload type this viewer negotiated for the publisher's codec.
async fn negotiated_payload_type(sender: &Arc<dyn RtpSender>, codec: &RTCRtpCodec) -> Option<u8> {
    let parameters = sender.get_parameters().await.ok()?;
    let same_mime = |c: &&rtc::rtp_transceiver::rtp_sender::RTCRtpCodecParameters| {
        c.rtp_codec.mime_type.eq_ignore_ascii_case(&codec.mime_type)
    };
    let codecs = &parameters.rtp_parameters.codecs;
    codecs
        .iter()
        .filter(same_mime)
        .find(|c| c.rtp_codec.sdp_fmtp_line == codec.sdp_fmtp_line)
        .or_else(|| codecs.iter().find(same_mime))
        .map(|c| c.payload_type)
}

/// Forward the room's packets of one kind to one viewer track. A viewer that falls
/// behind the fan-out buffer loses packets (never slowing anyone else), then resumes
/// on a keyframe with a continuous sequence.
async fn forward(
    room: Arc<Room>,
    mut state: watch::Receiver<RTCPeerConnectionState>,
    track: Arc<TrackLocalStaticRTP>,
    mut rewriter: Rewriter,
    video: bool,
) {
    // Packets sent before DTLS is up would be lost, the first keyframe with them.
    if state
        .wait_for(|s| *s == RTCPeerConnectionState::Connected)
        .await
        .is_err()
    {
        return;
    }
    let mut packets = if video {
        let (gop, packets) = room.subscribe_video();
        if gop.is_empty() {
            room.request_keyframe().await;
        } else {
            room.stats.gop_replays.fetch_add(1, Ordering::Relaxed);
            replay(&room, &track, &mut rewriter, &gop).await;
        }
        packets
    } else {
        room.audio.subscribe()
    };
    loop {
        match packets.recv().await {
            Ok(media) => deliver(&room, &track, &mut rewriter, &media).await,
            Err(RecvError::Lagged(missed)) => {
                room.stats
                    .packets_dropped
                    .fetch_add(missed, Ordering::Relaxed);
                rewriter.resync();
                if video {
                    room.request_keyframe().await;
                }
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// Rewrite one packet for this viewer and send it; one it must not get yet (video before a
/// keyframe) is dropped and asks for a keyframe.
async fn deliver(room: &Room, track: &TrackLocalStaticRTP, rewriter: &mut Rewriter, media: &Media) {
    let stats = &room.stats;
    match rewriter.rewrite(media) {
        Some(packet) => {
            if track.write_rtp(packet).await.is_ok() {
                stats.packets_forwarded.fetch_add(1, Ordering::Relaxed);
            } else {
                stats.packets_dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
        None => {
            stats.packets_dropped.fetch_add(1, Ordering::Relaxed);
            room.request_keyframe().await;
        }
    }
}

/// Send the room's cached GOP (keyframe first) to a viewer that just connected, with the
/// publisher's own spacing between packets shortened [`REPLAY_SPEEDUP`] times: the keyframe
/// goes out at once, the rest catches up with live in a third of the GOP's age, and no
/// burst is larger than the publisher's own (one frame). The live packets queue meanwhile
/// in the viewer's receiver and follow with a continuous sequence.
async fn replay(
    room: &Room,
    track: &TrackLocalStaticRTP,
    rewriter: &mut Rewriter,
    gop: &[Arc<Media>],
) {
    let Some(first) = gop.first() else { return };
    let start = tokio::time::Instant::now();
    for media in gop {
        let offset = media.received.saturating_duration_since(first.received);
        let due = start + offset / REPLAY_SPEEDUP;
        if due > tokio::time::Instant::now() {
            tokio::time::sleep_until(due).await;
        }
        deliver(room, track, rewriter, media).await;
    }
}

/// Read a viewer track's RTCP: keyframe requests go to the publisher (rate-limited),
/// receiver reports feed the per-viewer loss figure.
async fn read_feedback(room: Arc<Room>, session: String, track: Arc<TrackLocalStaticRTP>) {
    use rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
    use rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
    use rtcp::receiver_report::ReceiverReport;
    while let Some(TrackLocalEvent::OnRtcpPacket(packets)) = track.poll().await {
        for packet in packets {
            let any = packet.as_any();
            if any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>() {
                room.request_keyframe().await;
            } else if let Some(rr) = any.downcast_ref::<ReceiverReport>()
                && let Some(report) = rr.reports.first()
            {
                room.viewer_loss
                    .lock()
                    .expect("room lock")
                    .insert(session.clone(), report.fraction_lost);
            }
        }
    }
}
