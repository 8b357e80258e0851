//! Interop with a WebRTC stack we did not write (issue 16, item 4): aiortc (PyPI; its
//! own ICE, DTLS and SRTP, real VP8 and H.264 encoders and decoders) publishes over WHIP,
//! and aiortc and real Chromium play it over WHEP. Each viewer must decode frames, and
//! aiortc's ICE + DTLS must be done within 200 ms of the answer on loopback (a functional
//! bound: a lost connectivity check costs a 500 ms retransmission, far above it).
//! `crate::aiortc` runs the aiortc side; `scripts/test` installs aiortc.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;

use crate::aiortc::Peer;
use crate::browser::chromedriver;
use crate::fixtures::publishes;
use crate::fixtures::{Live, scheduled_stream};
use crate::phone::{js, phone};
use crate::wait::until_async;

const WAIT: Duration = Duration::from_secs(30);

/// aiortc as a viewer: frames decoded, and how long ICE + DTLS took after the answer.
async fn aiortc_views(live: &Live) -> (Value, f64) {
    let url = format!("{}/whep/{}", live.base(), live.public_id);
    let viewer = Peer::start(&["view", &url, "--frames", "30"]);
    let answer = viewer.wait_for("answer", None).await;
    assert_eq!(answer["status"], 201, "{answer}");
    let connected = viewer.wait_for("connection", Some("connected")).await;
    let frames = viewer.wait_for("frames", None).await;
    let setup = Peer::ms(&connected) - Peer::ms(&answer);
    println!("aiortc viewer: connected {setup:.1} ms after the answer; {frames}");
    (frames, setup)
}

/// Chromium's player on the stream page decodes the publisher's video.
async fn chromium_plays(live: &Live) -> (i64, i64) {
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let shopper = phone(&webdriver, &profile, false).await;
    shopper
        .goto(&format!(
            "{}/@{}/spring-knitwear",
            live.base(),
            live.shop_slug
        ))
        .await
        .unwrap();
    let size = until_async(WAIT, "Chromium to decode 20 frames", || async {
        let played = js(
            &shopper,
            "var v = document.querySelector('[data-whep] video'); \
             if (!v || !v.getVideoPlaybackQuality) return null; \
             var q = v.getVideoPlaybackQuality(); \
             return q.totalVideoFrames - q.droppedVideoFrames >= 20 && v.videoWidth > 0 \
               ? [v.videoWidth, v.videoHeight] : null;",
        )
        .await;
        played
            .as_array()
            .map(|a| (a[0].as_i64().unwrap(), a[1].as_i64().unwrap()))
    })
    .await;
    let _ = shopper.close().await;
    size
}

/// An aiortc publisher in `codec`, then an aiortc viewer and Chromium: both decode it at
/// 640×360, aiortc's ICE + DTLS within 200 ms. How many viewers started on the room's
/// keyframe cache.
async fn both_viewers_play(codec: &str) -> u64 {
    let live = scheduled_stream().await;
    let _publisher = publishes(&live, codec).await;
    let state = live.app.server.as_ref().expect("server").state.clone();
    let room = state.media.room(live.stream_id).expect("the room");
    let (frames, setup) = aiortc_views(&live).await;
    assert_eq!(frames["width"], 640, "{frames}");
    assert_eq!(frames["height"], 360, "{frames}");
    assert!(
        setup < 200.0,
        "ICE + DTLS took {setup:.1} ms after the answer"
    );
    assert_eq!(chromium_plays(&live).await, (640, 360));
    room.stats.gop_replays.load(Ordering::Relaxed)
}

#[tokio::test]
async fn an_aiortc_vp8_publisher_reaches_aiortc_and_chromium_viewers() {
    both_viewers_play("vp8").await;
}

#[tokio::test]
async fn an_aiortc_h264_publisher_reaches_aiortc_and_chromium_viewers() {
    // Both joined mid-GOP and started on the room's cached H.264 keyframe (SPS, PPS, IDR),
    // without waiting for the encoder's next one.
    assert_eq!(both_viewers_play("h264").await, 2);
}
