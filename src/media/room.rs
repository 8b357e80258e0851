//! One room per live stream: the publisher's current tracks, the fan-out channels
//! every viewer's forwarder reads, the rate-limited keyframe requests, and counters.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp_transceiver::rtp_sender::RTCRtpCodec;
use tokio::sync::{broadcast, watch};
use webrtc::media_stream::track_remote::TrackRemote;

use super::gop::Gop;
use super::rewrite::Media;

/// Packets buffered per room and kind: about two seconds of 2.5 Mbps video. A viewer
/// further behind than this loses packets and resynchronises on the next keyframe.
const FANOUT_CAPACITY: usize = 512;

/// At most one keyframe request to the publisher per this interval, however many
/// viewers join or report loss.
pub const PLI_INTERVAL: Duration = Duration::from_millis(300);

/// What the current publisher sends, known once its first packets arrived.
#[derive(Debug, Clone, Default)]
pub struct Tracks {
    pub generation: u64,
    pub video: Option<RTCRtpCodec>,
    pub audio: Option<RTCRtpCodec>,
}

/// The live publisher's video track, for keyframe requests.
struct VideoSource {
    generation: u64,
    track: Arc<dyn TrackRemote>,
    ssrc: u32,
}

/// Counters per stream, read by `/metrics` and the studio.
#[derive(Default)]
pub struct RoomStats {
    pub packets_in: AtomicU64,
    pub bytes_in: AtomicU64,
    pub packets_forwarded: AtomicU64,
    /// RTP bytes sent to viewers (payload and fixed header): the room's egress.
    pub bytes_forwarded: AtomicU64,
    pub packets_dropped: AtomicU64,
    pub plis_sent: AtomicU64,
    pub keyframe_requests: AtomicU64,
    /// Viewers that started on the keyframe cache instead of a new keyframe.
    pub gop_replays: AtomicU64,
}

pub struct Room {
    pub stream_id: i64,
    pub video: broadcast::Sender<Arc<Media>>,
    pub audio: broadcast::Sender<Arc<Media>>,
    tracks: watch::Sender<Tracks>,
    source: Mutex<Option<VideoSource>>,
    /// Video since the latest keyframe, for viewers starting now. Held while a video packet
    /// is both cached and sent, so a snapshot and a subscription taken under it meet exactly.
    gop: Mutex<Gop>,
    /// Milliseconds since `epoch` of the last PLI sent.
    last_pli_ms: AtomicU64,
    /// Milliseconds since `epoch` of the last packet from the publisher.
    last_packet_ms: AtomicU64,
    epoch: Instant,
    pub stats: RoomStats,
    /// Fraction lost (0–255) last reported by each viewer session.
    pub viewer_loss: Mutex<HashMap<String, u8>>,
    bitrate: Mutex<(Instant, u64, f64)>,
}

impl Room {
    pub fn new(stream_id: i64) -> Arc<Room> {
        let now = Instant::now();
        Arc::new(Room {
            stream_id,
            video: broadcast::channel(FANOUT_CAPACITY).0,
            audio: broadcast::channel(FANOUT_CAPACITY / 4).0,
            tracks: watch::channel(Tracks::default()).0,
            source: Mutex::new(None),
            gop: Mutex::new(Gop::default()),
            last_pli_ms: AtomicU64::new(0),
            last_packet_ms: AtomicU64::new(0),
            epoch: now,
            stats: RoomStats::default(),
            viewer_loss: Mutex::new(HashMap::new()),
            bitrate: Mutex::new((now, 0, 0.0)),
        })
    }

    pub fn tracks(&self) -> watch::Receiver<Tracks> {
        self.tracks.subscribe()
    }

    /// A new publisher session begins: viewers re-base on its packets.
    pub fn start_generation(&self, generation: u64) {
        self.tracks.send_modify(|t| {
            *t = Tracks {
                generation,
                ..Tracks::default()
            }
        });
        *self.source.lock().expect("room lock") = None;
        self.gop.lock().expect("room lock").clear();
    }

    /// Start receiving video: the cached GOP to replay first (empty when there is none
    /// fresh enough), and a receiver of the live packets that follow it, with no gap or
    /// overlap between the two.
    pub fn subscribe_video(&self) -> (Vec<Arc<Media>>, broadcast::Receiver<Arc<Media>>) {
        let gop = self.gop.lock().expect("room lock");
        (gop.replay(Instant::now()), self.video.subscribe())
    }

