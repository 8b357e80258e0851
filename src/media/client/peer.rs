//! The client's peer connection: loopback only, mDNS off, the SFU's codecs (or VP8 and
//! Opus at chosen payload types, to prove the SFU rewrites them), and the offer/answer
//! exchange over WHIP/WHEP.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodec, RTCRtpCodecParameters, RtpCodecKind};
use tokio::sync::{Notify, watch};
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCIceGatheringState, RTCPeerConnectionState, RTCSessionDescription, Registry,
    SettingEngineBuilder, register_default_interceptors,
};

use super::receive::{Sink, read};
use crate::media::cluster::http::{Reply, http};

/// Connection events a client waits on.
struct ClientEvents {
    gathered: Arc<Notify>,
    state: watch::Sender<RTCPeerConnectionState>,
    sink: Option<Sink>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for ClientEvents {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.notify_one();
        }
    }
    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        self.state.send_replace(state);
    }
    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        if let Some(sink) = self.sink.clone() {
            tokio::spawn(read(track, sink));
        }
    }
}

pub fn vp8() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: "video/VP8".into(),
        clock_rate: 90000,
        ..Default::default()
    }
}

pub fn opus() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: "audio/opus".into(),
        clock_rate: 48000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".into(),
        ..Default::default()
    }
}

/// VP8 and Opus only, at the given payload types.
fn engine_with(vp8_pt: u8, opus_pt: u8) -> anyhow::Result<MediaEngine> {
    let mut engine = MediaEngine::default();
    engine.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: opus(),
            payload_type: opus_pt,
        },
        RtpCodecKind::Audio,
    )?;
    engine.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: vp8(),
            payload_type: vp8_pt,
        },
        RtpCodecKind::Video,
    )?;
    Ok(engine)
}

/// A new connection, its "gathering complete" signal and its state.
pub(super) async fn peer(
    sink: Option<Sink>,
    pts: Option<(u8, u8)>,
) -> anyhow::Result<(
    Arc<dyn PeerConnection>,
    Arc<Notify>,
    watch::Receiver<RTCPeerConnectionState>,
)> {
    let mut engine = match pts {
        Some((vp8_pt, opus_pt)) => engine_with(vp8_pt, opus_pt)?,
        None => crate::media::peer::media_engine()?,
    };
    let registry = crate::media::feedback::register(register_default_interceptors(
        Registry::new(),
        &mut engine,
    )?);
    let settings = SettingEngineBuilder::new()
        .with_multicast_dns_mode(rtc::ice::mdns::MulticastDnsMode::Disabled)
        .with_include_loopback_candidate(true)
        .build();
    let (state, state_rx) = watch::channel(RTCPeerConnectionState::New);
    let gathered = Arc::new(Notify::new());
    let events = Arc::new(ClientEvents {
        gathered: gathered.clone(),
        state,
        sink,
    });
    let pc = PeerConnectionBuilder::new()
        .with_media_engine(engine)
        .with_setting_engine(settings)
        .with_interceptor_registry(registry)
        .with_handler(events)
        .with_udp_addrs(vec!["127.0.0.1:0".to_string()])
        .build()
        .await?;
    Ok((Arc::new(pc), gathered, state_rx))
}

/// Offer, POST to `path`, apply the answer: `Ok((location, answer))`, or the refusal.
pub(super) async fn negotiate(
    pc: &Arc<dyn PeerConnection>,
    gathered: &Notify,
    base: &str,
    path: &str,
    key: Option<&str>,
) -> anyhow::Result<Result<(String, String, Vec<(String, String)>), Reply>> {
    let offer = pc.create_offer(None).await?;
    pc.set_local_description(offer).await?;
    let _ = tokio::time::timeout(Duration::from_secs(3), gathered.notified()).await;
    let offer = pc
        .local_description()
        .await
        .context("no local description")?;
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut headers = vec![("Content-Type", "application/sdp")];
    if let Some(auth) = &auth {
        headers.push(("Authorization", auth));
    }
    let reply = http("POST", base, path, &headers, &offer.sdp).await?;
    if reply.status != 201 {
        return Ok(Err(reply));
    }
    let location = reply.location.clone().context("201 without Location")?;
    pc.set_remote_description(RTCSessionDescription::answer(reply.body.clone())?)
        .await?;
    Ok(Ok((location, reply.body, reply.headers)))
}
