//! Building peer connections the way the SFU needs them: ICE-lite, mDNS off, host
//! candidates only on the configured addresses (loopback included, for tests and
//! same-machine setups), an optional 1:1 NAT address, a UDP port from the configured
//! range, and only the codecs we forward (VP8, H.264, Opus) with NACK/PLI feedback.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::Poll;
use std::time::Duration;

use rtc::ice::mdns::MulticastDnsMode;
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RtpCodecKind,
};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCConfigurationBuilder, RTCIceCandidateType, RTCSessionDescription, Registry, SettingEngine,
    SettingEngineBuilder,
};

use super::publish_net::PublishRuntime;
use crate::config::{Config, PortRange};

/// The codecs a publisher may send, as the 400 for an unsupported offer lists them.
pub const ACCEPTED_CODECS: &str = "VP8 or H.264 video, Opus audio";

/// The ICE agent's timer while a connection is being set up. An ICE-lite agent sends no
/// checks of its own, so this is only how often the connection's driver wakes up until ICE
/// connects; but the DTLS ClientHello that ICE connecting starts is queued by an event the
/// driver handles after its write flush, so it leaves on the next wake-up: with the crate's
/// 200 ms default every viewer's and publisher's join waited 200 ms there.
const ICE_CONNECTING_TICK: Duration = Duration::from_millis(10);

/// How long to wait for ICE gathering (host candidates only: normally instant).
const GATHER_TIMEOUT: Duration = Duration::from_secs(3);

/// Network settings for media, from the configuration.
pub struct PeerFactory {
    ips: Vec<IpAddr>,
    ports: Option<PortRange>,
    next_port: AtomicU32,
    public_ip: Option<IpAddr>,
}

impl PeerFactory {
    pub fn new(config: &Config) -> PeerFactory {
        let ips = if config.webrtc_ips.is_empty() {
            vec![config.listen.ip()]
        } else {
            config.webrtc_ips.clone()
        };
        PeerFactory {
            ips,
            ports: config.webrtc_udp_ports,
            next_port: AtomicU32::new(0),
            public_ip: config.webrtc_public_ip,
        }
    }

    /// One UDP socket per configured address, on one port: the next free one in the
    /// configured range, or an ephemeral one when there is no range (or it is full).
    pub fn bind_udp(&self) -> std::io::Result<Vec<UdpSocket>> {
        let bind_all = |port: u16| -> std::io::Result<Vec<UdpSocket>> {
            self.ips
                .iter()
                .map(|ip| UdpSocket::bind(SocketAddr::new(*ip, port)))
                .collect()
        };
        let Some(range) = self.ports else {
            return bind_all(0);
        };
        let span = range.span();
        for _ in 0..span {
            let offset = self.next_port.fetch_add(1, Ordering::Relaxed) % span;
            if let Ok(sockets) = bind_all(range.first + offset as u16) {
                return Ok(sockets);
            }
        }
        tracing::warn!("every UDP port in {range} is in use; using an ephemeral port");
        bind_all(0)
    }

    /// A port for a `webrtc` connection, which binds its own sockets: 0 (ephemeral) without
    /// a range, else one [`bind_udp`](Self::bind_udp) found free (released for the crate).
    fn pick_port(&self) -> u16 {
        if self.ports.is_none() {
            return 0;
        }
        self.bind_udp()
            .ok()
            .and_then(|sockets| sockets.first()?.local_addr().ok())
            .map_or(0, |addr| addr.port())
    }

    /// ICE-lite, no mDNS, loopback candidates allowed, the ICE timeouts, and the 1:1 NAT
    /// address when one is configured.
    pub fn settings(&self) -> SettingEngine {
        self.settings_as(true)
    }

    /// The same as a full ICE agent (`lite` false): a pull from another node, whose media
    /// server is ICE-lite, needs one side that sends checks.
    fn settings_as(&self, lite: bool) -> SettingEngine {
        let mut settings = SettingEngineBuilder::new()
            .with_lite(lite)
            .with_multicast_dns_mode(MulticastDnsMode::Disabled)
            .with_include_loopback_candidate(true)
            .with_ice_timeouts(
                Some(Duration::from_secs(5)),
                Some(Duration::from_secs(15)),
                Some(Duration::from_secs(2)),
            )
            .with_ice_connection_attempts(Some(ICE_CONNECTING_TICK), None);
        if let Some(ip) = self.public_ip {
            settings = settings.with_nat_1to1_ips(vec![ip.to_string()], RTCIceCandidateType::Host);
        }
        settings.build()
    }

