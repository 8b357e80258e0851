//! A WHIP/WHEP client on the same WebRTC stack, for the integration tests and the
//! load tool: a publisher sending a synthetic stream (see [`super::synth`]) and a
//! viewer recording what it receives. Plain HTTP/1.1 only (loopback benchmarks).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rtc::media_stream::MediaStreamTrack;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RtpCodecKind,
};
use rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, watch};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCIceGatheringState, RTCPeerConnectionState, RTCSessionDescription, Registry,
    SettingEngineBuilder, register_default_interceptors,
};

use super::keyframe::{VideoCodec, is_keyframe};

/// An HTTP response: status, `Location`, body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

/// One request over a fresh connection to `base` (`http://host:port`).
pub async fn http(
    method: &str,
    base: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> anyhow::Result<Reply> {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut conn = tokio::net::TcpStream::connect(host)
        .await
        .context("connect")?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    conn.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let location = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("location"))
        })
        .map(|(_, v)| v.trim().to_string());
    Ok(Reply {
        status,
        location,
        body: body.to_string(),
    })
}

/// Connection events a client waits on.
struct ClientEvents {
    gathered: Arc<Notify>,
    state: watch::Sender<RTCPeerConnectionState>,
    log: Option<Arc<Mutex<Vec<Received>>>>,
}

/// One RTP packet a viewer received.
#[derive(Debug, Clone)]
pub struct Received {
    pub video: bool,
    pub payload_type: u8,
    pub sequence_number: u16,
    pub ssrc: u32,
    pub keyframe: bool,
    pub at: Instant,
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
        let Some(log) = self.log.clone() else { return };
        tokio::spawn(async move {
            let video = track.kind().await == RtpCodecKind::Video;
            let ssrc = track.ssrcs().await.first().copied().unwrap_or(0);
            let codec = match track.codec(ssrc).await {
                Some(c) => VideoCodec::from_mime(&c.mime_type),
                None => None,
            };
            while let Some(event) = track.poll().await {
                if let TrackRemoteEvent::OnRtpPacket(p) = event {
                    let keyframe = codec.is_some_and(|c| is_keyframe(c, &p.payload));
                    log.lock().expect("log").push(Received {
                        video,
                        payload_type: p.header.payload_type,
                        sequence_number: p.header.sequence_number,
                        ssrc: p.header.ssrc,
                        keyframe,
                        at: Instant::now(),
                    });
                }
            }
        });
    }
}

