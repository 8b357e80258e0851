//! Giveaways: the host opens one on a prize (a variant of the shop) with its rules, one or
//! more winners, the conditions to enter (watched N minutes, asked a question, paid for
//! an order from this stream, not won in the last 30 days) and optionally a chat keyword;
//! viewers who meet them enter once, by the button or by sending the keyword in chat; the
//! host draws. The draw is reproducible (`draw`): its seed is committed to when the
//! giveaway opens and published with the entrant list after it. Winners claim the prize
//! through a zero-amount order (`orders::giveaway_claim`). A `giveaway` event goes out
//! when it opens, when it is drawn or cancelled, and with the entry count at most every
//! [`COUNT_EVERY`].
//!
//! - `draw`: the seed, the entrant refs and the draw itself (pure).
//! - `entry`: the conditions and the two ways in.

pub mod draw;
pub mod entry;

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::load_moderator;
use super::store::giveaways::{self, GiveawayRow, NewGiveaway, NewWinner};
use super::store::{LiveStream, auctions as lots};
use super::viewer::Viewer;
use crate::db::now_ms;
use crate::error::{ApiError, Error, invalid};
use crate::live::registry::Due;
use crate::state::AppState;

type ApiResult<T> = Result<T, ApiError>;

/// The entry count goes out at most this often while viewers enter.
pub const COUNT_EVERY: Duration = Duration::from_millis(250);
pub const RULES_MAX: usize = 1000;
pub const WINNERS: std::ops::RangeInclusive<i64> = 1..=20;
pub const WATCH_MINUTES: std::ops::RangeInclusive<i64> = 0..=240;
/// "Not won in the last 30 days".
pub const RECENT_MS: i64 = 30 * 24 * 3600 * 1000;

#[derive(Debug, Deserialize)]
pub struct OpenForm {
    variant_id: i64,
    rules: String,
    #[serde(default)]
    keyword: Option<String>,
    #[serde(default = "one")]
    winners: i64,
    #[serde(default)]
    min_watch_minutes: i64,
    #[serde(default)]
    needs_question: bool,
    #[serde(default)]
    needs_order: bool,
    #[serde(default)]
    not_recent_winner: bool,
}

fn one() -> i64 {
    1
}

/// The form's rules, keyword, winners and watch time checked.
pub(super) fn checked(form: &OpenForm) -> Result<(String, Option<String>), ApiError> {
    let rules = form.rules.trim().to_string();
    if rules.is_empty() || rules.chars().count() > RULES_MAX {
        return Err(invalid(
            "rules",
            "Write the rules shoppers read before entering (up to 1,000 characters).",
        ));
    }
    let keyword = match form.keyword.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(k) if (2..=30).contains(&k.chars().count()) && !k.contains(char::is_whitespace) => {
            Some(k.to_lowercase())
        }
        Some(_) => {
            return Err(invalid(
                "keyword",
                "A chat keyword is one word of 2 to 30 characters, like #win.",
            ));
        }
    };
    if !WINNERS.contains(&form.winners) {
        return Err(invalid("winners", "Draw from 1 to 20 winners."));
    }
    if !WATCH_MINUTES.contains(&form.min_watch_minutes) {
        return Err(invalid(
            "min_watch_minutes",
            "Ask for 0 to 240 minutes of watching.",
        ));
    }
    Ok((rules, keyword))
}

