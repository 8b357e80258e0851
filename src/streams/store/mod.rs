//! SQL for streams, their featured products (`featured`), keys (`keys`), embed origins
//! (`embed`) and transitions. Every query that a dashboard URL reaches names the shop, so
//! another shop's stream is simply not found. The transitions themselves are written by
//! `streams::transitions`, a domain operation that keeps its SQL beside its rules.

pub mod embed;
pub mod featured;
pub mod keys;

use sqlx::{AnyExecutor, FromRow};

use super::lifecycle::Status;
use crate::db::now_ms;

/// One stream as stored.
#[derive(Debug, Clone, FromRow)]
pub struct Stream {
    pub id: i64,
    pub shop_id: i64,
    pub public_id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub scheduled_at: i64,
    pub duration_min: i64,
    pub cover_file: Option<String>,
    pub host_id: Option<i64>,
    pub host_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub cancel_note: String,
    /// Whether the featured products stay buyable after the stream ended.
    #[sqlx(try_from = "crate::db::Flag")]
    pub sell_after_end: bool,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub publisher_gone_at: Option<i64>,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Stream {
    /// The same as the field, for callers written when the column was decoded here.
    pub fn status(&self) -> Status {
        self.status
    }
    /// The planned end, from the start and the duration.
    pub fn planned_end(&self) -> i64 {
        self.scheduled_at + self.duration_min * 60_000
    }
}

const COLUMNS: &str = "s.id, s.shop_id, s.public_id, s.slug, s.title, s.description, \
     s.scheduled_at, s.duration_min, s.cover_file, s.host_id, u.name AS host_name, s.status, \
     s.cancel_note, CAST(CASE WHEN s.sell_after_end THEN 1 ELSE 0 END AS BIGINT) AS sell_after_end, \
     s.started_at, s.ended_at, s.publisher_gone_at, s.revision, s.created_at, s.updated_at";
const FROM: &str = "streams s LEFT JOIN users u ON u.id = s.host_id";

/// What a new or edited stream says.
pub struct Schedule<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub scheduled_at: i64,
    pub duration_min: i64,
    pub host_id: i64,
    pub sell_after_end: bool,
}

pub async fn insert(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    public_id: &str,
    slug: &str,
    s: &Schedule<'_>,
    created_by: i64,
) -> sqlx::Result<i64> {
    let now = now_ms();
    sqlx::query_scalar(
        "INSERT INTO streams (shop_id, public_id, slug, title, description, scheduled_at, \
         duration_min, host_id, sell_after_end, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(shop_id)
    .bind(public_id)
    .bind(slug)
    .bind(s.title)
    .bind(s.description)
    .bind(s.scheduled_at)
    .bind(s.duration_min)
    .bind(s.host_id)
    .bind(s.sell_after_end)
    .bind(created_by)
    .bind(now)
    .fetch_one(db)
    .await
}

/// Change the schedule of a stream that has not started; false if it has meanwhile.
pub async fn update(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
    s: &Schedule<'_>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE streams SET title = $1, description = $2, scheduled_at = $3, duration_min = $4, \
         host_id = $5, sell_after_end = $6, revision = revision + 1, updated_at = $7 \
         WHERE id = $8 AND shop_id = $9 AND status = 'scheduled'",
    )
    .bind(s.title)
    .bind(s.description)
    .bind(s.scheduled_at)
    .bind(s.duration_min)
    .bind(s.host_id)
    .bind(s.sell_after_end)
    .bind(now_ms())
    .bind(id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn by_id(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
) -> sqlx::Result<Option<Stream>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE s.id = $1 AND s.shop_id = $2"
    ))
    .bind(id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// By the global public id (WHIP/WHEP URLs): not scoped by shop, by design.
pub async fn by_public_id(
    db: impl AnyExecutor<'_>,
    public_id: &str,
) -> sqlx::Result<Option<Stream>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE s.public_id = $1"
    ))
    .bind(public_id)
    .fetch_optional(db)
    .await
}