    /// `sdp` with the configured public address in place of each private host address in
    /// its candidates (1:1 NAT). The crate stores `with_nat_1to1_ips` but applies it nowhere
    /// (0.21), so the answer is rewritten here; the connection itself keeps the private
    /// address, which is where the packets arrive.
    pub fn advertise(&self, sdp: String) -> String {
        match self.public_ip {
            Some(public) => rewrite_candidates(&sdp, &self.ips, public),
            None => sdp,
        }
    }

    /// A new `webrtc` peer connection reporting to `handler` (publishers; viewers run on
    /// `rtc`'s core directly, `super::forward`).
    pub async fn build(
        &self,
        handler: Arc<dyn PeerConnectionEventHandler>,
    ) -> anyhow::Result<Arc<dyn PeerConnection>> {
        self.build_as(handler, true).await
    }

    /// A peer connection that offers and checks (a pull from another node's media server).
    pub async fn build_client(
        &self,
        handler: Arc<dyn PeerConnectionEventHandler>,
    ) -> anyhow::Result<Arc<dyn PeerConnection>> {
        self.build_as(handler, false).await
    }

    async fn build_as(
        &self,
        handler: Arc<dyn PeerConnectionEventHandler>,
        lite: bool,
    ) -> anyhow::Result<Arc<dyn PeerConnection>> {
        let mut engine = media_engine()?;
        let registry = interceptors(&mut engine)?;
        let settings = self.settings_as(lite);
        let port = self.pick_port();
        let addrs: Vec<SocketAddr> = self
            .ips
            .iter()
            .map(|ip| SocketAddr::new(*ip, port))
            .collect();
        let builder = PeerConnectionBuilder::new()
            .with_configuration(RTCConfigurationBuilder::new().build())
            .with_media_engine(engine)
            .with_setting_engine(settings)
            .with_interceptor_registry(registry)
            .with_handler(handler)
            .with_udp_addrs(addrs);
        // The early-nomination sockets (`publish_net`) answer checks: only an ICE-lite
        // server receives them; a pull sends its own and takes the crate's sockets.
        let pc = if lite {
            builder
                .with_runtime(Arc::new(PublishRuntime))
                .build()
                .await?
        } else {
            builder.build().await?
        };
        Ok(Arc::new(pc))
    }
}

/// Packets each outgoing video track keeps for retransmission: 256 is about 0.7 s of
/// 2.5 Mbps video, far more than a NACK round trip needs, where the default 1 024 slots cost
/// about 90 KB more per viewer (each slot holds a packet header; payloads are shared).
const NACK_HISTORY: u16 = 256;

/// The interceptors of `rtc`'s default set (NACK generator and responder, RTCP reports,
/// TWCC receiver), with a shorter NACK history, plus [`super::feedback`].
pub fn interceptors(engine: &mut MediaEngine) -> anyhow::Result<Registry> {
    use rtc::interceptor::{NackGeneratorBuilder, NackResponderBuilder, Slot};
    use rtc::peer_connection::configuration::interceptor_registry as defaults;
    for parameter in ["", "pli"] {
        engine.register_feedback(
            RTCPFeedback {
                typ: "nack".into(),
                parameter: parameter.into(),
            },
            RtpCodecKind::Video,
        );
    }
    let registry = Registry::new()
        .with(
            Slot::NackResponder,
            NackResponderBuilder::new().with_size(NACK_HISTORY).build(),
        )
        .with(Slot::NackGenerator, NackGeneratorBuilder::new().build());
    defaults::configure_simulcast_extension_headers(engine)?;
    let registry = defaults::configure_twcc_receiver_only(registry, engine)?;
    let registry = defaults::configure_rtcp_reports(registry);
    Ok(super::feedback::register(registry))
}

/// Apply `offer`, answer it, and wait (bounded) for our candidates to be in the answer.
pub async fn answer(
    peers: &PeerFactory,
    pc: &Arc<dyn PeerConnection>,
    offer: RTCSessionDescription,
    gathered: &tokio::sync::Notify,
) -> anyhow::Result<String> {
    pc.set_remote_description(offer).await?;
    let answer = pc.create_answer(None).await?;
    pc.set_local_description(answer).await?;
    let _ = tokio::time::timeout(GATHER_TIMEOUT, gathered.notified()).await;
    let local = pc
        .local_description()
        .await
        .ok_or_else(|| anyhow::anyhow!("no local description after answering"))?;
    Ok(peers.advertise(local.sdp))
}

