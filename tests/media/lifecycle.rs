//! Sessions close with the stream and with the server.

use std::time::Duration;

use showfloor::media::synth::{self, Shape};
use showfloor::streams::{self, Actor};

use crate::fixtures::scheduled_stream;
use crate::wait::until;
use crate::whip_whep::{publisher, viewer};

#[tokio::test]
async fn ending_the_stream_closes_the_publisher_and_every_viewer() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let _source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), Shape::default());
    let _v = viewer(&base, &live.public_id, None).await;
    let state = live.app.server.as_ref().unwrap().state.clone();
    assert_eq!(state.media.sessions_of(live.stream_id).len(), 2);

    streams::end(&state, live.stream_id, Actor::System)
        .await
        .expect("ends");
    until(Duration::from_secs(5), "every session closed", || {
        state
            .media
            .sessions_of(live.stream_id)
            .is_empty()
            .then_some(())
    })
    .await;
    let refused = showfloor::media::client::Client::play(&base, &live.public_id)
        .await
        .unwrap();
    let reply = refused.err().expect("refused");
    assert!(
        reply.status == 409 && reply.body.contains("ended"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn stopping_the_server_closes_every_session() {
    let mut live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let _source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), Shape::default());
    let _v = viewer(&base, &live.public_id, None).await;
    let server = live.app.server.take().expect("running");
    let hub = server.state.media.clone();
    server.stop().await.expect("clean stop");
    assert_eq!(hub.session_count(), 0);
}
