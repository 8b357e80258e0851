//! The room's keyframe cache: the video packets since the latest keyframe, replayed to a
//! viewer whose connection just came up, so it starts on a picture at once instead of
//! waiting for the next keyframe (a PLI is sent at most once per `room::PLI_INTERVAL`,
//! so a viewer connecting just after one went by used to wait up to that long).
//! [`Replay`] paces it to one viewer at four times real time, keyframe first; the room feeds the
//! cache and the fan-out under one lock, so the replay and the live packets that follow
//! meet without a gap or a repeat and the viewer's sequence stays continuous.
//!
//! Bounded three ways. **Age** (`MAX_AGE`): 2.5 s, so the cache covers the whole GOP of an
//! encoder sending a keyframe every 2 s, the interval OBS and the live platforms ask for.
//! Browsers answer a PLI with a keyframe within a round trip, but most encoders (OBS,
//! hardware encoders, GStreamer with a fixed interval) do not, and with a shorter bound every
//! viewer joining later than that into an H.264 GOP waited for the next keyframe (0.9–1.4 s
//! more, measured before this bound). The player starts up to `MAX_AGE` behind live and
//! catches up within a quarter of it ([`REPLAY_SPEEDUP`]). A viewer joining a GOP older than
//! that asks for a keyframe, and that keyframe starts a fresh cache the next joiners share.
//! **Packets and bytes** (`MAX_PACKETS`, `MAX_BYTES`): the memory per room (the packets are
//! the ones the fan-out shares; the cache only keeps them alive a little longer). Past any
//! bound the cache empties and stays empty until the next keyframe.
//!
//! **Kept fresh** ([`REFRESH_AFTER`]): an encoder that sends keyframes only when asked (a
//! browser: the studio) or further apart than the cache holds would leave every joiner
//! waiting for a PLI and a new keyframe (the first-frame bench's studio publisher: the
//! slowest of its three). So the room asks for a keyframe once its cached one is 2.2 s old,
//! and the cache always holds a GOP to start on: a keyframe every ~2.3 s at most, what the
//! live platforms require of encoders anyway; an encoder with a 2 s interval is never asked.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::rewrite::Media;

/// The oldest keyframe that is still replayed: a 2 s keyframe interval and a margin.
pub const MAX_AGE: Duration = Duration::from_millis(2_500);
/// At most this many packets (2.5 s of 6 Mbps video is ~1,700 packets of 1,100 bytes).
pub const MAX_PACKETS: usize = 2_048;
/// At most this many bytes of RTP payload and header (2.5 s of 8 Mbps).
pub const MAX_BYTES: usize = 2_560 * 1024;
/// How much faster than real time a joining viewer gets the cached GOP.
pub const REPLAY_SPEEDUP: u32 = 4;
/// The cached keyframe's age past which the room asks the publisher for a new one, early
/// enough that it arrives before the cache would expire ([`MAX_AGE`]).
pub const REFRESH_AFTER: Duration = Duration::from_millis(2_200);
// Asked early enough that the keyframe arrives before the cache expires.
const _: () = assert!(REFRESH_AFTER.as_millis() < MAX_AGE.as_millis());

#[derive(Debug, Default)]
pub struct Gop {
    packets: Vec<Arc<Media>>,
    bytes: usize,
    /// Publisher generation and RTP timestamp of the cached keyframe; `None` while the
    /// cache waits for a keyframe.
    key: Option<(u64, u32)>,
}

impl Gop {
    /// Take the next video packet from the publisher.
    pub fn push(&mut self, media: &Arc<Media>) {
        let header = &media.packet.header;
        // A keyframe can span several packets flagged as keyframes (H.264 SPS, then IDR):
        // only a keyframe with a new timestamp starts a new GOP.
        let same_frame = self.key == Some((media.generation, header.timestamp));
        if media.keyframe && !same_frame {
            self.clear();
            self.key = Some((media.generation, header.timestamp));
        }
        match self.key {
            Some((generation, _)) if generation == media.generation => {}
            _ => return self.clear(),
        }
        let size = media.packet.payload.len() + 12;
        let too_old = self
            .packets
            .first()
            .is_some_and(|first| media.received.duration_since(first.received) > MAX_AGE);
        if too_old || self.packets.len() >= MAX_PACKETS || self.bytes + size > MAX_BYTES {
            return self.clear();
        }
        self.packets.push(media.clone());
        self.bytes += size;
    }

    /// Forget everything until the next keyframe (a new publisher session, a bound hit).
    pub fn clear(&mut self) {
        self.packets.clear();
        self.bytes = 0;
        self.key = None;
    }

    /// Whether the cache needs a new keyframe at `now`: none cached (waiting for one) or
    /// the cached one older than [`REFRESH_AFTER`].
    pub fn stale(&self, now: Instant) -> bool {
        self.packets
            .first()
            .is_none_or(|first| now.saturating_duration_since(first.received) > REFRESH_AFTER)
    }

    /// The packets to replay to a viewer starting now: the GOP from its keyframe, or
    /// nothing when there is none or it is older than [`MAX_AGE`].
    pub fn replay(&self, now: Instant) -> Vec<Arc<Media>> {
        match self.packets.first() {
            Some(first) if now.saturating_duration_since(first.received) <= MAX_AGE => {
                self.packets.clone()
            }
            _ => Vec::new(),
        }
    }
}

/// A cached GOP on its way to one viewer: each packet is due at the publisher's own spacing
/// shortened [`REPLAY_SPEEDUP`] times, so the keyframe goes out at once and the rest
/// catches up with live in a quarter of the GOP's age.
#[derive(Debug, Default)]
pub struct Replay {
    packets: VecDeque<Arc<Media>>,
    /// When the first packet went out, and when the publisher's first packet arrived.
    clock: Option<(Instant, Instant)>,
}

