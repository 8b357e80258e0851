//! A WHIP publisher and WHEP viewers over loopback: what the viewers receive.

use std::time::{Duration, Instant};

use showfloor::media::client::{Client, Received};
use showfloor::media::synth::{self, Shape};

use crate::fixtures::{scheduled_stream, status};
use crate::wait::{until, until_async};

const CONNECT: Duration = Duration::from_secs(10);

pub async fn publisher(base: &str, stream: &str, key: &str) -> Client {
    let mut p = Client::publish(base, stream, key)
        .await
        .expect("WHIP request")
        .unwrap_or_else(|r| panic!("WHIP refused: {} {}", r.status, r.body));
    p.connected(CONNECT).await.expect("publisher connects");
    p
}

pub async fn viewer(base: &str, stream: &str, pts: Option<(u8, u8)>) -> Client {
    let mut v = Client::play_with(base, stream, pts)
        .await
        .expect("WHEP request")
        .unwrap_or_else(|r| panic!("WHEP refused: {} {}", r.status, r.body));
    v.connected(CONNECT).await.expect("viewer connects");
    v
}

pub fn video(received: &[Received]) -> Vec<Received> {
    received.iter().filter(|r| r.video).cloned().collect()
}

pub fn assert_continuous(packets: &[Received]) {
    for pair in packets.windows(2) {
        assert_eq!(
            pair[1].sequence_number,
            pair[0].sequence_number.wrapping_add(1),
            "sequence numbers jump"
        );
        assert_eq!(pair[1].ssrc, pair[0].ssrc, "SSRC changes");
    }
}

#[tokio::test]
async fn viewers_receive_rtp_with_their_own_payload_types_and_continuous_sequence_numbers() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let _source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), Shape::default());
    assert_eq!(
        status(&live).await,
        "live",
        "publishing marks the stream live"
    );

    let a = viewer(&base, &live.public_id, Some((120, 109))).await;
    let b = viewer(&base, &live.public_id, None).await;
    for v in [&a, &b] {
        until(
            Duration::from_secs(10),
            "600 video and 50 audio packets",
            || {
                let r = v.received();
                (r.iter().filter(|p| p.video).count() >= 600
                    && r.iter().filter(|p| !p.video).count() >= 50)
                    .then_some(())
            },
        )
        .await;
    }

    let got = a.received();
    assert!(
        got.iter()
            .filter(|r| r.video)
            .all(|r| r.payload_type == 120),
        "video PT rewritten to 120"
    );
    assert!(
        got.iter()
            .filter(|r| !r.video)
            .all(|r| r.payload_type == 109),
        "audio PT rewritten to 109"
    );
    let other = b.received();
    assert!(
        other
            .iter()
            .filter(|r| r.video)
            .all(|r| r.payload_type == synth::VP8_PT)
    );
    let (va, vb) = (video(&got), video(&other));
    assert!(va[0].keyframe, "a viewer starts on a keyframe");
    assert_continuous(&va);
    assert_continuous(&vb);
    assert_ne!(va[0].ssrc, vb[0].ssrc, "each viewer has its own SSRC");
    let audio: Vec<Received> = got.iter().filter(|r| !r.video).cloned().collect();
    assert_continuous(&audio);

    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = format!("showfloor_media_viewers{{stream=\"{}\"}} 2", live.stream_id);
    assert!(
        metrics.contains(&line),
        "per-stream viewers in /metrics:\n{metrics}"
    );
    assert!(metrics.contains("showfloor_media_packets_forwarded_total{stream="));
}

#[tokio::test]
async fn a_joining_viewer_gets_a_keyframe_within_a_second() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    // Keyframes only on request: the viewer's keyframe must come from the SFU's PLI.
    let shape = Shape {
        keyframe_every: Duration::from_secs(3600),
        ..Shape::default()
    };
    let source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), shape);
    let first = viewer(&base, &live.public_id, None).await;
    until(Duration::from_secs(5), "the first viewer's video", || {
        (video(&first.received()).len() > 100).then_some(())
    })
    .await;

    let joined = Instant::now();
    let second = viewer(&base, &live.public_id, None).await;
    let at = until(Duration::from_secs(3), "a keyframe", || {
        second
            .received()
            .iter()
            .find(|r| r.video && r.keyframe)
            .map(|r| r.at)
    })
    .await;
    let waited = at.duration_since(joined);
    assert!(
        waited < Duration::from_secs(1),
        "first keyframe after {waited:?}"
    );
    assert!(
        source
            .plis_received
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
    );
}

