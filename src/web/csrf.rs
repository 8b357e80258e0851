//! CSRF protection: one random token per session, carried by every form as the
//! `csrf_token` field (or the `X-CSRF-Token` header for scripts, or the
//! `csrf_token` query parameter for multipart uploads) and checked by middleware
//! on every state-changing request. Endpoints authenticated otherwise (bearer
//! tokens, signed webhooks) are exempt by path prefix.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::error::Error;

const KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// Paths whose POSTs carry their own authentication instead of a session.
const EXEMPT_PREFIXES: &[&str] = &["/whip/", "/whep/", "/webhooks/", "/api/"];

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
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return Error::Csrf.into_response();
    };
    let expected = match session.get::<String>(KEY).await {
        Ok(Some(token)) => token,
        _ => return Error::Csrf.into_response(),
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
            Error::Csrf.into_response()
        }
    }
}

fn form_field(bytes: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(bytes)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}

fn query_field(query: &str) -> Option<String> {
    form_field(query.as_bytes())
}
