//! Per-viewer RTP rewriting. Every viewer gets its own SSRC and its own negotiated
//! payload type, and a sequence-number and timestamp space that stays continuous
//! across packets the SFU dropped for it (lag) and across a publisher reconnect.

use std::time::Instant;

use rtc::rtp;

/// One packet from the publisher, shared by every viewer's forwarder.
#[derive(Debug)]
pub struct Media {
    /// Which publisher session sent it; a change means new SSRC, sequence and clock bases.
    pub generation: u64,
    /// Starts a keyframe (always false for audio).
    pub keyframe: bool,
    /// Header extensions already removed: the viewer's sender adds its own negotiated ones.
    pub packet: rtp::Packet,
    pub received: Instant,
}

/// The rewriting state of one outgoing track.
#[derive(Debug)]
pub struct Rewriter {
    ssrc: u32,
    payload_type: u8,
    clock_rate: u32,
    video: bool,
    /// Dropping until a keyframe (a new or lagging video viewer).
    waiting_for_keyframe: bool,
    /// Re-base the sequence numbers on the next packet forwarded.
    rebase: bool,
    generation: Option<u64>,
    seq_offset: u16,
    ts_offset: u32,
    last_seq: u16,
    last_ts: u32,
    last_at: Option<Instant>,
}

impl Rewriter {
    pub fn new(ssrc: u32, payload_type: u8, clock_rate: u32, video: bool) -> Rewriter {
        Rewriter {
            ssrc,
            payload_type,
            clock_rate,
            video,
            waiting_for_keyframe: video,
            rebase: true,
            generation: None,
            seq_offset: 0,
            ts_offset: 0,
            last_seq: rand::random(),
            last_ts: rand::random(),
            last_at: None,
        }
    }

    /// Packets were lost for this viewer: hide the gap, and for video wait for a keyframe.
    pub fn resync(&mut self) {
        self.rebase = true;
        self.waiting_for_keyframe = self.video;
    }

    pub fn waiting_for_keyframe(&self) -> bool {
        self.waiting_for_keyframe
    }

    /// The packet as this viewer should receive it, or `None` to drop it.
    pub fn rewrite(&mut self, media: &Media) -> Option<rtp::Packet> {
        if self.waiting_for_keyframe {
            if !media.keyframe {
                return None;
            }
            self.waiting_for_keyframe = false;
        }
        let header = &media.packet.header;
        if self.generation != Some(media.generation) {
            // A new publisher session: continue our timeline from where it stopped, advanced
            // by the wall-clock gap, so players see one stream that paused.
            let gap = self.last_at.map_or(0, |at| {
                let ms = media.received.saturating_duration_since(at).as_millis() as u64;
                (ms * u64::from(self.clock_rate) / 1000).max(1) as u32
            });
            self.ts_offset = self
                .last_ts
                .wrapping_add(gap)
                .wrapping_sub(header.timestamp);
            self.generation = Some(media.generation);
            self.rebase = true;
        }
        if self.rebase {
            self.seq_offset = self
                .last_seq
                .wrapping_add(1)
                .wrapping_sub(header.sequence_number);
            self.rebase = false;
        }
        let mut packet = media.packet.clone();
        packet.header.ssrc = self.ssrc;
        packet.header.payload_type = self.payload_type;
        packet.header.sequence_number = header.sequence_number.wrapping_add(self.seq_offset);
        packet.header.timestamp = header.timestamp.wrapping_add(self.ts_offset);
        // Keep the newest position: retransmitted or reordered packets must not move it back.
        if packet.header.sequence_number.wrapping_sub(self.last_seq) < 0x8000
            || self.last_at.is_none()
        {
            self.last_seq = packet.header.sequence_number;
            self.last_ts = packet.header.timestamp;
            self.last_at = Some(media.received);
        }
        Some(packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(generation: u64, seq: u16, ts: u32, keyframe: bool) -> Media {
        let mut packet = rtp::Packet::default();
        packet.header.sequence_number = seq;
        packet.header.timestamp = ts;
        packet.header.ssrc = 1234;
        packet.header.payload_type = 120;
        Media {
            generation,
            keyframe,
            packet,
            received: Instant::now(),
        }
    }

    #[test]
    fn a_video_viewer_starts_on_a_keyframe_with_its_own_ssrc_and_payload_type() {
        let mut r = Rewriter::new(42, 96, 90000, true);
        assert!(r.rewrite(&media(1, 10, 0, false)).is_none());
        let first = r
            .rewrite(&media(1, 11, 3000, true))
            .expect("keyframe passes");
        assert_eq!((first.header.ssrc, first.header.payload_type), (42, 96));
        let next = r
            .rewrite(&media(1, 12, 3000, false))
            .expect("then everything");
        assert_eq!(
            next.header.sequence_number,
            first.header.sequence_number.wrapping_add(1)
        );
    }

    #[test]
    fn a_resync_hides_the_dropped_packets_from_the_sequence() {
        let mut r = Rewriter::new(42, 96, 90000, true);
        let a = r.rewrite(&media(1, 100, 0, true)).unwrap();
        r.resync();
        assert!(r.rewrite(&media(1, 150, 9000, false)).is_none());
        let b = r.rewrite(&media(1, 151, 12000, true)).unwrap();
        assert_eq!(
            b.header.sequence_number,
            a.header.sequence_number.wrapping_add(1)
        );
        assert_eq!(b.header.timestamp.wrapping_sub(a.header.timestamp), 12000);
    }

    #[test]
    fn a_new_publisher_session_continues_the_viewer_timeline() {
        let mut r = Rewriter::new(7, 111, 48000, false);
        let a = r.rewrite(&media(1, 65535, 4_000_000_000, false)).unwrap();
        let b = r.rewrite(&media(2, 17, 5, false)).unwrap();
        assert_eq!(
            b.header.sequence_number,
            a.header.sequence_number.wrapping_add(1)
        );
        assert!(b.header.timestamp.wrapping_sub(a.header.timestamp) >= 1);
        assert_eq!(b.header.ssrc, 7);
    }
}