#[tokio::test]
async fn a_second_publisher_is_refused_while_the_first_is_sending() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let _source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), Shape::default());
    let second = Client::publish(&base, &live.public_id, &live.key)
        .await
        .expect("request");
    let reply = second.err().expect("refused");
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(
        reply.body.contains("already being broadcast"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn a_reconnecting_publisher_replaces_the_dead_one_and_viewers_resume() {
    let live = scheduled_stream().await;
    let base = live.base();
    let first = publisher(&base, &live.public_id, &live.key).await;
    let source = synth::start(
        first.tracks[0].clone(),
        first.tracks[1].clone(),
        Shape::default(),
    );
    let v = viewer(&base, &live.public_id, None).await;
    until(Duration::from_secs(5), "video", || {
        (video(&v.received()).len() > 100).then_some(())
    })
    .await;

    // The network drops: no DELETE, the packets just stop.
    drop(source);
    let _ = first.pc.close().await;
    let before = video(&v.received()).len();

    let start = Instant::now();
    let second = loop {
        match Client::publish(&base, &live.public_id, &live.key)
            .await
            .expect("request")
        {
            Ok(mut p) => {
                p.connected(CONNECT).await.expect("reconnects");
                break p;
            }
            Err(reply) => {
                assert_eq!(reply.status, 409, "{}", reply.body);
                assert!(start.elapsed() < Duration::from_secs(10), "never replaced");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    };
    let _source = synth::start(
        second.tracks[0].clone(),
        second.tracks[1].clone(),
        Shape::default(),
    );
    until(
        Duration::from_secs(5),
        "video from the new publisher",
        || (video(&v.received()).len() > before + 100).then_some(()),
    )
    .await;
    assert_continuous(&video(&v.received()));
    assert_eq!(status(&live).await, "live", "the stream stayed live");
}

#[tokio::test]
async fn delete_ends_the_publishing_session_and_starts_the_grace_period() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let hub = live.app.server.as_ref().unwrap().state.media.clone();
    assert_eq!(hub.sessions_of(live.stream_id).len(), 1);

    assert_eq!(p.stop().await.unwrap(), 200);
    assert!(hub.sessions_of(live.stream_id).is_empty(), "session closed");
    let db = live.app.db().clone();
    let gone: i64 = until_async(Duration::from_secs(5), "publisher_gone_at", || async {
        sqlx::query_scalar::<_, Option<i64>>("SELECT publisher_gone_at FROM streams WHERE id = $1")
            .bind(live.stream_id)
            .fetch_one(&db)
            .await
            .ok()
            .flatten()
    })
    .await;
    assert!(gone > 0);
    assert_eq!(
        status(&live).await,
        "live",
        "still live during the grace period"
    );
    let auth = format!("Bearer {}", live.key);
    let again = showfloor::media::client::http(
        "DELETE",
        &base,
        &p.location,
        &[("Authorization", &auth)],
        "",
    )
    .await
    .unwrap();
    assert_eq!(again.status, 404, "unknown session");
}

/// Behind 1:1 NAT the answer names the public address: the crate stores that setting but
/// applies it nowhere, so the server rewrites its candidates (`media::peer::advertise`).
#[tokio::test]
async fn a_configured_public_address_is_advertised_in_place_of_the_private_one() {
    let mut live = scheduled_stream().await;
    live.app.config.webrtc_public_ip = Some("127.0.0.9".parse().expect("address"));
    live.app.restart().await;
    let publisher = Client::publish(&live.base(), &live.public_id, &live.key)
        .await
        .expect("WHIP request")
        .unwrap_or_else(|r| panic!("WHIP refused: {} {}", r.status, r.body));
    let candidates: Vec<&str> = publisher
        .answer
        .lines()
        .filter(|l| l.starts_with("a=candidate:"))
        .collect();
    assert!(!candidates.is_empty(), "the answer carries candidates");
    for candidate in candidates {
        let address = candidate.split(' ').nth(4).expect("candidate address");
        assert_eq!(address, "127.0.0.9", "advertised: {candidate}");
    }
    let _ = publisher.stop().await;
}