    /// The publisher's track of `generation` is open with `codec`.
    pub fn track_opened(
        &self,
        generation: u64,
        codec: RTCRtpCodec,
        video: Option<(Arc<dyn TrackRemote>, u32)>,
    ) {
        self.tracks.send_if_modified(|t| {
            if t.generation != generation {
                return false;
            }
            if codec.mime_type.to_ascii_lowercase().starts_with("video/") {
                t.video = Some(codec.clone());
            } else {
                t.audio = Some(codec.clone());
            }
            true
        });
        if let Some((track, ssrc)) = video {
            *self.source.lock().expect("room lock") = Some(VideoSource {
                generation,
                track,
                ssrc,
            });
        }
    }

    /// The publisher of `generation` left (only clears what that session set).
    pub fn publisher_left(&self, generation: u64) {
        let mut source = self.source.lock().expect("room lock");
        if source.as_ref().is_some_and(|s| s.generation == generation) {
            *source = None;
        }
    }

    /// Ask the publisher for a keyframe, unless one was asked for within `PLI_INTERVAL`.
    /// Returns at once: the PLI itself goes out from a task of its own (at most one per
    /// interval), so no caller's state carries the publisher's RTCP write.
    pub fn request_keyframe(self: &Arc<Self>) {
        self.stats.keyframe_requests.fetch_add(1, Ordering::Relaxed);
        self.send_pli();
    }

    /// The PLI itself, under the same one-per-interval limit; also sent, uncounted as a
    /// request, to keep the keyframe cache fresh (`gop::REFRESH_AFTER`).
    fn send_pli(self: &Arc<Self>) {
        let now = self.epoch.elapsed().as_millis() as u64 + PLI_INTERVAL.as_millis() as u64;
        let last = self.last_pli_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) < PLI_INTERVAL.as_millis() as u64
            || self
                .last_pli_ms
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let target = {
            let source = self.source.lock().expect("room lock");
            source.as_ref().map(|s| (s.track.clone(), s.ssrc))
        };
        if let Some((track, media_ssrc)) = target {
            let room = self.clone();
            tokio::spawn(async move {
                let pli = PictureLossIndication {
                    sender_ssrc: 0,
                    media_ssrc,
                };
                if track.write_rtcp(vec![Box::new(pli)]).await.is_ok() {
                    room.stats.plis_sent.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    }

    /// Publish one packet to every viewer's forwarder.
    pub fn publish(self: &Arc<Self>, media: Media, video: bool) {
        self.stats.packets_in.fetch_add(1, Ordering::Relaxed);
        self.last_packet_ms
            .store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
        self.stats
            .bytes_in
            .fetch_add(media.packet.payload.len() as u64 + 12, Ordering::Relaxed);
        let media = Arc::new(media);
        if video {
            let stale = {
                let mut gop = self.gop.lock().expect("room lock");
                gop.push(&media);
                let stale = gop.stale(media.received);
                let _ = self.video.send(media);
                stale
            };
            // Outside the lock: the next joiner should find a recent keyframe cached.
            if stale {
                self.send_pli();
            }
        } else {
            let _ = self.audio.send(media);
        }
    }

    /// How long since the publisher's last packet (since the room opened if none yet).
    pub fn silence(&self) -> Duration {
        let last = Duration::from_millis(self.last_packet_ms.load(Ordering::Relaxed));
        self.epoch.elapsed().saturating_sub(last)
    }

    /// Inbound bitrate in bits per second, averaged since the previous call (≥ 1 s apart).
    pub fn inbound_bitrate(&self) -> f64 {
        let mut b = self.bitrate.lock().expect("room lock");
        let bytes = self.stats.bytes_in.load(Ordering::Relaxed);
        let elapsed = b.0.elapsed().as_secs_f64();
        if elapsed >= 1.0 {
            b.2 = (bytes - b.1) as f64 * 8.0 / elapsed;
            *b = (Instant::now(), bytes, b.2);
        }
        b.2
    }

    /// Mean fraction of packets the viewers report lost, 0.0–1.0.
    pub fn mean_viewer_loss(&self) -> f64 {
        let loss = self.viewer_loss.lock().expect("room lock");
        if loss.is_empty() {
            return 0.0;
        }
        loss.values().map(|l| f64::from(*l) / 256.0).sum::<f64>() / loss.len() as f64
    }
}
