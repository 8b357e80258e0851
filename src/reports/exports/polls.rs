//! `GET /reports/streams/{id}/polls.csv`: every poll of a stream (issue 20), one row per
//! answer, with its votes and share, so a marketer sees what the audience chose.

use axum::extract::{Path, State};
use axum::response::Response;

use super::csv_out::csv_response;
use crate::auth::Member;
use crate::auth::roles::ViewReports;
use crate::error::{Error, Result};
use crate::live::store::polls;
use crate::reports::figures::store;
use crate::state::AppState;

pub const POLL_COLUMNS: [&str; 10] = [
    "poll_id",
    "question",
    "answer_index",
    "answer",
    "votes",
    "share",
    "total_votes",
    "opened_at",
    "closed_at",
    "stream_id",
];

pub async fn csv(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let db = &state.db.pool;
    store::stream(db, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut rows = Vec::new();
    for poll in polls::list(db, id).await? {
        let answers = &poll.options.0;
        let counts = polls::counts(db, poll.id, answers.len()).await?;
        let total: i64 = counts.iter().sum();
        // Closed by the host, or by its countdown.
        let closed = poll.closed_at.or(poll.closes_at);
        for (i, (answer, votes)) in answers.iter().zip(&counts).enumerate() {
            let share = if total > 0 {
                format!("{:.4}", *votes as f64 / total as f64)
            } else {
                String::new()
            };
            rows.push(vec![
                poll.id.to_string(),
                poll.question.clone(),
                i.to_string(),
                answer.clone(),
                votes.to_string(),
                share,
                total.to_string(),
                crate::time::iso(poll.opened_at),
                closed.map(crate::time::iso).unwrap_or_default(),
                id.to_string(),
            ]);
        }
    }
    csv_response(&format!("stream-{id}-polls.csv"), &POLL_COLUMNS, rows)
}
