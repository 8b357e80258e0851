//! What a shopper does in the room: choose a name, ask, vote, chat, react. Each answers
//! JSON; refusals say why (409 when the stream is not live, 429 to slow down, 403 when
//! blocked).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::store::questions::QuestionStatus;
use super::viewer::{self, Viewer};
use super::{Access, events, load_live, store};
use crate::db::now_ms;
use crate::error::{ApiError, Error, invalid};
use crate::state::AppState;
use crate::web::ratelimit;

type ApiResult<T> = Result<T, ApiError>;

/// Longest question and chat message, in characters.
pub const QUESTION_MAX: usize = 280;
pub const CHAT_MAX: usize = 200;

#[derive(Debug, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

pub async fn set_name(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    mut viewer: Viewer,
    Json(form): Json<NameForm>,
) -> ApiResult<Json<Value>> {
    super::public_stream(&state, &shop, &stream).await?;
    let name = viewer::display_name(&form.name).map_err(|m| invalid("name", m))?;
    viewer.set_name(&state, name.clone()).await?;
    Ok(Json(json!({ "name": name })))
}

#[derive(Debug, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    body: String,
}

/// The checks every contribution passes: a name, a live stream, not blocked, the word filter.
async fn contribution(
    state: &AppState,
    access: &Access,
    viewer: &Viewer,
    body: &str,
    max: usize,
    what: &str,
) -> ApiResult<(String, String)> {
    let name = viewer.name.clone().ok_or_else(|| {
        invalid(
            "name",
            "Choose a name first: it is shown next to what you write.",
        )
    })?;
    let text = viewer::message(body, max, what).map_err(|m| invalid("body", m))?;
    let pool = &state.db.pool;
    if store::chat::is_blocked(
        pool,
        access.stream.shop_id,
        access.stream.id,
        &viewer.id,
        &viewer.ip,
    )
    .await?
    {
        return Err(ApiError(Error::Forbidden));
    }
    let words = store::chat::filter_words(pool, access.stream.shop_id).await?;
    if viewer::filtered(&text, &words) {
        return Err(invalid(
            "body",
            format!("Your {what} contains a word this shop does not allow."),
        ));
    }
    Ok((name, text))
}

pub async fn ask(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<MessageForm>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let access = load_live(&state, &shop, &stream, &viewer).await?;
    // Staff are not throttled like shoppers: the host answers in bursts.
    if access.user_id.is_none() {
        ratelimit::check(
            &state.limits.viewer_questions,
            &viewer.id,
            "questions: slow down",
        )?;
    }
    let (name, body) = contribution(
        &state,
        &access,
        &viewer,
        &form.body,
        QUESTION_MAX,
        "question",
    )
    .await?;
    let settings =
        store::room_settings(&state.db.pool, access.stream.shop_id, access.stream.id).await?;
    let status = if settings.premoderation && !access.moderator {
        QuestionStatus::Pending
    } else {
        QuestionStatus::Visible
    };
    let q = store::questions::insert(
        &state.db.pool,
        access.stream.shop_id,
        access.stream.id,
        &viewer.id,
        &name,
        &body,
        status,
    )
    .await?;
    let payload = events::question(&q, access.stream.started_at);
    if status == QuestionStatus::Visible {
        state
            .live
            .emit(
                access.stream.shop_id,
                access.stream.id,
                "question",
                payload.clone(),
            )
            .await?;
    } else {
        state
            .live
            .moderation(
                access.stream.shop_id,
                access.stream.id,
                "question",
                payload.clone(),
            )
            .await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({ "question": payload, "pending": status == QuestionStatus::Pending })),
    ))
}

pub async fn vote(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_live(&state, &shop, &stream, &viewer).await?;
    ratelimit::check(&state.limits.viewer_actions, &viewer.id, "votes: slow down")?;
    // The question must belong to this stream: a vote for another stream's question is 404.
    let q = store::questions::get(&state.db.pool, access.stream.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    if q.status != QuestionStatus::Visible {
        return Err(ApiError(Error::NotFound));
    }
    match store::questions::vote(&state.db.pool, q.id, &viewer.id).await? {
        Some(votes) => {
            let updated = store::questions::QuestionRow { votes, ..q };
            let payload = events::question(&updated, access.stream.started_at);
            state
                .live
                .emit(access.stream.shop_id, access.stream.id, "question", payload)
                .await?;
            Ok(Json(json!({ "votes": votes, "counted": true })))
        }
        None => Ok(Json(
            json!({ "votes": q.votes, "counted": false, "message": "You already voted for this question." }),
        )),
    }
}

pub async fn chat(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<MessageForm>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let access = load_live(&state, &shop, &stream, &viewer).await?;
    if access.user_id.is_none() {
        ratelimit::check(&state.limits.viewer_chat, &viewer.id, "messages: slow down")?;
    }
    let (name, body) =
        contribution(&state, &access, &viewer, &form.body, CHAT_MAX, "message").await?;
    let pool = &state.db.pool;
    let settings = store::room_settings(pool, access.stream.shop_id, access.stream.id).await?;
    if settings.slow_mode_secs > 0 && !access.moderator {
        let wait_ms = settings.slow_mode_secs * 1000;
        if let Some(last) = store::chat::last_message_at(pool, access.stream.id, &viewer.id).await?
        {
            let left = last + wait_ms - now_ms();
            if left > 0 {
                let secs = (left + 999) / 1000;
                return Err(ApiError(Error::TooMany {
                    message: format!("Slow mode is on: you can write again in {secs} s."),
                    retry_after: std::time::Duration::from_millis(left as u64),
                }));
            }
        }
    }
    let row = store::chat::insert(
        pool,
        access.stream.shop_id,
        access.stream.id,
        &viewer.id,
        &name,
        &body,
    )
    .await?;
    let payload = events::chat(&row);
    state
        .live
        .emit(
            access.stream.shop_id,
            access.stream.id,
            "chat",
            payload.clone(),
        )
        .await?;
    // The open giveaway's keyword enters its author (the message is posted either way).
    let giveaway =
        super::giveaways::entry::on_chat(&state, &access.stream, &viewer, &name, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "message": payload, "giveaway": giveaway })),
    ))
}

#[derive(Debug, Deserialize)]
pub struct ReactionForm {
    #[serde(default = "one")]
    count: u64,
}

fn one() -> u64 {
    1
}

/// Most taps one batch may carry (a browser sends at most a few batches a second).
pub const REACTION_BATCH_MAX: u64 = 50;

pub async fn react(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<ReactionForm>,
) -> ApiResult<StatusCode> {
    let access = load_live(&state, &shop, &stream, &viewer).await?;
    ratelimit::check(
        &state.limits.viewer_reactions,
        &viewer.id,
        "reactions: slow down",
    )?;
    if form.count == 0 || form.count > REACTION_BATCH_MAX {
        return Err(invalid(
            "count",
            format!("Send between 1 and {REACTION_BATCH_MAX} reactions at a time."),
        ));
    }
    state
        .live
        .react(access.stream.shop_id, access.stream.id, form.count)
        .await?;
    Ok(StatusCode::ACCEPTED)
}
