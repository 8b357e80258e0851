//! What hosts and moderators do in the room: pin products with live offers, work the
//! question queue, delete chat, block viewers, slow mode and pre-moderation, trusted
//! viewers as moderators. Pins and room settings are for staff (`UseStudio`); the
//! question and chat actions also for trusted viewers the host made moderators.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::offer::LiveOffer;
use super::store::chat::Contribution;
use super::store::questions::QuestionStatus;
use super::viewer::Viewer;
use super::{events, load_moderator, store};
use crate::db::{OnConstraint, now_ms};
use crate::error::{ApiError, Error, invalid};
use crate::state::AppState;

type ApiResult<T> = Result<T, ApiError>;

/// Longest live offer, in minutes.
pub const OFFER_MAX_MINUTES: i64 = 24 * 60;

#[derive(Debug, Deserialize)]
pub struct PinForm {
    product_id: i64,
    /// Offer price as typed ("29" or "29.00"), in the product's currency.
    #[serde(default)]
    offer_price: Option<String>,
    #[serde(default)]
    offer_minutes: Option<i64>,
    #[serde(default)]
    offer_units: Option<i64>,
}

pub async fn pin(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<PinForm>,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    // Only an active product of this shop can be pinned.
    let card = store::pins::card(pool, s.shop_id, form.product_id)
        .await?
        .ok_or_else(|| invalid("product_id", "Pick an active product of your catalogue."))?;
    let now = now_ms();
    let offer = match form
        .offer_price
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => {
            if form.offer_minutes.is_some() || form.offer_units.is_some() {
                return Err(invalid(
                    "offer_price",
                    "Give the offer a price, or clear its time and unit limits.",
                ));
            }
            None
        }
        Some(price) => {
            let price = crate::money::parse(price, &card.currency)
                .map_err(|m| invalid("offer_price", m))?;
            if price >= card.price {
                return Err(invalid(
                    "offer_price",
                    format!(
                        "An offer must be below the regular price ({}).",
                        card.price_display
                    ),
                ));
            }
            if let Some(m) = form.offer_minutes
                && !(1..=OFFER_MAX_MINUTES).contains(&m)
            {
                return Err(invalid(
                    "offer_minutes",
                    format!("Between 1 and {OFFER_MAX_MINUTES} minutes."),
                ));
            }
            if let Some(u) = form.offer_units
                && u < 1
            {
                return Err(invalid("offer_units", "At least one unit."));
            }
            Some(LiveOffer {
                price,
                currency: card.currency.clone(),
                unit_limit: form.offer_units,
                units_taken: 0,
                ends_at: form.offer_minutes.map(|m| now + m * 60_000),
            })
        }
    };
    let mut tx = pool.begin().await?;
    let closed = store::pins::close_open_pin(&mut *tx, s.id, now).await?;
    let row = store::pins::insert_pin(
        &mut *tx,
        &store::pins::NewPin {
            shop_id: s.shop_id,
            stream_id: s.id,
            product_id: card.product_id,
            at: now,
            offer: offer.as_ref(),
            pinned_by: access.user_id.unwrap_or_default(),
        },
    )
    .await
    .on_unique("pins", "stream_id")?;
    // Another host pinned at the same instant: the partial unique index keeps one.
    let Some(row) = row else {
        return Err(ApiError(Error::Conflict(
            "Another product was pinned at the same moment. Try again.".into(),
        )));
    };
    tx.commit().await?;
    if let Some(old) = closed {
        state
            .live
            .emit(s.shop_id, s.id, "unpin", events::unpin(old))
            .await?;
    }
    let payload = events::pin(&row, &card);
    state
        .live
        .emit(s.shop_id, s.id, "pin", payload.clone())
        .await?;
    Ok(Json(json!({ "pin": payload })))
}

pub async fn unpin(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    match store::pins::close_open_pin(&state.db.pool, s.id, now_ms()).await? {
        Some(id) => {
            state
                .live
                .emit(s.shop_id, s.id, "unpin", events::unpin(id))
                .await?;
            Ok(Json(json!({ "unpinned": id })))
        }
        None => Err(ApiError(Error::Conflict("Nothing is pinned.".into()))),
    }
}

