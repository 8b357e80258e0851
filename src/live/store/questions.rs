//! Questions and votes.

use sqlx::{AnyExecutor, FromRow};

use crate::db::now_ms;

/// Where a question stands with the moderators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionStatus {
    /// Waiting for a moderator (the room is pre-moderated); only moderators see it.
    Pending,
    /// Shown to every viewer.
    Visible,
    /// Taken down by a moderator; kept for the record, shown to nobody.
    Hidden,
}

impl QuestionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionStatus::Pending => "pending",
            QuestionStatus::Visible => "visible",
            QuestionStatus::Hidden => "hidden",
        }
    }
}

/// A status column held a word this version does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown question status {0:?}")]
pub struct UnknownQuestionStatus(pub String);

/// Decodes the `status` column at the store boundary.
impl TryFrom<String> for QuestionStatus {
    type Error = UnknownQuestionStatus;

    fn try_from(s: String) -> Result<QuestionStatus, UnknownQuestionStatus> {
        [
            QuestionStatus::Pending,
            QuestionStatus::Visible,
            QuestionStatus::Hidden,
        ]
        .into_iter()
        .find(|q| q.as_str() == s)
        .ok_or(UnknownQuestionStatus(s))
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct QuestionRow {
    pub id: i64,
    pub stream_id: i64,
    pub viewer_id: String,
    pub display_name: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub status: QuestionStatus,
    pub votes: i64,
    pub created_at: i64,
    pub answered_at: Option<i64>,
}

const COLUMNS: &str =
    "id, stream_id, viewer_id, display_name, body, status, votes, created_at, answered_at";

pub async fn insert(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
    viewer_id: &str,
    display_name: &str,
    body: &str,
    status: QuestionStatus,
) -> sqlx::Result<QuestionRow> {
    sqlx::query_as(&format!(
        "INSERT INTO questions (shop_id, stream_id, viewer_id, display_name, body, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(shop_id)
    .bind(stream_id)
    .bind(viewer_id)
    .bind(display_name)
    .bind(body)
    .bind(status.as_str())
    .bind(now_ms())
    .fetch_one(db)
    .await
}

pub async fn get(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    id: i64,
) -> sqlx::Result<Option<QuestionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM questions WHERE stream_id = $1 AND id = $2"
    ))
    .bind(stream_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Questions in the order the studio works through them: most votes, then oldest.
/// `include_hidden` for moderators; viewers see visible ones only.
pub async fn list(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    for_moderators: bool,
) -> sqlx::Result<Vec<QuestionRow>> {
    let filter = if for_moderators {
        "status <> 'hidden'"
    } else {
        "status = 'visible'"
    };
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM questions WHERE stream_id = $1 AND {filter} \
         ORDER BY votes DESC, created_at ASC, id ASC LIMIT 500"
    ))
    .bind(stream_id)
    .fetch_all(db)
    .await
}

/// Record a vote; false (and no change) if this viewer already voted for it.
pub async fn vote(
    db: &sqlx::AnyPool,
    question_id: i64,
    viewer_id: &str,
) -> sqlx::Result<Option<i64>> {
    let mut tx = db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO question_votes (question_id, viewer_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (question_id, viewer_id) DO NOTHING",
    )
    .bind(question_id)
    .bind(viewer_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    let votes: i64 =
        sqlx::query_scalar("UPDATE questions SET votes = votes + 1 WHERE id = $1 RETURNING votes")
            .bind(question_id)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(Some(votes))
}

pub async fn set_status(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    id: i64,
    status: QuestionStatus,
) -> sqlx::Result<Option<QuestionRow>> {
    sqlx::query_as(&format!(
        "UPDATE questions SET status = $1 WHERE stream_id = $2 AND id = $3 RETURNING {COLUMNS}"
    ))
    .bind(status.as_str())
    .bind(stream_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn mark_answered(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    id: i64,
    at: i64,
) -> sqlx::Result<Option<QuestionRow>> {
    sqlx::query_as(&format!(
        "UPDATE questions SET answered_at = COALESCE(answered_at, $1) WHERE stream_id = $2 AND id = $3 RETURNING {COLUMNS}"
    ))
    .bind(at)
    .bind(stream_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_statuses_decode_from_their_column_words_only() {
        for q in [
            QuestionStatus::Pending,
            QuestionStatus::Visible,
            QuestionStatus::Hidden,
        ] {
            assert_eq!(QuestionStatus::try_from(q.as_str().to_string()), Ok(q));
        }
        assert!(QuestionStatus::try_from("Visible".to_string()).is_err());
    }
}
