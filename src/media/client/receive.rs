//! What a viewer client does with the RTP it receives: record every packet (tests
//! assert on payload types and sequence numbers) and/or count it (the load tool,
//! where recording 100 000 packets a second would measure the recorder).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use crate::media::keyframe::{VideoCodec, is_keyframe};

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

/// Running counts of what a viewer received.
#[derive(Debug, Default)]
pub struct Tally {
    pub video_packets: AtomicU64,
    pub audio_packets: AtomicU64,
    /// Packets missing from the sequence (gaps that never filled; reordering aside).
    pub missing: AtomicU64,
    first_keyframe: OnceLock<Instant>,
}

impl Tally {
    pub fn packets(&self) -> u64 {
        self.video_packets.load(Ordering::Relaxed) + self.audio_packets.load(Ordering::Relaxed)
    }

    /// When the first video keyframe arrived.
    pub fn first_keyframe(&self) -> Option<Instant> {
        self.first_keyframe.get().copied()
    }
}

/// Where a viewer's packets go.
#[derive(Clone, Default)]
pub struct Sink {
    pub tally: Arc<Tally>,
    /// Every packet, when asked for.
    pub log: Option<Arc<Mutex<Vec<Received>>>>,
}

/// Read one remote track until it ends, into `sink`.
pub async fn read(track: Arc<dyn TrackRemote>, sink: Sink) {
    let video = track.kind().await == RtpCodecKind::Video;
    let ssrc = track.ssrcs().await.first().copied().unwrap_or(0);
    let codec = match track.codec(ssrc).await {
        Some(c) => VideoCodec::from_mime(&c.mime_type),
        None => None,
    };
    let counter = if video {
        &sink.tally.video_packets
    } else {
        &sink.tally.audio_packets
    };
    let mut last_seq: Option<u16> = None;
    while let Some(event) = track.poll().await {
        let TrackRemoteEvent::OnRtpPacket(p) = event else {
            continue;
        };
        let seq = p.header.sequence_number;
        let keyframe = codec.is_some_and(|c| is_keyframe(c, &p.payload));
        counter.fetch_add(1, Ordering::Relaxed);
        if keyframe {
            let _ = sink.tally.first_keyframe.set(Instant::now());
        }
        let ahead = last_seq.map_or(1, |last| seq.wrapping_sub(last));
        if ahead != 0 && ahead < 0x8000 {
            sink.tally
                .missing
                .fetch_add(u64::from(ahead - 1), Ordering::Relaxed);
            last_seq = Some(seq);
        }
        if let Some(log) = &sink.log {
            log.lock().expect("log").push(Received {
                video,
                payload_type: p.header.payload_type,
                sequence_number: seq,
                ssrc: p.header.ssrc,
                keyframe,
                at: Instant::now(),
            });
        }
    }
}
