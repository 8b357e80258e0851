//! The outbox's SQL: queue a mail once per (kind, about), find what is due, claim a row
//! with a lease (one sender per mail across nodes), and record how the attempt ended.

use sqlx::{AnyConnection, AnyExecutor, FromRow};

/// One queued mail as the worker reads it.
#[derive(Debug, Clone, FromRow)]
pub struct Queued {
    pub id: i64,
    pub shop_id: i64,
    pub kind: String,
    pub about_id: i64,
    pub attempts: i64,
}

/// How an attempt ended, as the row records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Try again at this time (UTC ms).
    Retry(i64),
    Failed,
    /// Not tried: no mail server configured, or nothing left to send.
    Unsent,
}

/// A mail that did not leave, for the page of what it was about.
#[derive(Debug, Clone, FromRow)]
pub struct OutboxNote {
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
}

pub async fn insert(
    conn: &mut AnyConnection,
    shop_id: i64,
    kind: &str,
    about_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mail_outbox (shop_id, kind, about_id, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (kind, about_id) DO NOTHING",
    )
    .bind(shop_id)
    .bind(kind)
    .bind(about_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Queued rows whose time has come and that no live lease holds, oldest first.
pub async fn due(db: impl AnyExecutor<'_>, now: i64, limit: i64) -> sqlx::Result<Vec<Queued>> {
    sqlx::query_as(
        "SELECT id, shop_id, kind, about_id, attempts FROM mail_outbox \
         WHERE status = 'queued' AND next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until < $1) \
         ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Take the row for `until` under `claim`; false when another worker holds it (or it was
/// sent meanwhile). One conditional UPDATE: two nodes cannot both win.
pub async fn claim(
    db: impl AnyExecutor<'_>,
    id: i64,
    claim: &str,
    now: i64,
    until: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE mail_outbox SET claimed_until = $1, claim = $2 \
         WHERE id = $3 AND status = 'queued' AND (claimed_until IS NULL OR claimed_until < $4)",
    )
    .bind(until)
    .bind(claim)
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Record the attempt made under `claim` (a worker whose lease was taken over records
/// nothing). `counted` is false when nothing was tried (no server, nothing to send).
pub async fn finish(
    db: impl AnyExecutor<'_>,
    id: i64,
    claim: &str,
    outcome: Outcome,
    error: &str,
    now: i64,
) -> sqlx::Result<()> {
    let (status, next, tried) = match outcome {
        Outcome::Sent => ("sent", now, 1),
        Outcome::Retry(at) => ("queued", at, 1),
        Outcome::Failed => ("failed", now, 1),
        Outcome::Unsent => ("unsent", now, 0),
    };
    let sent_at = (outcome == Outcome::Sent).then_some(now);
    sqlx::query(
        "UPDATE mail_outbox SET status = $1, next_attempt_at = $2, attempts = attempts + $3, \
         last_error = $4, sent_at = $5, claimed_until = NULL, claim = NULL \
         WHERE id = $6 AND claim = $7",
    )
    .bind(status)
    .bind(next)
    .bind(tried)
    .bind(error)
    .bind(sent_at)
    .bind(id)
    .bind(claim)
    .execute(db)
    .await?;
    Ok(())
}

/// The mails about `about_id` (of `shop_id`, kinds starting with `prefix`) that did not
/// leave or have not left yet after a failed attempt: failed, unsent, or queued for a retry.
pub async fn notes(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    prefix: &str,
    about_id: i64,
) -> sqlx::Result<Vec<OutboxNote>> {
    sqlx::query_as(
        "SELECT kind, status, attempts, last_error FROM mail_outbox \
         WHERE shop_id = $1 AND about_id = $2 AND kind LIKE $3 \
         AND (status IN ('failed', 'unsent') OR (status = 'queued' AND attempts > 0)) \
         ORDER BY id",
    )
    .bind(shop_id)
    .bind(about_id)
    .bind(format!("{prefix}%"))
    .fetch_all(db)
    .await
}
