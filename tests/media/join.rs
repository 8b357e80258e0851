//! Joining a stream that is already running: the viewer starts on the room's cached
//! keyframe (no wait for a new one) and its sequence runs on from the replayed packets
//! into the live ones without a gap or a repeat.

use std::sync::atomic::Ordering;
use std::time::Duration;

use showfloor::media::synth::{self, Shape};

use crate::fixtures::scheduled_stream;
use crate::wait::until;
use crate::whip_whep::{assert_continuous, publisher, video, viewer};

#[tokio::test]
async fn a_viewer_joining_a_running_stream_starts_on_the_cached_keyframe_with_a_continuous_sequence()
 {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    // A keyframe every 400 ms keeps the room's cache fresh enough to replay at any moment.
    let shape = Shape {
        keyframe_every: Duration::from_millis(400),
        ..Shape::default()
    };
    let source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), shape);
    let state = live.app.server.as_ref().expect("server").state.clone();
    until(
        Duration::from_secs(5),
        "the publisher's first packets",
        || {
            state
                .media
                .room(live.stream_id)
                .filter(|room| room.stats.packets_in.load(Ordering::Relaxed) > 60)
                .map(|_| ())
        },
    )
    .await;
    let room = state.media.room(live.stream_id).expect("room");
    let plis = source.plis_received.load(Ordering::Relaxed);

    let v = viewer(&base, &live.public_id, None).await;
    until(Duration::from_secs(10), "400 video packets", || {
        (video(&v.received()).len() >= 400).then_some(())
    })
    .await;

    let got = video(&v.received());
    assert!(got[0].keyframe, "the first packet is the cached keyframe");
    assert_continuous(&got);
    assert_eq!(room.stats.gop_replays.load(Ordering::Relaxed), 1);
    assert_eq!(
        source.plis_received.load(Ordering::Relaxed),
        plis,
        "no keyframe was asked of the publisher for this viewer"
    );
}
