//! Checks on an incoming WHIP/WHEP request before any WebRTC work: content type,
//! size, parseable SDP, and at least one codec the SFU can forward.

use axum::http::{HeaderMap, header};
use webrtc::peer_connection::RTCSessionDescription;

use super::http::Refusal;
use super::peer::ACCEPTED_CODECS;

/// Largest offer accepted; browsers send 5–10 KB.
pub const MAX_OFFER_BYTES: usize = 64 * 1024;

/// The offer, parsed, or the 415/413/400 to answer with.
pub fn parse_offer(headers: &HeaderMap, body: &[u8]) -> Result<RTCSessionDescription, Refusal> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/sdp"))
    {
        return Err(Refusal::unsupported_media_type(
            "Send the SDP offer with Content-Type: application/sdp.",
        ));
    }
    if body.len() > MAX_OFFER_BYTES {
        return Err(Refusal::too_large(format!(
            "The SDP offer is larger than {} KB.",
            MAX_OFFER_BYTES / 1024
        )));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| Refusal::bad_request("The SDP offer is not UTF-8 text."))?;
    if text.trim().is_empty() {
        return Err(Refusal::bad_request("The SDP offer is empty."));
    }
    let offer = RTCSessionDescription::offer(text.to_string())
        .map_err(|e| Refusal::bad_request(format!("The SDP offer could not be parsed: {e}.")))?;
    check_codecs(text)?;
    Ok(offer)
}

/// At least one m=audio or m=video section offering Opus, VP8 or H.264.
fn check_codecs(sdp: &str) -> Result<(), Refusal> {
    let mut sections = 0;
    let mut usable = false;
    for line in sdp.lines() {
        let line = line.trim();
        if line.starts_with("m=audio") || line.starts_with("m=video") {
            sections += 1;
        } else if let Some(map) = line.strip_prefix("a=rtpmap:") {
            let name = map
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.split('/').next())
                .unwrap_or("")
                .to_ascii_lowercase();
            usable |= matches!(name.as_str(), "opus" | "vp8" | "h264");
        }
    }
    if sections == 0 {
        return Err(Refusal::bad_request(format!(
            "The offer has no audio or video. Showfloor accepts {ACCEPTED_CODECS}."
        )));
    }
    if !usable {
        return Err(Refusal::bad_request(format!(
            "The offer has no supported codec. Showfloor accepts {ACCEPTED_CODECS}."
        )));
    }
    Ok(())
}

/// The bearer token of an `Authorization` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_without_media_or_without_a_supported_codec_are_refused_with_the_list() {
        let none = "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";
        assert!(
            check_codecs(none)
                .unwrap_err()
                .message
                .contains("no audio or video")
        );
        let av1 = "m=video 9 UDP/TLS/RTP/SAVPF 45\r\na=rtpmap:45 AV1/90000\r\n";
        let err = check_codecs(av1).unwrap_err().message;
        assert!(err.contains("VP8 or H.264"), "{err}");
        let vp8 = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n";
        assert!(check_codecs(vp8).is_ok());
    }

    #[test]
    fn the_bearer_token_is_read_case_insensitively() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