/// `answer`, `feature`, `unfeature`, `hide`, `approve` on one question.
pub async fn question_action(
    State(state): State<AppState>,
    Path((shop, stream, id, action)): Path<(String, String, i64, String)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, false).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    let q = store::questions::get(pool, s.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let updated = match action.as_str() {
        "answer" => store::questions::mark_answered(pool, s.id, id, now_ms()).await?,
        "hide" => store::questions::set_status(pool, s.id, id, QuestionStatus::Hidden).await?,
        "approve" => store::questions::set_status(pool, s.id, id, QuestionStatus::Visible).await?,
        "feature" | "unfeature" => {
            if action == "feature" && q.status != QuestionStatus::Visible {
                return Err(ApiError(Error::Conflict(
                    "Approve the question before featuring it.".into(),
                )));
            }
            let featured = (action == "feature").then_some(id);
            store::set_featured_question(pool, s.id, featured).await?;
            let payload = featured.map(|_| events::question(&q, s.started_at));
            state
                .live
                .emit(s.shop_id, s.id, "featured", json!({ "question": payload }))
                .await?;
            return Ok(Json(json!({ "featured": featured })));
        }
        _ => return Err(ApiError(Error::NotFound)),
    }
    .ok_or(Error::NotFound)?;
    let payload = events::question(&updated, s.started_at);
    if updated.status == QuestionStatus::Hidden {
        state
            .live
            .emit(s.shop_id, s.id, "question_removed", events::removed(id))
            .await?;
        let settings = store::room_settings(pool, s.shop_id, s.id).await?;
        if settings.featured_question_id == Some(id) {
            store::set_featured_question(pool, s.id, None).await?;
            state
                .live
                .emit(s.shop_id, s.id, "featured", json!({ "question": null }))
                .await?;
        }
    } else {
        state
            .live
            .emit(s.shop_id, s.id, "question", payload.clone())
            .await?;
    }
    Ok(Json(json!({ "question": payload })))
}

pub async fn delete_chat(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, false).await?;
    let s = &access.stream;
    if !store::chat::delete(&state.db.pool, s.id, id).await? {
        return Err(ApiError(Error::NotFound));
    }
    state
        .live
        .emit(s.shop_id, s.id, "chat_removed", events::removed(id))
        .await?;
    Ok(Json(json!({ "deleted": id })))
}

#[derive(Debug, Deserialize)]
pub struct BlockForm {
    /// Whose author to block.
    kind: Contribution,
    id: i64,
    /// `stream` (default) or `shop`.
    #[serde(default)]
    scope: Option<String>,
}

pub async fn block(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<BlockForm>,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, false).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    let author = store::chat::author(pool, s.id, form.kind, form.id)
        .await?
        .ok_or(Error::NotFound)?;
    let (viewer_id, name) = (author.viewer_id, author.display_name);
    let shop_wide = form.scope.as_deref() == Some("shop");
    if shop_wide && access.user_id.is_none() {
        return Err(ApiError(Error::Forbidden));
    }
    // A repeat offender is also blocked by the address they last wrote from.
    let ip = if store::chat::previous_blocks(pool, s.shop_id, &viewer_id).await? > 0 {
        super::last_ip(&state, &viewer_id)
    } else {
        None
    };
    store::chat::insert_block(
        pool,
        &store::chat::NewBlock {
            shop_id: s.shop_id,
            stream_id: (!shop_wide).then_some(s.id),
            viewer_id: &viewer_id,
            ip: ip.as_deref(),
            display_name: &name,
            created_by: access.user_id.unwrap_or_default(),
        },
    )
    .await?;
    Ok(Json(
        json!({ "blocked": name, "scope": if shop_wide { "shop" } else { "stream" } }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    slow_mode_secs: Option<i64>,
    #[serde(default)]
    premoderation: Option<bool>,
}

pub async fn settings(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<SettingsForm>,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    store::room_settings(pool, s.shop_id, s.id).await?;
    if let Some(secs) = form.slow_mode_secs {
        if !(0..=600).contains(&secs) {
            return Err(invalid(
                "slow_mode_secs",
                "Slow mode is 0 (off) to 600 seconds.",
            ));
        }
        store::set_slow_mode(pool, s.id, secs).await?;
    }
    if let Some(on) = form.premoderation {
        store::set_premoderation(pool, s.id, on).await?;
    }
    let now = store::room_settings(pool, s.shop_id, s.id).await?;
    let payload =
        json!({ "slow_mode_secs": now.slow_mode_secs, "premoderation": now.premoderation });
    state
        .live
        .emit(s.shop_id, s.id, "settings", payload.clone())
        .await?;
    Ok(Json(payload))
}

#[derive(Debug, Deserialize)]
pub struct ModeratorForm {
    kind: Contribution,
    id: i64,
}

/// Make the author of a question or message a moderator of this stream.
pub async fn add_moderator(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<ModeratorForm>,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    let author = store::chat::author(&state.db.pool, s.id, form.kind, form.id)
        .await?
        .ok_or(Error::NotFound)?;
    let (viewer_id, name) = (author.viewer_id, author.display_name);
    store::chat::add_moderator(&state.db.pool, s.shop_id, s.id, &viewer_id, &name).await?;
    Ok(Json(json!({ "moderator": name })))
}
