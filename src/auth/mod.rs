//! Accounts, sign-in, sessions, password resets, team invitations and roles.
//! `CurrentUser` is the signed-in person in their current shop; `Member<P>` admits
//! only the roles with permission `P` (see `roles`). The feature's handle in
//! `AppState` is its `SessionStore` (database store + this node's copy).

pub mod password;
pub mod roles;
pub mod session_cache;
pub mod session_store;
pub mod store;
pub mod tokens;

mod account;
mod frame;
mod invites;
mod login;
mod reset;
mod signup;
mod team;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};
use tower_sessions::Session;

pub use roles::{Member, Permission, Role};
pub use session_store::SessionStore;

use crate::error::Error;
use crate::shops::store::{self as shops, Shop};
use crate::state::AppState;

const USER_KEY: &str = "user_id";
const SHOP_KEY: &str = "shop_id";
const VERSION_KEY: &str = "session_version";
const NEXT_KEY: &str = "next";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup::form).post(signup::submit))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route(
            "/password/forgot",
            get(reset::forgot_form).post(reset::forgot_submit),
        )
        .route(
            "/password/reset/{token}",
            get(reset::reset_form).post(reset::reset_submit),
        )
        .route(
            "/account/password",
            get(account::form).post(account::submit),
        )
        .route("/shops/switch", post(account::switch_shop))
        .route("/settings/team", get(team::page))
        .route("/settings/team/invites", post(team::invite))
        .route("/settings/team/invites/{id}/revoke", post(team::revoke))
        .route("/settings/team/members/{id}/role", post(team::change_role))
        .route("/settings/team/members/{id}/remove", post(team::remove))
        .route(
            "/settings/team/members/{id}/reset-link",
            post(team::reset_link),
        )
        .route("/invites/{token}", get(invites::page).post(invites::accept))
}

/// The signed-in person, in the shop their session is working in.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub shop: Shop,
    /// Other shops they belong to, for the switcher.
    pub other_shops: Vec<store::ShopChoice>,
    pub session: Session,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| Error::Internal(anyhow::anyhow!("session layer missing: {msg}")))?;
        let signed_in = async {
            let user_id: i64 = session.get(USER_KEY).await.ok()??;
            let shop_id: i64 = session.get(SHOP_KEY).await.ok()??;
            let version: i64 = session.get(VERSION_KEY).await.ok()??;
            Some((user_id, shop_id, version))
        }
        .await;
        let Some((user_id, shop_id, version)) = signed_in else {
            remember_destination(&session, parts).await;
            return Err(Error::Unauthorized);
        };
        let row = store::member(&state.db.pool, user_id, shop_id).await?;
        let shop = shops::by_id(&state.db.pool, shop_id).await?;
        let (Some(row), Some(shop)) = (row, shop) else {
            // Removed from the shop, or the shop is gone: sign out.
            session.flush().await.ok();
            return Err(Error::Unauthorized);
        };
        if row.session_version != version {
            // The password changed since this session signed in.
            session.flush().await.ok();
            return Err(Error::Unauthorized);
        }
        let other_shops = store::shops_of(&state.db.pool, user_id)
            .await?
            .into_iter()
            .filter(|shop| shop.id != shop_id)
            .collect();
        Ok(CurrentUser {
            id: user_id,
            name: row.name,
            email: row.email,
            role: row.role,
            shop,
            other_shops,
            session,
        })
    }
}

/// Keep the page a signed-out person asked for, to return there after sign-in.
async fn remember_destination(session: &Session, parts: &Parts) {
    if parts.method == axum::http::Method::GET {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        session.insert(NEXT_KEY, path).await.ok();
    }
}

/// Start a signed-in session: a fresh session id (no fixation), a fresh CSRF token.
pub async fn sign_in(
    session: &Session,
    user_id: i64,
    shop_id: i64,
    session_version: i64,
) -> crate::error::Result<()> {
    session
        .cycle_id()
        .await
        .map_err(|e| anyhow::anyhow!("session rotation failed: {e}"))?;
    session.remove::<String>("csrf").await.ok();
    let store = async {
        session.insert(USER_KEY, user_id).await?;
        session.insert(SHOP_KEY, shop_id).await?;
        session.insert(VERSION_KEY, session_version).await
    };
    store
        .await
        .map_err(|e| anyhow::anyhow!("session write failed: {e}"))?;
    Ok(())
}

/// Where to go after sign-in: the remembered page (same-site paths only) or home.
pub async fn take_destination(session: &Session) -> String {
    match session.remove::<String>(NEXT_KEY).await {
        Ok(Some(path)) if path.starts_with('/') && !path.starts_with("//") => path,
        _ => "/".into(),
    }
}

/// The signed-in member's id and role in `shop_id`, if this session belongs to one (for
/// public pages that show staff more, such as moderation in the live room). No redirect,
/// no side effect when it does not.
pub async fn member_of(
    session: &Session,
    db: &sqlx::AnyPool,
    shop_id: i64,
) -> crate::error::Result<Option<(i64, Role)>> {
    let Ok(Some(user_id)) = session.get::<i64>(USER_KEY).await else {
        return Ok(None);
    };
    let Ok(Some(version)) = session.get::<i64>(VERSION_KEY).await else {
        return Ok(None);
    };
    let Some(row) = store::member(db, user_id, shop_id).await? else {
        return Ok(None);
    };
    if row.session_version != version {
        return Ok(None);
    }
    Ok(Some((user_id, row.role)))
}

/// Start auth's background work, stopping with the server: expired sessions are deleted
/// once an hour (a session that is never used again would otherwise stay forever).
pub fn spawn_workers(state: &AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    use tower_sessions::session_store::ExpiredDeletion;
    let sessions = state.sessions.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = sessions.continuously_delete_expired(EXPIRED_SESSIONS_EVERY) => {}
            _ = shutdown.changed() => {}
        }
    });
}

const EXPIRED_SESSIONS_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
