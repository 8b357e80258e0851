//! What WHIP/WHEP answer with when they refuse: a status, a sentence for the person
//! (JSON `{"error": …}`, which the studio and the player show), and CORS headers so
//! browser clients on other origins and OBS can read it.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::IceServer;
use crate::error::Error;

/// A refused WHIP/WHEP request.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
    /// A machine-readable reason the player acts on (`not_live`, `ended`, …).
    pub reason: Option<&'static str>,
    pub retry_after: Option<Duration>,
}

impl Refusal {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            message: message.into(),
            reason: None,
            retry_after: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unsupported_media_type(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
    }
    pub fn too_large(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }
    pub fn conflict(reason: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            reason: Some(reason),
            ..Refusal::new(StatusCode::CONFLICT, message)
        }
    }
    pub fn unauthorized() -> Refusal {
        Refusal::new(
            StatusCode::UNAUTHORIZED,
            "The stream key is missing or wrong. Copy it again from the stream's page.",
        )
    }
    pub fn not_found(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::NOT_FOUND, message)
    }
    /// 503 with `Retry-After: 2`: try again shortly (the player does; a load balancer may
    /// send the retry to another node).
    pub fn unavailable(reason: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            reason: Some(reason),
            retry_after: Some(Duration::from_secs(2)),
            ..Refusal::new(StatusCode::SERVICE_UNAVAILABLE, message)
        }
    }
}

impl From<Error> for Refusal {
    fn from(err: Error) -> Refusal {
        if matches!(err, Error::Database(_) | Error::Internal(_)) {
            tracing::error!(error = %err, "media request failed");
        }
        Refusal {
            status: err.status(),
            message: err.public_message(),
            reason: None,
            retry_after: err.retry_after(),
        }
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(err: sqlx::Error) -> Refusal {
        Error::from(err).into()
    }
}

impl From<anyhow::Error> for Refusal {
    fn from(err: anyhow::Error) -> Refusal {
        Error::from(err).into()
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.message });
        if let Some(reason) = self.reason {
            body["reason"] = reason.into();
        }
        let mut response = (self.status, cors(), Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"showfloor\""),
            );
        }
        crate::error::with_retry_after(response, self.retry_after)
    }
}

/// CORS for WHIP/WHEP: any origin may call (the bearer token or the stream being
/// public is the authorisation; no cookies are involved).
pub fn cors() -> HeaderMap {
    let mut h = HeaderMap::new();
    let pairs = [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (
            header::ACCESS_CONTROL_ALLOW_METHODS,
            "POST, DELETE, PATCH, OPTIONS",
        ),
        (
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "Authorization, Content-Type, If-Match",
        ),
        (
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            "Location, Link, ETag",
        ),
        (header::ACCESS_CONTROL_MAX_AGE, "600"),
    ];
    for (name, value) in pairs {
        h.insert(name, HeaderValue::from_static(value));
    }
    h
}

/// `OPTIONS`: the CORS preflight, plus `Accept-Post` as RFC 9725 suggests.
pub async fn options() -> Response {
    let mut headers = cors();
    headers.insert("accept-post", HeaderValue::from_static("application/sdp"));
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// `PATCH` on a session: trickle ICE and ICE restarts (RFC 9725 §4.3). The SFU is
/// ICE-lite with every candidate in its answer and supports neither, and the RFC asks
/// for 405 then; CORS headers come along so a browser client can read the refusal.
pub async fn no_trickle() -> Response {
    let mut headers = cors();
    headers.insert(header::ALLOW, HeaderValue::from_static("DELETE, OPTIONS"));
    (StatusCode::METHOD_NOT_ALLOWED, headers).into_response()
}

/// A `201 Created` answer: the SDP, the session's `Location`, the ICE servers.
pub fn created(answer: String, location: String, ice_servers: &[IceServer]) -> Response {
    let mut headers = cors();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/sdp"),
    );
    if let Ok(loc) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, loc);
    }
    // RFC 9725 §4.6: one `Link: <turn:…>; rel="ice-server"` per server, with its credentials.
    for server in ice_servers {
        if let Ok(link) = HeaderValue::from_str(&server.link()) {
            headers.append(header::LINK, link);
        }
    }
    (StatusCode::CREATED, headers, answer).into_response()
}
