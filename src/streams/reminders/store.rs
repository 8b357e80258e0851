//! SQL for reminders: a shopper's address for one stream, consent time, unsubscribe
//! token, and which mails went out.

use sqlx::{AnyExecutor, FromRow};

use crate::db::now_ms;

#[derive(Debug, Clone, FromRow)]
pub struct ReminderRow {
    pub email: String,
    pub consent_at: i64,
    pub unsubscribed_at: Option<i64>,
    pub reminder_sent_at: Option<i64>,
    pub live_sent_at: Option<i64>,
}

/// Add (or renew the consent of) an address for a stream.
pub async fn upsert(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
    email: &str,
    token: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO reminders (shop_id, stream_id, email, consent_at, unsubscribe_token) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (stream_id, email) \
         DO UPDATE SET consent_at = excluded.consent_at, unsubscribed_at = NULL",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(email)
    .bind(now_ms())
    .bind(token)
    .execute(db)
    .await?;
    Ok(())
}

/// Everyone who asked for a reminder, newest first (including those who left).
pub async fn list(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<ReminderRow>> {
    sqlx::query_as(
        "SELECT email, consent_at, unsubscribed_at, reminder_sent_at, live_sent_at FROM reminders \
         WHERE shop_id = $1 AND stream_id = $2 ORDER BY consent_at DESC, id DESC",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await
}

/// The stream title and address behind an unsubscribe token.
pub async fn by_token(
    db: impl AnyExecutor<'_>,
    token: &str,
) -> sqlx::Result<Option<(String, String, Option<i64>)>> {
    sqlx::query_as(
        "SELECT s.title, r.email, r.unsubscribed_at FROM reminders r \
         JOIN streams s ON s.id = r.stream_id WHERE r.unsubscribe_token = $1",
    )
    .bind(token)
    .fetch_optional(db)
    .await
}

pub async fn unsubscribe(db: impl AnyExecutor<'_>, token: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE reminders SET unsubscribed_at = COALESCE(unsubscribed_at, $1) \
         WHERE unsubscribe_token = $2",
    )
    .bind(now_ms())
    .bind(token)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A mail to send: who, for which stream, and how to leave.
#[derive(Debug, Clone, FromRow)]
pub struct Due {
    pub id: i64,
    pub email: String,
    pub unsubscribe_token: String,
    pub stream_id: i64,
}

/// The two mails a reminder sends, each at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// Shortly before the stream starts.
    Reminder,
    /// When the stream goes live.
    Live,
}

/// Claim up to `limit` mails of `kind` (reminders: streams starting within `lead_ms`;
/// live: streams live now) by stamping them first, so that two nodes never send the
/// same mail. A mail whose sending then fails is not retried (at most once).
pub async fn claim(
    pool: &sqlx::AnyPool,
    kind: MailKind,
    lead_ms: i64,
    limit: i64,
) -> sqlx::Result<Vec<Due>> {
    let now = now_ms();
    let select = "SELECT r.id, r.email, r.unsubscribe_token, r.stream_id FROM reminders r \
                  JOIN streams s ON s.id = r.stream_id WHERE r.unsubscribed_at IS NULL";
    let (column, candidates): (&str, Vec<Due>) = if kind == MailKind::Live {
        let sql = format!(
            "{select} AND r.live_sent_at IS NULL AND s.status = 'live' ORDER BY r.id LIMIT $1"
        );
        (
            "live_sent_at",
            sqlx::query_as(&sql).bind(limit).fetch_all(pool).await?,
        )
    } else {
        let sql = format!(
            "{select} AND r.reminder_sent_at IS NULL AND s.status = 'scheduled' \
             AND s.scheduled_at > $1 AND s.scheduled_at <= $2 ORDER BY r.id LIMIT $3"
        );
        let rows = sqlx::query_as(&sql)
            .bind(now)
            .bind(now + lead_ms)
            .bind(limit)
            .fetch_all(pool)
            .await?;
        ("reminder_sent_at", rows)
    };
    let mut claimed = Vec::new();
    for due in candidates {
        let done = sqlx::query(&format!(
            "UPDATE reminders SET {column} = $1 WHERE id = $2 AND {column} IS NULL"
        ))
        .bind(now)
        .bind(due.id)
        .execute(pool)
        .await?;
        if done.rows_affected() == 1 {
            claimed.push(due);
        }
    }
    Ok(claimed)
}
