//! WHEP playback: `POST /whep/{stream}` with an SDP offer → `201 Created`, the answer
//! and the session's `Location`; `DELETE` to leave. Live streams only: 404 for an
//! unknown stream, 409 with a reason the player shows otherwise.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::http::{Refusal, cors, created};
use super::{SessionKind, cluster, sdp, viewer};
use crate::state::AppState;
use crate::streams::{Status, store};

/// How long a viewer waits for a just-connected publisher's first packets.
const TRACKS_WAIT: Duration = Duration::from_secs(5);

pub async fn play(
    State(state): State<AppState>,
    Path(stream): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match join(&state, &stream, &headers, &body).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn join(
    state: &AppState,
    public_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refusal> {
    let Some(stream) = store::by_public_id(&state.db.pool, public_id).await? else {
        return Err(Refusal::not_found("There is no such stream."));
    };
    let offer = sdp::parse_offer(headers, body)?;
    match stream.status() {
        Status::Live => {}
        Status::Scheduled => {
            return Err(Refusal::conflict(
                "not_live",
                "The stream has not started yet.",
            ));
        }
        Status::Ended | Status::Cancelled => {
            return Err(Refusal::conflict("ended", "This stream has ended."));
        }
    }
    let hub = &state.media;
    if let Some(max) = state.config.max_viewers
        && hub.viewer_count() >= max
    {
        return Err(Refusal::unavailable(
            "node_full",
            "This server has as many viewers as it takes. Retrying…",
        ));
    }
    let waiting = || {
        Refusal::conflict(
            "reconnecting",
            "The host is connecting. The video starts in a moment.",
        )
    };
    // The source is here (a publisher, or this node's pull), or on another node, which
    // this node then pulls from (`cluster`).
    let local = hub.publisher(stream.id).is_some_and(|p| p.is_alive())
        || hub.cluster.pull_of(stream.id).is_some();
    let room = match hub.room(stream.id) {
        Some(room) if local => room,
        nearby => cluster::edge_room(state, stream.id, &stream.public_id)
            .await?
            .or(nearby)
            .ok_or_else(waiting)?,
    };
    let mut tracks = room.tracks();
    let ready = tokio::time::timeout(TRACKS_WAIT, tracks.wait_for(|t| t.video.is_some()))
        .await
        .ok()
        .and_then(Result::ok)
        .map(|t| t.clone());
    let tracks = ready.ok_or_else(waiting)?;
    let (session, answer) = viewer::join(hub, room, tracks, offer).await?;
    let location = format!("/whep/{}/{}", stream.public_id, session.id);
    let ice = state
        .config
        .ice_servers_for(&format!("whep-{}", stream.public_id));
    Ok(created(answer, location, &ice))
}

/// `DELETE /whep/{stream}/{session}`
pub async fn leave(
    State(state): State<AppState>,
    Path((_stream, session)): Path<(String, String)>,
) -> Response {
    let hub = &state.media;
    match hub.session(&session) {
        Some(s) if s.kind == SessionKind::Viewer => {
            hub.close_session(&session).await;
            (StatusCode::OK, cors()).into_response()
        }
        _ => Refusal::not_found("No such playback session.").into_response(),
    }
}

/// `GET /whep/{stream}`: where the stream is, for a player deciding what to show.
pub async fn status(State(state): State<AppState>, Path(public_id): Path<String>) -> Response {
    let stream = match store::by_public_id(&state.db.pool, &public_id).await {
        Ok(Some(stream)) => stream,
        Ok(None) => return Refusal::not_found("There is no such stream.").into_response(),
        Err(err) => return Refusal::from(err).into_response(),
    };
    // On any node the same answer: the publisher here, or on a live origin elsewhere.
    let publishing = state
        .media
        .publisher(stream.id)
        .is_some_and(|p| p.is_alive())
        || matches!(cluster::live_elsewhere(&state, stream.id).await, Ok(true));
    (
        cors(),
        Json(serde_json::json!({
            "status": stream.status().as_str(),
            "publishing": publishing,
            "starts_at": stream.scheduled_at,
        })),
    )
        .into_response()
}
