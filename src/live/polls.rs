//! Polls: the host asks a question with 2–5 answers (optionally on a countdown), every
//! viewer answers once, and everyone sees the results as bars, live. A `poll` event (the
//! poll with its votes per answer) goes out when it opens, when it closes, and with new
//! results at most every [`RESULTS_EVERY`] while votes come in: a thousand votes in a
//! second are a handful of events, not a thousand. The vote itself is decided by the
//! database (one row per viewer and poll), so a double tap or a race counts once.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::store::{LiveStream, polls};
use super::viewer::Viewer;
use super::{events, load_live, load_moderator};
use crate::db::now_ms;
use crate::error::{ApiError, Error, invalid};
use crate::live::registry::Due;
use crate::state::AppState;

type ApiResult<T> = Result<T, ApiError>;

/// Results go out at most this often while votes come in.
pub const RESULTS_EVERY: Duration = Duration::from_millis(250);
pub const QUESTION_MAX: usize = 140;
pub const ANSWER_MAX: usize = 60;
/// Countdown bounds, in seconds.
pub const SECONDS: std::ops::RangeInclusive<i64> = 10..=600;

#[derive(Debug, Deserialize)]
pub struct PollForm {
    question: String,
    /// The answers in order; blank ones (an unused field of the form) are dropped.
    options: Vec<String>,
    /// A countdown in seconds; none: open until closed.
    #[serde(default)]
    seconds: Option<i64>,
}

/// The form checked: the question, the answers, the countdown.
pub(super) fn checked(form: &PollForm) -> Result<(String, Vec<String>, Option<i64>), ApiError> {
    let question = form.question.trim().to_string();
    if question.is_empty() || question.chars().count() > QUESTION_MAX {
        return Err(invalid(
            "question",
            "Ask a question of 1 to 140 characters.",
        ));
    }
    let options: Vec<String> = form
        .options
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if !(2..=5).contains(&options.len()) {
        return Err(invalid("options", "Give between 2 and 5 answers."));
    }
    if options.iter().any(|o| o.chars().count() > ANSWER_MAX) {
        return Err(invalid("options", "Keep each answer to 60 characters."));
    }
    let mut seen: Vec<String> = options.iter().map(|o| o.to_lowercase()).collect();
    seen.sort();
    seen.dedup();
    if seen.len() != options.len() {
        return Err(invalid("options", "Each answer must be different."));
    }
    if let Some(s) = form.seconds
        && !SECONDS.contains(&s)
    {
        return Err(invalid(
            "seconds",
            "A countdown runs from 10 seconds to 10 minutes.",
        ));
    }
    Ok((question, options, form.seconds))
}

/// `POST …/live/polls`: open a poll (the stream's open one closes).
pub async fn open(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<PollForm>,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let (question, options, seconds) = checked(&form)?;
    let s = &access.stream;
    let now = now_ms();
    let closes_at = seconds.map(|secs| now + secs * 1000);
    let id = polls::open(
        &state.db.pool,
        s.shop_id,
        s.id,
        &question,
        &options,
        now,
        closes_at,
    )
    .await?;
    let data = announce(&state, s, id).await?;
    if let Some(at) = closes_at {
        // The countdown's end is announced by whoever runs it; votes after it are refused
        // by the poll's own time whatever happens to this task.
        let (state, stream) = (state.clone(), s.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis((at - now).max(0) as u64)).await;
            if let Err(err) = announce(&state, &stream, id).await {
                tracing::warn!(poll = id, error = %err, "could not announce the end of a poll");
            }
        });
    }
    Ok(Json(data))
}

/// `POST …/live/polls/{id}/close`: stop taking votes; the results stay on screen.
pub async fn close(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    polls::get(&state.db.pool, s.id, id)
        .await?
        .ok_or(ApiError(Error::NotFound))?;
    polls::close(&state.db.pool, id, now_ms()).await?;
    Ok(Json(announce(&state, s, id).await?))
}

#[derive(Debug, Deserialize)]
pub struct VoteForm {
    option: usize,
}

