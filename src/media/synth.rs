//! A synthetic publisher stream for tests and the load tool: VP8-shaped video (real
//! payload descriptors and key/delta frame tags, filler bytes) at a set bitrate and
//! frame rate, a keyframe every two seconds and on every PLI, and Opus-sized audio.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp;
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};

/// Payload types of the SFU's media engine (the client uses the same one).
pub const VP8_PT: u8 = 96;
pub const OPUS_PT: u8 = 111;
const MTU_PAYLOAD: usize = 1100;

#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub video_bps: u32,
    pub fps: u32,
    pub keyframe_every: Duration,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            video_bps: 2_500_000,
            fps: 30,
            keyframe_every: Duration::from_secs(2),
        }
    }
}

/// The running source; stops when dropped.
pub struct Source {
    pub packets_sent: Arc<AtomicU64>,
    pub plis_received: Arc<AtomicU64>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Source {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn ssrc_of(track: &TrackLocalStaticRTP) -> u32 {
    use webrtc::media_stream::Track;
    track.ssrcs().await.first().copied().unwrap_or(0)
}

/// Send on `video` and `audio` (the publisher client's two tracks) until dropped.
pub fn start(
    video: Arc<TrackLocalStaticRTP>,
    audio: Arc<TrackLocalStaticRTP>,
    shape: Shape,
) -> Source {
    let sent = Arc::new(AtomicU64::new(0));
    let plis = Arc::new(AtomicU64::new(0));
    let want_key = Arc::new(AtomicBool::new(true));
    let mut tasks = Vec::new();

    let (track, flag, count) = (video.clone(), want_key.clone(), plis.clone());
    tasks.push(tokio::spawn(async move {
        while let Some(TrackLocalEvent::OnRtcpPacket(packets)) = track.poll().await {
            if packets
                .iter()
                .any(|p| p.as_any().is::<PictureLossIndication>())
            {
                count.fetch_add(1, Ordering::Relaxed);
                flag.store(true, Ordering::Relaxed);
            }
        }
    }));
    let drain = audio.clone();
    tasks.push(tokio::spawn(async move {
        while drain.poll().await.is_some() {}
    }));

    let counter = sent.clone();
    tasks.push(tokio::spawn(async move {
        let ssrc = ssrc_of(&video).await;
        let frame_bytes = (shape.video_bps / 8 / shape.fps) as usize;
        let mut tick = tokio::time::interval(Duration::from_secs(1) / shape.fps);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let (mut seq, mut ts) = (rand::random::<u16>(), rand::random::<u32>());
        let mut since_key = Duration::MAX;
        loop {
            tick.tick().await;
            since_key = since_key.saturating_add(Duration::from_secs(1) / shape.fps);
            let key = want_key.swap(false, Ordering::Relaxed) || since_key >= shape.keyframe_every;
            if key {
                since_key = Duration::ZERO;
            }
            let size = if key { frame_bytes * 3 } else { frame_bytes };
            let count = size.div_ceil(MTU_PAYLOAD).max(1);
            for i in 0..count {
                let mut payload = vec![0u8; MTU_PAYLOAD.min(size - i * MTU_PAYLOAD).max(8)];
                payload[0] = if i == 0 { 0x10 } else { 0x00 };
                payload[1] = if key { 0x00 } else { 0x01 };
                let packet = rtp_packet(VP8_PT, seq, ts, ssrc, i + 1 == count, payload);
                seq = seq.wrapping_add(1);
                if video.write_rtp(packet).await.is_ok() {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
            ts = ts.wrapping_add(90_000 / shape.fps);
        }
    }));

    let counter = sent.clone();
    tasks.push(tokio::spawn(async move {
        let ssrc = ssrc_of(&audio).await;
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let (mut seq, mut ts) = (rand::random::<u16>(), rand::random::<u32>());
        loop {
            tick.tick().await;
            let packet = rtp_packet(OPUS_PT, seq, ts, ssrc, false, vec![0xfc; 120]);
            if audio.write_rtp(packet).await.is_ok() {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            seq = seq.wrapping_add(1);
            ts = ts.wrapping_add(960);
        }
    }));
    Source {
        packets_sent: sent,
        plis_received: plis,
        tasks,
    }
}

fn rtp_packet(pt: u8, seq: u16, ts: u32, ssrc: u32, marker: bool, payload: Vec<u8>) -> rtp::Packet {
    let mut packet = rtp::Packet {
        payload: Bytes::from(payload),
        ..Default::default()
    };
    let h = &mut packet.header;
    h.version = 2;
    h.payload_type = pt;
    h.sequence_number = seq;
    h.timestamp = ts;
    h.ssrc = ssrc;
    h.marker = marker;
    packet
}
