//! CSRF protection: one random token per session, carried by every form as the
//! `csrf_token` field (or the `X-CSRF-Token` header for scripts, or the
//! `csrf_token` query parameter for multipart uploads) and checked by middleware
//! on every state-changing request. Endpoints authenticated otherwise (bearer
//! tokens, signed webhooks) are exempt by path prefix.
//!
//! The shopper's requests (`/@…`, `/checkout/…`) may instead send a viewer pass in `X-Showfloor-Viewer`
//! (the embed in a cross-site iframe has no cookie, hence no session token). Such a
//! request passes here on the header's presence alone: a cross-site form cannot set a
//! header, and a cross-origin script that tries is stopped by the CORS preflight we never
//! answer. The live room's `Viewer` extractor then checks the pass itself.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::error::{ApiError, Error};

const KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
/// The viewer pass header of the shopper's pages (see the module comment).
pub const VIEWER_HEADER: &str = "x-showfloor-viewer";
/// The shopper's paths: the stream pages' rooms and Buy, and checkout (whose URL carries
/// its own secret).
const VIEWER_PREFIXES: &[&str] = &["/@", "/checkout/"];

/// Paths whose POSTs carry their own authentication instead of a session.
const EXEMPT_PREFIXES: &[&str] = &["/whip/", "/whep/", "/internal/whep/", "/webhooks/", "/api/"];

/// The session's token, created on first use.
pub async fn token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(KEY).await {
        return token;
    }
    let token = crate::token::random_token();
    if let Err(err) = session.insert(KEY, &token).await {
        tracing::warn!(error = %err, "could not store CSRF token");
    }
    token
}

/// Middleware: refuse a POST/PUT/PATCH/DELETE whose token does not match the session's.
pub async fn verify(State(max_body): State<usize>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS)
        || EXEMPT_PREFIXES
            .iter()
            .any(|p| request.uri().path().starts_with(p))
    {
        return next.run(request).await;
    }
    if VIEWER_PREFIXES
        .iter()
        .any(|p| request.uri().path().starts_with(p))
        && request
            .headers()
            .get(VIEWER_HEADER)
            .is_some_and(|v| !v.as_bytes().trim_ascii().is_empty())
    {
        return next.run(request).await;
    }
    let json = wants_json(&request);
    let refuse = move || {
        if json {
            ApiError(Error::Csrf).into_response()
        } else {
            Error::Csrf.into_response()
        }
    };
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return refuse();
    };
    let expected = match session.get::<String>(KEY).await {
        Ok(Some(token)) => token,
        _ => return refuse(),
    };

    let (parts, body) = request.into_parts();
    let mut presented = parts
        .headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| query_field(parts.uri.query().unwrap_or("")));

    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let body = if presented.is_none() && is_form {
        let bytes = match to_bytes(body, max_body).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return Error::PayloadTooLarge(
                    "The form is larger than this server accepts.".into(),
                )
                .into_response();
            }
        };
        presented = form_field(&bytes);
        Body::from(bytes)
    } else {
        body
    };

    match presented {
        Some(token) if bool::from(token.as_bytes().ct_eq(expected.as_bytes())) => {
            next.run(Request::from_parts(parts, body)).await
        }
        _ => {
            tracing::info!(path = %parts.uri.path(), %method, "CSRF token missing or wrong");
            refuse()
        }
    }
}

/// A script's request (JSON body or asking for JSON) gets its refusal as JSON.
fn wants_json(request: &Request) -> bool {
    let has = |name: header::HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"))
    };
    has(header::CONTENT_TYPE) || has(header::ACCEPT)
}

fn form_field(bytes: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(bytes)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}

fn query_field(query: &str) -> Option<String> {
    form_field(query.as_bytes())
}
