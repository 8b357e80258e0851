//! Between the packet path and the streams feature: a publisher leaving starts the
//! stream's grace period; a stream ending (button, grace period) closes its room.
//! Runs until the server shuts down, then closes every media session.

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use super::MediaEvent;
use crate::state::AppState;
use crate::streams::{self, Status};

pub fn spawn(state: &AppState, mut shutdown: watch::Receiver<bool>) {
    let hub = state.media.clone();
    let Some(mut events) = hub.take_events() else {
        return;
    };
    let mut transitions = state.streams.subscribe();
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(MediaEvent::PublisherGone { stream_id }) => {
                        if let Err(err) = streams::publisher_gone(&state, stream_id).await {
                            tracing::warn!(stream = stream_id, error = %err, "could not record the publisher leaving");
                        }
                    }
                    Some(_) => {}
                    None => break,
                },
                transition = transitions.recv() => match transition {
                    Ok(t) if matches!(t.to, Status::Ended | Status::Cancelled) => {
                        hub.end_stream(t.stream_id).await;
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                _ = shutdown.changed() => break,
            }
        }
        hub.shutdown().await;
    });
}