/// `POST …/live/giveaways`: open a giveaway (one open per stream).
pub async fn open(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<OpenForm>,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    let (rules, keyword) = checked(&form)?;
    let Some(lot) = lots::lot(pool, s.shop_id, form.variant_id).await? else {
        return Err(invalid("variant_id", "Pick a product of this shop."));
    };
    if !lot.unlimited && lot.stock < form.winners {
        return Err(invalid(
            "variant_id",
            format!(
                "There are {} in stock: not enough for {} winners.",
                lot.stock, form.winners
            ),
        ));
    }
    let seed = draw::new_seed();
    let prize = lot.title();
    let new = NewGiveaway {
        shop_id: s.shop_id,
        stream_id: s.id,
        product_id: lot.product_id,
        variant_id: form.variant_id,
        prize: &prize,
        rules: &rules,
        keyword: keyword.as_deref(),
        winners: form.winners,
        min_watch_minutes: form.min_watch_minutes,
        needs_question: form.needs_question,
        needs_order: form.needs_order,
        not_recent_winner: form.not_recent_winner,
        seed: &seed,
        seed_hash: &draw::seed_hash(&seed),
        opened_at: now_ms(),
    };
    let Some(id) = giveaways::open(pool, &new).await? else {
        return Err(ApiError(Error::Conflict(
            "A giveaway is open: draw it or cancel it before opening the next.".into(),
        )));
    };
    Ok(Json(announce(&state, s, id).await?))
}

/// `POST …/live/giveaways/{id}/cancel`: close it without a draw.
pub async fn cancel(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    giveaways::get(&state.db.pool, s.id, id)
        .await?
        .ok_or(ApiError(Error::NotFound))?;
    giveaways::cancel(&state.db.pool, id, now_ms()).await?;
    Ok(Json(announce(&state, s, id).await?))
}

/// `POST …/live/giveaways/{id}/draw`: draw the winners from the entrants, once.
pub async fn run_draw(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    let g = giveaways::get(pool, s.id, id)
        .await?
        .ok_or(ApiError(Error::NotFound))?;
    if !g.is_open() {
        return Err(ApiError(Error::Conflict(
            "This giveaway is over: it was drawn or cancelled.".into(),
        )));
    }
    let entries = giveaways::entries(pool, g.id).await?;
    if entries.is_empty() {
        return Err(ApiError(Error::Conflict(
            "Nobody has entered yet, so nobody can win: keep it open, or cancel it.".into(),
        )));
    }
    let (refs, order) = ordered(&g, &entries);
    let picked = draw::draw(&g.seed, order.len(), g.winners as usize);
    let winners: Vec<NewWinner> = picked
        .iter()
        .map(|i| {
            let e = &entries[order[*i]];
            NewWinner {
                viewer_id: &e.viewer_id,
                name: &e.name,
            }
        })
        .collect();
    let hash = draw::list_hash(&refs);
    if !giveaways::record_draw(pool, &g, refs.len() as i64, &hash, &winners, now_ms()).await? {
        return Err(ApiError(Error::Conflict(
            "This giveaway has just been drawn.".into(),
        )));
    }
    Ok(Json(announce(&state, s, id).await?))
}

/// The entrants in draw order (entry time, then ref) as refs, and as indexes into `entries`.
fn ordered(g: &GiveawayRow, entries: &[giveaways::Entry]) -> (Vec<String>, Vec<usize>) {
    let mut keyed: Vec<(i64, String, usize)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.entered_at, draw::entrant_ref(g.id, &e.viewer_id), i))
        .collect();
    keyed.sort();
    let refs = keyed.iter().map(|(_, r, _)| r.clone()).collect();
    let order = keyed.iter().map(|(_, _, i)| *i).collect();
    (refs, order)
}

/// `GET …/live/giveaways/{id}/draw`: the record anyone can redo the draw from, once it is
/// drawn: the seed and its hash, the entrants in draw order (ref and name), the list's
/// hash and the winners.
pub async fn record(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
) -> ApiResult<Json<Value>> {
    let s = super::public_stream(&state, &shop, &stream).await?;
    let pool = &state.db.pool;
    let g = giveaways::get(pool, s.id, id)
        .await?
        .ok_or(ApiError(Error::NotFound))?;
    if g.state != "drawn" {
        return Err(ApiError(Error::Conflict(
            "The seed is published once the giveaway is drawn.".into(),
        )));
    }
    let entries = giveaways::entries(pool, g.id).await?;
    let (refs, order) = ordered(&g, &entries);
    let winners = giveaways::winners(pool, g.id).await?;
    Ok(Json(json!({
        "giveaway_id": g.id,
        "algorithm": "docs/live-selling.md#giveaways: SHA-256 Fisher-Yates over the entrants in this order",
        "seed": g.seed,
        "seed_hash": g.seed_hash,
        "entrants": refs.iter().zip(&order).map(|(r, i)| json!({"ref": r, "name": entries[*i].name})).collect::<Vec<_>>(),
        "entrants_hash": g.entrants_hash,
        "winners": winners.iter().map(|w| json!({"place": w.place, "ref": draw::entrant_ref(g.id, &w.viewer_id), "name": w.name})).collect::<Vec<_>>(),
    })))
}

