//! The room follows its stream: going live and ending reach every viewer as a `status`
//! event, and an ending stream closes its pin (reports end the pin's band there).

use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use super::{events, store};
use crate::state::AppState;
use crate::streams::Status;

pub fn spawn(state: &AppState, mut shutdown: watch::Receiver<bool>) {
    let mut transitions = state.streams.subscribe();
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                transition = transitions.recv() => match transition {
                    Ok(t) => {
                        if let Err(err) = follow(&state, t.shop_id, t.stream_id, t.to, t.at).await {
                            tracing::warn!(stream = t.stream_id, error = %err, "live room did not follow the stream's state");
                        }
                    }
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                _ = shutdown.changed() => break,
            }
        }
    });
}

async fn follow(
    state: &AppState,
    shop_id: i64,
    stream_id: i64,
    to: Status,
    at: i64,
) -> sqlx::Result<()> {
    if matches!(to, Status::Ended | Status::Cancelled)
        && let Some(pin) = store::pins::close_open_pin(&state.db.pool, stream_id, at).await?
    {
        state
            .live
            .emit(shop_id, stream_id, "unpin", events::unpin(pin))
            .await?;
    }
    state
        .live
        .emit(
            shop_id,
            stream_id,
            "status",
            json!({ "status": to.as_str(), "at": at }),
        )
        .await?;
    Ok(())
}
