//! Keyframe detection on RTP payloads, so a joining or lagging viewer starts (or
//! resumes) on a picture it can decode, and so the SFU can tell when a PLI was answered.

/// The video codecs the SFU forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCodec {
    Vp8,
    H264,
}

impl VideoCodec {
    /// From a MIME type such as `video/VP8` (case-insensitive).
    pub fn from_mime(mime: &str) -> Option<VideoCodec> {
        match mime.to_ascii_lowercase().as_str() {
            "video/vp8" => Some(VideoCodec::Vp8),
            "video/h264" => Some(VideoCodec::H264),
            _ => None,
        }
    }
}

/// Whether this RTP payload starts a keyframe (VP8 key frame, or an H.264 IDR/SPS).
pub fn is_keyframe(codec: VideoCodec, payload: &[u8]) -> bool {
    match codec {
        VideoCodec::Vp8 => vp8_keyframe(payload),
        VideoCodec::H264 => h264_keyframe(payload),
    }
}

/// RFC 7741: skip the payload descriptor; on the first packet of a partition
/// (S=1, PID=0) the VP8 frame tag's P bit is 0 for a key frame.
fn vp8_keyframe(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else {
        return false;
    };
    let start = first & 0x10 != 0;
    let pid = first & 0x07;
    if !start || pid != 0 {
        return false;
    }
    let mut i = 1;
    if first & 0x80 != 0 {
        let Some(&ext) = payload.get(i) else {
            return false;
        };
        i += 1;
        if ext & 0x80 != 0 {
            // PictureID: one or two bytes (M bit).
            let Some(&pic) = payload.get(i) else {
                return false;
            };
            i += if pic & 0x80 != 0 { 2 } else { 1 };
        }
        if ext & 0x40 != 0 {
            i += 1; // TL0PICIDX
        }
        if ext & 0x30 != 0 {
            i += 1; // TID/Y/KEYIDX
        }
    }
    payload.get(i).is_some_and(|tag| tag & 0x01 == 0)
}

/// RFC 6184: an IDR slice (5) or SPS (7), alone, inside a STAP-A, or starting a FU-A.
fn h264_keyframe(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else {
        return false;
    };
    let key = |nal: u8| matches!(nal & 0x1f, 5 | 7);
    match first & 0x1f {
        24 => {
            // STAP-A: 16-bit sizes, each followed by a NAL unit.
            let mut i = 1;
            while i + 2 < payload.len() {
                let size = usize::from(u16::from_be_bytes([payload[i], payload[i + 1]]));
                if key(payload[i + 2]) {
                    return true;
                }
                i += 2 + size;
            }
            false
        }
        28 => payload.get(1).is_some_and(|fu| fu & 0x80 != 0 && key(*fu)),
        nal => key(nal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vp8_key_frame_is_recognised_with_and_without_extensions() {
        assert!(is_keyframe(VideoCodec::Vp8, &[0x10, 0x00, 0x9d]));
        assert!(!is_keyframe(VideoCodec::Vp8, &[0x10, 0x01, 0x9d]));
        // X=1, I=1 with a two-byte picture id, then the frame tag.
        assert!(is_keyframe(
            VideoCodec::Vp8,
            &[0x90, 0x80, 0x80, 0x01, 0x00]
        ));
        assert!(!is_keyframe(
            VideoCodec::Vp8,
            &[0x90, 0x80, 0x80, 0x01, 0x01]
        ));
        // Not the start of a partition.
        assert!(!is_keyframe(VideoCodec::Vp8, &[0x00, 0x00]));
        assert!(!is_keyframe(VideoCodec::Vp8, &[]));
    }

    #[test]
    fn h264_idr_sps_stap_a_and_fu_a_starts_are_keyframes() {
        assert!(is_keyframe(VideoCodec::H264, &[0x65, 0x88]));
        assert!(is_keyframe(VideoCodec::H264, &[0x67, 0x42]));
        assert!(!is_keyframe(VideoCodec::H264, &[0x41, 0x9a]));
        assert!(is_keyframe(
            VideoCodec::H264,
            &[0x78, 0x00, 0x02, 0x67, 0x42]
        ));
        assert!(is_keyframe(VideoCodec::H264, &[0x7c, 0x85, 0x00]));
        assert!(!is_keyframe(VideoCodec::H264, &[0x7c, 0x05, 0x00]));
        assert!(!is_keyframe(VideoCodec::H264, &[0x7c, 0x81, 0x00]));
    }
}
