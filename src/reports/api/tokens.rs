//! Per-shop read-only API tokens for BI tools: their shape, and `ReportsToken`, the
//! extractor the `/api/reports/` handlers (and only they) take. A token is
//! `sfr_` + 43 URL-safe random characters; only its SHA-256 is stored. It never opens a
//! session, so it cannot reach a dashboard route (those read the session cookie only).

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::store;
use crate::auth::tokens::{hash_token, random_token};
use crate::db::now_ms;
use crate::shops::store::{self as shops, Shop};
use crate::state::AppState;

/// Every token starts with this, so a leaked one is recognisable (and scanners can find it).
pub const PREFIX: &str = "sfr_";

/// A new token, as shown to the owner once.
pub fn new_token() -> String {
    format!("{PREFIX}{}", random_token())
}

/// Whether `token` has the shape of one of ours (checked before any database read).
pub fn well_formed(token: &str) -> bool {
    token.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

/// The shop a request's bearer token reads, for `/api/reports/` handlers.
pub struct ReportsToken {
    pub token_id: i64,
    pub shop: Shop,
}

/// 401 with `{"error": …}` and a `WWW-Authenticate` challenge.
fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            "Bearer realm=\"showfloor-reports\"",
        )],
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

/// `last_used_at` is written at most once a minute per token.
const TOUCH_EVERY_MS: i64 = 60_000;

impl FromRequestParts<AppState> for ReportsToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "An API token is required: send the header \"Authorization: Bearer <token>\".",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| well_formed(t))
            .ok_or_else(|| {
                unauthorized(
                    "The Authorization header is malformed: expected \"Bearer sfr_…\" with a token from Settings → API tokens.",
                )
            })?;
        let db = &state.db.pool;
        let fail = |e: sqlx::Error| crate::error::ApiError(e.into()).into_response();
        let found = store::by_hash(db, &hash_token(token)).await.map_err(fail)?;
        let Some(found) = found else {
            return Err(unauthorized("This API token is not valid."));
        };
        if found.revoked_at.is_some() {
            return Err(unauthorized("This API token has been revoked."));
        }
        let Some(shop) = shops::by_id(db, found.shop_id).await.map_err(fail)? else {
            return Err(unauthorized("This API token is not valid."));
        };
        let now = now_ms();
        if found.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY_MS) {
            store::touch(db, found.id, now).await.map_err(fail)?;
        }
        Ok(ReportsToken {
            token_id: found.id,
            shop,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_shape_is_well_formed() {
        let t = new_token();
        assert!(well_formed(&t));
        assert!(!well_formed(&t[..t.len() - 1]));
        assert!(!well_formed(&t.replace(PREFIX, "abc_")));
        assert!(!well_formed(&format!("{PREFIX}{}", "!".repeat(43))));
    }
}