/// A giveaway as every screen shows it: names of winners, never viewer ids; the seed
/// only once drawn.
pub async fn view(pool: &sqlx::AnyPool, g: &GiveawayRow) -> Result<Value, Error> {
    Ok(view_with_winners(pool, g).await?.0)
}

/// [`view`] and the winners it was made from (the room's state reads the viewer's own
/// place from them rather than asking again).
async fn view_with_winners(
    pool: &sqlx::AnyPool,
    g: &GiveawayRow,
) -> Result<(Value, Vec<giveaways::Winner>), Error> {
    let winners = giveaways::winners(pool, g.id).await?;
    let entrants = if g.is_open() {
        giveaways::entry_count(pool, g.id).await?
    } else {
        g.entrants
    };
    let data = json!({
        "id": g.id,
        "prize": g.prize,
        "rules": g.rules,
        "keyword": g.keyword,
        "winners_wanted": g.winners,
        "conditions": entry::conditions(g),
        "state": g.state,
        "open": g.is_open(),
        "entrants": entrants,
        "seed_hash": g.seed_hash,
        "seed": (g.state == "drawn").then_some(&g.seed),
        "winners": winners.iter().map(|w| json!({"place": w.place, "name": w.name, "ref": draw::entrant_ref(g.id, &w.viewer_id)})).collect::<Vec<_>>(),
    });
    Ok((data, winners))
}

/// Send the giveaway now, as a durable `giveaway` event; gives back its data.
async fn announce(state: &AppState, s: &LiveStream, id: i64) -> Result<Value, Error> {
    let pool = &state.db.pool;
    let g = giveaways::get(pool, s.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let data = view(pool, &g).await?;
    state
        .live
        .emit(s.shop_id, s.id, "giveaway", data.clone())
        .await?;
    Ok(data)
}

/// A new entry: the count within [`COUNT_EVERY`].
async fn count_soon(state: &AppState, s: &LiveStream, id: i64) -> Result<(), Error> {
    let entry = state.live.room(s.shop_id, s.id).await?;
    let (state, stream) = (state.clone(), s.clone());
    entry.soon(Due::GiveawayCount, COUNT_EVERY, move || async move {
        if let Err(err) = announce(&state, &stream, id).await {
            tracing::warn!(giveaway = id, error = %err, "could not send a giveaway's count");
        }
    });
    Ok(())
}

/// The stream's latest giveaway for the room's state, with what it means for `viewer_id`:
/// entered, and the winning place if they won.
pub async fn for_state(
    state: &AppState,
    stream: &LiveStream,
    viewer_id: Option<&str>,
) -> Result<Option<Value>, Error> {
    let pool = &state.db.pool;
    let Some(g) = giveaways::latest(pool, stream.id).await? else {
        return Ok(None);
    };
    let (mut data, winners) = view_with_winners(pool, &g).await?;
    if let Some(viewer) = viewer_id {
        // The page's own ref: a winner's page knows it won from the broadcast names' refs.
        data["my_ref"] = draw::entrant_ref(g.id, viewer).into();
        // Whether they are in matters only while entries are taken.
        data["entered"] = (g.is_open() && giveaways::has_entered(pool, g.id, viewer).await?).into();
        let won = winners.into_iter().find(|w| w.viewer_id == viewer);
        data["won"] = match won {
            Some(w) => json!({"place": w.place, "claimed": w.order_id.is_some()}),
            None => Value::Null,
        };
    }
    Ok(Some(data))
}
