//! SQL for users, memberships, invitations and password resets. Every membership
//! query names the shop: nothing here reads across shops.

use sqlx::{AnyExecutor, FromRow};

use super::Role;
use crate::db::now_ms;
use crate::text::Email;
use crate::token::TokenHash;

#[derive(Debug, Clone, FromRow)]
pub struct UserLogin {
    pub id: i64,
    pub password_hash: String,
    pub session_version: i64,
}

/// One row of what `CurrentUser` is built from.
#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub session_version: i64,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub shop_id: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct TeamMember {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub joined_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct Invite {
    pub id: i64,
    pub shop_id: i64,
    /// Stored as [`Email::parse`] returned it when the invitation was made.
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A shop a person belongs to, for the shop switcher.
#[derive(Debug, Clone, FromRow)]
pub struct ShopChoice {
    pub id: i64,
    pub name: String,
}

/// Whose password a usable reset link changes.
#[derive(Debug, Clone, FromRow)]
pub struct ResetHolder {
    pub user_id: i64,
    pub email: String,
}

pub async fn insert_user(
    db: impl AnyExecutor<'_>,
    email: &Email,
    name: &str,
    password_hash: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(email.as_str())
    .bind(name)
    .bind(password_hash)
    .bind(now_ms())
    .fetch_one(db)
    .await
}

pub async fn insert_membership(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    user_id: i64,
    role: Role,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO memberships (shop_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(shop_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(())
}

pub async fn login_by_email(
    db: impl AnyExecutor<'_>,
    email: &Email,
) -> sqlx::Result<Option<UserLogin>> {
    sqlx::query_as("SELECT id, password_hash, session_version FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(db)
        .await
}

pub async fn login_by_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<UserLogin>> {
    sqlx::query_as("SELECT id, password_hash, session_version FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn email_exists(db: impl AnyExecutor<'_>, email: &Email) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

/// The member's row in one shop, or None when they do not belong to it.
pub async fn member(
    db: impl AnyExecutor<'_>,
    user_id: i64,
    shop_id: i64,
) -> sqlx::Result<Option<MemberRow>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.email, u.session_version, m.role, m.shop_id \
         FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE u.id = $1 AND m.shop_id = $2",
    )
    .bind(user_id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// The shops a person belongs to, oldest membership first.
pub async fn shops_of(db: impl AnyExecutor<'_>, user_id: i64) -> sqlx::Result<Vec<ShopChoice>> {
    sqlx::query_as(
        "SELECT s.id, s.name FROM memberships m JOIN shops s ON s.id = m.shop_id \
         WHERE m.user_id = $1 ORDER BY m.created_at, m.id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

pub async fn set_password(
    db: impl AnyExecutor<'_>,
    user_id: i64,
    password_hash: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "UPDATE users SET password_hash = $1, session_version = session_version + 1 \
         WHERE id = $2 RETURNING session_version",
    )
    .bind(password_hash)
    .bind(user_id)
    .fetch_one(db)
    .await
}

pub async fn team(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Vec<TeamMember>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.email, m.role, m.created_at AS joined_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.shop_id = $1 ORDER BY m.created_at, m.id",
    )
    .bind(shop_id)
    .fetch_all(db)
    .await
}

pub async fn count_owners(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE shop_id = $1 AND role = $2")
        .bind(shop_id)
        .bind(Role::Owner.as_str())
        .fetch_one(db)
        .await
}

pub async fn set_role(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    user_id: i64,
    role: Role,
) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE memberships SET role = $1 WHERE shop_id = $2 AND user_id = $3")
        .bind(role.as_str())
        .bind(shop_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_member(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    user_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM memberships WHERE shop_id = $1 AND user_id = $2")
        .bind(shop_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_invite(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    email: &Email,
    role: Role,
    token_hash: &TokenHash,
    invited_by: i64,
    expires_at: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO invites (shop_id, email, role, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(shop_id)
    .bind(email.as_str())
    .bind(role.as_str())
    .bind(token_hash.as_str())
    .bind(invited_by)
    .bind(now_ms())
    .bind(expires_at)
    .fetch_one(db)
    .await
}

const INVITE_COLUMNS: &str = "id, shop_id, email, role, created_at, expires_at";

/// Invitations of a shop not yet accepted, revoked or expired.
pub async fn pending_invites(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Vec<Invite>> {
    sqlx::query_as(&format!(
        "SELECT {INVITE_COLUMNS} FROM invites WHERE shop_id = $1 AND accepted_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id DESC"
    ))
    .bind(shop_id)
    .bind(now_ms())
    .fetch_all(db)
    .await
}

/// A usable invitation by its token hash.
pub async fn open_invite(
    db: impl AnyExecutor<'_>,
    token_hash: &TokenHash,
) -> sqlx::Result<Option<Invite>> {
    sqlx::query_as(&format!(
        "SELECT {INVITE_COLUMNS} FROM invites WHERE token_hash = $1 AND accepted_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $2"
    ))
    .bind(token_hash.as_str())
    .bind(now_ms())
    .fetch_optional(db)
    .await
}

/// Mark an invitation used; false if someone else used it first (one-time, race-free).
pub async fn accept_invite(db: impl AnyExecutor<'_>, invite_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE invites SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now_ms())
    .bind(invite_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke_invite(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    invite_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE invites SET revoked_at = $1 WHERE id = $2 AND shop_id = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(invite_id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_reset(
    db: impl AnyExecutor<'_>,
    user_id: i64,
    token_hash: &TokenHash,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(token_hash.as_str())
    .bind(now_ms())
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The user a usable reset token belongs to.
pub async fn reset_user(
    db: impl AnyExecutor<'_>,
    token_hash: &TokenHash,
) -> sqlx::Result<Option<ResetHolder>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.email FROM password_resets r JOIN users u ON u.id = r.user_id \
         WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2",
    )
    .bind(token_hash.as_str())
    .bind(now_ms())
    .fetch_optional(db)
    .await
}

/// Use a reset token once: returns its user, or None if it was used or expired meanwhile.
pub async fn use_reset(
    db: impl AnyExecutor<'_>,
    token_hash: &TokenHash,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
         AND expires_at > $1 RETURNING user_id",
    )
    .bind(now_ms())
    .bind(token_hash.as_str())
    .fetch_optional(db)
    .await
}

pub async fn email_of(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    user_id: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.shop_id = $1 AND u.id = $2",
    )
    .bind(shop_id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Announce `payload` on a PostgreSQL NOTIFY channel (the session store tells the other
/// nodes which session changed). It runs on the session store's own PostgreSQL pool.
pub async fn announce(pool: &sqlx::PgPool, channel: &str, payload: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(pool)
        .await?;
    Ok(())
}
