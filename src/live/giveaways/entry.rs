//! Entering a giveaway: the conditions the host picked, checked when the viewer enters
//! (by the button, or by sending the keyword in chat); a viewer who does not meet one is
//! told which, and one who enters twice counts once (the key of `live_giveaway_entries`).

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::{RECENT_MS, count_soon};
use crate::db::now_ms;
use crate::error::{ApiError, Error, invalid};
use crate::live::store::LiveStream;
use crate::live::store::giveaways::{self, GiveawayRow};
use crate::live::viewer::Viewer;
use crate::state::AppState;

/// The conditions as shoppers read them, before entering.
pub fn conditions(g: &GiveawayRow) -> Vec<String> {
    let mut out = Vec::new();
    if g.min_watch_minutes > 0 {
        out.push(format!(
            "Watch this stream for at least {} minute{}.",
            g.min_watch_minutes,
            if g.min_watch_minutes == 1 { "" } else { "s" }
        ));
    }
    if g.needs_question {
        out.push("Ask the host a question in this stream.".into());
    }
    if g.needs_order {
        out.push("Buy something in this stream.".into());
    }
    if g.not_recent_winner {
        out.push("Not have won a giveaway of this shop in the last 30 days.".into());
    }
    out
}

/// Why `viewer_id` may not enter `g` now, in a sentence; `None` when they may. Only the
/// conditions the host picked are read.
async fn unmet(
    state: &AppState,
    g: &GiveawayRow,
    viewer_id: &str,
    now: i64,
) -> Result<Option<String>, Error> {
    let pool = &state.db.pool;
    let need_ms = g.min_watch_minutes * 60_000;
    if need_ms > 0 {
        let watched = giveaways::watched_ms(pool, g.stream_id, viewer_id, now).await?;
        if watched < need_ms {
            let left = (need_ms - watched + 59_999) / 60_000;
            return Ok(Some(format!(
                "Keep watching: this giveaway is for viewers who watched {} minutes ({} to go).",
                g.min_watch_minutes, left
            )));
        }
    }
    if g.needs_question && !giveaways::asked(pool, g.stream_id, viewer_id).await? {
        return Ok(Some(
            "Ask the host a question first: this giveaway is for viewers who asked one.".into(),
        ));
    }
    if g.needs_order && !giveaways::bought(pool, g.stream_id, viewer_id).await? {
        return Ok(Some(
            "This giveaway is for shoppers who bought something in this stream.".into(),
        ));
    }
    if g.not_recent_winner
        && giveaways::won_since(pool, g.shop_id, viewer_id, now - RECENT_MS).await?
    {
        return Ok(Some(
            "You won a giveaway of this shop in the last 30 days: let someone else have a go."
                .into(),
        ));
    }
    Ok(None)
}

/// How an entry went, for the page.
pub enum Entered {
    Now,
    Already,
    Refused(String),
}

/// Enter `viewer` (with their display name) into `g` by `via`, after the conditions.
async fn enter_as(
    state: &AppState,
    s: &LiveStream,
    g: &GiveawayRow,
    viewer: &Viewer,
    name: &str,
    via: &str,
) -> Result<Entered, Error> {
    let now = now_ms();
    if let Some(why) = unmet(state, g, &viewer.id, now).await? {
        return Ok(Entered::Refused(why));
    }
    if !giveaways::enter(&state.db.pool, g.id, &viewer.id, name, via, now).await? {
        return Ok(Entered::Already);
    }
    count_soon(state, s, g.id).await?;
    Ok(Entered::Now)
}

/// `POST …/live/giveaways/{id}/enter`: the button.
pub async fn enter(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> Result<Json<Value>, ApiError> {
    let access = crate::live::load_live(&state, &shop, &stream, &viewer).await?;
    let s = &access.stream;
    let g = giveaways::get(&state.db.pool, s.id, id)
        .await?
        .ok_or(ApiError(Error::NotFound))?;
    if !g.is_open() {
        return Err(ApiError(Error::Conflict(
            "This giveaway is closed to entries.".into(),
        )));
    }
    let Some(name) = viewer.name.clone() else {
        return Err(invalid(
            "name",
            "Choose a name first: the winners' names are shown on the video.",
        ));
    };
    match enter_as(&state, s, &g, &viewer, &name, "button").await? {
        Entered::Now => Ok(Json(json!({ "entered": true }))),
        Entered::Already => Err(ApiError(Error::Conflict(
            "You are in already: one entry each.".into(),
        ))),
        Entered::Refused(why) => Err(ApiError(Error::Refused(why))),
    }
}

/// A chat message was posted: when it is the open giveaway's keyword, enter its author.
/// What the author should be told (`None` when it was not the keyword).
pub async fn on_chat(
    state: &AppState,
    s: &LiveStream,
    viewer: &Viewer,
    name: &str,
    text: &str,
) -> Result<Option<Value>, Error> {
    let Some(g) = giveaways::open_with_keyword(&state.db.pool, s.id).await? else {
        return Ok(None);
    };
    if g.keyword.as_deref() != Some(text.trim().to_lowercase().as_str()) {
        return Ok(None);
    }
    Ok(Some(
        match enter_as(state, s, &g, viewer, name, "chat").await? {
            Entered::Now => {
                json!({"id": g.id, "entered": true, "message": "You are in the giveaway."})
            }
            Entered::Already => {
                json!({"id": g.id, "entered": true, "message": "You are in already: one entry each."})
            }
            Entered::Refused(why) => json!({"id": g.id, "entered": false, "message": why}),
        },
    ))
}
