//! A viewer arrives: answer its WHEP offer with tracks carrying the publisher's codecs on
//! `rtc`'s sans-IO peer connection (host candidates on the viewer's own UDP socket(s), the
//! payload types it negotiated), then hand the connection to its [`Driver`], the one task
//! that serves it from then on (why `rtc` and not the `webrtc` crate: [`super::forward`]).

use std::sync::Arc;
use std::time::Instant;

use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::RTCPeerConnectionBuilder;
use rtc::peer_connection::configuration::RTCConfigurationBuilder;
use rtc::peer_connection::transport::{CandidateConfig, CandidateHostConfig, RTCIceCandidate};
use rtc::rtp_transceiver::RTCRtpSenderId;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::net::UdpSocket;
use tokio::sync::Notify;
use webrtc::peer_connection::RTCSessionDescription;

use super::forward::{Driver, Out, Pc};
use super::http::Refusal;
use super::rewrite::Rewriter;
use super::room::{Room, Tracks};
use super::session::{Connection, Events, Session, SessionKind};
use super::{MediaEvent, MediaHub, peer};

/// Join `room` as a viewer with `offer`; returns the session and the answer SDP.
pub async fn join(
    hub: &Arc<MediaHub>,
    room: Arc<Room>,
    tracks: Tracks,
    offer: RTCSessionDescription,
) -> Result<(Arc<Session>, String), Refusal> {
    let id = crate::auth::tokens::random_token();
    let (events, state) = Events::new(hub, &id, None);
    let (driver, answer) = connect(&hub.peers, &room, &tracks, offer, events, id.clone())?;
    let stop = Arc::new(Notify::new());
    let session = Arc::new(Session::new(
        id.clone(),
        room.stream_id,
        SessionKind::Viewer,
        0,
        Connection::Driven(stop.clone()),
        state,
    ));
    tokio::spawn(driver.run(stop));
    hub.insert_session(session.clone());
    hub.emit(MediaEvent::ViewerJoined {
        stream_id: room.stream_id,
    });
    Ok((session, answer))
}

/// The viewer's connection set up and answered, ready to run for session `session`
/// (reporting its state to `events`), and the answer SDP.
fn connect(
    peers: &peer::PeerFactory,
    room: &Arc<Room>,
    tracks: &Tracks,
    offer: RTCSessionDescription,
    events: Arc<Events>,
    session: String,
) -> Result<(Box<Driver>, String), Refusal> {
    let failed = |err: &dyn std::fmt::Display| {
        Refusal::bad_request(format!("The offer could not be answered: {err}."))
    };
    let mut engine = peer::media_engine().map_err(|e| failed(&e))?;
    let registry = peer::interceptors(&mut engine).map_err(|e| failed(&e))?;
    let now = Instant::now();
    let mut pc = RTCPeerConnectionBuilder::new()
        .with_configuration(RTCConfigurationBuilder::new().build())
        .with_setting_engine(peers.settings())
        .with_media_engine(engine)
        .with_interceptor_registry(registry)
        .build(now)
        .map_err(|e| failed(&e))?;
    pc.set_remote_description(now, offer)
        .map_err(|e| failed(&e))?;
    let mut added = Vec::new();
    for (codec, kind) in [
        (tracks.video.clone(), RtpCodecKind::Video),
        (tracks.audio.clone(), RtpCodecKind::Audio),
    ] {
        let Some(codec) = codec else { continue };
        let ssrc = rand::random::<u32>();
        let track = MediaStreamTrack::new(
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
        );
        let sender = pc
            .add_track(track)
            .map_err(|err| Refusal::bad_request(format!("Cannot add the {kind} track: {err}.")))?;
        added.push((sender, codec, ssrc, kind == RtpCodecKind::Video));
    }
    let bound = peers.bind_udp().map_err(|e| failed(&e))?;
    let mut sockets = Vec::with_capacity(bound.len());
    for socket in bound {
        let local = socket.local_addr().map_err(|e| failed(&e))?;
        let candidate = CandidateHostConfig {
            base_config: CandidateConfig {
                network: "udp".to_owned(),
                address: local.ip().to_string(),
                port: local.port(),
                component: 1,
                ..Default::default()
            },
            ..Default::default()
        }
        .new_candidate_host()
        .map_err(|e| failed(&e))?;
        let init = RTCIceCandidate::from(&candidate)
            .to_json()
            .map_err(|e| failed(&e))?;
        pc.add_local_candidate(init).map_err(|e| failed(&e))?;
        socket.set_nonblocking(true).map_err(|e| failed(&e))?;
        sockets.push((local, UdpSocket::from_std(socket).map_err(|e| failed(&e))?));
    }
    // End of candidates: host candidates only, all known now.
    pc.add_local_candidate(Default::default())
        .map_err(|e| failed(&e))?;
    let answer = pc.create_answer(None).map_err(|e| failed(&e))?;
    pc.set_local_description(now, answer)
        .map_err(|e| failed(&e))?;
    let sdp = peers.advertise(
        pc.local_description()
            .ok_or_else(|| failed(&"no local description after answering"))?
            .sdp,
    );
    let mut outs = Vec::new();
    for (sender, codec, ssrc, video) in added {
        let Some(payload_type) = negotiated_payload_type(&mut pc, sender, &codec) else {
            return Err(Refusal::bad_request(format!(
                "This player cannot receive {} that the broadcaster sends.",
                codec.mime_type
            )));
        };
        outs.push(Out {
            sender,
            rewriter: Rewriter::new(ssrc, payload_type, codec.clock_rate, video),
            video,
        });
    }
    let driver = Driver::new(pc, sockets, room.clone(), events, session, outs);
    Ok((driver, sdp))
}

/// The payload type this viewer negotiated for the publisher's codec.
fn negotiated_payload_type(pc: &mut Pc, sender: RTCRtpSenderId, codec: &RTCRtpCodec) -> Option<u8> {
    let mut sender = pc.rtp_sender(sender)?;
    let codecs = &sender.get_parameters().rtp_parameters.codecs;
    let same_mime = |c: &&rtc::rtp_transceiver::rtp_sender::RTCRtpCodecParameters| {
        c.rtp_codec.mime_type.eq_ignore_ascii_case(&codec.mime_type)
    };
    codecs
        .iter()
        .filter(same_mime)
        .find(|c| c.rtp_codec.sdp_fmtp_line == codec.sdp_fmtp_line)
        .or_else(|| codecs.iter().find(same_mime))
        .map(|c| c.payload_type)
}
