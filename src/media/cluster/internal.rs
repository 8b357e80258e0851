//! `POST /internal/whep/{stream}`: another node pulls a stream whose publisher is
//! connected here. Authorised by the node credential (`Authorization: Bearer`
//! `--node-secret`), never the stream key; served only by the origin itself, so pulls
//! never chain into a loop. The session is an ordinary viewer of the room (the edge ends
//! it with `DELETE /whep/{stream}/{session}`, or by closing its connection).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::media::http::{Refusal, created};
use crate::media::{sdp, viewer};
use crate::state::AppState;
use crate::streams::store;

/// How long a pull waits for a just-connected publisher's first packets (the edge's own
/// viewer waits at most five seconds in all).
const TRACKS_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

pub async fn pull(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match serve(&state, &public_id, &headers, &body).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn serve(
    state: &AppState,
    public_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refusal> {
    let hub = &state.media;
    let presented = sdp::bearer(headers).unwrap_or("");
    if !hub.cluster.accepts(presented) {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "Pulling a stream from this node needs the node credential (--node-secret).",
        ));
    }
    let Some(stream) = store::by_public_id(&state.db.pool, public_id).await? else {
        return Err(Refusal::not_found("There is no such stream."));
    };
    let offer = sdp::parse_offer(headers, body)?;
    let not_here = || {
        Refusal::unavailable(
            "not_origin",
            "This node does not hold the stream's publisher.",
        )
    };
    if !hub.publisher(stream.id).is_some_and(|p| p.is_alive()) {
        return Err(not_here());
    }
    let room = hub.room(stream.id).ok_or_else(not_here)?;
    // A publisher that just connected: its first packets are a moment away.
    let mut tracks = room.tracks();
    let tracks = tokio::time::timeout(TRACKS_WAIT, tracks.wait_for(|t| t.video.is_some()))
        .await
        .ok()
        .and_then(Result::ok)
        .map(|t| t.clone())
        .ok_or_else(not_here)?;
    let (session, answer) = viewer::join(hub, room, tracks, offer).await?;
    let location = format!("/whep/{}/{}", stream.public_id, session.id);
    Ok(created(answer, location, &[]))
}