/// By internal id, for the media layer and background tasks (which have no shop).
pub async fn by_internal_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<Stream>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM {FROM} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_slug(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    slug: &str,
) -> sqlx::Result<Option<Stream>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE s.shop_id = $1 AND s.slug = $2"
    ))
    .bind(shop_id)
    .bind(slug)
    .fetch_optional(db)
    .await
}

/// The shop's streams in one state, soonest first for upcoming ones, latest first otherwise.
pub async fn list(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    statuses: &[Status],
    limit: i64,
) -> sqlx::Result<Vec<Stream>> {
    let names: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    // What is coming, soonest first; what has happened, latest first by when it really
    // started (a stream may go live days before or after its plan).
    let order = if statuses == [Status::Scheduled] {
        "s.scheduled_at ASC, s.id ASC"
    } else {
        "COALESCE(s.started_at, s.scheduled_at) DESC, s.id DESC"
    };
    // The IN list holds only the fixed status names above, never user input.
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE s.shop_id = $1 AND s.status IN ({}) \
         ORDER BY {order} LIMIT $2",
        names.join(", ")
    ))
    .bind(shop_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Streams starting in [from, to), for the week view.
pub async fn between(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<Stream>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE s.shop_id = $1 AND s.scheduled_at >= $2 \
         AND s.scheduled_at < $3 ORDER BY s.scheduled_at, s.id"
    ))
    .bind(shop_id)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

pub async fn slug_taken(db: impl AnyExecutor<'_>, shop_id: i64, slug: &str) -> sqlx::Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM streams WHERE shop_id = $1 AND slug = $2")
            .bind(shop_id)
            .bind(slug)
            .fetch_one(db)
            .await?;
    Ok(n > 0)
}

/// A free address close to `base` in this shop: base, base-2, base-3, …
pub async fn free_slug(db: &sqlx::AnyPool, shop_id: i64, base: &str) -> sqlx::Result<String> {
    let base: String = base.chars().take(60).collect();
    if !slug_taken(db, shop_id, &base).await? {
        return Ok(base);
    }
    for n in 2..200 {
        let candidate = format!("{base}-{n}");
        if !slug_taken(db, shop_id, &candidate).await? {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", &super::domain::public_id()[..6]))
}

pub async fn set_cover(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    id: i64,
    file: Option<&str>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE streams SET cover_file = $1, updated_at = $2 WHERE id = $3 AND shop_id = $4",
    )
    .bind(file)
    .bind(now_ms())
    .bind(id)
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A member who may present a stream.
#[derive(Debug, Clone, FromRow)]
pub struct Host {
    pub id: i64,
    pub name: String,
}

/// The members who may present a stream (owners and hosts), by name.
pub async fn hosts(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Vec<Host>> {
    sqlx::query_as(
        "SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.shop_id = $1 AND m.role IN ('owner', 'host') ORDER BY u.name, u.id",
    )
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// The member who presents a shop's demo stream: its first owner or host.
pub async fn first_presenter(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE shop_id = $1 AND role IN ('owner', 'host') \
         ORDER BY created_at, id LIMIT 1",
    )
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

/// One recorded state change.
#[derive(Debug, Clone, FromRow)]
pub struct TransitionRow {
    #[sqlx(try_from = "String")]
    pub from_status: Status,
    #[sqlx(try_from = "String")]
    pub to_status: Status,
    pub at: i64,
    pub actor: String,
    pub actor_name: Option<String>,
    pub note: String,
}

pub async fn transitions(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<TransitionRow>> {
    sqlx::query_as(
        "SELECT t.from_status, t.to_status, t.at, t.actor, u.name AS actor_name, t.note \
         FROM stream_transitions t LEFT JOIN users u ON u.id = t.actor_user_id \
         WHERE t.stream_id = $1 AND t.shop_id = $2 ORDER BY t.at, t.id",
    )
    .bind(stream_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}