/// A connected WHIP or WHEP client.
pub struct Client {
    pub pc: Arc<dyn PeerConnection>,
    pub state: watch::Receiver<RTCPeerConnectionState>,
    pub base: String,
    pub location: String,
    pub answer: String,
    /// Viewers: every packet received.
    pub received: Arc<Mutex<Vec<Received>>>,
    /// Publishers: the tracks to write to.
    pub tracks: Vec<Arc<TrackLocalStaticRTP>>,
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

/// VP8 and Opus only, at the given payload types (to prove the SFU rewrites them).
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

async fn peer(
    log: Option<Arc<Mutex<Vec<Received>>>>,
    pts: Option<(u8, u8)>,
) -> anyhow::Result<(
    Arc<dyn PeerConnection>,
    Arc<Notify>,
    watch::Receiver<RTCPeerConnectionState>,
)> {
    let mut engine = match pts {
        Some((vp8_pt, opus_pt)) => engine_with(vp8_pt, opus_pt)?,
        None => super::peer::media_engine()?,
    };
    let registry =
        super::feedback::register(register_default_interceptors(Registry::new(), &mut engine)?);
    let settings = SettingEngineBuilder::new()
        .with_multicast_dns_mode(rtc::ice::mdns::MulticastDnsMode::Disabled)
        .with_include_loopback_candidate(true)
        .build();
    let (state, state_rx) = watch::channel(RTCPeerConnectionState::New);
    let gathered = Arc::new(Notify::new());
    let events = Arc::new(ClientEvents {
        gathered: gathered.clone(),
        state,
        log,
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

async fn negotiate(
    pc: &Arc<dyn PeerConnection>,
    gathered: &Notify,
    base: &str,
    path: &str,
    key: Option<&str>,
) -> anyhow::Result<Result<(String, String), Reply>> {
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
    Ok(Ok((location, reply.body)))
}

impl Client {
    /// Publish to `/whip/{stream}` with `key`: a VP8 and an Opus track.
    pub async fn publish(
        base: &str,
        stream: &str,
        key: &str,
    ) -> anyhow::Result<Result<Client, Reply>> {
        let (pc, gathered, state) = peer(None, None).await?;
        let mut tracks = Vec::new();
        for (kind, codec) in [(RtpCodecKind::Video, vp8()), (RtpCodecKind::Audio, opus())] {
            let ssrc = rand::random::<u32>();
            let track = Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
                "synthetic".into(),
                format!("{kind}"),
                format!("{kind}"),
                kind,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters {
                        ssrc: Some(ssrc),
                        ..Default::default()
                    },
                    codec,
                    ..Default::default()
                }],
            )));
            pc.add_track(track.clone() as Arc<dyn TrackLocal>).await?;
            tracks.push(track);
        }
        let path = format!("/whip/{stream}");
        Ok(
            match negotiate(&pc, &gathered, base, &path, Some(key)).await? {
                Ok((location, answer)) => Ok(Client {
                    pc,
                    state,
                    base: base.into(),
                    location,
                    answer,
                    received: Arc::default(),
                    tracks,
                }),
                Err(reply) => {
                    let _ = pc.close().await;
                    Err(reply)
                }
            },
        )
    }

    /// Play `/whep/{stream}`: receive-only audio and video.
    pub async fn play(base: &str, stream: &str) -> anyhow::Result<Result<Client, Reply>> {
        Client::play_with(base, stream, None).await
    }

    /// Play, offering VP8 and Opus at payload types `pts` instead of the usual ones.
    pub async fn play_with(
        base: &str,
        stream: &str,
        pts: Option<(u8, u8)>,
    ) -> anyhow::Result<Result<Client, Reply>> {
        let received = Arc::new(Mutex::new(Vec::new()));
        let (pc, gathered, state) = peer(Some(received.clone()), pts).await?;
        for kind in [RtpCodecKind::Video, RtpCodecKind::Audio] {
            let init = RTCRtpTransceiverInit {
                direction: RTCRtpTransceiverDirection::Recvonly,
                ..Default::default()
            };
            pc.add_transceiver_from_kind(kind, Some(init)).await?;
        }
        let path = format!("/whep/{stream}");
        Ok(match negotiate(&pc, &gathered, base, &path, None).await? {
            Ok((location, answer)) => Ok(Client {
                pc,
                state,
                base: base.into(),
                location,
                answer,
                received,
                tracks: Vec::new(),
            }),
            Err(reply) => {
                let _ = pc.close().await;
                Err(reply)
            }
        })
    }

    /// Wait until connected, or fail after `deadline`.
    pub async fn connected(&mut self, deadline: Duration) -> anyhow::Result<()> {
        let reached = tokio::time::timeout(
            deadline,
            self.state
                .wait_for(|s| *s == RTCPeerConnectionState::Connected),
        )
        .await
        .is_ok_and(|r| r.is_ok());
        if !reached {
            bail!(
                "not connected within {deadline:?} (state {})",
                *self.state.borrow()
            );
        }
        Ok(())
    }

    /// `DELETE` the session, then close the connection.
    pub async fn stop(&self) -> anyhow::Result<u16> {
        let status = http("DELETE", &self.base, &self.location, &[], "")
            .await?
            .status;
        let _ = self.pc.close().await;
        Ok(status)
    }

    /// Packets received so far (viewers).
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }
}
