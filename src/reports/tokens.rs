//! Per-shop read-only API tokens for BI tools: their rows, and `ReportsToken`, the
//! extractor the `/api/reports/` handlers (and only they) take. A token is
//! `sfr_` + 43 URL-safe random characters; only its SHA-256 is stored. It never opens a
//! session, so it cannot reach a dashboard route (those read the session cookie only).

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sqlx::AnyPool;

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

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn create(
    db: &AnyPool,
    shop_id: i64,
    name: &str,
    token: &str,
    user_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (shop_id, name, token_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(shop_id)
    .bind(name)
    .bind(hash_token(token))
    .bind(user_id)
    .bind(now_ms())
    .fetch_one(db)
    .await
}

/// The shop's tokens, active ones first, newest first.
pub async fn list(db: &AnyPool, shop_id: i64) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(
        "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE shop_id = $1 \
         ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id DESC",
    )
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// Revoke one of the shop's tokens; `false` if the shop has no such token. Revoking twice
/// keeps the first time.
pub async fn revoke(db: &AnyPool, shop_id: i64, id: i64) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE shop_id = $2 AND id = $3 \
         RETURNING id",
    )
    .bind(now_ms())
    .bind(shop_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

#[derive(sqlx::FromRow)]
struct Found {
    id: i64,
    shop_id: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
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
        let found: Option<Found> = sqlx::query_as(
            "SELECT id, shop_id, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1",
        )
        .bind(hash_token(token))
        .fetch_optional(db)
        .await
        .map_err(fail)?;
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
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(found.id)
                .execute(db)
                .await
                .map_err(fail)?;
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
