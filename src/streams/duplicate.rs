//! "Run this demo again next week": a copy of a stream one week later at the same
//! local time, with its featured products and cover, and a key of its own.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::edit::{Parsed, insert_with_key, show_key};
use super::store;
use crate::auth::Member;
use crate::auth::roles::ManageStreams;
use crate::db::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;

/// The same demo a week later at the same local time (or the first such week still ahead).
pub async fn duplicate(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let stream = store::by_id(pool, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let tz = crate::time::zone(&user.shop.time_zone);
    let mut start = jiff::Timestamp::from_millisecond(stream.scheduled_at)
        .map_err(anyhow::Error::from)?
        .to_zoned(tz);
    loop {
        start = start
            .checked_add(jiff::Span::new().weeks(1))
            .map_err(anyhow::Error::from)?;
        if start.timestamp().as_millisecond() > now_ms() {
            break;
        }
    }
    let hosts = store::hosts(pool, user.shop.id).await?;
    let host_id = stream
        .host_id
        .filter(|h| hosts.iter().any(|host| host.id == *h))
        .unwrap_or(user.id);
    let parsed = Parsed {
        title: stream.title.clone(),
        description: stream.description.clone(),
        scheduled_at: start.timestamp().as_millisecond(),
        duration_min: stream.duration_min,
        host_id,
        sell_after_end: stream.sell_after_end,
    };
    let (new_id, key) = insert_with_key(&state, user.shop.id, user.id, &parsed).await?;
    store::featured::copy(pool, user.shop.id, id, new_id).await?;
    if let Some(cover) = &stream.cover_file {
        store::set_cover(pool, user.shop.id, new_id, Some(cover)).await?;
    }
    state.streams.invalidate_shop(user.shop.id);
    show_key(
        &user,
        &format!(
            "Scheduled again for {}.",
            crate::time::date_time(
                parsed.scheduled_at,
                &crate::time::zone(&user.shop.time_zone)
            )
        ),
        key,
    )
    .await;
    Ok(Redirect::to(&format!("/streams/{new_id}")).into_response())
}
