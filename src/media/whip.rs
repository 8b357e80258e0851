//! WHIP ingest (RFC 9725): `POST /whip/{stream}` with the stream key as bearer token
//! and an SDP offer → `201 Created`, the answer and the session's `Location`;
//! `DELETE` on that location, with the same key, stops publishing. The studio page
//! publishes and stops the same way under `/studio/{id}/publish`, authorised by the
//! signed-in member instead of the key.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::http::{Refusal, cors, created};
use super::{MediaHub, SessionKind, cluster, publish, sdp};
use crate::auth::Member;
use crate::auth::roles::UseStudio;
use crate::state::AppState;
use crate::streams::{self, Actor, Status, StreamRef, store};
use crate::web::ratelimit::{ClientIp, check};

pub async fn publish(
    State(state): State<AppState>,
    Path(stream): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match start(&state, &stream, ip, &headers, &body).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn start(
    state: &AppState,
    stream: &str,
    ip: std::net::IpAddr,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refusal> {
    let hub = &state.media;
    // Every attempt counts, so that key guessing is slow whatever the answer.
    check(&hub.publish_attempts, &ip, "publishing attempts")?;
    let Some(key) = sdp::bearer(headers) else {
        return Err(Refusal::unauthorized());
    };
    let Some(stream) = streams::verify_stream_key(&state.db.pool, stream, key).await? else {
        return Err(Refusal::unauthorized());
    };
    let sessions = format!("/whip/{}", stream.public_id);
    open(state, stream, &sessions, headers, body).await
}

/// `POST /studio/{id}/publish`: WHIP for the studio page, authorised by the signed-in
/// member's session (and CSRF token) instead of the stream key.
pub async fn publish_from_studio(
    State(state): State<AppState>,
    user: Member<UseStudio>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let stream = match store::by_id(&state.db.pool, user.shop.id, id).await {
        Ok(Some(stream)) => StreamRef::from(&stream),
        Ok(None) => return Refusal::not_found("There is no such stream.").into_response(),
        Err(err) => return Refusal::from(err).into_response(),
    };
    // Its `Location` is under the studio too, so that stopping is authorised as this was.
    let sessions = format!("/studio/{id}/publish");
    match open(&state, stream, &sessions, &headers, &body).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

/// Start publishing `stream`; the new session's `Location` is `{sessions}/{id}`.
async fn open(
    state: &AppState,
    stream: StreamRef,
    sessions: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refusal> {
    let hub = &state.media;
    if matches!(stream.status, Status::Ended | Status::Cancelled) {
        return Err(Refusal::conflict(
            "ended",
            "This stream has ended or was cancelled. Schedule a new one to go live again.",
        ));
    }
    let offer = sdp::parse_offer(headers, body)?;
    // This node becomes the stream's origin, unless a publisher on another node is live.
    cluster::claim(state, stream.id).await?;
    // A pull from the previous origin gives way to the publisher itself.
    if let Some(pull) = hub.cluster.pull_of(stream.id) {
        hub.close_session(&pull.session).await;
    }
    let (session, answer) = publish::start(hub, stream.id, offer).await?;
    if let Err(err) = streams::go_live(state, stream.id, Actor::Publisher).await {
        session.mark_replaced();
        hub.close_session(&session.id).await;
        return Err(err.into());
    }
    let location = format!("{sessions}/{}", session.id);
    let ice = state
        .config
        .ice_servers_for(&format!("whip-{}", stream.public_id));
    Ok(created(answer, location, &ice))
}

/// `DELETE /whip/{stream}/{session}`: the broadcaster stops (the grace period starts).
pub async fn stop(
    State(state): State<AppState>,
    Path((stream, session)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Response {
    match stop_with_key(&state, &stream, &session, ip, &headers).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

/// Authorised as the POST was: the stream key as bearer token, checked before the
/// session is looked up, so that without the key no session id can be probed (or
/// ended: a session id travels in URLs and logs, the key does not).
async fn stop_with_key(
    state: &AppState,
    stream: &str,
    session: &str,
    ip: std::net::IpAddr,
    headers: &HeaderMap,
) -> Result<Response, Refusal> {
    let hub = &state.media;
    // Counted with the POSTs: a DELETE must not be a faster way to guess a key.
    check(&hub.publish_attempts, &ip, "publishing attempts")?;
    let Some(key) = sdp::bearer(headers) else {
        return Err(Refusal::unauthorized());
    };
    let Some(stream) = streams::verify_stream_key(&state.db.pool, stream, key).await? else {
        return Err(Refusal::unauthorized());
    };
    close_publisher(hub, stream.id, session).await
}

/// `DELETE /studio/{id}/publish/{session}`: the studio page stops, authorised by the
/// signed-in member's session (and CSRF token) as its POST was.
pub async fn stop_from_studio(
    State(state): State<AppState>,
    user: Member<UseStudio>,
    Path((id, session)): Path<(i64, String)>,
) -> Response {
    let stream = match store::by_id(&state.db.pool, user.shop.id, id).await {
        Ok(Some(stream)) => stream,
        Ok(None) => return Refusal::not_found("There is no such stream.").into_response(),
        Err(err) => return Refusal::from(err).into_response(),
    };
    match close_publisher(&state.media, stream.id, &session).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

/// End `session` if it publishes `stream_id`; a session of another stream is as unknown
/// as one that never was (404), whoever holds that stream's key.
async fn close_publisher(
    hub: &MediaHub,
    stream_id: i64,
    session: &str,
) -> Result<Response, Refusal> {
    match hub.session(session) {
        Some(s) if s.kind == SessionKind::Publisher && s.stream_id == stream_id => {
            hub.close_session(session).await;
            Ok((StatusCode::OK, cors()).into_response())
        }
        _ => Err(Refusal::not_found("No such publishing session.")),
    }
}