impl Replay {
    pub fn new(packets: Vec<Arc<Media>>) -> Replay {
        Replay {
            packets: packets.into(),
            clock: None,
        }
    }

    /// True once every packet went out (the viewer is on live packets then).
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// When the next packet is due; now for the first one, none when all went out.
    pub fn due(&self) -> Option<Instant> {
        let next = self.packets.front()?;
        match self.clock {
            None => Some(Instant::now()),
            Some((started, first)) => {
                Some(started + next.received.saturating_duration_since(first) / REPLAY_SPEEDUP)
            }
        }
    }

    /// The next packet if it is due by `now` (the first one starts the clock).
    pub fn next_due(&mut self, now: Instant) -> Option<Arc<Media>> {
        let media = self.packets.front()?;
        let (started, first) = *self.clock.get_or_insert((now, media.received));
        if started + media.received.saturating_duration_since(first) / REPLAY_SPEEDUP > now {
            return None;
        }
        self.packets.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::rtp;

    fn media(generation: u64, seq: u16, ts: u32, keyframe: bool, at: Instant) -> Arc<Media> {
        let mut packet = rtp::Packet {
            payload: bytes::Bytes::from(vec![0u8; 1000]),
            ..Default::default()
        };
        packet.header.sequence_number = seq;
        packet.header.timestamp = ts;
        Arc::new(Media {
            generation,
            keyframe,
            packet,
            received: at,
        })
    }

    fn seqs(packets: &[Arc<Media>]) -> Vec<u16> {
        packets
            .iter()
            .map(|m| m.packet.header.sequence_number)
            .collect()
    }

    #[test]
    fn holds_the_packets_since_the_latest_keyframe() {
        let now = Instant::now();
        let mut gop = Gop::default();
        gop.push(&media(1, 1, 0, false, now));
        assert!(gop.replay(now).is_empty(), "nothing before a keyframe");
        gop.push(&media(1, 2, 3000, true, now));
        gop.push(&media(1, 3, 3000, false, now));
        // H.264: the IDR after the SPS, same frame, does not restart the GOP.
        gop.push(&media(1, 4, 3000, true, now));
        gop.push(&media(1, 5, 6000, false, now));
        assert_eq!(seqs(&gop.replay(now)), [2, 3, 4, 5]);
        gop.push(&media(1, 6, 9000, true, now));
        gop.push(&media(1, 7, 12000, false, now));
        assert_eq!(seqs(&gop.replay(now)), [6, 7], "a new keyframe restarts it");
    }

    #[test]
    fn a_gop_of_a_two_second_keyframe_interval_is_replayed_to_its_end() {
        let start = Instant::now();
        let mut gop = Gop::default();
        gop.push(&media(1, 1, 0, true, start));
        // 30 fps for 1.9 s: the last frames before the encoder's next keyframe.
        for frame in 1..57u16 {
            let at = start + Duration::from_millis(frame as u64 * 100 / 3);
            gop.push(&media(1, 1 + frame, frame as u32 * 3000, false, at));
        }
        let joining = start + Duration::from_millis(1_950);
        let replay = gop.replay(joining);
        assert_eq!(replay.len(), 57, "the whole GOP, keyframe first");
        assert!(replay[0].keyframe);
    }

    #[test]
    fn asks_for_a_keyframe_only_once_the_cached_one_is_old_or_missing() {
        let start = Instant::now();
        let mut gop = Gop::default();
        assert!(gop.stale(start), "nothing cached yet");
        gop.push(&media(1, 1, 0, true, start));
        // A 2 s encoder: its next keyframe comes before the cache would ask.
        assert!(!gop.stale(start + Duration::from_millis(2_000)));
        assert!(gop.stale(start + REFRESH_AFTER + Duration::from_millis(1)));
    }

    #[test]
    fn empties_past_its_bounds_until_the_next_keyframe() {
        let start = Instant::now();
        let mut gop = Gop::default();
        gop.push(&media(1, 1, 0, true, start));
        let late = start + MAX_AGE + Duration::from_millis(1);
        assert!(gop.replay(late).is_empty(), "too old to replay");
        gop.push(&media(1, 2, 3000, false, late));
        gop.push(&media(1, 3, 6000, false, late));
        assert!(gop.replay(late).is_empty(), "stays empty until a keyframe");
        gop.push(&media(1, 4, 9000, true, late));
        for seq in 5..(5 + MAX_PACKETS as u16) {
            gop.push(&media(1, seq, 12000, false, late));
        }
        assert!(gop.replay(late).is_empty(), "packet bound");
        gop.push(&media(1, 600, 15000, true, late));
        gop.push(&media(2, 1, 0, false, late));
        assert!(gop.replay(late).is_empty(), "another publisher session");
    }

    #[test]
    fn a_replay_goes_out_four_times_faster_than_it_came_in() {
        let start = Instant::now();
        let mut replay = Replay::new(vec![
            media(1, 1, 0, true, start),
            media(1, 2, 0, false, start + Duration::from_millis(100)),
        ]);
        let now = start + Duration::from_secs(1);
        assert!(replay.due().is_some(), "the first is due at once");
        let first = replay.next_due(now).expect("the keyframe at once");
        assert!(first.keyframe);
        assert!(
            replay.next_due(now).is_none(),
            "the next one is not due yet"
        );
        assert_eq!(replay.due(), Some(now + Duration::from_millis(25)));
        let later = now + Duration::from_millis(25);
        assert_eq!(
            replay
                .next_due(later)
                .map(|m| m.packet.header.sequence_number),
            Some(2)
        );
        assert!(replay.is_empty() && replay.due().is_none());
    }
}
