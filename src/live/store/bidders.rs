//! Bidders of a shop and the one-time codes that prove their address.

use sqlx::{AnyExecutor, AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct BidderRow {
    pub viewer_id: String,
    pub name: String,
    pub email: String,
    pub verified_at: Option<i64>,
    pub terms_at: Option<i64>,
}

impl BidderRow {
    pub fn may_bid(&self) -> bool {
        self.verified_at.is_some() && self.terms_at.is_some()
    }
}

pub async fn get(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    viewer_id: &str,
) -> sqlx::Result<Option<BidderRow>> {
    sqlx::query_as(
        "SELECT viewer_id, name, email, verified_at, terms_at FROM live_bidders \
         WHERE shop_id = $1 AND viewer_id = $2",
    )
    .bind(shop_id)
    .bind(viewer_id)
    .fetch_optional(db)
    .await
}

/// The display names of these bidders of the shop (who leads, who won).
pub async fn names(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    viewer_ids: &[&str],
) -> sqlx::Result<Vec<(String, String)>> {
    if viewer_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT viewer_id, name FROM live_bidders WHERE shop_id = $1 AND viewer_id IN ({})",
        (2..viewer_ids.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut q = sqlx::query_as(&sql).bind(shop_id);
    for v in viewer_ids {
        q = q.bind(*v);
    }
    q.fetch_all(db).await
}

/// A code for `email`: checked against `code_hash`, mailed as `mailed`, until `expires_at`.
pub struct NewCode<'a> {
    pub shop_id: i64,
    pub viewer_id: &'a str,
    /// The name shown when they lead.
    pub name: &'a str,
    pub email: &'a str,
    pub code_hash: &'a str,
    pub mailed: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// Record the bidder's name and address (unverified again when the address changed) and
/// a new code for it; gives back the code's id, for the outbox.
pub async fn new_code(conn: &mut sqlx::AnyConnection, c: &NewCode<'_>) -> sqlx::Result<i64> {
    sqlx::query(
        "INSERT INTO live_bidders (shop_id, viewer_id, name, email, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shop_id, viewer_id) DO UPDATE SET \
         name = excluded.name, \
         verified_at = CASE WHEN live_bidders.email = excluded.email THEN live_bidders.verified_at END, \
         email = excluded.email",
    )
    .bind(c.shop_id)
    .bind(c.viewer_id)
    .bind(c.name)
    .bind(c.email)
    .bind(c.now)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar(
        "INSERT INTO live_bidder_codes (shop_id, viewer_id, email, code_hash, mailed, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(c.shop_id)
    .bind(c.viewer_id)
    .bind(c.email)
    .bind(c.code_hash)
    .bind(c.mailed)
    .bind(c.expires_at)
    .bind(c.now)
    .fetch_one(conn)
    .await
}

/// How many codes the viewer asked for since `since` (a limit on mails per hour).
pub async fn codes_since(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    viewer_id: &str,
    since: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM live_bidder_codes WHERE shop_id = $1 AND viewer_id = $2 AND created_at >= $3",
    )
    .bind(shop_id)
    .bind(viewer_id)
    .bind(since)
    .fetch_one(db)
    .await
}

/// The viewer's latest usable code: (id, email, hash, attempts).
pub async fn open_code(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    viewer_id: &str,
    now: i64,
) -> sqlx::Result<Option<(i64, String, String, i64)>> {
    sqlx::query_as(
        "SELECT id, email, code_hash, attempts FROM live_bidder_codes \
         WHERE shop_id = $1 AND viewer_id = $2 AND used_at IS NULL AND expires_at > $3 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(shop_id)
    .bind(viewer_id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Count a wrong try at code `id`, unless it is at `max` already; false when it is.
pub async fn count_attempt(db: impl AnyExecutor<'_>, id: i64, max: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE live_bidder_codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2",
    )
    .bind(id)
    .bind(max)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Use code `id` (once) and mark the bidder's address verified, terms accepted at `now`.
pub async fn verify(
    pool: &AnyPool,
    shop_id: i64,
    viewer_id: &str,
    id: i64,
    email: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let used = sqlx::query(
        "UPDATE live_bidder_codes SET used_at = $1, mailed = '' WHERE id = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE live_bidders SET verified_at = $1, terms_at = COALESCE(terms_at, $1) \
         WHERE shop_id = $2 AND viewer_id = $3 AND email = $4",
    )
    .bind(now)
    .bind(shop_id)
    .bind(viewer_id)
    .bind(email)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// What the code mail needs while the code is usable: (the shop's name, the address, the
/// code, when it expires).
pub async fn mail_of(
    db: impl AnyExecutor<'_>,
    id: i64,
) -> sqlx::Result<Option<(String, String, String, i64)>> {
    sqlx::query_as(
        "SELECT sh.name, c.email, c.mailed, c.expires_at FROM live_bidder_codes c \
         JOIN shops sh ON sh.id = c.shop_id WHERE c.id = $1 AND c.used_at IS NULL AND c.mailed <> ''",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}
