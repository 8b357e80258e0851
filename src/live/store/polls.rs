//! Polls and their votes.

use sqlx::{AnyExecutor, AnyPool, FromRow};

/// A poll as stored, its answers decoded.
#[derive(Debug, Clone, FromRow)]
pub struct PollRow {
    pub id: i64,
    pub stream_id: i64,
    pub question: String,
    #[sqlx(try_from = "String")]
    pub options: Answers,
    pub opened_at: i64,
    pub closes_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// The answers column (a JSON array of strings) decoded at the store boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers(pub Vec<String>);

impl TryFrom<String> for Answers {
    type Error = serde_json::Error;

    fn try_from(s: String) -> Result<Answers, serde_json::Error> {
        serde_json::from_str(&s).map(Answers)
    }
}

impl PollRow {
    /// Whether votes are taken at `now`.
    pub fn is_open(&self, now: i64) -> bool {
        self.closed_at.is_none() && self.closes_at.is_none_or(|c| now < c)
    }
}

const COLUMNS: &str = "id, stream_id, question, options, opened_at, closes_at, closed_at";

/// Open a poll, closing the stream's open one (one at a time); returns its id.
pub async fn open(
    pool: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    question: &str,
    options: &[String],
    now: i64,
    closes_at: Option<i64>,
) -> sqlx::Result<i64> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE live_polls SET closed_at = $1 WHERE stream_id = $2 AND closed_at IS NULL")
        .bind(now)
        .bind(stream_id)
        .execute(&mut *tx)
        .await?;
    let options = serde_json::to_string(options).expect("strings serialise");
    let id = sqlx::query_scalar(
        "INSERT INTO live_polls (shop_id, stream_id, question, options, opened_at, closes_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(question)
    .bind(options)
    .bind(now)
    .bind(closes_at)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A poll of `stream_id` (another stream's is not found).
pub async fn get(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    id: i64,
) -> sqlx::Result<Option<PollRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_polls WHERE id = $1 AND stream_id = $2"
    ))
    .bind(id)
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// The stream's latest poll, open or closed (the room shows its results until the next).
pub async fn latest(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<Option<PollRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_polls WHERE stream_id = $1 ORDER BY opened_at DESC, id DESC LIMIT 1"
    ))
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// Every poll of the stream, oldest first (the report).
pub async fn list(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<Vec<PollRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_polls WHERE stream_id = $1 ORDER BY opened_at, id"
    ))
    .bind(stream_id)
    .fetch_all(db)
    .await
}

/// Close it now (a poll already closed keeps its time). False when it was closed.
pub async fn close(db: impl AnyExecutor<'_>, id: i64, now: i64) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE live_polls SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Record `viewer_id`'s vote; false when they had voted already (the key decides).
pub async fn vote(
    db: impl AnyExecutor<'_>,
    poll_id: i64,
    viewer_id: &str,
    option: usize,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO live_poll_votes (poll_id, viewer_id, option_index, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (poll_id, viewer_id) DO NOTHING",
    )
    .bind(poll_id)
    .bind(viewer_id)
    .bind(option as i64)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Votes per answer, in the answers' order (`options` of them).
pub async fn counts(
    db: impl AnyExecutor<'_>,
    poll_id: i64,
    options: usize,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT option_index, COUNT(*) FROM live_poll_votes WHERE poll_id = $1 GROUP BY option_index",
    )
    .bind(poll_id)
    .fetch_all(db)
    .await?;
    let mut counts = vec![0; options];
    for (index, n) in rows {
        if let Some(c) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
            *c = n;
        }
    }
    Ok(counts)
}

/// Which answer `viewer_id` gave, if any.
pub async fn choice(
    db: impl AnyExecutor<'_>,
    poll_id: i64,
    viewer_id: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT option_index FROM live_poll_votes WHERE poll_id = $1 AND viewer_id = $2",
    )
    .bind(poll_id)
    .bind(viewer_id)
    .fetch_optional(db)
    .await
}
