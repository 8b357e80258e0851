//! A WHIP/WHEP client on the same WebRTC stack, for the integration tests and the
//! load tool: a publisher sending a synthetic stream (see [`super::synth`]) and a
//! viewer recording or counting what it receives. Plain HTTP/1.1 only (loopback).

mod peer;
mod receive;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::bail;
use rtc::media_stream::MediaStreamTrack;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use tokio::sync::watch;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::peer_connection::{PeerConnection, RTCPeerConnectionState};

pub use crate::media::cluster::http::{Reply, http};
pub use peer::{opus, vp8};
pub use receive::{Received, Sink, Tally};

/// A connected WHIP or WHEP client.
pub struct Client {
    pub pc: Arc<dyn PeerConnection>,
    pub state: watch::Receiver<RTCPeerConnectionState>,
    pub base: String,
    pub location: String,
    pub answer: String,
    /// The headers of the `201` answer (its `Link`s name the ICE servers).
    pub headers: Vec<(String, String)>,
    /// Viewers: what arrived (every packet only when recording, see [`Client::play_with`]).
    pub sink: Sink,
    /// Publishers: the tracks to write to.
    pub tracks: Vec<Arc<TrackLocalStaticRTP>>,
    /// Publishers: the stream key, presented again to stop (`DELETE` is authorised as
    /// the `POST` was).
    pub key: Option<String>,
}

impl Client {
    /// Every `Link` header of the answer.
    pub fn links(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("link"))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Publish to `/whip/{stream}` with `key`: a VP8 and an Opus track.
    pub async fn publish(
        base: &str,
        stream: &str,
        key: &str,
    ) -> anyhow::Result<Result<Client, Reply>> {
        let (pc, gathered, state) = peer::peer(None, None).await?;
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
        let client = |location, answer, headers| Client {
            pc: pc.clone(),
            state,
            base: base.into(),
            location,
            answer,
            headers,
            sink: Sink::default(),
            tracks,
            key: Some(key.to_owned()),
        };
        match peer::negotiate(&pc, &gathered, base, &path, Some(key)).await? {
            Ok((location, answer, headers)) => Ok(Ok(client(location, answer, headers))),
            Err(reply) => {
                let _ = pc.close().await;
                Ok(Err(reply))
            }
        }
    }

    /// Play `/whep/{stream}`: receive-only audio and video, every packet recorded.
    pub async fn play(base: &str, stream: &str) -> anyhow::Result<Result<Client, Reply>> {
        Client::play_with(base, stream, None).await
    }

    /// Play, offering VP8 and Opus at payload types `pts` instead of the usual ones,
    /// every packet recorded.
    pub async fn play_with(
        base: &str,
        stream: &str,
        pts: Option<(u8, u8)>,
    ) -> anyhow::Result<Result<Client, Reply>> {
        let sink = Sink {
            log: Some(Arc::new(Mutex::new(Vec::new()))),
            ..Sink::default()
        };
        Client::play_into(base, stream, pts, Some(sink)).await
    }

    /// Play, only counting packets (the load tool).
    pub async fn play_counting(base: &str, stream: &str) -> anyhow::Result<Result<Client, Reply>> {
        Client::play_into(base, stream, None, Some(Sink::default())).await
    }

    /// Play, but never read the tracks (a stalled player: the client's own queues fill).
    pub async fn play_not_reading(
        base: &str,
        stream: &str,
    ) -> anyhow::Result<Result<Client, Reply>> {
        Client::play_into(base, stream, None, None).await
    }

    async fn play_into(
        base: &str,
        stream: &str,
        pts: Option<(u8, u8)>,
        sink: Option<Sink>,
    ) -> anyhow::Result<Result<Client, Reply>> {
        let (pc, gathered, state) = peer::peer(sink.clone(), pts).await?;
        for kind in [RtpCodecKind::Video, RtpCodecKind::Audio] {
            let init = RTCRtpTransceiverInit {
                direction: RTCRtpTransceiverDirection::Recvonly,
                ..Default::default()
            };
            pc.add_transceiver_from_kind(kind, Some(init)).await?;
        }
        let path = format!("/whep/{stream}");
        match peer::negotiate(&pc, &gathered, base, &path, None).await? {
            Ok((location, answer, headers)) => Ok(Ok(Client {
                pc,
                state,
                base: base.into(),
                location,
                answer,
                headers,
                sink: sink.unwrap_or_default(),
                tracks: Vec::new(),
                key: None,
            })),
            Err(reply) => {
                let _ = pc.close().await;
                Ok(Err(reply))
            }
        }
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

    /// `DELETE` the session (with the key, for a publisher), then close the connection.
    pub async fn stop(&self) -> anyhow::Result<u16> {
        let bearer = self.key.as_ref().map(|key| format!("Bearer {key}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| ("Authorization", b.as_str()))
            .collect();
        let status = http("DELETE", &self.base, &self.location, &headers, "")
            .await?
            .status;
        let _ = self.pc.close().await;
        Ok(status)
    }

    /// Packets received so far (viewers that record).
    pub fn received(&self) -> Vec<Received> {
        self.sink
            .log
            .as_ref()
            .map(|log| log.lock().expect("log").clone())
            .unwrap_or_default()
    }

    /// Counts of what this viewer received.
    pub fn tally(&self) -> &Tally {
        &self.sink.tally
    }
}
