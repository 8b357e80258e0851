//! The studio's queue of prepared formats: the host sets up polls, auctions, coupons and
//! giveaways before or during the stream, orders them, and fires them one by one while
//! live (with the keys 1–9 in the studio, `static/queue.js`). A queued format is the body
//! its own endpoint takes: checked with that format's rules when it is added (so the form
//! says what is wrong then), and again by the endpoint when it is fired, since a stream,
//! a stock count or a code may have changed meanwhile. Staff only.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::store::queue;
use super::viewer::Viewer;
use super::{auctions, coupons, giveaways, load_staff, polls};
use crate::db::now_ms;
use crate::error::{ApiError, Error, invalid};
use crate::state::AppState;

type ApiResult<T> = Result<T, ApiError>;

pub const LABEL_MAX: usize = 120;
/// A stream's queue holds at most this many formats.
pub const MAX_QUEUED: usize = 50;

#[derive(Debug, Deserialize)]
pub struct AddForm {
    kind: String,
    label: String,
    body: Value,
}

/// The body checked by its format's rules, as far as they need no database.
fn check(kind: &str, body: &Value, currency: &str) -> Result<(), ApiError> {
    let shape = |e: serde_json::Error| invalid("body", format!("The {kind} is incomplete: {e}."));
    match kind {
        "poll" => {
            let form: polls::PollForm = serde_json::from_value(body.clone()).map_err(shape)?;
            polls::checked(&form).map(|_| ())
        }
        "coupon" => {
            let form: coupons::DropForm = serde_json::from_value(body.clone()).map_err(shape)?;
            coupons::checked(&form, currency).map(|_| ())
        }
        "giveaway" => {
            let form: giveaways::OpenForm = serde_json::from_value(body.clone()).map_err(shape)?;
            giveaways::checked(&form).map(|_| ())
        }
        "auction" => serde_json::from_value::<auctions::host::StartForm>(body.clone())
            .map(|_| ())
            .map_err(shape),
        _ => Err(invalid(
            "kind",
            "Queue a poll, an auction, a coupon or a giveaway.",
        )),
    }
}

fn view(rows: &[queue::QueuedRow]) -> Value {
    json!({
        "items": rows.iter().map(|r| json!({
            "id": r.id,
            "kind": r.kind,
            "label": r.label,
            "body": serde_json::from_str::<Value>(&r.body).unwrap_or(Value::Null),
            "fired_at": r.fired_at,
        })).collect::<Vec<_>>(),
    })
}

/// `GET …/live/queue`
pub async fn list(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_staff(&state, &shop, &stream, &viewer).await?;
    let rows = queue::list(&state.db.pool, access.stream.id).await?;
    Ok(Json(view(&rows)))
}

/// `POST …/live/queue`: `{kind, label, body}` added at the end; the whole queue back.
pub async fn add(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<AddForm>,
) -> ApiResult<Json<Value>> {
    let access = load_staff(&state, &shop, &stream, &viewer).await?;
    let s = &access.stream;
    let pool = &state.db.pool;
    let label = form.label.trim();
    if label.is_empty() || label.chars().count() > LABEL_MAX {
        return Err(invalid(
            "label",
            "Name the queued format in 1 to 120 characters.",
        ));
    }
    check(&form.kind, &form.body, &s.currency)?;
    if queue::list(pool, s.id).await?.len() >= MAX_QUEUED {
        return Err(ApiError(Error::Conflict(
            "The queue holds 50 formats: fire or remove some first.".into(),
        )));
    }
    queue::add(
        pool,
        s.shop_id,
        s.id,
        &form.kind,
        label,
        &form.body.to_string(),
        now_ms(),
    )
    .await?;
    Ok(Json(view(&queue::list(pool, s.id).await?)))
}

#[derive(Debug, Deserialize)]
pub struct OrderForm {
    ids: Vec<i64>,
}

/// `POST …/live/queue/order`: `{ids}` every queued id of the stream in the new order.
pub async fn reorder(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<OrderForm>,
) -> ApiResult<Json<Value>> {
    let access = load_staff(&state, &shop, &stream, &viewer).await?;
    let pool = &state.db.pool;
    if !queue::reorder(pool, access.stream.id, &form.ids).await? {
        return Err(ApiError(Error::Conflict(
            "The queue changed meanwhile: reload it and move the format again.".into(),
        )));
    }
    Ok(Json(view(&queue::list(pool, access.stream.id).await?)))
}

/// `POST …/live/queue/{id}/remove`
pub async fn remove(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_staff(&state, &shop, &stream, &viewer).await?;
    let pool = &state.db.pool;
    if !queue::remove(pool, access.stream.id, id).await? {
        return Err(ApiError(Error::NotFound));
    }
    Ok(Json(view(&queue::list(pool, access.stream.id).await?)))
}

/// `POST …/live/queue/{id}/fired`: the studio fired it through its format's endpoint.
pub async fn fired(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_staff(&state, &shop, &stream, &viewer).await?;
    let pool = &state.db.pool;
    if !queue::fired(pool, access.stream.id, id, now_ms()).await? {
        return Err(ApiError(Error::Conflict(
            "This format was fired already.".into(),
        )));
    }
    Ok(Json(view(&queue::list(pool, access.stream.id).await?)))
}