/// Replace the connection address of every `a=candidate` line that is one of `private`
/// with `public` (RFC 8839: foundation, component, transport, priority, address, port, …).
fn rewrite_candidates(sdp: &str, private: &[IpAddr], public: IpAddr) -> String {
    let public = public.to_string();
    let mut out = String::with_capacity(sdp.len());
    for line in sdp.split_inclusive('\n') {
        let Some(candidate) = line.strip_prefix("a=candidate:") else {
            out.push_str(line);
            continue;
        };
        let mut fields: Vec<&str> = candidate.split(' ').collect();
        if let Some(address) = fields.get_mut(4)
            && address
                .parse::<IpAddr>()
                .is_ok_and(|ip| private.contains(&ip))
        {
            *address = &public;
        }
        out.push_str("a=candidate:");
        out.push_str(&fields.join(" "));
    }
    out
}

fn video_feedback() -> Vec<RTCPFeedback> {
    [
        ("goog-remb", ""),
        ("ccm", "fir"),
        ("nack", ""),
        ("nack", "pli"),
    ]
    .into_iter()
    .map(|(typ, parameter)| RTCPFeedback {
        typ: typ.into(),
        parameter: parameter.into(),
    })
    .collect()
}

fn codec(mime: &str, clock_rate: u32, channels: u16, fmtp: &str, pt: u8) -> RTCRtpCodecParameters {
    let rtcp_feedback = if mime.starts_with("video/") && mime != "video/rtx" {
        video_feedback()
    } else {
        Vec::new()
    };
    RTCRtpCodecParameters {
        rtp_codec: RTCRtpCodec {
            mime_type: mime.into(),
            clock_rate,
            channels,
            sdp_fmtp_line: fmtp.into(),
            rtcp_feedback,
        },
        payload_type: pt,
    }
}

/// Only what the SFU forwards: Opus; VP8 and H.264 (constrained baseline and baseline,
/// packetization mode 1 and 0), each with RTX for retransmissions.
pub fn media_engine() -> anyhow::Result<MediaEngine> {
    let mut engine = MediaEngine::default();
    engine.register_codec(
        codec("audio/opus", 48000, 2, "minptime=10;useinbandfec=1", 111),
        RtpCodecKind::Audio,
    )?;
    let h264 = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=";
    let video = [
        codec("video/VP8", 90000, 0, "", 96),
        codec("video/rtx", 90000, 0, "apt=96", 97),
        codec("video/H264", 90000, 0, &format!("{h264}42e01f"), 102),
        codec("video/rtx", 90000, 0, "apt=102", 103),
        codec("video/H264", 90000, 0, &format!("{h264}42001f"), 104),
        codec("video/rtx", 90000, 0, "apt=104", 105),
        codec(
            "video/H264",
            90000,
            0,
            "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f",
            106,
        ),
        codec("video/rtx", 90000, 0, "apt=106", 107),
    ];
    for c in video {
        engine.register_codec(c, RtpCodecKind::Video)?;
    }
    Ok(engine)
}

/// The next datagram on any of the viewer's sockets: its length, our address, the sender's.
pub(super) async fn recv_any(
    sockets: &[(SocketAddr, tokio::net::UdpSocket)],
    buf: &mut [u8],
) -> std::io::Result<(usize, SocketAddr, SocketAddr)> {
    std::future::poll_fn(|cx| {
        for (local, socket) in sockets {
            let mut read = tokio::io::ReadBuf::new(buf);
            match socket.poll_recv_from(cx, &mut read) {
                Poll::Ready(Ok(peer)) => {
                    return Poll::Ready(Ok((read.filled().len(), *local, peer)));
                }
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => {}
            }
        }
        Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_address_replaces_the_private_one_in_candidates() {
        let sdp = "v=0\r\na=candidate:1 1 udp 2130706431 10.0.1.5 50000 typ host\r\n\
                   a=candidate:2 1 udp 2130706431 127.0.0.1 50001 typ host\r\nc=IN IP4 10.0.1.5\r\n";
        let public: IpAddr = "203.0.113.7".parse().unwrap();
        let private: IpAddr = "10.0.1.5".parse().unwrap();
        assert_eq!(
            rewrite_candidates(sdp, &[private], public),
            "v=0\r\na=candidate:1 1 udp 2130706431 203.0.113.7 50000 typ host\r\n\
             a=candidate:2 1 udp 2130706431 127.0.0.1 50001 typ host\r\nc=IN IP4 10.0.1.5\r\n",
            "only candidate addresses that are ours, and only those"
        );
    }
}