/// `POST …/live/polls/{id}/votes`: a viewer's one answer.
pub async fn vote(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
    Json(form): Json<VoteForm>,
) -> ApiResult<Json<Value>> {
    let access = load_live(&state, &shop, &stream, &viewer).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    let Some(poll) = polls::get(pool, s.id, id).await? else {
        return Err(ApiError(Error::NotFound));
    };
    let now = now_ms();
    if !poll.is_open(now) {
        return Err(ApiError(Error::Conflict("This poll has closed.".into())));
    }
    if form.option >= poll.options.0.len() {
        return Err(invalid("option", "Pick one of the poll's answers."));
    }
    if !polls::vote(pool, id, &viewer.id, form.option, now).await? {
        return Err(ApiError(Error::Conflict(
            "You have already answered this poll.".into(),
        )));
    }
    results_soon(&state, s, id).await?;
    let counts = polls::counts(pool, id, poll.options.0.len()).await?;
    Ok(Json(json!({
        "poll": events::poll(&poll, &counts, now),
        "voted": form.option,
    })))
}

/// Send the poll with its votes now, as a durable `poll` event; gives back its data.
async fn announce(state: &AppState, s: &LiveStream, id: i64) -> Result<Value, Error> {
    let pool = &state.db.pool;
    let poll = polls::get(pool, s.id, id).await?.ok_or(Error::NotFound)?;
    let counts = polls::counts(pool, id, poll.options.0.len()).await?;
    let data = events::poll(&poll, &counts, now_ms());
    state
        .live
        .emit(s.shop_id, s.id, "poll", data.clone())
        .await?;
    Ok(data)
}

/// New results within [`RESULTS_EVERY`]: the first vote of an interval schedules them,
/// the others ride along.
async fn results_soon(state: &AppState, s: &LiveStream, id: i64) -> Result<(), Error> {
    let entry = state.live.room(s.shop_id, s.id).await?;
    let (state, stream) = (state.clone(), s.clone());
    entry.soon(Due::PollResults, RESULTS_EVERY, move || async move {
        if let Err(err) = announce(&state, &stream, id).await {
            tracing::warn!(poll = id, error = %err, "could not send a poll's results");
        }
    });
    Ok(())
}

/// The stream's latest poll for the room's state, with `viewer_id`'s answer if any.
pub async fn for_state(
    state: &AppState,
    stream: &LiveStream,
    viewer_id: Option<&str>,
) -> Result<Option<Value>, Error> {
    let pool = &state.db.pool;
    let Some(poll) = polls::latest(pool, stream.id).await? else {
        return Ok(None);
    };
    let counts = polls::counts(pool, poll.id, poll.options.0.len()).await?;
    let mut data = events::poll(&poll, &counts, now_ms());
    if let Some(viewer) = viewer_id {
        data["voted"] = polls::choice(pool, poll.id, viewer).await?.into();
    }
    Ok(Some(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(question: &str, options: &[&str], seconds: Option<i64>) -> PollForm {
        PollForm {
            question: question.into(),
            options: options.iter().map(|o| o.to_string()).collect(),
            seconds,
        }
    }

    #[test]
    fn a_poll_needs_a_question_two_to_five_different_answers_and_a_sane_countdown() {
        let ok = checked(&form(" Which colour? ", &["Red", " Blue ", ""], Some(30))).unwrap();
        assert_eq!(
            ok,
            (
                "Which colour?".into(),
                vec!["Red".into(), "Blue".into()],
                Some(30)
            )
        );
        for bad in [
            form("", &["a", "b"], None),
            form(&"x".repeat(141), &["a", "b"], None),
            form("Q", &["a"], None),
            form("Q", &["a", "b", "c", "d", "e", "f"], None),
            form("Q", &["Red", "red"], None),
            form("Q", &["a", &"b".repeat(61)], None),
            form("Q", &["a", "b"], Some(5)),
            form("Q", &["a", "b"], Some(601)),
        ] {
            assert!(checked(&bad).is_err(), "{bad:?}");
        }
    }
}
