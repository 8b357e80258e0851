//! A viewer that stops reading must not slow the publisher or other viewers: the SFU
//! keeps forwarding to everyone at the publisher's rate, the healthy viewer's sequence
//! has no gap, and nothing about the stalled one holds the packet path up.
//! (The frozen-process variant, SIGSTOP, is `showfloor-loadgen stall`: docs/benchmarks.md.)

use std::sync::atomic::Ordering;
use std::time::Duration;

use showfloor::media::client::Client;
use showfloor::media::synth::{self, Shape};

use crate::fixtures::scheduled_stream;
use crate::wait::until;
use crate::whip_whep::{assert_continuous, publisher, viewer};

#[tokio::test]
async fn a_viewer_that_stops_reading_slows_nobody() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let _source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), Shape::default());
    let mut stalled = Client::play_not_reading(&base, &live.public_id)
        .await
        .expect("WHEP request")
        .unwrap_or_else(|r| panic!("WHEP refused: {} {}", r.status, r.body));
    stalled
        .connected(Duration::from_secs(10))
        .await
        .expect("stalled viewer connects");
    let healthy = viewer(&base, &live.public_id, None).await;
    let state = live.app.server.as_ref().unwrap().state.clone();
    let room = state.media.room(live.stream_id).expect("room");
    until(
        Duration::from_secs(10),
        "the healthy viewer's keyframe",
        || healthy.received().iter().any(|r| r.keyframe).then_some(()),
    )
    .await;

    // Three seconds (≈ 1 000 packets) with the stalled viewer's own queues full.
    let (in0, fwd0) = (
        room.stats.packets_in.load(Ordering::Relaxed),
        room.stats.packets_forwarded.load(Ordering::Relaxed),
    );
    let seen = healthy.received().len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let packets_in = room.stats.packets_in.load(Ordering::Relaxed) - in0;
    let forwarded = room.stats.packets_forwarded.load(Ordering::Relaxed) - fwd0;
    let got = healthy.received();
    assert!(packets_in > 800, "the publisher kept sending: {packets_in}");
    assert!(
        forwarded + 20 >= 2 * packets_in,
        "every packet went to both viewers: {forwarded} forwarded for {packets_in} in"
    );
    assert!(
        got.len() - seen + 20 >= packets_in as usize,
        "the healthy viewer received {} of {packets_in}",
        got.len() - seen
    );
    let first_keyframe = got.iter().position(|r| r.keyframe).expect("keyframe");
    let video: Vec<_> = got[first_keyframe..]
        .iter()
        .filter(|r| r.video)
        .cloned()
        .collect();
    assert_continuous(&video);
    assert_eq!(
        state.media.sessions_of(live.stream_id).len(),
        3,
        "the stalled viewer is still served (it answers ICE)"
    );
}
