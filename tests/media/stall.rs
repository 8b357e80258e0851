//! A viewer that stops reading must not slow the publisher or other viewers: the SFU
//! keeps forwarding to everyone at the publisher's rate, the healthy viewer's sequence
//! has no gap, and nothing about the stalled one holds the packet path up.
//! (The frozen-process variant, SIGSTOP, is `showfloor-loadgen stall`: docs/benchmarks.md.)
//!
//! Measured over a number of packets, not a length of time: the publisher sends a window
//! of packets and stops, then the test waits, with deadlines, until what came in has gone
//! out to both viewers. A busy machine makes the test slower, never wrong (a fixed 3 s
//! window once counted packets still on their way as missing).

use std::sync::atomic::Ordering;
use std::time::Duration;

use showfloor::media::client::Client;
use showfloor::media::synth::{self, Shape};

use crate::fixtures::scheduled_stream;
use crate::wait::{until, until_reported};
use crate::whip_whep::{assert_continuous, publisher, viewer};

/// Packets from the publisher in the measured window: ≈ 6 s of the stream below, long
/// enough for the stalled viewer's own queues to fill.
const WINDOW: u64 = 1_000;
/// Packets a count may be short by: the window's edges (a packet taken in just before it
/// opened, a frame cut when the source stops).
const SLACK: u64 = 20;

#[tokio::test]
async fn a_viewer_that_stops_reading_slows_nobody() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    // 1 Mbps (≈ 170 packets a second): the fan-out's buffers then cover 2.5 s or more of a viewer
    // task starved by a busy machine, which is not what this test is about.
    let shape = Shape {
        video_bps: 1_000_000,
        ..Shape::default()
    };
    let source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), shape);
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

    // The window: WINDOW packets in with the stalled viewer's own queues full, then no more.
    let packets_in = || room.stats.packets_in.load(Ordering::Relaxed);
    let forwarded = || room.stats.packets_forwarded.load(Ordering::Relaxed);
    let dropped = || room.stats.packets_dropped.load(Ordering::Relaxed);
    let (in0, fwd0, seen) = (packets_in(), forwarded(), healthy.received().len());
    until_reported(
        Duration::from_secs(60),
        "the publisher's packets to keep coming in",
        || {
            let came = packets_in() - in0;
            (came >= WINDOW).then_some(()).ok_or(format!("{came} in"))
        },
    )
    .await;
    drop(source);

    // Everything that came in goes out to both viewers, once the last packets arrive.
    until_reported(
        Duration::from_secs(60),
        "every packet forwarded to both viewers",
        || {
            let came = packets_in() - in0;
            let sent = forwarded() - fwd0;
            let got = (healthy.received().len() - seen) as u64;
            (sent + SLACK >= 2 * came && got + SLACK >= came)
                .then_some(())
                .ok_or(format!(
                    "{sent} forwarded and {got} received by the healthy viewer for {came} in \
                     ({} dropped since the start)",
                    dropped()
                ))
        },
    )
    .await;
    let got = healthy.received();
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
